//! INDIGO (Government Outcomes Lab, University of Oxford, v4.1) project data: export of a
//! project's facts in the INDIGO project format, and import of an INDIGO project as a draft,
//! cleaning what real INDIGO data holds. Pure: the service gathers the facts and stores drafts.
//!
//! Leaves are wrapped `{"value": …, "status": "PUBLIC" | "PRIVATE"}`; a field's status follows
//! the section the government made public or not. A public export leaves PRIVATE fields out.
//! Organizations are identified as `SEIKA-ORG-<slug>` (INDIGO's own `INDIGO-ORG-####` ids are
//! assigned by GO Lab), projects as `SEIKA-POJ-<code>`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::publication::{Section, describe_component};
use seika_core::access::PartyRole;
use seika_core::contract::{Contract, Direction, Instrument, MetricUnit};
use seika_core::money::Currency;
use seika_core::organization::OrganizationKind;

mod export;
mod import;
pub use export::export;
pub use import::import;

pub const ORG_PREFIX: &str = "SEIKA-ORG-";
pub const PROJECT_PREFIX: &str = "SEIKA-POJ-";

/// An organization taking part in the project.
#[derive(Debug, Clone)]
pub struct PartyFact {
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    pub kind: OrganizationKind,
    pub role: PartyRole,
}

/// A verified aggregate result.
#[derive(Debug, Clone)]
pub struct ResultFact {
    pub metric: String,
    pub tranche: Option<String>,
    pub value: Option<Decimal>,
    pub numerator: Option<Decimal>,
    pub denominator: Option<Decimal>,
    pub achieved_on: Option<NaiveDate>,
}

/// An outcome payment: planned (the latest payout run's computed amount per tranche) or actual
/// (a payment recorded on a claim).
#[derive(Debug, Clone)]
pub struct PaymentFact {
    pub tranche: String,
    pub on: NaiveDate,
    pub amount: Decimal,
    pub payer: Option<String>,
    pub recipient: Option<String>,
}

/// Everything an export reads, gathered by the service.
#[derive(Debug, Clone)]
pub struct ExportFacts<'a> {
    pub code: &'a str,
    pub title_ja: &'a str,
    pub title_en: &'a str,
    pub policy_area: &'a str,
    pub published: bool,
    pub contract: &'a Contract,
    pub parties: Vec<PartyFact>,
    pub results: Vec<ResultFact>,
    pub planned: Vec<PaymentFact>,
    pub actual: Vec<PaymentFact>,
    /// Sections the government made public.
    pub public: BTreeSet<Section>,
    /// Investors (slugs) that made their own position public.
    pub disclosed_investors: BTreeSet<String>,
    pub privacy_threshold: i32,
    /// False for the public export: PRIVATE fields are left out, not only marked.
    pub include_private: bool,
    pub today: NaiveDate,
}

/// A JSON number for a decimal: exact integers as integers; a fraction as the shortest number
/// that prints back to the same decimal (amounts are at most 2 decimals here).
pub fn json_number(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0
        && let Ok(i) = i64::try_from(d)
    {
        return Value::from(i);
    }
    match serde_json::from_str::<serde_json::Number>(&d.to_string()) {
        Ok(n) if n.to_string() == d.to_string() => Value::Number(n),
        _ => Value::String(d.to_string()),
    }
}

fn org_id(slug: &str) -> String {
    format!("{ORG_PREFIX}{slug}")
}

struct Out<'f, 'a> {
    facts: &'f ExportFacts<'a>,
}

impl Out<'_, '_> {
    fn status(&self, section: Option<Section>) -> &'static str {
        match section {
            Some(s) if !self.facts.public.contains(&s) => "PRIVATE",
            _ => "PUBLIC",
        }
    }
    fn shown(&self, section: Option<Section>) -> bool {
        self.facts.include_private || self.status(section) == "PUBLIC"
    }
    /// `{"value", "status"}`, or nothing when the field is private and private is left out.
    fn v(&self, value: Value, section: Option<Section>) -> Option<Value> {
        self.shown(section)
            .then(|| json!({"value": value, "status": self.status(section)}))
    }
    /// A row of an array, with its status.
    fn row(&self, mut row: Map<String, Value>, section: Option<Section>) -> Option<Value> {
        self.shown(section).then(|| {
            row.insert("status".into(), self.status(section).into());
            Value::Object(row)
        })
    }
}

