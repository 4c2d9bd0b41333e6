//! Claims, inspection and payment: the sequence as a municipality runs it, each refusal, the legal
//! deadlines and late interest on hand-computed examples, and the project's money stages.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::projects::{project_id, send_with_if_match};
use crate::util::{TestApp, TestResponse, db_test};

/// A valid registration number (the National Tax Agency's corporate number).
const INVOICE: &str = "T7000012050002";

async fn latest_run(app: &TestApp, project: i64, token: &str) -> i64 {
    app.get(
        &format!("/api/v1/projects/{project}/payout-runs"),
        Some(token),
    )
    .await
    .json()[0]["id"]
        .as_i64()
        .unwrap()
}

pub async fn org_id(app: &TestApp, slug: &'static str) -> i64 {
    app.with_conn(move |conn| {
        seika_db::organizations::find_by_slug(conn, slug)
            .unwrap()
            .unwrap()
            .id
    })
    .await
}

/// A second member of Kobe City's staff, for four eyes.
async fn second_kobe_staff(app: &TestApp) -> String {
    kobe_staff(app, "staff2@kobe-city.example", "Kobe inspector").await
}

/// A new member of Kobe City's staff, logged in.
async fn kobe_staff(app: &TestApp, email: &str, name: &str) -> String {
    let admin = app.login("admin@seika.example").await;
    let kobe_city = org_id(app, "kobe-city").await;
    app.post(
        "/api/v1/users",
        Some(&admin),
        &json!({"email": email, "display_name": name,
                "role": "government_staff", "organization_id": kobe_city,
                "password": seika::demo::DEMO_PASSWORD}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.login(email).await
}

/// Removes the demo's claims, payments, distributions, appropriations and commitment of a
/// project, so a test starts from a project whose money has not moved yet.
pub async fn without_demo_claims(app: &TestApp, project: i64) {
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::{claim_inspections, claim_payments, claims, distribution_payments};
        let ids: Vec<i64> = claims::table
            .filter(claims::project_id.eq(project))
            .select(claims::id)
            .load(conn)
            .unwrap();
        diesel::delete(
            distribution_payments::table.filter(distribution_payments::project_id.eq(project)),
        )
        .execute(conn)
        .unwrap();
        diesel::delete(claim_payments::table.filter(claim_payments::claim_id.eq_any(&ids)))
            .execute(conn)
            .unwrap();
        diesel::delete(claim_inspections::table.filter(claim_inspections::claim_id.eq_any(&ids)))
            .execute(conn)
            .unwrap();
        diesel::delete(claims::table.filter(claims::id.eq_any(&ids)))
            .execute(conn)
            .unwrap();
        use seika_db::schema::{budget_lines, debt_commitments};
        diesel::delete(budget_lines::table.filter(budget_lines::project_id.eq(project)))
            .execute(conn)
            .unwrap();
        diesel::delete(debt_commitments::table.filter(debt_commitments::project_id.eq(project)))
            .execute(conn)
            .unwrap();
    })
    .await
}

fn claims_path(project: i64) -> String {
    format!("/api/v1/projects/{project}/claims")
}

async fn submit(app: &TestApp, project: i64, token: &str, body: &Value) -> TestResponse {
    app.post(&claims_path(project), Some(token), body).await
}

fn claim_body(run: i64, tranche: &str) -> Value {
    json!({"payout_run_id": run, "tranche": tranche, "payer": "kobe-city",
           "invoice_number": INVOICE, "issued_on": seika_service::claims::today(),
           "description": "成果連動型委託料（中間評価）"})
}

