//! Documentation that must stay true to the code.

mod common;

use xtenant::cli::SchemaFormat;

#[test]
fn inventory_schema_doc_is_current() {
    let doc = std::fs::read_to_string(common::manifest_dir().join("docs/inventory-schema.md"))
        .expect("doc");
    let now = xtenant::app::render_schema(&xtenant::app::all_defs(), SchemaFormat::Markdown);
    assert!(
        doc.ends_with(&now),
        "docs/inventory-schema.md is stale: regenerate with `xtenant schema --format markdown`"
    );
}

#[test]
fn raw_export_doc_lists_every_collection() {
    let doc =
        std::fs::read_to_string(common::manifest_dir().join("docs/raw-export.md")).expect("doc");
    for spec in xtenant::collect::all_collections() {
        // Per-parent collections are documented with the parent's name.
        let shown = spec
            .collection
            .replace("acr/*/", "acr/{loginServer}/")
            .replace('*', "{envName}");
        assert!(
            doc.contains(&format!("`{shown}")),
            "docs/raw-export.md lacks {shown}"
        );
        for t in spec.tables {
            assert!(
                doc.contains(t),
                "docs/raw-export.md lacks table {t} of {shown}"
            );
        }
    }
}
