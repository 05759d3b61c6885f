//! `kind = "command"`: a configured program prints a bearer token. For CI, for
//! sign-in methods azure_identity lacks, and for the tenant simulator.
//!
//! Its stdout is a raw token or JSON with `accessToken`/`access_token` and
//! `expiresOn`/`expires_on`/`expires_in`. Stdout is never shown: on failure
//! only the first line of stderr is.

use super::Secret;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use std::process::Stdio;
use std::time::Duration;

/// A token the command printed, before its claims are checked.
#[derive(Debug)]
pub struct CommandToken {
    pub token: Secret,
    pub expires_on: Option<DateTime<Utc>>,
}

/// Why a command gave no token: said in words for the person, never with stdout.
#[derive(Debug, PartialEq, Eq)]
pub enum CommandError {
    Spawn(String),
    Failed { status: String, stderr: String },
    Empty { stderr: String },
    Unreadable(String),
    TimedOut(u64),
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandError::Spawn(e) => write!(f, "could not start it: {e}"),
            CommandError::Failed { status, stderr } if stderr.is_empty() => {
                write!(f, "it exited with {status}")
            }
            CommandError::Failed { status, stderr } => {
                write!(f, "it exited with {status}: {stderr}")
            }
            CommandError::Empty { stderr } if stderr.is_empty() => {
                write!(f, "it printed no token")
            }
            CommandError::Empty { stderr } => write!(f, "it printed no token: {stderr}"),
            CommandError::Unreadable(why) => write!(f, "its output is not a token: {why}"),
            CommandError::TimedOut(s) => write!(f, "it did not finish within {s} s"),
        }
    }
}

/// `argv` with `{tenant}` and `{scope}` substituted in every argument.
pub fn substitute(argv: &[String], tenant: &str, scope: &str) -> Vec<String> {
    argv.iter()
        .map(|a| a.replace("{tenant}", tenant).replace("{scope}", scope))
        .collect()
}

pub async fn run(argv: &[String], timeout: Duration) -> Result<CommandToken, CommandError> {
    let (prog, args) = argv
        .split_first()
        .ok_or_else(|| CommandError::Spawn("the command is empty".into()))?;
    let child = tokio::process::Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| CommandError::Spawn(format!("`{prog}`: {e}")))?;
    let out = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(r) => r.map_err(|e| CommandError::Spawn(format!("`{prog}`: {e}")))?,
        Err(_) => return Err(CommandError::TimedOut(timeout.as_secs())),
    };
    let stderr = first_line(&String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(CommandError::Failed {
            status: out.status.to_string(),
            stderr,
        });
    }
    let stdout = String::from_utf8(out.stdout)
        .map_err(|_| CommandError::Unreadable("stdout is not UTF-8".into()))?;
    parse_output(&stdout, Utc::now()).map_err(|e| match e {
        CommandError::Empty { .. } => CommandError::Empty { stderr },
        other => other,
    })
}

fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    // A misbehaving command could echo a token to stderr too.
    let line = super::secret::redact(line);
    if looks_like_jwt(&line) {
        return "<stderr held a token; not shown>".into();
    }
    line.chars().take(300).collect()
}

fn looks_like_jwt(s: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || c == '"')
        .any(|w| w.starts_with("eyJ") && w.matches('.').count() == 2)
}

/// Reads the command's stdout: a raw token or a JSON object.
pub fn parse_output(stdout: &str, now: DateTime<Utc>) -> Result<CommandToken, CommandError> {
    let text = stdout.trim();
    if text.is_empty() {
        return Err(CommandError::Empty {
            stderr: String::new(),
        });
    }
    if !text.starts_with('{') {
        if text.contains(char::is_whitespace) {
            return Err(CommandError::Unreadable(
                "more than one word; print only the token, or JSON".into(),
            ));
        }
        return Ok(CommandToken {
            token: Secret::new(text),
            expires_on: None,
        });
    }
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| CommandError::Unreadable(format!("JSON that does not parse ({e})")))?;
    let token = ["accessToken", "access_token"]
        .iter()
        .find_map(|k| v.get(k).and_then(|t| t.as_str()))
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            CommandError::Unreadable("JSON without `accessToken` or `access_token`".into())
        })?;
    let expires_on = expiry(&v, now)?;
    Ok(CommandToken {
        token: Secret::new(token.trim()),
        expires_on,
    })
}

