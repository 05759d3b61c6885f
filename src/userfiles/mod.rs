//! Files a person writes and hands to xtenant: the Power Platform
//! `usermapping.csv` and Exchange migration batch CSVs. They come from Excel,
//! Notepad and PowerShell, so encoding and delimiter mistakes are expected and
//! each gets a message with file, line, column and the fix.
//!
//! Both readers work line by line on the decoded text instead of handing the
//! file to the `csv` crate: the Power Platform service reports problems per
//! line ("Each line must have exactly two columns"), so a physical line is the
//! unit the person has to fix, and every issue needs the column of the cell it
//! is about, which `csv` records do not carry. Cells are split here with the
//! usual CSV quoting rules (a delimiter inside double quotes does not split,
//! `""` is a literal quote), so a file that `csv` reads the same way reads the
//! same way here; quoted line breaks are not supported (no e-mail address
//! contains one).
//!
//! Positions: `line` is the 1-based physical line; `column` is the 1-based
//! character (not byte) position within that line, after any byte order mark;
//! `line` 0 means the whole file (its name, or that it holds no rows).

pub mod batch;
pub mod mapping;

use std::path::Path;

use crate::error::{Error, Location};
use crate::inventory::UserFileIssue;

/// What a reader got out of a user file: every row it could read, and every
/// problem it saw. A line that did not become a row always has an issue that
/// names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded<R> {
    pub rows: Vec<R>,
    pub issues: Vec<UserFileIssue>,
}

/// Renders an issue the way the CLI prints it:
/// `file:line:col: severity[CODE]: message` and, when there is one, an indented
/// `fix:` line. The column is left out when unknown, and the line too when the
/// issue is about the whole file (line 0).
pub fn format_issue(issue: &UserFileIssue) -> String {
    let mut out = issue.file.clone();
    if issue.line > 0 {
        out.push_str(&format!(":{}", issue.line));
        if let Some(col) = issue.column {
            out.push_str(&format!(":{col}"));
        }
    }
    out.push_str(&format!(
        ": {}[{}]: {}",
        issue.severity, issue.code, issue.message
    ));
    if let Some(fix) = &issue.fix {
        out.push_str(&format!("\n  fix: {fix}"));
    }
    out
}

/// How a file's bytes are encoded, as far as its first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8", Notepad's "UTF-8 with BOM").
    Utf8Bom,
    /// UTF-16 little-endian, with or without a byte order mark.
    Utf16Le {
        bom: bool,
    },
    /// UTF-16 big-endian with a byte order mark.
    Utf16Be,
}

impl Encoding {
    pub fn is_utf16(self) -> bool {
        matches!(self, Encoding::Utf16Le { .. } | Encoding::Utf16Be)
    }
}

/// Recognises the encodings `decode_text` accepts.
pub fn sniff(bytes: &[u8]) -> Encoding {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Encoding::Utf8Bom
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        Encoding::Utf16Le { bom: true }
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        Encoding::Utf16Be
    } else if bytes.len() >= 4 && bytes[1] == 0 && bytes[3] == 0 && bytes[0] != 0 {
        // UTF-16 without a BOM: every other byte of ASCII text is NUL.
        Encoding::Utf16Le { bom: false }
    } else {
        Encoding::Utf8
    }
}

/// Decodes text the way people's tools write it: UTF-8 with or without a BOM,
/// or UTF-16 (Excel's "Unicode Text", PowerShell 5's `Out-File`) with a BOM.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    match sniff(bytes) {
        Encoding::Utf8 => utf8(bytes),
        Encoding::Utf8Bom => utf8(&bytes[3..]),
        Encoding::Utf16Le { bom: true } => utf16(&bytes[2..], u16::from_le_bytes),
        Encoding::Utf16Le { bom: false } => utf16(bytes, u16::from_le_bytes),
        Encoding::Utf16Be => utf16(&bytes[2..], u16::from_be_bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "the file is not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn utf16(bytes: &[u8], conv: fn([u8; 2]) -> u16) -> Result<String, String> {
    if bytes.len() % 2 != 0 {
        return Err("the file looks like UTF-16 but has an odd number of bytes".into());
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| conv([c[0], c[1]])).collect();
    String::from_utf16(&units)
        .map_err(|_| "the file looks like UTF-16 but is not valid UTF-16".into())
}

