-- Aggregate outcome results. Measured values are exact decimal strings. Verified rows are never
-- edited: a correction is a new row that supersedes the old one once verified.
CREATE TABLE outcome_results (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL CHECK (kind IN ('result', 'milestone')),
    -- The metric id, or for a milestone the milestone id.
    metric TEXT NOT NULL,
    tranche TEXT,
    achieved_on DATE,
    value TEXT,
    numerator TEXT,
    denominator TEXT,
    comparison TEXT,
    cohort_size TEXT,
    estimates TEXT,
    evidence TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'verified', 'rejected')),
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    supersedes_id BIGINT REFERENCES outcome_results (id),
    correction_reason TEXT,
    superseded_at TIMESTAMP,
    entered_by BIGINT NOT NULL REFERENCES users (id),
    entered_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    rejection_reason TEXT,
    lock_version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX outcome_results_project ON outcome_results (project_id, metric);

CREATE TABLE payout_runs (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    terms_version INTEGER NOT NULL,
    engine_version TEXT NOT NULL,
    as_of TIMESTAMP NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    statement TEXT NOT NULL,
    statement_sha256 TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payout_runs_project ON payout_runs (project_id);

CREATE TABLE idempotency_keys (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, key)
);
