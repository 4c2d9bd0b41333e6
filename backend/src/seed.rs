//! `seika seed`: fills a database with a large, reproducible market of outcome contracts for load
//! tests and benchmarks: cities (outcome payers), a service provider, an evaluator, investors,
//! published rate-card projects and verified batches of participant records, the same for the
//! same seed. Project sizes follow a Zipf law (a few large projects, many small ones), as the
//! market does. Records go in through `COPY` on PostgreSQL and multi-row inserts on SQLite; no
//! audit entries are written (like the demo loader, the seed audits none of its data).

use chrono::NaiveDate;
use seika_core::access::{PartyRole, PartyStatus};
use seika_core::organization::OrganizationKind;
use seika_core::project::{PolicyArea, ProjectStatus};
use seika_core::user::Role;

use seika_core::password;
use seika_db::{self as db, DbConn, batches, organizations, projects, users};

/// How large a market to make.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub projects: usize,
    pub participants: u64,
    pub records: u64,
    /// Investors in each of the largest projects (the ten largest); one in the others.
    pub investors: usize,
    pub cities: usize,
    pub seed: u64,
    /// The password of every seeded account.
    pub password: String,
}

/// What was made.
#[derive(Debug, Default)]
pub struct SeedSummary {
    pub organizations: usize,
    pub users: usize,
    pub projects: usize,
    pub participants: u64,
    pub records: u64,
    /// The largest project's code and its number of records.
    pub largest: (String, u64),
}

/// The rate card every seeded project pays by, with its weight among the records.
const OUTCOMES: [(&str, u64); 4] = [
    ("regular_contact", 55),
    ("training_start", 25),
    ("job_start", 15),
    ("job_sustained_6m", 5),
];

/// SplitMix64: small, fast and the same everywhere; enough for generated test data.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Participants of each project: a Zipf law over ranks (the first project is the largest), at
/// least one each, summing to `total` (rounding remainders go to the largest).
pub fn project_sizes(projects: usize, total: u64) -> Vec<u64> {
    if projects == 0 {
        return Vec::new();
    }
    // Weights 1/(rank+1) in parts per 10^9, all integer.
    let weights: Vec<u64> = (1..=projects as u64).map(|r| 1_000_000_000 / r).collect();
    let sum: u64 = weights.iter().sum();
    let mut sizes: Vec<u64> = weights
        .iter()
        .map(|w| (u128::from(total) * u128::from(*w) / u128::from(sum)).max(1) as u64)
        .collect();
    let given: u64 = sizes.iter().sum();
    if given < total {
        sizes[0] += total - given;
    }
    sizes
}