/// Why `s` is not an e-mail address the services will take, or `None`.
///
/// Deliberately stricter than RFC 5321 where Microsoft 365 is: no quoted local
/// parts, no IP-literal domains, ASCII only (user principal names and the
/// addresses these files carry cannot hold anything else), and the domain
/// needs a dot (a mailbox in a bare `contoso` domain cannot be a tenant user).
pub fn email_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("it is empty".into());
    }
    if s.contains('<') && s.ends_with('>') {
        return Some(
            "it is a display name with the address in angle brackets; write only the address"
                .into(),
        );
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace()) {
        return Some(format!("it contains whitespace ({})", char_name(c)));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii()) {
        return Some(format!(
            "it contains the non-ASCII character {}",
            char_name(c)
        ));
    }
    let (local, domain) = match s.split_once('@') {
        None => return Some("it has no `@`".into()),
        Some((_, d)) if d.contains('@') => return Some("it has more than one `@`".into()),
        Some(parts) => parts,
    };
    local_problem(local).or_else(|| domain_problem(domain))
}

fn local_problem(local: &str) -> Option<String> {
    const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~.";
    if local.is_empty() {
        return Some("there is nothing before the `@`".into());
    }
    if let Some(c) = local
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !ATEXT.contains(*c))
    {
        return Some(format!("the part before the `@` contains {}", char_name(c)));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some(
            "the part before the `@` starts or ends with a dot, or has two in a row".into(),
        );
    }
    if local.len() > 64 {
        return Some("the part before the `@` is longer than 64 characters".into());
    }
    None
}

fn domain_problem(domain: &str) -> Option<String> {
    if domain.is_empty() {
        return Some("there is nothing after the `@`".into());
    }
    if !domain.contains('.') {
        return Some(format!("the domain `{domain}` has no dot"));
    }
    if domain.len() > 253 {
        return Some("the domain is longer than 253 characters".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Some(format!(
                "the domain `{domain}` has an empty label (two dots in a row, or a dot at an end)"
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
        {
            return Some(format!("the domain contains {}", char_name(c)));
        }
        if label.starts_with('-') || label.ends_with('-') || label.len() > 63 {
            return Some(format!(
                "the domain label `{label}` is not a valid host name label"
            ));
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!(
            "the domain ends in `{tld}`, which is not a top-level domain"
        ));
    }
    None
}

/// Names a character so that an invisible one is visible in a message.
fn char_name(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        '\u{a0}' => "a non-breaking space (U+00A0)".into(),
        c if c.is_whitespace() || c.is_control() || is_invisible(c) => {
            format!("U+{:04X}", c as u32)
        }
        c if !c.is_ascii() => format!("`{c}` (U+{:04X})", c as u32),
        c => format!("`{c}`"),
    }
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}')
}

// ---------------------------------------------------------------------------
// Shared reading machinery for the two readers.

/// Reads and decodes a user file. Only a file that cannot be read or decoded
/// at all is an error; everything else is an issue.
pub(crate) fn read(path: &Path) -> crate::Result<(Encoding, String)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let encoding = sniff(&bytes);
    let text = decode_text(&bytes).map_err(|msg| {
        Error::input(
            Location::file(path),
            msg,
            "save the file as UTF-8 (Excel: Save As > \"CSV UTF-8 (Comma delimited)\"; \
             Notepad: Save As > Encoding \"UTF-8\")",
        )
    })?;
    Ok((encoding, text))
}

/// Physical lines, numbered from 1. `\r\n` and `\n` both end a line; a final
/// line break does not start another line.
pub(crate) fn lines(text: &str) -> Vec<(i64, &str)> {
    let mut out: Vec<(i64, &str)> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i as i64 + 1, l))
        .collect();
    if text.ends_with('\n') || text.is_empty() {
        out.pop();
    }
    out
}

