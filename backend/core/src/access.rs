//! Who may do what: the authorization policy, as pure functions of the actor and the project's
//! parties. Handlers ask here; nothing else decides.

use serde::{Deserialize, Serialize};

use crate::user::Role;

/// The authenticated user as far as authorization is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub organization_id: i64,
    pub role: Role,
}

/// The part an organization plays on one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    OutcomePayer,
    ServiceProvider,
    Intermediary,
    Evaluator,
    Investor,
}

impl PartyRole {
    pub const ALL: [PartyRole; 5] = [
        PartyRole::OutcomePayer,
        PartyRole::ServiceProvider,
        PartyRole::Intermediary,
        PartyRole::Evaluator,
        PartyRole::Investor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::OutcomePayer => "outcome_payer",
            PartyRole::ServiceProvider => "service_provider",
            PartyRole::Intermediary => "intermediary",
            PartyRole::Evaluator => "evaluator",
            PartyRole::Investor => "investor",
        }
    }
}

/// Where a party stands with its role. A party from another organization than the project's
/// owner is `invited` until an authorized user of that organization accepts or declines; only
/// accepted parties see the project or appear in their organization's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyStatus {
    Invited,
    Accepted,
    Declined,
}

impl PartyStatus {
    pub const ALL: [PartyStatus; 3] = [
        PartyStatus::Invited,
        PartyStatus::Accepted,
        PartyStatus::Declined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyStatus::Invited => "invited",
            PartyStatus::Accepted => "accepted",
            PartyStatus::Declined => "declined",
        }
    }

    /// The status a party takes when a draft names it: the owner's own roles are accepted at
    /// once; another organization keeps an acceptance it gave and is otherwise asked (again, if
    /// it had declined and the owner names it anew).
    pub fn when_named(is_owner_organization: bool, previous: Option<PartyStatus>) -> PartyStatus {
        if is_owner_organization || previous == Some(PartyStatus::Accepted) {
            PartyStatus::Accepted
        } else {
            PartyStatus::Invited
        }
    }
}

/// The party roles a user answers invitations for, on behalf of their organization: government
/// staff for outcome payers, evaluators for evaluators, investors for investors and
/// intermediaries, service providers for service providers. Platform admins answer none.
pub fn answers_invitations_as(role: Role) -> &'static [PartyRole] {
    match role {
        Role::PlatformAdmin => &[],
        Role::GovernmentStaff => &[PartyRole::OutcomePayer],
        Role::Evaluator => &[PartyRole::Evaluator],
        Role::Investor => &[PartyRole::Investor, PartyRole::Intermediary],
        Role::ServiceProvider => &[PartyRole::ServiceProvider],
    }
}

/// Investors' positions (each investment, distribution and return) are confidential to that
/// investor and to the project's government, its intermediary and platform admins; everyone else
/// (service providers, evaluators, co-payers) sees investors only in aggregate.
pub fn sees_investor_positions(actor: &Actor, standing: &ProjectStanding) -> bool {
    actor.role == Role::PlatformAdmin
        || (actor.role == Role::GovernmentStaff && standing.is_owner)
        || standing.roles.contains(&PartyRole::Intermediary)
}

/// The fewest other investors whose positions may be shown as one total to a reader who sees
/// investors only in aggregate: a total over one other investor is that investor's position.
pub const MIN_INVESTORS_IN_A_TOTAL: usize = 2;

/// True when a total over `other_investors` distinct investors may be shown in aggregate (none at
/// all is a total of nothing, which reveals nothing).
pub fn total_may_be_shown(other_investors: usize) -> bool {
    other_investors == 0 || other_investors >= MIN_INVESTORS_IN_A_TOTAL
}

/// What the actor's organization is on one project.
#[derive(Debug, Clone, Default)]
pub struct ProjectStanding {
    pub is_owner: bool,
    pub roles: Vec<PartyRole>,
}

impl ProjectStanding {
    pub fn has(&self, role: PartyRole) -> bool {
        self.roles.contains(&role)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// See the project, its terms and its payments (investors: others' positions in aggregate).
    Read,
    /// Edit a draft, publish, amend, change the lifecycle.
    ManageTerms,
    /// Enter or import outcome data.
    EnterOutcomes,
    /// Verify or reject outcome data someone else entered.
    VerifyOutcomes,
    /// Compute a payout run.
    RunPayout,
    /// See participant-level records.
    ReadParticipants,
    /// Prepare or resubmit a claim: the contractor side (service provider, intermediary) or the
    /// owner's government staff on its behalf.
    PrepareClaim,
    /// Inspect a claim and record its payment: government staff of a paying organization (the
    /// service also checks it is the claim's payer).
    PayClaims,
    /// Record distributions to investors as paid: the intermediary, or the owner's staff.
    RecordDistributions,
}

/// The answer: allowed, refused (403), or hidden (404, so the project's existence is not revealed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbid,
    Hide,
}

/// Whether the actor may see the project at all.
pub fn can_see_project(actor: &Actor, standing: &ProjectStanding) -> bool {
    match actor.role {
        Role::PlatformAdmin => true,
        Role::GovernmentStaff => standing.is_owner || standing.has(PartyRole::OutcomePayer),
        Role::Evaluator => standing.has(PartyRole::Evaluator),
        Role::Investor => standing.has(PartyRole::Investor),
        Role::ServiceProvider => standing.has(PartyRole::ServiceProvider),
    }
}

