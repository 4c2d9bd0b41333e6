//! Verified outcome data as the engine reads it: aggregate results per metric (and tranche),
//! milestones, and participant-level outcome records. Participant keys and outcome names are
//! interned, so a million records take a few bytes each.

use crate::msg;
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contract::{Contract, Issue, MetricUnit};

pub const OUTCOMES_SCHEMA: &str = "seika.outcomes.v1";

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    pub schema: String,
    /// The contract code these outcomes belong to.
    pub contract: String,
    #[serde(default)]
    pub results: Vec<MetricResult>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// The last day the data covers (the day of the run, in Japan). A tranche whose outcome
    /// window has not closed by then is awaiting its data, never "not met". Left out where every
    /// window had closed (and in files written by hand), so such inputs hash as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_until: Option<NaiveDate>,
    #[serde(default)]
    pub participant_outcomes: ParticipantOutcomes,
}

/// An aggregate result for one metric, for one tranche or (without `tranche`) for all.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricResult {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tranche: Option<String>,
    /// The value; for rates it may instead come from numerator / denominator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Decimal>,
    /// The comparison group's value, for comparison rules with one estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Decimal>,
    /// Size of the treated cohort, for per-participant comparison payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort_size: Option<Decimal>,
    /// Several effect estimates by source (e.g. "rct", "did"), for blended comparison rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub estimates: Vec<Estimate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Estimate {
    pub source: String,
    pub treated: Decimal,
    pub comparison: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub id: String,
    pub achieved_on: NaiveDate,
}

impl MetricResult {
    /// The value used by rules: numerator / denominator when both are given, else `value`.
    pub fn effective_value(&self) -> Option<Decimal> {
        match (self.numerator, self.denominator) {
            (Some(n), Some(d)) if !d.is_zero() => n.checked_div(d),
            _ => self.value,
        }
    }
}

/// One participant achieving one outcome (or spending one period in a good state) on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParticipantEvent {
    pub participant: u32,
    pub outcome: u16,
    pub on: NaiveDate,
}

/// The interning maps' hasher: foldhash, several times faster than the standard SipHash on the
/// millions of short keys a payout run interns (SipHash was 5 % of a 3M-record run); seeded per
/// process, and the keys come from the project's evaluators, not the open internet.
type Interned<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Participant-level records, interned. In JSON: `[{"participant", "outcome", "achieved_on"}]`.
#[derive(Debug, Clone, Default)]
pub struct ParticipantOutcomes {
    participants: Vec<String>,
    participant_index: Interned<u32>,
    outcomes: Vec<String>,
    outcome_index: Interned<u16>,
    events: Vec<ParticipantEvent>,
    /// Problems found while reading records (bad keys, too many distinct outcomes).
    issues: Vec<Issue>,
}

pub const MAX_PARTICIPANT_KEY_LEN: usize = 64;

impl ParticipantOutcomes {
    /// Adds one record. Keys must be pseudonymous tokens: 1 to 64 characters, no spaces.
    pub fn push(&mut self, participant: &str, outcome: &str, on: NaiveDate) {
        let row = self.events.len();
        if participant.is_empty()
            || participant.len() > MAX_PARTICIPANT_KEY_LEN
            || participant.chars().any(char::is_whitespace)
        {
            self.issues.push(Issue::new(
                format!("participant_outcomes[{row}].participant"),
                msg!(
                    "participant.key",
                    "a pseudonymous key of 1 to 64 characters without spaces",
                    "空白を含まない 1〜64 文字の仮名の ID"
                ),
            ));
            return;
        }
        let p = match self.participant_index.get(participant) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(self.participants.len()).unwrap_or(u32::MAX);
                self.participants.push(participant.to_owned());
                self.participant_index.insert(participant.to_owned(), i);
                i
            }
        };
        let o = match self.outcome_index.get(outcome) {
            Some(&i) => i,
            None => {
                let Ok(i) = u16::try_from(self.outcomes.len()) else {
                    self.issues.push(Issue::new(
                        format!("participant_outcomes[{row}].outcome"),
                        msg!(
                            "participant.outcomes_limit",
                            "at most 65535 distinct outcomes",
                            "異なる成果は 65535 種類まで"
                        ),
                    ));
                    return;
                };
                self.outcomes.push(outcome.to_owned());
                self.outcome_index.insert(outcome.to_owned(), i);
                i
            }
        };
        self.events.push(ParticipantEvent {
            participant: p,
            outcome: o,
            on,
        });
    }

    pub fn events(&self) -> &[ParticipantEvent] {
        &self.events
    }

    pub fn participant_count(&self) -> usize {
        self.participants.len()
    }

    pub fn outcome_id(&self, name: &str) -> Option<u16> {
        self.outcome_index.get(name).copied()
    }

    pub fn outcome_count(&self) -> usize {
        self.outcomes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }
}

