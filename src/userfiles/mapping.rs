//! The Power Platform tenant-to-tenant user mapping file (`usermapping.csv`,
//! PP-012 and PP-013): one line per user, `Source,Destination` header, the
//! user's e-mail address in the source tenant and in the target tenant.
//!
//! The service's own parser is not published; what is known is its rules
//! (file name exactly `usermapping.csv`, commas, header exactly
//! `Source,Destination`, "Each line must have exactly two columns", valid and
//! unique e-mail addresses, destination different from source). Anything it
//! states is an error here; anything it leaves open (byte order mark, quotes,
//! blank lines, spaces around values) is a warning that says why it may fail.
//!
//! | Code | Severity | Case | What is read |
//! |---|---|---|---|
//! | UF-MAP-NAME | error | file not named exactly `usermapping.csv` (case-sensitive) | everything |
//! | UF-ENCODING-UTF16 | error | UTF-16 (Excel "Unicode Text", PowerShell 5 `Out-File`) | everything (decoded) |
//! | UF-BOM | warning | UTF-8 byte order mark: acceptance undocumented | everything |
//! | UF-PS-TYPE-LINE | error | PowerShell `#TYPE` line before the header | the lines after it |
//! | UF-MAP-HEADER | error | header not exactly `Source,Destination`: case, spaces around names, other names, swapped, missing | rows; a swapped header is read by name, otherwise by position; a missing header's first line is read as a row |
//! | UF-MAP-DELIMITER | error | semicolons or tabs instead of commas (whole file: once; a single line: on that line) | rows, split on the delimiter used |
//! | UF-MAP-COLUMNS | error | "Each line must have exactly two columns": 3 or more | the row, from the first two cells |
//! | UF-MAP-COLUMNS | error | only one column | nothing: the line is named in the issue |
//! | UF-MAP-EMPTY | error | an empty Source or Destination, or a line of delimiters only | nothing: the line is named in the issue |
//! | UF-MAP-EMAIL | error | a value that is not an e-mail address | the row |
//! | UF-MAP-SAME | error | Destination equals Source (ignoring case) | the row |
//! | UF-MAP-DUPLICATE | error | a repeated line, source or destination (ignoring case); names the earlier line | the row |
//! | UF-MAP-NO-ROWS | error | no mapping lines at all | — |
//! | UF-QUOTED | warning | quoted values (once per file, with a count): CSV readers strip quotes, the service's parser may not | rows, unquoted |
//! | UF-UNCLOSED-QUOTE | error | a quote that is never closed | the row, rest of line as one value |
//! | UF-TRAILING-SPACE | warning | whitespace around a value | the row, trimmed |
//! | UF-BLANK-LINE | warning | a blank line | skipped |
//!
//! A row whose line has extra columns is still returned (from its first two
//! cells, or by header name when the header is swapped): the file is already
//! marked invalid by the error, and the rules that check destination users in
//! the target tenant should still see every user the person meant to map.

use std::collections::HashMap;
use std::path::Path;

use super::{
    delimiter_col, delimiter_fix, delimiter_name, delimiter_short, email_problem,
    foreign_delimiter, is_type_line, lines, report_blank, report_encoding, report_spaces,
    report_type_line, report_unclosed, split_cells, Cell, Issues, Loaded, QuoteTally,
};
use crate::inventory::UserMappingRow;

/// The only name the service accepts, case-sensitive.
pub const FILE_NAME: &str = "usermapping.csv";

const HEADER: [&str; 2] = ["Source", "Destination"];
const FOREIGN: [char; 2] = [';', '\t'];
const HEADER_FIX: &str = "make the first line exactly `Source,Destination`";

/// Reads and checks a user mapping file. `Err` only when the file cannot be
/// read or decoded at all.
pub fn load(path: &Path) -> crate::Result<Loaded<UserMappingRow>> {
    let (encoding, text) = super::read(path)?;
    let mut issues = Issues::new("source", "usermapping", path.display().to_string());
    check_name(&mut issues, path);
    report_encoding(&mut issues, encoding, true, true);
    let mut reader = Reader::new(issues);
    reader.run(&text);
    Ok(reader.finish())
}

