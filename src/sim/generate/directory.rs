//! The tenant-wide Graph and ARM collections the rule packs need beside the
//! inventory proper: OpenID metadata, subscribed SKUs, directory role
//! assignments, cross-tenant access settings, Graph migration jobs, VM power
//! states, the target region's resource SKUs, policy assignments, and the
//! live collector's token probes.

use super::*;

const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const POWER_PLATFORM_ADMIN: &str = "11648597-926c-4cf3-9c36-bcebb0ba8dcc";
const ALLOWED_LOCATIONS: &str =
    "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c";
const REQUIRE_TAG: &str =
    "/providers/Microsoft.Authorization/policyDefinitions/96670d01-0a4d-4649-9c89-2d3abc0a5025";

impl World {
    pub(super) fn graph_tenant_settings(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let other = self.other(side);
        let login = format!("https://login.microsoftonline.com/{}", t.id);
        let mut oidc = Coll::new(sink, side, "graph/openid-configuration");
        oidc.write(&json!({
            "token_endpoint": format!("{login}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{login}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{login}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": format!("{login}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{login}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{login}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "email"],
            "kerberos_endpoint": format!("{login}/kerberos"),
            "tenant_region_scope": if REGIONS[t.home].0.contains("us") { "NA" } else { "EU" },
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }))?;

        // Subscribed SKUs: every SKU the users' licences name, with the
        // service plans the Exchange rules look for.
        let users = self.persons + t.extras;
        let sku = |id: &str,
                   part: &str,
                   plans: &[(&str, &str)],
                   enabled: usize,
                   consumed: usize| {
            json!({
                "accountId": t.id,
                "accountName": t.org,
                "appliesTo": "User",
                "capabilityStatus": "Enabled",
                "consumedUnits": consumed,
                "id": format!("{}_{id}", t.id),
                "skuId": id,
                "skuPartNumber": part,
                "prepaidUnits": { "enabled": enabled, "suspended": 0, "warning": 0, "lockedOut": 0 },
                "servicePlans": plans.iter().map(|(pid, name)| json!({
                    "servicePlanId": pid, "servicePlanName": name, "provisioningStatus": "Success", "appliesTo": "User",
                })).collect::<Vec<_>>(),
            })
        };
        let exo_ent = (
            "efb87545-963c-4e0d-99df-69c6916d9eb0",
            "EXCHANGE_S_ENTERPRISE",
        );
        let exo_std = (
            "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
            "EXCHANGE_S_STANDARD",
        );
        let spo = (
            "5dbe027f-2339-4123-9542-606e4d348a72",
            "SHAREPOINTENTERPRISE",
        );
        let teams = ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1");
        let skus = vec![
            sku(
                SKU_E3,
                "SPE_E3",
                &[exo_ent, spo, teams],
                users,
                users * 7 / 10,
            ),
            sku(
                SKU_E5,
                "SPE_E5",
                &[exo_ent, spo, teams],
                users / 4 + 10,
                users / 5,
            ),
            sku(
                SKU_EXO_P1,
                "EXCHANGESTANDARD",
                &[exo_std],
                users / 10 + 5,
                users / 20,
            ),
            sku(
                SKU_PBI_PRO,
                "POWER_BI_PRO",
                &[("70d33638-9c74-4d01-bfd3-562de28bd4ba", "BI_AZURE_P2")],
                users / 10 + 5,
                users / 20,
            ),
            sku(
                SKU_T2T,
                "Cross_tenant_user_data_migration",
                &[(
                    "2a815f4f-3e3b-4e8b-8b5f-2a4e7f3c1d9e",
                    "EXCHANGE_T2T_MBX_MOVE",
                )],
                self.persons,
                self.persons * 9 / 10,
            ),
        ];
        let mut sub_skus = Coll::new(sink, side, "graph/subscribed-skus");
        sub_skus.all(
            Style::graph("subscribedSkus?$select=skuId,skuPartNumber,capabilityStatus,prepaidUnits,consumedUnits,servicePlans", "subscribedSkus"),
            GRAPH_PAGE,
            skus,
        )?;

        // Directory roles: the Power Platform admin holds its role in the
        // source; the target has a global admin only, so the Power Platform
        // identity has no role there (PP-016 fails for the target).
        let assignment = |role: &str, principal: &str| {
            json!({
                "id": format!("{}_{}", &role[..8], principal.replace('-', "_")),
                "principalId": principal,
                "roleDefinitionId": role,
                "directoryScopeId": "/",
            })
        };
        let roles = match side {
            Side::Source => vec![
                assignment(POWER_PLATFORM_ADMIN, &self.special(special::PP_ADMIN)),
                assignment(GLOBAL_ADMIN, &self.user_id(side, 0)),
            ],
            Side::Target => vec![
                assignment(GLOBAL_ADMIN, &self.special(special::MIGRATOR_HOME)),
                assignment(GLOBAL_ADMIN, &self.user_id(side, 0)),
            ],
        };
        let mut dra = Coll::new(sink, side, "graph/directory-role-assignments");
        dra.all(
            Style::graph(
                "roleManagement/directory/roleAssignments?$select=id,principalId,roleDefinitionId,directoryScopeId",
                "roleManagement/directory/roleAssignments(id,principalId,roleDefinitionId,directoryScopeId)",
            ),
            GRAPH_PAGE,
            roles,
        )?;

        // Cross-tenant access: the service default, and a partner entry for
        // the other tenant that inherits B2B collaboration from it.
        let both = |access: &str| {
            json!({
                "usersAndGroups": { "accessType": access, "targets": [{ "target": "AllUsers", "targetType": "user" }] },
                "applications": { "accessType": access, "targets": [{ "target": "AllApplications", "targetType": "application" }] },
            })
        };
        let mut default = Coll::new(sink, side, "graph/cross-tenant-access-default");
        default.write(&json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/crossTenantAccessPolicy/default/$entity",
            "isServiceDefault": true,
            "inboundTrust": { "isMfaAccepted": false, "isCompliantDeviceAccepted": false, "isHybridAzureADJoinedDeviceAccepted": false },
            "invitationRedemptionIdentityProviderConfiguration": Value::Null,
            "b2bCollaborationOutbound": both("allowed"),
            "b2bCollaborationInbound": both("allowed"),
            "b2bDirectConnectOutbound": both("blocked"),
            "b2bDirectConnectInbound": both("blocked"),
            "tenantRestrictions": Value::Null,
            "automaticUserConsentSettings": { "inboundAllowed": false, "outboundAllowed": false },
        }))?;
        let mut partners = Coll::new(sink, side, "graph/cross-tenant-access-partners");
        partners.all(
            Style::graph("policies/crossTenantAccessPolicy/partners", "policies/crossTenantAccessPolicy/partners"),
            GRAPH_PAGE,
            [json!({
                "tenantId": other.id,
                "isServiceProvider": false,
                "isInMultiTenantOrganization": false,
                "inboundTrust": Value::Null,
                "b2bCollaborationOutbound": Value::Null,
                "b2bCollaborationInbound": Value::Null,
                "b2bDirectConnectOutbound": Value::Null,
                "b2bDirectConnectInbound": Value::Null,
                "tenantRestrictions": Value::Null,
                "automaticUserConsentSettings": { "inboundAllowed": side == Side::Source, "outboundAllowed": side == Side::Target },
            })],
        )?;

        // One Graph migration job in the target, validated (EXO-048).
        let jobs = match side {
            Side::Source => Vec::new(),
            Side::Target => {
                let when = self.as_of - Duration::days(2);
                vec![json!({
                    "id": guid(&mut self.rng(side, stream::TENANT, 3)),
                    "displayName": "Wave 1 pre-check",
                    "jobType": "crossTenantMigration",
                    "resourceType": "users",
                    "resources": (0..self.persons.min(3)).map(|i| self.person(i).tgt_primary(self)).collect::<Vec<_>>(),
                    "workloads": ["exchange"],
                    "sourceTenantId": other.id,
                    "targetTenantId": t.id,
                    "status": "validatePassed",
                    "message": Value::Null,
                    "createdBy": self.migrator_upn(),
                    "createdDateTime": fmt_z(when),
                    "lastUpdatedDateTime": fmt_z(when + Duration::minutes(8)),
                    "completeAfterDateTime": Value::Null,
                    "exchangeSettings": { "sourceEndpoint": format!("{}-t2t", capitalise(other.key)), "targetDeliveryDomain": t.initial },
                })]
            }
        };
        let mut job_coll = Coll::new(sink, side, "graph/cross-tenant-migration-jobs");
        job_coll.all(
            Style::graph(
                "solutions/migrations/crossTenantMigrationJobs",
                "solutions/migrations/crossTenantMigrationJobs",
            ),
            GRAPH_PAGE,
            jobs,
        )?;

        Ok(vec![
            (kind!(side, "subscribed skus"), sub_skus.items),
            (kind!(side, "directory role assignments"), dra.items),
            (kind!(side, "migration jobs"), job_coll.items),
        ])
    }

