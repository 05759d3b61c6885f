//! Re-paging: the simulator cuts every list into pages itself and links them
//! with opaque continuation tokens, as the real services do. A token encodes
//! the offset of the next item and a MAC binding it to the listing it came
//! from (tenant and request path), so a client that edits it, or replays it
//! on another list, gets a 400 instead of silently wrong data.

use super::tokens::Issuer;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

/// ARM list pages hold 100 items unless told otherwise.
pub const ARM_DEFAULT: usize = 100;
/// Graph pages default to 100 and accept `$top` up to 999.
pub const GRAPH_DEFAULT: usize = 100;
pub const GRAPH_MAX: usize = 999;
/// Resource Graph returns up to 1000 rows a query page (`$top` max 1000).
pub const RG_DEFAULT: usize = 1000;
pub const RG_MAX: usize = 1000;

/// A continuation token for the page starting at `offset` of the listing `scope`.
pub fn encode(issuer: &Issuer, scope: &str, offset: usize) -> String {
    let mac = issuer.mac(format!("{scope}\n{offset}").as_bytes());
    B64.encode(format!("{offset}.{}", hex::encode(&mac[..12])))
}

/// The offset a token stands for, if the simulator issued it for `scope`.
pub fn decode(issuer: &Issuer, scope: &str, token: &str) -> Option<usize> {
    let text = String::from_utf8(B64.decode(token.trim()).ok()?).ok()?;
    let (offset, mac) = text.split_once('.')?;
    let offset: usize = offset.parse().ok()?;
    (encode(issuer, scope, offset) == token.trim() && mac.len() == 24).then_some(offset)
}

/// The page size: the client's request (within the service's maximum), else
/// the service default; `cap` (the `--page-size` option) lowers both, so tests
/// see many pages from a small export.
pub fn size(requested: Option<usize>, default: usize, max: usize, cap: Option<usize>) -> usize {
    let n = requested.unwrap_or(default).min(max);
    cap.map_or(n, |c| n.min(c)).max(1)
}

/// The slice `[offset, offset+size)` of `total` items and whether more follow.
pub fn window(total: usize, offset: usize, size: usize) -> (std::ops::Range<usize>, bool) {
    let start = offset.min(total);
    let end = start.saturating_add(size).min(total);
    (start..end, end < total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bind_to_their_listing() {
        let iss = Issuer::new([1; 32]);
        let t = encode(&iss, "t1|/subscriptions/a/resourcegroups", 200);
        assert_eq!(
            decode(&iss, "t1|/subscriptions/a/resourcegroups", &t),
            Some(200)
        );
        assert_eq!(decode(&iss, "t1|/subscriptions/b/resourcegroups", &t), None);
        assert_eq!(
            decode(&iss, "t1|/subscriptions/a/resourcegroups", "MjAw"),
            None
        );
        let forged = B64.encode("300.000000000000000000000000");
        assert_eq!(
            decode(&iss, "t1|/subscriptions/a/resourcegroups", &forged),
            None
        );
    }

    #[test]
    fn sizes_and_windows() {
        assert_eq!(size(Some(999), 100, 999, None), 999);
        assert_eq!(size(Some(5000), 100, 999, None), 999);
        assert_eq!(size(None, 100, 999, Some(7)), 7);
        assert_eq!(size(Some(0), 100, 999, None), 1);
        assert_eq!(window(10, 8, 5), (8..10, false));
        assert_eq!(window(10, 0, 5), (0..5, true));
        assert_eq!(window(0, 0, 5), (0..0, false));
    }
}