/// The prefix of a participant key that was erased on a lawful request (see [`pseudonym`]).
pub const ERASED_PREFIX: &str = "erased-";

/// The pseudonym a participant key is kept as once erased: `erased-` and the first 40 hex digits
/// of the key's SHA-256. A key already erased is its own pseudonym. The input hash of a payout run
/// covers participants by their pseudonyms, so that a stored run still reproduces after an
/// erasure.
pub fn pseudonym(key: &str) -> std::borrow::Cow<'_, str> {
    use sha2::{Digest, Sha256};
    if key.starts_with(ERASED_PREFIX) {
        return key.into();
    }
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("{ERASED_PREFIX}{}", &digest[..40]).into()
}

/// What the input hash covers: the outcome data with every participant by its pseudonym (the
/// specification [`Outcomes::write_hashed`] is tested against).
/// The input hash's specification: the serde form [`Outcomes::write_hashed`] writes byte for byte
/// (the engine's tests compare the two).
#[derive(Serialize)]
pub struct HashedOutcomes<'a> {
    schema: &'a str,
    contract: &'a str,
    results: &'a [MetricResult],
    milestones: &'a [Milestone],
    participant_outcomes: PseudonymousRecords<'a>,
}

pub struct PseudonymousRecords<'a>(&'a ParticipantOutcomes);

impl Serialize for PseudonymousRecords<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let records = self.0;
        let names: Vec<std::borrow::Cow<'_, str>> =
            records.participants.iter().map(|p| pseudonym(p)).collect();
        let mut seq = s.serialize_seq(Some(records.events.len()))?;
        for e in &records.events {
            seq.serialize_element(&RecordWire {
                participant: names[e.participant as usize].as_ref().into(),
                outcome: records.outcomes[e.outcome as usize].as_str().into(),
                achieved_on: e.on,
            })?;
        }
        seq.end()
    }
}

impl Outcomes {
    /// The form the input hash is computed over.
    pub fn hashed(&self) -> HashedOutcomes<'_> {
        HashedOutcomes {
            schema: &self.schema,
            contract: &self.contract,
            results: &self.results,
            milestones: &self.milestones,
            participant_outcomes: PseudonymousRecords(&self.participant_outcomes),
        }
    }

    /// Writes the JSON of [`Self::hashed`] byte for byte as serde_json writes it, with the
    /// participant records written directly: each participant's pseudonym and each outcome is
    /// escaped once, not once per record (a run over millions of records spent a quarter of its
    /// time escaping the same strings again).
    pub fn write_hashed(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Head<'a> {
            schema: &'a str,
            contract: &'a str,
            results: &'a [MetricResult],
            milestones: &'a [Milestone],
            #[serde(skip_serializing_if = "Option::is_none")]
            data_until: Option<NaiveDate>,
            participant_outcomes: [u8; 0],
        }
        let head = serde_json::to_string(&Head {
            schema: &self.schema,
            contract: &self.contract,
            results: &self.results,
            milestones: &self.milestones,
            data_until: self.data_until,
            participant_outcomes: [],
        })?;
        let Some(open) = head.strip_suffix("]}") else {
            return Err(std::io::Error::other(
                "unexpected head of the hashed outcomes",
            ));
        };
        out.write_all(open.as_bytes())?;
        let records = &self.participant_outcomes;
        // Each participant's pseudonym as JSON, all in one buffer (a run may intern hundreds of
        // thousands: one string each would cost their allocations twice over).
        let mut names = Vec::with_capacity(records.participants.len() * 50);
        let mut ends = Vec::with_capacity(records.participants.len());
        for p in &records.participants {
            serde_json::to_writer(&mut names, &pseudonym(p))?;
            ends.push(names.len());
        }
        let name = |i: usize| &names[if i == 0 { 0 } else { ends[i - 1] }..ends[i]];
        let outcomes = records
            .outcomes
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()?;
        for (i, e) in records.events.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(b"{\"participant\":")?;
            out.write_all(name(e.participant as usize))?;
            out.write_all(b",\"outcome\":")?;
            out.write_all(outcomes[e.outcome as usize].as_bytes())?;
            out.write_all(b",\"achieved_on\":")?;
            write_date(out, e.on)?;
            out.write_all(b"}")?;
        }
        out.write_all(b"]}")
    }
}

