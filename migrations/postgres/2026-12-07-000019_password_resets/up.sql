-- A password reset an administrator issues instead of only disabling an account: a one-time code
-- (only its SHA-256 is kept; the code has 128 random bits), valid until it expires or is used.
CREATE TABLE password_resets (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_sha256 TEXT NOT NULL UNIQUE,
    issued_by BIGINT NOT NULL REFERENCES users (id),
    expires_at TIMESTAMP NOT NULL,
    -- When it was used, or replaced by a newer code.
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
-- At most one open code per account: issuing a new one closes the old one in the same transaction.
CREATE UNIQUE INDEX password_resets_one_open ON password_resets (user_id) WHERE closed_at IS NULL;