fn expiry(
    v: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, CommandError> {
    // `expires_on` (epoch seconds) is what newer `az account get-access-token`
    // prints next to the local-time `expiresOn`; prefer it: it has no zone trouble.
    for key in ["expires_on", "expiresOn"] {
        if let Some(x) = v.get(key) {
            if x.is_null() {
                continue;
            }
            return parse_time(x)
                .map(Some)
                .ok_or_else(|| CommandError::Unreadable(format!("`{key}` is not a time")));
        }
    }
    if let Some(x) = v.get("expires_in") {
        let secs = x
            .as_i64()
            .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| CommandError::Unreadable("`expires_in` is not seconds".into()))?;
        return Ok(Some(now + chrono::Duration::seconds(secs)));
    }
    Ok(None)
}

fn parse_time(x: &serde_json::Value) -> Option<DateTime<Utc>> {
    if let Some(n) = x.as_i64() {
        return Utc.timestamp_opt(n, 0).single();
    }
    let s = x.as_str()?.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Utc.timestamp_opt(n, 0).single();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // `az`'s `expiresOn`: "2025-01-31 14:05:09.000000", local time of the machine.
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn raw_token_and_json_forms() {
        let t = parse_output("  abc.def.ghi\n", now()).unwrap();
        assert_eq!(t.token.expose(), "abc.def.ghi");
        assert_eq!(t.expires_on, None);

        let t = parse_output(
            r#"{"accessToken":"tok","expiresOn":"2030-01-01T00:00:00Z"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(t.token.expose(), "tok");
        assert_eq!(t.expires_on.unwrap().timestamp(), 1_893_456_000);

        let t = parse_output(r#"{"access_token":"tok","expires_in":3599}"#, now()).unwrap();
        assert_eq!(t.expires_on.unwrap().timestamp(), 1_700_003_599);

        let t = parse_output(
            r#"{"accessToken":"tok","expiresOn":"2030-01-01 00:00:00.000000","expires_on":1893456000}"#,
            now(),
        )
        .unwrap();
        assert_eq!(t.expires_on.unwrap().timestamp(), 1_893_456_000);

        let t = parse_output(r#"{"access_token":"tok","expires_on":"1893456000"}"#, now()).unwrap();
        assert_eq!(t.expires_on.unwrap().timestamp(), 1_893_456_000);
    }

    #[test]
    fn bad_output_is_an_error_without_the_output() {
        assert!(matches!(
            parse_output(" \n", now()),
            Err(CommandError::Empty { .. })
        ));
        let e = parse_output(r#"{"token":"s3cr3t"}"#, now()).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let e = parse_output("Bearer s3cr3t", now()).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let e = parse_output(r#"{"accessToken":"s3cr3t","expiresOn":"soon"}"#, now()).unwrap_err();
        assert!(e.to_string().contains("expiresOn"), "{e}");
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    #[test]
    fn substitutes_tenant_and_scope() {
        let argv = vec!["tok".into(), "--tenant={tenant}".into(), "{scope}".into()];
        assert_eq!(
            substitute(&argv, "t1", "https://graph.microsoft.com/.default"),
            vec!["tok", "--tenant=t1", "https://graph.microsoft.com/.default"]
        );
    }

    #[tokio::test]
    async fn runs_a_command_and_reports_its_failure_by_stderr() {
        let ok = run(
            &[
                "sh".into(),
                "-c".into(),
                "echo '{\"access_token\":\"tok\",\"expires_in\":60}'".into(),
            ],
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(ok.token.expose(), "tok");

        let e = run(
            &[
                "sh".into(),
                "-c".into(),
                "echo s3cr3t-out; echo 'ERROR: not logged in' >&2; echo more >&2; exit 3".into(),
            ],
            Duration::from_secs(10),
        )
        .await
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("ERROR: not logged in"), "{msg}");
        assert!(!msg.contains("more"), "{msg}");
        assert!(!msg.contains("s3cr3t"), "{msg}");

        let e = run(
            &["sh".into(), "-c".into(), "true".into()],
            Duration::from_secs(10),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, CommandError::Empty { .. }), "{e}");

        let e = run(&["/nonexistent/prog".into()], Duration::from_secs(10))
            .await
            .unwrap_err();
        assert!(matches!(e, CommandError::Spawn(_)), "{e}");
    }
}
