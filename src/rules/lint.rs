//! Pack-load-time linter for rule queries.
//!
//! Rules are polars SQL. polars-sql 0.55 accepts a subset of SQL, and some of
//! what it accepts it evaluates wrongly without an error;
//! `tests/polars_sql_probes.rs` pins those behaviours. The worst case is
//! silent: an outer, semi or anti join whose ON has a non-equality predicate
//! runs as an INNER JOIN, so a readiness check would quietly lose exactly the
//! rows missing on one side (or, for an ANTI JOIN, report the matches instead).
//!
//! The linter parses with the same sqlparser version, dialect and options as
//! polars (`SQLContext::execute`), so it sees the AST polars sees, and rejects
//! the constructs that are wrong or unsupported before any data is touched.
//! Unknown tables, columns and functions are left to planning the query
//! against empty frames; this only catches what planning cannot (silent
//! wrongness) or reports it with a clearer fix.

use std::collections::HashSet;
use std::convert::Infallible;
use std::fmt::Display;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArguments, Join, JoinConstraint, JoinOperator, Query, Select,
    SelectItem, SetExpr, Statement, TableFactor, Visit, Visitor,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserOptions};

/// One problem in a rule query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintIssue {
    /// Stable code (`SQL001` …); packs and docs refer to it.
    pub code: &'static str,
    /// What is wrong, quoting the offending SQL fragment.
    pub message: String,
    /// How to rewrite the query.
    pub fix: &'static str,
}

/// Lints one rule query; an empty result means the query is acceptable.
pub fn lint_sql(sql: &str) -> Vec<LintIssue> {
    let statements = match parse(sql) {
        Ok(statements) => statements,
        Err(message) => {
            return vec![LintIssue {
                code: "SQL001",
                message: format!("the query does not parse: {message}"),
                fix: FIX_PARSE,
            }]
        }
    };
    let mut issues = statement_shape_issues(&statements);
    for statement in &statements {
        if let Statement::Query(query) = statement {
            outer_projection_issues(query, &mut issues);
            let mut walker = Walker::default();
            let _ = query.visit(&mut walker);
            issues.extend(walker.issues);
        }
    }
    issues
}

const FIX_PARSE: &str =
    "correct the SQL syntax (rules are parsed like polars does, with sqlparser's GenericDialect)";
const FIX_STATEMENT: &str =
    "write exactly one SELECT query (WITH … SELECT and set operations are fine); rules only read tables";
const FIX_OUTER_JOIN_ON: &str =
    "filter the table in a CTE or subquery first, or move the predicate to WHERE after the join";
const FIX_FILTERING_JOIN_ON: &str = "filter the joined table in a CTE or subquery first; for a condition \
     relating both sides, find the matching keys with an INNER JOIN in a CTE and SEMI/ANTI JOIN on those";
const FIX_NOT_IN: &str = "use NOT EXISTS (correlated on the key) or LEFT ANTI JOIN";
const FIX_SUBQUERY_PREDICATE: &str =
    "make the EXISTS / IN (subquery) a top-level AND-conjunct of WHERE, \
     or LEFT JOIN (or SEMI/ANTI JOIN) the subquery and test the joined column";
const FIX_SCALAR_SUBQUERY: &str = "compute the value in a CTE (e.g. with GROUP BY) and JOIN it, \
     or CROSS JOIN a one-row CTE";
const FIX_WILDCARD: &str = "list the output columns explicitly, each with an alias";
const FIX_DATE_FUNCTION: &str =
    "use the run_context table's run_date column (CROSS JOIN run_context)";
const FIX_REGEXP_REPLACE: &str =
    "use replace(), split_part() or regexp_like(), or normalise the value at collection time";
const FIX_INITCAP: &str =
    "use upper() / lower(); initcap needs polars' nightly feature, which we do not build";

/// Longest fragment quoted in a message; subqueries can be long.
const MAX_FRAGMENT: usize = 160;

/// Same parser configuration as `polars_sql::SQLContext::execute`.
fn parse(sql: &str) -> Result<Vec<Statement>, String> {
    let options = ParserOptions {
        trailing_commas: true,
        ..Default::default()
    };
    Parser::new(&GenericDialect)
        .with_options(options)
        .try_with_sql(sql)
        .and_then(|mut parser| parser.parse_statements())
        .map_err(|e| e.to_string())
}

