//! The demo data set behind `seika serve --demo`: a small, realistic installation modelled on
//! Kobe City's dialysis-prevention SIB. Loading is idempotent: every record is found by its natural
//! key (slug, e-mail, project code) and created only when missing.

use chrono::NaiveDate;
use seika_core::access::{PartyRole, PartyStatus};
use seika_core::project::{PolicyArea, ProjectStatus};
use seika_core::review::ReviewStatus;

use seika_core::organization::OrganizationKind;
use seika_core::outcomes::Outcomes;
use seika_core::password;
use seika_core::user::Role;
use seika_db::{self as db, DbConn, organizations, outcomes, projects, users};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "seika-demo-2026";

/// The demo's accounts as the server's start banner lists them, from the same list the demo
/// creates (so the banner, the demo and the README cannot differ: a test compares the README).
pub fn login_help() -> String {
    let mut help = format!("Demo accounts (password: {DEMO_PASSWORD}):");
    for user in USERS {
        help.push_str(&format!("\n  {:<28} {}", user.email, user.about));
    }
    help
}

/// Every demo account's e-mail.
pub fn demo_emails() -> impl Iterator<Item = &'static str> {
    USERS.iter().map(|u| u.email)
}

struct DemoOrganization {
    slug: &'static str,
    kind: OrganizationKind,
    name_ja: &'static str,
    name_en: &'static str,
}

const ORGANIZATIONS: &[DemoOrganization] = &[
    DemoOrganization {
        slug: "seika-platform",
        kind: OrganizationKind::Platform,
        name_ja: "Seika 運営事務局",
        name_en: "Seika platform operator",
    },
    DemoOrganization {
        slug: "kobe-city",
        kind: OrganizationKind::LocalGovernment,
        name_ja: "神戸市",
        name_en: "Kobe City",
    },
    DemoOrganization {
        slug: "dpp-health-partners",
        kind: OrganizationKind::ServiceProvider,
        name_ja: "DPPヘルスパートナーズ",
        name_en: "DPP Health Partners",
    },
    DemoOrganization {
        slug: "siif",
        kind: OrganizationKind::Intermediary,
        name_ja: "一般財団法人社会変革推進財団",
        name_en: "Social Innovation and Investment Foundation (SIIF)",
    },
    DemoOrganization {
        slug: "mirai-kogaku",
        kind: OrganizationKind::Evaluator,
        name_ja: "公益財団法人未来工学研究所",
        name_en: "Institute for Future Engineering",
    },
    DemoOrganization {
        slug: "smbc",
        kind: OrganizationKind::Investor,
        name_ja: "株式会社三井住友銀行",
        name_en: "Sumitomo Mitsui Banking Corporation (SMBC)",
    },
    DemoOrganization {
        slug: "hachioji-city",
        kind: OrganizationKind::LocalGovernment,
        name_ja: "八王子市",
        name_en: "Hachioji City",
    },
    DemoOrganization {
        slug: "cancerscan",
        kind: OrganizationKind::ServiceProvider,
        name_ja: "キャンサースキャン",
        name_en: "Cancerscan",
    },
    DemoOrganization {
        slug: "smbc-trust-individuals",
        kind: OrganizationKind::Investor,
        name_ja: "個人投資家（SMBC信託銀行経由）",
        name_en: "Individual investors via SMBC Trust Bank",
    },
];

/// The demo's parties have all accepted their roles (the published projects are under way).
fn accepted(organization_id: i64, role: PartyRole) -> projects::NewParty {
    projects::NewParty {
        organization_id,
        role,
        status: PartyStatus::Accepted,
    }
}