/// One cell of a line, with what the checks need to point at it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    /// Column of the cell's first character (for an empty cell: where it would be).
    pub col: i64,
    /// The value with quotes removed and surrounding whitespace trimmed.
    pub value: String,
    /// The value with quotes removed but not trimmed.
    pub untrimmed: String,
    /// Column of the opening quote when the cell is quoted.
    pub quote_col: Option<i64>,
    /// The opening quote has no closing quote on this line.
    pub unclosed: bool,
    /// Column of the first whitespace character that trimming removed.
    pub space_col: Option<i64>,
}

/// Splits a line into cells on `delim`, honouring double quotes at the start
/// of a cell (after optional whitespace) the way CSV readers do.
pub(crate) fn split_cells(line: &str, delim: char) -> Vec<Cell> {
    let chars: Vec<char> = line.chars().collect();
    let mut cells = Vec::new();
    let mut start = 0;
    loop {
        let end = cell_end(&chars, start, delim);
        cells.push(cell(&chars[start..end], start as i64 + 1));
        if end >= chars.len() {
            break;
        }
        start = end + 1;
    }
    cells
}

/// Index of the delimiter ending the cell that starts at `start`, or the line length.
fn cell_end(chars: &[char], start: usize, delim: char) -> usize {
    let mut in_quote = false;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            if in_quote && chars.get(i + 1) == Some(&'"') {
                i += 2;
                continue;
            }
            // A quote opens a quoted cell only where the cell starts.
            if in_quote || chars[start..i].iter().all(|c| c.is_whitespace()) {
                in_quote = !in_quote;
            }
        } else if c == delim && !in_quote {
            return i;
        }
        i += 1;
    }
    chars.len()
}

fn cell(raw: &[char], col: i64) -> Cell {
    let lead = raw.iter().take_while(|c| c.is_whitespace()).count();
    let trail = if lead == raw.len() {
        0
    } else {
        raw.iter().rev().take_while(|c| c.is_whitespace()).count()
    };
    let core = &raw[lead..raw.len() - trail];
    let at = |i: usize| col + i as i64;
    let outer_space = (lead > 0).then(|| at(0));
    let outer_trail = (trail > 0).then(|| at(raw.len() - trail));
    if core.first() != Some(&'"') {
        let untrimmed: String = raw.iter().collect();
        return Cell {
            col,
            value: core.iter().collect(),
            untrimmed,
            quote_col: None,
            unclosed: false,
            space_col: outer_space.or(outer_trail),
        };
    }
    let q = unquote(&core[1..]);
    let value: String = q.chars.iter().collect();
    let ilead = q.chars.iter().take_while(|c| c.is_whitespace()).count();
    let itrail = if ilead == q.chars.len() {
        0
    } else {
        q.chars
            .iter()
            .rev()
            .take_while(|c| c.is_whitespace())
            .count()
    };
    let inner_start = lead + 1;
    let inner_space = (ilead > 0)
        .then(|| at(inner_start))
        .or_else(|| (itrail > 0).then(|| at(inner_start + q.end - itrail)));
    Cell {
        col,
        value: value.trim().to_string(),
        untrimmed: value,
        quote_col: Some(at(lead)),
        unclosed: q.unclosed,
        space_col: outer_space.or(inner_space).or(outer_trail),
    }
}

struct Unquoted {
    /// The value: escaped quotes undoubled, text after the closing quote kept
    /// (as CSV readers do).
    chars: Vec<char>,
    /// Raw index (after the opening quote) where the value's last character
    /// ends: the closing quote, or the end of the cell.
    end: usize,
    unclosed: bool,
}

fn unquote(after_open: &[char]) -> Unquoted {
    let mut chars = Vec::with_capacity(after_open.len());
    let mut i = 0;
    while i < after_open.len() {
        let c = after_open[i];
        if c == '"' {
            if after_open.get(i + 1) == Some(&'"') {
                chars.push('"');
                i += 2;
                continue;
            }
            let rest = &after_open[i + 1..];
            chars.extend_from_slice(rest);
            let end = if rest.is_empty() { i } else { after_open.len() };
            return Unquoted {
                chars,
                end,
                unclosed: false,
            };
        }
        chars.push(c);
        i += 1;
    }
    Unquoted {
        chars,
        end: after_open.len(),
        unclosed: true,
    }
}

