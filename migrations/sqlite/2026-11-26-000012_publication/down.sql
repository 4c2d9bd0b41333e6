DROP TABLE investor_disclosures;
DROP TABLE project_publications;
