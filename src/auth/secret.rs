//! Secrets (bearer tokens, client secrets) that must never reach a log, a file
//! or an error message, and the redaction of URLs that can carry one.

use std::fmt;

/// A secret string. `Debug` and `Display` print `<redacted>`, so a token held
/// in a struct that gets logged or formatted into an error cannot leak; the
/// only way to the text is the explicit [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Query parameters whose value is a credential: SAS signatures, OAuth codes
/// and secrets, tokens passed in a URL.
const SECRET_PARAMS: &[&str] = &[
    "sig",
    "code",
    "client_secret",
    "access_token",
    "refresh_token",
    "id_token",
    "client_assertion",
    "assertion",
    "password",
];

/// Replaces the value of every secret-bearing query parameter with
/// `REDACTED`. Works on anything URL-like (an absolute URL, a path with a
/// query, a bare query string), so it is safe to call on any string that is
/// about to be logged or written.
pub fn redact(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    // Parameters start after `?`, `&` or `;`, or at the very beginning of a bare query.
    let mut at_param_start = !url.contains('?') && url.contains('=');
    while !rest.is_empty() {
        if at_param_start {
            let end = rest.find(['&', '#', ';']).unwrap_or(rest.len());
            let param = &rest[..end];
            match param.split_once('=') {
                Some((name, _)) if is_secret_name(name) => {
                    out.push_str(name);
                    out.push_str("=REDACTED");
                }
                _ => out.push_str(param),
            }
            rest = &rest[end..];
            at_param_start = false;
            continue;
        }
        let mut chars = rest.char_indices();
        let Some((_, c)) = chars.next() else { break };
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if c == '?' || c == '&' || c == ';' {
            at_param_start = true;
        }
        if c == '#' {
            // A fragment never goes to a server, but OAuth implicit flows put
            // tokens there: keep none of it.
            if !rest.is_empty() {
                out.push_str("REDACTED");
            }
            break;
        }
    }
    out
}

fn is_secret_name(name: &str) -> bool {
    let decoded = name.replace("%5F", "_").replace("%5f", "_");
    SECRET_PARAMS
        .iter()
        .any(|p| p.eq_ignore_ascii_case(decoded.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let s = Secret::new("eyJhbGciOi.secret.sig");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{s:?}"), "<redacted>");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            token: Secret,
        }
        let shown = format!("{:?}", Holder { token: s.clone() });
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(s.expose(), "eyJhbGciOi.secret.sig");
    }

    #[test]
    fn redacts_sas_signatures_and_oauth_parameters() {
        assert_eq!(
            redact("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=abc%2Fdef&se=2025"),
            "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=REDACTED&se=2025"
        );
        assert_eq!(
            redact("https://x/cb?code=0.AAA&state=1"),
            "https://x/cb?code=REDACTED&state=1"
        );
        assert_eq!(
            redact("grant_type=client_credentials&client_secret=s3cr3t&scope=x"),
            "grant_type=client_credentials&client_secret=REDACTED&scope=x"
        );
        assert_eq!(
            redact("https://x/p?ACCESS_TOKEN=t&x=1#access_token=t2"),
            "https://x/p?ACCESS_TOKEN=REDACTED&x=1#REDACTED"
        );
    }

    #[test]
    fn leaves_ordinary_urls_alone() {
        let u = "https://management.azure.com/subscriptions?api-version=2022-12-01&$skipToken=abc";
        assert_eq!(redact(u), u);
        // `code` only as a whole parameter name, not a suffix of another.
        let u = "https://graph.microsoft.com/v1.0/users?$filter=postalCode eq '1'&countrycode=1";
        assert_eq!(redact(u), u);
        assert_eq!(redact("no query here"), "no query here");
    }
}
