//! Prerequisite remediations (`--remediate` only) for the disk copies: the
//! guest invitation of the migration identity where it is not at home
//! (Graph), the minimal custom role in the source (disk read and
//! beginGetAccess, per seed 000) with its assignment, and the built-in roles
//! the copy needs in the target resource group. The only steps that may
//! write to the source; never a delete. Names are GUIDs derived from what
//! they grant, so a second apply finds the first one's resources.
//!
//! Bodies follow the Authorization specs' examples (RoleDefinitions_CreateOrUpdate,
//! RoleAssignments_Create) and Graph's `POST /invitations`.

use super::{arm_url, disk, stable_guid, step, Ctx, AUTHORIZATION_API};
use crate::error::InputError;
use crate::execute::plan::{ExistsCheck, PlanItem, Service, Step, Tenant};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Built-in role ids (the same in every tenant).
const DISK_SNAPSHOT_CONTRIBUTOR: &str = "7efff54f-a5b4-42b5-a1c5-5411624893ce";
const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
const SOURCE_ACTIONS: &[&str] = &[
    "Microsoft.Compute/disks/read",
    "Microsoft.Compute/disks/beginGetAccess/action",
];

pub fn plan(
    ctx: &Ctx,
    items: &mut [PlanItem],
    problems: &mut Vec<InputError>,
    notes: &mut Vec<String>,
) -> Vec<PlanItem> {
    let disks: Vec<&PlanItem> = items.iter().filter(|i| i.workload == "disk").collect();
    if disks.is_empty() {
        return Vec::new();
    }
    let Some(cfg_id) = ctx.cfg.identities.get("disk") else {
        problems.push(ctx.config_error(
            "--remediate needs the disk migration identity",
            "add [identities.disk] (kind, upn or app_id, mode)",
        ));
        return Vec::new();
    };
    let row = |tenant: &str| {
        ctx.identities
            .iter()
            .find(|i| i.workload == "disk" && i.tenant == tenant)
    };
    let is_user = matches!(cfg_id.kind, crate::config::IdentityKind::User);
    let principal_type = if is_user { "User" } else { "ServicePrincipal" };
    let guest_side = match cfg_id.mode {
        crate::config::Mode::Push => Tenant::Target,
        crate::config::Mode::Pull => Tenant::Source,
    };
    let mut steps: Vec<Step> = Vec::new();

    // The invitation first: without the guest there is no one to assign to.
    let guest_row = row(guest_side.as_str());
    if is_user && !guest_row.is_some_and(|r| r.found) {
        if let Some(upn) = &cfg_id.upn {
            let mut s = step(
                "disk-prerequisites/invite-guest".into(),
                "invite-guest",
                Service::Graph,
                "POST",
                format!("{}/v1.0/invitations", ctx.graph),
            );
            s.tenant = guest_side;
            s.body = Some(json!({
                "invitedUserEmailAddress": upn,
                "inviteRedirectUrl": "https://myapplications.microsoft.com",
                "sendInvitationMessage": false,
            }));
            s.exists_check = Some(ExistsCheck {
                method: "GET".into(),
                url: format!(
                    "{}/v1.0/users?$filter=mail eq '{}'&$select=id,userType",
                    ctx.graph,
                    upn.replace('\'', "''")
                ),
                body: None,
                expect: BTreeMap::from([("value.0.userType".to_string(), Value::from("Guest"))]),
            });
            steps.push(s);
            notes.push(format!(
                "the disk identity {upn} is not yet a guest in the {} tenant: only its invitation is planned; once it is accepted, collect, assess and plan again for its role assignments",
                guest_side.as_str()
            ));
            return finish(items, steps);
        }
    }
    let oid = |tenant: Tenant| row(tenant.as_str()).and_then(|r| r.object_id.clone());
    let (Some(src_oid), Some(tgt_oid)) = (oid(Tenant::Source), oid(Tenant::Target)) else {
        problems.push(ctx.config_error(
            "the disk identity was not found in both tenants, so its role assignments cannot be planned",
            "check [identities.disk]; collect and assess again once it exists in both tenants",
        ));
        return Vec::new();
    };

    // Source: one custom role per source subscription, assigned per resource group.
    let mut subs: BTreeSet<String> = BTreeSet::new();
    let mut groups: BTreeSet<(String, String)> = BTreeSet::new();
    for it in &disks {
        let mut parts = it.item_id.split('/');
        // /subscriptions/{sub}/resourcegroups/{rg}/...
        if let (Some(""), Some("subscriptions"), Some(sub), Some(_), Some(rg)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) {
            subs.insert(sub.to_string());
            groups.insert((sub.to_string(), rg.to_string()));
        }
    }
    let mut role_step: BTreeMap<String, (String, String)> = BTreeMap::new();
    for sub in &subs {
        let guid = stable_guid(&["xtenant-disk-copy-source-reader", sub]);
        let def_id = format!(
            "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        );
        let url = arm_url(&ctx.arm, &def_id, AUTHORIZATION_API);
        let name = format!(
            "xtenant disk copy source reader {}",
            &sub[..sub.len().min(8)]
        );
        let mut s = step(
            format!("disk-prerequisites/role-definition-{sub}"),
            "create-role-definition",
            Service::Arm,
            "PUT",
            url.clone(),
        );
        s.tenant = Tenant::Source;
        s.body = Some(json!({"properties": {
            "roleName": name,
            "description": "Read a managed disk and export it (beginGetAccess): the minimum a cross-tenant snapshot copy needs in the source. Created by xtenant --remediate.",
            "type": "CustomRole",
            "permissions": [{"actions": SOURCE_ACTIONS, "notActions": [], "dataActions": [], "notDataActions": []}],
            "assignableScopes": [format!("/subscriptions/{sub}")],
        }}));
        s.exists_check = Some(ExistsCheck {
            method: "GET".into(),
            url,
            body: None,
            expect: BTreeMap::from([("properties.roleName".to_string(), Value::from(name))]),
        });
        role_step.insert(sub.clone(), (s.id.clone(), def_id));
        steps.push(s);
    }
    for (sub, rg) in &groups {
        let Some((def_step, def_id)) = role_step.get(sub) else {
            continue;
        };
        let scope = format!("/subscriptions/{sub}/resourceGroups/{rg}");
        let mut s = assignment(
            ctx,
            &scope,
            def_id,
            &src_oid,
            principal_type,
            &format!("source-{rg}"),
        );
        s.tenant = Tenant::Source;
        s.after = vec![def_step.clone()];
        steps.push(s);
    }

    // Target: the built-in roles on the resource group the copies land in.
    if let (Some(tsub), Some(trg)) = (
        &ctx.cfg.disk.target_subscription_id,
        &ctx.cfg.disk.target_resource_group,
    ) {
        let scope = format!(
            "/subscriptions/{}/resourceGroups/{}",
            tsub.trim(),
            trg.trim()
        );
        let mut roles = vec![("disk-snapshot-contributor", DISK_SNAPSHOT_CONTRIBUTOR)];
        if ctx.cfg.disk.create_vm {
            roles.push(("vm-contributor", VM_CONTRIBUTOR));
        }
        for (label, role) in roles {
            let def_id = format!(
                "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                tsub.trim()
            );
            steps.push(assignment(
                ctx,
                &scope,
                &def_id,
                &tgt_oid,
                principal_type,
                &format!("target-{label}"),
            ));
        }
    }
    finish(items, steps)
}

/// The prerequisites item; every disk copy waits for all of it.
fn finish(items: &mut [PlanItem], steps: Vec<Step>) -> Vec<PlanItem> {
    let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
    for s in disk::first_steps(items) {
        s.after.extend(ids.iter().cloned());
    }
    vec![PlanItem {
        item_id: "prerequisites:disk".into(),
        workload: "disk".into(),
        kind: "prerequisite".into(),
        name: "disk-prerequisites".into(),
        rules: Vec::new(),
        steps,
    }]
}

fn assignment(
    ctx: &Ctx,
    scope: &str,
    def_id: &str,
    principal: &str,
    principal_type: &str,
    label: &str,
) -> Step {
    let guid = stable_guid(&[&scope.to_lowercase(), &def_id.to_lowercase(), principal]);
    let url = arm_url(
        &ctx.arm,
        &format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}"),
        AUTHORIZATION_API,
    );
    let mut s = step(
        format!("disk-prerequisites/role-assignment-{label}"),
        "create-role-assignment",
        Service::Arm,
        "PUT",
        url.clone(),
    );
    s.body = Some(json!({"properties": {
        "roleDefinitionId": def_id,
        "principalId": principal,
        "principalType": principal_type,
    }}));
    s.exists_check = Some(ExistsCheck {
        method: "GET".into(),
        url,
        body: None,
        expect: BTreeMap::from([("properties.principalId".to_string(), Value::from(principal))]),
    });
    s
}
