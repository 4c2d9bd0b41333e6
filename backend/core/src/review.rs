//! Where a reviewed record stands: entered data (aggregate results, participant batches) goes
//! draft → submitted → verified or rejected, each step by a different person than the one who
//! entered it (four eyes, held by the database).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Entered, not yet sent for verification; the one who entered it may still change it.
    Draft,
    /// Waiting for a second person to verify or reject it.
    Submitted,
    /// Verified by a second person: payout runs read it.
    Verified,
    /// Rejected with a reason; a correction may be entered.
    Rejected,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Draft,
        ReviewStatus::Submitted,
        ReviewStatus::Verified,
        ReviewStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "draft",
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::Verified => "verified",
            ReviewStatus::Rejected => "rejected",
        }
    }
}
