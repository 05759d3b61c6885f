//! The three forms an Exchange cmdlet's output may be saved in (InvokeCommand
//! REST pages, ConvertTo-Json output, Export-Csv output; docs/raw-export.md)
//! turned into one stream of JSON objects, each knowing where it came from so
//! that errors can name the file, the item or the line and column.

use crate::error::{Error, Location, Result};
use crate::normalize::at;
use crate::raw::{self, Envelope, Page, RawExport, Side};
use crate::userfiles::decode_text;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A cmdlet and the properties xtenant reads from its output: only these are
/// checked for Export-Csv type-name cells, so that unread multi-valued columns
/// (there are dozens on Get-Mailbox) need no joining.
pub(super) struct Cmdlet {
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

/// Where an item came from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Origin<'a> {
    /// Item `index` (0-based) of a REST page or a ConvertTo-Json file.
    Json { path: &'a Path, index: usize },
    /// A data row of an Export-Csv file starting at `line`; `headers` give a
    /// property's column number.
    Csv {
        path: &'a Path,
        line: usize,
        headers: &'a [String],
    },
}

/// One cmdlet output object; CSV rows become objects of strings (empty cells null).
pub(super) struct Item<'a> {
    pub value: &'a Value,
    pub origin: Origin<'a>,
}

impl Item<'_> {
    /// An input error about property `field` of this item.
    pub fn error(&self, field: &str, message: impl std::fmt::Display, fix: &str) -> Error {
        match self.origin {
            Origin::Json { path, index } => Error::input(
                Location::file(path),
                format!("item {}: {message}", index + 1),
                fix,
            ),
            Origin::Csv {
                path,
                line,
                headers,
            } => {
                let column = headers
                    .iter()
                    .position(|h| h.eq_ignore_ascii_case(field))
                    .map(|i| i + 1);
                Error::input(Location::at(path, line, column), message.to_string(), fix)
            }
        }
    }
}

/// Calls `f` on every item saved for `collection` (`exchange/Get-Mailbox`,
/// `exchange/Get-DistributionGroupMember/{group}`) and returns how many there
/// were; 0 when nothing was saved.
pub(super) fn for_each_item(
    raw: &RawExport,
    side: Side,
    collection: &str,
    cmdlet: &Cmdlet,
    mut f: impl FnMut(&Item) -> Result<()>,
) -> Result<usize> {
    let dir = raw.side_dir(side).join(collection);
    // Not `with_extension`: group identities such as `scope@contoso.com`
    // contain dots that it would replace.
    let json = with_suffix(&dir, ".json");
    let csv = with_suffix(&dir, ".csv");
    let present: Vec<&Path> = [
        (dir.is_dir(), &dir),
        (json.is_file(), &json),
        (csv.is_file(), &csv),
    ]
    .into_iter()
    .filter(|(there, _)| *there)
    .map(|(_, p)| p.as_path())
    .collect();
    if present.len() > 1 {
        let names: Vec<String> = present.iter().map(|p| file_name(p)).collect();
        return Err(Error::input(
            Location::file(&dir),
            format!(
                "{} output is saved in more than one form ({}), so items would be counted twice",
                cmdlet.name,
                names.join(", ")
            ),
            "keep one of them: the REST pages directory, the ConvertTo-Json .json file or the Export-Csv .csv file",
        ));
    }
    if dir.is_dir() {
        let mut n = 0;
        raw.for_each_page(side, collection, |page| {
            n += json_items(std::slice::from_ref(page), Envelope::Value, cmdlet, &mut f)?;
            Ok(())
        })?;
        Ok(n)
    } else if json.is_file() {
        let page = read_json(&json)?;
        json_items(
            std::slice::from_ref(&page),
            Envelope::PowerShell,
            cmdlet,
            &mut f,
        )
    } else if csv.is_file() {
        csv_items(&csv, cmdlet, &mut f)
    } else {
        Ok(0)
    }
}

