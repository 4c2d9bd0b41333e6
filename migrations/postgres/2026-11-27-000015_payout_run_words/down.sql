DROP TABLE payout_run_words;
