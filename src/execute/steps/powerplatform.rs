//! Power Platform environments (seed 002): the tenant-to-tenant move has no
//! publicly documented admin API, only the `Microsoft.PowerApps.Administration.PowerShell`
//! cmdlets. Every step is `manual`: `apply` stops at it and prints its
//! `powerplatform.ps1` section, with the exact cmdlets and parameters:
//! submit the request (source admin), approve it (target admin), generate
//! the storage SAS, upload the user mapping, prepare, migrate.

use super::Ctx;
use crate::error::InputError;
use crate::execute::plan::{PlanItem, Service, Step, Tenant};
use crate::execute::runbook::{ps_quote, Runbooks, POWERPLATFORM};
use crate::rules::readiness::ItemResult;

pub fn plan(
    ctx: &Ctx,
    items: &[&ItemResult],
    problems: &mut Vec<InputError>,
    notes: &mut Vec<String>,
    runbooks: &mut Runbooks,
) -> Vec<PlanItem> {
    // Mapped users move with their environment; they have no steps of their own.
    let (envs, others): (Vec<&&ItemResult>, Vec<&&ItemResult>) =
        items.iter().partition(|i| i.kind == "environment");
    if !others.is_empty() {
        notes.push(format!(
            "{} ready mapped user(s) have no steps of their own: they move with their environment (pp-upload-mapping)",
            others.len()
        ));
    }
    if envs.is_empty() {
        return Vec::new();
    }
    let Some(target) = ctx.target_tenant_id.clone() else {
        problems.push(ctx.config_error(
            "the target tenant id is unknown, and TenantToTenant-* cmdlets need it",
            "set [target] tenant_id",
        ));
        return Vec::new();
    };
    let Some(guest) = ctx.cfg.powerplatform.guest_admin_email.clone() else {
        problems.push(ctx.config_error(
            "[powerplatform] guest_admin_email is needed to migrate environments",
            "add guest_admin_email = \"<guest admin user in the target tenant>\" under [powerplatform] (TenantToTenant-MigratePowerAppEnvironment -GuestAdminUserEmail)",
        ));
        return Vec::new();
    };
    let mapping = ctx
        .cfg
        .powerplatform
        .user_mapping
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "usermapping.csv".into());
    runbooks.header(
        POWERPLATFORM,
        "# xtenant plan: Power Platform tenant-to-tenant environment migration.\n\
         # Each section is one manual step of the plan; run them in order, as the tenant its\n\
         # comment names, and check TenantToTenant-GetStatus before going on.\n\
         #Requires -Modules Microsoft.PowerApps.Administration.PowerShell, Az.Storage\n\
         $ErrorActionPreference = 'Stop'\n"
            .into(),
    );
    let mut out = Vec::new();
    for it in envs {
        let Some(env) = ctx
            .inv
            .pp_environments
            .iter()
            .find(|e| e.tenant == "source" && e.id == it.id)
        else {
            problems.push(ctx.data_error(it, "the environment is not in the snapshot"));
            continue;
        };
        let e = ps_quote(&env.name);
        let t = ps_quote(&target);
        let sections: [(&str, Tenant, String); 7] = [
            (
                "pp-submit-request",
                Tenant::Source,
                format!("# as the SOURCE tenant's Power Platform admin\nTenantToTenant-SubmitMigrationRequest -EnvironmentName {e} -TargetTenantID {t}\n"),
            ),
            (
                "pp-approve",
                Tenant::Target,
                format!("# as the TARGET tenant's Power Platform admin; enter the source environment id when asked: {}\nTenantToTenant-ApproveMigration\n", env.name),
            ),
            (
                "pp-generate-storage",
                Tenant::Source,
                format!("# as the SOURCE admin: a SAS URL for the user mapping file\n$sas = GenerateResourceStorage-PowerAppEnvironment -EnvironmentName {e}\n$SASUri = $sas.Internal.sharedAccessSignature\n$SASUri\n"),
            ),
            (
                "pp-upload-mapping",
                Tenant::Source,
                format!(
                    "# as the SOURCE admin, with $SASUri from pp-generate-storage\n$Uri = [System.Uri] $SASUri\n$storageAccountName = $Uri.DnsSafeHost.Split('.')[0]\n$container = $Uri.LocalPath.Substring(1)\n$storageContext = New-AzStorageContext -StorageAccountName $storageAccountName -SasToken $Uri.Query\nSet-AzStorageBlobContent -File {} -Container $container -Context $storageContext -Force\n",
                    ps_quote(&mapping)
                ),
            ),
            (
                "pp-prepare",
                Tenant::Source,
                format!("# as the SOURCE admin: validates every mapped user in the target; wait for Succeeded\nTenantToTenant-PrepareMigration -EnvironmentName {e} -TargetTenantId {t} -ReadOnlyUserMappingFileContainerUri $SASUri\nTenantToTenant-GetStatus -EnvironmentName {e}\n"),
            ),
            (
                "pp-migrate",
                Tenant::Source,
                format!("# as the SOURCE admin\nTenantToTenant-MigratePowerAppEnvironment -EnvironmentName {e} -TargetTenantId {t} -GuestAdminUserEmail {}\n", ps_quote(&guest)),
            ),
            (
                "pp-status",
                Tenant::Source,
                format!("# until it reports Migrate Environment: Succeeded\nTenantToTenant-GetStatus -EnvironmentName {e}\n"),
            ),
        ];
        let mut steps: Vec<Step> = Vec::new();
        for (action, tenant, text) in sections {
            let id = format!("{}/{action}", it.name);
            let runbook = runbooks.section(POWERPLATFORM, &id, text);
            steps.push(Step {
                after: steps.last().map(|s| vec![s.id.clone()]).unwrap_or_default(),
                id,
                action: action.to_string(),
                tenant,
                service: Service::Powerplatform,
                method: None,
                url: None,
                body: None,
                auxiliary_tenant: None,
                long_running: false,
                exists_check: None,
                manual: true,
                runbook: Some(runbook),
            });
        }
        out.push(PlanItem {
            item_id: it.id.clone(),
            workload: it.workload.clone(),
            kind: it.kind.clone(),
            name: it.name.clone(),
            rules: ctx.rules_for(&it.kind),
            steps,
        });
    }
    out
}