/// The first of `candidates` that appears in `line` outside quotes when the
/// line has no `expected` delimiter: a file written with the wrong delimiter.
pub(crate) fn foreign_delimiter(line: &str, expected: char, candidates: &[char]) -> Option<char> {
    if split_cells(line, expected).len() > 1 {
        return None;
    }
    candidates
        .iter()
        .copied()
        .find(|&d| split_cells(line, d).len() > 1)
}

/// Column of the first `delim` outside quotes, for pointing at it.
pub(crate) fn delimiter_col(line: &str, delim: char) -> Option<i64> {
    let cells = split_cells(line, delim);
    let second = cells.get(1)?;
    Some(second.col - 1)
}

/// How to get rid of a foreign delimiter, by where it usually comes from.
pub(crate) fn delimiter_fix(d: char) -> &'static str {
    match d {
        '\t' => "save as comma-separated: Excel's \"Unicode Text\" and \"Text (Tab delimited)\" write tabs; \
                  use \"CSV UTF-8 (Comma delimited)\" instead",
        _ => "save as comma-separated: Excel writes `;` where the Windows list separator is `;`; \
              replace `;` with `,` in a text editor",
    }
}

pub(crate) fn delimiter_short(d: char) -> &'static str {
    match d {
        ';' => "`;`",
        '\t' => "tabs",
        '|' => "`|`",
        _ => "`,`",
    }
}

pub(crate) fn delimiter_name(d: char) -> &'static str {
    match d {
        ';' => "semicolons (`;`)",
        '\t' => "tabs",
        '|' => "vertical bars (`|`)",
        _ => "commas (`,`)",
    }
}

/// PowerShell 5's `Export-Csv` starts the file with `#TYPE <type name>`
/// unless `-NoTypeInformation` is given.
pub(crate) fn is_type_line(line: &str) -> bool {
    line.trim_start().starts_with("#TYPE")
}

/// Collects issues for one file.
pub(crate) struct Issues {
    tenant: &'static str,
    kind: &'static str,
    file: String,
    pub list: Vec<UserFileIssue>,
}

