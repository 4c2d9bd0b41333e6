//! Users and their roles.

use crate::message::Msg;
use crate::msg;
use serde::{Deserialize, Serialize};

use crate::organization::OrganizationKind;

/// A user's one role; with the organization it decides what the user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PlatformAdmin,
    GovernmentStaff,
    Evaluator,
    Investor,
    ServiceProvider,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::PlatformAdmin,
        Role::GovernmentStaff,
        Role::Evaluator,
        Role::Investor,
        Role::ServiceProvider,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::GovernmentStaff => "government_staff",
            Role::Evaluator => "evaluator",
            Role::Investor => "investor",
            Role::ServiceProvider => "service_provider",
        }
    }

    /// Whether a user of this role may belong to an organization of that kind.
    pub fn fits(self, kind: OrganizationKind) -> bool {
        match self {
            Role::PlatformAdmin => kind == OrganizationKind::Platform,
            Role::GovernmentStaff => kind.can_pay_outcomes(),
            Role::Evaluator => kind == OrganizationKind::Evaluator,
            Role::Investor => matches!(
                kind,
                OrganizationKind::Investor | OrganizationKind::Intermediary
            ),
            Role::ServiceProvider => kind == OrganizationKind::ServiceProvider,
        }
    }
}

/// Normalises an e-mail address for lookup and checks its basic shape.
pub fn normalize_email(raw: &str) -> Result<String, Msg> {
    let email = raw.trim().to_lowercase();
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && email.len() <= 254 =>
        {
            Ok(email)
        }
        _ => Err(msg!(
            "user.email",
            "an e-mail address such as name@example.org",
            "name@example.org のようなメールアドレス"
        )),
    }
}