fn check_name(issues: &mut Issues, path: &Path) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if name == FILE_NAME {
        return;
    }
    let why = if name.eq_ignore_ascii_case(FILE_NAME) {
        " (the name is case-sensitive)"
    } else {
        ""
    };
    issues.error(
        0,
        None,
        "UF-MAP-NAME",
        format!("the file is named `{name}`; the service requires exactly `{FILE_NAME}`{why}"),
        "rename the file to `usermapping.csv`; keep each environment's file in its own folder, \
         since every environment needs its own mapping file",
    );
}

struct Reader {
    issues: Issues,
    rows: Vec<UserMappingRow>,
    delim: char,
    /// Where the whole file used a foreign delimiter: (line, column, delimiter, lines using it).
    foreign: Option<(i64, i64, char, usize)>,
    src_idx: usize,
    dst_idx: usize,
    header_seen: bool,
    data_lines: usize,
    quotes: QuoteTally,
    seen_pair: HashMap<(String, String), i64>,
    seen_src: HashMap<String, i64>,
    seen_dst: HashMap<String, i64>,
}

impl Reader {
    fn new(issues: Issues) -> Self {
        Reader {
            issues,
            rows: Vec::new(),
            delim: ',',
            foreign: None,
            src_idx: 0,
            dst_idx: 1,
            header_seen: false,
            data_lines: 0,
            quotes: QuoteTally::default(),
            seen_pair: HashMap::new(),
            seen_src: HashMap::new(),
            seen_dst: HashMap::new(),
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

    /// Checks the header line; true when the line is a mapping row instead.
    fn header(&mut self, n: i64, line: &str) -> bool {
        if let Some(d) = foreign_delimiter(line, ',', &FOREIGN) {
            self.delim = d;
            self.foreign = Some((n, delimiter_col(line, d).unwrap_or(1), d, 1));
        }
        let cells = split_cells(line, self.delim);
        if cells.iter().any(|c| c.value.contains('@')) {
            // data() counts this line again.
            if let Some((_, _, _, count)) = &mut self.foreign {
                *count = 0;
            }
            self.issues.error(
                n,
                Some(1),
                "UF-MAP-HEADER",
                format!(
                    "line {n} is not the header `Source,Destination`: it holds addresses, \
                     so it was read as a mapping row"
                ),
                "insert `Source,Destination` as the first line",
            );
            return true;
        }
        self.quotes.add_line(n, &cells);
        report_unclosed(&mut self.issues, n, &cells);
        if cells.len() != 2 {
            let col = cells.get(2).map(|c| c.col);
            self.issues.error(
                n,
                col,
                "UF-MAP-COLUMNS",
                format!(
                    "Each line must have exactly two columns: the header has {}",
                    cells.len()
                ),
                HEADER_FIX,
            );
        }
        if is_swapped(&cells) {
            self.src_idx = 1;
            self.dst_idx = 0;
            self.issues.error(
                n,
                Some(cells[0].col),
                "UF-MAP-HEADER",
                "the header is `Destination,Source`; it must be `Source,Destination` in that order \
                 (the columns were read by their names)"
                    .into(),
                "swap the two columns so that Source comes first",
            );
            return false;
        }
        for (i, expected) in HEADER.iter().enumerate() {
            self.header_name(n, i, expected, cells.get(i));
        }
        false
    }

    fn header_name(&mut self, n: i64, i: usize, expected: &str, cell: Option<&Cell>) {
        let Some(cell) = cell else {
            return; // already reported as a missing column
        };
        if cell.untrimmed == expected {
            return;
        }
        let (reason, col) = if cell.value == expected {
            (
                " with no spaces around it",
                cell.space_col.unwrap_or(cell.col),
            )
        } else if cell.value.eq_ignore_ascii_case(expected) {
            (" (the header is case-sensitive)", cell.col)
        } else {
            ("", cell.col)
        };
        self.issues.error(
            n,
            Some(col),
            "UF-MAP-HEADER",
            format!(
                "header column {} is `{}`; it must be exactly `{expected}`{reason}",
                i + 1,
                cell.untrimmed.escape_debug()
            ),
            HEADER_FIX,
        );
    }

    fn data(&mut self, n: i64, line: &str) {
        self.data_lines += 1;
        let cells = self.cells(n, line);
        self.quotes.add_line(n, &cells);
        report_unclosed(&mut self.issues, n, &cells);
        if cells.iter().all(|c| c.value.is_empty()) {
            self.issues.error(
                n,
                None,
                "UF-MAP-EMPTY",
                format!("line {n} has no values, only delimiters; it was not read"),
                "delete the line",
            );
            return;
        }
        if !self.column_count(n, &cells) {
            return;
        }
        let (src, dst) = (&cells[self.src_idx], &cells[self.dst_idx]);
        report_spaces(&mut self.issues, n, "Source", src);
        report_spaces(&mut self.issues, n, "Destination", dst);
        let mut readable = true;
        for (what, c) in [("Source", src), ("Destination", dst)] {
            if c.value.is_empty() {
                readable = false;
                self.issues.error(
                    n,
                    Some(c.col),
                    "UF-MAP-EMPTY",
                    format!("{what} is empty, so line {n} was not read"),
                    "fill in the address, or delete the line",
                );
            }
        }
        if !readable {
            return;
        }
        self.email(n, "Source", "source", src);
        self.email(n, "Destination", "target", dst);
        let row = UserMappingRow {
            tenant: "source".into(),
            file: self.issues.file().to_string(),
            line: n,
            source: src.value.clone(),
            source_lc: src.value.to_lowercase(),
            destination: dst.value.clone(),
            destination_lc: dst.value.to_lowercase(),
        };
        if row.source_lc == row.destination_lc {
            self.issues.error(
                n,
                Some(dst.col),
                "UF-MAP-SAME",
                format!(
                    "Destination `{}` is the same as Source; a user cannot be mapped to itself",
                    dst.value
                ),
                "put the user's address in the target tenant in Destination",
            );
        }
        self.duplicates(n, &row, src, dst);
        self.rows.push(row);
    }

    /// Splits a data line, on another delimiter when the line uses one.
    fn cells(&mut self, n: i64, line: &str) -> Vec<Cell> {
        if let Some((_, _, d, count)) = &mut self.foreign {
            let cells = split_cells(line, *d);
            if cells.len() > 1 {
                *count += 1;
                return cells;
            }
            // A comma line in a semicolon file is what the service wants.
            return split_cells(line, ',');
        }
        let Some(d) = foreign_delimiter(line, ',', &FOREIGN) else {
            return split_cells(line, ',');
        };
        self.issues.error(
            n,
            delimiter_col(line, d),
            "UF-MAP-DELIMITER",
            format!(
                "line {n} is separated by {}; the service requires commas (the line was split on {} to read it)",
                delimiter_name(d),
                delimiter_short(d)
            ),
            "replace the separator with `,`",
        );
        split_cells(line, d)
    }

    /// Reports a line without exactly two columns; true when it can still be read.
    fn column_count(&mut self, n: i64, cells: &[Cell]) -> bool {
        match cells.len() {
            2 => true,
            1 => {
                self.issues.error(
                    n,
                    None,
                    "UF-MAP-COLUMNS",
                    format!(
                        "Each line must have exactly two columns: line {n} has 1, so it was not read"
                    ),
                    "write the line as `source address,destination address`",
                );
                false
            }
            k => {
                let extra = &cells[2..];
                let what = match extra.iter().find(|c| !c.value.is_empty()) {
                    Some(c) => format!("the extra value `{}`", c.value),
                    None => "an empty extra column (a trailing separator)".to_string(),
                };
                self.issues.error(
                    n,
                    Some(extra[0].col),
                    "UF-MAP-COLUMNS",
                    format!(
                        "Each line must have exactly two columns: line {n} has {k}; {what} starts here \
                         (the first two were read)"
                    ),
                    "delete everything after the destination address",
                );
                true
            }
        }
    }

    fn email(&mut self, n: i64, what: &str, tenant: &str, c: &Cell) {
        if let Some(problem) = email_problem(&c.value) {
            self.issues.error(
                n,
                Some(c.col),
                "UF-MAP-EMAIL",
                format!(
                    "{what} `{}` is not a valid e-mail address: {problem}",
                    c.value.escape_debug()
                ),
                &format!("write the user's e-mail address in the {tenant} tenant"),
            );
        }
    }

    fn duplicates(&mut self, n: i64, row: &UserMappingRow, src: &Cell, dst: &Cell) {
        let pair = (row.source_lc.clone(), row.destination_lc.clone());
        if let Some(&first) = self.seen_pair.get(&pair) {
            self.issues.error(
                n,
                Some(1),
                "UF-MAP-DUPLICATE",
                format!(
                    "line {n} repeats line {first} (`{},{}`)",
                    row.source, row.destination
                ),
                "delete one of the two lines",
            );
            return;
        }
        self.seen_pair.insert(pair, n);
        if let Some(&first) = self.seen_src.get(&row.source_lc) {
            self.issues.error(
                n,
                Some(src.col),
                "UF-MAP-DUPLICATE",
                format!("Source `{}` is already mapped on line {first}", row.source),
                "keep one line per source user: a user maps to one destination",
            );
        } else {
            self.seen_src.insert(row.source_lc.clone(), n);
        }
        if let Some(&first) = self.seen_dst.get(&row.destination_lc) {
            self.issues.error(
                n,
                Some(dst.col),
                "UF-MAP-DUPLICATE",
                format!(
                    "Destination `{}` is already the destination on line {first}",
                    row.destination
                ),
                "map each destination user from one source user only",
            );
        } else {
            self.seen_dst.insert(row.destination_lc.clone(), n);
        }
    }

    fn finish(mut self) -> Loaded<UserMappingRow> {
        if let Some((line, col, d, count)) = self.foreign {
            self.issues.error(
                line,
                Some(col),
                "UF-MAP-DELIMITER",
                format!(
                    "the file is separated by {} on {count} line{}, the first here; the service \
                     requires commas (the lines were split on {} to read them)",
                    delimiter_name(d),
                    if count == 1 { "" } else { "s" },
                    delimiter_short(d)
                ),
                delimiter_fix(d),
            );
        }
        if let Some((line, col)) = self.quotes.first {
            self.issues.warning(
                line,
                Some(col),
                "UF-QUOTED",
                format!(
                    "values are quoted ({} value{} on {} line{}, the first here); the quotes were removed",
                    self.quotes.cells,
                    if self.quotes.cells == 1 { "" } else { "s" },
                    self.quotes.lines,
                    if self.quotes.lines == 1 { "" } else { "s" },
                ),
                "save the file without quotes: CSV readers remove them, but the service's parser \
                 is not documented and may keep them as part of the name or address \
                 (PowerShell 7: `Export-Csv -UseQuotes Never`)",
            );
        }
        if !self.header_seen {
            self.issues.error(
                1,
                None,
                "UF-MAP-HEADER",
                "the file is empty; its first line must be the header `Source,Destination`".into(),
                "write `Source,Destination` on the first line and one line per user after it",
            );
        } else if self.data_lines == 0 {
            self.issues.error(
                0,
                None,
                "UF-MAP-NO-ROWS",
                "the file has a header but no mapping lines".into(),
                "add one line per user: `source address,destination address`",
            );
        }
        Loaded {
            rows: self.rows,
            issues: self.issues.finish(),
        }
    }
}

fn is_swapped(cells: &[Cell]) -> bool {
    cells.len() >= 2
        && cells[0].value.eq_ignore_ascii_case(HEADER[1])
        && cells[1].value.eq_ignore_ascii_case(HEADER[0])
}
