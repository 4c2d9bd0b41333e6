//! The demo data set behind `seika serve --demo`: a small, realistic installation modelled on
//! Kobe City's dialysis-prevention SIB. Loading is idempotent: every record is found by its natural
//! key (slug, e-mail, project code) and created only when missing.

use chrono::NaiveDate;

use crate::db::{self, DbConn, organizations, projects, users};
use crate::domain::organization::OrganizationKind;
use crate::domain::password;
use crate::domain::user::Role;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "seika-demo-2026";

pub const LOGIN_HELP: &str = "Demo accounts (password: seika-demo-2026):
  admin@seika.example          platform admin
  staff@kobe-city.example      government staff, Kobe City
  evaluator@mirai.example      evaluator, 未来工学研究所
  investor@smbc.example        investor, SMBC
  investor@smbc-trust.example  investor, individual investors via SMBC Trust Bank
  provider@dpp.example         service provider, DPP Health Partners";

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
        slug: "smbc-trust-individuals",
        kind: OrganizationKind::Investor,
        name_ja: "個人投資家（SMBC信託銀行経由）",
        name_en: "Individual investors via SMBC Trust Bank",
    },
];

struct DemoUser {
    email: &'static str,
    name: &'static str,
    role: Role,
    organization: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@seika.example",
        name: "Seika Admin",
        role: Role::PlatformAdmin,
        organization: "seika-platform",
    },
    DemoUser {
        email: "staff@kobe-city.example",
        name: "神戸 花子",
        role: Role::GovernmentStaff,
        organization: "kobe-city",
    },
    DemoUser {
        email: "evaluator@mirai.example",
        name: "未来 太郎",
        role: Role::Evaluator,
        organization: "mirai-kogaku",
    },
    DemoUser {
        email: "investor@smbc.example",
        name: "三井 一郎",
        role: Role::Investor,
        organization: "smbc",
    },
    DemoUser {
        email: "investor@smbc-trust.example",
        name: "信託 二郎",
        role: Role::Investor,
        organization: "smbc-trust-individuals",
    },
    DemoUser {
        email: "provider@dpp.example",
        name: "DPP 三郎",
        role: Role::ServiceProvider,
        organization: "dpp-health-partners",
    },
];

/// The Kobe City contract in the payout engine's contract format.
pub const KOBE_CONTRACT: &str = include_str!("../../docs/examples/kobe-dialysis.contract.json");

/// What a load created; all zeros on a second load.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub organizations_created: usize,
    pub users_created: usize,
    pub projects_created: usize,
}

/// Loads the demo data set in one transaction, creating only what is missing.
pub fn load(conn: &mut DbConn) -> anyhow::Result<DemoSummary> {
    let password_hash = password::hash(DEMO_PASSWORD)?;
    db::write_transaction(conn, |conn| {
        let mut summary = DemoSummary::default();
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
                            kind: org.kind.as_str(),
                            name_ja: org.name_ja,
                            name_en: org.name_en,
                        },
                    )?
                }
            };
            org_ids.insert(org.slug, row.id);
        }
        for user in USERS {
            if users::find_by_email(conn, user.email)?.is_none() {
                summary.users_created += 1;
                users::insert(
                    conn,
                    &users::NewUser {
                        organization_id: org_ids[user.organization],
                        email: user.email,
                        display_name: user.name,
                        role: user.role.as_str(),
                        password_hash: &password_hash,
                    },
                )?;
            }
        }
        if projects::find_by_code(conn, "kobe-dialysis-2017")?.is_none() {
            summary.projects_created += 1;
            let parties = [
                (org_ids["kobe-city"], "outcome_payer"),
                (org_ids["dpp-health-partners"], "service_provider"),
                (org_ids["siif"], "intermediary"),
                (org_ids["siif"], "investor"),
                (org_ids["mirai-kogaku"], "evaluator"),
                (org_ids["smbc"], "investor"),
                (org_ids["smbc-trust-individuals"], "investor"),
            ];
            projects::insert(
                conn,
                &projects::NewProject {
                    code: "kobe-dialysis-2017",
                    owner_organization_id: org_ids["kobe-city"],
                    status: "evaluating",
                    title_ja: "神戸市 糖尿病性腎症等重症化予防事業（SIB）",
                    title_en: "Kobe City dialysis prevention SIB",
                    policy_area: "health",
                    currency: "JPY",
                    effective_from: NaiveDate::from_ymd_opt(2017, 7, 1).expect("valid date"),
                    terms: KOBE_CONTRACT,
                    created_by: None,
                    parties: &parties,
                },
            )?;
        }
        Ok(summary)
    })
}
