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
        /// subscriptionPolicies.quotaId: the offer (`CSP_2015-05-01`, `EnterpriseAgreement_2014-09-01`, ...).
        quota_id: Option<String>,
        /// subscriptionPolicies.spendingLimit: On, Off, CurrentPeriodOff.
        spending_limit: Option<String>,
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
        /// Marketplace plan of an OS disk (`purchasePlan`) as `publisher/product/name`.
        purchase_plan: Option<String>,
        /// x64 or Arm64 (`supportedCapabilities.architecture`).
        architecture: Option<String>,
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

    /// Extensions installed on VMs (Azure Disk Encryption shows up here).
    VmExtension => "vm_extensions", source: "ARM GET .../virtualMachines/{vm}/extensions (2024-07-01)" {
        tenant: String,
        id: String,
        /// Canonical id of the VM the extension belongs to.
        vm_id: String,
        name: String,
        /// Microsoft.Azure.Security, ...
        publisher: Option<String>,
        /// AzureDiskEncryption, AzureDiskEncryptionForLinux, ... (`properties.type`).
        extension_type: Option<String>,
        type_handler_version: Option<String>,
        provisioning_state: Option<String>,
    }

    /// Power state of VMs, from their instance view.
    VmInstanceView => "vm_instance_views", source: "ARM GET /subscriptions/{s}/providers/Microsoft.Compute/virtualMachines?statusOnly=true (2024-07-01)" {
        tenant: String,
        vm_id: String,
        /// running, deallocated, stopped, starting, stopping, deallocating
        /// (the `PowerState/` status code without its prefix).
        power_state: Option<String>,
        provisioning_state: Option<String>,
    }

    /// Compute resource SKUs (VM sizes, disk SKUs) offered per region, one row
    /// per SKU and region.
    ResourceSku => "resource_skus", source: "ARM GET /subscriptions/{s}/providers/Microsoft.Compute/skus (2021-07-01)" {
        tenant: String,
        /// From the page's request URL (`.meta.json`), when saved.
        subscription_id: Option<String>,
        /// virtualMachines, disks, snapshots, ...
        resource_type: String,
        /// Standard_D4s_v5, Premium_LRS, ...
        name: String,
        location: String,
        family: Option<String>,
        /// Capability HyperVGenerations as sent (`V1`, `V1,V2`).
        hyper_v_generations: Option<String>,
        /// Capability CpuArchitectureType (x64, Arm64).
        cpu_architecture: Option<String>,
        /// A Location restriction covers this region for the subscription.
        restricted: bool,
        /// NotAvailableForSubscription, QuotaId.
        restriction_reason: Option<String>,
    }

    /// Marketplace terms of VM plans in a subscription.
    MarketplaceAgreement => "marketplace_agreements", source: "ARM GET /subscriptions/{s}/providers/Microsoft.MarketplaceOrdering/offerTypes/virtualmachine/publishers/{p}/offers/{o}/plans/{n}/agreements/current (2021-01-01)" {
        tenant: String,
        subscription_id: String,
        publisher: String,
        product: String,
        plan: String,
        /// `publisher/product/plan`, lower-case: the join key with plans of VMs and disks.
        plan_key: String,
        accepted: Option<bool>,
        retrieved: Option<String>,
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

    /// Cross-tenant access settings: the default and one row per partner
    /// tenant. A null setting on a partner inherits the default.
    CrossTenantAccessPolicy => "cross_tenant_access_policies", source: "Graph GET /v1.0/policies/crossTenantAccessPolicy/default and /partners" {
        tenant: String,
        /// Null for the default configuration.
        partner_tenant_id: Option<String>,
        is_default: bool,
        /// accessType of b2bCollaborationInbound.usersAndGroups (allowed, blocked); null = inherit.
        inbound_users_access: Option<String>,
        inbound_apps_access: Option<String>,
        outbound_users_access: Option<String>,
        outbound_apps_access: Option<String>,
    }

    /// Targets of cross-tenant access settings, one row per target.
    CrossTenantAccessTarget => "cross_tenant_access_targets", source: "Graph crossTenantAccessPolicy b2bCollaborationInbound/Outbound targets" {
        tenant: String,
        partner_tenant_id: Option<String>,
        /// inbound or outbound.
        direction: String,
        /// usersAndGroups or applications.
        kind: String,
        /// allowed or blocked.
        access_type: Option<String>,
        /// AllUsers, AllApplications, or an object id (lower-case).
        target: String,
        /// user, group, application.
        target_type: Option<String>,
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

    /// Licence SKUs the tenant subscribes to.
    SubscribedSku => "subscribed_skus", source: "Graph GET /v1.0/subscribedSkus" {
        tenant: String,
        sku_id: String,
        /// SPE_E3, Cross_tenant_user_data_migration, ...
        sku_part_number: Option<String>,
        /// Enabled, Warning, Suspended, Deleted, LockedOut.
        capability_status: Option<String>,
        /// prepaidUnits.enabled.
        enabled_units: Option<i64>,
        consumed_units: Option<i64>,
    }

    /// Service plans included in each subscribed SKU.
    SubscribedSkuPlan => "subscribed_sku_plans", source: "Graph subscribedSkus servicePlans" {
        tenant: String,
        sku_id: String,
        service_plan_id: String,
        /// EXCHANGE_S_ENTERPRISE, TEAMS1, ...
        service_plan_name: Option<String>,
    }

    /// The tenant's OpenID Connect metadata: which cloud it lives in.
    OpenIdConfiguration => "openid_configurations", source: "GET https://login.microsoftonline.com/{tenantId}/v2.0/.well-known/openid-configuration" {
        tenant: String,
        /// From the issuer URL.
        tenant_id: Option<String>,
        /// microsoftonline.com (worldwide), microsoftonline.us, partner.microsoftonline.cn.
        cloud_instance_name: Option<String>,
        /// NA, EU, AS, ..., USGov.
        tenant_region_scope: Option<String>,
        /// GCC, DOD, DODCON, ... when present.
        tenant_region_sub_scope: Option<String>,
        msgraph_host: Option<String>,
    }

    /// Cross-tenant migration jobs of the Graph migration API (their validation
    /// outcome is a second opinion on readiness).
    CrossTenantMigrationJob => "cross_tenant_migration_jobs", source: "Graph GET /v1.0/solutions/migrations/crossTenantMigrationJobs" {
        tenant: String,
        id: String,
        display_name: Option<String>,
        /// submitted, validating, validatePassed, validateFailed, migrating, completed, ...
        status: Option<String>,
        message: Option<String>,
        /// Comma-joined workloads: exchange, teams, odsp, ...
        workloads: Option<String>,
        source_tenant_id: Option<String>,
        target_tenant_id: Option<String>,
        last_updated: Option<String>,
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

    /// Microsoft Entra directory role assignments (active, not PIM-eligible).
    DirectoryRoleAssignment => "directory_role_assignments", source: "Graph GET /v1.0/roleManagement/directory/roleAssignments" {
        tenant: String,
        id: String,
        /// User, group or service principal object id.
        principal_id: String,
        /// Role definition id: the role template id for built-in roles, lower-case.
        role_definition_id: String,
        /// `/` for the whole directory, or an administrative unit / object.
        directory_scope_id: Option<String>,
    }

    /// Every resource of each subscription, whatever its type.
    GenericResource => "resources", source: "ARM GET /subscriptions/{s}/resources (2021-04-01); Resource Graph resources" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        /// Resource type, lower-case (`microsoft.containerservice/managedclusters`).
        resource_type: String,
        location: Option<String>,
        kind: Option<String>,
        sku: Option<String>,
        managed_by: Option<String>,
        /// identity.type: SystemAssigned, UserAssigned, `SystemAssigned, UserAssigned`, None.
        identity_type: Option<String>,
        /// identity.principalId of the system-assigned identity.
        identity_principal_id: Option<String>,
    }

    /// User-assigned managed identities attached to resources, one row per attachment.
    ResourceUserIdentity => "resource_user_identities", source: "ARM / Resource Graph identity.userAssignedIdentities" {
        tenant: String,
        resource_id: String,
        /// Canonical id of the Microsoft.ManagedIdentity/userAssignedIdentities resource.
        identity_id: String,
        principal_id: Option<String>,
    }

    /// Key vaults.
    KeyVault => "key_vaults", source: "ARM GET .../Microsoft.KeyVault/vaults (2023-07-01)" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        location: Option<String>,
        /// properties.tenantId: the directory the vault authenticates against.
        vault_tenant_id: Option<String>,
        /// properties.vaultUri, lower-case, without trailing `/`.
        vault_uri_lc: Option<String>,
        /// Azure RBAC instead of access policies.
        rbac_authorization: Option<bool>,
        access_policy_count: i64,
        purge_protection: Option<bool>,
        soft_delete: Option<bool>,
    }

    /// Azure SQL logical servers.
    SqlServer => "sql_servers", source: "ARM GET .../Microsoft.Sql/servers (2023-08-01)" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        location: Option<String>,
        /// administrators.login of the Microsoft Entra admin, if one is set.
        entra_admin_login: Option<String>,
        entra_admin_sid: Option<String>,
        entra_admin_tenant_id: Option<String>,
        /// administrators.azureADOnlyAuthentication.
        entra_only_auth: Option<bool>,
        /// Encryption protector key when customer-managed (keyId), if returned.
        key_id: Option<String>,
    }

    /// Storage accounts.
    StorageAccount => "storage_accounts", source: "ARM GET .../Microsoft.Storage/storageAccounts (2023-05-01)" {
        tenant: String,
        id: String,
        subscription_id: String,
        resource_group: String,
        name: String,
        location: Option<String>,
        kind: Option<String>,
        sku: Option<String>,
        /// Hierarchical namespace (ADLS Gen2): POSIX ACLs hold directory object ids.
        hns_enabled: Option<bool>,
        /// encryption.keySource: Microsoft.Storage or Microsoft.Keyvault.
        key_source: Option<String>,
        /// encryption.keyvaultproperties.keyvaulturi, lower-case, without trailing `/`.
        key_vault_uri_lc: Option<String>,
        /// azureFilesIdentityBasedAuthentication.directoryServiceOptions: AADDS, AD, AADKERB, None.
        files_identity_auth: Option<String>,
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

    /// Resource provider registration per subscription.

    /// Azure Policy assignments visible at each subscription (inherited ones included).
    PolicyAssignment => "policy_assignments", source: "ARM GET /subscriptions/{s}/providers/Microsoft.Authorization/policyAssignments (2023-04-01)" {
        tenant: String,
        id: String,
        /// Canonical scope (management group, subscription, resource group).
        scope: String,
        name: String,
        display_name: Option<String>,
        /// Canonical id of the policy (set) definition.
        policy_definition_id: Option<String>,
        /// Default or DoNotEnforce.
        enforcement_mode: Option<String>,
        /// The `effect` parameter value, when the assignment sets one.
        effect: Option<String>,
        /// identity.type of the assignment's managed identity (remediation).
        identity_type: Option<String>,
    }

    /// Parameter values of policy assignments, one row per value (array
    /// parameters give one row per element).
    PolicyAssignmentParameter => "policy_assignment_parameters", source: "ARM policyAssignments properties.parameters" {
        tenant: String,
        assignment_id: String,
        parameter: String,
        value: String,
        value_lc: String,
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
        /// Microsoft Purview Customer Key data encryption policy, if any.
        data_encryption_policy: Option<String>,
        /// As Exchange prints it: `50 GB (53,687,091,200 bytes)` or `Unlimited`.
        prohibit_send_receive_quota: Option<String>,
        /// The quota in bytes; null when Unlimited or absent.
        prohibit_send_receive_quota_bytes: Option<i64>,
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
        /// RecoverableItemsQuota in bytes; null when Unlimited or absent.
        recoverable_items_quota_bytes: Option<i64>,
        /// As Exchange prints it: `150 MB (157,286,400 bytes)` or `Unlimited`.
        max_receive_size: Option<String>,
        /// MaxReceiveSize in bytes; null when Unlimited or absent.
        max_receive_size_bytes: Option<i64>,
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

    /// Send-on-behalf delegates of mailboxes, one row per delegate.
    MailboxSendOnBehalf => "mailbox_send_on_behalf", source: "Exchange Get-Mailbox GrantSendOnBehalfTo" {
        tenant: String,
        mailbox_id: String,
        /// The delegate as Exchange names it (identity, name or address).
        trustee: String,
        trustee_lc: String,
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

    /// Mail-enabled groups (the migration scope group).
    DistributionGroup => "distribution_groups", source: "Exchange Get-DistributionGroup" {
        tenant: String,
        identity: Option<String>,
        name: Option<String>,
        display_name: Option<String>,
        primary_smtp_lc: Option<String>,
        /// MailUniversalSecurityGroup, MailUniversalDistributionGroup, RoomList, ...
        recipient_type_details: Option<String>,
        external_directory_object_id: Option<String>,
    }

    /// Organization-wide Exchange settings, one row per tenant.
    OrganizationConfig => "organization_configs", source: "Exchange Get-OrganizationConfig" {
        tenant: String,
        name: Option<String>,
        /// A dehydrated tenant must run Enable-OrganizationCustomization before
        /// organization relationships can be created or changed.
        is_dehydrated: Option<bool>,
    }

    /// Mailbox size statistics, one row per mailbox.
    MailboxStatistic => "mailbox_statistics", source: "Exchange Get-MailboxStatistics" {
        tenant: String,
        /// MailboxGuid: the ExchangeGuid of the mailbox.
        mailbox_guid: String,
        display_name: Option<String>,
        total_item_size: Option<String>,
        total_item_size_bytes: Option<i64>,
        /// Size of the Recoverable Items folder (the dumpster).
        total_deleted_item_size: Option<String>,
        total_deleted_item_size_bytes: Option<i64>,
        item_count: Option<i64>,
        deleted_item_count: Option<i64>,
    }

    /// Folder statistics saved per mailbox (the archive's Recoverable Items
    /// folders), one row per folder.
    MailboxFolderStatistic => "mailbox_folder_statistics", source: "Exchange Get-MailboxFolderStatistics {archive} -FolderScope RecoverableItems" {
        tenant: String,
        /// The identity the statistics were saved under (ArchiveGuid or address), lower-case.
        mailbox: String,
        /// Folder name: SubstrateHolds, Purges, Versions, DiscoveryHolds, ...
        name: String,
        folder_path: Option<String>,
        folder_type: Option<String>,
        items_in_folder: Option<i64>,
        folder_size_bytes: Option<i64>,
    }

    /// Holds tracked on mailboxes (Export-MailboxDiagnosticLogs -ComponentName
    /// HoldTracking), one row per hold; a saved log without holds is one row
    /// with a null hold_id, so "no holds" and "not saved" differ.
    MailboxHoldTracking => "mailbox_hold_tracking", source: "Exchange Export-MailboxDiagnosticLogs {mailbox} -ComponentName HoldTracking" {
        tenant: String,
        /// The identity the log was saved under (primary SMTP address), lower-case.
        mailbox: String,
        /// `hid`: mbx… (retention policy), UniH… (eDiscovery case), ...
        hold_id: Option<String>,
        /// `ht`: 4 marks an organization-wide retention hold.
        hold_type: Option<i64>,
    }

    /// Non-owner mailbox permissions (FullAccess and others), one row per entry.
    MailboxPermission => "mailbox_permissions", source: "Exchange Get-MailboxPermission" {
        tenant: String,
        /// The mailbox the entry is on, as Exchange names it.
        mailbox_identity: String,
        mailbox_identity_lc: String,
        /// The trustee (`user@contoso.com`, `NT AUTHORITY\SELF`, ...).
        user: String,
        user_lc: String,
        /// Comma-joined rights: FullAccess, ReadPermission, ...
        access_rights: Option<String>,
        is_inherited: Option<bool>,
        deny: Option<bool>,
    }

    /// Existing move requests (a mailbox with one cannot be moved again).
    MoveRequest => "move_requests", source: "Exchange Get-MoveRequest" {
        tenant: String,
        identity: Option<String>,
        display_name: Option<String>,
        exchange_guid: Option<String>,
        /// Queued, InProgress, Completed, Failed, Suspended, ...
        status: Option<String>,
        batch_name: Option<String>,
    }

    /// Users already in a migration batch.
    MigrationUser => "migration_users", source: "Exchange Get-MigrationUser" {
        tenant: String,
        /// The user's e-mail address (Identity), lower-case.
        identity_lc: String,
        batch_id: Option<String>,
        /// Queued, Syncing, Synced, Completed, Failed, ...
        status: Option<String>,
        mailbox_guid: Option<String>,
    }

    /// Exchange's view of user objects (Get-User), for previous-mailbox data.
    ExchangeUser => "exchange_users", source: "Exchange Get-User" {
        tenant: String,
        identity: Option<String>,
        upn_lc: Option<String>,
        recipient_type_details: Option<String>,
        /// UserMailbox (or another mailbox type) when the user had a mailbox before.
        previous_recipient_type_details: Option<String>,
        external_directory_object_id: Option<String>,
    }

    /// Results of Test-MigrationServerAvailability probes, one row per saved probe.
    MigrationServerTest => "migration_server_tests", source: "Exchange Test-MigrationServerAvailability -Endpoint {endpoint} -TestMailbox {mailbox}" {
        tenant: String,
        /// The -TestMailbox the probe was saved under, lower-case.
        test_mailbox: String,
        /// Success or Failed.
        result: Option<String>,
        message: Option<String>,
        error_detail: Option<String>,
    }

    /// Management role assignments of the migration operator (effective users).
    ManagementRoleAssignment => "management_role_assignments", source: "Exchange Get-ManagementRoleAssignment -RoleAssignee {operator} -GetEffectiveUsers" {
        tenant: String,
        /// Role name: Move Mailboxes, Mail Recipients, ...
        role: String,
        /// Who the role is assigned to: a role group (Organization Management) or the user.
        role_assignee_name: Option<String>,
        /// The user the assignment applies to, lower-case.
        effective_user_lc: Option<String>,
        enabled: Option<bool>,
    }

    /// Parameters of management role entries, one row per parameter.
    ManagementRoleEntry => "management_role_entries", source: "Exchange Get-ManagementRoleEntry \"*\\Set-MailUser\"" {
        tenant: String,
        role: String,
        /// The cmdlet of the entry (Set-MailUser).
        cmdlet: String,
        parameter: String,
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
        /// linkedAppMetadata.type: set when an app (finance and operations) is linked to the environment.
        linked_app_type: Option<String>,
        /// linkedAppMetadata.url, e.g. `https://contoso.operations.dynamics.com`.
        linked_app_url: Option<String>,
    }

    /// Enterprise policies linked to Power Platform environments, one row per policy.
    PpEnvironmentPolicy => "pp_environment_policies", source: "BAP environments properties.enterprisePolicies" {
        tenant: String,
        environment_id: String,
        /// The key under enterprisePolicies, lower-case: identity, vnets, customermanagedkeys, lockbox, ...
        kind: String,
        /// Canonical ARM id of the Microsoft.PowerPlatform/enterprisePolicies resource.
        policy_id: Option<String>,
        /// Linked, Unlinked, ...
        link_status: Option<String>,
    }

    /// Storage each Power Platform environment consumes, one row per capacity type.
    PpEnvironmentCapacity => "pp_environment_capacity", source: "BAP environments properties.capacity ($expand=properties.capacity)" {
        tenant: String,
        environment_id: String,
        /// Database, File, Log.
        capacity_type: String,
        actual_mb: Option<f64>,
        rated_mb: Option<f64>,
    }

    /// Dataverse storage capacity of each tenant, one row per capacity type.
    PpTenantCapacity => "pp_tenant_capacity", source: "Power Platform API GET /licensing/tenantCapacity" {
        tenant: String,
        /// Database, File, Log, TrialDatabase, ...
        capacity_type: String,
        unit: Option<String>,
        total: Option<f64>,
        /// consumption.actual.
        consumed: Option<f64>,
        /// Available, Overflow, ... as returned.
        status: Option<String>,
    }

    /// Tenant-to-tenant migration requests submitted from this tenant.
    PpT2tMigration => "pp_t2t_migrations", source: "BAP GET /providers/Microsoft.BusinessAppPlatform/t2tmigrations (TenantToTenant-ViewMigrationRequest)" {
        tenant: String,
        /// Migration id.
        id: String,
        /// The environment's name (GUID), lower-case.
        environment_name: Option<String>,
        target_tenant_id: Option<String>,
        created: Option<String>,
        created_by_id: Option<String>,
        /// approvalStatus as returned (Pending, Approved, Rejected, ...).
        approval_status: Option<String>,
        approval_actioned_by_id: Option<String>,
    }

    /// Cloud flows per environment.
    PpFlow => "pp_flows", source: "Flow admin GET .../scopes/admin/environments/{env}/v2/flows (Get-AdminFlow)" {
        tenant: String,
        /// The environment's name, lower-case (the export directory).
        environment_name: String,
        /// Flow name (GUID).
        id: String,
        display_name: Option<String>,
        /// Started, Stopped, Suspended.
        state: Option<String>,
        /// Dataverse workflow id: set when the definition lives in Dataverse (solution-aware).
        workflow_entity_id: Option<String>,
        created: Option<String>,
        last_modified: Option<String>,
    }

    /// Canvas apps (and component libraries) per environment.
    PpApp => "pp_apps", source: "Power Apps admin GET .../scopes/admin/environments/{env}/apps (Get-AdminPowerApp)" {
        tenant: String,
        environment_name: String,
        id: String,
        display_name: Option<String>,
        /// ClassicCanvasApp, CodeApp, ...
        app_type: Option<String>,
        /// Environment (not solution-aware) or Solution.
        alm_mode: Option<String>,
        is_component_library: bool,
        uses_custom_api: Option<bool>,
        uses_on_premise_gateway: Option<bool>,
    }

    /// Connections per environment.
    PpConnection => "pp_connections", source: "Power Apps admin GET .../scopes/admin/environments/{env}/connections (Get-AdminPowerAppConnection)" {
        tenant: String,
        environment_name: String,
        id: String,
        /// Connector name, the last segment of apiId, lower-case (`shared_office365`).
        api_name: String,
        display_name: Option<String>,
        /// First statuses[].status: Connected, Error, ...
        status: Option<String>,
        /// On-premises data gateway the connection goes through.
        gateway_id: Option<String>,
    }

    /// Custom connectors per environment.
    PpCustomConnector => "pp_custom_connectors", source: "Power Apps admin GET .../scopes/admin/environments/{env}/apis (Get-AdminPowerAppConnector)" {
        tenant: String,
        environment_name: String,
        /// Connector name, lower-case (`shared_contoso-20erp-5f...`).
        name: String,
        display_name: Option<String>,
    }

    /// Solutions installed in each Dataverse organization.
    PpSolution => "pp_solutions", source: "Dataverse GET {instanceUrl}/api/data/v9.2/solutions" {
        tenant: String,
        environment_name: String,
        solution_id: Option<String>,
        unique_name: String,
        unique_name_lc: String,
        friendly_name: Option<String>,
        is_managed: Option<bool>,
        version: Option<String>,
    }

    /// Users of each Dataverse organization.
    PpSystemUser => "pp_system_users", source: "Dataverse GET {instanceUrl}/api/data/v9.2/systemusers" {
        tenant: String,
        environment_name: String,
        id: String,
        full_name: Option<String>,
        /// domainname: the user's UPN, lower-case.
        domain_name_lc: Option<String>,
        internal_email_lc: Option<String>,
        is_disabled: Option<bool>,
        /// 0 Read-Write, 1 Administrative, 2 Read, 3 Support User, 4 Non-interactive, 5 Delegated Admin.
        access_mode: Option<i64>,
        /// azureactivedirectoryobjectid (GUID).
        entra_object_id: Option<String>,
    }

    /// Copilot Studio agents (bots) of each Dataverse organization.
    PpBot => "pp_bots", source: "Dataverse GET {instanceUrl}/api/data/v9.2/bots" {
        tenant: String,
        environment_name: String,
        id: String,
        name: Option<String>,
        schema_name: Option<String>,
        /// statecode: 0 active, 1 inactive.
        state: Option<i64>,
    }

    /// Power Pages websites of each Dataverse organization.
    PpWebsite => "pp_websites", source: "Dataverse GET {instanceUrl}/api/data/v9.2/powerpagesites and /adx_websites" {
        tenant: String,
        environment_name: String,
        id: String,
        name: Option<String>,
        /// enhanced (powerpagesite) or standard (adx_website).
        data_model: String,
        state: Option<i64>,
    }

    /// Live token requests made for each migration identity (no offline
    /// source: written by the live collector, `auth/token-probes`).
    TokenProbe => "token_probes", source: "xtenant live collector: MSAL token request per tenant (auth/token-probes)" {
        tenant: String,
        /// UPN (lower-case) or application id of the identity probed.
        identity: String,
        /// Resource or scope asked for (https://management.azure.com/.default).
        resource: String,
        acquired: bool,
        /// AADSTS code of a failure (AADSTS50076, ...).
        error_code: Option<String>,
        error: Option<String>,
        /// `tid` claim of the token obtained.
        token_tenant_id: Option<String>,
        /// `exp` claim, RFC 3339.
        expires: Option<String>,
        probed_at: Option<String>,
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
