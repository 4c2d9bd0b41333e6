ALTER TABLE login_attempts DROP COLUMN settled;
DROP INDEX outcome_batches_one_correction;
DROP INDEX outcome_results_one_correction;
DROP INDEX outcome_results_one_current;