/// The records of one project's participants, generated afresh on every call: (participant,
/// outcome, day), about `per_participant` each on average, days in fiscal years 2024 and 2025.
fn records(
    seed: u64,
    project: usize,
    participants: u64,
    per_participant: u64,
) -> impl Fn(&mut dyn FnMut(batches::GeneratedRecord<'_>)) {
    let first = NaiveDate::from_ymd_opt(2024, 4, 1).expect("valid date");
    move |emit: &mut dyn FnMut(batches::GeneratedRecord<'_>)| {
        let mut rng = Rng::new(seed ^ (project as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut key = String::with_capacity(12);
        let weight_total: u64 = OUTCOMES.iter().map(|(_, w)| w).sum();
        for p in 0..participants {
            key.clear();
            use std::fmt::Write;
            let _ = write!(key, "P{p:07}");
            let count = 1 + rng.below(2 * per_participant.max(1) - 1);
            for _ in 0..count {
                let mut pick = rng.below(weight_total);
                let outcome = OUTCOMES
                    .iter()
                    .find(|(_, w)| {
                        if pick < *w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .map_or("regular_contact", |(o, _)| o);
                let day = first + chrono::Days::new(rng.below(730));
                emit((&key, outcome, day));
            }
        }
    }
}

/// How many records `records` makes (it draws the same numbers).
fn count_records(seed: u64, project: usize, participants: u64, per_participant: u64) -> u64 {
    let mut n = 0;
    records(seed, project, participants, per_participant)(&mut |_| n += 1);
    n
}

/// The terms of a seeded project: a two-year rate card paid by its city, loans from its
/// investors repaid through a senior waterfall.
fn terms(code: &str, city: &str, investors: &[String], participants: u64) -> String {
    let maximum = participants.saturating_mul(300_000).max(1_000_000);
    let count = investors.len().max(1) as u64;
    let each = maximum / 2 / count;
    let rate_card = |tranche: &str| {
        serde_json::json!({
            "id": format!("rate-card-{tranche}"),
            "name": {"ja": format!("成果報酬（{tranche}）"), "en": format!("Outcome payments ({tranche})")},
            "tranche": tranche,
            "rule": {
                "type": "rate_card",
                "metric": "participant_outcomes",
                "cap_per_participant": "400000",
                "outcomes": [
                    {"outcome": "regular_contact", "price": "30000"},
                    {"outcome": "training_start", "price": "80000"},
                    {"outcome": "job_start", "price": "150000"},
                    {"outcome": "job_sustained_6m", "price": "200000"}
                ]
            }
        })
    };
    let investments: Vec<serde_json::Value> = investors
        .iter()
        .enumerate()
        .map(|(i, investor)| {
            serde_json::json!({
                "id": format!("loan-{}", i + 1),
                "investor": investor,
                "instrument": "senior_loan",
                "committed": each.to_string(),
                "drawdowns": [{"on": "2024-04-01", "amount": each.to_string()}],
                "annual_rate": "0.015"
            })
        })
        .collect();
    serde_json::json!({
        "schema": "seika.contract.v1",
        "code": code,
        "title": {"ja": format!("若者就労支援 {code}"), "en": format!("Youth employment {code}")},
        "currency": "JPY",
        "rounding": {"unit": "1", "mode": "floor"},
        "max_total_payment": maximum.to_string(),
        "payers": [{"id": city, "share": "1"}],
        "tranches": [
            {"id": "fy2024", "name": {"ja": "2024年度", "en": "FY2024"}, "due_on": "2025-05-30",
             "outcomes_from": "2024-04-01", "outcomes_until": "2025-03-31"},
            {"id": "fy2025", "name": {"ja": "2025年度", "en": "FY2025"}, "due_on": "2026-05-29",
             "outcomes_from": "2025-04-01", "outcomes_until": "2026-03-31"}
        ],
        "metrics": [{
            "id": "participant_outcomes",
            "name": {"ja": "参加者の成果", "en": "Participant outcomes"},
            "unit": "count",
            "direction": "higher_is_better"
        }],
        "components": [rate_card("fy2024"), rate_card("fy2025")],
        "investments": investments,
        "waterfall": [
            {"type": "interest", "class": "senior"},
            {"type": "principal", "class": "senior"}
        ]
    })
    .to_string()
}

/// Fills the database. Refuses a database that already holds seeded projects.
pub fn seed(
    conn: &mut DbConn,
    plan: &SeedPlan,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<SeedSummary> {
    anyhow::ensure!(plan.projects > 0, "at least one project");
    anyhow::ensure!(
        plan.cities > 0 && plan.investors > 0,
        "at least one city and one investor"
    );
    anyhow::ensure!(
        projects::find_by_code(conn, "seed-000001")?.is_none(),
        "this database holds seeded projects already: seed a fresh database"
    );
    let mut summary = SeedSummary::default();
    let market = organizations_of(conn, plan, &mut summary)?;
    let reviewers = users_of(conn, plan, &market, &mut summary)?;
    let sizes = project_sizes(plan.projects, plan.participants);
    let per_participant = (plan.records / plan.participants.max(1)).max(1);
    for (i, participants) in sizes.iter().copied().enumerate() {
        let (code, rows) = seed_project(
            conn,
            plan,
            &market,
            reviewers,
            (i, participants, per_participant),
        )?;
        summary.projects += 1;
        summary.participants += participants;
        summary.records += rows;
        if i == 0 {
            summary.largest = (code, rows);
        }
        if (i + 1) % 100 == 0 || i + 1 == sizes.len() || i < 3 {
            progress(&format!(
                "{} of {} projects, {} records",
                i + 1,
                sizes.len(),
                summary.records
            ));
        }
    }
    Ok(summary)
}

/// The seeded organizations: cities, the provider, the evaluator and the investors, by slug and
/// id.
struct Market {
    cities: Vec<(String, i64)>,
    provider: i64,
    evaluator: i64,
    investors: Vec<(String, i64)>,
}

fn organizations_of(
    conn: &mut DbConn,
    plan: &SeedPlan,
    summary: &mut SeedSummary,
) -> anyhow::Result<Market> {
    let mut org = |conn: &mut DbConn, slug: &str, kind: OrganizationKind, ja: &str, en: &str| {
        summary.organizations += 1;
        organizations::insert(
            conn,
            &organizations::NewOrganization {
                slug,
                kind,
                name_ja: ja,
                name_en: en,
            },
        )
        .map(|o| o.id)
    };
    db::write_transaction(conn, |conn| {
        let mut cities = Vec::new();
        for c in 1..=plan.cities {
            let slug = format!("seed-city-{c:02}");
            let id = org(
                conn,
                &slug,
                OrganizationKind::LocalGovernment,
                &format!("市{c:02}"),
                &format!("City {c:02}"),
            )?;
            cities.push((slug, id));
        }
        let provider = org(
            conn,
            "seed-provider",
            OrganizationKind::ServiceProvider,
            "就労支援事業者",
            "Employment provider",
        )?;
        let evaluator = org(
            conn,
            "seed-evaluator",
            OrganizationKind::Evaluator,
            "第三者評価機関",
            "Independent evaluator",
        )?;
        let mut investors = Vec::new();
        for i in 1..=plan.investors {
            let slug = format!("seed-investor-{i:03}");
            let id = org(
                conn,
                &slug,
                OrganizationKind::Investor,
                &format!("投資家{i:03}"),
                &format!("Investor {i:03}"),
            )?;
            investors.push((slug, id));
        }
        Ok::<_, anyhow::Error>(Market {
            cities,
            provider,
            evaluator,
            investors,
        })
    })
}

/// A user per city and investor, the provider's, and two evaluators (one enters, the other
/// verifies): returns the two evaluators.
fn users_of(
    conn: &mut DbConn,
    plan: &SeedPlan,
    market: &Market,
    summary: &mut SeedSummary,
) -> anyhow::Result<(i64, i64)> {
    let hash = password::hash(&plan.password)?;
    let Market {
        cities,
        provider,
        evaluator,
        investors,
    } = market;
    let (provider, evaluator) = (*provider, *evaluator);
    let mut user =
        |conn: &mut DbConn, organization_id: i64, email: &str, name: &str, role: Role| {
            summary.users += 1;
            users::insert(
                conn,
                &users::NewUser {
                    organization_id,
                    email,
                    display_name: name,
                    role,
                    password_hash: &hash,
                },
            )
            .map(|u| u.id)
        };
    db::write_transaction(conn, |conn| {
        for (slug, id) in cities {
            user(
                conn,
                *id,
                &format!("staff@{slug}.example"),
                &format!("{slug} staff"),
                Role::GovernmentStaff,
            )?;
        }
        for (slug, id) in investors {
            user(
                conn,
                *id,
                &format!("investor@{slug}.example"),
                &format!("{slug} investor"),
                Role::Investor,
            )?;
        }
        user(
            conn,
            provider,
            "provider@seed-provider.example",
            "Provider",
            Role::ServiceProvider,
        )?;
        let a = user(
            conn,
            evaluator,
            "evaluator@seed-evaluator.example",
            "Evaluator A",
            Role::Evaluator,
        )?;
        let b = user(
            conn,
            evaluator,
            "evaluator2@seed-evaluator.example",
            "Evaluator B",
            Role::Evaluator,
        )?;
        Ok::<_, anyhow::Error>((a, b))
    })
}

/// One rate-card project with its parties and generated, verified records: its code and the
/// number of records.
fn seed_project(
    conn: &mut DbConn,
    plan: &SeedPlan,
    market: &Market,
    (entered_by, reviewed_by): (i64, i64),
    (i, participants, per_participant): (usize, u64, u64),
) -> anyhow::Result<(String, u64)> {
    let Market {
        cities,
        provider,
        evaluator,
        investors,
    } = market;
    let (provider, evaluator) = (*provider, *evaluator);
    let code = format!("seed-{:06}", i + 1);
    let (city, city_id) = &cities[i % cities.len()];
    let holders: Vec<&(String, i64)> = if i < 10 {
        investors.iter().collect()
    } else {
        vec![&investors[i % investors.len()]]
    };
    let slugs: Vec<String> = holders.iter().map(|(s, _)| s.clone()).collect();
    let text = terms(&code, city, &slugs, participants);
    let mut parties = vec![
        projects::NewParty {
            organization_id: *city_id,
            role: PartyRole::OutcomePayer,
            status: PartyStatus::Accepted,
        },
        projects::NewParty {
            organization_id: provider,
            role: PartyRole::ServiceProvider,
            status: PartyStatus::Accepted,
        },
        projects::NewParty {
            organization_id: evaluator,
            role: PartyRole::Evaluator,
            status: PartyStatus::Accepted,
        },
    ];
    parties.extend(holders.iter().map(|(_, id)| projects::NewParty {
        organization_id: *id,
        role: PartyRole::Investor,
        status: PartyStatus::Accepted,
    }));
    let generate = records(plan.seed, i, participants, per_participant);
    let rows = count_records(plan.seed, i, participants, per_participant);
    db::write_transaction(conn, |conn| {
        let project = projects::insert(
            conn,
            &projects::NewProject {
                code: &code,
                owner_organization_id: *city_id,
                status: ProjectStatus::Evaluating,
                title_ja: &format!("若者就労支援 {code}"),
                title_en: &format!("Youth employment {code}"),
                policy_area: PolicyArea::EmploymentAndTraining,
                currency: "JPY",
                effective_from: NaiveDate::from_ymd_opt(2024, 4, 1).expect("valid date"),
                terms: &text,
                created_by: None,
                parties: &parties,
            },
        )?;
        batches::insert_generated(
            conn,
            project.id,
            &format!("{code}.csv"),
            rows as i64,
            (entered_by, reviewed_by),
            &generate,
        )?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok((code, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_a_zipf_law_and_sum_to_the_total() {
        let sizes = project_sizes(1000, 3_000_000);
        assert_eq!(sizes.iter().sum::<u64>(), 3_000_000);
        assert!(sizes.iter().all(|s| *s >= 1));
        // The largest holds about 1/H(1000) ≈ 13 % of everyone; the second about half of that.
        assert!((390_000..=410_000).contains(&sizes[0]), "{}", sizes[0]);
        assert!((190_000..=210_000).contains(&sizes[1]), "{}", sizes[1]);
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn the_same_seed_makes_the_same_records() {
        let collect = |seed| {
            let mut out = Vec::new();
            records(seed, 3, 50, 10)(&mut |(p, o, d)| out.push((p.to_owned(), o.to_owned(), d)));
            out
        };
        let first = collect(7);
        assert_eq!(first, collect(7));
        assert_ne!(first, collect(8));
        assert_eq!(first.len() as u64, count_records(7, 3, 50, 10));
        // About ten per participant, every one inside the two fiscal years.
        assert!((300..=700).contains(&first.len()), "{}", first.len());
        let (from, until) = (
            NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        );
        assert!(first.iter().all(|(_, _, d)| (from..=until).contains(d)));
    }
}
