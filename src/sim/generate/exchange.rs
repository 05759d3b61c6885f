//! The Exchange Online collections beyond recipients and organization
//! relationships: groups, organization config, statistics, permissions,
//! move and migration requests, `Get-User`, role assignments and entries,
//! and the per-object cmdlets (folder statistics per archive, HoldTracking
//! logs per mailbox, availability probes per target mail user).
//!
//! Per-object output is saved only where an admin preparing the migration
//! would run the cmdlet: for the first wave (the people the batch file is
//! drawn from) and for mailboxes that carry a hold. So the file count grows
//! with the number of held mailboxes (~5%), not with every mailbox, and stays
//! near 15,000 at scale 200.

use super::*;

/// Persons with an index below this are the wave being prepared: the batch
/// file (at most 2,000 rows, drawn from user mailboxes in index order) falls
/// inside it at every scale.
const WAVE_SPAN: usize = 2_500;
/// Availability probes saved per tenant pair: an admin tests a sample.
const PROBES_MAX: usize = 200;
/// The operator who runs the migration in the target (its alias).
const OPERATOR: &str = "migrator";

fn size_text(bytes: u64) -> String {
    let grouped = {
        let digits = bytes.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    // Exchange prints the largest unit with three decimals, then the bytes.
    let (value, unit) = match bytes {
        b if b >= 1 << 30 => (b as f64 / f64::from(1u32 << 30), "GB"),
        b if b >= 1 << 20 => (b as f64 / f64::from(1u32 << 20), "MB"),
        b if b >= 1 << 10 => (b as f64 / f64::from(1u32 << 10), "KB"),
        b => (b as f64, "B"),
    };
    if unit == "B" {
        format!("{bytes} B ({grouped} bytes)")
    } else {
        format!("{value:.3} {unit} ({grouped} bytes)")
    }
}

impl Person {
    fn any_hold(&self) -> bool {
        self.litigation_hold
            || self.delay_hold
            || self.delay_release_hold
            || self.compliance_tag_hold
            || self.in_place_holds.iter().any(|h| !h.starts_with('-'))
    }
}

impl World {
    /// Whether the admin saved the per-mailbox cmdlets for person `p`.
    fn per_mailbox_saved(&self, p: &Person) -> bool {
        p.index < WAVE_SPAN || p.any_hold()
    }

    /// The mailbox statistics of person `p`: (total, deleted) bytes, item counts.
    fn mailbox_sizes(&self, p: &Person) -> (u64, u64, u64, u64) {
        let mut r = self.rng(Side::Source, stream::EXO_STATS, p.index);
        const GB: u64 = 1 << 30;
        let total = match r.random_range(0..1000) {
            // ~1.5% are at or near the 100 GB quota (EXO-036).
            0..=14 => r.random_range(96 * GB..100 * GB),
            15..=114 => r.random_range(20 * GB..80 * GB),
            _ => r.random_range(50 << 20..15 * GB),
        };
        let deleted = match r.random_range(0..1000) {
            // ~1% hold more deleted items than the target's 30 GB quota (EXO-035).
            0..=9 => r.random_range(31 * GB..60 * GB),
            _ => r.random_range(0..total / 5 + 1),
        };
        let items = total / r.random_range(40_000..120_000u64) + 10;
        let deleted_items = deleted / r.random_range(40_000..120_000u64);
        (total, deleted, items, deleted_items)
    }

    pub(super) fn exo_more(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let style = || Style::Exo(t.id.clone());
        let mut counts = Vec::new();

        // Distribution groups: the scope group (source) and a few others.
        let mut groups = Coll::new(sink, side, "exchange/Get-DistributionGroup");
        let mut items = Vec::new();
        if side == Side::Source {
            items.push(json!({
                "Identity": SCOPE_GROUP,
                "Name": SCOPE_GROUP,
                "DisplayName": SCOPE_GROUP,
                "Alias": SCOPE_GROUP,
                "PrimarySmtpAddress": format!("{}@{}", SCOPE_GROUP.to_lowercase(), t.domain),
                "RecipientType": "MailUniversalSecurityGroup",
                "RecipientTypeDetails": "MailUniversalSecurityGroup",
                "ExternalDirectoryObjectId": self.special(special::SCOPE_GROUP),
                "GroupType": "Universal, SecurityEnabled",
            }));
        } else {
            items.push(json!({
                "Identity": "migrated-users",
                "Name": "migrated-users",
                "DisplayName": "Migrated users",
                "Alias": "migrated-users",
                "PrimarySmtpAddress": format!("migrated-users@{}", t.domain),
                "RecipientType": "MailUniversalDistributionGroup",
                "RecipientTypeDetails": "MailUniversalDistributionGroup",
                "ExternalDirectoryObjectId": Value::Null,
                "GroupType": "Universal",
            }));
        }
        for g in 0..(5 * self.scale) {
            let dept = DEPARTMENTS[g % DEPARTMENTS.len()];
            let alias = format!("dl-{}-{g}", dept.to_lowercase());
            items.push(json!({
                "Identity": alias,
                "Name": alias,
                "DisplayName": format!("DL {dept} {g}"),
                "Alias": alias,
                "PrimarySmtpAddress": format!("{alias}@{}", t.domain),
                "RecipientType": "MailUniversalDistributionGroup",
                "RecipientTypeDetails": "MailUniversalDistributionGroup",
                "ExternalDirectoryObjectId": Value::Null,
                "GroupType": "Universal",
            }));
        }
        groups.all(style(), EXO_PAGE, items)?;
        counts.push((kind!(side, "distribution groups"), groups.items));

        let org_name = t.initial.clone();
        let mut cfg = Coll::new(sink, side, "exchange/Get-OrganizationConfig");
        cfg.all(
            style(),
            EXO_PAGE,
            [json!({
                "Name": org_name,
                "Identity": org_name,
                "DisplayName": t.org,
                "IsDehydrated": false,
                "Guid": guid(&mut self.rng(side, stream::TENANT, 2)),
                "IsValid": true,
            })],
        )?;

        match side {
            Side::Source => counts.extend(self.exo_source_mailbox_data(sink)?),
            Side::Target => counts.extend(self.exo_target_data(sink)?),
        }
        counts.extend(self.exo_roles(sink, side)?);
        Ok(counts)
    }

    /// Statistics, permissions, move requests, `Get-User` and the per-mailbox
    /// cmdlets of the source's mailboxes.
    fn exo_source_mailbox_data(&self, sink: &Sink) -> Result<Counts> {
        let side = Side::Source;
        let t = &self.src;
        let style = || Style::Exo(t.id.clone());

        let mut stats = Coll::new(sink, side, "exchange/Get-MailboxStatistics");
        stats.all(
            style(),
            EXO_PAGE,
            (0..self.persons).map(|i| {
                let p = self.person(i);
                let (total, deleted, items, deleted_items) = self.mailbox_sizes(&p);
                json!({
                    "DisplayName": p.display,
                    "MailboxGuid": p.exchange_guid,
                    "MailboxTypeDetail": p.kind.details(),
                    "ItemCount": items,
                    "DeletedItemCount": deleted_items,
                    "TotalItemSize": size_text(total),
                    "TotalDeletedItemSize": size_text(deleted),
                    "LastLogonTime": fmt_z(ago(&mut self.rng(side, stream::EXO_STATS, i + (1 << 28)), self.as_of, 0, 30)),
                })
            }),
        )?;

        // SELF on every mailbox; FullAccess delegates on shared mailboxes and
        // a few user mailboxes, some of them outside the first wave (EXO-042).
        let mut perms = Coll::new(sink, side, "exchange/Get-MailboxPermission");
        let mut pager = perms.chain(style(), EXO_PAGE);
        for i in 0..self.persons {
            let p = self.person(i);
            pager.push(json!({
                "Identity": p.alias,
                "User": "NT AUTHORITY\\SELF",
                "AccessRights": ["FullAccess", "ReadPermission"],
                "IsInherited": false,
                "Deny": false,
                "InheritanceType": "All",
            }))?;
            let mut r = self.rng(side, stream::EXO_PERM, i);
            let delegates = match p.kind {
                MailboxKind::Shared => r.random_range(1..=3),
                MailboxKind::User if chance(&mut r, 0.02) => 1,
                _ => 0,
            };
            for _ in 0..delegates {
                // Mostly a colleague nearby (same wave), now and then anyone.
                let j = if chance(&mut r, 0.7) {
                    let lo = i.saturating_sub(50);
                    r.random_range(lo..(i + 50).min(self.persons))
                } else {
                    r.random_range(0..self.persons)
                };
                if j == i {
                    continue;
                }
                let d = self.person(j);
                pager.push(json!({
                    "Identity": p.alias,
                    "User": d.src_upn(self),
                    "AccessRights": ["FullAccess"],
                    "IsInherited": false,
                    "Deny": false,
                    "InheritanceType": "All",
                }))?;
            }
        }
        pager.finish()?;

        // Left-over move requests from earlier onboarding (EXO-038).
        let mut moves = Coll::new(sink, side, "exchange/Get-MoveRequest");
        moves.all(
            style(),
            EXO_PAGE,
            (0..self.persons).filter_map(|i| {
                let mut r = self.rng(side, stream::EXO_MOVE, i);
                if !chance(&mut r, 0.004) {
                    return None;
                }
                let p = self.person(i);
                Some(json!({
                    "Identity": p.alias,
                    "DisplayName": p.display,
                    "Alias": p.alias,
                    "ExchangeGuid": p.exchange_guid,
                    "Status": *pick(&mut r, &["Completed", "Failed", "CompletedWithWarning"]),
                    "BatchName": "MigrationService:Onboarding-2023",
                    "Direction": "Pull",
                    "RequestStyle": "CrossOrg",
                    "TargetDatabase": p.database,
                }))
            }),
        )?;
        let mut mig = Coll::new(sink, side, "exchange/Get-MigrationUser");
        mig.all(style(), EXO_PAGE, Vec::new())?;

        let mut users = Coll::new(sink, side, "exchange/Get-User");
        users.all(
            style(),
            EXO_PAGE,
            (0..self.persons).map(|i| {
                let p = self.person(i);
                json!({
                    "Identity": p.alias,
                    "UserPrincipalName": p.src_upn(self),
                    "RecipientType": "UserMailbox",
                    "RecipientTypeDetails": p.kind.details(),
                    "PreviousRecipientTypeDetails": "None",
                    "ExternalDirectoryObjectId": p.src_user,
                    "IsDirSynced": p.src_synced,
                })
            }),
        )?;

        // Per mailbox: folder statistics of the archive, HoldTracking logs.
        let (mut folder_files, mut log_files) = (0, 0);
        for i in 0..self.persons {
            let p = self.person(i);
            if !self.per_mailbox_saved(&p) {
                continue;
            }
            let mut r = self.rng(side, stream::EXO_PER_MAILBOX, i);
            if let Some(archive) = &p.archive_guid {
                // ~3% of archives keep items in SubstrateHolds (EXO-034).
                let substrate = if chance(&mut r, 0.03) {
                    r.random_range(1..5_000u64)
                } else {
                    0
                };
                let deletions = r.random_range(0..400u64);
                let folder = |name: &str, path: &str, kind: &str, n: u64| {
                    json!({
                        "Name": name,
                        "FolderPath": path,
                        "FolderType": kind,
                        "ItemsInFolder": n,
                        "FolderSize": size_text(n * 98_304),
                        "Identity": format!("{archive}\\{name}"),
                    })
                };
                let mut coll = Coll::new(
                    sink,
                    side,
                    &format!("exchange/Get-MailboxFolderStatistics/{archive}"),
                );
                coll.all(
                    style(),
                    EXO_PAGE,
                    [
                        folder(
                            "Recoverable Items",
                            "/Recoverable Items",
                            "RecoverableItemsRoot",
                            0,
                        ),
                        folder(
                            "Deletions",
                            "/Deletions",
                            "RecoverableItemsDeletions",
                            deletions,
                        ),
                        folder("Purges", "/Purges", "RecoverableItemsPurges", 0),
                        folder(
                            "SubstrateHolds",
                            "/SubstrateHolds",
                            "RecoverableItemsSubstrateHolds",
                            substrate,
                        ),
                    ],
                )?;
                folder_files += 1;
            }
            // ~3% sit under an organization-wide retention policy, which only
            // the HoldTracking log shows (EXO-032).
            let mut entries = Vec::new();
            let stamp = fmt_7(ago(&mut r, self.as_of, 30, 900));
            if chance(&mut r, 0.03) {
                entries.push(json!({
                    "ed": "0001-01-01T00:00:00.0000000", "hid": format!("mbx{}:2", hex_string(&mut r, 32)),
                    "ht": 4, "lsd": stamp, "osd": stamp,
                }));
            }
            if p.litigation_hold {
                entries.push(json!({
                    "ed": "0001-01-01T00:00:00.0000000", "hid": "LitigationHold",
                    "ht": 1, "lsd": stamp, "osd": stamp,
                }));
            }
            let log = serde_json::to_string(&entries).map_err(internal)?;
            let mut coll = Coll::new(
                sink,
                side,
                &format!(
                    "exchange/Export-MailboxDiagnosticLogs/{}",
                    p.src_primary(self).to_lowercase()
                ),
            );
            coll.all(
                style(),
                EXO_PAGE,
                [json!({ "MailboxLog": log, "Identity": Value::Null, "IsValid": true, "ObjectState": "New" })],
            )?;
            log_files += 1;
        }
        keep(sink, side, "exchange/Test-MigrationServerAvailability")?;
        Ok(vec![
            ("source mailbox statistics", stats.items),
            ("source mailbox permissions", perms.items),
            ("source move requests", moves.items),
            ("source exchange users", users.items),
            ("source folder statistics files", folder_files),
            ("source hold tracking files", log_files),
        ])
    }

    /// The target's own mailboxes' data, `Get-User` for the prepared mail
    /// users, migration users and the availability probes.
    fn exo_target_data(&self, sink: &Sink) -> Result<Counts> {
        let side = Side::Target;
        let t = &self.tgt;
        let style = || Style::Exo(t.id.clone());

        let mut stats = Coll::new(sink, side, "exchange/Get-MailboxStatistics");
        stats.all(
            style(),
            EXO_PAGE,
            (0..t.extras).map(|k| {
                let (_, alias, display, mut r) = self.extra(side, k);
                let total = r.random_range(10u64 << 20..8u64 << 30);
                json!({
                    "DisplayName": display,
                    "MailboxGuid": self.native_mailbox(k)["ExchangeGuid"],
                    "MailboxTypeDetail": "UserMailbox",
                    "ItemCount": total / 70_000,
                    "DeletedItemCount": total / 700_000,
                    "TotalItemSize": size_text(total),
                    "TotalDeletedItemSize": size_text(total / 10),
                    "Identity": alias,
                })
            }),
        )?;
        let mut perms = Coll::new(sink, side, "exchange/Get-MailboxPermission");
        perms.all(
            style(),
            EXO_PAGE,
            (0..t.extras).map(|k| {
                let (_, alias, _, _) = self.extra(side, k);
                json!({
                    "Identity": alias,
                    "User": "NT AUTHORITY\\SELF",
                    "AccessRights": ["FullAccess", "ReadPermission"],
                    "IsInherited": false,
                    "Deny": false,
                    "InheritanceType": "All",
                })
            }),
        )?;
        let mut moves = Coll::new(sink, side, "exchange/Get-MoveRequest");
        moves.all(style(), EXO_PAGE, Vec::new())?;

        // A pilot batch created by hand earlier: ~0.3% of the people are
        // already migration users in the target (EXO-039).
        let mut mig = Coll::new(sink, side, "exchange/Get-MigrationUser");
        mig.all(
            style(),
            EXO_PAGE,
            (0..self.persons).filter_map(|i| {
                let mut r = self.rng(side, stream::EXO_MOVE, i);
                if !chance(&mut r, 0.003) {
                    return None;
                }
                let p = self.person(i);
                if !p.has_target() {
                    return None;
                }
                let address = p.tgt_primary(self);
                Some(json!({
                    "Identity": address,
                    "Identifier": address,
                    "MailboxEmailAddress": address,
                    "BatchId": "T2T-Pilot",
                    "RecipientType": "Mailbox",
                    "Status": *pick(&mut r, &["Failed", "Synced", "Stopped"]),
                    "MailboxGuid": p.exchange_guid,
                    "ErrorSummary": Value::Null,
                }))
            }),
        )?;

        // Get-User: the prepared mail users (~1% were mailboxes once, which
        // blocks the move: EXO-029) and the target's own mailbox users.
        let mut users = Coll::new(sink, side, "exchange/Get-User");
        let mut pager = users.chain(style(), EXO_PAGE);
        for k in 0..t.extras {
            let (id, alias, _, _) = self.extra(side, k);
            pager.push(json!({
                "Identity": alias,
                "UserPrincipalName": format!("{alias}@{}", t.domain),
                "RecipientType": "UserMailbox",
                "RecipientTypeDetails": "UserMailbox",
                "PreviousRecipientTypeDetails": "None",
                "ExternalDirectoryObjectId": id,
                "IsDirSynced": false,
            }))?;
        }
        for i in 0..self.persons {
            let p = self.person(i);
            if !p.has_target() {
                continue;
            }
            let mut r = self.rng(side, stream::EXO_STATS, i);
            let previous = if chance(&mut r, 0.01) {
                "UserMailbox"
            } else {
                "None"
            };
            pager.push(json!({
                "Identity": p.alias,
                "UserPrincipalName": p.tgt_upn(self),
                "RecipientType": "MailUser",
                "RecipientTypeDetails": "MailUser",
                "PreviousRecipientTypeDetails": previous,
                "ExternalDirectoryObjectId": p.tgt_user,
                "IsDirSynced": p.tgt_synced,
            }))?;
        }
        pager.finish()?;

        // The wave's members in a target distribution group.
        let mut members = Coll::new(
            sink,
            side,
            &format!(
                "exchange/Get-DistributionGroupMember/migrated-users@{}",
                t.domain
            ),
        );
        members.all(
            style(),
            EXO_PAGE,
            (0..self.persons.min(WAVE_SPAN))
                .map(|i| self.person(i))
                .filter(|p| p.has_target() && p.kind == MailboxKind::User)
                .map(|p| {
                    json!({
                        "Identity": p.alias,
                        "Name": p.alias,
                        "DisplayName": p.display,
                        "PrimarySmtpAddress": p.tgt_primary(self),
                        "ExchangeGuid": p.exchange_guid,
                        "ExternalDirectoryObjectId": p.tgt_user,
                        "RecipientType": "MailUser",
                        "RecipientTypeDetails": "MailUser",
                    })
                }),
        )?;

        // Probes of a sample of the wave: those outside the move scope or
        // without the source's GUID fail as the service would say.
        let mut probes = 0;
        let step = 10;
        for i in (0..self.persons.min(WAVE_SPAN)).step_by(step) {
            if probes >= PROBES_MAX {
                break;
            }
            let p = self.person(i);
            if !p.has_target() {
                continue;
            }
            let src = p.src_primary(self);
            let (result, message, detail) = if !p.in_scope {
                ("Failed", format!("The source mailbox {src} is not in the cross-tenant migration scope of the source organization."), json!("MailboxNotInCrossTenantMigrationScopeException"))
            } else if p.fault == Fault::GuidMismatch {
                ("Failed", format!("The target mail user's ExchangeGuid does not match the source mailbox {src}."), json!("MigrationRecipientNotFoundException"))
            } else {
                ("Success", String::new(), Value::Null)
            };
            let mut coll = Coll::new(
                sink,
                side,
                &format!(
                    "exchange/Test-MigrationServerAvailability/{}",
                    p.tgt_primary(self).to_lowercase()
                ),
            );
            coll.all(
                style(),
                EXO_PAGE,
                [json!({
                    "Result": result,
                    "Message": message,
                    "ConnectionSettings": Value::Null,
                    "SupportsCutover": false,
                    "ErrorDetail": detail,
                    "TestedEndpoint": Value::Null,
                    "Identity": Value::Null,
                    "IsValid": true,
                    "ObjectState": "New",
                })],
            )?;
            probes += 1;
        }
        keep(sink, side, "exchange/Get-MailboxFolderStatistics")?;
        keep(sink, side, "exchange/Export-MailboxDiagnosticLogs")?;
        Ok(vec![
            ("target mailbox statistics", stats.items),
            ("target mailbox permissions", perms.items),
            ("target migration users", mig.items),
            ("target exchange users", users.items),
            ("target availability probes", probes),
        ])
    }

    /// The operator's effective role assignments and the Set-MailUser role
    /// entries. In the target the operator holds Move Mailboxes and Mail
    /// Recipients through Organization Management (EXO-013 passes).
    fn exo_roles(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let who = match side {
            Side::Source => "admin",
            Side::Target => OPERATOR,
        };
        let assignment = |role: &str| {
            json!({
                "Name": format!("{role}-Organization Management"),
                "Role": role,
                "RoleAssigneeName": "Organization Management",
                "RoleAssigneeType": "RoleGroup",
                "EffectiveUserName": who,
                "AssignmentMethod": "SecurityGroup",
                "Enabled": true,
                "RoleAssignmentDelegationType": "Regular",
            })
        };
        let mut ra = Coll::new(sink, side, "exchange/Get-ManagementRoleAssignment");
        ra.all(
            Style::Exo(t.id.clone()),
            EXO_PAGE,
            [
                "Move Mailboxes",
                "Mail Recipients",
                "Mail Recipient Creation",
                "Organization Configuration",
                "Federated Sharing",
            ]
            .map(assignment),
        )?;
        let entry = |role: &str, params: &[&str]| {
            json!({
                "Name": "Set-MailUser",
                "Role": role,
                "Identity": format!("{role}\\Set-MailUser"),
                "Parameters": params,
            })
        };
        let mut re = Coll::new(sink, side, "exchange/Get-ManagementRoleEntry");
        re.all(
            Style::Exo(t.id.clone()),
            EXO_PAGE,
            [
                entry(
                    "Mail Recipients",
                    &[
                        "Alias",
                        "ArchiveGuid",
                        "Confirm",
                        "DisplayName",
                        "EmailAddresses",
                        "ExchangeGuid",
                        "ExternalEmailAddress",
                        "Identity",
                        "MaxReceiveSize",
                        "PrimarySmtpAddress",
                        "RecoverableItemsQuota",
                        "WhatIf",
                    ],
                ),
                entry(
                    "Mail Recipient Creation",
                    &["Alias", "Confirm", "DisplayName", "Identity", "WhatIf"],
                ),
            ],
        )?;
        Ok(vec![(kind!(side, "management role assignments"), ra.items)])
    }
}

/// A per-object collection that was looked at and had nothing to save: its
/// directory exists (with a placeholder, as the demo export has), so it is
/// collected-and-empty rather than not collected.
pub(super) fn keep(sink: &Sink, side: Side, collection: &str) -> Result<()> {
    let path = sink.root.join(side.as_str()).join(collection).join(".keep");
    sink.bytes(&path, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At the benchmark's scale the per-mailbox cmdlets are saved for the
    /// wave and the held mailboxes only: estimated from every 20th person,
    /// the HoldTracking logs and archive folder statistics stay far below
    /// one file per mailbox.
    #[test]
    fn per_mailbox_files_stay_bounded_at_scale_200() {
        let w = World::new(&GenerateOptions::new(200, 42));
        let (mut logs, mut folders) = (0, 0);
        for i in (WAVE_SPAN..w.persons).step_by(20) {
            let p = w.person(i);
            if w.per_mailbox_saved(&p) {
                logs += 20;
                folders += 20 * usize::from(p.archive_guid.is_some());
            }
        }
        let (logs, folders) = (logs + WAVE_SPAN, folders + WAVE_SPAN / 2);
        println!("scale 200: ~{logs} HoldTracking logs, ~{folders} folder statistics");
        assert!(logs > WAVE_SPAN, "held mailboxes outside the wave get logs");
        assert!(logs + folders < 20_000, "{logs} + {folders} files");
    }

    #[test]
    fn sizes_print_as_exchange_does() {
        assert_eq!(size_text(0), "0 B (0 bytes)");
        assert_eq!(
            size_text(32_212_254_720),
            "30.000 GB (32,212,254,720 bytes)"
        );
        assert_eq!(size_text(1_245_184), "1.188 MB (1,245,184 bytes)");
    }
}
