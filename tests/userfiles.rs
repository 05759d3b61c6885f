//! The user files readers, one test per case in fixtures/userfiles/README.md.
//! Every test pins the complete rendered output (file, line, column, severity,
//! code, message, fix) and the rows that were still read, so a changed
//! position or wording fails here first.
//!
//! Paths are relative: cargo runs integration tests from the package root,
//! which keeps the file names in the expected messages short and exact.

use std::path::Path;

use xtenant::inventory::{MigrationBatchRow, UserFileIssue, UserMappingRow};
use xtenant::userfiles::{batch, email_problem, format_issue, mapping, Loaded};

fn mapping_fixture(rel: &str) -> (String, Loaded<UserMappingRow>) {
    let file = format!("fixtures/userfiles/{rel}");
    let loaded = mapping::load(Path::new(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    (file, loaded)
}

fn batch_fixture(rel: &str) -> (String, Loaded<MigrationBatchRow>) {
    let file = format!("fixtures/userfiles/{rel}");
    let loaded = batch::load(Path::new(&file), "wave1").unwrap_or_else(|e| panic!("{file}: {e}"));
    (file, loaded)
}

/// Compares every rendered issue; `head` is the rendering after the file name.
fn assert_issues(issues: &[UserFileIssue], file: &str, expected: &[(&str, Option<&str>)]) {
    let got: Vec<String> = issues.iter().map(format_issue).collect();
    let want: Vec<String> = expected
        .iter()
        .map(|(head, fix)| match fix {
            Some(fix) => format!("{file}{head}\n  fix: {fix}"),
            None => format!("{file}{head}"),
        })
        .collect();
    assert_eq!(got, want);
}

fn mapping_rows(l: &Loaded<UserMappingRow>) -> Vec<(i64, &str, &str)> {
    l.rows
        .iter()
        .map(|r| (r.line, r.source.as_str(), r.destination.as_str()))
        .collect()
}

fn batch_rows(l: &Loaded<MigrationBatchRow>) -> Vec<(i64, &str)> {
    l.rows.iter().map(|r| (r.line, r.email.as_str())).collect()
}

// ---------------------------------------------------------------------------
// Fields that the rendering does not show.

#[test]
fn mapping_rows_and_issues_carry_tenant_kind_file_and_lower_case() {
    let (file, l) = mapping_fixture("mapping-duplicates/usermapping.csv");
    let row = &l.rows[2];
    assert_eq!(
        row,
        &UserMappingRow {
            tenant: "source".into(),
            file: file.clone(),
            line: 4,
            source: "Adele.Vance@contoso.com".into(),
            source_lc: "adele.vance@contoso.com".into(),
            destination: "Adele.Vance@fabrikam.com".into(),
            destination_lc: "adele.vance@fabrikam.com".into(),
        }
    );
    let issue = &l.issues[0];
    assert_eq!(
        (
            issue.tenant.as_str(),
            issue.kind.as_str(),
            issue.file.as_str()
        ),
        ("source", "usermapping", file.as_str())
    );
    assert_eq!(
        (issue.line, issue.column, issue.severity.as_str()),
        (4, Some(1), "error")
    );
    assert_eq!(issue.code, "UF-MAP-DUPLICATE");
}

#[test]
fn batch_rows_and_issues_carry_tenant_kind_batch_and_lower_case() {
    let (file, l) = batch_fixture("batch-duplicates/wave1.csv");
    assert_eq!(
        l.rows[2],
        MigrationBatchRow {
            tenant: "target".into(),
            batch: "wave1".into(),
            file: file.clone(),
            line: 4,
            email: "ADELE.VANCE@fabrikam.com".into(),
            email_lc: "adele.vance@fabrikam.com".into(),
        }
    );
    let issue = &l.issues[0];
    assert_eq!(
        (
            issue.tenant.as_str(),
            issue.kind.as_str(),
            issue.severity.as_str()
        ),
        ("target", "batch", "error")
    );
}

#[test]
fn warnings_have_warning_severity() {
    let (_, l) = mapping_fixture("mapping-bom/usermapping.csv");
    assert_eq!(l.issues[0].severity, "warning");
    assert_eq!((l.issues[0].line, l.issues[0].column), (1, Some(1)));
}

// ---------------------------------------------------------------------------
// Files that cannot be read at all are errors, not issues.

#[test]
fn missing_file_is_an_input_error() {
    let err =
        mapping::load(Path::new("fixtures/userfiles/no-such-dir/usermapping.csv")).unwrap_err();
    assert_eq!(err.exit_code(), xtenant::error::exit::INVALID_INPUT);
    let text = err.to_string();
    assert!(
        text.starts_with("fixtures/userfiles/no-such-dir/usermapping.csv: cannot read: "),
        "{text}"
    );
    assert!(
        text.ends_with("\n  fix: check the path; it is resolved from the current directory"),
        "{text}"
    );
}

#[test]
fn mapping_not_utf8_is_an_input_error() {
    let err = mapping::load(Path::new(
        "fixtures/userfiles/mapping-not-utf8/usermapping.csv",
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "fixtures/userfiles/mapping-not-utf8/usermapping.csv: the file is not valid UTF-8 (first bad byte at offset 22)\n  \
         fix: save the file as UTF-8 (Excel: Save As > \"CSV UTF-8 (Comma delimited)\"; Notepad: Save As > Encoding \"UTF-8\")"
    );
}

#[test]
fn batch_not_utf8_is_an_input_error() {
    let err = batch::load(
        Path::new("fixtures/userfiles/mapping-not-utf8/usermapping.csv"),
        "w",
    )
    .unwrap_err();
    assert!(err.to_string().contains("the file is not valid UTF-8"));
}

#[test]
fn mapping_utf16_big_endian_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usermapping.csv");
    let mut bytes = vec![0xFE, 0xFF];
    for unit in
        "Source,Destination\r\nadele.vance@contoso.com,adele.vance@fabrikam.com\r\n".encode_utf16()
    {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    std::fs::write(&path, bytes).unwrap();
    let l = mapping::load(&path).unwrap();
    let file = path.display().to_string();
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-ENCODING-UTF16]: the file is UTF-16 (big-endian); the service is not documented to accept it, and a reader that expects UTF-8 sees a NUL byte after every character"#,
            Some(
                r#"save the file as UTF-8 (Excel: Save As > "CSV UTF-8 (Comma delimited)"; PowerShell: `Set-Content -Encoding utf8` or `Export-Csv -Encoding utf8`)"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [(2, "adele.vance@contoso.com", "adele.vance@fabrikam.com")]
    );
}

// ---------------------------------------------------------------------------
// Rendering.

fn issue(line: i64, column: Option<i64>, fix: Option<&str>) -> UserFileIssue {
    UserFileIssue {
        tenant: "source".into(),
        kind: "usermapping".into(),
        file: "m/usermapping.csv".into(),
        line,
        column,
        severity: "error".into(),
        code: "UF-X".into(),
        message: "text".into(),
        fix: fix.map(str::to_string),
    }
}

#[test]
fn format_issue_shapes() {
    assert_eq!(
        format_issue(&issue(3, Some(7), Some("do this"))),
        "m/usermapping.csv:3:7: error[UF-X]: text\n  fix: do this"
    );
    assert_eq!(
        format_issue(&issue(3, None, None)),
        "m/usermapping.csv:3: error[UF-X]: text"
    );
    // Line 0 is the whole file: no position at all, even with a column.
    assert_eq!(
        format_issue(&issue(0, Some(2), None)),
        "m/usermapping.csv: error[UF-X]: text"
    );
}

// ---------------------------------------------------------------------------
// The e-mail check, case by case.

#[test]
fn email_problems() {
    let cases = [
        ("adele.vance@fabrikam.com", None),
        ("o'brien+tag@sub.fabrikam.co.uk", None),
        ("", Some("it is empty")),
        ("adele.vance", Some("it has no `@`")),
        ("a@b@fabrikam.com", Some("it has more than one `@`")),
        ("@fabrikam.com", Some("there is nothing before the `@`")),
        ("adele@", Some("there is nothing after the `@`")),
        ("adele@fabrikam", Some("the domain `fabrikam` has no dot")),
        ("adele\u{a0}vance@fabrikam.com", Some("it contains whitespace (a non-breaking space (U+00A0))")),
        ("ren\u{e9}e@fabrikam.com", Some("it contains the non-ASCII character `\u{e9}` (U+00E9)")),
        ("adele\u{200b}@fabrikam.com", Some("it contains the non-ASCII character U+200B")),
        (".adele@fabrikam.com", Some("the part before the `@` starts or ends with a dot, or has two in a row")),
        ("adele..vance@fabrikam.com", Some("the part before the `@` starts or ends with a dot, or has two in a row")),
        ("adele(x)@fabrikam.com", Some("the part before the `@` contains `(`")),
        ("adele@fabrikam..com", Some("the domain `fabrikam..com` has an empty label (two dots in a row, or a dot at an end)")),
        ("adele@fabrikam.com.", Some("the domain `fabrikam.com.` has an empty label (two dots in a row, or a dot at an end)")),
        ("adele@fab_rikam.com", Some("the domain contains `_`")),
        ("adele@-fabrikam.com", Some("the domain label `-fabrikam` is not a valid host name label")),
        ("adele@fabrikam.c", Some("the domain ends in `c`, which is not a top-level domain")),
        ("adele@10.0.0.1", Some("the domain ends in `1`, which is not a top-level domain")),
        ("adele@fabrikam.com;", Some("the domain contains `;`")),
        ("Adele <adele@fabrikam.com>", Some("it is a display name with the address in angle brackets; write only the address")),
    ];
    for (input, want) in cases {
        assert_eq!(email_problem(input).as_deref(), want, "{input:?}");
    }
    let long_local = format!("{}@fabrikam.com", "a".repeat(65));
    assert_eq!(
        email_problem(&long_local).as_deref(),
        Some("the part before the `@` is longer than 64 characters")
    );
}

// ---------------------------------------------------------------------------
// One test per fixture case (generated from the reviewed output, then edited).

#[test]
fn batch_alias_header() {
    let (file, l) = batch_fixture("batch-alias-header/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":1:1: warning[UF-BATCH-UNKNOWN-COLUMN]: column `DisplayName` is not a migration batch column; New-MigrationBatch rejects unknown columns unless run with `-AllowUnknownColumnsInCsv $true`"#,
                Some(r#"delete the column, or pass `-AllowUnknownColumnsInCsv $true`"#),
            ),
            (
                r#":1:13: error[UF-BATCH-HEADER]: there is no `EmailAddress` column, which New-MigrationBatch requires; the addresses were read from `PrimarySmtpAddress`"#,
                Some(
                    r#"rename the column to `EmailAddress`, and check that it holds the TARGET tenant's addresses"#,
                ),
            ),
        ],
    );
    assert_eq!(
        batch_rows(&l),
        [(2, "adele.vance@fabrikam.com"), (3, "awilber@fabrikam.com"),]
    );
}

#[test]
fn batch_blank_lines() {
    let (file, l) = batch_fixture("batch-blank-lines/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2: warning[UF-BLANK-LINE]: line 2 is blank; it was skipped"#,
                Some(
                    r#"delete the blank line: a parser that does not skip it sees a line with one empty column"#,
                ),
            ),
            (
                r#":4: warning[UF-BLANK-LINE]: line 4 is blank; it was skipped"#,
                Some(
                    r#"delete the blank line: a parser that does not skip it sees a line with one empty column"#,
                ),
            ),
        ],
    );
    assert_eq!(batch_rows(&l), [(3, "adele.vance@fabrikam.com"),]);
}