struct DemoUser {
    email: &'static str,
    /// What the account is for, as the start banner says it.
    about: &'static str,
    name: &'static str,
    role: Role,
    organization: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@seika.example",
        about: "platform admin",
        name: "Seika Admin",
        role: Role::PlatformAdmin,
        organization: "seika-platform",
    },
    DemoUser {
        email: "staff@kobe-city.example",
        about: "government staff, Kobe City (registers, runs payouts, records payments)",
        name: "神戸 花子",
        role: Role::GovernmentStaff,
        organization: "kobe-city",
    },
    DemoUser {
        email: "evaluator@mirai.example",
        about: "evaluator, 未来工学研究所 (enters results)",
        name: "未来 太郎",
        role: Role::Evaluator,
        organization: "mirai-kogaku",
    },
    DemoUser {
        email: "evaluator2@mirai.example",
        about: "evaluator, 未来工学研究所 (verifies results)",
        name: "未来 花子",
        role: Role::Evaluator,
        organization: "mirai-kogaku",
    },
    DemoUser {
        email: "staff@hachioji-city.example",
        about: "government staff, Hachioji City",
        name: "八王子 次郎",
        role: Role::GovernmentStaff,
        organization: "hachioji-city",
    },
    DemoUser {
        email: "investor@smbc.example",
        about: "investor, SMBC",
        name: "三井 一郎",
        role: Role::Investor,
        organization: "smbc",
    },
    DemoUser {
        email: "investor@smbc-trust.example",
        about: "investor, individual investors via SMBC Trust Bank",
        name: "信託 二郎",
        role: Role::Investor,
        organization: "smbc-trust-individuals",
    },
    DemoUser {
        email: "inspector@kobe-city.example",
        about: "government staff, Kobe City (inspects claims)",
        name: "検査 一郎",
        role: Role::GovernmentStaff,
        organization: "kobe-city",
    },
    DemoUser {
        email: "provider@dpp.example",
        about: "service provider, DPP Health Partners",
        name: "DPP 三郎",
        role: Role::ServiceProvider,
        organization: "dpp-health-partners",
    },
];

/// The Kobe City contract in the payout engine's contract format.
pub const KOBE_CONTRACT: &str = include_str!("../../docs/examples/kobe-dialysis.contract.json");
/// Hachioji City's contract: another city's project, for seeing what others may not.
pub const HACHIOJI_CONTRACT: &str =
    include_str!("../../docs/examples/hachioji-screening.contract.json");
/// Kobe's verified evaluation results, as the evaluator entered them.
const KOBE_OUTCOMES: &str = include_str!("../../docs/examples/kobe-dialysis.outcomes.json");

/// What a load created; all zeros on a second load.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub organizations_created: usize,
    pub users_created: usize,
    pub projects_created: usize,
    pub outcome_records_created: usize,
    pub payout_runs_created: usize,
    pub claims_created: usize,
}

/// Loads the demo data set in one transaction, creating only what is missing.
/// An arbitrary constant: the PostgreSQL transaction lock that serialises demo loads.
const DEMO_LOCK: i64 = 0x0005_E1CA_0003;

pub fn load(conn: &mut DbConn) -> anyhow::Result<DemoSummary> {
    let password_hash = password::hash(DEMO_PASSWORD)?;
    db::write_transaction(conn, |conn| {
        // Several instances starting with --demo at once on one PostgreSQL: one loads, the others
        // wait here and then find everything in place.
        if let DbConn::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                &format!("SELECT pg_advisory_xact_lock({DEMO_LOCK})"),
            )?;
        }
        refuse_real_data(conn)?;
        let mut summary = DemoSummary::default();
        let org_ids = organizations_of(conn, &mut summary)?;
        users_of(conn, &org_ids, &password_hash, &mut summary)?;
        projects_of(conn, &org_ids, &mut summary)?;
        let kobe = projects::find_by_code(conn, "kobe-dialysis-2017")?
            .ok_or_else(|| anyhow::anyhow!("the Kobe project is missing"))?;
        if outcomes::list(conn, kobe.id, None)?.is_empty() {
            summary.outcome_records_created += kobe_outcomes(conn, kobe.id)?;
            let staff = users::find_by_email(conn, "staff@kobe-city.example")?
                .ok_or_else(|| anyhow::anyhow!("demo staff missing"))?;
            seika_service::payout_runs::record(conn, kobe.id, kobe.current_terms_version, staff.id)
                .map_err(|e| anyhow::anyhow!("demo payout run: {e}"))?;
            summary.payout_runs_created += 1;
        }
        if db::claims::list(conn, kobe.id)?.is_empty() {
            summary.claims_created +=
                kobe_claims(conn, kobe.id).map_err(|e| anyhow::anyhow!("demo claims: {e}"))?;
        }
        Ok(summary)
    })
}

/// The demo adds accounts with a published password: never beside real data.
fn refuse_real_data(conn: &mut DbConn) -> anyhow::Result<()> {
    let demo_emails: Vec<&str> = USERS.iter().map(|u| u.email).collect();
    let demo_slugs: Vec<&str> = ORGANIZATIONS.iter().map(|o| o.slug).collect();
    let real_users = users::count_other_than(conn, &demo_emails)?;
    let real_organizations = organizations::count_other_than(conn, &demo_slugs)?;
    anyhow::ensure!(
        real_users == 0 && real_organizations == 0,
        "this database holds real data ({real_users} users and {real_organizations} \
         organizations that are not the demo's): --demo would add accounts with the published \
         demo password. Start without --demo, or use a fresh database for the demo"
    );
    Ok(())
}