pub fn decide(actor: &Actor, standing: &ProjectStanding, action: ProjectAction) -> Decision {
    if !can_see_project(actor, standing) {
        return Decision::Hide;
    }
    let allowed = match action {
        ProjectAction::Read => true,
        ProjectAction::ManageTerms => actor.role == Role::GovernmentStaff && standing.is_owner,
        ProjectAction::EnterOutcomes | ProjectAction::VerifyOutcomes => {
            actor.role == Role::Evaluator && standing.has(PartyRole::Evaluator)
        }
        ProjectAction::RunPayout => match actor.role {
            Role::GovernmentStaff => standing.is_owner || standing.has(PartyRole::OutcomePayer),
            Role::Evaluator => standing.has(PartyRole::Evaluator),
            _ => false,
        },
        ProjectAction::PrepareClaim => match actor.role {
            Role::GovernmentStaff => standing.is_owner,
            Role::ServiceProvider => standing.has(PartyRole::ServiceProvider),
            Role::Investor => standing.has(PartyRole::Intermediary),
            _ => false,
        },
        ProjectAction::RecordDistributions => match actor.role {
            Role::GovernmentStaff => standing.is_owner,
            Role::Investor => standing.has(PartyRole::Intermediary),
            _ => false,
        },
        ProjectAction::PayClaims => {
            actor.role == Role::GovernmentStaff
                && (standing.is_owner || standing.has(PartyRole::OutcomePayer))
        }
        ProjectAction::ReadParticipants => match actor.role {
            Role::GovernmentStaff => standing.is_owner,
            Role::Evaluator => standing.has(PartyRole::Evaluator),
            Role::ServiceProvider => standing.has(PartyRole::ServiceProvider),
            _ => false,
        },
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Forbid
    }
}

/// Platform administration (organizations, users, the audit log) is for platform admins only.
pub fn can_administer_platform(actor: &Actor) -> bool {
    actor.role == Role::PlatformAdmin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: 1,
            organization_id: 10,
            role,
        }
    }

    fn standing(roles: &[PartyRole], is_owner: bool) -> ProjectStanding {
        ProjectStanding {
            is_owner,
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn strangers_are_hidden_from_projects() {
        for role in [
            Role::GovernmentStaff,
            Role::Evaluator,
            Role::Investor,
            Role::ServiceProvider,
        ] {
            assert_eq!(
                decide(&actor(role), &standing(&[], false), ProjectAction::Read),
                Decision::Hide
            );
        }
        assert_eq!(
            decide(
                &actor(Role::PlatformAdmin),
                &standing(&[], false),
                ProjectAction::Read
            ),
            Decision::Allow
        );
    }

    #[test]
    fn owners_roles_are_accepted_and_others_are_asked() {
        assert_eq!(PartyStatus::when_named(true, None), PartyStatus::Accepted);
        assert_eq!(PartyStatus::when_named(false, None), PartyStatus::Invited);
        assert_eq!(
            PartyStatus::when_named(false, Some(PartyStatus::Accepted)),
            PartyStatus::Accepted
        );
        assert_eq!(
            PartyStatus::when_named(false, Some(PartyStatus::Declined)),
            PartyStatus::Invited
        );
        assert!(answers_invitations_as(Role::PlatformAdmin).is_empty());
        assert_eq!(
            answers_invitations_as(Role::Investor),
            [PartyRole::Investor, PartyRole::Intermediary]
        );
    }

    #[test]
    fn roles_must_match_the_part_played() {
        // An evaluator of an organization appointed as investor cannot verify.
        let s = standing(&[PartyRole::Investor], false);
        assert_eq!(
            decide(&actor(Role::Evaluator), &s, ProjectAction::Read),
            Decision::Hide
        );
        let s = standing(&[PartyRole::Evaluator], false);
        assert_eq!(
            decide(&actor(Role::Evaluator), &s, ProjectAction::VerifyOutcomes),
            Decision::Allow
        );
        assert_eq!(
            decide(&actor(Role::Evaluator), &s, ProjectAction::ManageTerms),
            Decision::Forbid
        );
        let s = standing(&[PartyRole::Investor], false);
        assert_eq!(
            decide(&actor(Role::Investor), &s, ProjectAction::RunPayout),
            Decision::Forbid
        );
        assert_eq!(
            decide(&actor(Role::Investor), &s, ProjectAction::ReadParticipants),
            Decision::Forbid
        );
    }
}

/// Which projects appear in an actor's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingScope {
    All,
    /// Projects where the actor's organization plays `role`, and, if `include_owned`, those it owns.
    Parties {
        role: PartyRole,
        include_owned: bool,
    },
}

pub fn listing_scope(actor: &Actor) -> ListingScope {
    use crate::user::Role;
    match actor.role {
        Role::PlatformAdmin => ListingScope::All,
        Role::GovernmentStaff => ListingScope::Parties {
            role: PartyRole::OutcomePayer,
            include_owned: true,
        },
        Role::Evaluator => ListingScope::Parties {
            role: PartyRole::Evaluator,
            include_owned: false,
        },
        Role::Investor => ListingScope::Parties {
            role: PartyRole::Investor,
            include_owned: false,
        },
        Role::ServiceProvider => ListingScope::Parties {
            role: PartyRole::ServiceProvider,
            include_owned: false,
        },
    }
}

/// Whether an organization of `kind` can play `role` on a project.
pub fn party_fits(role: PartyRole, kind: crate::organization::OrganizationKind) -> bool {
    use crate::organization::OrganizationKind as K;
    match role {
        PartyRole::OutcomePayer => kind.can_pay_outcomes(),
        PartyRole::ServiceProvider => kind == K::ServiceProvider,
        PartyRole::Intermediary => kind == K::Intermediary,
        PartyRole::Evaluator => kind == K::Evaluator,
        PartyRole::Investor => matches!(kind, K::Investor | K::Intermediary),
    }
}
