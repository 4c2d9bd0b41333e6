//! The authorization matrix: every endpoint × every role × own and foreign organization, each
//! asserted allowed or denied, with foreign projects answering 404 (their existence not revealed).
//! "Allowed" means the request got past authorization: any answer but 401, 403 and 404. Bodies are
//! well-formed but are refused after authorization where they would change shared state.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use seika_core::review::ReviewStatus;
use serde_json::{Value, json};

use crate::projects::{new_project_body, project_id};
use crate::util::{TestApp, TestResponse, db_test};

/// Who may call each endpoint: on their own project, and on another organization's project.
/// Letters: A admin, G government staff, E evaluator, I investor, P service provider; `*` anyone
/// signed in; `public` no token needed; `-` nobody.
const MATRIX: &[(&str, &str, &str, &str)] = &[
    ("GET", "/health", "public", "public"),
    ("GET", "/openapi.json", "public", "public"),
    ("GET", "/schemas/{name}", "public", "public"),
    ("POST", "/auth/login", "public", "public"),
    ("POST", "/auth/logout", "*", "*"),
    ("GET", "/auth/me", "*", "*"),
    ("POST", "/auth/password", "*", "*"),
    ("POST", "/auth/password-reset", "public", "public"),
    ("GET", "/organizations", "*", "*"),
    ("POST", "/organizations", "A", "A"),
    ("GET", "/organizations/{id}", "*", "*"),
    ("PATCH", "/organizations/{id}", "A", "A"),
    ("GET", "/users", "A", "A"),
    ("POST", "/users", "A", "A"),
    ("GET", "/users/{id}", "A", "A"),
    ("PATCH", "/users/{id}", "A", "A"),
    ("POST", "/users/{id}/password-reset", "A", "A"),
    ("GET", "/audit", "A", "A"),
    ("GET", "/audit/verify", "A", "A"),
    ("GET", "/projects", "*", "*"),
    ("POST", "/projects", "G", "G"),
    ("GET", "/contract-templates", "G", "G"),
    ("POST", "/contract-checks", "G", "G"),
    ("POST", "/contract-comparisons", "G", "G"),
    ("POST", "/figures", "*", "*"),
    ("POST", "/contract-workbooks", "G", "G"),
    ("POST", "/contract-workbooks/import", "G", "G"),
    ("GET", "/projects/{id}", "AGEIP", "A"),
    ("PUT", "/projects/{id}", "G", "-"),
    // The projects are in service: 409 for the owner's staff (only drafts are deleted).
    ("DELETE", "/projects/{id}", "G", "-"),
    ("POST", "/projects/{id}/status", "G", "-"),
    ("POST", "/projects/{id}/amendments", "G", "-"),
    ("GET", "/projects/{id}/versions", "AGEIP", "A"),
    ("GET", "/projects/{id}/outcome-results", "AGEIP", "A"),
    ("POST", "/projects/{id}/outcome-results", "E", "-"),
    ("POST", "/projects/{id}/outcome-results/import", "E", "-"),
    // A verified record: 409 for an evaluator (only drafts are discarded), refused to the rest.
    ("DELETE", "/projects/{id}/outcome-results/{rid}", "E", "-"),
    (
        "GET",
        "/projects/{id}/outcome-results/template",
        "AGEIP",
        "A",
    ),
    (
        "POST",
        "/projects/{id}/outcome-results/{rid}/submit",
        "E",
        "-",
    ),
    (
        "POST",
        "/projects/{id}/outcome-results/{rid}/verify",
        "E",
        "-",
    ),
    (
        "POST",
        "/projects/{id}/outcome-results/{rid}/reject",
        "E",
        "-",
    ),
    (
        "GET",
        "/projects/{id}/outcome-results/{rid}/history",
        "AGEIP",
        "A",
    ),
    ("GET", "/projects/{id}/outcome-batches", "AGEIP", "A"),
    ("POST", "/projects/{id}/outcome-batches", "E", "-"),
    (
        "GET",
        "/projects/{id}/outcome-batches/{rid}/records",
        "GEP",
        "-",
    ),
    (
        "POST",
        "/projects/{id}/outcome-batches/{rid}/submit",
        "E",
        "-",
    ),
    (
        "POST",
        "/projects/{id}/outcome-batches/{rid}/verify",
        "E",
        "-",
    ),
    (
        "POST",
        "/projects/{id}/outcome-batches/{rid}/reject",
        "E",
        "-",
    ),
    (
        "GET",
        "/projects/{id}/outcome-batches/{rid}/sample",
        "GEP",
        "-",
    ),
    (
        "POST",
        "/projects/{id}/outcome-batches/{rid}/sample",
        "E",
        "-",
    ),
    (
        "PUT",
        "/projects/{id}/outcome-batches/{rid}/sample/records/{cid}",
        "E",
        "-",
    ),
    ("POST", "/projects/{id}/participant-erasures", "E", "-"),
    ("GET", "/projects/{id}/outcome-summary", "AGEIP", "A"),
    ("GET", "/projects/{id}/figures", "AGEIP", "A"),
    ("GET", "/projects/{id}/payout-runs", "AGEIP", "A"),
    ("POST", "/projects/{id}/payout-runs", "GE", "-"),
    ("GET", "/projects/{id}/payout-runs/{rid}", "AGEIP", "A"),
    (
        "POST",
        "/projects/{id}/payout-runs/{rid}/reproduce",
        "AGEIP",
        "A",
    ),
    ("POST", "/projects/{id}/payout-preview", "GE", "-"),
    ("POST", "/projects/{id}/simulations", "AGEIP", "A"),
    ("POST", "/projects/{id}/simulation-jobs", "AGEIP", "A"),
    ("POST", "/projects/{id}/payout-run-jobs", "GE", "-"),
    ("GET", "/jobs", "*", "*"),
    // Own: a job the caller queued; foreign: another person's job.
    ("GET", "/jobs/{id}", "*", "-"),
    (
        "GET",
        "/projects/{id}/payout-runs/{rid}/statement",
        "AGEIP",
        "A",
    ),
    ("GET", "/projects/{id}/claims-ledger", "AGEIP", "A"),
    ("GET", "/projects/{id}/budget-schedule", "AGEIP", "A"),
    ("GET", "/projects/{id}/investor-statement", "AGEIP", "A"),
    ("GET", "/projects/{id}/publication", "AGEIP", "A"),
    ("PUT", "/projects/{id}/publication", "G", "-"),
    ("PUT", "/projects/{id}/publication/disclosure", "I", "-"),
    ("GET", "/projects/{id}/indigo", "AGEIP", "A"),
    ("POST", "/projects/indigo-import", "G", "G"),
    ("GET", "/public/projects", "public", "public"),
    ("GET", "/public/projects/{code}", "public", "public"),
    ("GET", "/public/projects/{code}/indigo", "public", "public"),
    ("GET", "/public/indigo", "public", "public"),
    ("GET", "/projects/{id}/outcome-data", "AGEIP", "A"),
    ("POST", "/projects/{id}/scenarios", "AGEIP", "A"),
    (
        "GET",
        "/projects/{id}/outcome-results/{rid}/evidence",
        "AGEIP",
        "A",
    ),
    (
        "POST",
        "/projects/{id}/outcome-results/{rid}/evidence",
        "E",
        "-",
    ),
    (
        "GET",
        "/projects/{id}/outcome-batches/{rid}/evidence",
        "GEP",
        "-",
    ),
    (
        "POST",
        "/projects/{id}/outcome-batches/{rid}/evidence",
        "E",
        "-",
    ),
    (
        "GET",
        "/projects/{id}/outcome-batches/{rid}/payout-effect",
        "E",
        "-",
    ),
    ("GET", "/projects/{id}/evidence/{rid}", "AGEIP", "A"),
    ("GET", "/projects/{id}/claims", "AGEIP", "A"),
    ("POST", "/projects/{id}/claims", "GP", "-"),
    ("GET", "/projects/{id}/claims/{rid}", "AGEIP", "A"),
    ("POST", "/projects/{id}/claims/{rid}/resubmit", "GP", "-"),
    ("POST", "/projects/{id}/claims/{rid}/inspection", "G", "-"),
    ("POST", "/projects/{id}/claims/{rid}/payments", "G", "-"),
    ("GET", "/projects/{id}/budget", "AGEIP", "A"),
    ("POST", "/projects/{id}/budget-lines", "G", "-"),
    ("POST", "/projects/{id}/debt-commitments", "G", "-"),
    ("GET", "/projects/{id}/distributions", "AGEIP", "A"),
    // The smbc investor is no intermediary of Kobe: only the owner's staff may record.
    ("POST", "/projects/{id}/distributions", "G", "-"),
    // "Own": an invitation to the actor's organization (answered already, so 409 for whoever may
    // answer it); "foreign": an invitation to another organization (404).
    ("GET", "/invitations", "*", "*"),
    ("GET", "/work", "*", "*"),
    ("GET", "/dashboards/investor", "*", "*"),
    ("GET", "/dashboards/government", "*", "*"),
    ("GET", "/dashboards/provider", "*", "*"),
    ("GET", "/dashboards/investor/download", "*", "*"),
    ("GET", "/dashboards/government/download", "*", "*"),
    ("GET", "/fiscal-years", "G", "G"),
    ("GET", "/fiscal-years/download", "G", "G"),
    ("GET", "/invitations/{id}/terms", "GEIP", "-"),
    ("POST", "/invitations/{id}/accept", "GEIP", "-"),
    ("POST", "/invitations/{id}/decline", "GEIP", "-"),
];

