//! Pins what polars SQL (polars =0.55.2, our feature set) does with the
//! query shapes rule packs use, including where it is surprising or wrong.
//!
//! The rule linter (`xtenant::rules::lint`) and docs/rule-authoring.md are
//! built on these behaviours (rule-engines.md §9). A polars upgrade that
//! changes any of them must fail here, so the linter and the docs are
//! revisited rather than silently trusted.
//!
//! Frames (small on purpose; each row exists for a case):
//! - `src`: five source mailboxes; bob and dave have no archive.
//! - `tgt`: six target mail users; carol's exchange_guid is null, bob's differs.
//! - `map`: seven mapping rows: `Carol@A.example` differs from `src` only in
//!   case, `dave@a.example` is mapped twice, `zed@a.example` is not in `src`,
//!   `erin@b.example` and `dave2@b.example` are not in `tgt`.
//! - `pascal`: PascalCase and spaced column names.
//! - `run_context`: the one-row table that replaces `current_date`.

use polars::prelude::*;
use polars::sql::SQLContext;

fn context() -> SQLContext {
    let src = df! {
        "upn" => ["alice@a.example", "bob@a.example", "carol@a.example", "dave@a.example", "erin@a.example"],
        "exchange_guid" => ["g-a", "g-b", "g-c", "g-d", "g-e"],
        "archive_guid" => [Some("ar-a"), None, Some("ar-c"), None, Some("ar-e")],
        "size_mb" => [100i64, 200, 300, 400, 500],
    }
    .expect("src frame");
    let tgt = df! {
        "upn" => ["alice@b.example", "bob@b.example", "carol@b.example", "dave@b.example", "frank@b.example", "grace@b.example"],
        "exchange_guid" => [Some("g-a"), Some("g-x"), None, Some("g-d"), Some("g-f"), Some("g-g")],
        "archive_guid" => [Some("ar-a"), None, None, None, None, None],
        "tenant" => ["target"; 6],
    }
    .expect("tgt frame");
    let map = df! {
        "source_upn" => ["alice@a.example", "bob@a.example", "Carol@A.example", "dave@a.example", "dave@a.example", "zed@a.example", "erin@a.example"],
        "target_upn" => ["alice@b.example", "bob@b.example", "carol@b.example", "dave@b.example", "dave2@b.example", "frank@b.example", "erin@b.example"],
        "target_tenant" => ["target"; 7],
    }
    .expect("map frame");
    let pascal = df! {
        "ExchangeGuid" => ["g-a", "g-b"],
        "Display Name" => ["Alice", "Bob"],
    }
    .expect("pascal frame");
    let run_context = df! {
        "run_date" => ["2026-01-31"],
    }
    .expect("run_context frame");

    let ctx = SQLContext::new();
    ctx.register("src", src.lazy());
    ctx.register("tgt", tgt.lazy());
    ctx.register("map", map.lazy());
    ctx.register("pascal", pascal.lazy());
    ctx.register("run_context", run_context.lazy());
    ctx
}

fn run(sql: &str) -> PolarsResult<DataFrame> {
    context().execute(sql)?.collect()
}

fn ok(sql: &str) -> DataFrame {
    run(sql).unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"))
}

fn err(sql: &str) -> String {
    match run(sql) {
        Ok(df) => panic!("query unexpectedly succeeded:\n{sql}\n{df}"),
        Err(e) => e.to_string(),
    }
}

/// One column as strings (null as `None`), sorted so tests do not depend on
/// join output order.
fn sorted_column(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    let mut values: Vec<Option<String>> = df
        .column(name)
        .unwrap_or_else(|e| panic!("no column {name}: {e}\n{df}"))
        .str()
        .unwrap_or_else(|e| panic!("column {name} is not a string: {e}"))
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect();
    values.sort();
    values
}

/// Rows as `(a, b)` string pairs, sorted, nulls shown as `-`.
fn sorted_pairs(df: &DataFrame, a: &str, b: &str) -> Vec<(String, String)> {
    let col = |name: &str| -> Vec<String> {
        df.column(name)
            .unwrap_or_else(|e| panic!("no column {name}: {e}\n{df}"))
            .str()
            .unwrap_or_else(|e| panic!("column {name} is not a string: {e}"))
            .iter()
            .map(|v| v.unwrap_or("-").to_owned())
            .collect()
    };
    let mut rows: Vec<_> = col(a).into_iter().zip(col(b)).collect();
    rows.sort();
    rows
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some((*v).to_owned())).collect()
}

