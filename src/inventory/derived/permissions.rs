//! Effective Azure RBAC permissions of a principal at a scope, evaluated
//! offline from the inventory the way ARM does it: role assignments of the
//! principal and of every group it belongs to (transitively) at the scope or
//! any ancestor, including the management groups above the subscription and
//! the root `/`; an action is granted by a role when one of its `actions`
//! matches and none of that same role's `notActions` does; deny assignments
//! then override any grant.
//!
//! Rules ask "may this identity do X here?" for thousands of (identity, scope,
//! action) triples, so the [`Evaluator`] is built once and indexes assignments
//! by (principal, exact scope): a query looks up each ancestor of its scope for
//! each of the principal's groups, a dozen or so hash probes, whatever the
//! number of assignments.

// foldhash, not SipHash: the evaluator hashes u32 pairs millions of times per
// run and no key comes from an adversary who could force collisions.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::inventory::Inventory;
use crate::normalize::canonical_id;

/// The principal id deny assignments use for "Everyone". The parser must keep
/// it as is here (not null it as other zero GUIDs are), or such denies are lost.
pub const EVERYONE: &str = "00000000-0000-0000-0000-000000000000";

const MG_PREFIX: &str = "/providers/microsoft.management/managementgroups/";

/// One question: may `principal_id` of `tenant` perform `action` at `scope`?
#[derive(Debug, Clone, Copy)]
pub struct PermissionQuery<'a> {
    /// `source` or `target`, as on inventory rows.
    pub tenant: &'a str,
    pub principal_id: &'a str,
    /// An ARM id or scope; normalised with `canonical_id`.
    pub scope: &'a str,
    /// An action (`Microsoft.Compute/disks/read`), any case.
    pub action: &'a str,
}

/// The answer, with the evidence a finding needs to say why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionAnswer {
    /// Some applicable role assignment grants the action.
    pub granted: bool,
    /// Some applicable deny assignment blocks the action.
    pub denied: bool,
    /// `granted && !denied`.
    pub allowed: bool,
    /// Names (or ids, when the definition has no name) of the granting roles, sorted.
    pub via_roles: Vec<String>,
    /// Scopes of the granting assignments, sorted.
    pub via_assignment_scopes: Vec<String>,
    /// Ids of the granting role assignments, sorted.
    pub via_assignments: Vec<String>,
    /// Ids of the deny assignments that block the action, sorted.
    pub denied_by: Vec<String>,
    /// The grant rests only on assignments with an ABAC condition, which this
    /// evaluator does not evaluate: it may not hold. False when any granting
    /// assignment is unconditional.
    pub conditional: bool,
    /// Role ids of applicable assignments whose definition is not in the
    /// inventory: those could grant the action, so a "not granted" is unsure.
    pub unresolved_roles: Vec<String>,
}

/// Control-plane actions are checked against `actions`/`notActions`,
/// data-plane actions against `dataActions`/`notDataActions`; ARM never mixes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    Control,
    Data,
}

/// Whether an action pattern (`*`, `Microsoft.Compute/*`, `*/read`,
/// `Microsoft.Compute/disks/*/action`) matches an action, case-insensitively.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    Pattern::compile(pattern).matches(&action.trim().to_lowercase())
}

/// An action pattern, lower-cased and split at its `*`s once, at build time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Any,
    Exact(Box<str>),
    /// `first*middle[0]*...*last`; the middle parts are non-empty.
    Glob {
        first: Box<str>,
        middle: Vec<Box<str>>,
        last: Box<str>,
    },
}

impl Pattern {
    fn compile(pattern: &str) -> Self {
        let p = pattern.trim().to_lowercase();
        if !p.contains('*') {
            return Pattern::Exact(p.into());
        }
        let parts: Vec<&str> = p.split('*').collect();
        if parts.iter().all(|s| s.is_empty()) {
            return Pattern::Any;
        }
        let (first, last) = (parts[0], parts[parts.len() - 1]);
        let middle = parts[1..parts.len() - 1]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| Box::from(*s))
            .collect();
        Pattern::Glob {
            first: first.into(),
            middle,
            last: last.into(),
        }
    }

    /// `action` must already be lower-case.
    fn matches(&self, action: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(e) => **e == *action,
            Pattern::Glob {
                first,
                middle,
                last,
            } => {
                if action.len() < first.len() + last.len()
                    || !action.starts_with(&**first)
                    || !action.ends_with(&**last)
                {
                    return false;
                }
                // Leftmost matching of each middle part is optimal for `*`-only globs.
                let mut rest = &action[first.len()..action.len() - last.len()];
                for part in middle {
                    match rest.find(&**part) {
                        Some(i) => rest = &rest[i + part.len()..],
                        None => return false,
                    }
                }
                true
            }
        }
    }
}

/// The four permission lists of a role definition or a deny assignment.
#[derive(Debug, Default, Clone)]
struct PermissionSet {
    actions: Vec<Pattern>,
    not_actions: Vec<Pattern>,
    data_actions: Vec<Pattern>,
    not_data_actions: Vec<Pattern>,
}

impl PermissionSet {
    fn add(&mut self, kind: &str, pattern: &str) {
        let list = match kind.trim().to_ascii_lowercase().as_str() {
            "actions" => &mut self.actions,
            "notactions" => &mut self.not_actions,
            "dataactions" => &mut self.data_actions,
            "notdataactions" => &mut self.not_data_actions,
            // Not a permission list ARM knows: it grants and denies nothing.
            _ => return,
        };
        let p = Pattern::compile(pattern);
        if !list.contains(&p) {
            list.push(p);
        }
    }

