//! Graph `POST /v1.0/invitations` (remediation guest invites): 201 with the
//! invitation; a second invitation of the same address names the same
//! invited user (as Graph does), so only the first counts as a creation.

use super::{Ctx, Reply, Shared, Written};
use crate::sim::serve::graph::error;
use axum::http::StatusCode;
use serde_json::{json, Value};

pub fn post(sh: &Shared, ctx: &Ctx, ti: usize) -> Reply {
    let req: Value = match serde_json::from_slice(ctx.body) {
        Ok(v) => v,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            )
        }
    };
    let (Some(email), Some(redirect)) = (
        req.get("invitedUserEmailAddress").and_then(Value::as_str),
        req.get("inviteRedirectUrl").and_then(Value::as_str),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The invitation needs invitedUserEmailAddress and inviteRedirectUrl.",
        );
    };
    if !email.contains('@') {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The specified invitedUserEmailAddress is invalid.",
        );
    }
    let key = (ti, email.to_ascii_lowercase());
    let mut st = sh.writes.lock();
    let created = !st.invited.contains_key(&key);
    let user_id = st
        .invited
        .entry(key)
        .or_insert_with(|| crate::sim::serve::tokens::principal_id(&sh.store.tenants[ti].id, email))
        .clone();
    let id = crate::sim::serve::request_id();
    let mut r = Reply::json(
        StatusCode::CREATED,
        &json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#invitations/$entity",
            "id": id,
            "inviteRedeemUrl": format!("https://login.microsoftonline.com/redeem?rd=sim-{id}"),
            "invitedUserDisplayName": req.get("invitedUserDisplayName").cloned().unwrap_or(Value::Null),
            "invitedUserType": req.get("invitedUserType").and_then(Value::as_str).unwrap_or("Guest"),
            "invitedUserEmailAddress": email,
            "sendInvitationMessage": req.get("sendInvitationMessage").and_then(Value::as_bool).unwrap_or(false),
            "resetRedemption": false,
            "inviteRedirectUrl": redirect,
            "status": "PendingAcceptance",
            "invitedUserMessageInfo": {"messageLanguage": null, "ccRecipients": [], "customizedMessageBody": null},
            "invitedUser": {"id": user_id},
        }),
    );
    r.written = Some(Written {
        created,
        resource_id: Some(format!("/users/{user_id}")),
    });
    r
}
