CREATE TABLE server_settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('platform', 'local_government', 'central_government',
        'service_provider', 'intermediary', 'evaluator', 'investor')),
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL,
    lock_version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('platform_admin', 'government_staff', 'evaluator',
        'investor', 'service_provider')),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    token_generation INTEGER NOT NULL DEFAULT 0,
    lock_version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_organization_id ON users (organization_id);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    owner_organization_id BIGINT NOT NULL REFERENCES organizations (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'in_service', 'evaluating',
        'closed', 'terminated')),
    title_ja TEXT NOT NULL,
    title_en TEXT NOT NULL,
    policy_area TEXT NOT NULL,
    currency TEXT NOT NULL,
    current_terms_version INTEGER NOT NULL,
    lock_version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_owner ON projects (owner_organization_id);

CREATE TABLE project_terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    version INTEGER NOT NULL,
    effective_from DATE NOT NULL,
    reason TEXT,
    terms TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, version)
);

CREATE TABLE project_parties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    role TEXT NOT NULL CHECK (role IN ('outcome_payer', 'service_provider', 'intermediary',
        'evaluator', 'investor')),
    UNIQUE (project_id, organization_id, role)
);
CREATE INDEX project_parties_organization ON project_parties (organization_id);
