//! Disks (seed 000): a full snapshot in the target subscription copied
//! straight from the source disk in one call (target tenant's token, the
//! source tenant's as auxiliary, in push and pull setups alike), then a disk
//! from the snapshot; optionally a VM from each OS disk with its data disks
//! and a new NIC (`[disk] create_vm`, `vm_subnet_id`), and optionally the
//! intermediate snapshot deleted in the target (`[disk] delete_snapshot`).
//!
//! Bodies follow the Compute specs' examples: Snapshots_CreateOrUpdate "Create
//! a snapshot by copying a disk" (`creationData.createOption = Copy`,
//! `sourceResourceId`), Disks_CreateOrUpdate "Create a managed disk from an
//! existing snapshot".

use super::{arm_exists, arm_url, step, Ctx, COMPUTE_API, NETWORK_API, VM_API};
use crate::error::InputError;
use crate::execute::plan::{PlanItem, Service, Step, Tenant};
use crate::inventory::Disk;
use crate::rules::readiness::ItemResult;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Snapshot names: 1–80 characters.
const MAX_NAME: usize = 80;

/// `xt-<first 8 hex of sha256(source disk id)>-<disk name>`, at most 80
/// characters and ending in a letter, digit or underscore as Azure requires.
/// The hash keeps two source disks of the same name apart.
pub fn snapshot_name(source_disk_id: &str, disk_name: &str) -> String {
    let h = hex::encode(Sha256::digest(source_disk_id.as_bytes()));
    let mut name = format!("xt-{}-{disk_name}", &h[..8]);
    if name.len() > MAX_NAME {
        let mut cut = MAX_NAME;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    while name.ends_with(['-', '.']) {
        name.pop();
    }
    name
}

struct Target {
    sub: String,
    rg: String,
}

fn target(ctx: &Ctx, problems: &mut Vec<InputError>) -> Option<Target> {
    let d = &ctx.cfg.disk;
    match (&d.target_subscription_id, &d.target_resource_group) {
        (Some(sub), Some(rg)) => Some(Target {
            sub: sub.trim().to_string(),
            rg: rg.trim().to_string(),
        }),
        _ => {
            problems.push(ctx.config_error(
                "[disk] target_subscription_id and target_resource_group are needed to plan disk copies",
                "add them under [disk]: the subscription and resource group in the target tenant the disks are copied to",
            ));
            None
        }
    }
}

pub fn plan(
    ctx: &Ctx,
    items: &[&ItemResult],
    problems: &mut Vec<InputError>,
    notes: &mut Vec<String>,
) -> Vec<PlanItem> {
    let Some(t) = target(ctx, problems) else {
        return Vec::new();
    };
    let disks: BTreeMap<&str, &Disk> = ctx
        .inv
        .disks
        .iter()
        .filter(|d| d.tenant == "source")
        .map(|d| (d.id.as_str(), d))
        .collect();
    let rg_id = format!("/subscriptions/{}/resourceGroups/{}", t.sub, t.rg);
    // The SKU DISK-014 judged: the same parameter, so the plan does what was assessed.
    let snapshot_sku = ctx
        .cfg
        .params
        .get("DISK-014")
        .and_then(|p| p.get("snapshot_sku"))
        .and_then(|v| v.as_str())
        .unwrap_or("Standard_LRS")
        .to_string();
    let mut out = Vec::new();
    // Ready disk id → (item index, id of its create-disk step, target disk id).
    let mut created: BTreeMap<String, (usize, String, String)> = BTreeMap::new();
    for it in items {
        let Some(d) = disks.get(it.id.as_str()) else {
            problems.push(ctx.data_error(it, "the disk is not in the snapshot's disks table"));
            continue;
        };
        let Some(location) = d.location.as_deref() else {
            problems.push(ctx.data_error(it, "the disk has no location"));
            continue;
        };
        let snap_name = snapshot_name(&d.id, &d.name);
        let snap_id = format!("{rg_id}/providers/Microsoft.Compute/snapshots/{snap_name}");
        let snap_url = arm_url(&ctx.arm, &snap_id, COMPUTE_API);
        let disk_id = format!("{rg_id}/providers/Microsoft.Compute/disks/{}", d.name);
        let disk_url = arm_url(&ctx.arm, &disk_id, COMPUTE_API);
        let mut steps = Vec::new();

        let mut s = step(
            format!("{}/snapshot", d.name),
            "create-snapshot",
            Service::Arm,
            "PUT",
            snap_url.clone(),
        );
        // A full (not incremental) copy in the source's region: the one-call
        // cross-tenant copy reads the source disk through the auxiliary token.
        s.body = Some(json!({
            "location": location,
            "sku": {"name": snapshot_sku},
            "properties": {
                "creationData": {
                    "createOption": "Copy",
                    "sourceResourceId": d.id_display,
                },
                "incremental": false,
            },
        }));
        s.auxiliary_tenant = Some(Tenant::Source);
        s.long_running = true;
        s.exists_check = Some(arm_exists(&snap_url));
        let snap_step = s.id.clone();
        steps.push(s);

        let mut s = step(
            format!("{}/disk", d.name),
            "create-disk",
            Service::Arm,
            "PUT",
            disk_url.clone(),
        );
        let mut props = json!({
            "creationData": {"createOption": "Copy", "sourceResourceId": snap_id},
        });
        if let Some(gb) = d.size_gb {
            props["diskSizeGB"] = gb.into();
        }
        if let Some(os) = &d.os_type {
            props["osType"] = os.clone().into();
        }
        if let Some(g) = &d.hyper_v_generation {
            props["hyperVGeneration"] = g.clone().into();
        }
        let mut body = json!({"location": location, "properties": props});
        if let Some(sku) = &d.sku {
            body["sku"] = json!({"name": sku});
        }
        if let Some(z) = &d.zone {
            body["zones"] = json!([z]);
        }
        s.body = Some(body);
        s.long_running = true;
        s.exists_check = Some(arm_exists(&disk_url));
        s.after = vec![snap_step.clone()];
        let disk_step = s.id.clone();
        steps.push(s);

        if ctx.cfg.disk.delete_snapshot {
            // In the target only, once the disk holds the data: the copy's
            // scaffolding, never anything of the source's.
            let mut s = step(
                format!("{}/delete-snapshot", d.name),
                "delete-snapshot",
                Service::Arm,
                "DELETE",
                snap_url,
            );
            s.long_running = true;
            s.after = vec![disk_step.clone()];
            steps.push(s);
        }
        created.insert(d.id.clone(), (out.len(), disk_step, disk_id));
        out.push(PlanItem {
            item_id: it.id.clone(),
            workload: it.workload.clone(),
            kind: it.kind.clone(),
            name: it.name.clone(),
            rules: ctx.rules_for(&it.kind),
            steps,
        });
    }
    if ctx.cfg.disk.create_vm {
        plan_vms(ctx, &rg_id, &created, &mut out, problems, notes);
    }
    out
}

/// A VM per ready OS disk whose VM's data disks are all ready too (a VM with
/// a disk missing would start without its data).
fn plan_vms(
    ctx: &Ctx,
    rg_id: &str,
    created: &BTreeMap<String, (usize, String, String)>,
    out: &mut [PlanItem],
    problems: &mut Vec<InputError>,
    notes: &mut Vec<String>,
) {
    let Some(subnet) = ctx.cfg.disk.vm_subnet_id.as_deref() else {
        problems.push(ctx.config_error(
            "[disk] create_vm = true needs vm_subnet_id",
            "add vm_subnet_id = \"/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/…/subnets/…\" (in the target tenant)",
        ));
        return;
    };
    for vm in ctx
        .inv
        .virtual_machines
        .iter()
        .filter(|v| v.tenant == "source")
    {
        let Some(os_disk) = vm.os_disk_id.as_deref() else {
            continue;
        };
        let Some((idx, os_step, os_target)) = created.get(os_disk) else {
            continue;
        };
        let mut data = Vec::new();
        let mut missing = Vec::new();
        for dd in ctx
            .inv
            .vm_data_disks
            .iter()
            .filter(|x| x.tenant == "source" && x.vm_id == vm.id)
        {
            match created.get(&dd.disk_id) {
                Some((_, step_id, target_id)) => data.push((dd.lun, step_id, target_id)),
                None => missing.push(dd.disk_id.rsplit('/').next().unwrap_or(&dd.disk_id)),
            }
        }
        if !missing.is_empty() {
            notes.push(format!(
                "VM {}: not planned because its data disks {} are not ready; its disks are copied without a VM",
                vm.name,
                missing.join(", ")
            ));
            continue;
        }
        let Some(location) = vm.location.as_deref() else {
            continue;
        };
        let item = &mut out[*idx];
        let nic_id = format!(
            "{rg_id}/providers/Microsoft.Network/networkInterfaces/{}-nic",
            vm.name
        );
        let nic_url = arm_url(&ctx.arm, &nic_id, NETWORK_API);
        let mut nic = step(
            format!("{}/nic", item.name),
            "create-nic",
            Service::Arm,
            "PUT",
            nic_url.clone(),
        );
        nic.body = Some(json!({
            "location": location,
            "properties": {"ipConfigurations": [{
                "name": "ipconfig1",
                "properties": {"subnet": {"id": subnet}, "privateIPAllocationMethod": "Dynamic"},
            }]},
        }));
        nic.long_running = true;
        nic.exists_check = Some(arm_exists(&nic_url));
        let vm_id = format!(
            "{rg_id}/providers/Microsoft.Compute/virtualMachines/{}",
            vm.name
        );
        let vm_url = arm_url(&ctx.arm, &vm_id, VM_API);
        let mut s = step(
            format!("{}/vm", item.name),
            "create-vm",
            Service::Arm,
            "PUT",
            vm_url.clone(),
        );
        let mut after = vec![os_step.clone(), nic.id.clone()];
        data.sort_by_key(|(lun, _, _)| *lun);
        let data_disks: Vec<Value> = data
            .iter()
            .map(|(lun, step_id, target_id)| {
                after.push((*step_id).clone());
                json!({"lun": lun.unwrap_or(0), "createOption": "Attach", "managedDisk": {"id": target_id}})
            })
            .collect();
        let mut body = json!({
            "location": location,
            "properties": {
                "hardwareProfile": {"vmSize": vm.vm_size},
                "storageProfile": {
                    "osDisk": {
                        "osType": vm.os_type,
                        "createOption": "Attach",
                        "managedDisk": {"id": os_target},
                    },
                    "dataDisks": data_disks,
                },
                "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"primary": true}}]},
            },
        });
        if let Some(z) = &vm.zone {
            body["zones"] = json!([z]);
        }
        s.body = Some(body);
        s.long_running = true;
        s.exists_check = Some(arm_exists(&vm_url));
        s.after = after;
        item.steps.push(nic);
        item.steps.push(s);
    }
}

/// Steps of this workload that copy a disk, for `--remediate` to put its
/// prerequisites before.
pub fn first_steps(items: &mut [PlanItem]) -> impl Iterator<Item = &mut Step> {
    items
        .iter_mut()
        .filter(|i| i.workload == "disk")
        .filter_map(|i| i.steps.iter_mut().find(|s| s.action == "create-snapshot"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_are_stable_bounded_and_valid() {
        let id = "/subscriptions/x/resourcegroups/rg/providers/microsoft.compute/disks/d1";
        let a = snapshot_name(id, "d1");
        assert_eq!(a, snapshot_name(id, "d1"));
        assert!(a.starts_with("xt-") && a.ends_with("-d1") && a.len() == 3 + 8 + 1 + 2);
        assert_ne!(a, snapshot_name(&id.replace("rg", "rg2"), "d1"));
        let long = format!("{}-.", "a".repeat(100));
        let n = snapshot_name(id, &long);
        assert!(n.len() <= MAX_NAME, "{}", n.len());
        assert!(!n.ends_with('-') && !n.ends_with('.'));
        let dashy = format!("{}--x", "b".repeat(67));
        let n = snapshot_name(id, &dashy);
        assert!(n.ends_with('b'), "{n}");
    }
}
