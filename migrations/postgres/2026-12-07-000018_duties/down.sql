DROP TRIGGER claim_payments_not_inspector ON claim_payments;
DROP FUNCTION seika_payer_is_not_inspector();
DROP TRIGGER claim_inspections_independent ON claim_inspections;
DROP FUNCTION seika_inspector_is_independent();
DROP TRIGGER outcome_batches_reviewer_is_not_enterer ON outcome_batches;
DROP TRIGGER outcome_results_reviewer_is_not_enterer ON outcome_results;
DROP FUNCTION seika_reviewer_is_not_enterer();