    /// Within one set, the `not` list subtracts from the positive list.
    fn covers(&self, plane: Plane, action: &str) -> bool {
        let (include, exclude) = match plane {
            Plane::Control => (&self.actions, &self.not_actions),
            Plane::Data => (&self.data_actions, &self.not_data_actions),
        };
        include.iter().any(|p| p.matches(action)) && !exclude.iter().any(|p| p.matches(action))
    }
}

/// Strings of one tenant (principal ids, scopes) as dense numbers, so indexes
/// key on `(u32, u32)` and queries probe without allocating.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

#[derive(Debug)]
struct Role {
    label: String,
    perms: PermissionSet,
}

#[derive(Debug)]
struct Assignment {
    id: Box<str>,
    scope: u32,
    role_id: Box<str>,
    /// Index into `TenantIndex::roles`; `None` when the definition is missing.
    role: Option<u32>,
    conditional: bool,
}

/// An assignment with its (principal, scope) key, before the index is sorted.
type KeyedAssignment = ((u32, u32), Assignment);

#[derive(Debug)]
struct Deny {
    id: Box<str>,
    scope: u32,
    /// `doNotApplyToChildScopes`: the deny holds at its own scope only.
    exact_only: bool,
    perms: PermissionSet,
    excluded: HashSet<u32>,
}

/// Everything about one tenant, indexed for queries.
#[derive(Debug, Default)]
struct TenantIndex {
    syms: Interner,
    roles: Vec<Role>,
    role_by_id: HashMap<String, u32>,
    /// Sorted by (principal, scope); `assignment_ranges` points into it.
    assignments: Vec<Assignment>,
    assignment_ranges: HashMap<(u32, u32), (usize, usize)>,
    denies: Vec<Deny>,
    /// (listed principal, deny scope) -> denies.
    deny_index: HashMap<(u32, u32), Vec<u32>>,
    /// Member -> groups it is a direct member of.
    parents: HashMap<u32, Vec<u32>>,
    /// Subscription GUID -> management groups above it (scope symbols).
    subscription_mgs: HashMap<String, Vec<u32>>,
    /// Management group -> its parent management groups.
    mg_parents: HashMap<u32, Vec<u32>>,
}

/// Effective-permission evaluator over both tenants of an inventory.
#[derive(Debug, Default)]
pub struct Evaluator {
    tenants: HashMap<String, TenantIndex>,
}

impl Evaluator {
    pub fn new(inv: &Inventory) -> Self {
        let mut tenants: HashMap<String, TenantIndex> = HashMap::new();
        // The same definition is listed once per subscription: the first name wins.
        for d in &inv.role_definitions {
            let t = tenants.entry(d.tenant.clone()).or_default();
            let role = t.role_mut(&d.role_id);
            if let (true, Some(name)) = (role.label == d.role_id, d.role_name.as_deref()) {
                role.label = name.to_string();
            }
        }
        for a in &inv.role_definition_actions {
            let t = tenants.entry(a.tenant.clone()).or_default();
            t.role_mut(&a.role_id).perms.add(&a.kind, &a.pattern);
        }
        let mut keyed: HashMap<String, Vec<KeyedAssignment>> = HashMap::new();
        for a in &inv.role_assignments {
            let t = tenants.entry(a.tenant.clone()).or_default();
            let role = t.role_by_id.get(&a.role_id).copied();
            let principal = t.syms.intern(&a.principal_id);
            let scope = t.syms.intern(&canonical_id(&a.scope));
            let assignment = Assignment {
                id: a.id.as_str().into(),
                scope,
                role_id: a.role_id.as_str().into(),
                role,
                conditional: a.condition.as_deref().is_some_and(|c| !c.trim().is_empty()),
            };
            keyed
                .entry(a.tenant.clone())
                .or_default()
                .push(((principal, scope), assignment));
        }
        for (tenant, rows) in keyed {
            tenants.entry(tenant).or_default().set_assignments(rows);
        }
        index_denies(inv, &mut tenants);
        for m in &inv.group_members {
            let t = tenants.entry(m.tenant.clone()).or_default();
            let (member, group) = (t.syms.intern(&m.member_id), t.syms.intern(&m.group_id));
            let groups = t.parents.entry(member).or_default();
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        index_management_groups(inv, &mut tenants);
        Evaluator { tenants }
    }

    /// Control-plane check (`actions` / `notActions`).
    pub fn check(&self, q: &PermissionQuery) -> PermissionAnswer {
        self.evaluate(q, Plane::Control)
    }

    /// Data-plane check (`dataActions` / `notDataActions`).
    pub fn check_data(&self, q: &PermissionQuery) -> PermissionAnswer {
        self.evaluate(q, Plane::Data)
    }

    pub fn evaluate(&self, q: &PermissionQuery, plane: Plane) -> PermissionAnswer {
        let Some(t) = self.tenants.get(q.tenant) else {
            return PermissionAnswer::default();
        };
        let principal = q.principal_id.trim().to_lowercase();
        let scope = canonical_id(q.scope);
        let action = q.action.trim().to_lowercase();
        let principals = t.principal_closure(&principal);
        let scopes = t.applicable_scopes(&scope);

        let mut ans = PermissionAnswer::default();
        let mut unconditional = false;
        for key in principals
            .iter()
            .flat_map(|&p| scopes.iter().map(move |&(s, _)| (p, s)))
        {
            let Some(&(start, end)) = t.assignment_ranges.get(&key) else {
                continue;
            };
            for a in &t.assignments[start..end] {
                let Some(r) = a.role else {
                    ans.unresolved_roles.push(a.role_id.to_string());
                    continue;
                };
                let role = &t.roles[r as usize];
                if role.perms.covers(plane, &action) {
                    unconditional |= !a.conditional;
                    ans.via_roles.push(role.label.clone());
                    ans.via_assignment_scopes
                        .push(t.syms.name(a.scope).to_string());
                    ans.via_assignments.push(a.id.to_string());
                }
            }
        }
        ans.granted = !ans.via_assignments.is_empty();
        ans.conditional = ans.granted && !unconditional;
        ans.denied_by = t.denies_for(&principals, &scopes, plane, &action);
        ans.denied = !ans.denied_by.is_empty();
        ans.allowed = ans.granted && !ans.denied;
        for v in [
            &mut ans.via_roles,
            &mut ans.via_assignment_scopes,
            &mut ans.via_assignments,
            &mut ans.unresolved_roles,
        ] {
            v.sort();
            v.dedup();
        }
        ans
    }

    /// The principal followed by every group it belongs to, directly or
    /// through nested groups.
    pub fn principals_of(&self, tenant: &str, principal_id: &str) -> Vec<String> {
        let principal = principal_id.trim().to_lowercase();
        match self.tenants.get(tenant) {
            Some(t) if t.syms.get(&principal).is_some() => t
                .principal_closure(&principal)
                .into_iter()
                .map(|p| t.syms.name(p).to_string())
                .collect(),
            _ => vec![principal],
        }
    }
}

impl TenantIndex {
    fn role_mut(&mut self, role_id: &str) -> &mut Role {
        let i = match self.role_by_id.get(role_id) {
            Some(&i) => i,
            None => {
                self.roles.push(Role {
                    label: role_id.to_string(),
                    perms: PermissionSet::default(),
                });
                let i = (self.roles.len() - 1) as u32;
                self.role_by_id.insert(role_id.to_string(), i);
                i
            }
        };
        &mut self.roles[i as usize]
    }

