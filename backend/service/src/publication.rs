//! Open data: the government's publication settings, investors' disclosures, the public page of a
//! published project, and INDIGO export and import.
//!
//! Public reads need no login and see only what the government made public: the sections it
//! chose, verified results with small counts suppressed, payments recorded against the maximum.
//! Nothing participant-level is ever read here, and an investor's own position only when that
//! investor disclosed it.

use seika_core::access::PartyStatus;
use seika_core::message::Msg;
use seika_core::msg;
use seika_core::project::{PolicyArea, ProjectStatus};
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::to_json;
use crate::error::{AppError, AppResult, FieldError, Thing};
use seika_core::access::{Actor, PartyRole, ProjectAction};
use seika_core::contract::{Contract, Localized, MetricUnit};
use seika_core::money::{Currency, Money};
use seika_core::organization::OrganizationKind;
use seika_core::user::Role;
use seika_db::{
    self as db, DbConn, audit, claims, organizations, outcomes, projects, publications,
};
use seika_formats::indigo::{self, ExportFacts, ImportContext, ImportNote, IndigoRecord};
use seika_formats::publication::{
    DEFAULT_PRIVACY_THRESHOLD, Section, describe_component, suppress_count,
};

// ---- Settings ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicationView {
    /// True when the public page is on (it shows only while the project is published).
    pub published: bool,
    pub public_sections: Vec<Section>,
    /// Counts of people below this are not shown.
    pub privacy_threshold: i32,
    /// Where the public page is, when it is on.
    pub public_path: Option<String>,
    /// Investors that made their own position public, by name.
    pub disclosed_investors: Vec<Localized>,
    /// For an investor: whether its own position is public.
    pub own_position_public: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationInput {
    pub published: bool,
    /// The sections to show; the name, policy area, dates and status are always shown.
    pub public_sections: Vec<Section>,
    /// Counts of people below this are not shown (1 to 1000, default 10).
    pub privacy_threshold: Option<i32>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosureInput {
    /// True to make the organization's own investments in this project public.
    pub public: bool,
}

struct Settings {
    published: bool,
    sections: BTreeSet<Section>,
    threshold: i32,
    updated_at: Option<NaiveDateTime>,
}

fn settings(conn: &mut DbConn, project_id: i64) -> AppResult<Settings> {
    Ok(match publications::find(conn, project_id)? {
        None => Settings {
            published: false,
            sections: Section::DEFAULT_PUBLIC.into_iter().collect(),
            threshold: DEFAULT_PRIVACY_THRESHOLD,
            updated_at: None,
        },
        Some(row) => Settings {
            published: row.published,
            sections: serde_json::from_str(&row.public_sections)
                .map_err(|e| AppError::Internal(e.into()))?,
            threshold: row.privacy_threshold,
            updated_at: Some(row.updated_at),
        },
    })
}

fn disclosed_slugs(conn: &mut DbConn, project_id: i64) -> AppResult<BTreeMap<String, Localized>> {
    let mut out = BTreeMap::new();
    for org in publications::disclosed_investors(conn, project_id)? {
        if let Some(o) = organizations::find(conn, org)? {
            out.insert(
                o.slug,
                Localized {
                    ja: o.name_ja,
                    en: o.name_en,
                },
            );
        }
    }
    Ok(out)
}

fn view(
    conn: &mut DbConn,
    actor: &Actor,
    project: &projects::ProjectRow,
) -> AppResult<PublicationView> {
    let s = settings(conn, project.id)?;
    let disclosed = disclosed_slugs(conn, project.id)?;
    let own_position_public = if actor.role == Role::Investor {
        let slug = organizations::find(conn, actor.organization_id)?.map(|o| o.slug);
        Some(slug.is_some_and(|slug| disclosed.contains_key(&slug)))
    } else {
        None
    };
    Ok(PublicationView {
        published: s.published,
        public_sections: s.sections.into_iter().collect(),
        privacy_threshold: s.threshold,
        public_path: s.published.then(|| format!("/#/public/{}", project.code)),
        disclosed_investors: disclosed.into_values().collect(),
        own_position_public,
        updated_at: s.updated_at,
    })
}

pub fn get(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<PublicationView> {
    let (project, _) = super::projects::authorize(conn, actor, project_id, ProjectAction::Read)?;
    view(conn, actor, &project)
}

/// The owner's government staff switch the public page on or off and choose its sections.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: PublicationInput,
) -> AppResult<PublicationView> {
    let (project, _) =
        super::projects::authorize(conn, actor, project_id, ProjectAction::ManageTerms)?;
    let threshold = input.privacy_threshold.unwrap_or(DEFAULT_PRIVACY_THRESHOLD);
    if !(1..=1000).contains(&threshold) {
        return Err(AppError::validation(
            "privacy_threshold",
            msg!(
                "publication.threshold",
                "a whole number from 1 to 1000 (counts of people below it are not shown)",
                "1 から 1000 の整数（これより少ない人数は表示しません）"
            ),
        ));
    }
    let sections: BTreeSet<Section> = input.public_sections.into_iter().collect();
    let sections_text =
        serde_json::to_string(&sections).map_err(|e| AppError::Internal(e.into()))?;
    db::audited_write(conn, |conn, chain| {
        let before = view(conn, actor, &project)?;
        publications::upsert(
            conn,
            project_id,
            input.published,
            &sections_text,
            threshold,
            actor.user_id,
        )?;
        let after = view(conn, actor, &project)?;
        audit::append(
            conn,
            chain,
            audit::AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "project.publication_changed",
                entity: "project",
                entity_id: project_id.to_string(),
                before: Some(to_json(&before)?),
                after: Some(to_json(&after)?),
            },
        )?;
        Ok(after)
    })
}

