//! Projects (the outcome contracts): policy areas and the lifecycle.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyArea {
    Health,
    ChildAndFamilyWelfare,
    EmploymentAndTraining,
    PovertyReduction,
    Education,
    CriminalJustice,
    Homelessness,
    Community,
}

impl PolicyArea {
    pub const ALL: [PolicyArea; 8] = [
        PolicyArea::Health,
        PolicyArea::ChildAndFamilyWelfare,
        PolicyArea::EmploymentAndTraining,
        PolicyArea::PovertyReduction,
        PolicyArea::Education,
        PolicyArea::CriminalJustice,
        PolicyArea::Homelessness,
        PolicyArea::Community,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyArea::Health => "health",
            PolicyArea::ChildAndFamilyWelfare => "child_and_family_welfare",
            PolicyArea::EmploymentAndTraining => "employment_and_training",
            PolicyArea::PovertyReduction => "poverty_reduction",
            PolicyArea::Education => "education",
            PolicyArea::CriminalJustice => "criminal_justice",
            PolicyArea::Homelessness => "homelessness",
            PolicyArea::Community => "community",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Draft,
    Published,
    InService,
    Evaluating,
    Closed,
    Terminated,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 6] = [
        ProjectStatus::Draft,
        ProjectStatus::Published,
        ProjectStatus::InService,
        ProjectStatus::Evaluating,
        ProjectStatus::Closed,
        ProjectStatus::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "draft",
            ProjectStatus::Published => "published",
            ProjectStatus::InService => "in_service",
            ProjectStatus::Evaluating => "evaluating",
            ProjectStatus::Closed => "closed",
            ProjectStatus::Terminated => "terminated",
        }
    }

    /// The status in words: English and Japanese, as people read it.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            ProjectStatus::Draft => ("draft", "下書き"),
            ProjectStatus::Published => ("published", "公表済み"),
            ProjectStatus::InService => ("in service", "実施中"),
            ProjectStatus::Evaluating => ("evaluating", "評価中"),
            ProjectStatus::Closed => ("closed", "終了"),
            ProjectStatus::Terminated => ("terminated", "契約解除"),
        }
    }

    /// Draft terms are edited in place; published terms change only by amendment.
    pub fn terms_editable(self) -> bool {
        self == ProjectStatus::Draft
    }

    /// Only a live project takes new outcome data (entry, import, submission and verification).
    pub fn accepts_outcome_data(self) -> bool {
        matches!(
            self,
            ProjectStatus::Published | ProjectStatus::InService | ProjectStatus::Evaluating
        )
    }

    /// New payout runs: not on a draft (no agreed terms) nor on a terminated project. A closed
    /// project can still compute its final run; reproducing a stored run is always allowed.
    pub fn accepts_payout_runs(self) -> bool {
        !matches!(self, ProjectStatus::Draft | ProjectStatus::Terminated)
    }

    pub fn amendable(self) -> bool {
        matches!(
            self,
            ProjectStatus::Published | ProjectStatus::InService | ProjectStatus::Evaluating
        )
    }

    /// draft → published → in_service → evaluating → closed; any live state → terminated.
    pub fn can_become(self, next: ProjectStatus) -> bool {
        use ProjectStatus::*;
        matches!(
            (self, next),
            (Draft, Published)
                | (Published, InService)
                | (InService, Evaluating)
                | (Evaluating, Closed)
                | (Published | InService | Evaluating, Terminated)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ProjectStatus::*;

    #[test]
    fn lifecycle_moves_forward_only() {
        assert!(Draft.can_become(Published));
        assert!(Evaluating.can_become(Closed));
        assert!(InService.can_become(Terminated));
        assert!(!Draft.can_become(Closed));
        assert!(!Closed.can_become(Evaluating));
        assert!(!Draft.can_become(Terminated));
        assert!(!Published.can_become(Draft));
    }
}
