-- A party from another organization takes its role only once an authorized user of that
-- organization accepts the invitation; until then the project is hidden from it and cannot be
-- published. The owner's own roles are accepted when they are named.
ALTER TABLE project_parties ADD COLUMN status TEXT NOT NULL DEFAULT 'accepted'
    CHECK (status IN ('invited', 'accepted', 'declined'));
ALTER TABLE project_parties ADD COLUMN invited_at TIMESTAMP;
ALTER TABLE project_parties ADD COLUMN answered_by BIGINT REFERENCES users (id);
ALTER TABLE project_parties ADD COLUMN answered_at TIMESTAMP;

-- Drafts already naming other organizations ask them now; published projects keep their parties.
UPDATE project_parties SET status = 'invited'
    WHERE project_id IN (SELECT id FROM projects WHERE status = 'draft')
      AND organization_id <> (SELECT owner_organization_id FROM projects
                              WHERE projects.id = project_parties.project_id);

CREATE INDEX project_parties_invitations ON project_parties (organization_id, status);