fn insert(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.into(), v);
    }
}

fn date(d: NaiveDate) -> Value {
    Value::String(d.format("%Y-%m-%d").to_string())
}

fn role_category(kind: OrganizationKind) -> &'static str {
    match kind {
        OrganizationKind::LocalGovernment | OrganizationKind::CentralGovernment => {
            "Government/Public Sector/Public Bank"
        }
        OrganizationKind::Investor => "Commercial",
        _ => "Other",
    }
}

fn policy_sector(area: &str) -> Option<&'static str> {
    Some(match area {
        "health" => "Health",
        "child_and_family_welfare" => "Child and family welfare",
        "employment_and_training" => "Employment and training",
        "poverty_reduction" => "Poverty reduction",
        "education" => "Education",
        "criminal_justice" => "Criminal justice",
        "homelessness" => "Homelessness",
        _ => return None,
    })
}

fn unit_word(u: MetricUnit) -> &'static str {
    match u {
        MetricUnit::Rate => "rate",
        MetricUnit::Count => "count",
        MetricUnit::PersonPeriods => "person_periods",
        MetricUnit::Money => "money",
        MetricUnit::Score => "score",
    }
}

fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsBetter => "higher_is_better",
        Direction::LowerIsBetter => "lower_is_better",
    }
}

/// Labels of the machine-readable notes a metric carries (INDIGO has no place for them).
pub const NOTE_NAME_JA: &str = "日本語名 Japanese name";
pub const NOTE_UNIT: &str = "単位 unit";
pub const NOTE_DIRECTION: &str = "方向 direction";
pub const NOTE_BASELINE: &str = "基準値 baseline";
pub const NOTE_TRANCHE: &str = "支払時期 tranche";
pub const NOTE_COMPONENT: &str = "支払項目 component";
pub const NOTE_RULE: &str = "支払ルール rule";
pub const NOTE_CONDITIONS: &str = "支払条件 conditions";
pub const NOTE_MILESTONE: &str = "マイルストーン milestone";

/// Conditions as `metric >= 0.8; other <= 3`.
fn conditions_text(conditions: &[seika_core::contract::Condition]) -> String {
    let mut parts = Vec::new();
    for c in conditions {
        if let Some(v) = c.at_least {
            parts.push(format!("{} >= {}", c.metric, v.normalize()));
        }
        if let Some(v) = c.at_most {
            parts.push(format!("{} <= {}", c.metric, v.normalize()));
        }
    }
    parts.join("; ")
}

/// Reads `conditions_text` back; `None` when any part is not in that form.
fn read_conditions(text: &str) -> Option<Vec<seika_core::contract::Condition>> {
    let mut out: Vec<seika_core::contract::Condition> = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (metric, at_least, value) = if let Some((m, v)) = part.split_once(">=") {
            (m, true, v)
        } else {
            let (m, v) = part.split_once("<=")?;
            (m, false, v)
        };
        let metric = metric.trim().to_owned();
        let value: Decimal = value.trim().parse().ok()?;
        let pos = match out.iter().position(|c| c.metric == metric) {
            Some(p) => p,
            None => {
                out.push(seika_core::contract::Condition {
                    metric,
                    at_least: None,
                    at_most: None,
                });
                out.len() - 1
            }
        };
        if at_least {
            out[pos].at_least = Some(value);
        } else {
            out[pos].at_most = Some(value);
        }
    }
    Some(out)
}

/// `label: value | label: value`, the notes format Seika writes and reads back.
fn notes(pairs: &[(&str, String)]) -> Value {
    Value::String(
        pairs
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(" | "),
    )
}