/// An investor makes its own position on the project public, or private again.
pub fn disclose(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    input: DisclosureInput,
) -> AppResult<PublicationView> {
    let (project, standing) =
        super::projects::authorize(conn, actor, project_id, ProjectAction::Read)?;
    if actor.role != Role::Investor || !standing.roles.contains(&PartyRole::Investor) {
        return Err(AppError::Forbidden(msg!(
            "access.investor_own_position",
            "only an investor in this project decides whether its own position is public",
            "自らの出資を公開するかどうかは、この事業の出資者だけが決められます"
        )));
    }
    db::audited_write(conn, |conn, chain| {
        let changed = publications::set_disclosure(
            conn,
            project_id,
            actor.organization_id,
            input.public,
            actor.user_id,
        )?;
        if changed {
            audit::append(
                conn,
                chain,
                audit::AuditEntry {
                    actor_user_id: Some(actor.user_id),
                    action: "investor.disclosure_changed",
                    entity: "project",
                    entity_id: project_id.to_string(),
                    before: Some(serde_json::json!({"own_position_public": !input.public})),
                    after: Some(serde_json::json!({"own_position_public": input.public})),
                },
            )?;
        }
        view(conn, actor, &project)
    })
}

// ---- Facts shared by the public page and INDIGO ------------------------------------------------

struct Gathered {
    contract: Contract,
    parties: Vec<indigo::PartyFact>,
    results: Vec<indigo::ResultFact>,
    planned: Vec<indigo::PaymentFact>,
    actual: Vec<indigo::PaymentFact>,
    settings: Settings,
    disclosed: BTreeMap<String, Localized>,
}

fn decimal(s: &Option<String>) -> Option<Decimal> {
    s.as_deref().and_then(|s| s.parse().ok())
}

