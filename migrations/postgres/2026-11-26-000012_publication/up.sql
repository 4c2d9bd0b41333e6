-- Publication: the government switches a public page on per project and chooses which sections
-- are public (INDIGO `status` PUBLIC, the rest PRIVATE); counts below the privacy threshold are
-- suppressed. An investor makes its own position public on a project by a disclosure row.
CREATE TABLE project_publications (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id),
    published BOOLEAN NOT NULL,
    public_sections TEXT NOT NULL,
    privacy_threshold INTEGER NOT NULL CHECK (privacy_threshold BETWEEN 1 AND 1000),
    updated_by BIGINT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE investor_disclosures (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    disclosed_by BIGINT NOT NULL REFERENCES users (id),
    disclosed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, organization_id)
);
