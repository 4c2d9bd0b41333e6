-- At most one current verified aggregate result per project, kind, metric and tranche: a second
-- verification (or a second correction of the same record) fails in the database, whichever
-- server instance runs it.
CREATE UNIQUE INDEX outcome_results_one_current
    ON outcome_results (project_id, kind, metric, COALESCE(tranche, ''))
    WHERE status = 'verified' AND superseded_at IS NULL;

-- A verified record is corrected by at most one verified correction.
CREATE UNIQUE INDEX outcome_results_one_correction
    ON outcome_results (supersedes_id)
    WHERE status = 'verified' AND supersedes_id IS NOT NULL;
CREATE UNIQUE INDEX outcome_batches_one_correction
    ON outcome_batches (supersedes_id)
    WHERE status = 'verified' AND supersedes_id IS NOT NULL;

-- The token-signing key no longer lives in the database (a backup must not be able to mint
-- tokens): it comes from configuration or a key file beside the data.
DELETE FROM server_settings WHERE name = 'jwt_signing_key';

-- A login attempt is counted before its password is checked; `settled` tells an attempt still
-- being checked (counted against its account, not against its client address, so many people
-- logging in at once behind one proxy are not throttled) from a finished one.
ALTER TABLE login_attempts ADD COLUMN settled BOOLEAN NOT NULL DEFAULT TRUE;
