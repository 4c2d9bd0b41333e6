//! What a queued job is and where it stands: the kinds of heavy work the queue runs and the
//! states a job passes through, stored and sent as their codes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A Monte Carlo simulation; its result is the simulation's result.
    Simulation,
    /// A payout run; its result is the stored run.
    PayoutRun,
    /// A large import of participant records; its result is the stored batch.
    ParticipantImport,
}

impl JobKind {
    pub const ALL: [JobKind; 3] = [
        JobKind::Simulation,
        JobKind::PayoutRun,
        JobKind::ParticipantImport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Simulation => "simulation",
            JobKind::PayoutRun => "payout_run",
            JobKind::ParticipantImport => "participant_import",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
    ];
    /// Waiting or being run: what counts against a person's and an organization's share.
    pub const UNFINISHED: [JobStatus; 2] = [JobStatus::Queued, JobStatus::Running];
    /// Ended, with a result or a problem.
    pub const FINISHED: [JobStatus; 2] = [JobStatus::Succeeded, JobStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
        }
    }
}