#[test]
fn batch_bom() {
    let (file, l) = batch_fixture("batch-bom/wave1.csv");
    assert_issues(&l.issues, &file, &[]);
    assert_eq!(
        batch_rows(&l),
        [
            (2, "adele.vance@fabrikam.com"),
            (3, "awilber@fabrikam.com"),
            (4, "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn batch_columns() {
    let (file, l) = batch_fixture("batch-columns/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:38: error[UF-BATCH-COLUMNS]: line 2 has 3 values but the header has 2 columns"#,
                Some(r#"give every line exactly one value per header column"#),
            ),
            (
                r#":3: error[UF-BATCH-COLUMNS]: line 3 has 1 value but the header has 2 columns"#,
                Some(r#"give every line exactly one value per header column"#),
            ),
        ],
    );
    assert_eq!(
        batch_rows(&l),
        [(2, "adele.vance@fabrikam.com"), (3, "awilber@fabrikam.com"),]
    );
}

#[test]
fn batch_duplicates() {
    let (file, l) = batch_fixture("batch-duplicates/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":4:1: error[UF-BATCH-DUPLICATE]: `ADELE.VANCE@fabrikam.com` is already on line 2"#,
            Some(r#"delete one of the two lines"#),
        )],
    );
    assert_eq!(
        batch_rows(&l),
        [
            (2, "adele.vance@fabrikam.com"),
            (3, "awilber@fabrikam.com"),
            (4, "ADELE.VANCE@fabrikam.com"),
        ]
    );
}

#[test]
fn batch_empty() {
    let (file, l) = batch_fixture("batch-empty/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1: error[UF-BATCH-HEADER]: the file is empty; its first line must be the header `EmailAddress`"#,
            Some(
                r#"write `EmailAddress` on the first line and one target address per line after it"#,
            ),
        )],
    );
    assert_eq!(batch_rows(&l), []);
}

