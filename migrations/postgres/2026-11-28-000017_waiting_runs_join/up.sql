-- A payout run asked for again by the same person while their run of the same project still waits
-- in the queue joins the waiting one: the run reads the project's data when it starts, so both
-- requests get the same statement. At most one such waiting run per person and project, held by
-- this index (requests with an idempotency key keep their own job). Duplicates queued before this
-- index existed end as failed, saying so.
UPDATE jobs
SET status = 'failed',
    problem = '{"kind":"conflict","detail":"an earlier payout run of the same project, asked for by the same person, was still waiting; follow that one","detail_ja":"同じ人が依頼した同じ事業の支払計算が待機中でした。そちらの結果をご覧ください","errors":[]}',
    finished_at = CURRENT_TIMESTAMP
WHERE kind = 'payout_run' AND status = 'queued' AND idempotency_key IS NULL
    AND id NOT IN (
        SELECT MIN(id) FROM jobs
        WHERE kind = 'payout_run' AND status = 'queued' AND idempotency_key IS NULL
        GROUP BY requested_by, project_id
    );
CREATE UNIQUE INDEX jobs_one_waiting_run ON jobs (requested_by, project_id)
    WHERE kind = 'payout_run' AND status = 'queued' AND idempotency_key IS NULL;
