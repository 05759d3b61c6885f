//! PowerShell runbooks written with a plan: `exchange.ps1` does what the
//! plan's Exchange steps do, for admins who prefer to run it themselves;
//! `powerplatform.ps1` holds the Power Platform steps, which have no public
//! admin API and are `manual` in the plan. Each step is one
//! `#region <step id>` … `#endregion` section, which the step's `runbook`
//! field names (`exchange.ps1#<step id>`).

use std::collections::BTreeMap;

pub const EXCHANGE: &str = "exchange.ps1";
pub const POWERPLATFORM: &str = "powerplatform.ps1";

/// One runbook file being written: its preamble and its (step id, text) sections.
#[derive(Default)]
struct File {
    header: String,
    sections: Vec<(String, String)>,
}

/// Sections collected while planning, assembled into files at the end.
#[derive(Default)]
pub struct Runbooks {
    files: BTreeMap<&'static str, File>,
}

impl Runbooks {
    /// Sets a file's preamble (connection, error handling).
    pub fn header(&mut self, file: &'static str, text: String) {
        self.files.entry(file).or_default().header = text;
    }

    /// Adds a step's section; returns the reference for `Step::runbook`.
    pub fn section(&mut self, file: &'static str, step_id: &str, body: String) -> String {
        self.files
            .entry(file)
            .or_default()
            .sections
            .push((step_id.to_string(), body));
        format!("{file}#{step_id}")
    }

    pub fn finish(self) -> BTreeMap<String, String> {
        self.files
            .into_iter()
            .map(|(name, f)| {
                let mut text = f.header;
                for (id, body) in f.sections {
                    text.push_str(&format!("\n#region {id}\n{body}"));
                    if !body.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str("#endregion\n");
                }
                (name.to_string(), text)
            })
            .collect()
    }
}

/// The text of one section of a runbook, by its `file#step` reference.
pub fn section<'a>(runbooks: &'a BTreeMap<String, String>, reference: &str) -> Option<&'a str> {
    let (file, id) = reference.split_once('#')?;
    let text = runbooks.get(file)?;
    let start_marker = format!("#region {id}\n");
    let start = text.find(&start_marker)? + start_marker.len();
    let end = text[start..].find("#endregion")? + start;
    Some(&text[start..end])
}

/// A PowerShell single-quoted string: nothing inside is expanded, and every
/// character PowerShell takes for a single quote (the typographic ones too)
/// is doubled, so a name can never end the string and run code.
pub fn ps_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_found_by_reference() {
        let mut r = Runbooks::default();
        r.header(EXCHANGE, "# header\n".into());
        let a = r.section(
            EXCHANGE,
            "a/set-mail-user",
            "Set-MailUser -Identity 'a'".into(),
        );
        let b = r.section(
            EXCHANGE,
            "b/set-mail-user",
            "Set-MailUser -Identity 'b'\n".into(),
        );
        let files = r.finish();
        assert_eq!(section(&files, &a), Some("Set-MailUser -Identity 'a'\n"));
        assert_eq!(section(&files, &b), Some("Set-MailUser -Identity 'b'\n"));
        assert!(files[EXCHANGE].starts_with("# header\n"));
        assert_eq!(section(&files, "exchange.ps1#c"), None);
    }

    #[test]
    fn quoting_cannot_break_out() {
        assert_eq!(ps_quote("o'brien"), "'o''brien'");
        assert_eq!(ps_quote("$(evil)"), "'$(evil)'");
        assert_eq!(ps_quote("x\u{2019}y"), "'x\u{2019}\u{2019}y'");
    }
}