pub(super) fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn file_name(p: &Path) -> String {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if p.is_dir() {
        format!("{name}/")
    } else {
        name
    }
}

fn read_json(path: &Path) -> Result<Page> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    // ConvertTo-Json | Out-File in Windows PowerShell writes UTF-16 with a BOM.
    let text = decode_text(&bytes)
        .map_err(|msg| Error::input(Location::file(path), msg, "save the file as UTF-8"))?;
    let body: Value = serde_json::from_str(&text).map_err(|e| raw::json_error(path, &e))?;
    Ok(Page {
        path: path.to_path_buf(),
        body,
        meta: None,
    })
}

fn json_items(
    pages: &[Page],
    env: Envelope,
    cmdlet: &Cmdlet,
    f: &mut impl FnMut(&Item) -> Result<()>,
) -> Result<usize> {
    let items = raw::items(pages, env)?;
    for it in &items {
        let item = Item {
            value: it.value,
            origin: Origin::Json {
                path: it.path,
                index: it.index,
            },
        };
        check_json_item(&item, cmdlet)?;
        f(&item)?;
    }
    Ok(items.len())
}

fn check_json_item(item: &Item, cmdlet: &Cmdlet) -> Result<()> {
    let Some(obj) = item.value.as_object() else {
        return Err(item.error(
            "",
            format!("expected a {} result object", cmdlet.name),
            "save the cmdlet output unchanged (see docs/raw-export.md)",
        ));
    };
    // InvokeCommand answers `{"_clixml": "<Objs ...>"}` items when asked for
    // X-ResponseFormat: clixml; xtenant reads the JSON format only.
    if obj.contains_key("_clixml") {
        return Err(item.error(
            "_clixml",
            "the page holds CLIXML-serialised results",
            "request the page with the header X-ResponseFormat: json",
        ));
    }
    for field in cmdlet.fields {
        let junk = match at(item.value, field) {
            Some(Value::String(s)) => is_type_name(s).then(|| s.clone()),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .find(|s| is_type_name(s))
                .map(str::to_string),
            _ => None,
        };
        if let Some(junk) = junk {
            return Err(item.error(
                field,
                format!("{field} holds {junk:?}: ConvertTo-Json wrote a type name instead of the values"),
                &format!("convert with enough depth: {} | ConvertTo-Json -Depth 5", cmdlet.name),
            ));
        }
    }
    Ok(())
}

/// What PowerShell writes for an object it does not expand: Export-Csv for a
/// multi-valued property, ConvertTo-Json past its depth.
pub(super) fn is_type_name(s: &str) -> bool {
    let t = s.trim();
    t == "System.Object[]"
        || t.starts_with("System.Collections.")
        || t.starts_with("Microsoft.Exchange.Data.")
        || t.starts_with("Deserialized.Microsoft.Exchange.Data.")
}

fn csv_items(
    path: &Path,
    cmdlet: &Cmdlet,
    f: &mut impl FnMut(&Item) -> Result<()>,
) -> Result<usize> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = decode_text(&bytes).map_err(|msg| {
        Error::input(
            Location::file(path),
            msg,
            "save the file as UTF-8 (Export-Csv -Encoding UTF8)",
        )
    })?;
    // Export-Csv without -NoTypeInformation (the Windows PowerShell default)
    // starts with `#TYPE <type name>`.
    let (body, skipped) = match text.strip_prefix("#TYPE") {
        Some(rest) => (rest.split_once('\n').map(|(_, b)| b).unwrap_or(""), 1),
        None => (text.as_str(), 0),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(body))
        .flexible(true)
        .from_reader(body.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(path, body, &e, skipped))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    check_headers(path, &headers, 1 + skipped)?;
    let mut n = 0;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(path, body, &e, skipped))?;
        let line = rec.position().map_or(0, |p| line_of(body, p.byte())) + skipped;
        if rec.len() != headers.len() {
            return Err(Error::input(
                Location::at(path, line, None),
                format!(
                    "the row has {} fields but the header has {}",
                    rec.len(),
                    headers.len()
                ),
                "save the Export-Csv output unchanged (fields with commas or line breaks stay quoted)",
            ));
        }
        let row: Map<String, Value> = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, cell)| {
                let v = if cell.trim().is_empty() {
                    Value::Null
                } else {
                    Value::String(cell.to_string())
                };
                (h.clone(), v)
            })
            .collect();
        let row = Value::Object(row);
        let item = Item {
            value: &row,
            origin: Origin::Csv {
                path,
                line,
                headers: &headers,
            },
        };
        check_csv_row(&item, cmdlet)?;
        f(&item)?;
        n += 1;
    }
    Ok(n)
}