/// A date as serde_json writes chrono's (`"2024-04-01"`), without the formatting machinery for
/// the years people use.
fn write_date(out: &mut impl std::io::Write, day: NaiveDate) -> std::io::Result<()> {
    use chrono::Datelike;
    let year = day.year();
    if !(0..=9999).contains(&year) {
        return out.write_all(serde_json::to_string(&day)?.as_bytes());
    }
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (y, m, d) = (year as u32, day.month(), day.day());
    out.write_all(&[
        b'"',
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
        b'"',
    ])
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RecordWire<'a> {
    participant: std::borrow::Cow<'a, str>,
    outcome: std::borrow::Cow<'a, str>,
    achieved_on: NaiveDate,
}

/// One participant record as written in files (documentation of the wire form).
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "only its JSON Schema is used")]
struct ParticipantRecord {
    /// A pseudonymous key (1 to 64 characters, no spaces); never a name or direct identifier.
    participant: String,
    /// The outcome achieved, or the good state a period was spent in.
    outcome: String,
    achieved_on: NaiveDate,
}

impl schemars::JsonSchema for ParticipantOutcomes {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ParticipantOutcomes".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "items": generator.subschema_for::<ParticipantRecord>(),
        })
    }
}

impl Serialize for ParticipantOutcomes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.events.len()))?;
        for e in &self.events {
            seq.serialize_element(&RecordWire {
                participant: self.participants[e.participant as usize].as_str().into(),
                outcome: self.outcomes[e.outcome as usize].as_str().into(),
                achieved_on: e.on,
            })?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for ParticipantOutcomes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RecordsVisitor;
        impl<'de> Visitor<'de> for RecordsVisitor {
            type Value = ParticipantOutcomes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of {participant, outcome, achieved_on} records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = ParticipantOutcomes::default();
                while let Some(r) = seq.next_element::<RecordWire<'_>>()? {
                    out.push(&r.participant, &r.outcome, r.achieved_on);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(RecordsVisitor)
    }
}

impl Outcomes {
    pub fn new(contract: &str) -> Self {
        Outcomes {
            schema: OUTCOMES_SCHEMA.to_owned(),
            contract: contract.to_owned(),
            ..Outcomes::default()
        }
    }

    /// The result for a metric in a tranche, falling back to one without a tranche.
    pub fn result(&self, metric: &str, tranche: &str) -> Option<&MetricResult> {
        self.results
            .iter()
            .find(|r| r.metric == metric && r.tranche.as_deref() == Some(tranche))
            .or_else(|| {
                self.results
                    .iter()
                    .find(|r| r.metric == metric && r.tranche.is_none())
            })
    }