    fn set_assignments(&mut self, mut rows: Vec<KeyedAssignment>) {
        rows.sort_by_key(|r| r.0);
        self.assignments.reserve(rows.len());
        let mut start = self.assignments.len();
        for chunk in rows.chunk_by(|a, b| a.0 == b.0) {
            self.assignment_ranges
                .insert(chunk[0].0, (start, start + chunk.len()));
            start += chunk.len();
        }
        self.assignments.extend(rows.into_iter().map(|r| r.1));
    }

    /// Breadth-first over group memberships; the visited set makes cycles harmless.
    fn principal_closure(&self, principal: &str) -> Vec<u32> {
        let Some(start) = self.syms.get(principal) else {
            return Vec::new();
        };
        let mut out = vec![start];
        let mut seen: HashSet<u32> = HashSet::from_iter([start]);
        let mut i = 0;
        while i < out.len() {
            for &g in self.parents.get(&out[i]).map_or(&[][..], Vec::as_slice) {
                if seen.insert(g) {
                    out.push(g);
                }
            }
            i += 1;
        }
        out
    }

    /// Known scopes whose assignments reach `scope` (canonical), each with
    /// whether it is `scope` itself: every segment prefix of it (the same
    /// relation as `normalize::scope_contains`), the root, and the management
    /// groups above its subscription or management group.
    fn applicable_scopes(&self, scope: &str) -> Vec<(u32, bool)> {
        let mut out: Vec<(u32, bool)> = Vec::new();
        let mut push = |s: Option<u32>, exact: bool| {
            if let Some(s) = s {
                if !out.iter().any(|&(o, _)| o == s) {
                    out.push((s, exact));
                }
            }
        };
        push(self.syms.get(scope), true);
        push(self.syms.get("/"), scope == "/");
        for (i, _) in scope.match_indices('/').skip(1) {
            push(self.syms.get(&scope[..i]), false);
        }
        for mg in self.management_groups_above(scope) {
            push(Some(mg), false);
        }
        out
    }

    fn management_groups_above(&self, scope: &str) -> Vec<u32> {
        if let Some(rest) = scope.strip_prefix("/subscriptions/") {
            let sub = rest.split('/').next().unwrap_or_default();
            return self.subscription_mgs.get(sub).cloned().unwrap_or_default();
        }
        let Some(rest) = scope.strip_prefix(MG_PREFIX) else {
            return Vec::new();
        };
        let name = rest.split('/').next().unwrap_or_default();
        let Some(start) = self.syms.get(&format!("{MG_PREFIX}{name}")) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut seen = HashSet::from_iter([start]);
        let mut stack = vec![start];
        while let Some(mg) = stack.pop() {
            for &p in self.mg_parents.get(&mg).map_or(&[][..], Vec::as_slice) {
                if seen.insert(p) {
                    out.push(p);
                    stack.push(p);
                }
            }
        }
        out
    }

