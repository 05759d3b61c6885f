use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    let cli = xtenant::cli::Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_env("XTENANT_LOG").unwrap_or_else(|_| EnvFilter::new(level)),
        )
        .init();
    let code = match xtenant::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
