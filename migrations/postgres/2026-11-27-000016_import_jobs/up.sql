-- Large imports of participant records run as jobs too (the file kept in the job's input).
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('simulation', 'payout_run', 'participant_import'));
