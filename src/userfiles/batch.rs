//! Exchange Online cross-tenant migration batch CSVs (EXO-040): the file
//! given to `New-MigrationBatch -CSVData`, header `EmailAddress`, one TARGET
//! tenant address (the MailUser's) per line. Whether an address belongs to the
//! target tenant is a rule over the `migration_batch` table; this reader checks
//! the file itself.
//!
//! Exchange reads these files with a real CSV reader on .NET (byte order marks
//! and quotes are handled, unlike the Power Platform mapping file), and fails a
//! batch on columns it does not know unless `-AllowUnknownColumnsInCsv $true`
//! is passed. Cross-tenant moves are remote moves, whose documented columns are
//! `EmailAddress` (required), `BadItemLimit`, `LargeItemLimit`, `MailboxType`.
//!
//! | Code | Severity | Case | What is read |
//! |---|---|---|---|
//! | UF-ENCODING-UTF16 | warning | UTF-16: .NET reads it when it has a byte order mark, UTF-8 is the safe choice | everything (decoded) |
//! | (none) | — | UTF-8 byte order mark: .NET strips it | everything |
//! | (none) | — | quoted values: Exchange's CSV reader strips quotes | everything, unquoted |
//! | UF-PS-TYPE-LINE | error | PowerShell `#TYPE` line before the header | the lines after it |
//! | UF-BATCH-HEADER | error | no `EmailAddress` column | a single column, or a well-known address column (`PrimarySmtpAddress`, `UserPrincipalName`, …), is read as the addresses; otherwise nothing, and the issue names the lines not read |
//! | UF-BATCH-HEADER | error | the first line is an address, not a header | that line is read as a row |
//! | UF-BATCH-HEADER | warning | `EmailAddress` in another case or with spaces around it: undocumented | rows |
//! | UF-BATCH-UNKNOWN-COLUMN | warning | a column Exchange does not know: fails unless `-AllowUnknownColumnsInCsv $true` | rows |
//! | UF-BATCH-DELIMITER | error | semicolons or tabs between several columns | rows, split on the delimiter used |
//! | UF-BATCH-COLUMNS | error | a line with more or fewer values than the header has columns | the row when its address cell exists |
//! | UF-BATCH-EMPTY | error | empty address, or a line of delimiters only | nothing: the line is named in the issue |
//! | UF-BATCH-EMAIL | error | not an e-mail address | the row |
//! | UF-BATCH-DUPLICATE | error | an address already on an earlier line (ignoring case); names it | the row |
//! | UF-BATCH-NO-ROWS | error | no address lines at all | — |
//! | UF-UNCLOSED-QUOTE | error | a quote that is never closed | the row, rest of line as one value |
//! | UF-TRAILING-SPACE | warning | whitespace around an address | the row, trimmed |
//! | UF-BLANK-LINE | warning | a blank line | skipped |

use std::collections::HashMap;
use std::path::Path;

use super::{
    delimiter_col, delimiter_fix, delimiter_name, delimiter_short, email_problem,
    foreign_delimiter, is_type_line, lines, report_blank, report_encoding, report_spaces,
    report_type_line, report_unclosed, split_cells, Cell, Issues, Loaded,
};
use crate::inventory::MigrationBatchRow;

const EMAIL_COLUMN: &str = "EmailAddress";
/// Columns New-MigrationBatch documents for remote moves.
const KNOWN_COLUMNS: [&str; 4] = [
    "EmailAddress",
    "BadItemLimit",
    "LargeItemLimit",
    "MailboxType",
];
/// Columns people export addresses under; read in place of a missing `EmailAddress`.
const ADDRESS_ALIASES: [&str; 6] = [
    "PrimarySmtpAddress",
    "UserPrincipalName",
    "WindowsEmailAddress",
    "ExternalEmailAddress",
    "Email",
    "Mail",
];
const FOREIGN: [char; 2] = [';', '\t'];
const EMAIL_FIX: &str =
    "write the user's address in the TARGET tenant (the MailUser's), not the source mailbox's";

/// Reads and checks a migration batch CSV; `batch_name` goes into every row.
/// `Err` only when the file cannot be read or decoded at all.
pub fn load(path: &Path, batch_name: &str) -> crate::Result<Loaded<MigrationBatchRow>> {
    let (encoding, text) = super::read(path)?;
    let mut issues = Issues::new("target", "batch", path.display().to_string());
    report_encoding(&mut issues, encoding, false, false);
    let mut reader = Reader::new(issues, batch_name);
    reader.run(&text);
    Ok(reader.finish())
}

struct Reader {
    issues: Issues,
    batch: String,
    rows: Vec<MigrationBatchRow>,
    delim: char,
    header_seen: bool,
    header_len: usize,
    email_idx: Option<usize>,
    /// The header line when it has no address column, for the deferred issue.
    no_address_column: Option<(i64, String)>,
    unread: Vec<i64>,
    data_lines: usize,
    seen: HashMap<String, i64>,
}

