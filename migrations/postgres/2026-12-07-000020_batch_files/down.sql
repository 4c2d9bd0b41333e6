DROP INDEX outcome_batches_one_file;