/// Export-Csv writes commas; `-UseCulture` on many European systems writes
/// semicolons, and some people save tab-separated text from Excel.
fn sniff_delimiter(body: &str) -> u8 {
    let header = body.lines().next().unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in header.bytes() {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if c == *d {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

fn check_headers(path: &Path, headers: &[String], line: usize) -> Result<()> {
    for (i, h) in headers.iter().enumerate() {
        if headers[..i].iter().any(|o| o.eq_ignore_ascii_case(h)) {
            return Err(Error::input(
                Location::at(path, line, Some(i + 1)),
                format!("the header {h:?} appears twice (headers are matched case-insensitively)"),
                "keep one column per property",
            ));
        }
    }
    Ok(())
}

/// The 1-based line a record starts on. Not `Position::line`: the csv crate
/// counts one line short after CRLF terminators, which Export-Csv writes.
/// The byte offset may point at the terminator (or blank lines) before the record.
fn line_of(body: &str, byte: u64) -> usize {
    let bytes = body.as_bytes();
    let mut b = (byte as usize).min(bytes.len());
    while b < bytes.len() && (bytes[b] == b'\r' || bytes[b] == b'\n') {
        b += 1;
    }
    1 + bytes[..b].iter().filter(|c| **c == b'\n').count()
}

fn csv_error(path: &Path, body: &str, e: &csv::Error, skipped: usize) -> Error {
    let line = e.position().map(|p| line_of(body, p.byte()) + skipped);
    let loc = match line {
        Some(l) => Location::at(path, l, None),
        None => Location::file(path),
    };
    Error::input(
        loc,
        format!("unreadable CSV: {e}"),
        "save the Export-Csv output unchanged",
    )
}

fn check_csv_row(item: &Item, cmdlet: &Cmdlet) -> Result<()> {
    let Origin::Csv { headers, .. } = item.origin else {
        return Ok(());
    };
    // Every read column holding a type name, in file order, so one fix covers them all.
    let bad: Vec<(&str, &str)> = headers
        .iter()
        .filter(|h| cmdlet.fields.iter().any(|f| f.eq_ignore_ascii_case(h)))
        .filter_map(|h| match at(item.value, h) {
            Some(Value::String(s)) if is_type_name(s) => Some((h.as_str(), s.as_str())),
            _ => None,
        })
        .collect();
    let Some((first, value)) = bad.first() else {
        return Ok(());
    };
    let names: Vec<&str> = bad.iter().map(|(h, _)| *h).collect();
    let joins: Vec<String> = names
        .iter()
        .map(|h| format!("@{{n='{h}';e={{$_.{h} -join ';'}}}}"))
        .collect();
    let fix = format!(
        "join multi-valued properties before exporting: {} | Select-Object *,{} -ExcludeProperty {} | Export-Csv -NoTypeInformation <file>",
        cmdlet.name,
        joins.join(","),
        names.join(",")
    );
    Err(item.error(
        first,
        format!(
            "column {first} holds {value:?}, the type name Export-Csv writes for a multi-valued property instead of its values"
        ),
        &fix,
    ))
}
