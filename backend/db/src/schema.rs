//! The portable diesel schema shared by SQLite and PostgreSQL (only common SQL types).

diesel::table! {
    server_settings (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        slug -> Text,
        kind -> Text,
        name_ja -> Text,
        name_en -> Text,
        lock_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        organization_id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        token_generation -> Integer,
        lock_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        code -> Text,
        owner_organization_id -> BigInt,
        status -> Text,
        title_ja -> Text,
        title_en -> Text,
        policy_area -> Text,
        currency -> Text,
        current_terms_version -> Integer,
        lock_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_terms (id) {
        id -> BigInt,
        project_id -> BigInt,
        version -> Integer,
        effective_from -> Date,
        reason -> Nullable<Text>,
        terms -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_parties (id) {
        id -> BigInt,
        project_id -> BigInt,
        organization_id -> BigInt,
        role -> Text,
        status -> Text,
        invited_at -> Nullable<Timestamp>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(projects -> organizations (owner_organization_id));
diesel::joinable!(project_terms -> projects (project_id));
diesel::joinable!(project_parties -> projects (project_id));
diesel::joinable!(project_parties -> organizations (organization_id));

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        client -> Text,
        succeeded -> Bool,
        at -> Timestamp,
        settled -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        seq -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    outcome_results (id) {
        id -> BigInt,
        project_id -> BigInt,
        kind -> Text,
        metric -> Text,
        tranche -> Nullable<Text>,
        achieved_on -> Nullable<Date>,
        value -> Nullable<Text>,
        numerator -> Nullable<Text>,
        denominator -> Nullable<Text>,
        comparison -> Nullable<Text>,
        cohort_size -> Nullable<Text>,
        estimates -> Nullable<Text>,
        evidence -> Nullable<Text>,
        status -> Text,
        locked -> Bool,
        supersedes_id -> Nullable<BigInt>,
        correction_reason -> Nullable<Text>,
        superseded_at -> Nullable<Timestamp>,
        entered_by -> BigInt,
        entered_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        rejection_reason -> Nullable<Text>,
        lock_version -> Integer,
    }
}

diesel::table! {
    payout_run_words (payout_run_id) {
        payout_run_id -> BigInt,
        words -> Text,
    }
}

diesel::table! {
    payout_runs (id) {
        id -> BigInt,
        project_id -> BigInt,
        terms_version -> Integer,
        engine_version -> Text,
        as_of -> Timestamp,
        inputs_sha256 -> Text,
        statement -> Text,
        statement_sha256 -> Text,
        total_minor -> BigInt,
        currency -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        key -> Text,
        request_sha256 -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outcome_batches (id) {
        id -> BigInt,
        project_id -> BigInt,
        source_name -> Text,
        source_sha256 -> Text,
        row_count -> BigInt,
        status -> Text,
        locked -> Bool,
        supersedes_id -> Nullable<BigInt>,
        correction_reason -> Nullable<Text>,
        superseded_at -> Nullable<Timestamp>,
        entered_by -> BigInt,
        entered_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        rejection_reason -> Nullable<Text>,
        lock_version -> Integer,
    }
}

diesel::table! {
    participant_records (id) {
        id -> BigInt,
        batch_id -> BigInt,
        participant -> Text,
        cohort -> Nullable<Text>,
        enrolled_on -> Nullable<Date>,
        outcome -> Text,
        achieved_on -> Date,
    }
}

diesel::joinable!(participant_records -> outcome_batches (batch_id));
diesel::joinable!(outcome_batches -> projects (project_id));
diesel::joinable!(outcome_results -> projects (project_id));
diesel::joinable!(payout_runs -> projects (project_id));
diesel::joinable!(payout_run_words -> payout_runs (payout_run_id));

diesel::table! {
    claims (id) {
        id -> BigInt,
        project_id -> BigInt,
        payout_run_id -> BigInt,
        statement_sha256 -> Text,
        tranche -> Text,
        tranche_due_on -> Date,
        payer -> Text,
        payer_organization_id -> BigInt,
        issuer_organization_id -> BigInt,
        invoice_number -> Text,
        issued_on -> Date,
        received_on -> Date,
        description -> Text,
        lines -> Text,
        currency -> Text,
        amounts_include_tax -> Bool,
        tax_rate -> Text,
        net_minor -> BigInt,
        tax_minor -> BigInt,
        total_minor -> BigInt,
        paid_minor -> BigInt,
        status -> Text,
        inspection_due_on -> Date,
        payment_due_on -> Date,
        late_interest_rate -> Nullable<Text>,
        prepared_by -> BigInt,
        lock_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    claim_inspections (id) {
        id -> BigInt,
        claim_id -> BigInt,
        inspected_by -> BigInt,
        inspected_on -> Date,
        result -> Text,
        checks -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    claim_payments (id) {
        id -> BigInt,
        claim_id -> BigInt,
        paid_on -> Date,
        amount_minor -> BigInt,
        budget_account -> Text,
        reference -> Text,
        recorded_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    distribution_payments (id) {
        id -> BigInt,
        project_id -> BigInt,
        payout_run_id -> BigInt,
        tranche -> Text,
        investment -> Text,
        amount_minor -> BigInt,
        paid_on -> Date,
        reference -> Text,
        recorded_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    budget_lines (id) {
        id -> BigInt,
        project_id -> BigInt,
        fiscal_year -> Integer,
        account -> Text,
        code -> Text,
        appropriation_minor -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    debt_commitments (id) {
        id -> BigInt,
        project_id -> BigInt,
        item -> Text,
        from_fiscal_year -> Integer,
        to_fiscal_year -> Integer,
        total_limit_minor -> BigInt,
        yearly_limits -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evidence_files (id) {
        id -> BigInt,
        project_id -> BigInt,
        collection -> Text,
        record_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    batch_samples (id) {
        id -> BigInt,
        project_id -> BigInt,
        batch_id -> BigInt,
        seed -> Text,
        size_rule -> Text,
        population -> BigInt,
        drawn_by -> BigInt,
        drawn_at -> Timestamp,
    }
}

diesel::table! {
    sample_checks (id) {
        id -> BigInt,
        sample_id -> BigInt,
        position -> Integer,
        record_id -> BigInt,
        stratum -> Nullable<Text>,
        finding -> Nullable<Text>,
        note -> Nullable<Text>,
        checked_by -> Nullable<BigInt>,
        checked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sample_checks -> batch_samples (sample_id));
diesel::joinable!(sample_checks -> participant_records (record_id));
diesel::joinable!(claims -> projects (project_id));
diesel::joinable!(claim_inspections -> claims (claim_id));
diesel::joinable!(claim_payments -> claims (claim_id));

diesel::table! {
    project_publications (project_id) {
        project_id -> BigInt,
        published -> Bool,
        public_sections -> Text,
        privacy_threshold -> Integer,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    investor_disclosures (project_id, organization_id) {
        project_id -> BigInt,
        organization_id -> BigInt,
        disclosed_by -> BigInt,
        disclosed_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        project_id -> BigInt,
        requested_by -> BigInt,
        idempotency_key -> Nullable<Text>,
        input -> Text,
        status -> Text,
        progress_done -> BigInt,
        progress_total -> BigInt,
        attempts -> Integer,
        claimed_by -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamp>,
        result -> Nullable<Text>,
        problem -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(project_publications -> projects (project_id));

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_sha256 -> Text,
        issued_by -> BigInt,
        expires_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(password_resets -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    password_resets,
    project_publications,
    investor_disclosures,
    batch_samples,
    sample_checks,
    evidence_files,
    budget_lines,
    debt_commitments,
    distribution_payments,
    claims,
    claim_inspections,
    claim_payments,
    server_settings,
    organizations,
    users,
    projects,
    project_terms,
    project_parties,
    revoked_tokens,
    login_attempts,
    audit_log,
    outcome_results,
    payout_runs,
    payout_run_words,
    idempotency_keys,
    outcome_batches,
    participant_records,
);
