//! Pairs each source mailbox with the target mail user it will move into.

use super::MailboxPair;
use crate::inventory::{Inventory, MailUser, Mailbox};
use std::collections::HashMap;

pub fn compute(inv: &Inventory) -> Vec<MailboxPair> {
    let targets: Vec<&MailUser> = inv
        .mail_users
        .iter()
        .filter(|m| m.tenant == "target")
        .collect();
    let mut by_guid: HashMap<&str, usize> = HashMap::new();
    let mut by_external: HashMap<&str, usize> = HashMap::new();
    let mut by_local: HashMap<String, usize> = HashMap::new();
    let mut index_of_id: HashMap<&str, usize> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        index_of_id.insert(t.id.as_str(), i);
        if let Some(g) = t.exchange_guid.as_deref() {
            by_guid.entry(g).or_insert(i);
        }
        if let Some(e) = t.external_email_address_lc.as_deref() {
            by_external.entry(e).or_insert(i);
        }
        if let Some(p) = t.primary_smtp_lc.as_deref() {
            by_local.entry(local_part(p).to_string()).or_insert(i);
        }
    }
    let mut by_x500: HashMap<&str, usize> = HashMap::new();
    let mut source_smtp: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in &inv.proxy_addresses {
        match (p.tenant.as_str(), p.owner_kind.as_str(), p.prefix.as_str()) {
            ("target", "mail_user", "x500") => {
                if let Some(i) = index_of_id.get(p.owner_id.as_str()) {
                    by_x500.entry(p.value_lc.as_str()).or_insert(*i);
                }
            }
            ("source", "mailbox", "smtp") => {
                source_smtp
                    .entry(p.owner_id.as_str())
                    .or_default()
                    .push(p.value_lc.as_str());
            }
            _ => {}
        }
    }

    // Target mailboxes, for sources whose mail user is missing.
    let target_mailboxes: Vec<&Mailbox> = inv
        .mailboxes
        .iter()
        .filter(|m| m.tenant == "target")
        .collect();
    let mut mbx_by_guid: HashMap<&str, usize> = HashMap::new();
    let mut mbx_by_local: HashMap<String, usize> = HashMap::new();
    for (i, t) in target_mailboxes.iter().enumerate() {
        if let Some(g) = t.exchange_guid.as_deref() {
            mbx_by_guid.entry(g).or_insert(i);
        }
        if let Some(p) = t.primary_smtp_lc.as_deref() {
            mbx_by_local.entry(local_part(p).to_string()).or_insert(i);
        }
    }

    let mut out = Vec::new();
    for m in inv.mailboxes.iter().filter(|m| m.tenant == "source") {
        let smtp = source_smtp.get(m.id.as_str());
        let found = m
            .exchange_guid
            .as_deref()
            .and_then(|g| by_guid.get(g))
            .map(|i| (*i, "exchange-guid"))
            .or_else(|| {
                smtp.and_then(|addrs| addrs.iter().find_map(|a| by_external.get(a)))
                    .map(|i| (*i, "external-address"))
            })
            .or_else(|| {
                m.legacy_exchange_dn_lc
                    .as_deref()
                    .and_then(|dn| by_x500.get(dn))
                    .map(|i| (*i, "x500"))
            })
            .or_else(|| {
                m.primary_smtp_lc
                    .as_deref()
                    .and_then(|p| by_local.get(local_part(p)))
                    .map(|i| (*i, "primary-local-part"))
            });
        let t = found.map(|(i, _)| targets[i]);
        let stand_in = if t.is_some() {
            None
        } else {
            m.exchange_guid
                .as_deref()
                .and_then(|g| mbx_by_guid.get(g))
                .or_else(|| {
                    m.primary_smtp_lc
                        .as_deref()
                        .and_then(|p| mbx_by_local.get(local_part(p)))
                })
                .map(|i| target_mailboxes[*i])
        };
        let name = m
            .primary_smtp_lc
            .clone()
            .or_else(|| m.identity.clone())
            .unwrap_or_else(|| m.id.clone());
        out.push(MailboxPair {
            mailbox_id: m.id.clone(),
            mailbox_name: name,
            source_recipient_type: m.recipient_type_details.clone(),
            source_exchange_guid: m.exchange_guid.clone(),
            source_archive_guid: m.archive_guid.clone(),
            source_legacy_dn_lc: m.legacy_exchange_dn_lc.clone(),
            source_primary_smtp_lc: m.primary_smtp_lc.clone(),
            mail_user_id: t.map(|t| t.id.clone()),
            mail_user_name: t.and_then(|t| t.primary_smtp.clone().or_else(|| t.identity.clone())),
            target_exchange_guid: t.and_then(|t| t.exchange_guid.clone()),
            target_archive_guid: t.and_then(|t| t.archive_guid.clone()),
            target_primary_smtp_lc: t.and_then(|t| t.primary_smtp_lc.clone()),
            target_primary_domain: t
                .and_then(|t| t.primary_smtp_lc.as_deref())
                .and_then(|p| p.rsplit_once('@'))
                .map(|(_, d)| d.to_string()),
            target_external_lc: t.and_then(|t| t.external_email_address_lc.clone()),
            target_is_dir_synced: t.and_then(|t| t.is_dir_synced),
            match_method: found.map(|(_, how)| how).unwrap_or("none").to_string(),
            target_recipient_type: t.and_then(|t| t.recipient_type_details.clone()),
            target_object_id: t.and_then(|t| t.external_directory_object_id.clone()),
            target_mailbox_id: stand_in.map(|b| b.id.clone()),
            target_mailbox_name: stand_in
                .and_then(|b| b.primary_smtp.clone().or_else(|| b.identity.clone())),
            target_mailbox_type: stand_in.and_then(|b| b.recipient_type_details.clone()),
        });
    }
    out.sort_by(|a, b| a.mailbox_name.cmp(&b.mailbox_name));
    out
}

fn local_part(addr: &str) -> &str {
    addr.split('@').next().unwrap_or(addr)
}