/// Reads `label: value | …` notes back.
pub fn read_notes(text: &str) -> BTreeMap<String, String> {
    text.split(" | ")
        .filter_map(|part| {
            let (k, v) = part.split_once(": ")?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

fn stage(f: &ExportFacts<'_>) -> Option<&'static str> {
    if !f.published {
        return None;
    }
    let dates = f.contract.dates.as_ref();
    let started = dates
        .and_then(|d| d.service_start)
        .is_some_and(|d| d <= f.today);
    let ended = dates
        .and_then(|d| d.service_end)
        .is_some_and(|d| d < f.today);
    let last_due = f.contract.tranches.iter().map(|t| t.due_on).max();
    let all_paid = last_due.is_some_and(|d| d < f.today)
        && f.contract
            .tranches
            .iter()
            .all(|t| f.actual.iter().any(|p| p.tranche == t.id));
    Some(if all_paid {
        "Complete"
    } else if ended {
        "Service delivery complete"
    } else if started {
        "Implementation"
    } else {
        "Contracted"
    })
}

/// An organization in the INDIGO organisation format.
pub fn export_organization(party: &PartyFact) -> Value {
    let kind = match party.kind {
        OrganizationKind::LocalGovernment | OrganizationKind::CentralGovernment => {
            "Government body"
        }
        _ => "Registered company, partnership or commercial association",
    };
    json!({
        "status": "PUBLIC",
        "name": {"value": party.name_ja},
        "translated_official_name": {"english": {"value": party.name_en}},
        "type": {"value": kind},
    })
}

/// One entry of a bulk export: an id and the data.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IndigoRecord {
    pub id: String,
    pub data: Value,
}

// ---- Import -------------------------------------------------------------------------------------

/// What happened to one field of an imported INDIGO project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Read, but cleaned: the note says how.
    Cleaned,
    /// Not read: the text could not be understood.
    Unreadable,
    /// Read, but Seika has no place for it in a draft.
    NotImported,
    /// Missing: Seika assumed a value the officer should check.
    Assumed,
}

/// A line of the import report, in Japanese and English.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImportNote {
    /// Where in the INDIGO document, e.g. `outcome_pricings[0].price_per_unit.amount.value`.
    pub field: String,
    pub kind: NoteKind,
    /// The value as found, when there was one.
    pub found: Option<String>,
    pub message_en: String,
    pub message_ja: String,
}

/// What an import knows of this installation.
#[derive(Debug, Clone)]
pub struct ImportContext<'a> {
    /// The importing organization (a government): the payer when none resolves.
    pub importer_slug: &'a str,
    /// Every organization by slug.
    pub organizations: &'a BTreeMap<String, OrganizationKind>,
    pub code: String,
    pub today: NaiveDate,
}

/// A draft read from INDIGO, for the service to register.
#[derive(Debug, Clone)]
pub struct Draft {
    pub title_ja: String,
    pub title_en: String,
    pub policy_area: seika_core::project::PolicyArea,
    pub effective_from: NaiveDate,
    /// Other parties, by slug, in the roles the document gives them.
    pub parties: Vec<(String, PartyRole)>,
    pub contract: Contract,
}

struct Reader {
    notes: Vec<ImportNote>,
}

impl Reader {
    fn note(&mut self, field: &str, kind: NoteKind, found: Option<&Value>, en: String, ja: String) {
        self.notes.push(ImportNote {
            field: field.to_owned(),
            kind,
            found: found.map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            message_en: en,
            message_ja: ja,
        });
    }
}

/// The leaf at `path` (dot-separated), unwrapping `{"value": …}`; `None` when absent or empty.
fn leaf<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    let mut at = doc;
    for key in path.split('.') {
        at = at.get(key)?;
    }
    let at = at.get("value").unwrap_or(at);
    match at {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        v => Some(v),
    }
}

fn leaf_text(doc: &Value, path: &str) -> Option<String> {
    leaf(doc, path).map(|v| match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    })
}