#[test]
fn batch_empty_cells() {
    let (file, l) = batch_fixture("batch-empty-cells/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:1: error[UF-BATCH-EMPTY]: EmailAddress is empty, so line 2 was not read"#,
                Some(r#"fill in the address, or delete the line"#),
            ),
            (
                r#":3: error[UF-BATCH-EMPTY]: line 3 has no values, only delimiters; it was not read"#,
                Some(r#"delete the line"#),
            ),
        ],
    );
    assert_eq!(batch_rows(&l), []);
}

#[test]
fn batch_header_case() {
    let (file, l) = batch_fixture("batch-header-case/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: warning[UF-BATCH-HEADER]: the header `emailaddress` is not exactly the documented `EmailAddress` (it differs in case); it was read as the address column, but whether Exchange accepts it is not documented"#,
            Some(r#"write the header exactly as `EmailAddress`"#),
        )],
    );
    assert_eq!(batch_rows(&l), [(2, "adele.vance@fabrikam.com"),]);
}

#[test]
fn batch_header_missing() {
    let (file, l) = batch_fixture("batch-header-missing/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-BATCH-HEADER]: line 1 is not a header: it holds an address, so it was read as an address line"#,
            Some(r#"insert `EmailAddress` as the first line"#),
        )],
    );
    assert_eq!(
        batch_rows(&l),
        [(1, "adele.vance@fabrikam.com"), (2, "awilber@fabrikam.com"),]
    );
}