struct Actor {
    letter: char,
    email: &'static str,
    own: &'static str,
    foreign: &'static str,
}

const ACTORS: &[Actor] = &[
    Actor {
        letter: 'A',
        email: "admin@seika.example",
        own: "kobe-dialysis-2017",
        foreign: "hachioji-screening-2017",
    },
    Actor {
        letter: 'G',
        email: "staff@kobe-city.example",
        own: "kobe-dialysis-2017",
        foreign: "hachioji-screening-2017",
    },
    Actor {
        letter: 'G',
        email: "staff@hachioji-city.example",
        own: "hachioji-screening-2017",
        foreign: "kobe-dialysis-2017",
    },
    // The second evaluator: the demo's results were entered by the first, so four-eyes allows.
    Actor {
        letter: 'E',
        email: "evaluator2@mirai.example",
        own: "kobe-dialysis-2017",
        foreign: "hachioji-screening-2017",
    },
    Actor {
        letter: 'I',
        email: "investor@smbc.example",
        own: "kobe-dialysis-2017",
        foreign: "hachioji-screening-2017",
    },
    Actor {
        letter: 'P',
        email: "provider@dpp.example",
        own: "kobe-dialysis-2017",
        foreign: "hachioji-screening-2017",
    },
];

/// Ids of a project's sub-resources.
struct Ids {
    project: i64,
    result: i64,
    batch: i64,
    run: i64,
    claim: i64,
    evidence: i64,
}

