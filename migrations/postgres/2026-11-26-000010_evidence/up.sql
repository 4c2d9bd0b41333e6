-- Evidence files attached to outcome records, in the database so that every server instance on
-- one PostgreSQL serves them; their type is read from their bytes, and their hash is audited.
CREATE TABLE evidence_files (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    collection TEXT NOT NULL CHECK (collection IN ('outcome-results', 'outcome-batches')),
    record_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_files_record ON evidence_files (collection, record_id);
