//! The rule packs, the demo pair and the report templates are embedded with
//! `include_dir!`, which cargo cannot see: without this, editing a rule or a
//! demo file would leave a stale copy in the binary.
fn main() {
    for dir in ["rules", "fixtures/demo", "templates"] {
        if std::path::Path::new(dir).exists() {
            println!("cargo:rerun-if-changed={dir}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