/// Gives Hachioji (which the demo leaves without data) a verified result, a batch and a run.
async fn seed(app: &TestApp, code: &'static str) -> Ids {
    app.with_conn(move |conn| {
        use seika_db::{batches, outcomes, projects, users};
        let project = projects::find_by_code(conn, code).unwrap().unwrap();
        let staff = users::find_by_email(conn, "evaluator@mirai.example")
            .unwrap()
            .unwrap()
            .id;
        // Four eyes, as the database requires: another evaluator verifies.
        let reviewer = users::find_by_email(conn, "evaluator2@mirai.example")
            .unwrap()
            .unwrap()
            .id;
        let result = match outcomes::list(conn, project.id, None).unwrap().first() {
            Some(r) => r.id,
            None => {
                let r = outcomes::insert(
                    conn,
                    &outcomes::NewOutcomeResult {
                        project_id: project.id,
                        kind: seika_core::outcomes::OutcomeKind::Result,
                        metric: "screening_uptake".into(),
                        value: Some("0.268".into()),
                        entered_by: staff,
                        ..Default::default()
                    },
                )
                .unwrap();
                seika_db::review::results::transition(
                    conn,
                    r.id,
                    1,
                    ReviewStatus::Draft,
                    ReviewStatus::Submitted,
                    None,
                    None,
                )
                .unwrap();
                seika_db::review::results::transition(
                    conn,
                    r.id,
                    2,
                    ReviewStatus::Submitted,
                    ReviewStatus::Verified,
                    Some(reviewer),
                    None,
                )
                .unwrap();
                r.id
            }
        };
        let batch = batches::insert(
            conn,
            &batches::NewBatch {
                project_id: project.id,
                source_name: "seed.csv",
                source_sha256: "-",
                supersedes_id: None,
                correction_reason: None,
                entered_by: staff,
            },
            &[],
        )
        .unwrap()
        .id;
        seika_db::review::batches::transition(
            conn,
            batch,
            1,
            ReviewStatus::Draft,
            ReviewStatus::Submitted,
            None,
            None,
        )
        .unwrap();
        let run = match seika_db::payout_runs::list(conn, project.id)
            .unwrap()
            .first()
        {
            Some(r) => r.id,
            None => {
                let at = seika_db::now();
                let (statement, text, _) = seika_service::payout_runs::compute_as_of(
                    conn,
                    project.id,
                    project.current_terms_version,
                    at,
                )
                .unwrap();
                seika_db::payout_runs::insert(
                    conn,
                    &seika_db::payout_runs::NewPayoutRun {
                        project_id: project.id,
                        terms_version: project.current_terms_version,
                        engine_version: "x",
                        as_of: at,
                        inputs_sha256: &statement.outcomes_sha256,
                        statement: &text,
                        statement_sha256: "-",
                        total_minor: 0,
                        currency: "JPY",
                        created_by: staff,
                    },
                )
                .unwrap()
                .id
            }
        };
        // An accepted claim from the project's service provider to its owner, prepared (in the
        // database) by the platform admin so that any member of the city's staff may inspect it.
        let admin = users::find_by_email(conn, "admin@seika.example")
            .unwrap()
            .unwrap()
            .id;
        let parties = projects::parties(conn, project.id).unwrap();
        let party = |role: &str| {
            parties
                .iter()
                .find(|p| p.role.as_str() == role)
                .unwrap()
                .clone()
        };
        let payer = party("outcome_payer");
        let day = chrono::NaiveDate::from_ymd_opt(2020, 10, 1).unwrap();
        let at = seika_db::now();
        let claim = seika_db::claims::insert(
            conn,
            &seika_db::claims::NewClaim {
                project_id: project.id,
                payout_run_id: run,
                statement_sha256: "-",
                tranche: "seed",
                tranche_due_on: day,
                payer: &payer.slug,
                payer_organization_id: payer.organization_id,
                issuer_organization_id: party("service_provider").organization_id,
                invoice_number: "T7000012050002",
                issued_on: day,
                received_on: day,
                description: "seed",
                lines: "[]",
                currency: "JPY",
                amounts_include_tax: true,
                tax_rate: "0.1",
                net_minor: 910,
                tax_minor: 90,
                total_minor: 1000,
                status: seika_core::claim::ClaimStatus::Accepted,
                inspection_due_on: day,
                payment_due_on: day,
                late_interest_rate: None,
                prepared_by: admin,
                created_at: at,
                updated_at: at,
            },
        )
        .unwrap()
        .id;
        // An evidence file on the seeded result.
        let evidence = seika_db::evidence::insert(
            conn,
            &seika_db::evidence::NewEvidence {
                project_id: project.id,
                collection: "outcome-results",
                record_id: result,
                file_name: "seed.pdf",
                content_type: "application/pdf",
                sha256: "-",
                content: b"%PDF-1.4 seed",
                uploaded_by: admin,
            },
        )
        .unwrap();
        Ids {
            project: project.id,
            result,
            batch,
            run,
            claim,
            evidence,
        }
    })
    .await
}

