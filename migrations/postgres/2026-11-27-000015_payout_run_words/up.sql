-- The explanations of a stored run's statement as people read them, in Japanese and English
-- (engine::words: one entry per statement line). Kept beside the statement, so the statement and
-- its hash stay exactly as the engine wrote them; a run stored before this table gets its words
-- the first time it is read (re-computed, and kept only when the statement comes out identical).
CREATE TABLE payout_run_words (
    payout_run_id BIGINT PRIMARY KEY REFERENCES payout_runs (id),
    words TEXT NOT NULL
);
