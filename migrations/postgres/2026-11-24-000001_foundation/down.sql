DROP TABLE project_parties;
DROP TABLE project_terms;
DROP TABLE projects;
DROP TABLE users;
DROP TABLE organizations;
DROP TABLE server_settings;
