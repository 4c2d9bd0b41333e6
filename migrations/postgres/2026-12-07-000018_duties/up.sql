-- Duties that must be separate are kept apart here, not only by the service's checks: two
-- instances on READ COMMITTED, a script or a future endpoint cannot put one person in two of them.
-- Each refusal raises the catalogue code of its message (core::duty::Duty), which the service
-- answers as 403 in the reader's language.

-- Four eyes on outcome data: the person who entered a record or imported a batch does not
-- verify or reject it.
CREATE FUNCTION seika_reviewer_is_not_enterer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.reviewed_by IS NOT NULL AND NEW.reviewed_by = NEW.entered_by THEN
        RAISE EXCEPTION 'duty.enterer_verifies' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER outcome_results_reviewer_is_not_enterer BEFORE INSERT OR UPDATE ON outcome_results
    FOR EACH ROW EXECUTE FUNCTION seika_reviewer_is_not_enterer();
CREATE TRIGGER outcome_batches_reviewer_is_not_enterer BEFORE INSERT OR UPDATE ON outcome_batches
    FOR EACH ROW EXECUTE FUNCTION seika_reviewer_is_not_enterer();

-- 検査: the inspector is neither the person who prepared the claim nor the one who supervised the
-- contract's performance (監督: who ran the payout the claim rests on), as the Local Autonomy Act
-- keeps 監督 and 検査 apart.
CREATE FUNCTION seika_inspector_is_independent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM claims WHERE id = NEW.claim_id AND prepared_by = NEW.inspected_by) THEN
        RAISE EXCEPTION 'duty.claim_preparer_inspects' USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM claims c JOIN payout_runs r ON r.id = c.payout_run_id
               WHERE c.id = NEW.claim_id AND r.created_by = NEW.inspected_by) THEN
        RAISE EXCEPTION 'duty.supervisor_inspects' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER claim_inspections_independent BEFORE INSERT OR UPDATE ON claim_inspections
    FOR EACH ROW EXECUTE FUNCTION seika_inspector_is_independent();

-- 支払: the payment is recorded by someone other than the inspector who accepted the claim.
CREATE FUNCTION seika_payer_is_not_inspector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM claim_inspections
               WHERE claim_id = NEW.claim_id AND result = 'accepted'
                 AND inspected_by = NEW.recorded_by) THEN
        RAISE EXCEPTION 'duty.inspector_pays' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER claim_payments_not_inspector BEFORE INSERT OR UPDATE ON claim_payments
    FOR EACH ROW EXECUTE FUNCTION seika_payer_is_not_inspector();