    fn denies_for(
        &self,
        principals: &[u32],
        scopes: &[(u32, bool)],
        plane: Plane,
        action: &str,
    ) -> Vec<String> {
        let everyone = self.syms.get(EVERYONE);
        let mut out: Vec<String> = Vec::new();
        for &p in principals.iter().chain(everyone.iter()) {
            for &(s, exact) in scopes {
                for &d in self.deny_index.get(&(p, s)).map_or(&[][..], Vec::as_slice) {
                    let deny = &self.denies[d as usize];
                    let exempt = principals
                        .iter()
                        .chain(everyone.iter())
                        .any(|x| deny.excluded.contains(x));
                    if (exact || !deny.exact_only) && !exempt && deny.perms.covers(plane, action) {
                        out.push(deny.id.to_string());
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

fn index_denies(inv: &Inventory, tenants: &mut HashMap<String, TenantIndex>) {
    let mut by_id: HashMap<(&str, &str), u32> = HashMap::new();
    for d in &inv.deny_assignments {
        let t = tenants.entry(d.tenant.clone()).or_default();
        let scope = t.syms.intern(&canonical_id(&d.scope));
        t.denies.push(Deny {
            id: d.id.as_str().into(),
            scope,
            exact_only: d.does_not_apply_to_child_scopes.unwrap_or(false),
            perms: PermissionSet::default(),
            excluded: HashSet::new(),
        });
        by_id.insert((&d.tenant, &d.id), (t.denies.len() - 1) as u32);
    }
    for a in &inv.deny_assignment_actions {
        if let (Some(&i), Some(t)) = (
            by_id.get(&(&*a.tenant, &*a.deny_id)),
            tenants.get_mut(&a.tenant),
        ) {
            t.denies[i as usize].perms.add(&a.kind, &a.pattern);
        }
    }
    for p in &inv.deny_assignment_principals {
        let (Some(&i), Some(t)) = (
            by_id.get(&(&*p.tenant, &*p.deny_id)),
            tenants.get_mut(&p.tenant),
        ) else {
            continue;
        };
        let principal = t.syms.intern(&p.principal_id);
        let deny = &mut t.denies[i as usize];
        if p.excluded {
            deny.excluded.insert(principal);
        } else {
            let list = t.deny_index.entry((principal, deny.scope)).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
    }
}

fn index_management_groups(inv: &Inventory, tenants: &mut HashMap<String, TenantIndex>) {
    let mut chains: HashMap<(&str, &str), Vec<(i64, &str)>> = HashMap::new();
    for r in &inv.subscription_management_groups {
        chains
            .entry((&r.tenant, &r.subscription_id))
            .or_default()
            .push((r.depth, &r.management_group_id));
    }
    for ((tenant, sub), mut chain) in chains {
        chain.sort();
        let t = tenants.entry(tenant.to_string()).or_default();
        let syms: Vec<u32> = chain
            .iter()
            .map(|(_, mg)| t.syms.intern(&canonical_id(mg)))
            .collect();
        // Consecutive depths are child and parent, which gives the ancestry
        // of a management group itself when it is the queried scope.
        for i in 1..chain.len() {
            let (child, parent) = (syms[i - 1], syms[i]);
            if chain[i].0 == chain[i - 1].0 + 1 && child != parent {
                let parents = t.mg_parents.entry(child).or_default();
                if !parents.contains(&parent) {
                    parents.push(parent);
                }
            }
        }
        let sub = sub.trim().to_lowercase();
        let sub = sub
            .strip_prefix("/subscriptions/")
            .unwrap_or(&sub)
            .to_string();
        let list = t.subscription_mgs.entry(sub).or_default();
        for s in syms {
            if !list.contains(&s) {
                list.push(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{
        DenyAssignment, DenyAssignmentAction, DenyAssignmentPrincipal, GroupMember, RoleAssignment,
        RoleDefinition, RoleDefinitionAction, SubscriptionManagementGroup,
    };
    use crate::normalize::scope_contains;

    const SUB_A: &str = "/subscriptions/a";
    const RG1: &str = "/subscriptions/a/resourcegroups/rg1";
    const DISK1: &str = "/subscriptions/a/resourcegroups/rg1/providers/microsoft.compute/disks/d1";
    const DISK2: &str = "/subscriptions/a/resourcegroups/rg1/providers/microsoft.compute/disks/d2";
    const READ: &str = "Microsoft.Compute/disks/read";
    const WRITE: &str = "Microsoft.Compute/disks/write";
    const GET_ACCESS: &str = "Microsoft.Compute/disks/beginGetAccess/action";
    const RA_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";

    /// Builds an inventory row by row from the record structs.
    #[derive(Default)]
    struct Fixture {
        inv: Inventory,
    }

    impl Fixture {
        fn role_in(
            mut self,
            tenant: &str,
            id: &str,
            name: &str,
            kinds: &[(&str, &[&str])],
        ) -> Self {
            self.inv.role_definitions.push(RoleDefinition {
                tenant: tenant.into(),
                id: format!("/providers/microsoft.authorization/roledefinitions/{id}"),
                role_id: id.into(),
                role_name: Some(name.into()),
                ..Default::default()
            });
            for (kind, patterns) in kinds {
                for p in *patterns {
                    self.inv.role_definition_actions.push(RoleDefinitionAction {
                        tenant: tenant.into(),
                        role_id: id.into(),
                        kind: (*kind).into(),
                        pattern: p.to_lowercase(),
                    });
                }
            }
            self
        }

        fn role(self, id: &str, name: &str, actions: &[&str], not_actions: &[&str]) -> Self {
            self.role_in(
                "source",
                id,
                name,
                &[("actions", actions), ("notActions", not_actions)],
            )
        }

        fn assign_in(
            mut self,
            tenant: &str,
            id: &str,
            scope: &str,
            role: &str,
            principal: &str,
            condition: Option<&str>,
        ) -> Self {
            self.inv.role_assignments.push(RoleAssignment {
                tenant: tenant.into(),
                id: id.into(),
                scope: scope.into(),
                role_id: role.into(),
                principal_id: principal.into(),
                principal_type: None,
                condition: condition.map(Into::into),
            });
            self
        }

        fn assign(self, id: &str, scope: &str, role: &str, principal: &str) -> Self {
            self.assign_in("source", id, scope, role, principal, None)
        }

        fn member(mut self, group: &str, member: &str) -> Self {
            self.inv.group_members.push(GroupMember {
                tenant: "source".into(),
                group_id: group.into(),
                member_id: member.into(),
                member_type: None,
            });
            self
        }

        /// `chain` lists the management groups above `sub`, nearest first.
        fn ancestry(mut self, sub: &str, chain: &[&str]) -> Self {
            for (i, mg) in chain.iter().enumerate() {
                self.inv
                    .subscription_management_groups
                    .push(SubscriptionManagementGroup {
                        tenant: "source".into(),
                        subscription_id: sub.into(),
                        management_group_id: format!("{MG_PREFIX}{mg}"),
                        depth: i as i64 + 1,
                    });
            }
            self
        }

        #[allow(clippy::too_many_arguments)]
        fn deny(
            mut self,
            id: &str,
            scope: &str,
            exact_only: bool,
            actions: &[&str],
            not_actions: &[&str],
            principals: &[&str],
            excluded: &[&str],
        ) -> Self {
            let t = || "source".to_string();
            self.inv.deny_assignments.push(DenyAssignment {
                tenant: t(),
                id: id.into(),
                name: None,
                scope: scope.into(),
                does_not_apply_to_child_scopes: Some(exact_only),
                is_system_protected: Some(true),
            });
            for (kind, list) in [("actions", actions), ("notActions", not_actions)] {
                for p in list {
                    self.inv.deny_assignment_actions.push(DenyAssignmentAction {
                        tenant: t(),
                        deny_id: id.into(),
                        kind: kind.into(),
                        pattern: p.to_lowercase(),
                    });
                }
            }
            for (excl, list) in [(false, principals), (true, excluded)] {
                for p in list {
                    self.inv
                        .deny_assignment_principals
                        .push(DenyAssignmentPrincipal {
                            tenant: t(),
                            deny_id: id.into(),
                            principal_id: (*p).into(),
                            principal_type: None,
                            excluded: excl,
                        });
                }
            }
            self
        }

        fn eval(&self) -> Evaluator {
            Evaluator::new(&self.inv)
        }
    }

    fn q<'a>(principal: &'a str, scope: &'a str, action: &'a str) -> PermissionQuery<'a> {
        PermissionQuery {
            tenant: "source",
            principal_id: principal,
            scope,
            action,
        }
    }

    fn allowed(e: &Evaluator, principal: &str, scope: &str, action: &str) -> bool {
        e.check(&q(principal, scope, action)).allowed
    }

    /// Contributor-like: everything but authorization writes.
    fn contributor(f: Fixture) -> Fixture {
        f.role(
            "c0",
            "Contributor",
            &["*"],
            &[
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/*/Delete",
            ],
        )
    }

    #[test]
    fn wildcard_forms() {
        let yes = [
            ("*", "Microsoft.Compute/disks/read"),
            ("Microsoft.Compute/*", "microsoft.compute/disks/read"),
            (
                "microsoft.compute/*",
                "Microsoft.Compute/virtualMachines/start/action",
            ),
            ("*/read", "Microsoft.Storage/storageAccounts/read"),
            ("Microsoft.Compute/disks/*/action", GET_ACCESS),
            (
                "MICROSOFT.COMPUTE/DISKS/READ",
                "microsoft.compute/disks/read",
            ),
            ("Microsoft.*/disks/*/action", GET_ACCESS),
            ("**", "x"),
        ];
        for (p, a) in yes {
            assert!(action_matches(p, a), "{p} should match {a}");
        }
        let no = [
            ("Microsoft.Compute/*", "Microsoft.ComputeSchedule/x/read"),
            ("*/read", "Microsoft.Compute/disks/write"),
            ("*/read", "Microsoft.Compute/disks/readx"),
            (
                "Microsoft.Compute/disks/*/action",
                "Microsoft.Compute/disks/read",
            ),
            (
                "Microsoft.Compute/disks/*/action",
                "Microsoft.Compute/snapshots/beginGetAccess/action",
            ),
            (
                "Microsoft.Compute/disks/read",
                "Microsoft.Compute/disks/read/more",
            ),
            // The two literal ends must not overlap in a short action.
            ("ab*ba", "aba"),
            ("a*b*c", "acb"),
        ];
        for (p, a) in no {
            assert!(!action_matches(p, a), "{p} should not match {a}");
        }
    }

    #[test]
    fn not_actions_subtract_within_a_role() {
        let e = contributor(Fixture::default())
            .assign("ra1", SUB_A, "c0", "u1")
            .eval();
        assert!(allowed(&e, "u1", DISK1, WRITE));
        assert!(!allowed(&e, "u1", DISK1, RA_WRITE));
        let a = e.check(&q("u1", DISK1, RA_WRITE));
        assert!(!a.granted && a.via_roles.is_empty());
    }

    #[test]
    fn not_actions_do_not_subtract_across_roles() {
        let e = contributor(Fixture::default())
            .role(
                "uaa",
                "User Access Administrator",
                &["*/read", "Microsoft.Authorization/*"],
                &[],
            )
            .assign("ra1", SUB_A, "c0", "u1")
            .assign("ra2", RG1, "uaa", "u1")
            .eval();
        let a = e.check(&q("u1", DISK1, RA_WRITE));
        assert!(a.allowed);
        assert_eq!(a.via_roles, ["User Access Administrator"]);
        assert_eq!(a.via_assignment_scopes, [RG1]);
        assert_eq!(a.via_assignments, ["ra2"]);
        // Outside the UAA scope Contributor's notActions still hold.
        assert!(!allowed(
            &e,
            "u1",
            "/subscriptions/a/resourcegroups/rg2",
            RA_WRITE
        ));
        let both = e.check(&q("u1", DISK1, READ));
        assert_eq!(both.via_roles, ["Contributor", "User Access Administrator"]);
    }

    #[test]
    fn inheritance_from_subscription_and_resource_group() {
        let e = Fixture::default()
            .role("r", "Reader", &["*/read"], &[])
            .assign("sub", SUB_A, "r", "u-sub")
            .assign("rg", RG1, "r", "u-rg")
            .eval();
        for scope in [SUB_A, RG1, DISK1] {
            assert!(allowed(&e, "u-sub", scope, READ), "{scope}");
        }
        assert!(!allowed(&e, "u-rg", SUB_A, READ));
        assert!(allowed(&e, "u-rg", RG1, READ));
        assert!(allowed(&e, "u-rg", DISK1, READ));
        assert!(!allowed(
            &e,
            "u-rg",
            "/subscriptions/a/resourcegroups/rg2/providers/microsoft.compute/disks/d1",
            READ
        ));
        assert!(!allowed(&e, "u-sub", "/subscriptions/b", READ));
    }

    #[test]
    fn inheritance_from_management_groups_and_root() {
        let e = Fixture::default()
            .role("r", "Reader", &["*/read"], &[])
            .ancestry("a", &["child", "parent", "tenantroot"])
            .ancestry("b", &["other", "tenantroot"])
            .assign("mg", &format!("{MG_PREFIX}parent"), "r", "u-mg")
            .assign("root", "/", "r", "u-root")
            .eval();
        let a = e.check(&q("u-mg", DISK1, READ));
        assert!(a.allowed);
        assert_eq!(a.via_assignment_scopes, [format!("{MG_PREFIX}parent")]);
        assert!(!allowed(
            &e,
            "u-mg",
            "/subscriptions/b/resourcegroups/rg1",
            READ
        ));
        assert!(!allowed(&e, "u-mg", "/subscriptions/unknown", READ));
        // A management group below the assignment's one inherits it too.
        assert!(allowed(&e, "u-mg", &format!("{MG_PREFIX}child"), READ));
        assert!(!allowed(
            &e,
            "u-mg",
            &format!("{MG_PREFIX}tenantroot"),
            READ
        ));
        for scope in [
            DISK1,
            "/subscriptions/b",
            "/subscriptions/zzz",
            "/",
            &format!("{MG_PREFIX}other"),
        ] {
            assert!(allowed(&e, "u-root", scope, READ), "{scope}");
        }
    }

    #[test]
    fn scopes_are_segment_aware() {
        let e = Fixture::default()
            .role("r", "Reader", &["*/read"], &[])
            .assign("ra1", SUB_A, "r", "u1")
            .assign("ra2", RG1, "r", "u2")
            .eval();
        assert!(!allowed(&e, "u1", "/subscriptions/ab", READ));
        assert!(!allowed(
            &e,
            "u1",
            "/subscriptions/ab/resourcegroups/rg1",
            READ
        ));
        assert!(!allowed(
            &e,
            "u2",
            "/subscriptions/a/resourcegroups/rg10",
            READ
        ));
        assert!(allowed(
            &e,
            "u2",
            "/subscriptions/a/resourcegroups/rg1/x",
            READ
        ));
    }

    #[test]
    fn applicable_scopes_agree_with_scope_contains() {
        let scopes = [
            "/",
            SUB_A,
            "/subscriptions/ab",
            RG1,
            "/subscriptions/a/resourcegroups/rg10",
            DISK1,
            DISK2,
        ];
        let mut f = Fixture::default().role("r", "Reader", &["*/read"], &[]);
        for (i, s) in scopes.iter().enumerate() {
            f = f.assign(&format!("ra{i}"), s, "r", "u");
        }
        let e = f.eval();
        let t = &e.tenants["source"];
        for query in scopes {
            let mut got: Vec<&str> = t
                .applicable_scopes(query)
                .iter()
                .map(|&(s, _)| t.syms.name(s))
                .filter(|s| scopes.contains(s))
                .collect();
            let mut want: Vec<&str> = scopes
                .iter()
                .copied()
                .filter(|s| scope_contains(s, query))
                .collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "query {query}");
        }
    }

    #[test]
    fn nested_groups_with_a_cycle() {
        let e = Fixture::default()
            .role("r", "Reader", &["*/read"], &[])
            .member("g1", "u1")
            .member("g2", "g1")
            .member("g3", "g2")
            .member("g1", "g3")
            .member("g9", "someone-else")
            .assign("ra", RG1, "r", "g3")
            .eval();
        let a = e.check(&q("u1", DISK1, READ));
        assert!(a.allowed);
        assert_eq!(a.via_assignments, ["ra"]);
        assert_eq!(e.principals_of("source", "u1"), ["u1", "g1", "g2", "g3"]);
        assert_eq!(e.principals_of("source", "g3"), ["g3", "g1", "g2"]);
        assert_eq!(e.principals_of("source", "nobody"), ["nobody"]);
        assert!(!allowed(&e, "someone-else", DISK1, READ));
    }

    #[test]
    fn deny_for_everyone_with_exclusions() {
        let e = Fixture::default()
            .role("o", "Owner", &["*"], &[])
            .assign("ra1", SUB_A, "o", "u1")
            .assign("ra2", SUB_A, "o", "u2")
            .assign("ra3", SUB_A, "o", "u3")
            .member("admins", "u2")
            .deny(
                "d1",
                RG1,
                false,
                &["*"],
                &["*/read"],
                &[EVERYONE],
                &["admins", "u3"],
            )
            .eval();
        let a = e.check(&q("u1", DISK1, WRITE));
        assert!(a.granted && a.denied && !a.allowed);
        assert_eq!(a.denied_by, ["d1"]);
        // The deny's notActions leave reads alone.
        assert!(allowed(&e, "u1", DISK1, READ));
        // Excluded through a group, and directly.
        assert!(allowed(&e, "u2", DISK1, WRITE));
        assert!(allowed(&e, "u3", DISK1, WRITE));
        // Outside the deny's scope.
        assert!(allowed(
            &e,
            "u1",
            "/subscriptions/a/resourcegroups/rg2",
            WRITE
        ));
        // A principal with no assignment at all is still reported as denied.
        let stranger = e.check(&q("stranger", DISK1, WRITE));
        assert!(!stranger.granted && stranger.denied);
    }

    #[test]
    fn deny_listing_a_group_reaches_its_members() {
        let e = Fixture::default()
            .role("o", "Owner", &["*"], &[])
            .assign("ra1", SUB_A, "o", "u1")
            .member("g-inner", "u1")
            .member("g-outer", "g-inner")
            .deny(
                "d1",
                SUB_A,
                false,
                &["Microsoft.Compute/disks/*"],
                &[],
                &["g-outer"],
                &[],
            )
            .eval();
        assert!(!allowed(&e, "u1", DISK1, WRITE));
        assert!(allowed(
            &e,
            "u1",
            DISK1,
            "Microsoft.Compute/snapshots/write"
        ));
    }

    #[test]
    fn deny_not_applying_to_child_scopes() {
        let e = Fixture::default()
            .role("o", "Owner", &["*"], &[])
            .assign("ra1", SUB_A, "o", "u1")
            .deny("d1", RG1, true, &["*"], &[], &["u1"], &[])
            .eval();
        assert_eq!(e.check(&q("u1", RG1, WRITE)).denied_by, ["d1"]);
        assert!(allowed(&e, "u1", DISK1, WRITE));
        assert!(allowed(&e, "u1", SUB_A, WRITE));
    }

    #[test]
    fn custom_disk_export_role_on_one_disk_only() {
        let e = Fixture::default()
            .role("export", "Disk Export", &[READ, GET_ACCESS], &[])
            .assign("ra1", DISK1, "export", "sp1")
            .eval();
        for action in [READ, GET_ACCESS] {
            let a = e.check(&q("sp1", DISK1, action));
            assert!(a.allowed, "{action}");
            assert_eq!(a.via_roles, ["Disk Export"]);
            assert!(!allowed(&e, "sp1", DISK2, action), "{action} on d2");
        }
        assert!(!allowed(&e, "sp1", DISK1, WRITE));
        assert!(!allowed(
            &e,
            "sp1",
            DISK1,
            "Microsoft.Compute/disks/endGetAccess/action"
        ));
        assert!(!allowed(&e, "sp1", RG1, READ));
    }

    #[test]
    fn tenants_are_kept_apart() {
        let e = Fixture::default()
            .role("r", "Reader", &["*/read"], &[])
            .role_in("target", "w", "Writer", &[("actions", &["*/write"])])
            .assign("ra1", SUB_A, "r", "u1")
            .assign_in("target", "ra2", SUB_A, "w", "u1", None)
            // A source role id assigned in the target does not resolve there.
            .assign_in("target", "ra3", SUB_A, "r", "u1", None)
            .eval();
        assert!(allowed(&e, "u1", DISK1, READ));
        assert!(!allowed(&e, "u1", DISK1, WRITE));
        let t = |action| {
            e.check(&PermissionQuery {
                tenant: "target",
                principal_id: "u1",
                scope: DISK1,
                action,
            })
        };
        assert!(t(WRITE).allowed);
        let read = t(READ);
        assert!(!read.granted);
        assert_eq!(read.unresolved_roles, ["r"]);
        let other = e.check(&PermissionQuery {
            tenant: "elsewhere",
            ..q("u1", DISK1, READ)
        });
        assert_eq!(other, PermissionAnswer::default());
    }

    #[test]
    fn conditions_make_a_grant_uncertain_only_when_nothing_else_grants() {
        let f = Fixture::default()
            .role("r", "Reader", &["*/read"], &[])
            .assign_in(
                "source",
                "ra1",
                RG1,
                "r",
                "u1",
                Some("@Resource[x] StringEquals 'y'"),
            );
        let only = f.eval().check(&q("u1", DISK1, READ));
        assert!(only.granted && only.conditional);
        let both = f
            .assign("ra2", SUB_A, "r", "u1")
            .eval()
            .check(&q("u1", DISK1, READ));
        assert!(both.granted && !both.conditional);
        assert_eq!(both.via_assignments, ["ra1", "ra2"]);
    }

    #[test]
    fn data_actions_are_a_separate_plane() {
        let blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
        let e = Fixture::default()
            .role_in(
                "source",
                "sbdr",
                "Storage Blob Data Reader",
                &[
                    (
                        "actions",
                        &["Microsoft.Storage/storageAccounts/blobServices/containers/read"],
                    ),
                    (
                        "dataActions",
                        &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
                    ),
                    ("notDataActions", &["*/write"]),
                ],
            )
            .role("o", "Owner", &["*"], &[])
            .assign("ra1", SUB_A, "sbdr", "u1")
            .assign("ra2", SUB_A, "o", "u2")
            .eval();
        assert!(e.check_data(&q("u1", SUB_A, blob)).allowed);
        assert!(!e.check(&q("u1", SUB_A, blob)).granted);
        assert!(
            !e.check_data(&q(
                "u1",
                SUB_A,
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"
            ))
            .granted
        );
        // Owner's `*` is a control-plane grant: it gives no data access.
        assert!(!e.check_data(&q("u2", SUB_A, blob)).granted);
    }

    #[test]
    fn query_spelling_does_not_matter() {
        let e = Fixture::default()
            .role("export", "Disk Export", &[READ], &[])
            .assign("ra1", DISK1, "export", "0a1b")
            .eval();
        let a = e.check(&q(
            " 0A1B ",
            "Subscriptions/A/resourceGroups/RG1/providers/Microsoft.Compute/disks/D1/",
            "MICROSOFT.COMPUTE/DISKS/READ",
        ));
        assert!(a.allowed);
    }

    /// 200k assignments and 20k queries, checked against a direct evaluation
    /// of the generator's own formulas (which the index must reproduce).
    #[test]
    fn large_inventory_matches_a_naive_evaluation() {
        const USERS: usize = 10_000;
        const PER_USER: usize = 20;
        const SUBS: usize = 500;
        const RGS: usize = 20;
        const GROUPS: usize = 100;
        let reader: &[&str] = &["*/read"];
        let export: &[&str] = &[READ, GET_ACCESS];
        let contrib: (&[&str], &[&str]) = (&["*"], &["Microsoft.Authorization/*/Write"]);
        let user_scope = |u: usize, j: usize| {
            format!(
                "/subscriptions/s{}/resourcegroups/rg{}",
                (u + j * 7) % SUBS,
                (u * 3 + j) % RGS
            )
        };
        let group_scope = |g: usize| format!("/subscriptions/s{g}");

        let mut f = Fixture::default()
            .role("reader", "Reader", reader, &[])
            .role("export", "Disk Export", export, &[])
            .role("contrib", "Contributor", contrib.0, contrib.1);
        f.inv.role_assignments.reserve(USERS * PER_USER + GROUPS);
        for u in 0..USERS {
            for j in 0..PER_USER {
                let role = if j % 2 == 0 { "reader" } else { "export" };
                f = f.assign(
                    &format!("ra-{u}-{j}"),
                    &user_scope(u, j),
                    role,
                    &format!("u{u}"),
                );
            }
            f = f.member(&format!("g{}", u % GROUPS), &format!("u{u}"));
        }
        for g in 0..GROUPS {
            f = f.assign(
                &format!("ra-g{g}"),
                &group_scope(g),
                "contrib",
                &format!("g{g}"),
            );
        }
        assert_eq!(f.inv.role_assignments.len(), USERS * PER_USER + GROUPS);
        let e = f.eval();

        let actions = [READ, GET_ACCESS, WRITE, RA_WRITE];
        let covers = |(inc, exc): (&[&str], &[&str]), a: &str| {
            inc.iter().any(|p| action_matches(p, a)) && !exc.iter().any(|p| action_matches(p, a))
        };
        let mut seed: u64 = 42;
        let mut next = move |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut granted = 0;
        for i in 0..20_000 {
            let u = next(USERS);
            // Half the queries land inside one of the user's own assignments.
            let base = if i % 2 == 0 {
                user_scope(u, next(PER_USER))
            } else {
                format!(
                    "/subscriptions/s{}/resourcegroups/rg{}",
                    next(SUBS),
                    next(RGS)
                )
            };
            let scope = format!("{base}/providers/microsoft.compute/disks/d{i}");
            let action = actions[next(actions.len())];

            let mut want = (0..PER_USER).any(|j| {
                let perms = if j % 2 == 0 { reader } else { export };
                scope_contains(&user_scope(u, j), &scope) && covers((perms, &[]), action)
            });
            want |= scope_contains(&group_scope(u % GROUPS), &scope) && covers(contrib, action);

            let got = e.check(&q(&format!("u{u}"), &scope, action));
            assert_eq!(got.granted, want, "u{u} {scope} {action}");
            granted += usize::from(want);
        }
        // The mix must exercise both outcomes substantially.
        assert!((3_000..17_000).contains(&granted), "granted {granted}");
    }
}
