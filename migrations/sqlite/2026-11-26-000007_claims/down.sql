DROP TABLE claim_payments;
DROP TABLE claim_inspections;
DROP TABLE claims;