type OrgIds = std::collections::HashMap<&'static str, i64>;

/// The demo's organizations, created where missing: their ids by slug.
fn organizations_of(conn: &mut DbConn, summary: &mut DemoSummary) -> anyhow::Result<OrgIds> {
    let mut org_ids = std::collections::HashMap::new();
    for org in ORGANIZATIONS {
        let row = match organizations::find_by_slug(conn, org.slug)? {
            Some(row) => row,
            None => {
                summary.organizations_created += 1;
                organizations::insert(
                    conn,
                    &organizations::NewOrganization {
                        slug: org.slug,
                        kind: org.kind,
                        name_ja: org.name_ja,
                        name_en: org.name_en,
                    },
                )?
            }
        };
        org_ids.insert(org.slug, row.id);
    }
    Ok(org_ids)
}

fn users_of(
    conn: &mut DbConn,
    org_ids: &OrgIds,
    password_hash: &str,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    for user in USERS {
        if users::find_by_email(conn, user.email)?.is_none() {
            summary.users_created += 1;
            users::insert(
                conn,
                &users::NewUser {
                    organization_id: org_ids[user.organization],
                    email: user.email,
                    display_name: user.name,
                    role: user.role,
                    password_hash,
                },
            )?;
        }
    }
    Ok(())
}

/// The Kobe and Hachioji projects, created where missing.
fn projects_of(
    conn: &mut DbConn,
    org_ids: &OrgIds,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    if projects::find_by_code(conn, "kobe-dialysis-2017")?.is_none() {
        summary.projects_created += 1;
        let parties = [
            accepted(org_ids["kobe-city"], PartyRole::OutcomePayer),
            accepted(org_ids["dpp-health-partners"], PartyRole::ServiceProvider),
            accepted(org_ids["siif"], PartyRole::Intermediary),
            accepted(org_ids["siif"], PartyRole::Investor),
            accepted(org_ids["mirai-kogaku"], PartyRole::Evaluator),
            accepted(org_ids["smbc"], PartyRole::Investor),
            accepted(org_ids["smbc-trust-individuals"], PartyRole::Investor),
        ];
        projects::insert(
            conn,
            &projects::NewProject {
                code: "kobe-dialysis-2017",
                owner_organization_id: org_ids["kobe-city"],
                status: ProjectStatus::Evaluating,
                title_ja: "神戸市 糖尿病性腎症等重症化予防事業（SIB）",
                title_en: "Kobe City dialysis prevention SIB",
                policy_area: PolicyArea::Health,
                currency: "JPY",
                effective_from: NaiveDate::from_ymd_opt(2017, 7, 1).expect("valid date"),
                terms: KOBE_CONTRACT,
                created_by: None,
                parties: &parties,
            },
        )?;
    }
    if projects::find_by_code(conn, "hachioji-screening-2017")?.is_none() {
        summary.projects_created += 1;
        let parties = [
            accepted(org_ids["hachioji-city"], PartyRole::OutcomePayer),
            accepted(org_ids["cancerscan"], PartyRole::ServiceProvider),
            accepted(org_ids["siif"], PartyRole::Investor),
        ];
        projects::insert(
            conn,
            &projects::NewProject {
                code: "hachioji-screening-2017",
                owner_organization_id: org_ids["hachioji-city"],
                status: ProjectStatus::InService,
                title_ja: "八王子市 大腸がん検診受診率向上事業（SIB）",
                title_en: "Hachioji City colorectal-cancer screening SIB",
                policy_area: PolicyArea::Health,
                currency: "JPY",
                effective_from: NaiveDate::from_ymd_opt(2017, 5, 1).expect("valid date"),
                terms: HACHIOJI_CONTRACT,
                created_by: None,
                parties: &parties,
            },
        )?;
    }
    Ok(())
}

