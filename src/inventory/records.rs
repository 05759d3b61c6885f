//! The inventory: one record type per table, normalised at parse time.
//!
//! Conventions every table follows (rules rely on them):
//! - `tenant` is `source` or `target`.
//! - Resource ids (`id`, `*_id` that point at ARM resources) are canonical:
//!   leading `/`, lower-case, no trailing `/`. The id as returned by the
//!   service is kept in `id_display` where people need to see it.
//! - GUIDs are lower-case, hyphenated; a zero GUID means "none" and is stored
//!   as null.
//! - Regions (`location`) are canonical names (`westeurope`), not display names.
//! - Timestamps are RFC 3339 UTC with second precision (`2026-01-31T08:00:00Z`),
//!   so they compare correctly as strings.
//! - E-mail addresses and UPNs have a `*_lc` lower-case companion for joins.
//! - Lists are child tables (one row per element), never list columns.

use crate::tables;

tables! {
    /// Tenants (directory organisations) of the pair.
    Tenant => "tenants", source: "Graph GET /v1.0/organization" {
        /// source or target.
        tenant: String,
        /// Tenant id (GUID).
        tenant_id: String,
        display_name: Option<String>,
        /// The initial `*.onmicrosoft.com` domain, lower-case.
        initial_domain: Option<String>,
        /// The default verified domain, lower-case.
        default_domain: Option<String>,
    }

    /// Verified domains of each tenant, one row per domain.
    TenantDomain => "tenant_domains", source: "Graph GET /v1.0/organization (verifiedDomains)" {
        tenant: String,
        tenant_id: String,
        /// Domain name, lower-case.
        domain: String,
        is_default: bool,
        is_initial: bool,
    }

    /// Azure subscriptions visible to the collecting identity.
    Subscription => "subscriptions", source: "ARM GET /subscriptions" {
        tenant: String,
        /// Canonical id `/subscriptions/{guid}`.
        id: String,
        subscription_id: String,
        display_name: Option<String>,
        /// Enabled, Warned, PastDue, Disabled, Deleted.
        state: Option<String>,
        /// Tenant that owns the subscription (GUID).
        tenant_id: Option<String>,
    }

    /// Management-group ancestry of each subscription, one row per ancestor.
    SubscriptionManagementGroup => "subscription_management_groups", source: "Resource Graph resourcecontainers (managementGroupAncestorsChain)" {
        tenant: String,
        subscription_id: String,
        /// Canonical management group id `/providers/microsoft.management/managementgroups/{name}`.
        management_group_id: String,
        /// Distance from the subscription, 1 = direct parent.
        depth: i64,
    }

    /// Resource groups.
    ResourceGroup => "resource_groups", source: "ARM GET /subscriptions/{s}/resourcegroups" {
        tenant: String,
        id: String,
        subscription_id: String,
        name: String,
        location: Option<String>,
        provisioning_state: Option<String>,
    }

    /// Managed disks.
    Disk => "disks", source: "ARM GET .../Microsoft.Compute/disks (2024-03-02); Resource Graph" {
        tenant: String,
        id: String,
        id_display: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        location: Option<String>,
        /// Availability zone, if zonal.
        zone: Option<String>,
        /// Standard_LRS, Premium_LRS, StandardSSD_LRS, UltraSSD_LRS, PremiumV2_LRS, ...
        sku: Option<String>,
        size_gb: Option<i64>,
        size_bytes: Option<i64>,
        /// Windows or Linux for OS disks; null for data disks.
        os_type: Option<String>,
        hyper_v_generation: Option<String>,
        /// Unattached, Attached, Reserved, ActiveSAS, ActiveSASFrozen, ReadyToUpload, ActiveUpload.
        disk_state: Option<String>,
        /// Canonical id of the VM the disk is attached to.
        managed_by: Option<String>,
        create_option: Option<String>,
        /// Canonical id of the source resource the disk was created from.
        source_resource_id: Option<String>,
        /// EncryptionAtRestWithPlatformKey, EncryptionAtRestWithCustomerKey, EncryptionAtRestWithPlatformAndCustomerKeys.
        encryption_type: Option<String>,
        /// Canonical id of the disk encryption set (customer-managed key).
        disk_encryption_set_id: Option<String>,
        /// Azure Disk Encryption (BitLocker/DM-Crypt) enabled.
        ade_enabled: bool,
        /// AllowAll, AllowPrivate, DenyAll.
        network_access_policy: Option<String>,
        disk_access_id: Option<String>,
        public_network_access: Option<String>,
        data_access_auth_mode: Option<String>,
        security_type: Option<String>,
        logical_sector_size: Option<i64>,
        provisioning_state: Option<String>,
        time_created: Option<String>,
        /// Performance tier (`P15`, ...) as set on the disk; may differ from the size's default.
        tier: Option<String>,
    }

    /// Disk snapshots.
    Snapshot => "snapshots", source: "ARM GET .../Microsoft.Compute/snapshots (2024-03-02)" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        location: Option<String>,
        sku: Option<String>,
        incremental: Option<bool>,
        create_option: Option<String>,
        source_resource_id: Option<String>,
        completion_percent: Option<f64>,
        provisioning_state: Option<String>,
        time_created: Option<String>,
    }

    /// Virtual machines.
    VirtualMachine => "virtual_machines", source: "ARM GET .../Microsoft.Compute/virtualMachines (2024-07-01)" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        location: Option<String>,
        zone: Option<String>,
        vm_size: Option<String>,
        os_type: Option<String>,
        /// Canonical id of the managed OS disk.
        os_disk_id: Option<String>,
        security_type: Option<String>,
        /// Marketplace plan `publisher/product/name`, if any.
        plan: Option<String>,
        provisioning_state: Option<String>,
    }

    /// Data disks attached to VMs, one row per attachment.
    VmDataDisk => "vm_data_disks", source: "ARM virtualMachines properties.storageProfile.dataDisks" {
        tenant: String,
        vm_id: String,
        disk_id: String,
        lun: Option<i64>,
    }

    /// Disk encryption sets.
    DiskEncryptionSet => "disk_encryption_sets", source: "ARM GET .../Microsoft.Compute/diskEncryptionSets (2024-03-02)" {
        tenant: String,
        id: String,
        subscription_id: String,
        name: String,
        location: Option<String>,
        encryption_type: Option<String>,
        /// Canonical id of the key vault holding the active key.
        key_vault_id: Option<String>,
        key_url: Option<String>,
        /// Set when the key lives in another tenant (cross-tenant CMK).
        federated_client_id: Option<String>,
    }

    /// Container registries (ARM control plane).
    Registry => "registries", source: "ARM GET .../Microsoft.ContainerRegistry/registries (2023-07-01)" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        /// Login server, lower-case.
        login_server: Option<String>,
        location: Option<String>,
        /// Basic, Standard, Premium.
        sku: Option<String>,
        admin_user_enabled: Option<bool>,
        /// enabled or disabled (lower-case as normalised).
        public_network_access: Option<String>,
        network_default_action: Option<String>,
        network_rule_bypass: Option<String>,
        /// Docker Content Trust policy status (enabled/disabled).
        trust_policy: Option<String>,
        quarantine_policy: Option<String>,
        retention_policy: Option<String>,
        retention_days: Option<i64>,
        /// Export policy status; disabled blocks `az acr import` from this registry.
        export_policy: Option<String>,
        zone_redundancy: Option<String>,
        anonymous_pull_enabled: Option<bool>,
        data_endpoint_enabled: Option<bool>,
        /// Whether ARM-audience tokens are accepted (azureADAuthenticationAsArmPolicy).
        aad_auth_as_arm_policy: Option<String>,
        provisioning_state: Option<String>,
        /// LegacyRegistryPermissions or AbacRepositoryPermissions (roleAssignmentMode,
        /// API 2025-03-01-preview and later; null when the API version predates it).
        role_assignment_mode: Option<String>,
        /// Number of networkRuleSet.ipRules (registry firewall rules).
        ip_rule_count: i64,
        /// Customer-managed key encryption status (encryption.status, lower-case).
        encryption_status: Option<String>,
        /// Soft-delete policy status (policies.softDeletePolicy.status, lower-case).
        soft_delete_policy: Option<String>,
    }

    /// Private endpoint connections of registries, one row per connection.
    RegistryPrivateEndpointConnection => "registry_private_endpoint_connections", source: "ARM registries properties.privateEndpointConnections" {
        tenant: String,
        id: String,
        registry_id: String,
        name: String,
        /// Canonical id of the private endpoint.
        private_endpoint_id: Option<String>,
        /// Approved, Pending, Rejected, Disconnected.
        status: Option<String>,
    }

    /// Geo-replications of Premium registries.
    RegistryReplication => "registry_replications", source: "ARM GET .../registries/{r}/replications" {
        tenant: String,
        id: String,
        registry_id: String,
        location: Option<String>,
        provisioning_state: Option<String>,
    }

    /// Webhooks of registries (recreated by hand: import copies artifacts only).
    RegistryWebhook => "registry_webhooks", source: "ARM GET .../registries/{r}/webhooks (2023-07-01)" {
        tenant: String,
        id: String,
        registry_id: String,
        name: String,
        location: Option<String>,
        /// enabled or disabled (lower-case).
        status: Option<String>,
        /// Repository filter (`repo:tag`), empty for the whole registry.
        scope: Option<String>,
        provisioning_state: Option<String>,
    }

    /// Scope maps of registries (repository permissions for tokens).
    RegistryScopeMap => "registry_scope_maps", source: "ARM GET .../registries/{r}/scopeMaps (2023-07-01)" {
        tenant: String,
        id: String,
        registry_id: String,
        name: String,
        /// SystemDefined (the built-in `_repositories_*` maps) or IsUserDefined.
        scope_map_type: Option<String>,
        description: Option<String>,
    }

    /// Repository-scoped tokens of registries (non-Entra credentials).
    RegistryToken => "registry_tokens", source: "ARM GET .../registries/{r}/tokens (2023-07-01)" {
        tenant: String,
        id: String,
        registry_id: String,
        name: String,
        /// enabled or disabled (lower-case).
        status: Option<String>,
        /// Canonical id of the token's scope map.
        scope_map_id: Option<String>,
        /// Passwords generated for the token (their values are never returned).
        password_count: i64,
        /// Latest password expiry; null when no password expires.
        password_expiry: Option<String>,
    }

    /// Repositories in each registry.
    Repository => "repositories", source: "ACR data plane GET /acr/v1/_catalog" {
        tenant: String,
        /// Login server, lower-case.
        registry: String,
        repository: String,
    }

    /// Tags in each repository.
    RegistryTag => "registry_tags", source: "ACR data plane GET /acr/v1/{repo}/_tags" {
        tenant: String,
        registry: String,
        repository: String,
        tag: String,
        digest: Option<String>,
        created_time: Option<String>,
        last_update_time: Option<String>,
        write_enabled: Option<bool>,
        delete_enabled: Option<bool>,
    }

    /// Manifests in each repository.
    RegistryManifest => "registry_manifests", source: "ACR data plane GET /acr/v1/{repo}/_manifests" {
        tenant: String,
        registry: String,
        repository: String,
        digest: String,
        image_size: Option<i64>,
        media_type: Option<String>,
        architecture: Option<String>,
        os: Option<String>,
        /// Number of tags pointing at this manifest.
        tag_count: i64,
        created_time: Option<String>,
        /// Platform manifests an index (manifest list) references; 0 for a
        /// single-platform manifest.
        reference_count: i64,
    }

    /// Platform manifests referenced by manifest lists / OCI indexes, one row
    /// per reference (the platform manifests are also listed, untagged, as
    /// manifests of the same repository).
    RegistryManifestReference => "registry_manifest_references", source: "ACR data plane GET /acr/v1/{repo}/_manifests (references)" {
        tenant: String,
        registry: String,
        repository: String,
        /// Digest of the index.
        digest: String,
        /// Digest of the referenced platform manifest.
        reference_digest: String,
        architecture: Option<String>,
        os: Option<String>,
    }

    /// Azure compute galleries.
    Gallery => "galleries", source: "ARM GET .../Microsoft.Compute/galleries (2023-07-03)" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        location: Option<String>,
        /// Private, Groups, Community.
        sharing_permissions: Option<String>,
        provisioning_state: Option<String>,
    }

    /// Who a directly shared gallery is shared with, one row per subscription
    /// or tenant (sharingProfile.groups, returned with `$expand=SharingProfile/Groups`).
    GallerySharingGroup => "gallery_sharing_groups", source: "ARM galleries properties.sharingProfile.groups" {
        tenant: String,
        gallery_id: String,
        /// Subscriptions or AADTenants.
        group_type: String,
        /// Subscription or tenant id, lower-case.
        member_id: String,
    }

    /// Gallery image definitions.
    GalleryImage => "gallery_images", source: "ARM GET .../galleries/{g}/images" {
        tenant: String,
        /// Canonical id built from the request's names.
        id: String,
        gallery_id: String,
        name: String,
        location: Option<String>,
        os_type: Option<String>,
        /// Generalized or Specialized.
        os_state: Option<String>,
        hyper_v_generation: Option<String>,
        architecture: Option<String>,
        publisher: Option<String>,
        offer: Option<String>,
        sku: Option<String>,
        /// TrustedLaunch, ConfidentialVM, ... from the SecurityType feature.
        security_type: Option<String>,
        /// Marketplace plan the image derives from (purchasePlan.publisher/product/name).
        purchase_plan_publisher: Option<String>,
        purchase_plan_product: Option<String>,
        purchase_plan_name: Option<String>,
        end_of_life_date: Option<String>,
    }

    /// Gallery image versions.
    GalleryImageVersion => "gallery_image_versions", source: "ARM GET .../galleries/{g}/images/{i}/versions?$expand=ReplicationStatus" {
        tenant: String,
        id: String,
        image_id: String,
        gallery_id: String,
        gallery_name: String,
        image_name: String,
        name: String,
        location: Option<String>,
        exclude_from_latest: Option<bool>,
        end_of_life_date: Option<String>,
        storage_account_type: Option<String>,
        /// Canonical id of the source (managed image, VM, disk, snapshot).
        source_id: Option<String>,
        provisioning_state: Option<String>,
        /// Completed, InProgress, Failed, Unknown (aggregated replication state).
        replication_state: Option<String>,
        /// storageProfile.osDiskImage.sizeInGB (read-only, set by the service).
        os_disk_size_gb: Option<i64>,
        /// Sum of storageProfile.dataDiskImages[].sizeInGB; 0 without data disks.
        data_disk_size_gb: i64,
        data_disk_count: i64,
        /// publishingProfile.replicationMode: Full or Shallow (null means Full).
        replication_mode: Option<String>,
    }

    /// Replication of each image version per region: targets and state.
    GalleryImageVersionRegion => "gallery_image_version_regions", source: "ARM image version publishingProfile.targetRegions and replicationStatus.summary" {
        tenant: String,
        version_id: String,
        region: String,
        /// Listed in publishingProfile.targetRegions.
        is_target: bool,
        /// Completed, Replicating, Failed, Unknown; null when no status was returned.
        state: Option<String>,
        progress: Option<i64>,
        replica_count: Option<i64>,
        /// Disk encryption set of the OS disk image in this region (customer-managed key).
        os_disk_encryption_set_id: Option<String>,
        /// Data disk images encrypted with a disk encryption set in this region.
        encrypted_data_disks: i64,
    }

    /// Resource providers of each subscription and their registration state.
    ResourceProvider => "resource_providers", source: "ARM GET /subscriptions/{s}/providers (2021-04-01)" {
        tenant: String,
        subscription_id: String,
        /// As returned (`Microsoft.ContainerRegistry`).
        namespace: String,
        namespace_lc: String,
        /// Registered, NotRegistered, Registering, Unregistering.
        registration_state: Option<String>,
    }

    /// Regions where a provider offers a resource type, one row per region.
    ResourceProviderLocation => "resource_provider_locations", source: "ARM providers resourceTypes[].locations" {
        tenant: String,
        subscription_id: String,
        namespace_lc: String,
        /// Resource type, lower-case (`registries`).
        resource_type: String,
        /// Canonical region.
        location: String,
    }

    /// Marketplace terms accepted (or cancelled) in each subscription.
    MarketplaceAgreement => "marketplace_agreements", source: "ARM GET /subscriptions/{s}/providers/Microsoft.MarketplaceOrdering/agreements (2021-01-01)" {
        tenant: String,
        subscription_id: String,
        /// Publisher, offer (product) and plan, lower-case.
        publisher: String,
        offer: String,
        plan: String,
        /// Active or Canceled.
        state: Option<String>,
        sign_date: Option<String>,
    }

    /// Users (members and guests).
    User => "users", source: "Graph GET /v1.0/users?$select=..." {
        tenant: String,
        /// Object id (GUID).
        id: String,
        upn: String,
        upn_lc: String,
        display_name: Option<String>,
        mail: Option<String>,
        mail_lc: Option<String>,
        /// Member or Guest.
        user_type: Option<String>,
        /// PendingAcceptance, Accepted; null for members.
        external_user_state: Option<String>,
        account_enabled: Option<bool>,
        /// Number of assigned licences.
        license_count: i64,
        created: Option<String>,
        /// For guests: the home-tenant UPN or address the account stands for, lower-case.
        home_identity_lc: Option<String>,
        /// Synced from on-premises AD.
        on_premises_sync: Option<bool>,
    }

    /// Licences assigned to users, one row per SKU.
    UserLicense => "user_licenses", source: "Graph users assignedLicenses" {
        tenant: String,
        user_id: String,
        sku_id: String,
    }

    /// Groups.
    Group => "groups", source: "Graph GET /v1.0/groups" {
        tenant: String,
        id: String,
        display_name: Option<String>,
        mail: Option<String>,
        mail_lc: Option<String>,
        security_enabled: Option<bool>,
        mail_enabled: Option<bool>,
    }

    /// Direct members of groups.
    GroupMember => "group_members", source: "Graph GET /v1.0/groups/{id}/members" {
        tenant: String,
        group_id: String,
        member_id: String,
        /// user, group, servicePrincipal, device, ...
        member_type: Option<String>,
    }

    /// Application registrations.
    Application => "applications", source: "Graph GET /v1.0/applications" {
        tenant: String,
        id: String,
        app_id: String,
        display_name: Option<String>,
        /// AzureADMyOrg, AzureADMultipleOrgs, AzureADandPersonalMicrosoftAccount, PersonalMicrosoftAccount.
        sign_in_audience: Option<String>,
    }

    /// Web redirect URIs of applications.
    ApplicationRedirectUri => "application_redirect_uris", source: "Graph applications web.redirectUris" {
        tenant: String,
        app_id: String,
        uri: String,
        uri_lc: String,
    }

    /// Required resource access (API permissions requested) of applications.
    ApplicationRequiredAccess => "application_required_access", source: "Graph applications requiredResourceAccess" {
        tenant: String,
        app_id: String,
        resource_app_id: String,
        /// Permission id (GUID).
        permission_id: String,
        /// Scope (delegated) or Role (application).
        permission_type: String,
    }

    /// Secrets and certificates of applications.
    ApplicationCredential => "application_credentials", source: "Graph applications passwordCredentials, keyCredentials" {
        tenant: String,
        app_id: String,
        key_id: String,
        /// password or certificate.
        kind: String,
        display_name: Option<String>,
        start: Option<String>,
        end: Option<String>,
    }

    /// Service principals (enterprise applications).
    ServicePrincipal => "service_principals", source: "Graph GET /v1.0/servicePrincipals" {
        tenant: String,
        id: String,
        app_id: String,
        display_name: Option<String>,
        /// Tenant that owns the application (GUID).
        app_owner_tenant_id: Option<String>,
        account_enabled: Option<bool>,
        service_principal_type: Option<String>,
    }

    /// App roles that service principals publish (to map role ids to names).
    ServicePrincipalAppRole => "service_principal_app_roles", source: "Graph servicePrincipals appRoles" {
        tenant: String,
        service_principal_id: String,
        app_id: String,
        role_id: String,
        value: Option<String>,
    }

    /// App role assignments (admin-consented application permissions).
    AppRoleAssignment => "app_role_assignments", source: "Graph GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo" {
        tenant: String,
        id: String,
        /// Service principal (or user/group) granted the role.
        principal_id: String,
        principal_type: Option<String>,
        /// Resource service principal that defines the role.
        resource_id: String,
        app_role_id: String,
    }

    /// RBAC role definitions.
    RoleDefinition => "role_definitions", source: "ARM GET {scope}/providers/Microsoft.Authorization/roleDefinitions (2022-04-01)" {
        tenant: String,
        id: String,
        /// Role definition GUID (the last id segment), lower-case.
        role_id: String,
        role_name: Option<String>,
        /// BuiltInRole or CustomRole.
        role_type: Option<String>,
        description: Option<String>,
    }

    /// Permissions of role definitions, one row per action pattern.
    RoleDefinitionAction => "role_definition_actions", source: "ARM roleDefinitions properties.permissions" {
        tenant: String,
        role_id: String,
        /// actions, notActions, dataActions, notDataActions.
        kind: String,
        /// The pattern as written, lower-case (may contain `*`).
        pattern: String,
    }

    /// Assignable scopes of role definitions.
    RoleDefinitionScope => "role_definition_scopes", source: "ARM roleDefinitions properties.assignableScopes" {
        tenant: String,
        role_id: String,
        scope: String,
    }

    /// RBAC role assignments.
    RoleAssignment => "role_assignments", source: "ARM GET {scope}/providers/Microsoft.Authorization/roleAssignments (2022-04-01)" {
        tenant: String,
        id: String,
        /// Canonical scope (`/` for root).
        scope: String,
        /// Role definition GUID, lower-case.
        role_id: String,
        principal_id: String,
        /// User, Group, ServicePrincipal, ForeignGroup, Device.
        principal_type: Option<String>,
        condition: Option<String>,
    }

    /// Deny assignments.
    DenyAssignment => "deny_assignments", source: "ARM GET {scope}/providers/Microsoft.Authorization/denyAssignments (2022-04-01)" {
        tenant: String,
        id: String,
        name: Option<String>,
        scope: String,
        does_not_apply_to_child_scopes: Option<bool>,
        is_system_protected: Option<bool>,
    }

    /// Permissions of deny assignments, one row per action pattern.
    DenyAssignmentAction => "deny_assignment_actions", source: "ARM denyAssignments properties.permissions" {
        tenant: String,
        deny_id: String,
        kind: String,
        pattern: String,
    }

    /// Principals of deny assignments (denied and excluded).
    DenyAssignmentPrincipal => "deny_assignment_principals", source: "ARM denyAssignments properties.principals, excludePrincipals" {
        tenant: String,
        deny_id: String,
        principal_id: String,
        principal_type: Option<String>,
        excluded: bool,
    }

    /// Management locks.
    Lock => "locks", source: "ARM GET .../providers/Microsoft.Authorization/locks (2016-09-01)" {
        tenant: String,
        id: String,
        /// Canonical scope the lock applies to.
        scope: String,
        name: String,
        /// CanNotDelete or ReadOnly.
        level: Option<String>,
        notes: Option<String>,
    }

    /// Exchange Online mailboxes.
    Mailbox => "mailboxes", source: "Exchange Get-Mailbox (InvokeCommand JSON or Export-Csv)" {
        tenant: String,
        /// ExchangeGuid when present, else the object id: the item key.
        id: String,
        identity: Option<String>,
        display_name: Option<String>,
        alias: Option<String>,
        upn: Option<String>,
        upn_lc: Option<String>,
        primary_smtp: Option<String>,
        primary_smtp_lc: Option<String>,
        /// UserMailbox, SharedMailbox, RoomMailbox, EquipmentMailbox, ...
        recipient_type_details: Option<String>,
        exchange_guid: Option<String>,
        /// Null when the mailbox has no archive (zero GUID).
        archive_guid: Option<String>,
        archive_status: Option<String>,
        disabled_archive_guid: Option<String>,
        legacy_exchange_dn: Option<String>,
        legacy_exchange_dn_lc: Option<String>,
        litigation_hold_enabled: Option<bool>,
        delay_hold_applied: Option<bool>,
        delay_release_hold_applied: Option<bool>,
        compliance_tag_hold_applied: Option<bool>,
        auto_expanding_archive_enabled: Option<bool>,
        aux_archive_count: i64,
        is_dir_synced: Option<bool>,
        external_directory_object_id: Option<String>,
    }

    /// Exchange Online mail users (the target objects a mailbox moves into).
    MailUser => "mail_users", source: "Exchange Get-MailUser (InvokeCommand JSON or Export-Csv)" {
        tenant: String,
        id: String,
        identity: Option<String>,
        display_name: Option<String>,
        alias: Option<String>,
        upn: Option<String>,
        upn_lc: Option<String>,
        primary_smtp: Option<String>,
        primary_smtp_lc: Option<String>,
        /// Address without its `SMTP:` prefix.
        external_email_address: Option<String>,
        external_email_address_lc: Option<String>,
        recipient_type_details: Option<String>,
        exchange_guid: Option<String>,
        archive_guid: Option<String>,
        legacy_exchange_dn: Option<String>,
        is_dir_synced: Option<bool>,
        external_directory_object_id: Option<String>,
        recoverable_items_quota: Option<String>,
    }

    /// Proxy addresses of mailboxes and mail users, one row per address.
    ProxyAddress => "proxy_addresses", source: "Exchange EmailAddresses of Get-Mailbox / Get-MailUser" {
        tenant: String,
        /// mailbox or mail_user.
        owner_kind: String,
        /// `id` of the owning mailbox or mail user.
        owner_id: String,
        /// The address as stored, with prefix (`SMTP:a@b`, `x500:/o=...`).
        address: String,
        /// Prefix lower-case: smtp, x500, x400, sip, eum, ...
        prefix: String,
        /// Address without the prefix, lower-case.
        value_lc: String,
        /// Upper-case `SMTP:` marks the primary address.
        is_primary: bool,
        /// Domain part for smtp addresses, lower-case.
        domain: Option<String>,
    }

    /// In-place holds on mailboxes, one row per hold id.
    MailboxHold => "mailbox_holds", source: "Exchange Get-Mailbox InPlaceHolds" {
        tenant: String,
        mailbox_id: String,
        hold: String,
    }

    /// Persisted capabilities of mailboxes and mail users (licence evidence).
    RecipientCapability => "recipient_capabilities", source: "Exchange PersistedCapabilities of Get-Mailbox / Get-MailUser" {
        tenant: String,
        owner_kind: String,
        owner_id: String,
        capability: String,
    }

    /// Organization relationships.
    OrganizationRelationship => "organization_relationships", source: "Exchange Get-OrganizationRelationship" {
        tenant: String,
        id: String,
        name: String,
        enabled: Option<bool>,
        mailbox_move_enabled: Option<bool>,
        /// Comma-joined capabilities as returned: Inbound, RemoteOutbound, ...
        mailbox_move_capability: Option<String>,
        oauth_application_id: Option<String>,
        mailbox_move_published_scopes: Option<String>,
    }

    /// Domain names of organization relationships (tenant ids or domains), lower-case.
    OrganizationRelationshipDomain => "organization_relationship_domains", source: "Exchange Get-OrganizationRelationship DomainNames" {
        tenant: String,
        relationship_id: String,
        domain: String,
    }

    /// Accepted domains.
    AcceptedDomain => "accepted_domains", source: "Exchange Get-AcceptedDomain" {
        tenant: String,
        domain: String,
        /// Authoritative, InternalRelay, ExternalRelay.
        domain_type: Option<String>,
        is_default: Option<bool>,
    }

    /// Migration endpoints.
    MigrationEndpoint => "migration_endpoints", source: "Exchange Get-MigrationEndpoint" {
        tenant: String,
        id: String,
        name: String,
        endpoint_type: Option<String>,
        remote_server: Option<String>,
        remote_tenant: Option<String>,
        application_id: Option<String>,
        app_secret_key_vault_url: Option<String>,
        max_concurrent_migrations: Option<i64>,
        is_remote: Option<bool>,
    }

    /// Members of distribution groups (the migration scope group), one row per member.
    DistributionGroupMember => "distribution_group_members", source: "Exchange Get-DistributionGroupMember" {
        tenant: String,
        /// The group identity as named in the export, lower-case.
        group: String,
        member_identity: Option<String>,
        member_smtp_lc: Option<String>,
        member_exchange_guid: Option<String>,
        member_external_directory_object_id: Option<String>,
        recipient_type: Option<String>,
    }

    /// Power Platform environments.
    PpEnvironment => "pp_environments", source: "BAP GET /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments" {
        tenant: String,
        id: String,
        name: String,
        display_name: Option<String>,
        /// Production, Sandbox, Trial, Developer, Default, Teams.
        sku: Option<String>,
        is_default: bool,
        location: Option<String>,
        azure_region: Option<String>,
        /// Dataverse instance URL when a database is linked.
        dataverse_url: Option<String>,
        dataverse_state: Option<String>,
        security_group_id: Option<String>,
        /// governanceConfiguration.protectionLevel: Standard = Managed Environment.
        protection_level: Option<String>,
        /// protectionStatus.keyManagedBy: Microsoft or Customer.
        key_managed_by: Option<String>,
        created: Option<String>,
        state: Option<String>,
    }

    /// Rows of the Power Platform user mapping file.
    UserMappingRow => "user_mapping", source: "usermapping.csv (named in the config)" {
        tenant: String,
        file: String,
        line: i64,
        source: String,
        source_lc: String,
        destination: String,
        destination_lc: String,
    }

    /// Rows of Exchange migration batch CSV files.
    MigrationBatchRow => "migration_batch", source: "batch CSV with an EmailAddress column (named in the config)" {
        tenant: String,
        batch: String,
        file: String,
        line: i64,
        email: String,
        email_lc: String,
    }

    /// Problems found in user files (usermapping.csv, batch CSVs): rows that
    /// could still be read are in their tables; this says what is wrong.
    UserFileIssue => "user_file_issues", source: "userfiles validation" {
        tenant: String,
        /// usermapping or batch.
        kind: String,
        file: String,
        line: i64,
        column: Option<i64>,
        /// error (the service will reject the file or row) or warning.
        severity: String,
        /// Stable code, e.g. UF-MAP-HEADER.
        code: String,
        message: String,
        fix: Option<String>,
    }
}