impl Reader {
    fn new(issues: Issues, batch: &str) -> Self {
        Reader {
            issues,
            batch: batch.to_string(),
            rows: Vec::new(),
            delim: ',',
            header_seen: false,
            header_len: 1,
            email_idx: None,
            no_address_column: None,
            unread: Vec::new(),
            data_lines: 0,
            seen: HashMap::new(),
        }
    }

    fn run(&mut self, text: &str) {
        let mut type_line_seen = false;
        for (n, line) in lines(text) {
            if line.trim().is_empty() {
                report_blank(&mut self.issues, n);
            } else if self.header_seen {
                self.data(n, line);
            } else if is_type_line(line) && !type_line_seen {
                type_line_seen = true;
                report_type_line(&mut self.issues, n);
            } else {
                self.header_seen = true;
                if self.header(n, line) {
                    self.data(n, line);
                }
            }
        }
    }

    /// Checks the header line; true when the line is an address row instead.
    fn header(&mut self, n: i64, line: &str) -> bool {
        let cells = self.header_cells(n, line);
        report_unclosed(&mut self.issues, n, &cells);
        self.header_len = cells.len();
        if let Some(i) = cells.iter().position(|c| c.value.contains('@')) {
            self.email_idx = Some(i);
            self.issues.error(
                n,
                Some(1),
                "UF-BATCH-HEADER",
                format!(
                    "line {n} is not a header: it holds an address, so it was read as an address line"
                ),
                "insert `EmailAddress` as the first line",
            );
            return true;
        }
        self.email_idx = self.address_column(n, &cells);
        if let Some(idx) = self.email_idx {
            self.unknown_columns(n, &cells, idx);
        }
        false
    }

    fn header_cells(&mut self, n: i64, line: &str) -> Vec<Cell> {
        if let Some(d) = foreign_delimiter(line, ',', &FOREIGN) {
            self.delim = d;
            let cells = split_cells(line, d);
            self.issues.error(
                n,
                delimiter_col(line, d),
                "UF-BATCH-DELIMITER",
                format!(
                    "the header is separated by {}; Exchange reads commas, so it sees one column named `{}` \
                     (the lines were split on {} to read them)",
                    delimiter_name(d),
                    line.trim().escape_debug(),
                    delimiter_short(d)
                ),
                delimiter_fix(d),
            );
            return cells;
        }
        split_cells(line, ',')
    }

    /// Finds the column holding the addresses, reporting how it was found.
    fn address_column(&mut self, n: i64, cells: &[Cell]) -> Option<usize> {
        if let Some(i) = cells.iter().position(|c| c.untrimmed == EMAIL_COLUMN) {
            return Some(i);
        }
        if let Some(i) = cells
            .iter()
            .position(|c| c.value.eq_ignore_ascii_case(EMAIL_COLUMN))
        {
            let c = &cells[i];
            let (reason, col) = if c.value == EMAIL_COLUMN {
                ("it has whitespace around it", c.space_col.unwrap_or(c.col))
            } else {
                ("it differs in case", c.col)
            };
            self.issues.warning(
                n,
                Some(col),
                "UF-BATCH-HEADER",
                format!(
                    "the header `{}` is not exactly the documented `EmailAddress` ({reason}); it was \
                     read as the address column, but whether Exchange accepts it is not documented",
                    c.untrimmed.escape_debug()
                ),
                "write the header exactly as `EmailAddress`",
            );
            return Some(i);
        }
        let alias = cells.iter().position(|c| {
            ADDRESS_ALIASES
                .iter()
                .any(|a| c.value.eq_ignore_ascii_case(a))
        });
        if let Some(i) = alias.or((cells.len() == 1).then_some(0)) {
            let c = &cells[i];
            self.issues.error(
                n,
                Some(c.col),
                "UF-BATCH-HEADER",
                format!(
                    "there is no `EmailAddress` column, which New-MigrationBatch requires; \
                     the addresses were read from `{}`",
                    c.value.escape_debug()
                ),
                "rename the column to `EmailAddress`, and check that it holds the TARGET tenant's addresses",
            );
            return Some(i);
        }
        let names: Vec<String> = cells.iter().map(|c| format!("`{}`", c.value)).collect();
        self.no_address_column = Some((n, names.join(", ")));
        None
    }

    fn unknown_columns(&mut self, n: i64, cells: &[Cell], email_idx: usize) {
        for (i, c) in cells.iter().enumerate() {
            if i == email_idx
                || KNOWN_COLUMNS
                    .iter()
                    .any(|k| c.value.eq_ignore_ascii_case(k))
            {
                continue;
            }
            let name = if c.value.is_empty() {
                format!("column {} has no name", i + 1)
            } else {
                format!("column `{}` is not a migration batch column", c.value)
            };
            self.issues.warning(
                n,
                Some(c.col),
                "UF-BATCH-UNKNOWN-COLUMN",
                format!(
                    "{name}; New-MigrationBatch rejects unknown columns unless run with \
                     `-AllowUnknownColumnsInCsv $true`"
                ),
                "delete the column, or pass `-AllowUnknownColumnsInCsv $true`",
            );
        }
    }