    /// VM power states, policy assignments per subscription, and the
    /// target's resource SKUs in the disk target region.
    pub(super) fn arm_governance(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut views = Coll::new(sink, side, "arm/vm-instance-views");
        let mut policies = Coll::new(sink, side, "arm/policy-assignments");
        for (s, sub) in t.subs.iter().enumerate() {
            // Most VMs were deallocated for the copy window; ~10% still run,
            // which makes their disks' snapshots crash-consistent (DISK-013).
            let items = (0..t.vms).filter(|v| self.vm_sub(t, *v) == s).map(|v| {
                let (place, _) = self.vm_place(t, v);
                let mut r = self.rng(side, stream::DIR_EXTRA, v);
                let (code, display) = *weighted(
                    &mut r,
                    &[
                        (("PowerState/deallocated", "VM deallocated"), 85),
                        (("PowerState/running", "VM running"), 10),
                        (("PowerState/stopped", "VM stopped"), 5),
                    ],
                );
                json!({
                    "name": place.name,
                    "id": self.vm_id(t, &place, false),
                    "type": "Microsoft.Compute/virtualMachines",
                    "location": REGIONS[place.region].0,
                    "properties": { "instanceView": { "statuses": [
                        { "code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "time": fmt_compute(ago(&mut r, self.as_of, 0, 3)) },
                        { "code": code, "level": "Info", "displayStatus": display },
                    ] } },
                })
            });
            views.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines?api-version={API_VMS}&statusOnly=true")),
                ARM_PAGE,
                items,
            )?;

            let allowed: Vec<&str> = REGIONS.iter().take(5).map(|r| r.0).collect();
            let items = [
                json!({
                    "id": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/policyAssignments/allowed-locations-eu"),
                    "name": "allowed-locations-eu",
                    "type": "Microsoft.Authorization/policyAssignments",
                    "properties": {
                        "displayName": "Allowed locations: Europe",
                        "policyDefinitionId": ALLOWED_LOCATIONS,
                        "scope": format!("/subscriptions/{sub}"),
                        "notScopes": [],
                        "parameters": { "listOfAllowedLocations": { "value": allowed } },
                        "enforcementMode": "Default",
                    },
                }),
                json!({
                    "id": format!("/providers/Microsoft.Management/managementGroups/{}-root/providers/Microsoft.Authorization/policyAssignments/require-owner-tag", t.key),
                    "name": "require-owner-tag",
                    "type": "Microsoft.Authorization/policyAssignments",
                    "properties": {
                        "displayName": "Require an owner tag on resource groups",
                        "policyDefinitionId": REQUIRE_TAG,
                        "scope": format!("/providers/Microsoft.Management/managementGroups/{}-root", t.key),
                        "notScopes": [],
                        "parameters": { "tagName": { "value": "owner" } },
                        "enforcementMode": "DoNotEnforce",
                    },
                }),
            ];
            policies.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Authorization/policyAssignments?api-version=2023-04-01")),
                ARM_PAGE,
                items,
            )?;
        }

