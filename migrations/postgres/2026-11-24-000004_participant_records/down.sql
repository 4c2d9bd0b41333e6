DROP TABLE participant_records;
DROP TABLE outcome_batches;