    fn data(&mut self, n: i64, line: &str) {
        self.data_lines += 1;
        let cells = self.cells(n, line);
        report_unclosed(&mut self.issues, n, &cells);
        let Some(idx) = self.email_idx else {
            self.unread.push(n);
            return;
        };
        if cells.iter().all(|c| c.value.is_empty()) {
            self.issues.error(
                n,
                None,
                "UF-BATCH-EMPTY",
                format!("line {n} has no values, only delimiters; it was not read"),
                "delete the line",
            );
            return;
        }
        if !self.column_count(n, &cells, idx) {
            return;
        }
        let c = &cells[idx];
        report_spaces(&mut self.issues, n, "EmailAddress", c);
        if c.value.is_empty() {
            self.issues.error(
                n,
                Some(c.col),
                "UF-BATCH-EMPTY",
                format!("EmailAddress is empty, so line {n} was not read"),
                "fill in the address, or delete the line",
            );
            return;
        }
        if let Some(problem) = email_problem(&c.value) {
            self.issues.error(
                n,
                Some(c.col),
                "UF-BATCH-EMAIL",
                format!(
                    "`{}` is not a valid e-mail address: {problem}",
                    c.value.escape_debug()
                ),
                EMAIL_FIX,
            );
        }
        let email_lc = c.value.to_lowercase();
        if let Some(&first) = self.seen.get(&email_lc) {
            self.issues.error(
                n,
                Some(c.col),
                "UF-BATCH-DUPLICATE",
                format!("`{}` is already on line {first}", c.value),
                "delete one of the two lines",
            );
        } else {
            self.seen.insert(email_lc.clone(), n);
        }
        self.rows.push(MigrationBatchRow {
            tenant: "target".into(),
            batch: self.batch.clone(),
            file: self.issues.file().to_string(),
            line: n,
            email: c.value.clone(),
            email_lc,
        });
    }

    /// Splits a data line; a several-column file whose line uses another
    /// delimiter is reported on that line. In a one-column file a `;` is part
    /// of the value, and the address check reports it.
    fn cells(&mut self, n: i64, line: &str) -> Vec<Cell> {
        let cells = split_cells(line, self.delim);
        if self.delim != ',' || cells.len() > 1 || self.header_len < 2 {
            return cells;
        }
        let Some(d) = foreign_delimiter(line, ',', &FOREIGN) else {
            return cells;
        };
        self.issues.error(
            n,
            delimiter_col(line, d),
            "UF-BATCH-DELIMITER",
            format!(
                "line {n} is separated by {}; Exchange reads commas (the line was split on {} to read it)",
                delimiter_name(d),
                delimiter_short(d)
            ),
            "replace the separator with `,`",
        );
        split_cells(line, d)
    }

    /// Reports a line whose value count differs from the header's; true when
    /// the address cell is still there to read.
    fn column_count(&mut self, n: i64, cells: &[Cell], idx: usize) -> bool {
        let (k, h) = (cells.len(), self.header_len);
        if k == h {
            return true;
        }
        let readable = idx < k;
        let tail = if readable {
            ""
        } else {
            ", so it has no EmailAddress value and was not read"
        };
        self.issues.error(
            n,
            cells.get(h).map(|c| c.col),
            "UF-BATCH-COLUMNS",
            format!(
                "line {n} has {k} value{} but the header has {h} column{}{tail}",
                if k == 1 { "" } else { "s" },
                if h == 1 { "" } else { "s" }
            ),
            "give every line exactly one value per header column",
        );
        readable
    }

    fn finish(mut self) -> Loaded<MigrationBatchRow> {
        if let Some((line, names)) = self.no_address_column.take() {
            let unread = match (self.unread.first(), self.unread.last()) {
                (Some(a), Some(b)) if a == b => format!("; line {a} was not read"),
                (Some(a), Some(b)) => {
                    format!(
                        "; the {} lines from {a} to {b} were not read",
                        self.unread.len()
                    )
                }
                _ => String::new(),
            };
            self.issues.error(
                line,
                Some(1),
                "UF-BATCH-HEADER",
                format!("there is no `EmailAddress` column (the columns are {names}){unread}"),
                "name the column holding the TARGET tenant's addresses `EmailAddress`",
            );
        }
        if !self.header_seen {
            self.issues.error(
                1,
                None,
                "UF-BATCH-HEADER",
                "the file is empty; its first line must be the header `EmailAddress`".into(),
                "write `EmailAddress` on the first line and one target address per line after it",
            );
        } else if self.data_lines == 0 {
            self.issues.error(
                0,
                None,
                "UF-BATCH-NO-ROWS",
                "the file has a header but no addresses".into(),
                "add one target address per line",
            );
        }
        Loaded {
            rows: self.rows,
            issues: self.issues.finish(),
        }
    }
}
