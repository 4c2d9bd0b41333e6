DELETE FROM jobs WHERE kind = 'participant_import';
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('simulation', 'payout_run'));
