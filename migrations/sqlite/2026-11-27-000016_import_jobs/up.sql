-- Large imports of participant records run as jobs too (the file kept in the job's input).
-- SQLite cannot change a CHECK constraint: the table is rebuilt with its rows and indexes.
CREATE TABLE jobs_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('simulation', 'payout_run', 'participant_import')),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    idempotency_key TEXT,
    input TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    heartbeat_at TIMESTAMP,
    result TEXT,
    problem TEXT,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    CHECK ((status = 'succeeded') = (result IS NOT NULL)),
    CHECK ((status = 'failed') = (problem IS NOT NULL))
);
INSERT INTO jobs_new SELECT * FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_waiting ON jobs (status, id);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (requested_by, kind, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