fn pairs(rows: &[(&str, &str)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------
// What works: the mapping-table check and its building blocks.

#[test]
fn mapping_left_joins_with_expression_keys_keep_every_map_row_and_derive_status() {
    let df = ok("
        SELECT m.source_upn AS item,
               CASE
                   WHEN s.upn IS NULL THEN 'source_missing'
                   WHEN t.upn IS NULL THEN 'target_missing'
                   WHEN t.exchange_guid IS NULL OR t.exchange_guid <> s.exchange_guid THEN 'guid_mismatch'
                   ELSE 'ok'
               END AS status,
               COALESCE(t.upn, m.target_upn) AS target
        FROM map AS m
        LEFT JOIN src AS s ON lower(m.source_upn) = lower(s.upn)
        LEFT JOIN tgt AS t ON lower(m.target_upn) = lower(t.upn) AND m.target_tenant = t.tenant
    ");
    assert_eq!(df.height(), 7);
    assert_eq!(
        sorted_pairs(&df, "target", "status"),
        pairs(&[
            ("alice@b.example", "ok"),
            ("bob@b.example", "guid_mismatch"),
            ("carol@b.example", "guid_mismatch"),
            ("dave2@b.example", "target_missing"),
            ("dave@b.example", "ok"),
            ("erin@b.example", "target_missing"),
            ("frank@b.example", "source_missing"),
        ])
    );
}

#[test]
fn join_keys_repeating_the_same_column_pair_are_rejected() {
    let message = err("
        SELECT m.source_upn AS source FROM map AS m
        LEFT JOIN tgt AS t ON lower(m.target_upn) = lower(t.upn) AND m.target_upn = t.upn
    ");
    assert!(message.contains("repeated key names"), "{message}");
}

#[test]
fn group_by_having_finds_the_duplicated_mapping_source() {
    let df = ok("
        SELECT lower(source_upn) AS source, count(*) AS n
        FROM map GROUP BY lower(source_upn) HAVING count(*) > 1
    ");
    assert_eq!(sorted_column(&df, "source"), some(&["dave@a.example"]));
}

#[test]
fn run_context_cross_join_supplies_the_run_date() {
    let df = ok("
        SELECT s.upn AS upn, rc.run_date AS checked_on
        FROM src AS s CROSS JOIN run_context AS rc
        WHERE rc.run_date > '2026-01-01'
    ");
    assert_eq!(df.height(), 5);
    assert_eq!(sorted_column(&df, "checked_on"), some(&["2026-01-31"; 5]));
}

#[test]
fn inner_join_with_non_equality_in_on_is_correct() {
    // Inner joins go through `join_where` too, but for them that is exact,
    // which is why the linter only restricts outer joins.
    let df = ok("
        SELECT s.upn AS upn
        FROM src AS s JOIN tgt AS t
          ON replace(s.upn, '@a.', '@b.') = t.upn AND t.exchange_guid <> s.exchange_guid
    ");
    assert_eq!(sorted_column(&df, "upn"), some(&["bob@a.example"]));
}

// ---------------------------------------------------------------------------
// Anti- and semi-join spellings.

/// Source mailboxes whose exchange_guid does not occur in the target.
const ANTI_EXPECTED: [&str; 3] = ["bob@a.example", "carol@a.example", "erin@a.example"];

#[test]
fn anti_join_spellings_agree() {
    let spellings = [
        "SELECT s.upn AS upn FROM src AS s LEFT ANTI JOIN tgt AS t ON s.exchange_guid = t.exchange_guid",
        "SELECT s.upn AS upn FROM src AS s
         WHERE NOT EXISTS (SELECT 1 FROM tgt AS t WHERE t.exchange_guid = s.exchange_guid)",
        "SELECT s.upn AS upn FROM src AS s LEFT JOIN tgt AS t ON s.exchange_guid = t.exchange_guid
         WHERE t.upn IS NULL",
        // NOT IN agrees only because the subquery excludes NULLs; see the next test.
        "SELECT s.upn AS upn FROM src AS s
         WHERE s.exchange_guid NOT IN (SELECT exchange_guid FROM tgt WHERE exchange_guid IS NOT NULL)",
    ];
    for sql in spellings {
        assert_eq!(
            sorted_column(&ok(sql), "upn"),
            some(&ANTI_EXPECTED),
            "{sql}"
        );
    }
}

#[test]
fn not_in_subquery_returns_no_rows_when_the_subquery_yields_a_null() {
    let df = ok("
        SELECT s.upn AS upn FROM src AS s
        WHERE s.exchange_guid NOT IN (SELECT exchange_guid FROM tgt)
    ");
    assert_eq!(df.height(), 0, "{df}");
}

#[test]
fn not_exists_is_rewritten_into_an_anti_join() {
    let plan = context()
        .execute(
            "SELECT s.upn AS upn FROM src AS s
             WHERE NOT EXISTS (SELECT 1 FROM tgt AS t WHERE t.exchange_guid = s.exchange_guid)",
        )
        .and_then(|lf| lf.describe_plan())
        .expect("plan");
    assert!(plan.to_uppercase().contains("ANTI"), "{plan}");
}

#[test]
fn semi_join_spellings_agree() {
    let spellings = [
        "SELECT s.upn AS upn FROM src AS s LEFT SEMI JOIN tgt AS t ON s.exchange_guid = t.exchange_guid",
        "SELECT s.upn AS upn FROM src AS s
         WHERE EXISTS (SELECT 1 FROM tgt AS t WHERE t.exchange_guid = s.exchange_guid)",
        "SELECT s.upn AS upn FROM src AS s WHERE s.exchange_guid IN (SELECT exchange_guid FROM tgt)",
    ];
    for sql in spellings {
        assert_eq!(
            sorted_column(&ok(sql), "upn"),
            some(&["alice@a.example", "dave@a.example"]),
            "{sql}"
        );
    }
}

#[test]
fn exists_with_correlation_and_an_inner_only_filter_works() {
    let df = ok("
        SELECT s.upn AS upn FROM src AS s
        WHERE EXISTS (SELECT 1 FROM tgt AS t
                      WHERE t.exchange_guid = s.exchange_guid AND t.tenant = 'target')
    ");
    assert_eq!(
        sorted_column(&df, "upn"),
        some(&["alice@a.example", "dave@a.example"])
    );
}

#[test]
fn exists_filter_on_a_column_name_the_outer_table_also_has_is_rejected() {
    // The rewrite decides "inner only" by bare column name, ignoring the
    // `t.` qualifier: `archive_guid` exists in `src` too, so the filter is
    // taken for a correlation it cannot handle and the query fails. Filter
    // the inner table in a CTE, or rename the column there, instead.
    let message = err("
        SELECT s.upn AS upn FROM src AS s
        WHERE EXISTS (SELECT 1 FROM tgt AS t
                      WHERE t.exchange_guid = s.exchange_guid AND t.archive_guid IS NOT NULL)
    ");
    assert!(message.contains("not currently supported"), "{message}");
    let df = ok("
        WITH archived AS (SELECT exchange_guid FROM tgt WHERE archive_guid IS NOT NULL)
        SELECT s.upn AS upn FROM src AS s
        WHERE EXISTS (SELECT 1 FROM archived AS t WHERE t.exchange_guid = s.exchange_guid)
    ");
    assert_eq!(sorted_column(&df, "upn"), some(&["alice@a.example"]));
}

// ---------------------------------------------------------------------------
// Outer joins with more than equalities in ON (linter codes SQL003-SQL005).

#[test]
fn left_join_with_non_equality_in_on_silently_drops_unmatched_rows() {
    // A correct LEFT JOIN keeps all 7 map rows. polars 0.55 routes the
    // non-equality through `join_where`, which behaves like an INNER JOIN
    // (pola-rs/polars#28875): only targets that exist and whose guid is not
    // null survive. If this starts returning 7, the upstream bug is fixed and
    // linter code SQL003 can be reconsidered.
    let df = ok("
        SELECT m.source_upn AS source, t.upn AS target
        FROM map AS m
        LEFT JOIN tgt AS t ON m.target_upn = t.upn AND t.exchange_guid <> 'g-none'
    ");
    assert_eq!(
        sorted_pairs(&df, "source", "target"),
        pairs(&[
            ("alice@a.example", "alice@b.example"),
            ("bob@a.example", "bob@b.example"),
            ("dave@a.example", "dave@b.example"),
            ("zed@a.example", "frank@b.example"),
        ])
    );
}

#[test]
fn left_join_against_a_filtered_cte_keeps_every_row() {
    // The rewrite the linter suggests for SQL003/SQL004.
    let df = ok("
        WITH t AS (SELECT upn, exchange_guid FROM tgt WHERE exchange_guid <> 'g-none')
        SELECT m.source_upn AS source, t.upn AS target
        FROM map AS m LEFT JOIN t ON m.target_upn = t.upn
    ");
    assert_eq!(df.height(), 7);
    assert_eq!(
        sorted_pairs(&df, "source", "target"),
        pairs(&[
            ("Carol@A.example", "-"),
            ("alice@a.example", "alice@b.example"),
            ("bob@a.example", "bob@b.example"),
            ("dave@a.example", "-"),
            ("dave@a.example", "dave@b.example"),
            ("erin@a.example", "-"),
            ("zed@a.example", "frank@b.example"),
        ])
    );
}

#[test]
fn right_and_full_joins_with_non_equality_in_on_also_act_as_inner_joins() {
    // Correct results: 6 rows (every tgt row) and 10 rows (5 src + 5 unmatched tgt).
    for sql in [
        "SELECT s.upn AS upn, t.upn AS target FROM src AS s
         RIGHT JOIN tgt AS t ON s.exchange_guid = t.exchange_guid AND s.size_mb > 150",
        "SELECT s.upn AS upn, t.upn AS target FROM src AS s
         FULL JOIN tgt AS t ON s.exchange_guid = t.exchange_guid AND s.size_mb > 150",
    ] {
        assert_eq!(
            sorted_pairs(&ok(sql), "upn", "target"),
            pairs(&[("dave@a.example", "dave@b.example")]),
            "{sql}"
        );
    }
}

#[test]
fn anti_join_with_non_equality_in_on_returns_the_matching_rows() {
    // Not in rule-engines.md §9; found while writing this suite. The correct
    // answer is bob, carol, erin (no target with the same guid and another
    // upn); polars returns the inner-join rows instead.
    let wrong = ok("
        SELECT s.upn AS upn FROM src AS s
        LEFT ANTI JOIN tgt AS t ON s.exchange_guid = t.exchange_guid AND t.upn <> s.upn
    ");
    assert_eq!(
        sorted_column(&wrong, "upn"),
        some(&["alice@a.example", "dave@a.example"])
    );
    // The rewrite the linter suggests: the matches in a CTE, then an equi ANTI JOIN.
    let right = ok("
        WITH matched AS (
            SELECT s.upn AS upn FROM src AS s
            JOIN tgt AS t ON s.exchange_guid = t.exchange_guid AND t.upn <> s.upn
        )
        SELECT s.upn AS upn FROM src AS s LEFT ANTI JOIN matched AS x ON x.upn = s.upn
    ");
    assert_eq!(
        sorted_column(&right, "upn"),
        some(&["bob@a.example", "carol@a.example", "erin@a.example"])
    );
}

#[test]
fn semi_join_with_non_equality_in_on_repeats_rows_per_match() {
    // A semi join returns each of carol, dave and erin once; polars returns
    // them once per tgt row (3 x 6).
    let df = ok("SELECT s.upn AS upn FROM src AS s LEFT SEMI JOIN tgt AS t ON s.size_mb > 250");
    assert_eq!(df.height(), 18);
}

#[test]
fn left_join_with_literal_equality_in_on_fails_with_column_not_found() {
    // pola-rs/polars#18654: the literal side is resolved as a column.
    let message = err("
        SELECT m.source_upn AS source, t.upn AS target
        FROM map AS m LEFT JOIN tgt AS t ON m.target_upn = t.upn AND t.exchange_guid = 'g-a'
    ");
    assert!(message.contains("not found"), "{message}");
}

#[test]
fn inner_join_with_literal_or_null_test_in_on_fails() {
    // Loud, so the linter leaves inner joins to planning.
    for sql in [
        "SELECT s.upn AS upn FROM src AS s
         JOIN tgt AS t ON s.exchange_guid = t.exchange_guid AND t.tenant = 'target'",
        "SELECT s.upn AS upn FROM src AS s
         JOIN tgt AS t ON s.exchange_guid = t.exchange_guid AND t.archive_guid IS NOT NULL",
    ] {
        err(sql);
    }
}

#[test]
fn parenthesised_join_on_is_rejected() {
    let message =
        err("SELECT s.upn AS upn FROM src AS s LEFT JOIN tgt AS t ON (s.exchange_guid = t.exchange_guid)");
    assert!(
        message.contains("unsupported SQL join constraint"),
        "{message}"
    );
}

#[test]
fn or_in_join_on_is_rejected() {
    let message = err("
        SELECT m.source_upn AS source, t.upn AS target
        FROM map AS m LEFT JOIN tgt AS t ON m.target_upn = t.upn OR m.source_upn = t.upn
    ");
    assert!(message.contains("unsupported join constraint"), "{message}");
}

// ---------------------------------------------------------------------------
// Subqueries outside top-level WHERE conjuncts (linter codes SQL007/SQL008).

#[test]
fn exists_in_select_list_is_rejected() {
    err("
        SELECT s.upn AS upn,
               EXISTS (SELECT 1 FROM tgt AS t WHERE t.exchange_guid = s.exchange_guid) AS found
        FROM src AS s
    ");
}

#[test]
fn exists_under_or_in_where_is_rejected() {
    err("
        SELECT s.upn AS upn FROM src AS s
        WHERE s.size_mb > 450
           OR EXISTS (SELECT 1 FROM tgt AS t WHERE t.exchange_guid = s.exchange_guid)
    ");
}

#[test]
fn exists_with_non_equality_correlation_is_rejected() {
    err("
        SELECT s.upn AS upn FROM src AS s
        WHERE EXISTS (SELECT 1 FROM tgt AS t WHERE t.exchange_guid <> s.exchange_guid)
    ");
}

#[test]
fn in_subquery_in_select_list_is_rejected() {
    err("
        SELECT s.upn AS upn, s.exchange_guid IN (SELECT exchange_guid FROM tgt) AS found
        FROM src AS s
    ");
}

#[test]
fn scalar_subqueries_are_rejected() {
    err("SELECT s.upn AS upn, (SELECT max(size_mb) FROM src) AS biggest FROM src AS s");
    let message =
        err("SELECT s.upn AS upn FROM src AS s WHERE s.size_mb = (SELECT max(size_mb) FROM src)");
    assert!(message.contains("subquery"), "{message}");
}

// ---------------------------------------------------------------------------
// Functions (linter code SQL010).

#[test]
fn date_and_regex_functions_missing_from_polars_sql_are_rejected() {
    for sql in [
        "SELECT regexp_replace(upn, '@.*', '') AS local FROM src",
        "SELECT now() AS t FROM src",
        "SELECT current_date AS t FROM src",
        "SELECT current_timestamp AS t FROM src",
        "SELECT initcap(upn) AS t FROM src",
    ] {
        err(sql);
    }
}

// ---------------------------------------------------------------------------
// Names.

#[test]
fn identifiers_are_matched_case_sensitively() {
    err("SELECT exchangeguid FROM pascal");
    let df = ok("SELECT ExchangeGuid AS g, \"Display Name\" AS name FROM pascal");
    assert_eq!(sorted_column(&df, "g"), some(&["g-a", "g-b"]));
    assert_eq!(sorted_column(&df, "name"), some(&["Alice", "Bob"]));
}

#[test]
fn select_star_after_join_suffixes_clashing_right_columns_with_the_alias() {
    let df = ok("SELECT * FROM src AS s JOIN tgt AS t ON s.exchange_guid = t.exchange_guid");
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "upn",
            "exchange_guid",
            "archive_guid",
            "size_mb",
            "upn:t",
            "exchange_guid:t",
            "archive_guid:t",
            "tenant",
        ]
    );
}
