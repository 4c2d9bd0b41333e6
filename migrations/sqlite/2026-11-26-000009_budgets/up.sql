-- What the assembly approved for a project: appropriations per fiscal year (April–March) and
-- budget account, and the multi-year commitment (債務負担行為, 地方自治法 第214条) with its limits.
CREATE TABLE budget_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    fiscal_year INTEGER NOT NULL,
    -- 一般会計, or the special account (e.g. 国民健康保険特別会計).
    account TEXT NOT NULL,
    -- 款・項・目・節, when given.
    code TEXT NOT NULL DEFAULT '',
    appropriation_minor BIGINT NOT NULL CHECK (appropriation_minor >= 0),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, fiscal_year, account, code)
);

CREATE TABLE debt_commitments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    -- 事項: what the assembly approved, as its resolution names it.
    item TEXT NOT NULL,
    from_fiscal_year INTEGER NOT NULL,
    to_fiscal_year INTEGER NOT NULL CHECK (to_fiscal_year >= from_fiscal_year),
    total_limit_minor BIGINT NOT NULL CHECK (total_limit_minor > 0),
    -- Limits per fiscal year, as JSON [{"fiscal_year": 2018, "limit": "26200000"}], may be empty.
    yearly_limits TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX debt_commitments_project ON debt_commitments (project_id);
