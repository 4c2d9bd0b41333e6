-- One file, one batch: the same participant file (same SHA-256) is not imported twice into a
-- project, unless the earlier batch was rejected. The service says which batch holds it before an
-- import is queued; this index holds it against two imports at once.
CREATE UNIQUE INDEX outcome_batches_one_file ON outcome_batches (project_id, source_sha256)
    WHERE status <> 'rejected';
