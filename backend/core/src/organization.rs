//! Organizations: the parties to outcome contracts.

use serde::{Deserialize, Serialize};

/// What an organization is, which decides the parts it can play in a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// The operator of this Seika installation.
    Platform,
    LocalGovernment,
    CentralGovernment,
    ServiceProvider,
    Intermediary,
    Evaluator,
    Investor,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 7] = [
        OrganizationKind::Platform,
        OrganizationKind::LocalGovernment,
        OrganizationKind::CentralGovernment,
        OrganizationKind::ServiceProvider,
        OrganizationKind::Intermediary,
        OrganizationKind::Evaluator,
        OrganizationKind::Investor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Platform => "platform",
            OrganizationKind::LocalGovernment => "local_government",
            OrganizationKind::CentralGovernment => "central_government",
            OrganizationKind::ServiceProvider => "service_provider",
            OrganizationKind::Intermediary => "intermediary",
            OrganizationKind::Evaluator => "evaluator",
            OrganizationKind::Investor => "investor",
        }
    }

    /// The kind in words: English and Japanese, as people read it.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            OrganizationKind::Platform => ("platform operator", "基盤運営者"),
            OrganizationKind::LocalGovernment => ("local government", "地方公共団体"),
            OrganizationKind::CentralGovernment => ("central government", "国"),
            OrganizationKind::ServiceProvider => ("service provider", "民間事業者"),
            OrganizationKind::Intermediary => ("intermediary", "中間支援組織"),
            OrganizationKind::Evaluator => ("evaluator", "評価機関"),
            OrganizationKind::Investor => ("investor", "資金提供者"),
        }
    }

    /// Outcome payers are governments.
    pub fn can_pay_outcomes(self) -> bool {
        matches!(
            self,
            OrganizationKind::LocalGovernment | OrganizationKind::CentralGovernment
        )
    }
}
