-- Sample checks of participant batches: the verifier draws a reproducible sample (seeded) and
-- records each sampled record as confirmed or discrepant. One sample per batch: a draw is not
-- repeated until it looks better.
CREATE TABLE batch_samples (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    batch_id BIGINT NOT NULL REFERENCES outcome_batches (id),
    seed TEXT NOT NULL,
    size_rule TEXT NOT NULL,
    population BIGINT NOT NULL,
    drawn_by BIGINT NOT NULL REFERENCES users (id),
    drawn_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX batch_samples_one_per_batch ON batch_samples (batch_id);

CREATE TABLE sample_checks (
    id BIGSERIAL PRIMARY KEY,
    sample_id BIGINT NOT NULL REFERENCES batch_samples (id),
    position INTEGER NOT NULL,
    record_id BIGINT NOT NULL REFERENCES participant_records (id),
    stratum TEXT,
    finding TEXT CHECK (finding IN ('confirmed', 'discrepant')),
    note TEXT,
    checked_by BIGINT REFERENCES users (id),
    checked_at TIMESTAMP
);
CREATE UNIQUE INDEX sample_checks_one_per_record ON sample_checks (sample_id, record_id);
CREATE UNIQUE INDEX sample_checks_position ON sample_checks (sample_id, position);
