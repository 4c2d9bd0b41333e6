-- Heavy work (simulations, payout runs) as jobs in the database: any server instance's workers
-- claim a queued job (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: inside its write lock), report
-- progress and a heartbeat, and store the result once; a running job whose heartbeat stopped is
-- taken over by another instance. A requester's idempotency key names one job.
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('simulation', 'payout_run')),
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
CREATE INDEX jobs_waiting ON jobs (status, id);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (requested_by, kind, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
