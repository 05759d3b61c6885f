use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    let cli = xtenant::cli::Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_env("XTENANT_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match cli.log_format {
        xtenant::cli::LogFormat::Json => builder.event_format(xtenant::logfmt::Json).init(),
        xtenant::cli::LogFormat::Text => builder.init(),
    }
    let code = match xtenant::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