/// Money as INDIGO data holds it: a number, or text such as `¥34.06 million`, `£1.2m`,
/// `3,406万円`, `USD 5,000,000`. Returns the amount in major units and the currency the text
/// names, if any; `Err` says what could not be read.
pub fn clean_money(value: &Value) -> Result<(Decimal, Option<&'static str>, bool), String> {
    let text = match value {
        Value::Number(n) => {
            return n
                .to_string()
                .parse()
                .map(|d| (d, None, false))
                .map_err(|_| n.to_string());
        }
        Value::String(s) => crate::sheet::to_half_width(s),
        other => return Err(other.to_string()),
    };
    let mut t = text.trim().to_lowercase().replace([',', ' ', '\u{a0}'], "");
    let mut currency = None;
    for (mark, code) in [
        ("jpy", "JPY"),
        ("¥", "JPY"),
        ("￥", "JPY"),
        ("円", "JPY"),
        ("usd", "USD"),
        ("us$", "USD"),
        ("$", "USD"),
        ("gbp", "GBP"),
        ("£", "GBP"),
        ("eur", "EUR"),
        ("€", "EUR"),
        ("aud", "AUD"),
        ("cad", "CAD"),
    ] {
        if t.contains(mark) {
            t = t.replace(mark, "");
            currency = currency.or(Some(code));
        }
    }
    let mut factor = Decimal::ONE;
    for (word, f) in [
        ("billion", 1_000_000_000i64),
        ("million", 1_000_000),
        ("thousand", 1_000),
        ("bn", 1_000_000_000),
        ("mn", 1_000_000),
        ("m", 1_000_000),
        ("k", 1_000),
        ("億", 100_000_000),
        ("万", 10_000),
        ("千", 1_000),
    ] {
        if let Some(rest) = t.strip_suffix(word) {
            t = rest.to_owned();
            factor = Decimal::from(f);
            break;
        }
    }
    let amount: Decimal = t.parse().map_err(|_| text.clone())?;
    let cleaned = factor != Decimal::ONE || currency.is_some() || text.contains(',');
    amount
        .checked_mul(factor)
        .map(|a| (a.normalize(), currency, cleaned))
        .ok_or(text)
}

/// A rate as INDIGO data holds it: a fraction (0.05), a percentage number (5) or text (`5%`,
/// `5.0 %`). Above 1 (or with a % sign) it is read as a percentage. Returns the fraction and
/// whether it was read as a percentage.
pub fn clean_rate(value: &Value) -> Result<(Decimal, bool), String> {
    let (text, raw) = match value {
        Value::Number(n) => (n.to_string(), n.to_string()),
        Value::String(s) => (crate::sheet::to_half_width(s).replace(' ', ""), s.clone()),
        other => return Err(other.to_string()),
    };
    let (number, percent_sign) = match text.strip_suffix('%') {
        Some(n) => (n.to_owned(), true),
        None => (text, false),
    };
    let d: Decimal = number.parse().map_err(|_| raw)?;
    if percent_sign || d.abs() > Decimal::ONE {
        Ok(((d / Decimal::ONE_HUNDRED).normalize(), true))
    } else {
        Ok((d.normalize(), false))
    }
}

/// A date as INDIGO data holds it: `YYYY-MM-DD`, `YYYY-MM` (read as the first of the month),
/// `YYYY` (read as 1 April, the start of the Japanese fiscal year), `DD/MM/YYYY` (GO Lab's
/// British convention), and the Japanese forms the spreadsheet reader knows (2017年7月1日,
/// 平成29年7月1日). Returns the date and, when it had to be completed or reordered, how.
pub fn clean_date(value: &Value) -> Result<(NaiveDate, Option<&'static str>), String> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        other => return Err(other.to_string()),
    };
    if let Ok(d) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        return Ok((d, None));
    }
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d") {
        return Ok((
            d,
            Some("month only: read as the 1st / 月のみ: 1日として読み取り"),
        ));
    }
    if text.len() == 4
        && let Ok(y) = text.parse::<i32>()
        && let Some(d) = NaiveDate::from_ymd_opt(y, 4, 1)
    {
        return Ok((
            d,
            Some("year only: read as 1 April / 年のみ: 4月1日として読み取り"),
        ));
    }
    if let Ok(d) = NaiveDate::parse_from_str(&text, "%d/%m/%Y") {
        return Ok((
            d,
            Some("day/month/year read as such / 日/月/年の順で読み取り"),
        ));
    }
    match crate::sheet::date(&text) {
        Ok(Some((d, _))) => Ok((d, Some("Japanese date form / 和暦・年月日表記を読み取り"))),
        _ => Err(text),
    }
}

