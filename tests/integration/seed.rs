//! `seika seed`: a reproducible market for load tests, stored through the bulk paths of both
//! databases and usable through the API like any other data.

use axum::http::StatusCode;
use serde_json::json;

use crate::util::{TestApp, db_test};

/// A small seeded market: every record stored, projects published with their parties, the
/// largest project's payout run computed through the API from the seeded records, its investors
/// paid through the waterfall; seeding the same database again is refused.
async fn a_seeded_market_is_published_and_pays(app: TestApp) {
    let plan = seika::seed::SeedPlan {
        projects: 12,
        participants: 600,
        records: 6_000,
        investors: 4,
        cities: 3,
        seed: 5,
        password: "seed-password-2026".into(),
    };
    let again = plan.clone();
    let summary = app
        .with_conn(move |conn| seika::seed::seed(conn, &plan, &mut |_| {}).unwrap())
        .await;
    assert_eq!(summary.projects, 12);
    assert_eq!(summary.participants, 600);
    assert!((3_000..=9_000).contains(&summary.records), "{summary:?}");
    assert_eq!(summary.largest.0, "seed-000001");
    let stored = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use seika_db::schema::participant_records::dsl::participant_records;
            participant_records.count().get_result::<i64>(conn).unwrap()
        })
        .await;
    // The demo has aggregate results only: every participant record is the seed's.
    assert_eq!(stored, summary.records as i64);

    // The first city's staff sees its projects (every third), and runs the largest one's payout.
    let staff = app
        .login_with("staff@seed-city-01.example", "seed-password-2026")
        .await;
    let mine = app
        .get("/api/v1/projects?q=seed-", Some(&staff))
        .await
        .json();
    assert_eq!(mine["total"], 4, "{mine}");
    let largest = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "seed-000001")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let run = app
        .post(
            &format!("/api/v1/projects/{largest}/payout-runs"),
            Some(&staff),
            &json!({}),
        )
        .await;
    run.assert_status(StatusCode::CREATED);
    let statement = &run.json()["statement"];
    let total: i64 = statement["total"].as_str().unwrap().parse().unwrap();
    let maximum: i64 = statement["max_total_payment"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 0 && total <= maximum, "{total} of {maximum}");
    let paid: i64 = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(paid, total);
    // Four investors share the largest project's distributions, reconciled to the yen.
    let distribution = &statement["distribution"];
    assert_eq!(distribution["investors"].as_array().unwrap().len(), 4);
    assert_eq!(
        distribution["reconciliation"]["difference"], "0",
        "{distribution}"
    );

    // An investor in it sees it.
    let investor = app
        .login_with("investor@seed-investor-002.example", "seed-password-2026")
        .await;
    app.get(&format!("/api/v1/projects/{largest}"), Some(&investor))
        .await
        .assert_status(StatusCode::OK);

    let refused = app
        .with_conn(move |conn| seika::seed::seed(conn, &again, &mut |_| {}).is_err())
        .await;
    assert!(refused, "a second seed into the same database");
}
db_test!(a_seeded_market_is_published_and_pays);