fn gather(conn: &mut DbConn, project: &projects::ProjectRow) -> AppResult<Gathered> {
    let (contract, _) =
        super::projects::load_contract(conn, project.id, project.current_terms_version)?;
    let mut parties = Vec::new();
    for party in projects::parties(conn, project.id)? {
        if party.status != PartyStatus::Accepted {
            continue;
        }
        let Some(org) = organizations::find(conn, party.organization_id)? else {
            continue;
        };
        let (role, kind) = (party.role, org.kind);
        parties.push(indigo::PartyFact {
            slug: org.slug,
            name_ja: org.name_ja,
            name_en: org.name_en,
            kind,
            role,
        });
    }
    let results = outcomes::verified_as_of(conn, project.id, db::now())?
        .into_iter()
        .filter(|r| r.kind == seika_core::outcomes::OutcomeKind::Result)
        .map(|r| indigo::ResultFact {
            value: decimal(&r.value),
            numerator: decimal(&r.numerator),
            denominator: decimal(&r.denominator),
            metric: r.metric,
            tranche: r.tranche,
            achieved_on: r.achieved_on,
        })
        .collect();
    let figures = super::payout_runs::figures_of(conn, project, "")?;
    let single_payer = (contract.payers.len() == 1).then(|| contract.payers[0].id.clone());
    let planned = figures
        .due
        .tranches
        .iter()
        .filter_map(|t| {
            Some(indigo::PaymentFact {
                tranche: t.tranche.clone(),
                on: t.due_on,
                amount: t.computed.parse().ok()?,
                payer: single_payer.clone(),
                recipient: None,
            })
        })
        .collect();
    let mut actual = Vec::new();
    let currency = contract.currency;
    for claim in claims::list(conn, project.id)? {
        let issuer = organizations::find(conn, claim.issuer_organization_id)?.map(|o| o.slug);
        for pay in claims::payments(conn, claim.id)? {
            actual.push(indigo::PaymentFact {
                tranche: claim.tranche.clone(),
                on: pay.paid_on,
                amount: Money::from_minor(pay.amount_minor, currency).to_decimal(),
                payer: Some(claim.payer.clone()),
                recipient: issuer.clone(),
            });
        }
    }
    actual.sort_by_key(|a| a.on);
    Ok(Gathered {
        settings: settings(conn, project.id)?,
        disclosed: disclosed_slugs(conn, project.id)?,
        contract,
        parties,
        results,
        planned,
        actual,
    })
}

fn export_of(project: &projects::ProjectRow, g: &Gathered, include_private: bool) -> Value {
    indigo::export(&ExportFacts {
        code: &project.code,
        title_ja: &project.title_ja,
        title_en: &project.title_en,
        policy_area: project.policy_area.as_str(),
        published: project.status != ProjectStatus::Draft,
        contract: &g.contract,
        parties: g.parties.clone(),
        results: g.results.clone(),
        planned: g.planned.clone(),
        actual: g.actual.clone(),
        public: g.settings.sections.clone(),
        disclosed_investors: g.disclosed.keys().cloned().collect(),
        privacy_threshold: g.settings.threshold,
        include_private,
        today: super::claims::today(),
    })
}

/// The project in the INDIGO v4.1 format for its parties: every field, marked PUBLIC or PRIVATE
/// as the government chose; investors' own positions only where they disclosed them.
pub fn indigo_export(conn: &mut DbConn, actor: &Actor, project_id: i64) -> AppResult<Value> {
    let (project, _) = super::projects::authorize(conn, actor, project_id, ProjectAction::Read)?;
    let g = gather(conn, &project)?;
    Ok(export_of(&project, &g, true))
}

/// A published project by code, or 404 (a project not published does not exist to the public).
fn published(conn: &mut DbConn, code: &str) -> AppResult<projects::ProjectRow> {
    let project = projects::find_by_code(conn, code)?
        .ok_or_else(|| AppError::not_found(Thing::PublicProject))?;
    let on = publications::find(conn, project.id)?.is_some_and(|p| p.published);
    if !on || project.status == ProjectStatus::Draft {
        return Err(AppError::not_found(Thing::PublicProject));
    }
    Ok(project)
}

