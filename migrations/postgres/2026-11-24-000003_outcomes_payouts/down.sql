DROP TABLE idempotency_keys;
DROP TABLE payout_runs;
DROP TABLE outcome_results;