/// An invitation (a party row of an organization that does not own the project) addressed to the
/// user's organization, or for `own == false` (and for users with none) to another organization.
async fn party_of(app: &TestApp, email: &'static str, own: bool) -> i64 {
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::{project_parties as pp, projects};
        let user = seika_db::users::find_by_email(conn, email)
            .unwrap()
            .unwrap();
        let invitations: Vec<(i64, i64)> = pp::table
            .inner_join(projects::table)
            .filter(pp::organization_id.ne(projects::owner_organization_id))
            .select((pp::id, pp::organization_id))
            .order(pp::id.asc())
            .load(conn)
            .unwrap();
        let to_others = invitations
            .iter()
            .find(|(_, org)| *org != user.organization_id)
            .unwrap()
            .0;
        invitations
            .iter()
            .find(|(_, org)| own && *org == user.organization_id)
            .map_or(to_others, |(id, _)| *id)
    })
    .await
}

/// Each city was asked to co-pay the other's project and declined: an answered invitation for
/// government staff.
async fn seed_declined_invitations(app: &TestApp) {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use seika_db::schema::project_parties as pp;
        let mut find = |code: &str, slug: &str| {
            let project = seika_db::projects::find_by_code(conn, code)
                .unwrap()
                .unwrap()
                .id;
            let org = seika_db::organizations::find_by_slug(conn, slug)
                .unwrap()
                .unwrap()
                .id;
            (project, org)
        };
        for (project, org) in [
            find("kobe-dialysis-2017", "hachioji-city"),
            find("hachioji-screening-2017", "kobe-city"),
        ] {
            diesel::insert_into(pp::table)
                .values((
                    pp::project_id.eq(project),
                    pp::organization_id.eq(org),
                    pp::role.eq("outcome_payer"),
                    pp::status.eq("declined"),
                    pp::invited_at.eq(seika_db::now()),
                ))
                .execute(conn)
                .unwrap();
        }
    })
    .await
}

