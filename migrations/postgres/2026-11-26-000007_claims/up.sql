-- Money as it really moves: a claim (請求書) for one tranche and one payer rests on a payout
-- run's statement; the payer inspects it (検査) and accepts or returns it; payments are recorded
-- against an accepted claim, in part or in full, never beyond it.
CREATE TABLE claims (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    payout_run_id BIGINT NOT NULL REFERENCES payout_runs (id),
    statement_sha256 TEXT NOT NULL,
    tranche TEXT NOT NULL,
    -- The tranche's due date: its fiscal year is the one the claim is charged to.
    tranche_due_on DATE NOT NULL,
    -- The payer as the contract names it, and its organization.
    payer TEXT NOT NULL,
    payer_organization_id BIGINT NOT NULL REFERENCES organizations (id),
    issuer_organization_id BIGINT NOT NULL REFERENCES organizations (id),
    -- 適格請求書発行事業者の登録番号: T and 13 digits.
    invoice_number TEXT NOT NULL,
    issued_on DATE NOT NULL,
    -- The day the payer received the claim as it stands (a resubmission restarts the clocks).
    received_on DATE NOT NULL,
    description TEXT NOT NULL,
    -- The statement's lines of this tranche for this payer, as JSON.
    lines TEXT NOT NULL,
    currency TEXT NOT NULL,
    amounts_include_tax BOOLEAN NOT NULL,
    tax_rate TEXT NOT NULL,
    net_minor BIGINT NOT NULL CHECK (net_minor >= 0),
    tax_minor BIGINT NOT NULL CHECK (tax_minor >= 0),
    total_minor BIGINT NOT NULL CHECK (total_minor > 0),
    paid_minor BIGINT NOT NULL DEFAULT 0 CHECK (paid_minor >= 0 AND paid_minor <= total_minor),
    status TEXT NOT NULL CHECK (status IN ('submitted', 'returned', 'accepted', 'paid')),
    inspection_due_on DATE NOT NULL,
    payment_due_on DATE NOT NULL,
    late_interest_rate TEXT,
    prepared_by BIGINT NOT NULL REFERENCES users (id),
    lock_version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX claims_project ON claims (project_id);
-- One live claim per tranche and payer: a returned one may be resubmitted or replaced.
CREATE UNIQUE INDEX claims_one_live ON claims (project_id, tranche, payer) WHERE status <> 'returned';

-- 検査調書: each inspection of a claim, who, when, what was checked and the result.
CREATE TABLE claim_inspections (
    id BIGSERIAL PRIMARY KEY,
    claim_id BIGINT NOT NULL REFERENCES claims (id),
    inspected_by BIGINT NOT NULL REFERENCES users (id),
    inspected_on DATE NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('accepted', 'returned')),
    checks TEXT NOT NULL,
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX claim_inspections_claim ON claim_inspections (claim_id);

CREATE TABLE claim_payments (
    id BIGSERIAL PRIMARY KEY,
    claim_id BIGINT NOT NULL REFERENCES claims (id),
    paid_on DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    -- The budget it was paid from (e.g. 一般会計 or 国民健康保険特別会計, with 款・項・目・節).
    budget_account TEXT NOT NULL,
    reference TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX claim_payments_claim ON claim_payments (claim_id);
