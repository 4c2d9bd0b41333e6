-- Duties that must be separate are kept apart here, not only by the service's checks (see the
-- PostgreSQL migration of the same name). Each refusal raises the catalogue code of its message.

-- Four eyes on outcome data.
CREATE TRIGGER outcome_results_reviewer_is_not_enterer_insert BEFORE INSERT ON outcome_results
    WHEN NEW.reviewed_by IS NOT NULL AND NEW.reviewed_by = NEW.entered_by
BEGIN SELECT RAISE(ABORT, 'duty.enterer_verifies'); END;
CREATE TRIGGER outcome_results_reviewer_is_not_enterer_update BEFORE UPDATE ON outcome_results
    WHEN NEW.reviewed_by IS NOT NULL AND NEW.reviewed_by = NEW.entered_by
BEGIN SELECT RAISE(ABORT, 'duty.enterer_verifies'); END;
CREATE TRIGGER outcome_batches_reviewer_is_not_enterer_insert BEFORE INSERT ON outcome_batches
    WHEN NEW.reviewed_by IS NOT NULL AND NEW.reviewed_by = NEW.entered_by
BEGIN SELECT RAISE(ABORT, 'duty.enterer_verifies'); END;
CREATE TRIGGER outcome_batches_reviewer_is_not_enterer_update BEFORE UPDATE ON outcome_batches
    WHEN NEW.reviewed_by IS NOT NULL AND NEW.reviewed_by = NEW.entered_by
BEGIN SELECT RAISE(ABORT, 'duty.enterer_verifies'); END;

-- 検査: neither the claim's preparer nor the supervisor who ran its payout.
CREATE TRIGGER claim_inspections_independent BEFORE INSERT ON claim_inspections
BEGIN
    SELECT RAISE(ABORT, 'duty.claim_preparer_inspects')
    WHERE EXISTS (SELECT 1 FROM claims WHERE id = NEW.claim_id AND prepared_by = NEW.inspected_by);
    SELECT RAISE(ABORT, 'duty.supervisor_inspects')
    WHERE EXISTS (SELECT 1 FROM claims c JOIN payout_runs r ON r.id = c.payout_run_id
                  WHERE c.id = NEW.claim_id AND r.created_by = NEW.inspected_by);
END;
CREATE TRIGGER claim_inspections_independent_update BEFORE UPDATE ON claim_inspections
BEGIN
    SELECT RAISE(ABORT, 'duty.claim_preparer_inspects')
    WHERE EXISTS (SELECT 1 FROM claims WHERE id = NEW.claim_id AND prepared_by = NEW.inspected_by);
    SELECT RAISE(ABORT, 'duty.supervisor_inspects')
    WHERE EXISTS (SELECT 1 FROM claims c JOIN payout_runs r ON r.id = c.payout_run_id
                  WHERE c.id = NEW.claim_id AND r.created_by = NEW.inspected_by);
END;

-- 支払: not recorded by the inspector who accepted the claim.
CREATE TRIGGER claim_payments_not_inspector BEFORE INSERT ON claim_payments
BEGIN
    SELECT RAISE(ABORT, 'duty.inspector_pays')
    WHERE EXISTS (SELECT 1 FROM claim_inspections
                  WHERE claim_id = NEW.claim_id AND result = 'accepted'
                    AND inspected_by = NEW.recorded_by);
END;
CREATE TRIGGER claim_payments_not_inspector_update BEFORE UPDATE ON claim_payments
BEGIN
    SELECT RAISE(ABORT, 'duty.inspector_pays')
    WHERE EXISTS (SELECT 1 FROM claim_inspections
                  WHERE claim_id = NEW.claim_id AND result = 'accepted'
                    AND inspected_by = NEW.recorded_by);
END;
