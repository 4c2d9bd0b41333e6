DROP INDEX project_parties_invitations;
ALTER TABLE project_parties DROP COLUMN answered_at;
ALTER TABLE project_parties DROP COLUMN answered_by;
ALTER TABLE project_parties DROP COLUMN invited_at;
ALTER TABLE project_parties DROP COLUMN status;