#[test]
fn batch_header_only() {
    let (file, l) = batch_fixture("batch-header-only/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#": error[UF-BATCH-NO-ROWS]: the file has a header but no addresses"#,
            Some(r#"add one target address per line"#),
        )],
    );
    assert_eq!(batch_rows(&l), []);
}

#[test]
fn batch_header_spaces() {
    let (file, l) = batch_fixture("batch-header-spaces/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: warning[UF-BATCH-HEADER]: the header ` EmailAddress` is not exactly the documented `EmailAddress` (it has whitespace around it); it was read as the address column, but whether Exchange accepts it is not documented"#,
            Some(r#"write the header exactly as `EmailAddress`"#),
        )],
    );
    assert_eq!(batch_rows(&l), [(2, "adele.vance@fabrikam.com"),]);
}

#[test]
fn batch_invalid_email() {
    let (file, l) = batch_fixture("batch-invalid-email/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:1: error[UF-BATCH-EMAIL]: `adele.vance` is not a valid e-mail address: it has no `@`"#,
                Some(
                    r#"write the user's address in the TARGET tenant (the MailUser's), not the source mailbox's"#,
                ),
            ),
            (
                r#":3:1: error[UF-BATCH-EMAIL]: `awilber@fabrikam` is not a valid e-mail address: the domain `fabrikam` has no dot"#,
                Some(
                    r#"write the user's address in the TARGET tenant (the MailUser's), not the source mailbox's"#,
                ),
            ),
            (
                r#":4:1: error[UF-BATCH-EMAIL]: `megan.bowen@fabrikam..com` is not a valid e-mail address: the domain `fabrikam..com` has an empty label (two dots in a row, or a dot at an end)"#,
                Some(
                    r#"write the user's address in the TARGET tenant (the MailUser's), not the source mailbox's"#,
                ),
            ),
        ],
    );
    assert_eq!(
        batch_rows(&l),
        [
            (2, "adele.vance"),
            (3, "awilber@fabrikam"),
            (4, "megan.bowen@fabrikam..com"),
        ]
    );
}

#[test]
fn batch_no_address_column() {
    let (file, l) = batch_fixture("batch-no-address-column/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":1:1: error[UF-BATCH-HEADER]: there is no `EmailAddress` column (the columns are `Name`, `Department`); the 3 lines from 2 to 5 were not read"#,
                Some(r#"name the column holding the TARGET tenant's addresses `EmailAddress`"#),
            ),
            (
                r#":3: warning[UF-BLANK-LINE]: line 3 is blank; it was skipped"#,
                Some(
                    r#"delete the blank line: a parser that does not skip it sees a line with one empty column"#,
                ),
            ),
        ],
    );
    assert_eq!(batch_rows(&l), []);
}

