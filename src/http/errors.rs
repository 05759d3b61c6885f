//! A failed request as a person reads it: service, URL (no secrets), status,
//! the service's error code and message, and what to do about it.

use super::Service;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    pub service: Service,
    pub method: &'static str,
    /// Redacted.
    pub url: String,
    /// `None` when no response came (connection error, timeout, refused by the guard).
    pub status: Option<u16>,
    /// `error.code` (or the bare top-level `code` of Compute's 429 body).
    pub code: Option<String>,
    /// Codes of `error.details[]`, e.g. Resource Graph's `ResponsePayloadTooLarge`.
    pub detail_codes: Vec<String>,
    pub message: String,
    pub fix: Option<String>,
    /// Requests sent for this call, retries included.
    pub attempts: u32,
}

impl HttpError {
    /// Whether the code or one of the detail codes is `code` (case-insensitive).
    pub fn has_code(&self, code: &str) -> bool {
        self.code
            .iter()
            .chain(&self.detail_codes)
            .any(|c| c.eq_ignore_ascii_case(code))
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}: ", self.service.label(), self.method, self.url)?;
        if let Some(s) = self.status {
            write!(f, "HTTP {s} ")?;
        }
        if let Some(c) = &self.code {
            write!(f, "{c}: ")?;
        }
        write!(f, "{}", self.message)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// The code, detail codes and message of an ARM, Resource Graph or Graph
/// error body; both the `{"error": {...}}` form and Compute's bare form.
pub fn parse_body(body: &[u8]) -> (Option<String>, Vec<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return (None, Vec::new(), None);
    };
    // The registry data plane (Docker distribution): `{"errors": [{code, message, detail}]}`.
    let first = v
        .get("errors")
        .and_then(|e| e.as_array())
        .and_then(|a| a.first());
    let e = match (v.get("error"), first) {
        (Some(e), _) if e.is_object() => e,
        (_, Some(e)) if e.is_object() => e,
        _ => &v,
    };
    let str_of =
        |x: &serde_json::Value, k: &str| x.get(k).and_then(|c| c.as_str()).map(str::to_string);
    let code = str_of(e, "code");
    let message = str_of(e, "message");
    let mut details = Vec::new();
    let mut stack: Vec<&serde_json::Value> = vec![e];
    while let Some(x) = stack.pop() {
        if let Some(arr) = x.get("details").and_then(|d| d.as_array()) {
            for d in arr {
                if let Some(c) = str_of(d, "code") {
                    details.push(c);
                }
                stack.push(d);
            }
        }
    }
    (code, details, message)
}

/// A short text of the body when it is not a known error shape.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = one_line.chars().take(200).collect();
    crate::auth::redact(&cut)
}

/// What to do about a final failure. `who` names the tenant; `sign_in` is the
/// tenant's sign-in fix; `principal` the signed-in object id when known.
pub fn fix_for(
    service: Service,
    status: Option<u16>,
    who: &str,
    sign_in: &str,
    principal: Option<&str>,
) -> Option<String> {
    let assignee = principal.unwrap_or("<the signed-in identity>");
    match status {
        Some(401) => Some(sign_in.to_string()),
        Some(403) => Some(match service {
            Service::Arm | Service::ResourceGraph => format!(
                "grant Reader on the subscription (or a management group above it) in the {who}: \
                 `az role assignment create --assignee {assignee} --role Reader --scope /subscriptions/<id>`"
            ),
            Service::Graph => format!(
                "grant the Microsoft Graph permissions collection needs (Directory.Read.All, \
                 Application.Read.All, Policy.Read.All; see docs/auth.md) to {assignee} and \
                 admin-consent them in the {who}"
            ),
            Service::Login => sign_in.to_string(),
            Service::Acr => format!(
                "grant {assignee} a role that reads the registry's content (AcrPull, or \
                 Container Registry Repository Reader on ABAC registries) in the {who}, and \
                 check that the registry's network rules let the collector in (docs/auth.md)"
            ),
            Service::Bap | Service::PowerApps | Service::Flow | Service::PowerPlatform => format!(
                "make {assignee} a Power Platform administrator (Entra role) in the {who}, or, for a \
                 service principal, register it with `New-PowerAppManagementApp` (see docs/auth.md)"
            ),
            Service::Dataverse => format!(
                "add {assignee} to the environment as a user (an application user for a service \
                 principal) with the System Administrator or System Customizer role, in the {who} \
                 (see docs/auth.md)"
            ),
            Service::Exchange => format!(
                "give {assignee} the Exchange Online application permission Exchange.ManageAsApp \
                 (admin-consented) and the Entra role Global Reader, or an Exchange role group \
                 with View-Only Recipients and View-Only Configuration, in the {who} \
                 (docs/auth.md); where that is not allowed, save the cmdlets' output with \
                 Export-Csv instead (docs/raw-export.md)"
            ),
        }),
        Some(429) => Some(
            "the service kept throttling; re-run later, or lower [http] concurrency".into(),
        ),
        Some(s) if s >= 500 => Some("the service kept failing; re-run later".into()),
        None => Some(
            "check the network path to the endpoint (proxy, firewall, DNS) and [endpoints]".into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrapped_bare_and_nested_error_bodies() {
        let (c, d, m) = parse_body(
            br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization"}}"#,
        );
        assert_eq!(c.as_deref(), Some("AuthorizationFailed"));
        assert!(d.is_empty());
        assert!(m.unwrap().starts_with("The client"));

        let (c, d, _) = parse_body(
            br#"{"code":"OperationNotAllowed","message":"throttled","details":[{"code":"TooManyRequests","target":"HighCostGet30Min","message":"{}"}]}"#,
        );
        assert_eq!(c.as_deref(), Some("OperationNotAllowed"));
        assert_eq!(d, vec!["TooManyRequests"]);

        let (c, d, _) = parse_body(
            br#"{"error":{"code":"BadRequest","message":"x","details":[{"code":"ResponsePayloadTooLarge","message":"Response payload size is 94330584"}]}}"#,
        );
        let e = HttpError {
            service: Service::ResourceGraph,
            method: "POST",
            url: "u".into(),
            status: Some(400),
            code: c,
            detail_codes: d,
            message: "x".into(),
            fix: None,
            attempts: 1,
        };
        assert!(e.has_code("responsepayloadtoolarge"));
        assert!(!e.has_code("Throttled"));

        assert_eq!(parse_body(b"<html>"), (None, vec![], None));
    }

    #[test]
    fn fixes_name_the_role_or_permission() {
        let f = fix_for(
            Service::Arm,
            Some(403),
            "source tenant (Contoso, t)",
            "az login",
            Some("oid1"),
        )
        .unwrap();
        assert!(f.contains("--assignee oid1 --role Reader"), "{f}");
        let f = fix_for(
            Service::Graph,
            Some(403),
            "target tenant (t)",
            "az login",
            None,
        )
        .unwrap();
        assert!(
            f.contains("Directory.Read.All") && f.contains("target tenant"),
            "{f}"
        );
        assert_eq!(
            fix_for(Service::Graph, Some(401), "w", "az login --tenant t", None).as_deref(),
            Some("az login --tenant t")
        );
        assert_eq!(fix_for(Service::Arm, Some(404), "w", "s", None), None);
    }
}