        // Resource Graph's view of the subscriptions adds their management
        // group ancestry (policy inheritance, ID-011), root last.
        let mut containers = Coll::new(sink, side, "resource-graph/resourcecontainers");
        let rows = t.subs.iter().enumerate().map(|(s, id)| {
            let production = s % 3 != 2;
            json!({
                "id": t.sub_id(s),
                "name": format!("{} {} {:02}", capitalise(t.key), if production { "Production" } else { "Non-Production" }, s + 1),
                "type": "microsoft.resources/subscriptions",
                "location": "",
                "subscriptionId": id,
                "resourceGroup": "",
                "tenantId": t.id,
                "tags": {},
                "properties": {
                    "state": "Enabled",
                    "subscriptionPolicies": { "locationPlacementId": "Public_2014-09-01", "quotaId": "EnterpriseAgreement_2014-09-01", "spendingLimit": "Off" },
                    "managementGroupAncestorsChain": [
                        if production { json!({ "displayName": "Landing Zones", "name": "LandingZones" }) } else { json!({ "displayName": "Sandbox", "name": "Sandbox" }) },
                        { "displayName": t.org, "name": format!("{}-root", t.key) },
                        { "displayName": "Tenant Root Group", "name": t.id },
                    ],
                },
            })
        });
        containers.all(Style::Arg(t.subs.len()), ARG_PAGE, rows)?;