#[test]
fn batch_ok() {
    let (file, l) = batch_fixture("batch-ok/wave1.csv");
    assert_issues(&l.issues, &file, &[]);
    assert_eq!(
        batch_rows(&l),
        [
            (2, "adele.vance@fabrikam.com"),
            (3, "awilber@fabrikam.com"),
            (4, "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn batch_quoted() {
    let (file, l) = batch_fixture("batch-quoted/wave1.csv");
    assert_issues(&l.issues, &file, &[]);
    assert_eq!(
        batch_rows(&l),
        [(2, "adele.vance@fabrikam.com"), (3, "awilber@fabrikam.com"),]
    );
}

#[test]
fn batch_semicolon() {
    let (file, l) = batch_fixture("batch-semicolon/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:13: error[UF-BATCH-DELIMITER]: the header is separated by semicolons (`;`); Exchange reads commas, so it sees one column named `EmailAddress;MailboxType` (the lines were split on `;` to read them)"#,
            Some(
                r#"save as comma-separated: Excel writes `;` where the Windows list separator is `;`; replace `;` with `,` in a text editor"#,
            ),
        )],
    );
    assert_eq!(
        batch_rows(&l),
        [(2, "adele.vance@fabrikam.com"), (3, "awilber@fabrikam.com"),]
    );
}

#[test]
fn batch_semicolon_value() {
    let (file, l) = batch_fixture("batch-semicolon-value/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":2:1: error[UF-BATCH-EMAIL]: `adele.vance@fabrikam.com;awilber@fabrikam.com` is not a valid e-mail address: it has more than one `@`"#,
            Some(
                r#"write the user's address in the TARGET tenant (the MailUser's), not the source mailbox's"#,
            ),
        )],
    );
    assert_eq!(
        batch_rows(&l),
        [(2, "adele.vance@fabrikam.com;awilber@fabrikam.com"),]
    );
}

#[test]
fn batch_trailing_spaces() {
    let (file, l) = batch_fixture("batch-trailing-spaces/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:25: warning[UF-TRAILING-SPACE]: EmailAddress `adele.vance@fabrikam.com ` has whitespace around it; it was read as `adele.vance@fabrikam.com`"#,
                Some(r#"remove the spaces around the value"#),
            ),
            (
                r#":3:1: warning[UF-TRAILING-SPACE]: EmailAddress `\tawilber@fabrikam.com` has whitespace around it; it was read as `awilber@fabrikam.com`"#,
                Some(r#"remove the spaces around the value"#),
            ),
        ],
    );
    assert_eq!(
        batch_rows(&l),
        [(2, "adele.vance@fabrikam.com"), (3, "awilber@fabrikam.com"),]
    );
}

#[test]
fn batch_type_line() {
    let (file, l) = batch_fixture("batch-type-line/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-PS-TYPE-LINE]: the file starts with a PowerShell `#TYPE` line, so the header is not the first line"#,
            Some(r#"delete the `#TYPE` line, or export with `Export-Csv -NoTypeInformation`"#),
        )],
    );
    assert_eq!(batch_rows(&l), [(3, "adele.vance@fabrikam.com"),]);
}

#[test]
fn batch_unknown_column() {
    let (file, l) = batch_fixture("batch-unknown-column/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:26: warning[UF-BATCH-UNKNOWN-COLUMN]: column `Notes` is not a migration batch column; New-MigrationBatch rejects unknown columns unless run with `-AllowUnknownColumnsInCsv $true`"#,
            Some(r#"delete the column, or pass `-AllowUnknownColumnsInCsv $true`"#),
        )],
    );
    assert_eq!(batch_rows(&l), [(2, "adele.vance@fabrikam.com"),]);
}

#[test]
fn batch_utf16() {
    let (file, l) = batch_fixture("batch-utf16/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: warning[UF-ENCODING-UTF16]: the file is UTF-16 (Excel's "Unicode Text", or PowerShell 5's `Out-File`/`>`); whether New-MigrationBatch reads it is not documented, UTF-8 is the safe choice"#,
            Some(
                r#"save the file as UTF-8 (Excel: Save As > "CSV UTF-8 (Comma delimited)"; PowerShell: `Set-Content -Encoding utf8` or `Export-Csv -Encoding utf8`)"#,
            ),
        )],
    );
    assert_eq!(
        batch_rows(&l),
        [
            (2, "adele.vance@fabrikam.com"),
            (3, "awilber@fabrikam.com"),
            (4, "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn batch_wrong_header() {
    let (file, l) = batch_fixture("batch-wrong-header/wave1.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-BATCH-HEADER]: there is no `EmailAddress` column, which New-MigrationBatch requires; the addresses were read from `UserEmail`"#,
            Some(
                r#"rename the column to `EmailAddress`, and check that it holds the TARGET tenant's addresses"#,
            ),
        )],
    );
    assert_eq!(
        batch_rows(&l),
        [(2, "adele.vance@fabrikam.com"), (3, "awilber@fabrikam.com"),]
    );
}