/// Claim → inspection (returned, resubmitted, accepted) → partial and final payment, with every
/// refusal on the way, on the demo's Kobe run.
async fn a_claim_is_inspected_and_paid_in_parts(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    without_demo_claims(&app, kobe).await;
    let provider = app.login("provider@dpp.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    let inspector = second_kobe_staff(&app).await;
    let run = latest_run(&app, kobe, &staff).await;

    // Refusals first: nothing is written by any of them.
    let mut over = claim_body(run, "interim");
    over["amount"] = json!("26200001");
    let res = submit(&app, kobe, &provider, &over).await;
    res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body_text().contains("\"amount\""));
    let mut bad_number = claim_body(run, "interim");
    bad_number["invoice_number"] = json!("T8000012050002");
    submit(&app, kobe, &provider, &bad_number)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut backdated = claim_body(run, "interim");
    backdated["received_on"] = json!("2019-04-01");
    submit(&app, kobe, &provider, &backdated)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let investor = app.login("investor@smbc.example").await;
    submit(&app, kobe, &investor, &claim_body(run, "interim"))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let hachioji_staff = app.login("staff@hachioji-city.example").await;
    submit(&app, kobe, &hachioji_staff, &claim_body(run, "interim"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&claims_path(kobe), Some(&staff))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // The provider claims the interim tranche: the statement's ¥26,200,000, tax included (the
    // contract states no invoicing terms): tax = ⌊26,200,000 × 0.10 ÷ 1.10⌋ = ¥2,381,818.
    let res = submit(&app, kobe, &provider, &claim_body(run, "interim")).await;
    res.assert_status(StatusCode::CREATED);
    let claim = res.json();
    let id = claim["id"].as_i64().unwrap();
    assert_eq!(claim["status"], "submitted");
    assert_eq!(claim["total"], "26200000");
    assert_eq!(claim["tax"], "2381818");
    assert_eq!(claim["net"], "23818182");
    assert_eq!(claim["paid"], "0");
    assert_eq!(claim["payer_name_en"], "Kobe City");
    assert_eq!(claim["tranche_due_on"], "2019-03-29");
    assert_eq!(claim["fiscal_year"], 2018, "March 2019 is in FY2018");
    assert_eq!(claim["lines"].as_array().unwrap().len(), 2);
    let today = seika_service::claims::today();
    assert_eq!(claim["received_on"], json!(today));
    assert_eq!(
        claim["inspection_due_on"],
        json!(today + chrono::Duration::days(10))
    );
    assert_eq!(
        claim["payment_due_on"],
        json!(today + chrono::Duration::days(15))
    );
    // One live claim per tranche and payer.
    submit(&app, kobe, &provider, &claim_body(run, "interim"))
        .await
        .assert_problem(StatusCode::CONFLICT);

    // Only the payer's staff inspect, and not the person who prepared the claim.
    let path = format!("{}/{id}", claims_path(kobe));
    app.post(
        &format!("{path}/inspection"),
        Some(&provider),
        &json!({"accept": true}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    app.post(
        &format!("{path}/inspection"),
        Some(&hachioji_staff),
        &json!({"accept": true}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    app.post(
        &format!("{path}/inspection"),
        Some(&inspector),
        &json!({"accept": false}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    // Not accepted yet: no payment.
    app.post(
        &format!("{path}/payments"),
        Some(&staff),
        &json!({"paid_on": today, "amount": "1", "budget_account": "一般会計", "reference": "x"}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);

    let returned = app
        .post(
            &format!("{path}/inspection"),
            Some(&inspector),
            &json!({"accept": false, "reason": "登録番号の記載漏れ", "checks": ["amount matches the statement"]}),
        )
        .await;
    returned.assert_status(StatusCode::OK);
    assert_eq!(returned.json()["status"], "returned");
    assert_eq!(
        returned.json()["inspections"][0]["reason"],
        "登録番号の記載漏れ"
    );
    let resubmitted = app
        .post(
            &format!("{path}/resubmit"),
            Some(&provider),
            &json!({"invoice_number": INVOICE, "issued_on": today, "description": "成果連動型委託料（中間評価）再提出"}),
        )
        .await;
    resubmitted.assert_status(StatusCode::OK);
    assert_eq!(resubmitted.json()["status"], "submitted");
    let accepted = app
        .post(
            &format!("{path}/inspection"),
            Some(&inspector),
            &json!({"accept": true, "checks": ["amount matches the statement", "registration number"]}),
        )
        .await;
    accepted.assert_status(StatusCode::OK);
    let accepted = accepted.json();
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["inspections"].as_array().unwrap().len(), 2);
    assert_eq!(accepted["inspections"][1]["inspected_by"], "Kobe inspector");

    // Payments: in part, never beyond what is outstanding.
    let pay = |amount: &str| {
        json!({"paid_on": today, "amount": amount, "budget_account": "国民健康保険特別会計 款2項1目1節13",
               "reference": "支出命令 2026-0042"})
    };
    let first = app
        .post(&format!("{path}/payments"), Some(&staff), &pay("20000000"))
        .await;
    first.assert_status(StatusCode::CREATED);
    assert_eq!(first.json()["status"], "accepted");
    assert_eq!(first.json()["outstanding"], "6200000");
    let res = app
        .post(&format!("{path}/payments"), Some(&staff), &pay("6200001"))
        .await;
    // Over what is outstanding: a conflict with the claim's state, naming what is outstanding.
    let problem = res.assert_problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"].as_str().unwrap().contains("6200000"),
        "{problem}"
    );
    app.post(&format!("{path}/payments"), Some(&staff), &pay("-5"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.post(&format!("{path}/payments"), Some(&provider), &pay("1"))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let last = app
        .post(&format!("{path}/payments"), Some(&staff), &pay("6200000"))
        .await;
    last.assert_status(StatusCode::CREATED);
    let paid = last.json();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["paid"], "26200000");
    assert_eq!(paid["outstanding"], "0");
    assert_eq!(paid["payments"].as_array().unwrap().len(), 2);
    assert_eq!(paid["payments"][0]["late_interest"], "0");

    // The project's money, each stage under its own name.
    let figures = app
        .get(&format!("/api/v1/projects/{kobe}/figures"), Some(&staff))
        .await
        .json();
    assert_eq!(
        figures["claims"],
        json!({"claimed": "26200000", "accepted": "26200000", "paid": "26200000", "outstanding": "0"})
    );
    let cap: i64 = figures["due"]["max_total_payment"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        figures["room_under_cap_after_payments"],
        json!((cap - 26_200_000).to_string())
    );

    // Every step of this claim is in the audit log.
    let admin = app.login("admin@seika.example").await;
    let log = app.get("/api/v1/audit", Some(&admin)).await.json();
    let entity_id = id.to_string();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "claim" && e["entity_id"] == entity_id.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "claim.payment_recorded",
            "claim.payment_recorded",
            "claim.accepted",
            "claim.resubmitted",
            "claim.returned",
            "claim.submitted"
        ]
    );
}
db_test!(a_claim_is_inspected_and_paid_in_parts);

/// 監督, 検査 and 支払 are three people, kept apart by the database: the staff member who ran the
/// payout a claim rests on cannot inspect it, and the inspector who accepted it cannot record its
/// payment. The service has no check of its own for these two: the refusals come from the
/// database's triggers, in the reader's language, and nothing is written.
async fn supervisor_inspector_and_payer_are_different_people(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    without_demo_claims(&app, kobe).await;
    let provider = app.login("provider@dpp.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    let inspector = second_kobe_staff(&app).await;
    let run = app
        .post(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    run.assert_status(StatusCode::CREATED);
    let run = run.json()["id"].as_i64().unwrap();
    let claim = submit(&app, kobe, &provider, &claim_body(run, "interim")).await;
    claim.assert_status(StatusCode::CREATED);
    let path = format!("{}/{}", claims_path(kobe), claim.json()["id"]);

    let refused = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri(format!("{path}/inspection"))
                .header("authorization", format!("Bearer {staff}"))
                .header("content-type", "application/json")
                .header("accept-language", "ja")
                .body(axum::body::Body::from(r#"{"accept": true}"#))
                .unwrap(),
        )
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    assert_eq!(refused["code"], "duty.supervisor_inspects", "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("監督と検査の分離"),
        "{refused}"
    );
    let still = app.get(&path, Some(&staff)).await.json();
    assert_eq!(still["status"], "submitted");
    assert_eq!(still["inspections"].as_array().unwrap().len(), 0);

    app.post(
        &format!("{path}/inspection"),
        Some(&inspector),
        &json!({"accept": true}),
    )
    .await
    .assert_status(StatusCode::OK);
    let total = still["total"].as_str().unwrap().to_owned();
    let pay = json!({"paid_on": seika_service::claims::today(), "amount": total,
                     "budget_account": "一般会計", "reference": "duties"});
    let refused = app
        .post(&format!("{path}/payments"), Some(&inspector), &pay)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    assert_eq!(refused["code"], "duty.inspector_pays", "{refused}");
    let unpaid = app.get(&path, Some(&staff)).await.json();
    assert_eq!(unpaid["paid"], "0");
    assert_eq!(unpaid["status"], "accepted");
    app.post(&format!("{path}/payments"), Some(&staff), &pay)
        .await
        .assert_status(StatusCode::CREATED);
}
db_test!(supervisor_inspector_and_payer_are_different_people);

/// The database itself refuses a reviewer who entered the record, whatever code writes it.
async fn the_database_refuses_the_enterer_as_reviewer(app: TestApp) {
    let refused = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use seika_db::schema::{outcome_batches, outcome_results};
            let results = diesel::update(outcome_results::table)
                .set(outcome_results::reviewed_by.eq(outcome_results::entered_by.nullable()))
                .execute(conn)
                .unwrap_err();
            let kobe = seika_db::projects::find_by_code(conn, "kobe-dialysis-2017")
                .unwrap()
                .unwrap()
                .id;
            let evaluator = seika_db::users::find_by_email(conn, "evaluator@mirai.example")
                .unwrap()
                .unwrap()
                .id;
            let batches = seika_db::batches::insert_generated(
                conn,
                kobe,
                "self-verified.csv",
                0,
                (evaluator, evaluator),
                &|_| {},
            )
            .unwrap_err();
            let left: i64 = outcome_batches::table.count().get_result(conn).unwrap();
            assert_eq!(left, 0, "nothing was stored");
            (
                seika_db::refused_duty(&results),
                seika_db::refused_duty(&batches),
            )
        })
        .await;
    let enterer = Some(seika_core::duty::Duty::EntererVerifies);
    assert_eq!(refused, (enterer, enterer));
}
db_test!(the_database_refuses_the_enterer_as_reviewer);

/// Kobe amended with invoicing terms: 30 days to pay and 2.5 % a year late interest. A paper claim
/// received 2019-04-01 is due 2019-05-01; paid 2019-05-13, 12 days late: 26,200,000 × 0.025 × 12 ÷
/// 365 = 21,534.246… → ¥21,534. The final tranche's claim, accepted and never paid, is overdue and
/// accrues interest; a claim never inspected is overdue for inspection.
async fn deadlines_and_late_interest_follow_the_contract(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    without_demo_claims(&app, kobe).await;
    let staff = app.login("staff@kobe-city.example").await;
    let inspector = second_kobe_staff(&app).await;
    let project = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&staff))
        .await;
    let etag = project.header("etag").unwrap().to_owned();
    let mut terms = project.json()["terms"].clone();
    terms["invoicing"] = json!({"amounts_include_tax": true, "tax_rate": "0.10",
        "payment_days": 30, "late_interest_annual_rate": "0.025"});
    // A payment period beyond the law's 30 days is refused.
    let mut too_long = terms.clone();
    too_long["invoicing"]["payment_days"] = json!(40);
    let res = send_with_if_match(
        &app,
        axum::http::Method::POST,
        &format!("/api/v1/projects/{kobe}/amendments"),
        &staff,
        &etag,
        &json!({"reason": "支払条件", "effective_from": "2019-01-01", "terms": too_long}),
    )
    .await;
    res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body_text().contains("terms.invoicing.payment_days"));
    send_with_if_match(
        &app,
        axum::http::Method::POST,
        &format!("/api/v1/projects/{kobe}/amendments"),
        &staff,
        &etag,
        &json!({"reason": "支払条件の明記", "effective_from": "2019-01-01", "terms": terms}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let run = app
        .post(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    run.assert_status(StatusCode::CREATED);
    let run = run.json()["id"].as_i64().unwrap();
    let dpp = org_id(&app, "dpp-health-partners").await;

    // A paper claim entered by the city's staff on the provider's behalf.
    let mut body = claim_body(run, "interim");
    body["issuer_organization_id"] = json!(dpp);
    body["issued_on"] = json!("2019-03-29");
    body["received_on"] = json!("2019-04-01");
    let claim = submit(&app, kobe, &staff, &body).await;
    claim.assert_status(StatusCode::CREATED);
    let claim = claim.json();
    assert_eq!(claim["issuer_name_en"], "DPP Health Partners");
    assert_eq!(claim["inspection_due_on"], "2019-04-11");
    assert_eq!(claim["payment_due_on"], "2019-05-01");
    assert_eq!(claim["inspection_overdue"], true);
    let path = format!("{}/{}", claims_path(kobe), claim["id"]);
    // Who entered it does not inspect it.
    app.post(
        &format!("{path}/inspection"),
        Some(&staff),
        &json!({"accept": true}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    app.post(
        &format!("{path}/inspection"),
        Some(&inspector),
        &json!({"accept": true, "inspected_on": "2019-04-08"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let accepted = app.get(&path, Some(&staff)).await.json();
    assert_eq!(accepted["payment_overdue"], true);
    assert_ne!(accepted["late_interest_accruing"], "0");
    let paid = app
        .post(
            &format!("{path}/payments"),
            Some(&staff),
            &json!({"paid_on": "2019-05-13", "amount": "26200000",
                    "budget_account": "一般会計", "reference": "2019-0513"}),
        )
        .await;
    paid.assert_status(StatusCode::CREATED);
    let paid = paid.json();
    assert_eq!(paid["payments"][0]["days_late"], 12);
    assert_eq!(paid["payments"][0]["late_interest"], "21534");
    assert_eq!(paid["late_interest_on_payments"], "21534");
    assert_eq!(paid["late_interest_accruing"], "0");
    assert_eq!(paid["payment_overdue"], false);
}
db_test!(deadlines_and_late_interest_follow_the_contract);

/// A tranche whose lines still await verified data cannot be claimed.
async fn a_tranche_awaiting_data_is_not_claimed(app: TestApp) {
    let hachioji = project_id(&app, "hachioji-screening-2017").await;
    let staff = app.login("staff@hachioji-city.example").await;
    let run = app
        .post(
            &format!("/api/v1/projects/{hachioji}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    run.assert_status(StatusCode::CREATED);
    let run = run.json();
    let tranche = run["statement"]["lines"][0]["tranche"].as_str().unwrap();
    assert_eq!(run["statement"]["lines"][0]["status"], "awaiting_data");
    let cancerscan = org_id(&app, "cancerscan").await;
    let res = submit(
        &app,
        hachioji,
        &staff,
        &json!({"payout_run_id": run["id"], "tranche": tranche, "payer": "hachioji-city",
                "invoice_number": INVOICE, "issued_on": "2019-06-01", "received_on": "2019-06-03",
                "description": "成果連動型委託料", "issuer_organization_id": cancerscan}),
    )
    .await;
    res.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body_text().contains("a final tranche"),
        "{}",
        res.body_text()
    );
}
db_test!(a_tranche_awaiting_data_is_not_claimed);

/// Two payments of the whole outstanding amount at once (PostgreSQL under READ COMMITTED too):
/// one is recorded, the other refused; the claim is paid exactly once.
async fn simultaneous_payments_never_overpay(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    without_demo_claims(&app, kobe).await;
    let provider = app.login("provider@dpp.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    let inspector = second_kobe_staff(&app).await;
    let run = latest_run(&app, kobe, &staff).await;
    let claim = submit(&app, kobe, &provider, &claim_body(run, "final")).await;
    claim.assert_status(StatusCode::CREATED);
    let total = claim.json()["total"].as_str().unwrap().to_owned();
    let path = format!("{}/{}", claims_path(kobe), claim.json()["id"]);
    app.post(
        &format!("{path}/inspection"),
        Some(&inspector),
        &json!({"accept": true}),
    )
    .await
    .assert_status(StatusCode::OK);
    let body = json!({"paid_on": seika_service::claims::today(), "amount": total,
                      "budget_account": "一般会計", "reference": "race"});
    let payments = format!("{path}/payments");
    // Two people of the accounts side (neither is the inspector, who may not record payments).
    let accounts = kobe_staff(&app, "accounts@kobe-city.example", "Kobe accounts").await;
    let (a, b) = tokio::join!(
        app.post(&payments, Some(&staff), &body),
        app.post(&payments, Some(&accounts), &body)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    // The loser is refused with the same 409 whether the conditional update stopped it or, if
    // it arrived after the winner committed, the check of what is outstanding.
    assert_eq!(statuses, [201, 409], "{statuses:?}");
    let loser = if a.status.as_u16() == 409 { &a } else { &b };
    let detail = loser.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("at most the 0 outstanding"), "{detail}");
    // The same over-payment asked again, with nothing racing: the same answer.
    let again = app.post(&payments, Some(&staff), &body).await;
    again.assert_problem(StatusCode::CONFLICT);
    assert_eq!(again.json()["detail"], detail.as_str());
    let claim = app.get(&path, Some(&staff)).await.json();
    assert_eq!(claim["paid"], total);
    assert_eq!(claim["payments"].as_array().unwrap().len(), 1);
}
db_test!(simultaneous_payments_never_overpay);

/// Once a tranche's claim is paid in full, its distributions to investors are due; the city
/// records them as paid at the waterfall's amounts; investors see their own in detail, the others
/// in aggregate; and what the waterfall received is distributed plus retained, to the unit.
async fn distributions_become_due_when_the_tranche_is_paid(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    without_demo_claims(&app, kobe).await;
    let provider = app.login("provider@dpp.example").await;
    let staff = app.login("staff@kobe-city.example").await;
    let inspector = second_kobe_staff(&app).await;
    let investor = app.login("investor@smbc.example").await;
    let path = format!("/api/v1/projects/{kobe}/distributions");

    let before = app.get(&path, Some(&staff)).await.json();
    let tranches = before["tranches"].as_array().unwrap();
    assert_eq!(tranches.len(), 2);
    for t in tranches {
        assert_eq!(t["state"], "computed");
        assert_eq!(t["reconciles"], true);
        let distributed: i64 = t["investments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["computed"].as_str().unwrap().parse::<i64>().unwrap())
            .sum();
        let retained: i64 = t["retained"].as_str().unwrap().parse().unwrap();
        let received: i64 = t["computed_received"].as_str().unwrap().parse().unwrap();
        assert_eq!(distributed + retained, received, "{t}");
    }
    let interim = &tranches[0];
    assert_eq!(interim["tranche"], "interim");
    let investment = interim["investments"][0]["investment"]
        .as_str()
        .unwrap()
        .to_owned();
    let record = |investment: &str| {
        json!({"tranche": "interim", "investment": investment,
               "paid_on": seika_service::claims::today(), "reference": "振込 0001"})
    };
    // Not due before the city has paid the tranche.
    app.post(&path, Some(&staff), &record(&investment))
        .await
        .assert_problem(StatusCode::CONFLICT);

    let run = latest_run(&app, kobe, &staff).await;
    let claim = submit(&app, kobe, &provider, &claim_body(run, "interim")).await;
    claim.assert_status(StatusCode::CREATED);
    let claim_path = format!("{}/{}", claims_path(kobe), claim.json()["id"]);
    app.post(
        &format!("{claim_path}/inspection"),
        Some(&inspector),
        &json!({"accept": true}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.post(
        &format!("{claim_path}/payments"),
        Some(&staff),
        &json!({"paid_on": seika_service::claims::today(), "amount": "26200000",
                "budget_account": "一般会計", "reference": "支出 1"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let due = app.get(&path, Some(&staff)).await.json();
    assert_eq!(due["tranches"][0]["state"], "due");
    assert_eq!(due["tranches"][0]["paid_in"], "26200000");
    assert_eq!(due["tranches"][1]["state"], "computed");
    let owed = app.get(&path, Some(&investor)).await.json();
    assert_eq!(
        owed["own"]["due"],
        owed["tranches"][0]["investments"][0]["computed"]
    );
    assert_eq!(owed["own"]["paid"], "0");

    // An investor that is not the intermediary does not record distributions.
    app.post(&path, Some(&investor), &record(&investment))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let investments: Vec<String> = due["tranches"][0]["investments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["computed"] != "0")
        .map(|i| i["investment"].as_str().unwrap().to_owned())
        .collect();
    for i in &investments {
        app.post(&path, Some(&staff), &record(i))
            .await
            .assert_status(StatusCode::CREATED);
    }
    app.post(&path, Some(&staff), &record(&investments[0]))
        .await
        .assert_problem(StatusCode::CONFLICT);
    let paid = app.get(&path, Some(&staff)).await.json();
    assert_eq!(paid["tranches"][0]["state"], "paid");
    for i in paid["tranches"][0]["investments"].as_array().unwrap() {
        if i["computed"] != "0" {
            assert_eq!(i["paid"], i["computed"], "{i}");
        }
    }

    // The investor sees its own investment in detail and the others in aggregate.
    let own = app.get(&path, Some(&investor)).await.json();
    let mine = own["tranches"][0]["investments"].as_array().unwrap();
    assert!(mine.iter().all(|i| i["investor"] == "smbc"), "{own}");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["paid"], mine[0]["computed"]);
    assert_eq!(own["tranches"][0]["other_investors"]["investments"], 2);
    // Its totals: the interim distribution paid, nothing due, the final tranche computed only.
    assert_eq!(own["own"]["paid"], mine[0]["computed"]);
    assert_eq!(own["own"]["due"], "0");
    assert_eq!(own["own"]["computed"], mine[0]["computed"]);
}
db_test!(distributions_become_due_when_the_tranche_is_paid);

/// The demo's Kobe money on its real dates: the interim claim returned once, resubmitted,
/// accepted and paid in FY2018; the final claim paid ten days late in FY2020; every distribution
/// recorded; computed and paid agree to the yen.
async fn the_demo_shows_kobe_money_as_it_moved(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let investor = app.login("investor@smbc.example").await;
    let claims = app.get(&claims_path(kobe), Some(&investor)).await.json();
    let claims = claims.as_array().unwrap();
    assert_eq!(claims.len(), 2);
    let (last, interim) = (&claims[0], &claims[1]);
    assert_eq!(interim["tranche"], "interim");
    assert_eq!(interim["status"], "paid");
    assert_eq!(interim["total"], "26200000");
    let results: Vec<&str> = interim["inspections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["returned", "accepted"]);
    assert_eq!(interim["received_on"], "2019-03-08");
    assert_eq!(interim["payments"][0]["paid_on"], "2019-03-22");
    assert_eq!(interim["payments"][0]["days_late"], 0);
    assert_eq!(last["tranche"], "final");
    assert_eq!(last["total"], "3232425");
    assert_eq!(last["payment_due_on"], "2020-10-20");
    assert_eq!(last["payments"][0]["days_late"], 10);
    let figures = app
        .get(&format!("/api/v1/projects/{kobe}/figures"), Some(&investor))
        .await
        .json();
    assert_eq!(figures["claims"]["paid"], figures["due"]["computed_total"]);
    let distributions = app
        .get(
            &format!("/api/v1/projects/{kobe}/distributions"),
            Some(&investor),
        )
        .await
        .json();
    for t in distributions["tranches"].as_array().unwrap() {
        assert_eq!(t["state"], "paid", "{t}");
    }
    let budget = app
        .get(&format!("/api/v1/projects/{kobe}/budget"), Some(&investor))
        .await
        .json();
    assert_eq!(budget["appropriations_from_contract"], false);
    assert_eq!(budget["commitment"]["total_limit"], "34060000");
    assert_eq!(budget["years"][0]["paid"], "26200000");
    assert_eq!(budget["years"][1]["remaining"], "4627575");
    // The most each year can bring, hand-computed from the terms: FY2018 the two fixed interim
    // payments ¥10,480,000 + ¥15,720,000; FY2020 the final linear payment's ¥7,860,000.
    assert_eq!(budget["years"][0]["maximum"], "26200000");
    assert_eq!(budget["years"][1]["maximum"], "7860000");
    let forecast = &figures["due"]["fiscal_years"];
    assert_eq!(forecast[0]["maximum"], "26200000");
    assert_eq!(forecast[1]["maximum"], "7860000");
    assert_eq!(forecast[1]["computed"], "3232425");
    assert!(
        budget["warnings"].as_array().unwrap().is_empty(),
        "{budget}"
    );
}
db_test!(the_demo_shows_kobe_money_as_it_moved);

/// The investor statement downloads with the distributions the API shows the investor, its own
/// only: one row per investment and tranche, paid amounts and dates, in XLSX and Shift_JIS CSV.
async fn investor_statement_downloads_the_investors_own_distributions(app: TestApp) {
    use seika_formats::sheet::{SheetLimits, Table};
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let investor = app.login("investor@smbc.example").await;
    let distributions = app
        .get(
            &format!("/api/v1/projects/{kobe}/distributions"),
            Some(&investor),
        )
        .await
        .json();
    let mut expected = Vec::new();
    for t in distributions["tranches"].as_array().unwrap() {
        for d in t["investments"].as_array().unwrap() {
            assert_eq!(d["investor"], "smbc", "an investor sees only its own: {d}");
            expected.push((
                d["investment"].as_str().unwrap().to_owned(),
                t["tranche"].as_str().unwrap().to_owned(),
                d["computed"].as_str().unwrap().to_owned(),
                d["paid"].as_str().unwrap().to_owned(),
                d["paid_on"].as_str().unwrap().to_owned(),
            ));
        }
    }
    assert!(!expected.is_empty());
    let file = app
        .get(
            &format!("/api/v1/projects/{kobe}/investor-statement?format=xlsx"),
            Some(&investor),
        )
        .await;
    file.assert_status(StatusCode::OK);
    let table = Table::read(&file.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.headers[6], "配分額（計算値）（JPY）computed (JPY)");
    let got: Vec<_> = table
        .rows
        .iter()
        .map(|r| {
            (
                r.cells[2].clone(),
                r.cells[4].clone(),
                r.cells[6].clone(),
                r.cells[7].clone(),
                r.cells[8].clone(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(table.rows.iter().all(|r| r.cells[5] == "支払済 paid"));
    let csv = app
        .get(
            &format!("/api/v1/projects/{kobe}/investor-statement?encoding=shift_jis"),
            Some(&investor),
        )
        .await;
    assert_eq!(
        csv.header("content-type"),
        Some("text/csv; charset=Shift_JIS")
    );
    let table = Table::read(&csv.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.rows.len(), expected.len());
    assert!(
        table.rows[0].cells[0].contains("神戸"),
        "{:?}",
        table.rows[0]
    );
}
db_test!(investor_statement_downloads_the_investors_own_distributions);

fn warning_kinds(budget: &Value) -> Vec<String> {
    budget["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{}:{}", w["kind"].as_str().unwrap(), w["fiscal_year"]))
        .collect()
}

/// Appropriations and the 債務負担行為 against what is committed and projected, per fiscal year,
/// with a warning wherever a limit would be exceeded (hand-computed on Kobe's figures).
async fn budgets_warn_where_limits_would_be_exceeded(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    without_demo_claims(&app, kobe).await;
    let staff = app.login("staff@kobe-city.example").await;
    let path = format!("/api/v1/projects/{kobe}/budget");

    // Without appropriations entered, the contract's budget lines stand in: FY2018 ¥26,200,000
    // for the interim tranche's ¥26,200,000, FY2020 ¥7,860,000 for the final ¥3,232,425.
    let budget = app.get(&path, Some(&staff)).await.json();
    assert_eq!(budget["appropriations_from_contract"], true);
    assert_eq!(budget["years"][0]["fiscal_year"], 2018);
    assert_eq!(budget["years"][0]["projected"], "26200000");
    assert_eq!(budget["years"][0]["remaining"], "0");
    assert_eq!(budget["years"][1]["fiscal_year"], 2020);
    assert_eq!(budget["years"][1]["remaining"], "4627575");
    assert!(budget["warnings"].as_array().unwrap().is_empty());
    // The schedule: the interim tranche due 2019-03-29 is paid by 2019-04-23 at the latest (10
    // days to inspect, 15 to pay); the final one can take at most the maximum less the interim.
    let interim = &budget["schedule"][0];
    assert_eq!(interim["latest_payment_on"], "2019-04-23");
    assert_eq!(interim["fiscal_year"], 2018);
    assert_eq!(interim["stage"], "projected");
    assert_eq!(budget["schedule"][1]["at_most"], "7860000");

    // The city enters what its assembly approved: FY2018 ¥20,000,000 on the NHI special account,
    // and a 債務負担行為 of ¥30,000,000 for FY2017–FY2020, ¥3,000,000 in FY2020.
    let line = |fy: i32, account: &str, amount: &str| json!({"fiscal_year": fy, "account": account, "code": "款2項1目1節13", "appropriation": amount});
    let lines = format!("/api/v1/projects/{kobe}/budget-lines");
    app.post(
        &lines,
        Some(&staff),
        &line(2018, "国民健康保険特別会計", "20000000"),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.post(
        &lines,
        Some(&staff),
        &line(2018, "国民健康保険特別会計", "1"),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    app.post(&lines, Some(&staff), &line(1900, "一般会計", "1"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let evaluator = app.login("evaluator@mirai.example").await;
    app.post(&lines, Some(&evaluator), &line(2019, "一般会計", "1"))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let hachioji = app.login("staff@hachioji-city.example").await;
    app.post(&lines, Some(&hachioji), &line(2019, "一般会計", "1"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let commitment = app
        .post(
            &format!("/api/v1/projects/{kobe}/debt-commitments"),
            Some(&staff),
            &json!({"item": "糖尿病性腎症等重症化予防事業委託", "from_fiscal_year": 2017, "to_fiscal_year": 2020,
                    "total_limit": "30000000", "yearly_limits": [{"fiscal_year": 2020, "limit": "3000000"}]}),
        )
        .await;
    commitment.assert_status(StatusCode::CREATED);
    let budget = commitment.json();
    assert_eq!(budget["appropriations_from_contract"], false);
    // FY2018 needs 26,200,000 against 20,000,000 (6,200,000 short); FY2020 needs 3,232,425 with no
    // appropriation and over its 3,000,000 limit; the contract's maximum 34,060,000 exceeds the
    // commitment's 30,000,000.
    assert_eq!(budget["years"][0]["remaining"], "-6200000");
    assert_eq!(
        warning_kinds(&budget),
        [
            "over_appropriation:2018",
            "no_appropriation:2020",
            "over_yearly_commitment:2020",
            "over_total_commitment:null"
        ]
    );
    let total = budget["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "over_total_commitment")
        .unwrap();
    assert_eq!(total["maximum"], "34060000");
    assert_eq!(total["limit"], "30000000");

    // A supplementary appropriation on the general account covers FY2018.
    app.post(&lines, Some(&staff), &line(2018, "一般会計", "6200000"))
        .await
        .assert_status(StatusCode::CREATED);
    let budget = app.get(&path, Some(&staff)).await.json();
    assert_eq!(budget["years"][0]["appropriated"], "26200000");
    assert!(!warning_kinds(&budget).contains(&"over_appropriation:2018".to_owned()));

    // An accepted claim moves the tranche from projected to committed.
    let provider = app.login("provider@dpp.example").await;
    let inspector = second_kobe_staff(&app).await;
    let run = latest_run(&app, kobe, &staff).await;
    let claim = submit(&app, kobe, &provider, &claim_body(run, "interim")).await;
    claim.assert_status(StatusCode::CREATED);
    app.post(
        &format!("{}/{}/inspection", claims_path(kobe), claim.json()["id"]),
        Some(&inspector),
        &json!({"accept": true}),
    )
    .await
    .assert_status(StatusCode::OK);
    let budget = app.get(&path, Some(&staff)).await.json();
    assert_eq!(budget["years"][0]["committed"], "26200000");
    assert_eq!(budget["years"][0]["projected"], "0");
    assert_eq!(budget["years"][0]["paid"], "0");
}
db_test!(budgets_warn_where_limits_would_be_exceeded);

/// The investor dashboard, checked against figures computed by hand from Kobe's terms: SMBC lent
/// ¥16,000,000 at 1 % on 2017-07-03, repaid from the interim payment of 2019-03-29 with 634 days'
/// interest, 16,000,000 × 0.01 × 634 / 365 = 277,917.8, floored to ¥277,917.
async fn investor_dashboard_matches_a_hand_computation(app: TestApp) {
    let investor = app.login("investor@smbc.example").await;
    let res = app
        .get("/api/v1/dashboards/investor", Some(&investor))
        .await;
    res.assert_status(StatusCode::OK);
    let dash = res.json();
    let projects = dash["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "SMBC invests in Kobe only: {dash}");
    let kobe = &projects[0];
    assert_eq!(kobe["code"], "kobe-dialysis-2017");
    assert_eq!(kobe["committed"], "16000000");
    assert_eq!(kobe["drawn"], "16000000");
    assert_eq!(kobe["undrawn"], "0");
    assert_eq!(kobe["computed_by_kind"]["principal"], "16000000");
    assert_eq!(kobe["computed_by_kind"]["interest"], "277917");
    assert_eq!(kobe["distributions_computed"], "16277917");
    assert_eq!(kobe["outstanding_principal"], "0");
    let paid = kobe["distributions_paid"].as_str().unwrap();
    let due = kobe["distributions_due"].as_str().unwrap();
    let paid_n: i64 = paid.parse().unwrap();
    let due_n: i64 = due.parse().unwrap();
    assert_eq!(paid_n + due_n, 16_277_917, "computed = due + paid: {kobe}");
    if paid_n == 16_277_917 {
        // 16,277,917 / 16,000,000 = 1.01736981…
        assert_eq!(kobe["dpi"], "1.0174");
    }
    assert_eq!(kobe["money_multiple"], "1.0174");
    assert_eq!(kobe["irr"], "0.009963");
    assert_eq!(
        kobe["next_payment_on"],
        Value::Null,
        "every tranche is past"
    );
    let totals = dash["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0]["currency"], "JPY");
    assert_eq!(totals[0]["committed"], "16000000");
    assert_eq!(totals[0]["distributions_computed"], "16277917");
    // An organization that invests in nothing sees nothing, and never another's position.
    let staff = app.login("staff@kobe-city.example").await;
    let none = app
        .get("/api/v1/dashboards/investor", Some(&staff))
        .await
        .json();
    assert_eq!(none["projects"], json!([]));
    assert_eq!(none["totals"], json!([]));
    // Kobe is final: a realised IRR, no range.
    assert_eq!(kobe["projected_irr_low"], Value::Null);
    assert_eq!(kobe["projected_irr_high"], Value::Null);
}
db_test!(investor_dashboard_matches_a_hand_computation);

/// A draft's drawdowns are plans: an investor's portfolio counts no drawn capital and no
/// outstanding principal for a contract that is still a draft, in the project and in the totals.
async fn drafts_are_never_drawn_capital(app: TestApp) {
    app.with_conn(|conn| {
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE projects SET status = 'draft' WHERE code = 'kobe-dialysis-2017'")
            .execute(conn)
            .unwrap();
    })
    .await;
    let investor = app.login("investor@smbc.example").await;
    let dash = app
        .get("/api/v1/dashboards/investor", Some(&investor))
        .await
        .json();
    let kobe = &dash["projects"][0];
    assert_eq!(kobe["code"], "kobe-dialysis-2017", "{dash}");
    assert_eq!(kobe["committed"], "16000000");
    assert_eq!(kobe["drawn"], "0");
    assert_eq!(kobe["undrawn"], "16000000");
    assert_eq!(kobe["outstanding_principal"], "0");
    assert_eq!(dash["totals"][0]["drawn"], "0");
    assert_eq!(dash["totals"][0]["outstanding_principal"], "0");
}
db_test!(drafts_are_never_drawn_capital);

/// While outcomes are awaited the investor sees its return if nothing more is paid and if the
/// most is paid: Kobe with its final result withdrawn, so the final tranche awaits data. SMBC's
/// senior loan was repaid with interest from the interim payment, so both ends are the 0.9963 %
/// it earned; the IRRs themselves are the engine's (checked against full statements in the
/// engine's tests).
async fn investor_dashboard_shows_the_irr_range_while_outcomes_are_awaited(app: TestApp) {
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::outcome_results::dsl as r;
        diesel::update(
            r::outcome_results
                .filter(r::project_id.eq(kobe))
                .filter(r::metric.eq("egfr_decline_suppression")),
        )
        .set(r::status.eq("rejected"))
        .execute(conn)
        .unwrap();
    })
    .await;
    let staff = app.login("staff@kobe-city.example").await;
    app.post(
        &format!("/api/v1/projects/{kobe}/payout-runs"),
        Some(&staff),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let investor = app.login("investor@smbc.example").await;
    let dash = app
        .get("/api/v1/dashboards/investor", Some(&investor))
        .await
        .json();
    let project = &dash["projects"][0];
    assert_eq!(project["irr"], Value::Null, "not final: {project}");
    assert_eq!(project["projected_irr_low"], "0.009963", "{project}");
    assert_eq!(project["projected_irr_high"], "0.009963", "{project}");
}
db_test!(investor_dashboard_shows_the_irr_range_while_outcomes_are_awaited);

/// The government dashboard: Kobe's cap and computed amount from its terms and published figures,
/// the share still at risk computed by hand, and the money stages as the project's own figures
/// give them.
async fn government_dashboard_matches_the_projects_figures(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let res = app.get("/api/v1/dashboards/government", Some(&staff)).await;
    res.assert_status(StatusCode::OK);
    let dash = res.json();
    let projects = dash["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "Kobe City owns one project: {dash}");
    let kobe = &projects[0];
    assert_eq!(kobe["cap"], "34060000");
    assert_eq!(kobe["computed"], "29432425");
    // (34,060,000 − 29,432,425) ÷ 34,060,000 = 0.13586…
    assert_eq!(kobe["share_at_risk"], "0.1359");
    let id = kobe["project_id"].as_i64().unwrap();
    let figures = app
        .get(&format!("/api/v1/projects/{id}/figures"), Some(&staff))
        .await
        .json();
    for stage in ["claimed", "accepted", "paid"] {
        assert_eq!(kobe[stage], figures["claims"][stage], "{stage}");
    }
    assert_eq!(kobe["fiscal_years"], figures["due"]["fiscal_years"]);
    // Each metric over time, by tranche: 105 of 105 completed against a target of 80 % is 1.25 of
    // the way; eGFR 0.329 against 0.80 is 0.41125, to four places half to even 0.4112.
    let history = |id: &str| {
        figures["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == id)
            .unwrap()["history"]
            .clone()
    };
    assert_eq!(
        history("programme_completion"),
        json!([{"tranche": "interim", "due_on": "2019-03-29", "value": "1", "achievement": "1.25"}])
    );
    assert_eq!(
        history("egfr_decline_suppression")[0]["achievement"],
        "0.4112"
    );
    let totals = &dash["totals"][0];
    assert_eq!(totals["currency"], "JPY");
    assert_eq!(totals["cap"], "34060000");
    assert_eq!(totals["computed"], "29432425");
    assert_eq!(totals["paid"], kobe["paid"]);
    // An investor organization pays no outcomes: nothing.
    let investor = app.login("investor@smbc.example").await;
    let none = app
        .get("/api/v1/dashboards/government", Some(&investor))
        .await
        .json();
    assert_eq!(none["projects"], json!([]));

    // Served again while nothing changes, and recomputed as soon as something does: a result
    // submitted for verification shows at once.
    assert_eq!(kobe["awaiting_verification"], 0);
    let again = app
        .get("/api/v1/dashboards/government", Some(&staff))
        .await
        .json();
    assert_eq!(again, dash);
    let evaluator = app.login("evaluator@mirai.example").await;
    let entered = app
        .post(
            &format!("/api/v1/projects/{id}/outcome-results"),
            Some(&evaluator),
            &json!({"metric": "egfr_decline_suppression", "tranche": "final", "value": "0.4"}),
        )
        .await;
    entered.assert_status(StatusCode::CREATED);
    let rid = entered.json()["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/projects/{id}/outcome-results/{rid}/submit"),
        Some(&evaluator),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    let after = app
        .get("/api/v1/dashboards/government", Some(&staff))
        .await
        .json();
    assert_eq!(after["projects"][0]["awaiting_verification"], 1);
    assert_eq!(after["totals"][0]["awaiting_verification"], 1);
}
db_test!(government_dashboard_matches_the_projects_figures);

/// The service provider's view: Kobe's outcomes and money, the same figures as the project's own,
/// and no investor position anywhere in it.
async fn provider_dashboard_shows_outcomes_and_money_only(app: TestApp) {
    let provider = app.login("provider@dpp.example").await;
    let res = app
        .get("/api/v1/dashboards/provider", Some(&provider))
        .await;
    res.assert_status(StatusCode::OK);
    let dash = res.json();
    let projects = dash["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{dash}");
    let kobe = &projects[0];
    let id = kobe["project_id"].as_i64().unwrap();
    let figures = app
        .get(&format!("/api/v1/projects/{id}/figures"), Some(&provider))
        .await
        .json();
    assert_eq!(kobe["metrics"], figures["metrics"]);
    assert_eq!(kobe["computed"], "29432425");
    assert_eq!(kobe["received"], figures["claims"]["paid"]);
    // eGFR: 0.329 ÷ 0.80 = 0.41125, to four decimals half to even 0.4112.
    let egfr = kobe["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "egfr_decline_suppression")
        .unwrap();
    assert_eq!(egfr["achievement"], "0.4112");
    let text = res.body_text();
    assert!(
        !text.contains("smbc") && !text.contains("irr") && !text.contains("principal"),
        "no investor position: {text}"
    );
}
db_test!(provider_dashboard_shows_outcomes_and_money_only);

/// Downloads a municipality can use: the statement and the claims ledger as UTF-8 CSV with BOM,
/// Shift_JIS CSV with CRLF (Japanese names survive the round trip) and XLSX read back, with the
/// expected columns, numbers as numbers and an optional 和暦 column.
async fn statement_and_ledger_download_as_csv_and_xlsx(app: TestApp) {
    use seika_formats::sheet::{SheetLimits, Table};
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let runs = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
        )
        .await
        .json();
    let run = runs[0]["id"].as_i64().unwrap();
    let base = format!("/api/v1/projects/{kobe}/payout-runs/{run}/statement");
    let csv = app.get(&base, Some(&staff)).await;
    csv.assert_status(StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"));
    let table = Table::read(&csv.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.headers[0], "事業 project");
    assert_eq!(table.headers[7], "金額（JPY）amount (JPY)");
    let amounts: Vec<&str> = table.rows.iter().map(|r| r.cells[7].as_str()).collect();
    assert_eq!(amounts, ["10480000", "15720000", "3232425"]);
    assert_eq!(
        table.rows[2].cells[5], "達成度比例 linear",
        "the rule in words"
    );
    assert!(
        table.rows.iter().all(|r| r.cells[6] == "達成 earned"),
        "statuses in words, never the raw value: {:?}",
        table.rows
    );

    let sjis = app
        .get(
            &format!("{base}?encoding=shift_jis&wareki=true"),
            Some(&staff),
        )
        .await;
    assert_eq!(
        sjis.header("content-type"),
        Some("text/csv; charset=Shift_JIS")
    );
    assert!(
        std::str::from_utf8(&sjis.body).is_err(),
        "Shift_JIS, not UTF-8"
    );
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis.body);
    assert!(!errors);
    assert!(decoded.contains("\r\n"));
    let table = Table::read(&sjis.body, &SheetLimits::default()).unwrap();
    assert!(
        table.rows[0].cells[0].contains("神戸市"),
        "{:?}",
        table.rows[0]
    );
    assert_eq!(table.headers[3], "支払期日 due on（和暦）");
    assert_eq!(table.rows[2].cells[3], "令和2年9月30日");

    let xlsx = app.get(&format!("{base}?format=xlsx"), Some(&staff)).await;
    assert_eq!(
        xlsx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let table = Table::read(&xlsx.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("支払計算書 statement"));
    assert_eq!(
        table.rows[2].cells[7], "3232425",
        "an amount is a number cell"
    );
    assert_eq!(
        table.rows[2].cells[2], "2020-09-30",
        "a date is a date cell"
    );

    let ledger = app
        .get(
            &format!("/api/v1/projects/{kobe}/claims-ledger?format=xlsx&wareki=true"),
            Some(&staff),
        )
        .await;
    ledger.assert_status(StatusCode::OK);
    let table = Table::read(&ledger.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.headers[0], "請求書番号 invoice number");
    let claims = app
        .get(&format!("/api/v1/projects/{kobe}/claims"), Some(&staff))
        .await
        .json();
    assert_eq!(table.rows.len(), claims.as_array().unwrap().len());
    let totals: Vec<&str> = table.rows.iter().map(|r| r.cells[11].as_str()).collect();
    let expected: Vec<&str> = claims
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["total"].as_str().unwrap())
        .collect();
    assert_eq!(totals, expected);
    assert!(
        table
            .headers
            .iter()
            .any(|h| h == "発行日 issued on（和暦）")
    );
}
db_test!(statement_and_ledger_download_as_csv_and_xlsx);

/// The budget schedule and the outcome data download with the API's figures.
async fn budget_and_outcome_data_download(app: TestApp) {
    use seika_formats::sheet::{SheetLimits, Table};
    let kobe = project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let budget = app
        .get(&format!("/api/v1/projects/{kobe}/budget"), Some(&staff))
        .await
        .json();
    let file = app
        .get(
            &format!("/api/v1/projects/{kobe}/budget-schedule?format=xlsx"),
            Some(&staff),
        )
        .await;
    file.assert_status(StatusCode::OK);
    let table = Table::read(&file.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.headers[0], "年度 fiscal year (April–March)");
    assert_eq!(table.headers[1], "予算額（JPY）appropriated (JPY)");
    let years = budget["years"].as_array().unwrap();
    assert_eq!(table.rows.len(), years.len());
    for (row, year) in table.rows.iter().zip(years) {
        assert_eq!(row.cells[0], year["fiscal_year"].to_string());
        assert_eq!(row.cells[6], year["needed"].as_str().unwrap());
    }
    let records = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results"),
            Some(&staff),
        )
        .await
        .json();
    let csv = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-data?encoding=shift_jis"),
            Some(&staff),
        )
        .await;
    let table = Table::read(&csv.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.rows.len(), records.as_array().unwrap().len());
    let egfr = table
        .rows
        .iter()
        .find(|r| r.cells[0] == "egfr_decline_suppression")
        .unwrap();
    assert_eq!(
        egfr.cells[1],
        "腎機能（eGFR）低下抑制率 / Suppression of kidney-function (eGFR) decline"
    );
    assert_eq!(egfr.cells[8], "検証済み verified");
}
db_test!(budget_and_outcome_data_download);

/// The fiscal-year view across the organization's contracts (issue 34 item 9): each contract's
/// year is its budget's year, each year's total adds them exactly; the download has a row per
/// contract and year, a total row per year and, with wareki, the year as 令和○年度 (平成 before).
async fn fiscal_years_across_contracts(app: TestApp) {
    use rust_decimal::Decimal;
    use seika_formats::sheet::{SheetLimits, Table};
    let staff = app.login("staff@kobe-city.example").await;
    let view = app.get("/api/v1/fiscal-years", Some(&staff)).await;
    view.assert_status(StatusCode::OK);
    let years = view.json()["years"].as_array().unwrap().clone();
    assert!(!years.is_empty());
    let mut contract_years = 0;
    for year in &years {
        let contracts = year["contracts"].as_array().unwrap();
        contract_years += contracts.len();
        for field in ["committed", "paid", "projected", "needed"] {
            let sum: Decimal = contracts
                .iter()
                .map(|c| c[field].as_str().unwrap().parse::<Decimal>().unwrap())
                .sum();
            assert_eq!(
                year["total"][field]
                    .as_str()
                    .unwrap()
                    .parse::<Decimal>()
                    .unwrap(),
                sum,
                "{field} {year}"
            );
        }
        for c in contracts {
            let budget = app
                .get(
                    &format!("/api/v1/projects/{}/budget", c["project_id"]),
                    Some(&staff),
                )
                .await
                .json();
            let own = budget["years"]
                .as_array()
                .unwrap()
                .iter()
                .find(|y| y["fiscal_year"] == year["fiscal_year"])
                .expect("the year is the project's");
            for field in [
                "appropriated",
                "committed",
                "paid",
                "projected",
                "needed",
                "remaining",
            ] {
                assert_eq!(c[field], own[field], "{field}");
            }
        }
    }
    let kobe_2018 = years
        .iter()
        .find(|y| y["fiscal_year"] == 2018)
        .expect("Kobe's contract has FY2018");
    assert!(
        kobe_2018["contracts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "kobe-dialysis-2017")
    );

    let file = app
        .get(
            "/api/v1/fiscal-years/download?format=xlsx&wareki=true",
            Some(&staff),
        )
        .await;
    file.assert_status(StatusCode::OK);
    let table = Table::read(&file.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.headers[1], "年度（和暦）");
    assert_eq!(table.rows.len(), contract_years + years.len());
    let total_2018 = table
        .rows
        .iter()
        .find(|r| r.cells[0] == "2018" && r.cells[2] == "合計 total")
        .expect("a total row for FY2018");
    assert_eq!(total_2018.cells[1], "平成30年度");
    let needed = table
        .headers
        .iter()
        .position(|h| h.contains("needed"))
        .unwrap();
    assert_eq!(
        total_2018.cells[needed],
        kobe_2018["total"]["needed"].as_str().unwrap()
    );
}
db_test!(fiscal_years_across_contracts);

/// The dashboards download with the dashboards' own figures.
async fn dashboards_download(app: TestApp) {
    use seika_formats::sheet::{SheetLimits, Table};
    let investor = app.login("investor@smbc.example").await;
    let file = app
        .get(
            "/api/v1/dashboards/investor/download?format=xlsx&wareki=true",
            Some(&investor),
        )
        .await;
    file.assert_status(StatusCode::OK);
    let table = Table::read(&file.body, &SheetLimits::default()).unwrap();
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].cells[2], "16000000");
    assert_eq!(table.rows[0].cells[10], "1.0174");
    let staff = app.login("staff@kobe-city.example").await;
    let file = app
        .get(
            "/api/v1/dashboards/government/download?encoding=shift_jis",
            Some(&staff),
        )
        .await;
    let table = Table::read(&file.body, &SheetLimits::default()).unwrap();
    assert!(
        table.rows[0].cells[0].contains("神戸市"),
        "{:?}",
        table.rows[0]
    );
    assert_eq!(table.rows[0].cells[2], "34060000");
    assert_eq!(table.rows[0].cells[7], "0.1359");
}
db_test!(dashboards_download);

/// Money that does not depend on outcomes is told apart on the government dashboard: the
/// guaranteed part and the evaluation fee of the example contract are computed whatever the
/// outcome (the outcome-linked part still awaits data).
async fn government_dashboard_tells_guaranteed_money_from_outcome_payments(app: TestApp) {
    let staff = app.login("staff@kobe-city.example").await;
    let mut terms: Value = serde_json::from_str(include_str!(
        "../../docs/examples/guaranteed-part.contract.json"
    ))
    .unwrap();
    terms["payers"] = json!([{"id": "kobe-city", "share": "1"}]);
    let created = app
        .post(
            "/api/v1/projects",
            Some(&staff),
            &json!({"title_ja": "特定健診", "title_en": "Check-ups", "policy_area": "health",
                    "effective_from": "2024-04-01", "parties": [], "terms": terms}),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    let etag = created.header("etag").unwrap().to_owned();
    send_with_if_match(
        &app,
        axum::http::Method::POST,
        &format!("/api/v1/projects/{id}/status"),
        &staff,
        &etag,
        &json!({"status": "published"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let run = app
        .post(
            &format!("/api/v1/projects/{id}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    run.assert_status(StatusCode::CREATED);
    let dash = app
        .get("/api/v1/dashboards/government", Some(&staff))
        .await
        .json();
    let project = dash["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["project_id"] == id)
        .unwrap()
        .clone();
    assert_eq!(project["computed"], "5000000", "{project}");
    assert_eq!(project["non_contingent"], "5000000", "{project}");
    // Kobe's contract has no such money: nothing shown.
    let kobe = dash["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "kobe-dialysis-2017")
        .unwrap()
        .clone();
    assert_eq!(kobe["non_contingent"], Value::Null);
}
db_test!(government_dashboard_tells_guaranteed_money_from_outcome_payments);

/// Registers and publishes the example retail-units contract for Kobe City, SMBC holding the
/// citizens' units and SMBC Trust's individuals the other investments. Returns the project id.
pub async fn publish_units_project(app: &TestApp) -> i64 {
    let staff = app.login("staff@kobe-city.example").await;
    let mut terms: Value = serde_json::from_str(include_str!(
        "../../docs/examples/retail-units.contract.json"
    ))
    .unwrap();
    terms["payers"] = json!([{"id": "kobe-city", "share": "1"}]);
    terms["investments"][0]["investor"] = json!("smbc-trust-individuals");
    terms["investments"][1]["investor"] = json!("smbc");
    terms["investments"][2]["investor"] = json!("smbc-trust-individuals");
    let (mirai, smbc, trust) = app
        .with_conn(|conn| {
            let mut id = |slug: &str| {
                seika_db::organizations::find_by_slug(conn, slug)
                    .unwrap()
                    .unwrap()
                    .id
            };
            (id("mirai-kogaku"), id("smbc"), id("smbc-trust-individuals"))
        })
        .await;
    let created = app
        .post(
            "/api/v1/projects",
            Some(&staff),
            &json!({"title_ja": "市民出資フレイル予防", "title_en": "Frailty prevention (units)",
                    "policy_area": "health", "effective_from": "2024-04-01",
                    "parties": [{"organization_id": mirai, "role": "evaluator"},
                                {"organization_id": smbc, "role": "investor"},
                                {"organization_id": trust, "role": "investor"}],
                    "terms": terms}),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    crate::projects::accept_invitations(app, id).await;
    let etag = app
        .get(&format!("/api/v1/projects/{id}"), Some(&staff))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    send_with_if_match(
        app,
        axum::http::Method::POST,
        &format!("/api/v1/projects/{id}/status"),
        &staff,
        &etag,
        &json!({"status": "published"}),
    )
    .await
    .assert_status(StatusCode::OK);

    id
}

/// Enters and verifies the example's outcomes (participation 72 %, improvement 27 %) and stores
/// a payout run; returns its statement.
pub async fn verify_units_outcomes_and_run(app: &TestApp, id: i64) -> Value {
    let staff = app.login("staff@kobe-city.example").await;
    let enterer = app.login(crate::outcomes::ENTERER).await;
    let verifier = app.login(crate::outcomes::VERIFIER).await;
    for (metric, tranche, value) in [
        ("participation", "interim", "0.72"),
        ("frailty_improvement", "final", "0.27"),
    ] {
        let rid = crate::outcomes::enter(
            app,
            id,
            &enterer,
            &json!({"metric": metric, "tranche": tranche, "value": value}),
        )
        .await;
        crate::outcomes::verify(app, id, rid, &verifier)
            .await
            .assert_status(StatusCode::OK);
    }
    let run = app
        .post(
            &format!("/api/v1/projects/{id}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    run.assert_status(StatusCode::CREATED);
    run.json()["statement"].clone()
}

/// An investment held in units (retail): the statement divides each distribution per unit with
/// the 端数 carried forward and the maximum per unit applied, and the investor's dashboard shows
/// the per-unit figures (before any run: the units and their maximum only). Figures by hand in
/// docs/PAYMENT-RULES.md ("Units").
async fn investor_dashboard_shows_per_unit_figures(app: TestApp) {
    let id = publish_units_project(&app).await;
    let investor = app.login("investor@smbc.example").await;
    let holding = |dash: &Value| -> Value {
        dash["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["project_id"] == id)
            .unwrap_or_else(|| panic!("{dash}"))["unit_holdings"]
            .clone()
    };
    let before = holding(
        &app.get("/api/v1/dashboards/investor", Some(&investor))
            .await
            .json(),
    );
    assert_eq!(before[0]["units"], 303);
    assert_eq!(before[0]["unit_price"], "10000");
    assert_eq!(before[0]["distributed_per_unit"], "0");
    assert_eq!(before[0]["max_per_unit"], "10500");

    let statement = &verify_units_outcomes_and_run(&app, id).await;
    let per_unit: Vec<(String, String, String)> = statement["distribution"]["tranches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["per_unit"].as_array().cloned().unwrap_or_default())
        .map(|u| {
            (
                u["per_unit"].as_str().unwrap().to_owned(),
                u["carried_in"].as_str().unwrap().to_owned(),
                u["remainder"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // 960,110 ÷ 303 = 3,168 r 206; (2,221,390 + 206) ÷ 303 = 7,332 r 0.
    assert_eq!(
        per_unit,
        [
            ("3168".into(), "0".into(), "206".into()),
            ("7332".into(), "206".into(), "0".into())
        ]
    );
    let after = holding(
        &app.get("/api/v1/dashboards/investor", Some(&investor))
            .await
            .json(),
    );
    assert_eq!(after[0]["distributed_per_unit"], "10500");
    assert_eq!(after[0]["multiple_per_unit"], "1.05");
    assert_eq!(after[0]["to_holders"], "3181500");
    assert_eq!(after[0]["max_reached"], true);
    assert_eq!(after[0]["remainder_carried"], "0");
    // Another investor's units are not shown to Kobe's other investors.
    let other = app.login("investor@smbc-trust.example").await;
    let theirs = app
        .get("/api/v1/dashboards/investor", Some(&other))
        .await
        .json();
    assert!(
        theirs["projects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["project_id"] != id || p["unit_holdings"] == json!([]))
    );
}
db_test!(investor_dashboard_shows_per_unit_figures);
