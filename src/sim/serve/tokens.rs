//! Simulator access tokens: JWT-shaped (`b64url(header).b64url(payload).b64url(sig)`)
//! and signed with HMAC-SHA256 under a key that lives only in this process, so
//! a token the simulator did not issue (forged, edited, or from another run)
//! fails verification and gets the real 401 body.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::hash::{BuildHasher, Hasher};

/// Token lifetime: an hour, as Microsoft Entra ID issues by default.
pub const LIFETIME_SECS: i64 = 3600;

/// The claims the collectors and the simulator read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub tid: String,
    pub oid: String,
    pub appid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub ver: String,
}

/// Why a presented token was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenError {
    /// No `Authorization: Bearer ...` header.
    Missing,
    /// Not three base64url parts, or not JSON inside.
    Malformed,
    /// Well formed but not signed by this simulator.
    BadSignature,
    /// Signed by us, but `exp` is in the past.
    Expired { exp: i64, now: i64 },
}

/// HMAC-SHA256 (RFC 2104). Written out because it is twelve lines over the
/// sha2 crate already in the tree.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.iter().map(|b| b ^ 0x36).collect::<Vec<u8>>());
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.iter().map(|b| b ^ 0x5c).collect::<Vec<u8>>());
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// A fresh per-process key. The standard library's `RandomState` is seeded
/// from the OS, which is all the randomness a loopback simulator needs and
/// keeps the dependency list as it is.
pub fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for (i, chunk) in key.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_usize(i);
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    key
}

/// Issues and verifies tokens with one process-private key.
pub struct Issuer {
    key: [u8; 32],
    /// Every token issued, for tests that grep a run's outputs for them.
    issued: std::sync::Mutex<Vec<String>>,
}