#[test]
fn mapping_blank_lines() {
    let (file, l) = mapping_fixture("mapping-blank-lines/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":3: warning[UF-BLANK-LINE]: line 3 is blank; it was skipped"#,
                Some(
                    r#"delete the blank line: a parser that does not skip it sees a line with one empty column"#,
                ),
            ),
            (
                r#":5: warning[UF-BLANK-LINE]: line 5 is blank; it was skipped"#,
                Some(
                    r#"delete the blank line: a parser that does not skip it sees a line with one empty column"#,
                ),
            ),
            (
                r#":6: warning[UF-BLANK-LINE]: line 6 is blank; it was skipped"#,
                Some(
                    r#"delete the blank line: a parser that does not skip it sees a line with one empty column"#,
                ),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (4, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_bom() {
    let (file, l) = mapping_fixture("mapping-bom/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: warning[UF-BOM]: the file starts with a UTF-8 byte order mark; the service's documentation does not say whether it strips it, and a parser that does not reads the first header name as `\u{feff}Source` instead of `Source`"#,
            Some(
                r#"save as UTF-8 without a byte order mark (Notepad: Encoding "UTF-8", not "UTF-8 with BOM"; Excel: "CSV (Comma delimited)"; PowerShell 7: `-Encoding utf8NoBOM`)"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_duplicates() {
    let (file, l) = mapping_fixture("mapping-duplicates/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":4:1: error[UF-MAP-DUPLICATE]: line 4 repeats line 2 (`Adele.Vance@contoso.com,Adele.Vance@fabrikam.com`)"#,
                Some(r#"delete one of the two lines"#),
            ),
            (
                r#":5:1: error[UF-MAP-DUPLICATE]: Source `alex.wilber@contoso.com` is already mapped on line 3"#,
                Some(r#"keep one line per source user: a user maps to one destination"#),
            ),
            (
                r#":6:25: error[UF-MAP-DUPLICATE]: Destination `awilber@fabrikam.com` is already the destination on line 3"#,
                Some(r#"map each destination user from one source user only"#),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "Adele.Vance@contoso.com", "Adele.Vance@fabrikam.com"),
            (5, "alex.wilber@contoso.com", "alex.wilber@fabrikam.com"),
            (6, "megan.bowen@contoso.com", "awilber@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_empty() {
    let (file, l) = mapping_fixture("mapping-empty/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1: error[UF-MAP-HEADER]: the file is empty; its first line must be the header `Source,Destination`"#,
            Some(r#"write `Source,Destination` on the first line and one line per user after it"#),
        )],
    );
    assert_eq!(mapping_rows(&l), []);
}

#[test]
fn mapping_empty_cells() {
    let (file, l) = mapping_fixture("mapping-empty-cells/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:25: error[UF-MAP-EMPTY]: Destination is empty, so line 2 was not read"#,
                Some(r#"fill in the address, or delete the line"#),
            ),
            (
                r#":3: error[UF-MAP-EMPTY]: line 3 has no values, only delimiters; it was not read"#,
                Some(r#"delete the line"#),
            ),
            (
                r#":4:1: error[UF-MAP-EMPTY]: Source is empty, so line 4 was not read"#,
                Some(r#"fill in the address, or delete the line"#),
            ),
        ],
    );
    assert_eq!(mapping_rows(&l), []);
}

#[test]
fn mapping_extra_columns() {
    let (file, l) = mapping_fixture("mapping-extra-columns/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:50: error[UF-MAP-COLUMNS]: Each line must have exactly two columns: line 2 has 3; the extra value `Finance` starts here (the first two were read)"#,
                Some(r#"delete everything after the destination address"#),
            ),
            (
                r#":3:46: error[UF-MAP-COLUMNS]: Each line must have exactly two columns: line 3 has 3; an empty extra column (a trailing separator) starts here (the first two were read)"#,
                Some(r#"delete everything after the destination address"#),
            ),
            (
                r#":4: error[UF-MAP-COLUMNS]: Each line must have exactly two columns: line 4 has 1, so it was not read"#,
                Some(r#"write the line as `source address,destination address`"#),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_header_case() {
    let (file, l) = mapping_fixture("mapping-header-case/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":1:1: error[UF-MAP-HEADER]: header column 1 is `source`; it must be exactly `Source` (the header is case-sensitive)"#,
                Some(r#"make the first line exactly `Source,Destination`"#),
            ),
            (
                r#":1:8: error[UF-MAP-HEADER]: header column 2 is `destination`; it must be exactly `Destination` (the header is case-sensitive)"#,
                Some(r#"make the first line exactly `Source,Destination`"#),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [(2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),]
    );
}

#[test]
fn mapping_header_missing() {
    let (file, l) = mapping_fixture("mapping-header-missing/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-MAP-HEADER]: line 1 is not the header `Source,Destination`: it holds addresses, so it was read as a mapping row"#,
            Some(r#"insert `Source,Destination` as the first line"#),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (1, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (2, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_header_names() {
    let (file, l) = mapping_fixture("mapping-header-names/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":1:1: error[UF-MAP-HEADER]: header column 1 is `SourceUPN`; it must be exactly `Source`"#,
                Some(r#"make the first line exactly `Source,Destination`"#),
            ),
            (
                r#":1:11: error[UF-MAP-HEADER]: header column 2 is `TargetUPN`; it must be exactly `Destination`"#,
                Some(r#"make the first line exactly `Source,Destination`"#),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [(2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),]
    );
}

#[test]
fn mapping_header_only() {
    let (file, l) = mapping_fixture("mapping-header-only/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#": error[UF-MAP-NO-ROWS]: the file has a header but no mapping lines"#,
            Some(r#"add one line per user: `source address,destination address`"#),
        )],
    );
    assert_eq!(mapping_rows(&l), []);
}

#[test]
fn mapping_header_spaces() {
    let (file, l) = mapping_fixture("mapping-header-spaces/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:8: error[UF-MAP-HEADER]: header column 2 is ` Destination`; it must be exactly `Destination` with no spaces around it"#,
            Some(r#"make the first line exactly `Source,Destination`"#),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [(2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),]
    );
}

#[test]
fn mapping_header_swapped() {
    let (file, l) = mapping_fixture("mapping-header-swapped/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-MAP-HEADER]: the header is `Destination,Source`; it must be `Source,Destination` in that order (the columns were read by their names)"#,
            Some(r#"swap the two columns so that Source comes first"#),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [(2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),]
    );
}

#[test]
fn mapping_invalid_email() {
    let (file, l) = mapping_fixture("mapping-invalid-email/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:1: error[UF-MAP-EMAIL]: Source `adele.vance` is not a valid e-mail address: it has no `@`"#,
                Some(r#"write the user's e-mail address in the source tenant"#),
            ),
            (
                r#":3:1: error[UF-MAP-EMAIL]: Source `alex.wilber@contoso` is not a valid e-mail address: the domain `contoso` has no dot"#,
                Some(r#"write the user's e-mail address in the source tenant"#),
            ),
            (
                r#":4:25: error[UF-MAP-EMAIL]: Destination `megan bowen@fabrikam.com` is not a valid e-mail address: it contains whitespace (a space)"#,
                Some(r#"write the user's e-mail address in the target tenant"#),
            ),
            (
                r#":5:20: error[UF-MAP-EMAIL]: Destination `lee.gu@@fabrikam.com` is not a valid e-mail address: it has more than one `@`"#,
                Some(r#"write the user's e-mail address in the target tenant"#),
            ),
            (
                r#":6:29: error[UF-MAP-EMAIL]: Destination `Diego Siciliani <diego@fabrikam.com>` is not a valid e-mail address: it is a display name with the address in angle brackets; write only the address"#,
                Some(r#"write the user's e-mail address in the target tenant"#),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan bowen@fabrikam.com"),
            (5, "lee.gu@contoso.com", "lee.gu@@fabrikam.com"),
            (
                6,
                "diego.siciliani@contoso.com",
                "Diego Siciliani <diego@fabrikam.com>"
            ),
        ]
    );
}

#[test]
fn mapping_ok() {
    let (file, l) = mapping_fixture("mapping-ok/usermapping.csv");
    assert_issues(&l.issues, &file, &[]);
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_other_name() {
    let (file, l) = mapping_fixture("mapping-other-name/users-prod.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#": error[UF-MAP-NAME]: the file is named `users-prod.csv`; the service requires exactly `usermapping.csv`"#,
            Some(
                r#"rename the file to `usermapping.csv`; keep each environment's file in its own folder, since every environment needs its own mapping file"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_quoted() {
    let (file, l) = mapping_fixture("mapping-quoted/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: warning[UF-QUOTED]: values are quoted (6 values on 3 lines, the first here); the quotes were removed"#,
            Some(
                r#"save the file without quotes: CSV readers remove them, but the service's parser is not documented and may keep them as part of the name or address (PowerShell 7: `Export-Csv -UseQuotes Never`)"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_same() {
    let (file, l) = mapping_fixture("mapping-same/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":2:25: error[UF-MAP-SAME]: Destination `Adele.Vance@contoso.com` is the same as Source; a user cannot be mapped to itself"#,
            Some(r#"put the user's address in the target tenant in Destination"#),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [(2, "adele.vance@contoso.com", "Adele.Vance@contoso.com"),]
    );
}

#[test]
fn mapping_semicolon() {
    let (file, l) = mapping_fixture("mapping-semicolon/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:7: error[UF-MAP-DELIMITER]: the file is separated by semicolons (`;`) on 4 lines, the first here; the service requires commas (the lines were split on `;` to read them)"#,
            Some(
                r#"save as comma-separated: Excel writes `;` where the Windows list separator is `;`; replace `;` with `,` in a text editor"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_semicolon_line() {
    let (file, l) = mapping_fixture("mapping-semicolon-line/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":2:24: error[UF-MAP-DELIMITER]: line 2 is separated by semicolons (`;`); the service requires commas (the line was split on `;` to read it)"#,
            Some(r#"replace the separator with `,`"#),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_tabs() {
    let (file, l) = mapping_fixture("mapping-tabs/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:7: error[UF-MAP-DELIMITER]: the file is separated by tabs on 4 lines, the first here; the service requires commas (the lines were split on tabs to read them)"#,
            Some(
                r#"save as comma-separated: Excel's "Unicode Text" and "Text (Tab delimited)" write tabs; use "CSV UTF-8 (Comma delimited)" instead"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_trailing_spaces() {
    let (file, l) = mapping_fixture("mapping-trailing-spaces/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:24: warning[UF-TRAILING-SPACE]: Source `adele.vance@contoso.com ` has whitespace around it; it was read as `adele.vance@contoso.com`"#,
                Some(r#"remove the spaces around the value"#),
            ),
            (
                r#":3:25: warning[UF-TRAILING-SPACE]: Destination `  awilber@fabrikam.com` has whitespace around it; it was read as `awilber@fabrikam.com`"#,
                Some(r#"remove the spaces around the value"#),
            ),
            (
                r#":4:1: warning[UF-QUOTED]: values are quoted (1 value on 1 line, the first here); the quotes were removed"#,
                Some(
                    r#"save the file without quotes: CSV readers remove them, but the service's parser is not documented and may keep them as part of the name or address (PowerShell 7: `Export-Csv -UseQuotes Never`)"#,
                ),
            ),
            (
                r#":4:25: warning[UF-TRAILING-SPACE]: Source `megan.bowen@contoso.com ` has whitespace around it; it was read as `megan.bowen@contoso.com`"#,
                Some(r#"remove the spaces around the value"#),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_type_line() {
    let (file, l) = mapping_fixture("mapping-type-line/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-PS-TYPE-LINE]: the file starts with a PowerShell `#TYPE` line, so the header is not the first line"#,
            Some(r#"delete the `#TYPE` line, or export with `Export-Csv -NoTypeInformation`"#),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [(3, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),]
    );
}

#[test]
fn mapping_unclosed_quote() {
    let (file, l) = mapping_fixture("mapping-unclosed-quote/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[
            (
                r#":2:25: error[UF-UNCLOSED-QUOTE]: this quote is never closed; the rest of the line was read as one value"#,
                Some(r#"add the closing `"`, or remove the opening one"#),
            ),
            (
                r#":2:25: warning[UF-QUOTED]: values are quoted (1 value on 1 line, the first here); the quotes were removed"#,
                Some(
                    r#"save the file without quotes: CSV readers remove them, but the service's parser is not documented and may keep them as part of the name or address (PowerShell 7: `Export-Csv -UseQuotes Never`)"#,
                ),
            ),
        ],
    );
    assert_eq!(
        mapping_rows(&l),
        [(2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),]
    );
}

#[test]
fn mapping_utf16() {
    let (file, l) = mapping_fixture("mapping-utf16/usermapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#":1:1: error[UF-ENCODING-UTF16]: the file is UTF-16 (Excel's "Unicode Text", or PowerShell 5's `Out-File`/`>`); the service is not documented to accept it, and a reader that expects UTF-8 sees a NUL byte after every character"#,
            Some(
                r#"save the file as UTF-8 (Excel: Save As > "CSV UTF-8 (Comma delimited)"; PowerShell: `Set-Content -Encoding utf8` or `Export-Csv -Encoding utf8`)"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}

#[test]
fn mapping_wrong_name() {
    let (file, l) = mapping_fixture("mapping-wrong-name/UserMapping.csv");
    assert_issues(
        &l.issues,
        &file,
        &[(
            r#": error[UF-MAP-NAME]: the file is named `UserMapping.csv`; the service requires exactly `usermapping.csv` (the name is case-sensitive)"#,
            Some(
                r#"rename the file to `usermapping.csv`; keep each environment's file in its own folder, since every environment needs its own mapping file"#,
            ),
        )],
    );
    assert_eq!(
        mapping_rows(&l),
        [
            (2, "adele.vance@contoso.com", "adele.vance@fabrikam.com"),
            (3, "alex.wilber@contoso.com", "awilber@fabrikam.com"),
            (4, "megan.bowen@contoso.com", "megan.bowen@fabrikam.com"),
        ]
    );
}
