-- A batch of participant-level records (one CSV import), verified as a whole.
CREATE TABLE outcome_batches (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    source_name TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'verified', 'rejected')),
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    supersedes_id BIGINT REFERENCES outcome_batches (id),
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
CREATE INDEX outcome_batches_project ON outcome_batches (project_id);

-- Pseudonymous participant records: never a name or a direct identifier.
CREATE TABLE participant_records (
    id BIGSERIAL PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES outcome_batches (id),
    participant TEXT NOT NULL,
    cohort TEXT,
    enrolled_on DATE,
    outcome TEXT NOT NULL,
    achieved_on DATE NOT NULL
);
CREATE INDEX participant_records_batch ON participant_records (batch_id);
