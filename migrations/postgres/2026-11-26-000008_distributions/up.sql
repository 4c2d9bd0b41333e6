-- Distributions to investors, recorded as paid once the tranche's outcome payment has been
-- received: one record per tranche and investment, at the amount the waterfall computed.
CREATE TABLE distribution_payments (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    payout_run_id BIGINT NOT NULL REFERENCES payout_runs (id),
    tranche TEXT NOT NULL,
    investment TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    paid_on DATE NOT NULL,
    reference TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, tranche, investment)
);