/// A Seika id from an INDIGO one: lower-case letters, digits, `-` and `_`.
fn local_id(raw: &str) -> String {
    let id: String = raw
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.is_empty() { "item".into() } else { id }
}

fn policy_area(sector: &str) -> Option<seika_core::project::PolicyArea> {
    use seika_core::project::PolicyArea as P;
    Some(match sector {
        "Health" => P::Health,
        "Child and family welfare" => P::ChildAndFamilyWelfare,
        "Employment and training" => P::EmploymentAndTraining,
        "Poverty reduction" => P::PovertyReduction,
        "Education" => P::Education,
        "Criminal justice" => P::CriminalJustice,
        "Homelessness" => P::Homelessness,
        _ => return None,
    })
}

/// A date field, noted when cleaned or unreadable.
fn read_date_at(r: &mut Reader, v: Option<&Value>, field: &str) -> Option<NaiveDate> {
    let v = v?;
    match clean_date(v) {
        Ok((d, None)) => Some(d),
        Ok((d, Some(how))) => {
            r.note(
                field,
                NoteKind::Cleaned,
                Some(v),
                format!("read as {d}: {how}"),
                format!("{d} と読み取り: {how}"),
            );
            Some(d)
        }
        Err(text) => {
            r.note(
                field,
                NoteKind::Unreadable,
                Some(v),
                format!("\"{text}\" is not a date"),
                format!("「{text}」は日付として読めません"),
            );
            None
        }
    }
}

fn read_date(r: &mut Reader, doc: &Value, path: &str) -> Option<NaiveDate> {
    read_date_at(r, leaf(doc, path), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_exact_or_text() {
        assert_eq!(json_number(Decimal::from(26_200_000)), json!(26_200_000));
        assert_eq!(json_number(Decimal::new(125_055, 2)).to_string(), "1250.55");
        assert_eq!(json_number(Decimal::new(100, 2)), json!(1));
    }

    #[test]
    fn money_as_real_indigo_data_writes_it() {
        let read = |v: Value| clean_money(&v).map(|(a, c, _)| (a.to_string(), c));
        assert_eq!(
            read(json!("¥34.06 million")),
            Ok(("34060000".into(), Some("JPY")))
        );
        assert_eq!(read(json!("£1.2m")), Ok(("1200000".into(), Some("GBP"))));
        assert_eq!(
            read(json!("3,406万円")),
            Ok(("34060000".into(), Some("JPY")))
        );
        assert_eq!(
            read(json!("USD 5,000,000")),
            Ok(("5000000".into(), Some("USD")))
        );
        assert_eq!(read(json!(26200000)), Ok(("26200000".into(), None)));
        assert!(read(json!("about a million")).is_err());
    }

    #[test]
    fn rates_as_fractions_or_percentages() {
        assert_eq!(clean_rate(&json!(0.05)), Ok((Decimal::new(5, 2), false)));
        assert_eq!(clean_rate(&json!(5)), Ok((Decimal::new(5, 2), true)));
        assert_eq!(clean_rate(&json!("7.5 %")), Ok((Decimal::new(75, 3), true)));
        assert!(clean_rate(&json!("n/a")).is_err());
    }

    #[test]
    fn dates_in_several_forms() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            clean_date(&json!("2017-07-01")).unwrap(),
            (d(2017, 7, 1), None)
        );
        assert_eq!(clean_date(&json!("2017-07")).unwrap().0, d(2017, 7, 1));
        assert_eq!(clean_date(&json!("2017")).unwrap().0, d(2017, 4, 1));
        assert_eq!(clean_date(&json!("31/03/2020")).unwrap().0, d(2020, 3, 31));
        assert_eq!(
            clean_date(&json!("平成29年7月1日")).unwrap().0,
            d(2017, 7, 1)
        );
        assert!(clean_date(&json!("soon")).is_err());
    }

    #[test]
    fn notes_read_back() {
        let n = notes(&[
            (NOTE_UNIT, "count".into()),
            (NOTE_NAME_JA, "透析移行者数".into()),
        ]);
        let read = read_notes(n.as_str().unwrap());
        assert_eq!(read[NOTE_UNIT], "count");
        assert_eq!(read[NOTE_NAME_JA], "透析移行者数");
    }
}