fn allowed(rule: &str, letter: char) -> bool {
    rule == "*" || rule == "public" || rule.contains(letter)
}

fn etag(res: &TestResponse) -> String {
    res.header("etag").unwrap_or("\"0\"").to_owned()
}

/// The project whose public page the matrix switches on, for the public endpoints.
const PUBLISHED: &str = "kobe-dialysis-2017";

async fn authorization_matrix(app: TestApp) {
    let admin = app.login("admin@seika.example").await;
    let kobe = seed(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    app.request(
        axum::http::Method::PUT,
        &format!("/api/v1/projects/{}/publication", kobe.project),
        Some(&staff),
        Some(&json!({"published": true, "public_sections": ["metrics"]})),
    )
    .await
    .assert_status(StatusCode::OK);
    let hachioji = seed(&app, "hachioji-screening-2017").await;
    seed_declined_invitations(&app).await;
    let endpoints = seika::api::endpoints(&seika::api::HttpConfig::default());
    assert_eq!(
        endpoints.len(),
        MATRIX.len(),
        "every endpoint is in the matrix"
    );
    let org = project_id(&app, "kobe-dialysis-2017").await; // any id works for organizations
    let user = app.get("/api/v1/users", Some(&admin)).await.json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let mut counter = 0;
    let mut checked = 0;
    let mut tokens = std::collections::HashMap::new();
    for actor in ACTORS {
        tokens.insert(actor.email, app.login(actor.email).await);
    }
    // One simulation job queued by each person, on a project they can read.
    let mut jobs = std::collections::HashMap::new();
    for actor in ACTORS {
        let project = if actor.own == "kobe-dialysis-2017" {
            kobe.project
        } else {
            hachioji.project
        };
        let job = app
            .post(
                &format!("/api/v1/projects/{project}/simulation-jobs"),
                Some(&tokens[actor.email]),
                &json!({"runs": 1, "seed": 1, "assumptions": []}),
            )
            .await;
        job.assert_status(StatusCode::ACCEPTED);
        jobs.insert(actor.email, job.json()["id"].as_i64().unwrap());
    }

    for e in &endpoints {
        let (_, _, own_rule, foreign_rule) = *MATRIX
            .iter()
            .find(|(m, p, _, _)| *m == e.method.as_str() && *p == e.path)
            .unwrap_or_else(|| panic!("{} {} missing from the matrix", e.method, e.path));
        for actor in ACTORS {
            for (side, rule) in [("own", own_rule), ("foreign", foreign_rule)] {
                counter += 1;
                let code = if side == "own" {
                    actor.own
                } else {
                    actor.foreign
                };
                let ids = if code == "kobe-dialysis-2017" {
                    &kobe
                } else {
                    &hachioji
                };
                let path = e
                    .path
                    .replace("{name}", "contract.json")
                    .replace("{code}", PUBLISHED)
                    .replacen(
                        "{id}",
                        &if e.path.starts_with("/projects") {
                            ids.project
                        } else if e.path.starts_with("/invitations") {
                            party_of(&app, actor.email, side == "own").await
                        } else if e.path.starts_with("/jobs") {
                            let other = ACTORS
                                .iter()
                                .find(|a| a.email != actor.email)
                                .unwrap()
                                .email;
                            jobs[if side == "own" { actor.email } else { other }]
                        } else if e.path.starts_with("/users") {
                            user
                        } else {
                            org
                        }
                        .to_string(),
                        1,
                    )
                    .replace(
                        "{rid}",
                        &if e.path.contains("outcome-results") {
                            ids.result
                        } else if e.path.contains("outcome-batches") {
                            ids.batch
                        } else if e.path.contains("/claims") {
                            ids.claim
                        } else if e.path.starts_with("/projects/{id}/evidence") {
                            ids.evidence
                        } else {
                            ids.run
                        }
                        .to_string(),
                    )
                    .replace("{cid}", "0");
                let uri = if e.method == axum::http::Method::POST && e.path.ends_with("/evidence") {
                    format!("/api/v1{path}?name=matrix.bin")
                } else {
                    format!("/api/v1{path}")
                };
                let token = tokens[actor.email].clone();
                let mut req = Request::builder()
                    .method(e.method.clone())
                    .uri(&uri)
                    .header("authorization", format!("Bearer {token}"));
                let body: Option<Value> = match (e.method.as_str(), e.path) {
                    ("POST", "/auth/login") => {
                        Some(json!({"email": actor.email, "password": seika::demo::DEMO_PASSWORD}))
                    }
                    // A code nobody issued: 422, whoever asks.
                    ("POST", "/auth/password-reset") => Some(
                        json!({"email": actor.email, "code": "0000-0000", "new_password": "a-new-password-1"}),
                    ),
                    ("POST", "/auth/password") => Some(
                        json!({"current_password": "not-my-password", "new_password": "a-new-password-1"}),
                    ),
                    ("POST", "/organizations") => Some(
                        json!({"slug": format!("matrix-org-{counter}"), "kind": "investor", "name_ja": "m", "name_en": "m"}),
                    ),
                    ("PATCH", "/organizations/{id}") => {
                        Some(json!({"name_ja": "神戸市", "name_en": "Kobe City"}))
                    }
                    ("POST", "/users") => Some(
                        json!({"email": format!("m{counter}@example.org"), "display_name": "m", "role": "investor", "organization_id": org, "password": "matrix-password"}),
                    ),
                    ("PATCH", "/users/{id}") => Some(json!({"display_name": "Seika Admin"})),
                    ("POST", "/projects") => {
                        Some(new_project_body(&app, &format!("matrix-{counter}")).await)
                    }
                    ("POST", "/contract-checks") | ("POST", "/contract-workbooks") => Some(
                        json!({"terms": new_project_body(&app, "matrix-check").await["terms"]}),
                    ),
                    ("POST", "/figures") => Some(json!({"kind": "money", "text": "3,406万円"})),
                    ("POST", "/contract-comparisons") => {
                        let terms = new_project_body(&app, "matrix-check").await["terms"].clone();
                        Some(json!({"in_force": terms, "amended": terms}))
                    }
                    // Valid shape, refused after authorization: wrong code.
                    ("PUT", "/projects/{id}") => {
                        Some(new_project_body(&app, "matrix-wrong-code").await)
                    }
                    // An impossible transition (the projects are in service or evaluating): 409.
                    ("POST", "/projects/{id}/status") => Some(json!({"status": "published"})),
                    ("POST", "/projects/{id}/amendments") => {
                        let mut b = new_project_body(&app, "matrix-wrong-code").await;
                        b["reason"] = json!("matrix");
                        Some(
                            json!({"reason": "matrix", "effective_from": "2030-01-01", "terms": b["terms"]}),
                        )
                    }
                    // An unknown metric: 422 after authorization.
                    ("POST", "/projects/{id}/outcome-results") => {
                        Some(json!({"metric": "no-such-metric", "value": "1"}))
                    }
                    ("POST", p) if p.ends_with("/reject") => Some(json!({"reason": "matrix"})),
                    // A sample of no records, a discrepancy without a note: 422 after
                    // authorization.
                    ("POST", p) if p.ends_with("/sample") => {
                        Some(json!({"size": {"kind": "count", "count": 0}}))
                    }
                    ("POST", "/projects/{id}/participant-erasures") => {
                        Some(json!({"participant": "nobody-here", "reason": "matrix"}))
                    }
                    // No runs, no scenarios: 422 after authorization.
                    ("POST", "/projects/{id}/simulations") => {
                        Some(json!({"runs": 0, "seed": 1, "assumptions": []}))
                    }
                    ("POST", "/projects/{id}/simulation-jobs") => {
                        Some(json!({"runs": 0, "seed": 1, "assumptions": []}))
                    }
                    ("POST", "/projects/{id}/scenarios") => Some(json!({"scenarios": []})),
                    // A threshold out of range: 422 after authorization.
                    ("PUT", "/projects/{id}/publication") => Some(
                        json!({"published": false, "public_sections": [], "privacy_threshold": 0}),
                    ),
                    ("PUT", "/projects/{id}/publication/disclosure") => {
                        Some(json!({"public": false}))
                    }
                    // Not an INDIGO project: 422 after authorization.
                    ("POST", "/projects/indigo-import") => {
                        Some(json!({"code": "matrix-indigo", "project": 1}))
                    }
                    ("PUT", p) if p.contains("/sample/records/") => {
                        Some(json!({"finding": "discrepant"}))
                    }
                    // An unknown payout run: 422 after authorization.
                    ("POST", "/projects/{id}/claims") => Some(
                        json!({"payout_run_id": 0, "tranche": "t", "payer": "p", "invoice_number": "T7000012050002",
                               "issued_on": "2020-01-01", "description": "matrix"}),
                    ),
                    // The seeded claim is accepted: not resubmittable, not inspectable (409).
                    ("POST", p) if p.ends_with("/resubmit") => Some(
                        json!({"invoice_number": "T7000012050002", "issued_on": "2020-01-01", "description": "matrix"}),
                    ),
                    ("POST", p) if p.ends_with("/inspection") => Some(json!({"accept": true})),
                    // A fiscal year out of range: 422 after authorization.
                    ("POST", "/projects/{id}/budget-lines") => Some(
                        json!({"fiscal_year": 1900, "account": "一般会計", "appropriation": "1"}),
                    ),
                    ("POST", "/projects/{id}/debt-commitments") => Some(
                        json!({"item": "x", "from_fiscal_year": 1900, "to_fiscal_year": 1901, "total_limit": "1"}),
                    ),
                    // An unknown tranche: 422 after authorization.
                    ("POST", "/projects/{id}/distributions") => Some(
                        json!({"tranche": "none", "investment": "none", "paid_on": "2020-10-02", "reference": "x"}),
                    ),
                    // A zero payment: 422 after authorization.
                    ("POST", p) if p.ends_with("/payments") => Some(
                        json!({"paid_on": "2020-10-02", "amount": "0", "budget_account": "x", "reference": "x"}),
                    ),
                    ("POST", _) => Some(json!({})),
                    _ => None,
                };
                if e.if_match {
                    let current = app.get(&uri, Some(&admin)).await;
                    req = req.header("if-match", etag(&current));
                }
                let request = match (&e.body, body) {
                    // Not a file Seika accepts as evidence: 415 after authorization (the seeded
                    // result is verified: 409 first).
                    (Some(seika::api::openapi::RequestBody::File), _) => req
                        .header("content-type", "application/octet-stream")
                        .body(Body::from(&b"MZ\x90\x00"[..]))
                        .unwrap(),
                    (Some(seika::api::openapi::RequestBody::Table(_)), _) => req
                        .header("content-type", "text/csv")
                        .body(Body::from(
                            "participant,outcome,achieved_on\nP1,no-such-outcome,2025-01-01\n",
                        ))
                        .unwrap(),
                    (_, Some(json)) => req
                        .header("content-type", "application/json")
                        .body(Body::from(json.to_string()))
                        .unwrap(),
                    (_, None) => req.body(Body::empty()).unwrap(),
                };
                let res = app.send(request).await;
                if e.path == "/auth/logout" {
                    tokens.insert(actor.email, app.login(actor.email).await);
                }
                let denied = [
                    StatusCode::UNAUTHORIZED,
                    StatusCode::FORBIDDEN,
                    StatusCode::NOT_FOUND,
                ]
                .contains(&res.status);
                let expected = allowed(rule, actor.letter);
                assert_eq!(
                    !denied,
                    expected,
                    "{} {} as {} on {side} project: got {} {}",
                    e.method,
                    path,
                    actor.email,
                    res.status,
                    String::from_utf8_lossy(&res.body)
                );
                assert!(res.status != StatusCode::INTERNAL_SERVER_ERROR);
                if denied
                    && side == "foreign"
                    && e.path.starts_with("/projects/{id}")
                    && actor.letter != 'A'
                {
                    assert_eq!(
                        res.status,
                        StatusCode::NOT_FOUND,
                        "{} {}: another organization's project must look absent",
                        e.method,
                        path
                    );
                }
                checked += 1;

                // Without a token, only public endpoints answer.
                if side == "own" && actor.letter == 'A' {
                    let anonymous = app.request(e.method.clone(), &uri, None, None).await;
                    let public = rule == "public";
                    assert_eq!(
                        anonymous.status == StatusCode::UNAUTHORIZED,
                        !public,
                        "{} {} without a token",
                        e.method,
                        path
                    );
                }
            }
        }
    }
    assert_eq!(checked, MATRIX.len() * ACTORS.len() * 2);
}
db_test!(authorization_matrix);