impl Issuer {
    pub fn new(key: [u8; 32]) -> Self {
        Issuer {
            key,
            issued: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Every token issued so far (HTTP and in-process), oldest first.
    pub fn issued(&self) -> Vec<String> {
        self.issued.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// A token for `tenant`, `audience` (a resource URI such as
    /// `https://management.azure.com`) and `client_id`. The object id is
    /// derived from tenant and client, so one principal keeps one id (quotas
    /// are counted per principal) and each tenant sees its own.
    pub fn issue(&self, tenant: &str, audience: &str, client_id: &str) -> String {
        let now = chrono::Utc::now().timestamp();
        self.issue_at(tenant, audience, client_id, now)
    }

    /// As [`Self::issue`] with the issue time given: tests make expired tokens.
    pub fn issue_at(&self, tenant: &str, audience: &str, client_id: &str, iat: i64) -> String {
        let oid = principal_id(tenant, client_id);
        self.issue_full(tenant, audience, client_id, &oid, iat)
    }

    /// A token whose `oid` is the given object id: the principal of the
    /// export's role assignments that a write's RBAC check should see.
    pub fn issue_as(&self, tenant: &str, audience: &str, client_id: &str, oid: &str) -> String {
        let now = chrono::Utc::now().timestamp();
        self.issue_full(tenant, audience, client_id, &oid.to_ascii_lowercase(), now)
    }

    fn issue_full(
        &self,
        tenant: &str,
        audience: &str,
        client_id: &str,
        oid: &str,
        iat: i64,
    ) -> String {
        let tenant = tenant.to_ascii_lowercase();
        let claims = Claims {
            aud: audience.trim_end_matches('/').to_string(),
            iss: format!("https://sts.windows.net/{tenant}/"),
            oid: oid.to_string(),
            tid: tenant,
            appid: client_id.to_string(),
            iat,
            nbf: iat,
            exp: iat + LIFETIME_SECS,
            ver: "1.0".to_string(),
        };
        let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        // Serialising a struct of strings and integers cannot fail.
        let payload = B64.encode(serde_json::to_vec(&claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let sig = B64.encode(hmac_sha256(&self.key, signing_input.as_bytes()));
        let token = format!("{signing_input}.{sig}");
        if let Ok(mut v) = self.issued.lock() {
            v.push(token.clone());
        }
        token
    }

    /// Checks the signature and expiry of a bearer token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let parts: Vec<&str> = token.trim().split('.').collect();
        if parts.len() != 3 {
            return Err(TokenError::Malformed);
        }
        let claims: Claims = B64
            .decode(parts[1])
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        let expected = hmac_sha256(&self.key, format!("{}.{}", parts[0], parts[1]).as_bytes());
        let given = B64.decode(parts[2]).map_err(|_| TokenError::Malformed)?;
        if !constant_time_eq(&expected, &given) {
            return Err(TokenError::BadSignature);
        }
        let now = chrono::Utc::now().timestamp();
        if claims.exp <= now {
            return Err(TokenError::Expired {
                exp: claims.exp,
                now,
            });
        }
        Ok(claims)
    }

    /// Notes a token issued outside [`Self::issue`] (registry tokens), so
    /// [`Self::issued`] lists it too.
    pub fn record(&self, token: &str) {
        if let Ok(mut v) = self.issued.lock() {
            v.push(token.to_string());
        }
    }

    /// A MAC over `data` under the simulator's key (paging tokens use it).
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.key, data)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A GUID-shaped object id, stable for a (tenant, client) pair.
pub fn principal_id(tenant: &str, client_id: &str) -> String {
    let h = Sha256::digest(format!("{}|{}", tenant.to_ascii_lowercase(), client_id).as_bytes());
    let x = hex::encode(&h[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// The bearer token of an `Authorization` header value, if it is one.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    let (scheme, rest) = h.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty()).then(|| rest.trim())
}

/// Resource URIs of the ARM audience in each cloud (with and without the
/// legacy `management.core` host).
pub const ARM_AUDIENCES: &[&str] = &[
    "https://management.azure.com",
    "https://management.core.windows.net",
    "https://management.usgovcloudapi.net",
    "https://management.core.usgovcloudapi.net",
    "https://management.chinacloudapi.cn",
    "https://management.core.chinacloudapi.cn",
];

/// Resource URIs of Microsoft Graph in each cloud.
pub const GRAPH_AUDIENCES: &[&str] = &[
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// Whether a token's audience is one of `allowed` (a trailing slash is the
/// same resource).
pub fn audience_ok(aud: &str, allowed: &[&str]) -> bool {
    let a = aud.trim_end_matches('/');
    allowed.iter().any(|x| x.eq_ignore_ascii_case(a))
}

/// The resource of a `{resource}/.default` scope list (space-separated).
pub fn scope_audience(scope: &str) -> Option<String> {
    scope
        .split_whitespace()
        .find_map(|s| s.strip_suffix("/.default"))
        .map(|s| s.trim_end_matches('/').to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn issued_token_verifies_and_forgeries_do_not() {
        let iss = Issuer::new([7; 32]);
        let t = iss.issue("TENANT-A", "https://management.azure.com/", "app");
        let c = iss.verify(&t).expect("valid");
        assert_eq!(c.tid, "tenant-a");
        assert_eq!(c.aud, "https://management.azure.com");
        assert_eq!(c.oid, principal_id("tenant-a", "app"));

        // Same payload signed by another process's key.
        let other = Issuer::new([8; 32]).issue("tenant-a", "https://management.azure.com", "app");
        assert_eq!(iss.verify(&other), Err(TokenError::BadSignature));
        // Payload edited to another tenant, signature kept.
        let parts: Vec<&str> = t.split('.').collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[1]).expect("b64")).expect("json");
        claims["tid"] = "tenant-b".into();
        let edited = format!(
            "{}.{}.{}",
            parts[0],
            B64.encode(serde_json::to_vec(&claims).expect("ser")),
            parts[2]
        );
        assert_eq!(iss.verify(&edited), Err(TokenError::BadSignature));
        assert_eq!(iss.verify("not-a-jwt"), Err(TokenError::Malformed));
        let old = iss.issue_at("tenant-a", "https://graph.microsoft.com", "app", 1_000);
        assert!(matches!(iss.verify(&old), Err(TokenError::Expired { .. })));
    }

    #[test]
    fn scopes_and_bearer_headers() {
        assert_eq!(
            scope_audience("https://graph.microsoft.com/.default offline_access").as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(scope_audience("User.Read"), None);
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(None), None);
        assert!(audience_ok("https://management.azure.com/", ARM_AUDIENCES));
        assert!(!audience_ok("https://graph.microsoft.com", ARM_AUDIENCES));
    }
}