/// Every published project and its organizations in INDIGO form, PUBLIC fields only.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IndigoBundle {
    pub projects: Vec<IndigoRecord>,
    pub organisations: Vec<IndigoRecord>,
}

pub fn public_indigo(conn: &mut DbConn, code: Option<&str>) -> AppResult<IndigoBundle> {
    let rows = match code {
        Some(code) => vec![published(conn, code)?],
        None => {
            let mut rows = Vec::new();
            for id in publications::published_project_ids(conn)? {
                rows.extend(projects::find(conn, id)?);
            }
            rows
        }
    };
    let mut bundle = IndigoBundle {
        projects: Vec::new(),
        organisations: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for project in rows {
        let g = gather(conn, &project)?;
        let data = export_of(&project, &g, false);
        // Only organizations the public export names.
        let text = data.to_string();
        for party in &g.parties {
            let id = format!("{}{}", indigo::ORG_PREFIX, party.slug);
            if text.contains(&format!("\"{id}\"")) && seen.insert(id.clone()) {
                bundle.organisations.push(IndigoRecord {
                    id,
                    data: indigo::export_organization(party),
                });
            }
        }
        bundle.projects.push(IndigoRecord {
            id: format!("{}{}", indigo::PROJECT_PREFIX, project.code),
            data,
        });
    }
    Ok(bundle)
}

// ---- The public page ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicProjectSummary {
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: PolicyArea,
    pub status: ProjectStatus,
    pub currency: String,
    pub max_total_payment: Option<String>,
    /// Paid so far, when payments are public.
    pub paid: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicParty {
    pub name: Localized,
    pub role: PartyRole,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicMetric {
    pub id: String,
    pub name: Localized,
    pub unit: MetricUnit,
    pub direction: seika_core::contract::Direction,
    pub baseline: Option<String>,
    pub target: Option<String>,
    pub definition: Option<String>,
    pub data_source: Option<String>,
    pub measurement_method: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicRule {
    pub component: String,
    pub tranche: String,
    pub tranche_name: String,
    pub metric: Option<String>,
    /// The rule in words, with its amounts.
    pub description: Localized,
    /// The most the component can pay, where stated.
    pub maximum: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicResult {
    pub metric: String,
    /// The metric's name (names are public even when the metrics section is not).
    pub metric_name: Localized,
    pub metric_unit: Option<MetricUnit>,
    pub tranche: Option<String>,
    /// The tranche's name, or its id when it has none.
    pub tranche_name: Option<String>,
    pub achieved_on: Option<chrono::NaiveDate>,
    /// The verified value; none when suppressed.
    pub value: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    /// True when a count of people is under the privacy threshold and so not shown.
    pub suppressed: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicPayment {
    pub tranche: String,
    pub tranche_name: String,
    pub paid_on: chrono::NaiveDate,
    pub amount: String,
    /// Paid up to and including this payment.
    pub cumulative: String,
    /// The maximum less `cumulative`.
    pub remaining_under_maximum: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicPayments {
    pub max_total_payment: Option<String>,
    /// Recorded payments (money that moved), never computed amounts.
    pub payments: Vec<PublicPayment>,
    pub paid: String,
    /// The maximum less what was paid.
    pub remaining_under_maximum: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicInvestment {
    pub investor: Localized,
    pub committed: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicInvestments {
    pub total_committed: String,
    pub investors: usize,
    /// Only investors that made their own position public.
    pub disclosed: Vec<PublicInvestment>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicProjectView {
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: PolicyArea,
    pub status: ProjectStatus,
    pub currency: String,
    pub signed_on: Option<chrono::NaiveDate>,
    pub service_start: Option<chrono::NaiveDate>,
    pub service_end: Option<chrono::NaiveDate>,
    pub privacy_threshold: i32,
    pub sections: Vec<Section>,
    pub parties: Option<Vec<PublicParty>>,
    pub metrics: Option<Vec<PublicMetric>>,
    pub payment_rules: Option<Vec<PublicRule>>,
    pub results: Option<Vec<PublicResult>>,
    pub payments: Option<PublicPayments>,
    pub investments: Option<PublicInvestments>,
}

fn amount(d: Decimal, currency: Currency) -> AppResult<String> {
    Ok(Money::from_decimal(d, currency)
        .map_err(|e| AppError::Internal(e.into()))?
        .amount_string())
}

fn paid_total(g: &Gathered) -> AppResult<Money> {
    Money::sum(
        g.contract.currency,
        g.actual
            .iter()
            .map(|a| Money::from_decimal(a.amount, g.contract.currency))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::Internal(e.into()))?,
    )
    .map_err(|e| AppError::Internal(e.into()))
}

/// A tranche by its name, or its id when it has none.
fn tranche_name(c: &Contract, id: &str) -> String {
    c.tranches
        .iter()
        .find(|t| t.id == id)
        .and_then(|t| t.name.as_ref().map(|n| n.text()))
        .unwrap_or_else(|| id.to_owned())
}

/// The projects whose public page is on.
pub fn public_list(conn: &mut DbConn) -> AppResult<Vec<PublicProjectSummary>> {
    let mut out = Vec::new();
    for id in publications::published_project_ids(conn)? {
        let Some(project) = projects::find(conn, id)? else {
            continue;
        };
        let g = gather(conn, &project)?;
        let cur = g.contract.currency;
        out.push(PublicProjectSummary {
            max_total_payment: match (
                g.settings.sections.contains(&Section::PaymentRules),
                g.contract.max_total_payment,
            ) {
                (true, Some(m)) => Some(amount(m, cur)?),
                _ => None,
            },
            paid: if g.settings.sections.contains(&Section::Payments) {
                Some(paid_total(&g)?.amount_string())
            } else {
                None
            },
            code: project.code,
            title_ja: project.title_ja,
            title_en: project.title_en,
            policy_area: project.policy_area,
            status: project.status,
            currency: cur.code().to_owned(),
        });
    }
    Ok(out)
}

/// A published project's public page: the sections the government made public, nothing else.
pub fn public_project(conn: &mut DbConn, code: &str) -> AppResult<PublicProjectView> {
    let project = published(conn, code)?;
    let g = gather(conn, &project)?;
    let c = &g.contract;
    let cur = c.currency;
    let shows = |s: Section| g.settings.sections.contains(&s);
    let threshold = g.settings.threshold;
    let parties = shows(Section::Parties).then(|| {
        g.parties
            .iter()
            .map(|p| PublicParty {
                name: Localized {
                    ja: p.name_ja.clone(),
                    en: p.name_en.clone(),
                },
                role: p.role,
            })
            .collect()
    });
    let metrics = shows(Section::Metrics).then(|| {
        c.metrics
            .iter()
            .map(|m| PublicMetric {
                id: m.id.clone(),
                name: m.name.clone(),
                unit: m.unit,
                direction: m.direction,
                baseline: text(m.baseline),
                target: text(m.target),
                definition: m.definition.clone(),
                data_source: m.data_source.clone(),
                measurement_method: m.measurement_method.clone(),
            })
            .collect()
    });
    let payment_rules = shows(Section::PaymentRules)
        .then(|| public_rules(c))
        .transpose()?;
    let results = shows(Section::Results).then(|| public_results(&g));
    let payments = shows(Section::Payments)
        .then(|| public_payments(&g))
        .transpose()?;
    let investments = (shows(Section::Investments) && !c.investments.is_empty())
        .then(|| public_investments(&g))
        .transpose()?;
    let dates = c.dates.clone();
    Ok(PublicProjectView {
        code: project.code.clone(),
        title_ja: project.title_ja.clone(),
        title_en: project.title_en.clone(),
        policy_area: project.policy_area,
        status: project.status,
        currency: cur.code().to_owned(),
        signed_on: dates.as_ref().and_then(|d| d.signed_on),
        service_start: dates.as_ref().and_then(|d| d.service_start),
        service_end: dates.as_ref().and_then(|d| d.service_end),
        privacy_threshold: threshold,
        sections: g.settings.sections.iter().copied().collect(),
        parties,
        metrics,
        payment_rules,
        results,
        payments,
        investments,
    })
}

/// The payment rules in words, each with its maximum.
fn public_rules(c: &Contract) -> AppResult<Vec<PublicRule>> {
    let cur = c.currency;
    c.components
        .iter()
        .map(|comp| {
            Ok(PublicRule {
                component: comp
                    .name
                    .as_ref()
                    .map_or_else(|| comp.id.clone(), |n| n.text()),
                tranche: comp.tranche.clone(),
                tranche_name: tranche_name(c, &comp.tranche),
                metric: comp.rule.metric().map(str::to_owned),
                description: describe_component(comp, c),
                maximum: comp
                    .cap
                    .or_else(|| comp.rule.maximum())
                    .map(|m| amount(m, cur))
                    .transpose()?,
            })
        })
        .collect()
}

fn text(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.normalize().to_string())
}

/// The verified results, counts under the privacy threshold suppressed.
fn public_results(g: &Gathered) -> Vec<PublicResult> {
    let c = &g.contract;
    let threshold = g.settings.threshold;
    g.results
        .iter()
        .map(|r| {
            let metric = c.metrics.iter().find(|m| m.id == r.metric);
            let counted = metric.is_some_and(|m| m.unit == MetricUnit::Count);
            let small = |n: Option<Decimal>| n.is_some_and(|n| suppress_count(n, threshold));
            let suppressed =
                (counted && small(r.value)) || small(r.numerator) || small(r.denominator);
            let shown = |d: Option<Decimal>| if suppressed { None } else { text(d) };
            PublicResult {
                metric: r.metric.clone(),
                metric_name: metric.map_or_else(
                    || Localized {
                        ja: r.metric.clone(),
                        en: r.metric.clone(),
                    },
                    |m| m.name.clone(),
                ),
                metric_unit: metric.map(|m| m.unit),
                tranche: r.tranche.clone(),
                tranche_name: r.tranche.as_deref().map(|t| tranche_name(c, t)),
                achieved_on: r.achieved_on,
                value: shown(r.value),
                numerator: shown(r.numerator),
                denominator: shown(r.denominator),
                suppressed,
            }
        })
        .collect()
}

/// What was paid, payment by payment with the running total and what remains under the maximum.
fn public_payments(g: &Gathered) -> AppResult<PublicPayments> {
    let c = &g.contract;
    let cur = c.currency;
    let internal = |e: seika_core::money::MoneyError| AppError::Internal(e.into());
    let under_maximum = |spent: Money| -> AppResult<Option<String>> {
        c.max_total_payment
            .map(|max| {
                Money::from_decimal(max, cur)
                    .and_then(|max| max.checked_sub(spent))
                    .map(Money::amount_string)
                    .map_err(internal)
            })
            .transpose()
    };
    let paid = paid_total(g)?;
    let mut running = Money::from_minor(0, cur);
    let mut rows = Vec::new();
    for a in &g.actual {
        let m = Money::from_decimal(a.amount, cur).map_err(internal)?;
        running = running.checked_add(m).map_err(internal)?;
        rows.push(PublicPayment {
            tranche: a.tranche.clone(),
            tranche_name: tranche_name(c, &a.tranche),
            paid_on: a.on,
            amount: m.amount_string(),
            cumulative: running.amount_string(),
            remaining_under_maximum: under_maximum(running)?,
        });
    }
    Ok(PublicPayments {
        max_total_payment: c.max_total_payment.map(|m| amount(m, cur)).transpose()?,
        payments: rows,
        paid: paid.amount_string(),
        remaining_under_maximum: under_maximum(paid)?,
    })
}

/// The total committed, how many investors, and the commitments of those who disclose theirs.
fn public_investments(g: &Gathered) -> AppResult<PublicInvestments> {
    let c = &g.contract;
    let cur = c.currency;
    let total: Decimal = c.investments.iter().map(|i| i.committed).sum();
    let mut disclosed = Vec::new();
    for (slug, name) in &g.disclosed {
        let committed: Decimal = c
            .investments
            .iter()
            .filter(|i| &i.investor == slug)
            .map(|i| i.committed)
            .sum();
        disclosed.push(PublicInvestment {
            investor: name.clone(),
            committed: amount(committed, cur)?,
        });
    }
    let investors: BTreeSet<&str> = c.investments.iter().map(|i| i.investor.as_str()).collect();
    Ok(PublicInvestments {
        total_committed: amount(total, cur)?,
        investors: investors.len(),
        disclosed,
    })
}

// ---- Import ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndigoImportInput {
    /// The project code of the draft (3 to 64 lower-case letters, digits or hyphens).
    pub code: String,
    /// An INDIGO v4.1 project (the `data` of a project record, or the record itself).
    pub project: Value,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct IndigoImportView {
    pub project: super::projects::ProjectView,
    /// Every field that was cleaned, could not be read, was assumed or has no place in Seika.
    pub report: Vec<ImportNote>,
}

/// Registers an INDIGO project as a draft of the actor's organization, with a report.
pub fn indigo_import(
    conn: &mut DbConn,
    actor: &Actor,
    input: IndigoImportInput,
) -> AppResult<IndigoImportView> {
    if actor.role != Role::GovernmentStaff {
        return Err(AppError::Forbidden(msg!(
            "access.government_registers",
            "only government staff register projects",
            "事業を登録できるのは行政の職員だけです"
        )));
    }
    let doc = match input.project.get("data") {
        Some(data) if data.is_object() => data.clone(),
        _ => input.project.clone(),
    };
    if !doc.is_object() {
        return Err(AppError::validation(
            "project",
            msg!(
                "publication.indigo",
                "an INDIGO project: a JSON object such as {{\"name\": {{\"value\": …}}, …}}",
                "INDIGO の事業: {{\"name\": {{\"value\": …}}, …}} のような JSON オブジェクト"
            ),
        ));
    }
    let (orgs, _) = organizations::list(conn, None, 100_000, 0)?;
    let importer = orgs
        .iter()
        .find(|o| o.id == actor.organization_id)
        .map(|o| o.slug.clone())
        .unwrap_or_default();
    let by_slug: BTreeMap<String, OrganizationKind> =
        orgs.iter().map(|o| (o.slug.clone(), o.kind)).collect();
    let (draft, report) = indigo::import(
        &doc,
        &ImportContext {
            importer_slug: &importer,
            organizations: &by_slug,
            code: input.code.clone(),
            today: super::claims::today(),
        },
    );
    let Some(draft) = draft else {
        return Err(AppError::Validation(
            report
                .iter()
                .filter(|n| n.kind == indigo::NoteKind::Unreadable)
                .map(|n| {
                    FieldError::new(
                        format!("project.{}", n.field),
                        Msg {
                            code: "publication.indigo_unreadable",
                            en: n.message_en.clone(),
                            ja: n.message_ja.clone(),
                        },
                    )
                })
                .collect(),
        ));
    };
    let mut parties = Vec::new();
    for (slug, role) in &draft.parties {
        if let Some(org) = orgs.iter().find(|o| &o.slug == slug) {
            parties.push(super::projects::PartyInput {
                organization_id: org.id,
                role: *role,
            });
        }
    }
    let project = super::projects::create(
        conn,
        actor,
        super::projects::ProjectInput {
            title_ja: draft.title_ja,
            title_en: draft.title_en,
            policy_area: draft.policy_area,
            effective_from: draft.effective_from,
            parties,
            terms: draft.contract,
        },
    )?;
    Ok(IndigoImportView { project, report })
}
