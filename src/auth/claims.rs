//! The claims of a JWT access token, read without checking the signature:
//! the service checks that; we only need `tid` (to refuse a token for the
//! wrong tenant before it is used) and `exp`.

use base64::Engine;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub tid: Option<String>,
    #[serde(default)]
    pub oid: Option<String>,
    #[serde(default)]
    pub appid: Option<String>,
    #[serde(default)]
    pub upn: Option<String>,
    #[serde(default, deserialize_with = "string_or_array")]
    pub aud: Option<String>,
    #[serde(default)]
    pub exp: Option<i64>,
}

/// `aud` may be a string or (rarely) an array; keep the first.
fn string_or_array<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Array(a)) => a.into_iter().find_map(|x| match x {
            serde_json::Value::String(s) => Some(s),
            _ => None,
        }),
        _ => None,
    })
}

impl Claims {
    /// Decodes the payload of a `header.payload.signature` token. `None` when
    /// the token is not JWT-shaped (an opaque token); the reason is never
    /// printed with the token in it.
    pub fn decode(token: &str) -> Option<Claims> {
        let mut parts = token.trim().split('.');
        let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let payload = payload.trim_end_matches('=');
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
pub(crate) fn test_jwt(payload: &serde_json::Value) -> String {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        e.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        e.encode(payload.to_string()),
        e.encode(b"not-a-real-signature")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_payload_claims() {
        let t = test_jwt(&json!({"tid": "8f1c", "oid": "o1", "appid": "a1",
            "aud": "https://management.azure.com", "exp": 1_900_000_000, "iat": 1}));
        let c = Claims::decode(&t).unwrap();
        assert_eq!(c.tid.as_deref(), Some("8f1c"));
        assert_eq!(c.oid.as_deref(), Some("o1"));
        assert_eq!(c.appid.as_deref(), Some("a1"));
        assert_eq!(c.aud.as_deref(), Some("https://management.azure.com"));
        assert_eq!(c.exp, Some(1_900_000_000));
        assert_eq!(c.upn, None);
    }

    #[test]
    fn tolerates_padding_and_array_audiences() {
        let e = base64::engine::general_purpose::URL_SAFE;
        let t = format!(
            "h.{}.s",
            e.encode(json!({"aud": ["a", "b"], "tid": "t"}).to_string())
        );
        let c = Claims::decode(&t).unwrap();
        assert_eq!(c.aud.as_deref(), Some("a"));
    }

    #[test]
    fn opaque_tokens_have_no_claims() {
        assert_eq!(Claims::decode("opaque-token"), None);
        assert_eq!(Claims::decode("a.b"), None);
        assert_eq!(Claims::decode("a.!!!.c"), None);
        assert_eq!(Claims::decode("a.b.c.d"), None);
    }
}
