//! The OAuth 2.0 client-credentials grant against `{login}/{tenant}/oauth2/v2.0/token`,
//! for client secrets and client assertions.
//!
//! Done here rather than with azure_identity's `ClientSecretCredential`
//! because that refuses any authority host that is not https, and the
//! `[endpoints] login` override must be able to point at the loopback tenant
//! simulator. The request and its form body (which holds the secret) are
//! never logged; errors carry the AADSTS code and description only.

use super::Secret;
use chrono::{DateTime, Utc};
use std::time::Duration;

pub enum Credential<'a> {
    Secret(&'a Secret),
    /// A signed JWT (`urn:ietf:params:oauth:client-assertion-type:jwt-bearer`).
    Assertion(&'a Secret),
}

pub struct TokenGrant {
    pub token: Secret,
    pub expires_on: Option<DateTime<Utc>>,
}

pub fn token_endpoint(login: &str, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", login.trim_end_matches('/'))
}

pub async fn client_credentials(
    http: &reqwest::Client,
    login: &str,
    tenant: &str,
    client_id: &str,
    credential: Credential<'_>,
    scope: &str,
    timeout: Duration,
) -> Result<TokenGrant, String> {
    let url = token_endpoint(login, tenant);
    // Built in a block: the serializer is not Send and must not live across an await.
    let body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials")
            .append_pair("client_id", client_id)
            .append_pair("scope", scope);
        match credential {
            Credential::Secret(s) => {
                form.append_pair("client_secret", s.expose());
            }
            Credential::Assertion(a) => {
                form.append_pair(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                )
                .append_pair("client_assertion", a.expose());
            }
        }
        Secret::new(form.finish())
    };
    let resp = http
        .post(&url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body.expose().to_string())
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| format!("POST {url}: {}", without_url(&e)))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("POST {url}: reading the answer: {}", without_url(&e)))?;
    parse_token_response(status, &bytes, Utc::now()).map_err(|e| format!("POST {url}: {e}"))
}

/// reqwest's error Display can include the URL; ours is printed separately.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(&format!(" for url ({u})"), "");
    }
    super::secret::redact(&s)
}

pub fn parse_token_response(
    status: u16,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<TokenGrant, String> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| format!("HTTP {status}, and the answer is not JSON"))?;
    if !(200..300).contains(&status) {
        let code = v.get("error").and_then(|x| x.as_str()).unwrap_or("error");
        let desc = v
            .get("error_description")
            .and_then(|x| x.as_str())
            .and_then(|d| d.lines().next())
            .unwrap_or("");
        return Err(format!("HTTP {status} {code}: {desc}")
            .trim_end_matches(": ")
            .to_string());
    }
    let token = v
        .get("access_token")
        .and_then(|x| x.as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("HTTP {status} without an access_token"))?;
    let expires_in = v.get("expires_in").and_then(|x| {
        x.as_i64()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    });
    Ok(TokenGrant {
        token: Secret::new(token),
        expires_on: expires_in.map(|s| now + chrono::Duration::seconds(s)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_token_and_an_aadsts_error() {
        let now = Utc::now();
        let g = parse_token_response(
            200,
            br#"{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}"#,
            now,
        )
        .unwrap();
        assert_eq!(g.token.expose(), "tok");
        assert_eq!((g.expires_on.unwrap() - now).num_seconds(), 3599);
        let e = parse_token_response(
            401,
            br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"}"#,
            now,
        )
        .err()
        .unwrap();
        assert_eq!(
            e,
            "HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided."
        );
    }

    #[test]
    fn endpoint_shape() {
        assert_eq!(
            token_endpoint("http://127.0.0.1:9/login/", "t1"),
            "http://127.0.0.1:9/login/t1/oauth2/v2.0/token"
        );
    }
}