    pub fn milestone(&self, id: &str) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.id == id)
    }

    /// Every problem with these outcomes against the contract; empty when computable.
    pub fn validate(&self, contract: &Contract) -> Vec<Issue> {
        let mut issues = self.participant_outcomes.issues.clone();
        if self.schema != OUTCOMES_SCHEMA {
            issues.push(Issue::new(
                "schema",
                msg!(
                    "outcomes.schema",
                    "\"{OUTCOMES_SCHEMA}\"",
                    "スキーマ \"{OUTCOMES_SCHEMA}\""
                ),
            ));
        }
        if self.contract != contract.code {
            issues.push(Issue::new(
                "contract",
                msg!(
                    "outcomes.contract_code",
                    "the contract code `{}`",
                    "契約コード `{}`",
                    contract.code
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in self.results.iter().enumerate() {
            let at = format!("results[{i}]");
            let Some(metric) = contract.metric(&r.metric) else {
                issues.push(Issue::new(
                    format!("{at}.metric"),
                    msg!(
                        "outcomes.metric_id",
                        "the id of a metric in the contract",
                        "契約にある指標の ID"
                    ),
                ));
                continue;
            };
            if let Some(t) = &r.tranche
                && !contract.tranches.iter().any(|x| &x.id == t)
            {
                issues.push(Issue::new(
                    format!("{at}.tranche"),
                    msg!(
                        "outcomes.tranche_id",
                        "the id of a tranche in the contract",
                        "契約にある支払時期の ID"
                    ),
                ));
            }
            if !seen.insert((r.metric.as_str(), r.tranche.as_deref())) {
                issues.push(Issue::new(
                    at.clone(),
                    msg!(
                        "outcomes.duplicate",
                        "one result per metric and tranche",
                        "指標と支払時期ごとに 1 件"
                    ),
                ));
            }
            check_fraction(&mut issues, &at, r, metric);
            check_values(&mut issues, &at, r, metric);
        }
        for (i, m) in self.milestones.iter().enumerate() {
            if m.id.trim().is_empty() {
                issues.push(Issue::new(
                    format!("milestones[{i}].id"),
                    msg!(
                        "outcomes.milestone_id",
                        "a milestone id",
                        "マイルストーンの ID"
                    ),
                ));
            }
        }
        issues
    }
}

/// A value typed beside its numerator and denominator must be that fraction as written: the
/// fraction rounded to the value's own decimal places, to the nearest or cut (0.329 or 0.328 for
/// 2,561 ÷ 7,787 = 0.3288…, and 0.3 but not 0.4), else which of them is right is unknown. `None` when they agree or
/// are not all given (a missing or zero denominator is reported by the result's own checks).
pub fn value_contradicts_fraction(
    value: Option<Decimal>,
    numerator: Option<Decimal>,
    denominator: Option<Decimal>,
) -> Option<crate::message::Msg> {
    let (Some(value), Some(n), Some(d)) = (value, numerator, denominator) else {
        return None;
    };
    let exact = n.checked_div(d)?;
    let written = |strategy| exact.round_dp_with_strategy(value.scale(), strategy);
    if value == written(rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        || value == written(rust_decimal::RoundingStrategy::ToZero)
    {
        return None;
    }
    let (n, d, exact) = (n.normalize(), d.normalize(), exact.round_dp(6).normalize());
    Some(msg!(
        "outcomes.value_fraction",
        "the numerator ÷ denominator ({n} ÷ {d} = {exact}), or no value (it is then worked out from them)",
        "分子 ÷ 分母（{n} ÷ {d} = {exact}）と一致する値。値を空欄にすれば分子と分母から計算します"
    ))
}

/// A result's numerator and denominator: both or neither, positive, no more than 1 for a rate.
fn check_fraction(
    issues: &mut Vec<Issue>,
    at: &str,
    r: &MetricResult,
    metric: &crate::contract::Metric,
) {
    match (r.numerator, r.denominator) {
        (Some(n), Some(d)) => {
            if d <= Decimal::ZERO || n < Decimal::ZERO {
                issues.push(Issue::new(
                    format!("{at}.denominator"),
                    msg!(
                        "outcomes.fraction",
                        "a positive denominator and a non-negative numerator",
                        "正の分母と 0 以上の分子"
                    ),
                ));
            } else if metric.unit == MetricUnit::Rate && n > d {
                issues.push(Issue::new(
                    format!("{at}.numerator"),
                    msg!(
                        "outcomes.numerator",
                        "a numerator no larger than the denominator for a rate",
                        "率の分子は分母以下にしてください"
                    ),
                ));
            }
        }
        (None, None) => {}
        _ => issues.push(Issue::new(
            format!("{at}.denominator"),
            msg!(
                "outcomes.fraction_pair",
                "numerator and denominator together",
                "分子と分母は両方入力してください"
            ),
        )),
    }
}

/// A result has a value (or estimates); a rate's values lie in 0..1; a cohort is not negative.
fn check_values(
    issues: &mut Vec<Issue>,
    at: &str,
    r: &MetricResult,
    metric: &crate::contract::Metric,
) {
    if r.effective_value().is_none() && r.estimates.is_empty() {
        issues.push(Issue::new(
            format!("{at}.value"),
            msg!(
                "outcomes.value",
                "a value, numerator and denominator, or estimates",
                "値、分子と分母、または推定値"
            ),
        ));
    }
    if metric.unit == MetricUnit::Rate {
        let values = [r.value, r.comparison]
            .into_iter()
            .flatten()
            .chain(r.estimates.iter().flat_map(|e| [e.treated, e.comparison]));
        for v in values {
            if !(Decimal::ZERO..=Decimal::ONE).contains(&v) {
                issues.push(Issue::new(
                    format!("{at}.value"),
                    msg!(
                        "outcomes.rate",
                        "a rate from 0 to 1 (0.329 = 32.9 %)",
                        "0 から 1 の率（0.329 は 32.9%）"
                    ),
                ));
                break;
            }
        }
    }
    if let Some(c) = r.cohort_size
        && c < Decimal::ZERO
    {
        issues.push(Issue::new(
            format!("{at}.cohort_size"),
            msg!(
                "outcomes.cohort_size",
                "a non-negative cohort size",
                "0 以上の対象者数"
            ),
        ));
    }
}

/// What an outcome record states: a measured result of a metric, or a milestone reached.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    #[default]
    Result,
    Milestone,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 2] = [OutcomeKind::Result, OutcomeKind::Milestone];

    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Result => "result",
            OutcomeKind::Milestone => "milestone",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_agrees_with_its_fraction_to_its_own_decimals() {
        let d = |s: &str| Some(s.parse::<Decimal>().unwrap());
        // 2,561 ÷ 7,787 = 0.32888…: 0.329 (rounded) and 0.328 (cut) agree, 0.33 too.
        for value in ["0.329", "0.328", "0.33", "0.3288"] {
            assert_eq!(
                value_contradicts_fraction(d(value), d("2561"), d("7787")),
                None
            );
        }
        let refused = value_contradicts_fraction(d("0.5"), d("2561"), d("7787")).unwrap();
        assert_eq!(refused.code, "outcomes.value_fraction");
        assert!(
            refused.en.contains("2561 ÷ 7787 = 0.328881"),
            "{}",
            refused.en
        );
        assert!(value_contradicts_fraction(d("0.4"), d("2561"), d("7787")).is_some());
        assert!(value_contradicts_fraction(d("0.327"), d("2561"), d("7787")).is_some());
        assert_eq!(
            value_contradicts_fraction(d("0.3"), d("2561"), d("7787")),
            None
        );
        assert_eq!(value_contradicts_fraction(d("0.5"), d("1"), d("2")), None);
        // Not all three given, or no denominator: nothing to compare.
        assert_eq!(value_contradicts_fraction(None, d("1"), d("2")), None);
        assert_eq!(value_contradicts_fraction(d("0.5"), d("1"), None), None);
        assert_eq!(value_contradicts_fraction(d("0.5"), d("1"), d("0")), None);
    }
}
