DROP INDEX jobs_one_waiting_run;