impl Issues {
    pub fn new(tenant: &'static str, kind: &'static str, file: String) -> Self {
        Issues {
            tenant,
            kind,
            file,
            list: Vec::new(),
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn error(&mut self, line: i64, col: Option<i64>, code: &str, message: String, fix: &str) {
        self.push("error", line, col, code, message, fix);
    }

    pub fn warning(&mut self, line: i64, col: Option<i64>, code: &str, message: String, fix: &str) {
        self.push("warning", line, col, code, message, fix);
    }

    fn push(
        &mut self,
        severity: &str,
        line: i64,
        col: Option<i64>,
        code: &str,
        message: String,
        fix: &str,
    ) {
        self.list.push(UserFileIssue {
            tenant: self.tenant.to_string(),
            kind: self.kind.to_string(),
            file: self.file.clone(),
            line,
            column: col,
            severity: severity.to_string(),
            code: code.to_string(),
            message,
            fix: (!fix.is_empty()).then(|| fix.to_string()),
        });
    }

    /// Issues in file order; ties keep the order they were found in.
    pub fn finish(mut self) -> Vec<UserFileIssue> {
        self.list.sort_by_key(|i| (i.line, i.column.unwrap_or(0)));
        self.list
    }
}

/// Tracks quoted cells so that a file PowerShell quoted throughout gets one
/// warning, not one per cell.
#[derive(Default)]
pub(crate) struct QuoteTally {
    pub first: Option<(i64, i64)>,
    pub cells: usize,
    pub lines: usize,
}

impl QuoteTally {
    pub fn add_line(&mut self, line: i64, cells: &[Cell]) {
        let quoted: Vec<i64> = cells.iter().filter_map(|c| c.quote_col).collect();
        if let Some(&col) = quoted.first() {
            self.first.get_or_insert((line, col));
            self.cells += quoted.len();
            self.lines += 1;
        }
    }
}

/// Reports cells whose opening quote is never closed.
pub(crate) fn report_unclosed(issues: &mut Issues, line: i64, cells: &[Cell]) {
    for c in cells.iter().filter(|c| c.unclosed) {
        issues.error(
            line,
            c.quote_col,
            "UF-UNCLOSED-QUOTE",
            "this quote is never closed; the rest of the line was read as one value".into(),
            "add the closing `\"`, or remove the opening one",
        );
    }
}

/// Reports a blank line, which both readers skip.
pub(crate) fn report_blank(issues: &mut Issues, line: i64) {
    issues.warning(
        line,
        None,
        "UF-BLANK-LINE",
        format!("line {line} is blank; it was skipped"),
        "delete the blank line: a parser that does not skip it sees a line with one empty column",
    );
}

/// Reports a PowerShell `#TYPE` line, which is read as the header by a
/// service that expects the header first.
pub(crate) fn report_type_line(issues: &mut Issues, line: i64) {
    issues.error(
        line,
        Some(1),
        "UF-PS-TYPE-LINE",
        "the file starts with a PowerShell `#TYPE` line, so the header is not the first line"
            .into(),
        "delete the `#TYPE` line, or export with `Export-Csv -NoTypeInformation`",
    );
}

/// Reports whitespace around a value, which was trimmed.
pub(crate) fn report_spaces(issues: &mut Issues, line: i64, what: &str, c: &Cell) {
    if let Some(col) = c.space_col {
        issues.warning(
            line,
            Some(col),
            "UF-TRAILING-SPACE",
            format!(
                "{what} `{}` has whitespace around it; it was read as `{}`",
                c.untrimmed.escape_debug(),
                c.value
            ),
            "remove the spaces around the value",
        );
    }
}

/// Issues for the Windows encodings a person's tool may have picked.
pub(crate) fn report_encoding(
    issues: &mut Issues,
    encoding: Encoding,
    utf16_severity_error: bool,
    report_bom: bool,
) {
    if encoding.is_utf16() {
        let message = match encoding {
            Encoding::Utf16Be => "the file is UTF-16 (big-endian)",
            Encoding::Utf16Le { bom: false } => {
                "the file is UTF-16 (little-endian, without a byte order mark)"
            }
            _ => "the file is UTF-16 (Excel's \"Unicode Text\", or PowerShell 5's `Out-File`/`>`)",
        };
        let fix = "save the file as UTF-8 (Excel: Save As > \"CSV UTF-8 (Comma delimited)\"; \
                   PowerShell: `Set-Content -Encoding utf8` or `Export-Csv -Encoding utf8`)";
        if utf16_severity_error {
            issues.error(
                1,
                Some(1),
                "UF-ENCODING-UTF16",
                format!(
                    "{message}; the service is not documented to accept it, and a reader that \
                     expects UTF-8 sees a NUL byte after every character"
                ),
                fix,
            );
        } else {
            issues.warning(
                1,
                Some(1),
                "UF-ENCODING-UTF16",
                format!("{message}; whether New-MigrationBatch reads it is not documented, UTF-8 is the safe choice"),
                fix,
            );
        }
    } else if encoding == Encoding::Utf8Bom && report_bom {
        issues.warning(
            1,
            Some(1),
            "UF-BOM",
            "the file starts with a UTF-8 byte order mark; the service's documentation does not say \
             whether it strips it, and a parser that does not reads the first header name as \
             `\\u{feff}Source` instead of `Source`"
                .into(),
            "save as UTF-8 without a byte order mark (Notepad: Encoding \"UTF-8\", not \"UTF-8 with BOM\"; \
             Excel: \"CSV (Comma delimited)\"; PowerShell 7: `-Encoding utf8NoBOM`)",
        );
    }
}