/// Renders an AST node for a message, shortened on a character boundary.
fn fragment(node: &impl Display) -> String {
    let text = node.to_string();
    match text.char_indices().nth(MAX_FRAGMENT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn statement_shape_issues(statements: &[Statement]) -> Vec<LintIssue> {
    let mut issues = Vec::new();
    if statements.len() != 1 {
        issues.push(LintIssue {
            code: "SQL002",
            message: format!(
                "a rule must be exactly one SELECT statement; found {} statements",
                statements.len()
            ),
            fix: FIX_STATEMENT,
        });
    }
    for statement in statements {
        let is_select = match statement {
            Statement::Query(query) => body_is_select(&query.body),
            _ => false,
        };
        if !is_select {
            issues.push(LintIssue {
                code: "SQL002",
                message: format!("not a SELECT statement: `{}`", fragment(statement)),
                fix: FIX_STATEMENT,
            });
        }
    }
    issues
}

/// VALUES, TABLE and DML bodies parse as queries too, but are not rules.
fn body_is_select(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(_) => true,
        SetExpr::Query(query) => body_is_select(&query.body),
        SetExpr::SetOperation { left, right, .. } => body_is_select(left) && body_is_select(right),
        _ => false,
    }
}

/// The outermost projection is the rule's output contract. After joins
/// polars renames clashing right-side columns to `name:alias`, so `*` would
/// make that contract depend on which tables happen to share column names.
/// Every branch of a top-level set operation contributes rows, so each is checked.
fn outer_projection_issues(query: &Query, issues: &mut Vec<LintIssue>) {
    fn walk(body: &SetExpr, issues: &mut Vec<LintIssue>) {
        match body {
            SetExpr::Select(select) => {
                for item in &select.projection {
                    if matches!(
                        item,
                        SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
                    ) {
                        issues.push(LintIssue {
                            code: "SQL009",
                            message: format!(
                                "`{}` in the outermost SELECT: the output columns must be explicit",
                                fragment(item)
                            ),
                            fix: FIX_WILDCARD,
                        });
                    }
                }
            }
            SetExpr::Query(query) => walk(&query.body, issues),
            SetExpr::SetOperation { left, right, .. } => {
                walk(left, issues);
                walk(right, issues);
            }
            _ => {}
        }
    }
    walk(&query.body, issues);
}

/// Walks every SELECT and expression in the query, including CTEs, derived
/// tables, subqueries and set-operation branches.
#[derive(Default)]
struct Walker {
    issues: Vec<LintIssue>,
    /// Addresses of the top-level AND-conjuncts of every WHERE seen so far.
    /// sqlparser visits the borrowed AST in place, so an expression's address
    /// identifies it; this tells `pre_visit_expr` whether an EXISTS / IN
    /// (subquery) sits where polars can rewrite it into a semi/anti join.
    where_conjuncts: HashSet<*const Expr>,
}

impl Visitor for Walker {
    type Break = Infallible;

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<Infallible> {
        if let Some(selection) = &select.selection {
            for conjunct in conjuncts(selection) {
                self.where_conjuncts.insert(conjunct as *const Expr);
            }
        }
        for table in &select.from {
            self.check_joins(&table.joins);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Infallible> {
        if let TableFactor::NestedJoin {
            table_with_joins, ..
        } = factor
        {
            self.check_joins(&table_with_joins.joins);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<Infallible> {
        match expr {
            Expr::InSubquery { negated, .. } => {
                if *negated {
                    self.push(
                        "SQL006",
                        format!(
                            "`{}`: NOT IN (subquery) returns no rows at all when the subquery yields a NULL",
                            fragment(expr)
                        ),
                        FIX_NOT_IN,
                    );
                }
                self.check_subquery_predicate_position(expr);
            }
            Expr::Exists { .. } => self.check_subquery_predicate_position(expr),
            Expr::Subquery(_) => self.push(
                "SQL008",
                format!(
                    "scalar subquery `{}` is not supported by polars SQL",
                    fragment(expr)
                ),
                FIX_SCALAR_SUBQUERY,
            ),
            Expr::Function(function) => {
                if matches!(function.args, FunctionArguments::Subquery(_)) {
                    self.push(
                        "SQL008",
                        format!(
                            "subquery as a function argument `{}` is not supported by polars SQL",
                            fragment(expr)
                        ),
                        FIX_SCALAR_SUBQUERY,
                    );
                }
                let name = function
                    .name
                    .0
                    .last()
                    .and_then(|part| part.as_ident())
                    .map(|ident| ident.value.to_ascii_lowercase())
                    .unwrap_or_default();
                if let Some(fix) = unsupported_function_fix(&name) {
                    self.push(
                        "SQL010",
                        format!(
                            "function `{name}` is not supported by polars 0.55 SQL (in `{}`)",
                            fragment(expr)
                        ),
                        fix,
                    );
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

impl Walker {
    fn push(&mut self, code: &'static str, message: String, fix: &'static str) {
        self.issues.push(LintIssue { code, message, fix });
    }

    /// polars rewrites EXISTS / IN (subquery) only as top-level AND-conjuncts
    /// of WHERE; anywhere else (SELECT, CASE, under OR or NOT, HAVING, ON)
    /// it errors or, for IN in a SELECT list, fails with an internal error.
    fn check_subquery_predicate_position(&mut self, expr: &Expr) {
        if !self.where_conjuncts.contains(&(expr as *const Expr)) {
            self.push(
                "SQL007",
                format!(
                    "`{}` is not a top-level AND-conjunct of a WHERE clause; polars only supports it there",
                    fragment(expr)
                ),
                FIX_SUBQUERY_PREDICATE,
            );
        }
    }

    fn check_joins(&mut self, joins: &[Join]) {
        for join in joins {
            // Inner joins are exempt: polars runs their non-equalities through
            // `join_where` too, and for an inner join that is exact.
            let (kind, constraint, fix) = match &join.join_operator {
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => {
                    ("LEFT JOIN", c, FIX_OUTER_JOIN_ON)
                }
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => {
                    ("RIGHT JOIN", c, FIX_OUTER_JOIN_ON)
                }
                JoinOperator::FullOuter(c) => ("FULL JOIN", c, FIX_OUTER_JOIN_ON),
                JoinOperator::Semi(c) | JoinOperator::LeftSemi(c) => {
                    ("SEMI JOIN", c, FIX_FILTERING_JOIN_ON)
                }
                JoinOperator::RightSemi(c) => ("RIGHT SEMI JOIN", c, FIX_FILTERING_JOIN_ON),
                JoinOperator::Anti(c) | JoinOperator::LeftAnti(c) => {
                    ("ANTI JOIN", c, FIX_FILTERING_JOIN_ON)
                }
                JoinOperator::RightAnti(c) => ("RIGHT ANTI JOIN", c, FIX_FILTERING_JOIN_ON),
                _ => continue,
            };
            if let JoinConstraint::On(on) = constraint {
                for conjunct in conjuncts(on) {
                    if let Some((code, why)) = classify_outer_join_conjunct(conjunct) {
                        self.push(
                            code,
                            format!(
                                "{kind} {} ON: `{}` {why}; polars evaluates such joins wrongly or rejects them",
                                fragment(&join.relation),
                                fragment(conjunct)
                            ),
                            fix,
                        );
                    }
                }
            }
        }
    }
}

/// Top-level AND-conjuncts, looking through parentheses, as polars'
/// `MintermIter` does for WHERE and `process_join_on` does for ON.
fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(mut top) = stack.pop() {
        loop {
            match top {
                Expr::Nested(inner) => top = inner,
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::And,
                    right,
                } => {
                    stack.push(right);
                    top = left;
                }
                _ => {
                    out.push(top);
                    break;
                }
            }
        }
    }
    out
}

/// `None` for an equality between two column-bearing, literal-free
/// expressions (the only ON shape polars turns into a real outer, semi or
/// anti join);
/// otherwise the code and the reason.
fn classify_outer_join_conjunct(expr: &Expr) -> Option<(&'static str, &'static str)> {
    match expr {
        Expr::BinaryOp {
            op: BinaryOperator::Or | BinaryOperator::Xor,
            ..
        } => Some(("SQL005", "is a disjunction (OR)")),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            if is_join_key(left) && is_join_key(right) {
                None
            } else {
                Some((
                    "SQL004",
                    "compares with a literal or a column-free expression",
                ))
            }
        }
        Expr::BinaryOp { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::SimilarTo { .. }
        | Expr::RLike { .. }
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::InList { .. }
        | Expr::AnyOp { .. }
        | Expr::AllOp { .. }
        | Expr::UnaryOp { .. } => Some(("SQL003", "is not an equality")),
        _ => Some((
            "SQL004",
            "filters one side (literal, NULL test or boolean expression) instead of equating the two sides",
        )),
    }
}

/// A join key side: references a column and contains no literal.
fn is_join_key(expr: &Expr) -> bool {
    let mut has_column = false;
    let mut has_literal = false;
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        match e {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => has_column = true,
            Expr::Value(_) | Expr::TypedString { .. } | Expr::Interval(_) => has_literal = true,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    has_column && !has_literal
}

fn unsupported_function_fix(lower_name: &str) -> Option<&'static str> {
    match lower_name {
        "now" | "current_date" | "current_timestamp" | "current_time" | "localtime"
        | "localtimestamp" => Some(FIX_DATE_FUNCTION),
        "regexp_replace" => Some(FIX_REGEXP_REPLACE),
        "initcap" => Some(FIX_INITCAP),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts exactly one issue with `code`, whose message quotes `fragment`.
    fn assert_single(sql: &str, code: &str, fragment: &str) -> LintIssue {
        let issues = lint_sql(sql);
        let matching: Vec<_> = issues.iter().filter(|i| i.code == code).collect();
        assert_eq!(matching.len(), 1, "expected one {code} in {issues:#?}");
        assert!(
            matching[0].message.contains(fragment),
            "message {:?} should name {fragment:?}",
            matching[0].message
        );
        assert!(!matching[0].fix.is_empty());
        matching[0].clone()
    }

    fn codes(sql: &str) -> Vec<&'static str> {
        lint_sql(sql).into_iter().map(|i| i.code).collect()
    }

    const REALISTIC_RULE: &str = "
        WITH active_src AS (
            SELECT upn_lc, exchange_guid, archive_guid
            FROM src_mailboxes
            WHERE recipient_type = 'UserMailbox' AND upn_lc IS NOT NULL
        ),
        dup_targets AS (
            SELECT target_upn_lc, count(*) AS n
            FROM user_map
            GROUP BY target_upn_lc
            HAVING count(*) > 1
        )
        SELECT
            m.source_upn AS item,
            CASE
                WHEN s.upn_lc IS NULL THEN 'source_missing'
                WHEN t.upn IS NULL THEN 'target_missing'
                WHEN COALESCE(t.exchange_guid, '') <> s.exchange_guid THEN 'guid_mismatch'
                ELSE 'ok'
            END AS status,
            COALESCE(t.upn, m.target_upn) AS target,
            rc.run_date AS checked_on
        FROM user_map AS m
        LEFT JOIN active_src AS s ON lower(m.source_upn) = lower(s.upn_lc)
        LEFT JOIN tgt_mail_users AS t
            ON lower(m.target_upn) = lower(t.upn) AND m.target_tenant = t.tenant
        LEFT ANTI JOIN dup_targets AS d ON d.target_upn_lc = m.target_upn_lc
        CROSS JOIN run_context AS rc
        WHERE NOT EXISTS (
            SELECT 1 FROM exclusions AS x WHERE x.upn_lc = m.source_upn_lc AND x.active
        )
        AND m.source_upn IN (SELECT upn FROM in_scope)
        UNION ALL
        SELECT o.upn AS item, 'orphan' AS status, NULL AS target, rc.run_date AS checked_on
        FROM (SELECT upn FROM tgt_mail_users) AS o CROSS JOIN run_context AS rc
    ";

    #[test]
    fn accepts_a_realistic_rule_query() {
        assert_eq!(lint_sql(REALISTIC_RULE), vec![]);
    }

    #[test]
    fn accepts_natural_and_using_outer_joins_and_trailing_commas() {
        let sql = "SELECT a.k AS k, b.v AS v, FROM a LEFT JOIN b USING (k) \
                   FULL OUTER JOIN (c NATURAL LEFT JOIN d) ON b.k = c.k";
        assert_eq!(lint_sql(sql), vec![]);
    }

    #[test]
    fn sql001_parse_error_carries_the_parser_message() {
        let issue = assert_single("SELECT a FROM t WHERE a =", "SQL001", "does not parse");
        assert!(issue.message.contains("Expected"), "{}", issue.message);
    }

    #[test]
    fn sql002_rejects_other_than_one_statement() {
        assert_single("SELECT a FROM t; SELECT b FROM t", "SQL002", "2 statements");
        assert_single("  -- nothing\n", "SQL002", "0 statements");
    }

    #[test]
    fn sql002_rejects_non_select_statements() {
        assert_single("DELETE FROM t WHERE a = 1", "SQL002", "DELETE FROM t");
        assert_single("VALUES (1, 2)", "SQL002", "VALUES (1, 2)");
    }

    #[test]
    fn sql003_rejects_non_equality_in_left_join_on() {
        let issue = assert_single(
            "SELECT m.u AS u FROM map AS m LEFT JOIN tgt AS t ON m.u = t.u AND t.guid <> m.guid",
            "SQL003",
            "t.guid <> m.guid",
        );
        assert!(issue.message.contains("LEFT JOIN tgt AS t"));
        assert_eq!(issue.fix, FIX_OUTER_JOIN_ON);
    }

    #[test]
    fn sql003_rejects_non_equality_with_literal_in_right_join_on() {
        // The exact shape that polars silently runs as an inner join.
        assert_single(
            "SELECT m.u AS u FROM tgt AS t RIGHT JOIN map AS m ON m.u = t.u AND t.guid <> 'x'",
            "SQL003",
            "t.guid <> 'x'",
        );
    }

    #[test]
    fn sql004_rejects_literal_equality_in_left_join_on() {
        assert_single(
            "SELECT m.u AS u FROM map AS m LEFT JOIN tgt AS t ON m.u = t.u AND t.kind = 'a'",
            "SQL004",
            "t.kind = 'a'",
        );
    }

    #[test]
    fn sql004_rejects_null_test_and_literal_inside_key_in_full_join_on() {
        let sql = "SELECT m.u AS u FROM map AS m FULL OUTER JOIN tgt AS t \
                   ON (coalesce(m.u, '') = t.u AND t.guid IS NULL)";
        let issues = lint_sql(sql);
        assert_eq!(codes(sql), vec!["SQL004", "SQL004"], "{issues:#?}");
        assert!(issues[0].message.contains("coalesce(m.u, '') = t.u"));
        assert!(issues[1].message.contains("t.guid IS NULL"));
    }

    #[test]
    fn sql005_rejects_or_in_left_outer_join_on() {
        assert_single(
            "SELECT m.u AS u FROM map AS m LEFT OUTER JOIN tgt AS t ON m.u = t.u OR m.alias = t.u",
            "SQL005",
            "m.u = t.u OR m.alias = t.u",
        );
    }

    #[test]
    fn outer_join_checks_reach_ctes_and_nested_joins() {
        let sql = "WITH x AS (SELECT a.k AS k FROM a LEFT JOIN b ON a.k < b.k) \
                   SELECT x.k AS k FROM (c JOIN (d LEFT JOIN e ON d.k = 1) ON c.k = d.k) JOIN x ON x.k = c.k";
        assert_eq!(codes(sql), vec!["SQL003", "SQL004"]);
    }

    #[test]
    fn inner_joins_may_use_non_equality_in_on() {
        let sql = "SELECT a.k AS k FROM a JOIN b ON a.k = b.k AND b.x <> a.y \
                   INNER JOIN c ON c.k > a.k";
        assert_eq!(lint_sql(sql), vec![]);
    }

    #[test]
    fn sql003_rejects_non_equality_in_anti_and_semi_join_on() {
        // polars runs these as inner joins too: an ANTI JOIN then returns the matches.
        let sql = "SELECT s.upn AS upn FROM src AS s \
                   LEFT ANTI JOIN tgt AS t ON s.g = t.g AND t.upn <> s.upn \
                   SEMI JOIN x ON x.k = s.k AND x.n > 3";
        let issues = lint_sql(sql);
        assert_eq!(codes(sql), vec!["SQL003", "SQL003"], "{issues:#?}");
        assert!(issues[0].message.contains("ANTI JOIN tgt AS t"));
        assert!(issues[0].message.contains("t.upn <> s.upn"));
        assert!(issues[1].message.contains("x.n > 3"));
        assert_eq!(issues[0].fix, FIX_FILTERING_JOIN_ON);
    }

    #[test]
    fn sql006_rejects_not_in_subquery() {
        let issue = assert_single(
            "SELECT s.upn AS upn FROM src AS s WHERE s.upn NOT IN (SELECT t.upn FROM tgt AS t)",
            "SQL006",
            "s.upn NOT IN (SELECT t.upn FROM tgt AS t)",
        );
        assert!(issue.fix.contains("NOT EXISTS"));
        assert!(issue.fix.contains("LEFT ANTI JOIN"));
    }

    #[test]
    fn sql007_rejects_exists_in_select_list() {
        assert_single(
            "SELECT s.upn AS upn, EXISTS (SELECT 1 FROM tgt AS t WHERE t.upn = s.upn) AS found FROM src AS s",
            "SQL007",
            "EXISTS (SELECT 1 FROM tgt AS t WHERE t.upn = s.upn)",
        );
    }

    #[test]
    fn sql007_rejects_exists_under_or_and_in_subquery_in_case() {
        let sql = "SELECT CASE WHEN s.upn IN (SELECT upn FROM tgt) THEN 'y' ELSE 'n' END AS f \
                   FROM src AS s \
                   WHERE s.a = 1 OR NOT EXISTS (SELECT 1 FROM tgt AS t WHERE t.upn = s.upn)";
        let issues = lint_sql(sql);
        assert_eq!(codes(sql), vec!["SQL007", "SQL007"], "{issues:#?}");
        assert!(issues[0].message.contains("s.upn IN (SELECT upn FROM tgt)"));
        assert!(issues[1].message.contains("NOT EXISTS (SELECT 1 FROM tgt"));
    }

    #[test]
    fn sql007_rejects_not_wrapped_exists_even_in_where() {
        // polars only rewrites a conjunct that *is* the EXISTS; NOT (EXISTS …) is not one.
        assert_single(
            "SELECT s.upn AS upn FROM src AS s WHERE NOT (EXISTS (SELECT 1 FROM t WHERE t.k = s.k))",
            "SQL007",
            "EXISTS (SELECT 1 FROM t WHERE t.k = s.k)",
        );
    }

    #[test]
    fn parenthesised_where_conjuncts_may_hold_exists() {
        let sql = "SELECT s.upn AS upn FROM src AS s \
                   WHERE (s.a = 1 AND (EXISTS (SELECT 1 FROM t WHERE t.k = s.k)))";
        assert_eq!(lint_sql(sql), vec![]);
    }

    #[test]
    fn sql008_rejects_scalar_subqueries() {
        assert_single(
            "SELECT s.upn AS upn, (SELECT max(size) FROM tgt) AS biggest FROM src AS s",
            "SQL008",
            "(SELECT max(size) FROM tgt)",
        );
        assert_single(
            "SELECT s.upn AS upn FROM src AS s WHERE s.size = (SELECT max(size) FROM src)",
            "SQL008",
            "(SELECT max(size) FROM src)",
        );
    }

    #[test]
    fn sql009_rejects_wildcard_in_outermost_projection_only() {
        let issue = assert_single(
            "WITH x AS (SELECT * FROM a) SELECT x.* FROM x",
            "SQL009",
            "x.*",
        );
        assert!(issue.message.contains("outermost"));
        assert_single(
            "SELECT k AS k FROM a UNION ALL SELECT * EXCLUDE (v) FROM b",
            "SQL009",
            "* EXCLUDE",
        );
        let inner_only = "SELECT d.k AS k FROM (SELECT * FROM a) AS d";
        assert_eq!(lint_sql(inner_only), vec![]);
    }

    #[test]
    fn sql010_rejects_unsupported_functions() {
        let issue = assert_single(
            "SELECT s.upn AS upn FROM src AS s WHERE s.created < CURRENT_DATE",
            "SQL010",
            "current_date",
        );
        assert!(issue.fix.contains("run_context"));
        assert_single("SELECT now() AS t FROM a", "SQL010", "now");
        assert_single(
            "SELECT current_timestamp AS t FROM a",
            "SQL010",
            "current_timestamp",
        );
        let issue = assert_single(
            "SELECT regexp_replace(a.x, 'a+', 'b') AS y FROM a",
            "SQL010",
            "regexp_replace(a.x, 'a+', 'b')",
        );
        assert!(issue.fix.contains("replace()"));
        assert_single("SELECT INITCAP(a.x) AS y FROM a", "SQL010", "initcap");
    }

    #[test]
    fn reports_every_issue_in_visit_order() {
        let sql = "SELECT * FROM a LEFT JOIN b ON a.k = b.k OR a.j = b.j \
                   WHERE a.k NOT IN (SELECT k FROM c) AND a.t < now()";
        assert_eq!(codes(sql), vec!["SQL009", "SQL005", "SQL006", "SQL010"]);
    }

    #[test]
    fn long_fragments_are_shortened() {
        let long_list = (0..100)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT a.k AS k, (SELECT {long_list} FROM b) AS v FROM a");
        let issue = assert_single(&sql, "SQL008", "(SELECT c0, c1");
        assert!(issue.message.contains('…'));
        assert!(issue.message.len() < 400);
    }
}
