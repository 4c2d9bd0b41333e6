CREATE INDEX participant_records_batch ON participant_records (batch_id);
DROP INDEX participant_records_batch_id;