/// Kobe's published outcomes, entered by one evaluator and verified by the other: how many.
fn kobe_outcomes(conn: &mut DbConn, kobe: i64) -> anyhow::Result<usize> {
    let mut created = 0;
    let entered_by = users::find_by_email(conn, "evaluator@mirai.example")?.map(|u| u.id);
    let reviewer = users::find_by_email(conn, "evaluator2@mirai.example")?.map(|u| u.id);
    let (Some(entered_by), Some(reviewer)) = (entered_by, reviewer) else {
        anyhow::bail!("demo evaluators missing");
    };
    let data: Outcomes = serde_json::from_str(KOBE_OUTCOMES)?;
    let mut records: Vec<outcomes::NewOutcomeResult> = data
        .milestones
        .iter()
        .map(|m| outcomes::NewOutcomeResult {
            project_id: kobe,
            kind: seika_core::outcomes::OutcomeKind::Milestone,
            metric: m.id.clone(),
            achieved_on: Some(m.achieved_on),
            entered_by,
            ..Default::default()
        })
        .collect();
    records.extend(data.results.iter().map(|r| outcomes::NewOutcomeResult {
        project_id: kobe,
        kind: seika_core::outcomes::OutcomeKind::Result,
        metric: r.metric.clone(),
        tranche: r.tranche.clone(),
        value: r.value.map(|v| v.to_string()),
        numerator: r.numerator.map(|v| v.to_string()),
        denominator: r.denominator.map(|v| v.to_string()),
        evidence: r.evidence.clone(),
        entered_by,
        ..Default::default()
    }));
    for record in &records {
        let row = outcomes::insert(conn, record)?;
        db::review::results::transition(
            conn,
            row.id,
            row.lock_version,
            ReviewStatus::Draft,
            ReviewStatus::Submitted,
            None,
            None,
        )?;
        db::review::results::transition(
            conn,
            row.id,
            row.lock_version + 1,
            ReviewStatus::Submitted,
            ReviewStatus::Verified,
            Some(reviewer),
            None,
        )?;
        created += 1;
    }
    Ok(created)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Kobe's money as it moved, through the same services people use: the interim tranche claimed
/// on paper by the city on the provider's behalf, returned once for a wrong registration number,
/// resubmitted, accepted and paid in FY2018; the final tranche claimed, accepted and paid ten days
/// late in FY2020; each tranche's distributions to investors recorded.
fn kobe_claims(conn: &mut DbConn, kobe: i64) -> seika_service::error::AppResult<usize> {
    use seika_service::claims;
    let staff = demo_actor(conn, "staff@kobe-city.example")?;
    let inspector = demo_actor(conn, "inspector@kobe-city.example")?;
    let run = db::payout_runs::list(conn, kobe)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            seika_service::error::AppError::Internal(anyhow::anyhow!("the demo has no payout run"))
        })?;
    let dpp = organizations::find_by_slug(conn, "dpp-health-partners")?
        .ok_or_else(|| {
            seika_service::error::AppError::Internal(anyhow::anyhow!("the demo has no provider"))
        })?
        .id;
    let claim =
        |tranche: &str, issued: NaiveDate, received: NaiveDate, what: &str| claims::ClaimInput {
            payout_run_id: run.id,
            tranche: tranche.into(),
            payer: "kobe-city".into(),
            amount: None,
            invoice_number: "T7000012050002".into(),
            issued_on: issued,
            received_on: Some(received),
            description: what.into(),
            issuer_organization_id: Some(dpp),
        };
    let interim = claims::create(
        conn,
        &staff,
        kobe,
        claim(
            "interim",
            day(2019, 3, 1),
            day(2019, 3, 4),
            "糖尿病性腎症等重症化予防事業 成果連動型委託料（中間評価）",
        ),
    )?;
    claims::inspect(
        conn,
        &inspector,
        kobe,
        interim.id,
        claims::InspectionInput {
            accept: false,
            checks: vec!["登録番号・請求者".into()],
            reason: Some(
                "請求書の宛名が事業担当課になっています。会計管理者宛てに修正してください".into(),
            ),
            inspected_on: Some(day(2019, 3, 6)),
        },
    )?;
    claims::resubmit(
        conn,
        &staff,
        kobe,
        interim.id,
        claims::ResubmitInput {
            invoice_number: "T7000012050002".into(),
            issued_on: day(2019, 3, 7),
            description: "糖尿病性腎症等重症化予防事業 成果連動型委託料（中間評価）".into(),
            received_on: Some(day(2019, 3, 8)),
        },
    )?;
    claims::inspect(
        conn,
        &inspector,
        kobe,
        interim.id,
        accepted_on(day(2019, 3, 14)),
    )?;
    claims::record_payment(
        conn,
        &staff,
        kobe,
        interim.id,
        payment(
            day(2019, 3, 22),
            interim.total.parse().unwrap_or_default(),
            "H30 支出命令 第4127号",
        ),
    )?;

    let last = claims::create(
        conn,
        &staff,
        kobe,
        claim(
            "final",
            day(2020, 10, 1),
            day(2020, 10, 5),
            "糖尿病性腎症等重症化予防事業 成果連動型委託料（最終評価）",
        ),
    )?;
    claims::inspect(
        conn,
        &inspector,
        kobe,
        last.id,
        accepted_on(day(2020, 10, 9)),
    )?;
    // Due 2020-10-20 (15 days, the contract states none); paid ten days late.
    claims::record_payment(
        conn,
        &staff,
        kobe,
        last.id,
        payment(
            day(2020, 10, 30),
            last.total.parse().unwrap_or_default(),
            "R2 支出命令 第2290号",
        ),
    )?;

    kobe_budget(conn, &staff, kobe)?;
    kobe_distributions(conn, &staff, kobe)?;
    Ok(2)
}

