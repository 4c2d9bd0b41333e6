-- Participant records are read a page at a time in id order within a batch: an index on
-- (batch_id, id) serves the order too, so PostgreSQL no longer sorts the whole batch (spilling to
-- disk) for every page. It also serves every lookup by batch, so the old index goes.
CREATE INDEX participant_records_batch_id ON participant_records (batch_id, id);
DROP INDEX participant_records_batch;