        let mut skus = 0;
        match side {
            Side::Target => {
                // Disk SKUs and VM sizes in the disk target region; Ultra disks
                // and one VM size are restricted for the subscription (DISK-015).
                let region = REGIONS[self.src.home].0;
                let sub = &t.subs[0];
                let restricted = |yes: bool| {
                    if yes {
                        json!([{ "type": "Location", "values": [region], "restrictionInfo": { "locations": [region] }, "reasonCode": "NotAvailableForSubscription" }])
                    } else {
                        json!([])
                    }
                };
                let mut rows = Vec::new();
                for (name, tier) in [
                    ("Standard_LRS", "Standard"),
                    ("StandardSSD_LRS", "Standard"),
                    ("StandardSSD_ZRS", "Standard"),
                    ("Premium_LRS", "Premium"),
                    ("Premium_ZRS", "Premium"),
                    ("PremiumV2_LRS", "Premium"),
                    ("UltraSSD_LRS", "Ultra"),
                ] {
                    rows.push(json!({
                        "resourceType": "disks", "name": name, "tier": tier,
                        "locations": [region], "locationInfo": [{ "location": region, "zones": ["1", "2", "3"], "zoneDetails": [] }],
                        "capabilities": [], "restrictions": restricted(name == "UltraSSD_LRS"),
                    }));
                }
                for name in VM_SIZES {
                    rows.push(json!({
                        "resourceType": "virtualMachines", "name": name, "tier": "Standard",
                        "locations": [region], "locationInfo": [{ "location": region, "zones": ["1", "2", "3"], "zoneDetails": [] }],
                        "capabilities": [], "restrictions": restricted(name == "Standard_DS2_v2"),
                    }));
                }
                skus = rows.len();
                let url = format!("https://management.azure.com/subscriptions/{sub}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=location%20eq%20%27{region}%27");
                let dir = sink.root.join(side.as_str()).join("arm/resource-skus");
                sink.json(&dir.join("page-0001.json"), &json!({ "value": rows }))?;
                sink.json(
                    &dir.join("page-0001.meta.json"),
                    &json!({ "method": "GET", "url": url, "status": 200, "fetched_at": fmt_z(self.as_of) }),
                )?;
            }
            Side::Source => {
                // Looked up for the target only: the source has none to judge.
                let mut empty = Coll::new(sink, side, "arm/resource-skus");
                empty.write(&json!({ "value": [] }))?;
            }
        }
        Ok(vec![
            (kind!(side, "vm instance views"), views.items),
            (kind!(side, "policy assignments"), policies.items),
            (kind!(side, "resource skus"), skus),
        ])
    }

    /// What the live collector learnt signing in as each migration identity:
    /// the tokens came back, except the gallery app's in the target, which
    /// was never consented there (ID-006).
    pub(super) fn auth_token_probes(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let probed = fmt_z(self.as_of - Duration::minutes(30));
        let exp = self.as_of.timestamp() + 3_600;
        let mut r = self.rng(side, stream::DIR_EXTRA, 1 << 30);
        let ids = [
            self.migrator_upn(),
            self.gallery_app_id(),
            self.migration_app_id(),
            self.pp_admin_upn(),
        ];
        let items: Vec<Value> = ids
            .iter()
            .map(|identity| {
                let failure = match side {
                    Side::Target if *identity == self.gallery_app_id() => Some(("AADSTS700016", format!("AADSTS700016: Application with identifier '{identity}' was not found in the directory '{}'.", t.org))),
                    Side::Target if *identity == self.pp_admin_upn() => Some(("AADSTS50020", format!("AADSTS50020: User account '{identity}' from identity provider 'https://sts.windows.net/{}/' does not exist in tenant '{}' and cannot access the application.", self.src.id, t.org))),
                    _ => None,
                };
                if let Some((code, message)) = failure {
                    json!({
                        "identity": identity,
                        "resource": "https://management.azure.com/.default",
                        "acquired": false,
                        "errorCode": code,
                        "error": message,
                        "probedAt": probed,
                    })
                } else {
                    json!({
                        "identity": identity,
                        "resource": "https://management.azure.com/.default",
                        "acquired": true,
                        "claims": { "tid": t.id, "oid": guid(&mut r), "exp": exp },
                        "probedAt": probed,
                    })
                }
            })
            .collect();
        let mut coll = Coll::new(sink, side, "auth/token-probes");
        coll.write(&json!({ "value": items }))?;
        Ok(vec![(kind!(side, "token probes"), ids.len())])
    }
}
