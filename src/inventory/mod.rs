//! The typed inventory of both tenants, its table schemas, and the derived
//! tables computed in Rust where SQL is the wrong tool.

pub mod derived;
pub mod records;
pub mod table;

use polars::prelude::*;
pub use records::*;
pub use table::{ColType, ColumnDef, Table, TableDef};

macro_rules! inventory {
    ($($field:ident : $ty:ty),* $(,)?) => {
        /// Every base table of both tenants; `tenant` on each row says which.
        #[derive(Debug, Default, Clone, PartialEq)]
        pub struct Inventory { $(pub $field: Vec<$ty>,)* }

        impl Inventory {
            pub fn table_defs() -> Vec<TableDef> { vec![$(<$ty as Table>::def()),*] }

            pub fn table_names() -> Vec<&'static str> { vec![$(<$ty as Table>::NAME),*] }

            pub fn frames(&self) -> PolarsResult<Vec<(&'static str, DataFrame)>> {
                Ok(vec![$((<$ty as Table>::NAME, <$ty as Table>::to_frame(&self.$field)?)),*])
            }

            /// Rebuild from frames; a table the callback does not have stays empty.
            pub fn from_frames(
                mut get: impl FnMut(&'static str) -> PolarsResult<Option<DataFrame>>,
            ) -> PolarsResult<Self> {
                let mut inv = Inventory::default();
                $(
                    if let Some(df) = get(<$ty as Table>::NAME)? {
                        inv.$field = <$ty as Table>::from_frame(&df)?;
                    }
                )*
                Ok(inv)
            }

            /// One table as a frame, built on demand so a writer can hold
            /// one table's columns at a time.
            pub fn frame_of(&self, name: &str) -> PolarsResult<Option<DataFrame>> {
                $(
                    if name == <$ty as Table>::NAME {
                        return <$ty as Table>::to_frame(&self.$field).map(Some);
                    }
                )*
                Ok(None)
            }

            pub fn counts(&self) -> Vec<(&'static str, usize)> {
                vec![$((<$ty as Table>::NAME, self.$field.len())),*]
            }

            pub fn extend(&mut self, other: Inventory) {
                $( self.$field.extend(other.$field); )*
            }
        }
    };
}

inventory! {
    tenants: Tenant,
    tenant_domains: TenantDomain,
    subscriptions: Subscription,
    subscription_management_groups: SubscriptionManagementGroup,
    resource_groups: ResourceGroup,
    disks: Disk,
    snapshots: Snapshot,
    virtual_machines: VirtualMachine,
    vm_data_disks: VmDataDisk,
    vm_extensions: VmExtension,
    vm_instance_views: VmInstanceView,
    resource_skus: ResourceSku,
    marketplace_agreements: MarketplaceAgreement,
    disk_encryption_sets: DiskEncryptionSet,
    registries: Registry,
    registry_replications: RegistryReplication,
    registry_private_endpoint_connections: RegistryPrivateEndpointConnection,
    registry_webhooks: RegistryWebhook,
    registry_scope_maps: RegistryScopeMap,
    registry_tokens: RegistryToken,
    repositories: Repository,
    registry_tags: RegistryTag,
    registry_manifests: RegistryManifest,
    registry_manifest_references: RegistryManifestReference,
    galleries: Gallery,
    gallery_sharing_groups: GallerySharingGroup,
    gallery_images: GalleryImage,
    gallery_image_versions: GalleryImageVersion,
    gallery_image_version_regions: GalleryImageVersionRegion,
    users: User,
    user_licenses: UserLicense,
    groups: Group,
    group_members: GroupMember,
    applications: Application,
    application_redirect_uris: ApplicationRedirectUri,
    application_required_access: ApplicationRequiredAccess,
    application_credentials: ApplicationCredential,
    cross_tenant_access_policies: CrossTenantAccessPolicy,
    cross_tenant_access_targets: CrossTenantAccessTarget,
    service_principals: ServicePrincipal,
    service_principal_app_roles: ServicePrincipalAppRole,
    app_role_assignments: AppRoleAssignment,
    subscribed_skus: SubscribedSku,
    subscribed_sku_plans: SubscribedSkuPlan,
    openid_configurations: OpenIdConfiguration,
    cross_tenant_migration_jobs: CrossTenantMigrationJob,
    role_definitions: RoleDefinition,
    role_definition_actions: RoleDefinitionAction,
    role_definition_scopes: RoleDefinitionScope,
    role_assignments: RoleAssignment,
    deny_assignments: DenyAssignment,
    deny_assignment_actions: DenyAssignmentAction,
    deny_assignment_principals: DenyAssignmentPrincipal,
    locks: Lock,
    resource_providers: ResourceProvider,
    policy_assignments: PolicyAssignment,
    policy_assignment_parameters: PolicyAssignmentParameter,
    directory_role_assignments: DirectoryRoleAssignment,
    resources: GenericResource,
    resource_user_identities: ResourceUserIdentity,
    key_vaults: KeyVault,
    sql_servers: SqlServer,
    storage_accounts: StorageAccount,
    resource_provider_locations: ResourceProviderLocation,
    mailboxes: Mailbox,
    mail_users: MailUser,
    proxy_addresses: ProxyAddress,
    mailbox_holds: MailboxHold,
    recipient_capabilities: RecipientCapability,
    mailbox_send_on_behalf: MailboxSendOnBehalf,
    organization_relationships: OrganizationRelationship,
    organization_relationship_domains: OrganizationRelationshipDomain,
    accepted_domains: AcceptedDomain,
    migration_endpoints: MigrationEndpoint,
    distribution_group_members: DistributionGroupMember,
    distribution_groups: DistributionGroup,
    organization_configs: OrganizationConfig,
    mailbox_statistics: MailboxStatistic,
    mailbox_folder_statistics: MailboxFolderStatistic,
    mailbox_hold_tracking: MailboxHoldTracking,
    mailbox_permissions: MailboxPermission,
    move_requests: MoveRequest,
    migration_users: MigrationUser,
    exchange_users: ExchangeUser,
    migration_server_tests: MigrationServerTest,
    management_role_assignments: ManagementRoleAssignment,
    management_role_entries: ManagementRoleEntry,
    pp_environments: PpEnvironment,
    token_probes: TokenProbe,
    pp_environment_policies: PpEnvironmentPolicy,
    pp_environment_capacity: PpEnvironmentCapacity,
    pp_tenant_capacity: PpTenantCapacity,
    pp_t2t_migrations: PpT2tMigration,
    pp_flows: PpFlow,
    pp_apps: PpApp,
    pp_connections: PpConnection,
    pp_custom_connectors: PpCustomConnector,
    pp_solutions: PpSolution,
    pp_system_users: PpSystemUser,
    pp_bots: PpBot,
    pp_websites: PpWebsite,
    user_mapping: UserMappingRow,
    migration_batch: MigrationBatchRow,
    user_file_issues: UserFileIssue,
}