/// A demo officer of Kobe City acting in the government's role.
fn demo_actor(
    conn: &mut DbConn,
    email: &str,
) -> seika_service::error::AppResult<seika_core::access::Actor> {
    let user = users::find_by_email(conn, email)?.ok_or_else(|| {
        seika_service::error::AppError::Internal(anyhow::anyhow!("the demo has no user"))
    })?;
    Ok(seika_core::access::Actor {
        user_id: user.id,
        organization_id: user.organization_id,
        role: Role::GovernmentStaff,
    })
}

/// An inspection that accepts the claim on the day, with the checks made.
fn accepted_on(on: NaiveDate) -> seika_service::claims::InspectionInput {
    seika_service::claims::InspectionInput {
        accept: true,
        checks: vec![
            "算定書の金額と一致".into(),
            "登録番号・請求者".into(),
            "検証済みの成果".into(),
        ],
        reason: None,
        inspected_on: Some(on),
    }
}

/// A payment from the NHI special account.
fn payment(
    on: NaiveDate,
    amount: rust_decimal::Decimal,
    reference: &str,
) -> seika_service::claims::PaymentInput {
    seika_service::claims::PaymentInput {
        paid_on: on,
        amount,
        budget_account: "国民健康保険特別会計 保健事業費 委託料".into(),
        reference: reference.into(),
    }
}

/// What the assembly approved: the NHI special account's appropriations and the 債務負担行為.
fn kobe_budget(
    conn: &mut DbConn,
    staff: &seika_core::access::Actor,
    kobe: i64,
) -> seika_service::error::AppResult<()> {
    use seika_service::budgets;
    for (fiscal_year, amount) in [(2018, 26_200_000), (2020, 7_860_000)] {
        budgets::add_line(
            conn,
            staff,
            kobe,
            budgets::BudgetLineInput {
                fiscal_year,
                account: "国民健康保険特別会計".into(),
                code: "款2項1目1節13 委託料".into(),
                appropriation: rust_decimal::Decimal::from(amount),
            },
        )?;
    }
    budgets::add_commitment(
        conn,
        staff,
        kobe,
        budgets::CommitmentInput {
            item: "糖尿病性腎症等重症化予防事業委託（成果連動型）".into(),
            from_fiscal_year: 2017,
            to_fiscal_year: 2020,
            total_limit: rust_decimal::Decimal::from(34_060_000),
            yearly_limits: Vec::new(),
        },
    )?;

    Ok(())
}

/// The investors' distributions of both tranches, recorded as paid.
fn kobe_distributions(
    conn: &mut DbConn,
    staff: &seika_core::access::Actor,
    kobe: i64,
) -> seika_service::error::AppResult<()> {
    use seika_service::distributions;
    for (tranche, on) in [("interim", day(2019, 3, 29)), ("final", day(2020, 11, 6))] {
        let view = distributions::list(conn, staff, kobe)?;
        let Some(t) = view.tranches.iter().find(|t| t.tranche == tranche) else {
            continue;
        };
        let due: Vec<String> = t
            .investments
            .iter()
            .filter(|i| i.computed != "0" && i.paid.is_none())
            .map(|i| i.investment.clone())
            .collect();
        for investment in due {
            distributions::record(
                conn,
                staff,
                kobe,
                distributions::DistributionInput {
                    tranche: tranche.into(),
                    investment: investment.clone(),
                    paid_on: on,
                    reference: format!("SIIF 分配 {tranche} {investment}"),
                },
            )?;
        }
    }
    Ok(())
}
