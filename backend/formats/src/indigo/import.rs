//! Reading an INDIGO project document into a draft contract, with a note for every value that
//! was cleaned, assumed, unreadable or has no place in Seika.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde_json::Value;

use super::*;
use seika_core::contract::{
    CONTRACT_SCHEMA, Component, ContractDates, Investment, Localized, Metric, Name, Payer,
    RateCardOutcome, Rule, Tranche,
};

const MAX_TOTAL: &str = "overall_project_finance.maximum_potential_outcome_payment_v2.amount";
const CURRENCY: &str = "overall_project_finance.maximum_potential_outcome_payment_v2.currency";

/// An import under way: the document, the notes so far, the currency the money names and the
/// parties found.
struct Importer<'a> {
    doc: &'a Value,
    ctx: &'a ImportContext<'a>,
    r: Reader,
    /// The currency comes from the first money field that names one.
    currency_code: Option<String>,
    parties: Vec<(String, PartyRole)>,
}

/// The project's dates as the document gives them.
struct Dates {
    signed: Option<NaiveDate>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    completion: Option<NaiveDate>,
}

/// Reads an INDIGO project as a draft, with a note for every field cleaned, unreadable or
/// without a place in Seika. `None` when no valid contract can be made (the notes say why).
pub fn import(doc: &Value, ctx: &ImportContext<'_>) -> (Option<Draft>, Vec<ImportNote>) {
    let mut im = Importer {
        doc,
        ctx,
        r: Reader { notes: Vec::new() },
        currency_code: leaf_text(doc, CURRENCY),
        parties: Vec::new(),
    };
    let (title_ja, title_en) = im.title();
    let dates = im.dates();
    let policy = im.policy();
    let max_total = im.money(MAX_TOTAL, leaf(doc, MAX_TOTAL));
    im.providers();
    let payers = im.payers();
    let tranches = im.tranches(dates.completion.or(dates.end));
    let metrics = im.metrics();
    let components = im.components(&metrics, &tranches);
    let investments = im.investments();
    im.not_imported();
    let currency = im.currency();
    if components.is_empty() {
        return (None, im.r.notes);
    }
    let metrics = im.used_metrics(metrics, &components);
    let waterfall = im.waterfall(&investments);
    let contract = Contract {
        schema: CONTRACT_SCHEMA.to_owned(),
        code: ctx.code.clone(),
        title: Some(Localized {
            ja: title_ja.clone(),
            en: title_en.clone(),
        }),
        target_population: leaf_text(doc, "service_and_beneficiaries.target_population"),
        dates: Some(ContractDates {
            signed_on: dates.signed,
            service_start: dates.start,
            service_end: dates.end,
        }),
        budget: Vec::new(),
        currency,
        rounding: seika_core::money::Rounding::floor_to_minor(currency),
        max_total_payment: max_total,
        max_contingent_payment: None,
        payers,
        tranches,
        metrics,
        components,
        investments,
        waterfall,
        invoicing: None,
        data_checks: None,
    };
    let draft = Draft {
        title_ja,
        title_en,
        policy_area: policy,
        effective_from: dates.signed.or(dates.start).unwrap_or(ctx.today),
        parties: im.parties,
        contract,
    };
    (Some(draft), im.r.notes)
}

impl<'a> Importer<'a> {
    fn rows(&self, key: &str) -> &'a [Value] {
        self.doc
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// The English title (the name), and the Japanese (the alternative name, else the same).
    fn title(&mut self) -> (String, String) {
        let doc = self.doc;
        let title_en = leaf_text(doc, "name").unwrap_or_else(|| {
            self.r.note(
                "name",
                NoteKind::Assumed,
                None,
                "No name: \"Imported project\" used".into(),
                "名称なし: 「取込事業」とした".into(),
            );
            "Imported project".into()
        });
        let title_ja = leaf_text(doc, "alternative_names").unwrap_or_else(|| title_en.clone());
        (title_ja, title_en)
    }

    fn dates(&mut self) -> Dates {
        let signed = read_date(&mut self.r, self.doc, "dates.outcomes_contract_signed");
        let start = read_date(
            &mut self.r,
            self.doc,
            "dates.start_date_of_service_provision",
        );
        let end = read_date(
            &mut self.r,
            self.doc,
            "dates.anticipated_end_date_of_service_provision",
        )
        .or_else(|| {
            read_date(
                &mut self.r,
                self.doc,
                "dates.actual_end_date_of_service_provision",
            )
        });
        let completion = read_date(&mut self.r, self.doc, "dates.anticipated_completion_date");
        Dates {
            signed,
            start,
            end,
            completion,
        }
    }

    /// The policy area from the sector, community where none matches.
    fn policy(&mut self) -> seika_core::project::PolicyArea {
        match leaf_text(self.doc, "purpose_and_classifications.policy_sector") {
            Some(s) => policy_area(&s).unwrap_or_else(|| {
                self.r.note(
                    "purpose_and_classifications.policy_sector",
                    NoteKind::Assumed,
                    leaf(self.doc, "purpose_and_classifications.policy_sector"),
                    "no matching Seika policy area: community used".into(),
                    "対応する政策分野がないため「地域」とした".into(),
                );
                seika_core::project::PolicyArea::Community
            }),
            None => seika_core::project::PolicyArea::Community,
        }
    }

    /// An amount of money, noted where cleaned or unreadable; the first field that names a
    /// currency gives the contract's.
    fn money(&mut self, field: &str, v: Option<&Value>) -> Option<Decimal> {
        let currency_code = &mut self.currency_code;
        let r = &mut self.r;
        let v = v?;
        match clean_money(v) {
            Ok((amount, named, cleaned)) => {
                if let Some(code) = named
                    && currency_code.is_none()
                {
                    *currency_code = Some(code.to_owned());
                }
                if cleaned {
                    r.note(
                        field,
                        NoteKind::Cleaned,
                        Some(v),
                        format!("read as {amount}"),
                        format!("{amount} と読み取り"),
                    );
                }
                Some(amount)
            }
            Err(text) => {
                r.note(
                    field,
                    NoteKind::Unreadable,
                    Some(v),
                    format!("\"{text}\" is not an amount of money"),
                    format!("「{text}」は金額として読めません"),
                );
                None
            }
        }
    }

    /// Seika's own ids resolve by slug (and become parties in their role); INDIGO's are noted.
    fn resolve(&mut self, field: &str, v: Option<&Value>, role: PartyRole) -> Option<String> {
        let (ctx, parties, r) = (self.ctx, &mut self.parties, &mut self.r);
        let id = v.and_then(Value::as_str)?.trim().to_owned();
        let slug = id
            .strip_prefix(ORG_PREFIX)
            .filter(|s| ctx.organizations.contains_key(*s));
        match slug {
            Some(slug) => {
                if slug != ctx.importer_slug
                    && !parties.iter().any(|(s, x)| s == slug && *x == role)
                {
                    parties.push((slug.to_owned(), role));
                }
                Some(slug.to_owned())
            }
            None => {
                r.note(field, NoteKind::NotImported, v,
                    format!("organization {id} is not registered in Seika: add it under Organizations and name it as a party"),
                    format!("組織 {id} はSeikaに登録されていません。組織を登録し、当事者として指定してください"));
                None
            }
        }
    }

    /// Service providers and intermediaries, as parties.
    fn providers(&mut self) {
        for (i, sp) in self.rows("service_provisions").iter().enumerate() {
            self.resolve(
                &format!("service_provisions[{i}].organisation_id"),
                leaf(sp, "organisation_id"),
                PartyRole::ServiceProvider,
            );
        }
        for (i, x) in self.rows("intermediary_services").iter().enumerate() {
            self.resolve(
                &format!("intermediary_services[{i}].organisation_id"),
                leaf(x, "organisation_id"),
                PartyRole::Intermediary,
            );
        }
    }

    /// Payers from the commitments; shares as stated in Seika's notes, else by maximum.
    fn payers(&mut self) -> Vec<Payer> {
        let mut payers: Vec<Payer> = Vec::new();
        for (i, c) in self.rows("outcome_payment_commitments").iter().enumerate() {
            let at = format!("outcome_payment_commitments[{i}]");
            let Some(slug) = self.resolve(
                &format!("{at}.organisation_id"),
                leaf(c, "organisation_id"),
                PartyRole::OutcomePayer,
            ) else {
                continue;
            };
            let max = self.money(
                &format!("{at}.maximum_potential_outcome_payment.amount"),
                leaf(c, "maximum_potential_outcome_payment.amount"),
            );
            let share = c
                .get("notes")
                .and_then(Value::as_str)
                .map(read_notes)
                .and_then(|n| {
                    n.get("支払割合 share")
                        .and_then(|s| s.parse::<Decimal>().ok())
                });
            payers.push(Payer {
                id: slug,
                name: None,
                share: share.unwrap_or(Decimal::ZERO),
                max_payment: max,
                top_up: None,
            });
        }
        if payers.is_empty() {
            self.r.note(
                "outcome_payment_commitments",
                NoteKind::Assumed,
                None,
                "no outcome payer registered in Seika: your organization pays the whole".into(),
                "Seikaに登録された成果報酬の支払者がないため、自組織が全額を支払うとした".into(),
            );
            payers.push(Payer {
                id: self.ctx.importer_slug.to_owned(),
                name: None,
                share: Decimal::ONE,
                max_payment: None,
                top_up: None,
            });
        }
        self.shares(&mut payers);
        payers
    }

    /// Shares by each payer's maximum, else equal, where the notes do not sum to 1; the last
    /// takes the remainder so they do.
    fn shares(&mut self, payers: &mut [Payer]) {
        if payers.iter().map(|p| p.share).sum::<Decimal>() == Decimal::ONE {
            return;
        }
        let total: Decimal = payers.iter().filter_map(|p| p.max_payment).sum();
        let n = Decimal::from(payers.len());
        let mut left = Decimal::ONE;
        let count = payers.len();
        for (i, p) in payers.iter_mut().enumerate() {
            p.share = if i + 1 == count {
                left
            } else if total > Decimal::ZERO {
                (p.max_payment.unwrap_or_default() / total).round_dp(6)
            } else {
                (Decimal::ONE / n).round_dp(6)
            };
            left -= p.share;
        }
        if count > 1 {
            self.r.note(
                "outcome_payment_commitments",
                NoteKind::Assumed,
                None,
                "payers' shares are not in INDIGO: set in proportion to each one's maximum".into(),
                "支払割合はINDIGOにないため、各支払者の上限額に比例させた".into(),
            );
        }
    }

    /// Tranches from the payment plans; without plans, one final payment at the end.
    fn tranches(&mut self, end: Option<NaiveDate>) -> Vec<Tranche> {
        let mut tranches: Vec<Tranche> = Vec::new();
        for (i, plan) in self.rows("outcome_payment_plans").iter().enumerate() {
            let at = format!("outcome_payment_plans[{i}]");
            let id = local_id(&leaf_text(plan, "id").unwrap_or_else(|| format!("plan{}", i + 1)));
            let due = read_date_at(
                &mut self.r,
                leaf(plan, "period.end_date"),
                &format!("{at}.period.end_date"),
            );
            let from = leaf(plan, "period.start_date")
                .and_then(|v| clean_date(v).ok())
                .map(|x| x.0);
            let Some(due_on) = due else {
                self.r.note(
                    &format!("{at}.period.end_date"),
                    NoteKind::NotImported,
                    None,
                    "a payment plan without an end date is not a payment date".into(),
                    "終了日のない支払計画は支払時期として取り込めません".into(),
                );
                continue;
            };
            let name = plan
                .get("notes")
                .and_then(Value::as_str)
                .map(|n| Name::Text(n.to_owned()));
            tranches.push(Tranche {
                id,
                name,
                due_on,
                outcomes_from: from,
                outcomes_until: None,
                cap: None,
                cap_per_count: None,
            });
        }
        if tranches.is_empty() {
            let due_on = end.unwrap_or(self.ctx.today);
            self.r.note(
                "outcome_payment_plans",
                NoteKind::Assumed,
                None,
                format!("no payment plan: one final payment on {due_on}"),
                format!("支払計画がないため、{due_on} に最終支払1回とした"),
            );
            tranches.push(Tranche {
                id: "final".into(),
                name: None,
                due_on,
                outcomes_from: None,
                outcomes_until: None,
                cap: None,
                cap_per_count: None,
            });
        }
        tranches
    }

    /// Metrics, with Seika's own notes read back where present.
    fn metrics(&mut self) -> Vec<Metric> {
        let mut metrics: Vec<Metric> = Vec::new();
        for (i, m) in self.rows("outcome_metrics").iter().enumerate() {
            let metric = self.metric(i, m);
            metrics.push(metric);
        }
        metrics
    }

    fn metric(&mut self, i: usize, m: &Value) -> Metric {
        let at = format!("outcome_metrics[{i}]");
        let id = local_id(
            m.get("id")
                .and_then(Value::as_str)
                .unwrap_or(&format!("metric{}", i + 1)),
        );
        let name_en = leaf_text(m, "definition").unwrap_or_else(|| id.clone());
        let n = m
            .get("notes")
            .and_then(Value::as_str)
            .map(read_notes)
            .unwrap_or_default();
        let unit = match n.get(NOTE_UNIT).map(String::as_str) {
            Some("rate") => MetricUnit::Rate,
            Some("person_periods") => MetricUnit::PersonPeriods,
            Some("money") => MetricUnit::Money,
            Some("score") => MetricUnit::Score,
            Some("count") => MetricUnit::Count,
            _ => {
                self.r.note(
                    &format!("{at}.id"),
                    NoteKind::Assumed,
                    None,
                    "unit not stated: count assumed".into(),
                    "単位の記載がないため件数とした".into(),
                );
                MetricUnit::Count
            }
        };
        let direction = if n.get(NOTE_DIRECTION).map(String::as_str) == Some("lower_is_better") {
            Direction::LowerIsBetter
        } else {
            Direction::HigherIsBetter
        };
        let target = leaf(m, "outcome_metric_target").and_then(|v| {
            let text = v
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string());
            match text.trim().parse::<Decimal>() {
                Ok(d) => Some(d),
                Err(_) => {
                    self.r.note(
                        &format!("{at}.outcome_metric_target"),
                        NoteKind::NotImported,
                        Some(v),
                        "a target in words is not a number: kept in the definition".into(),
                        "文章の目標値は数値でないため定義に残した".into(),
                    );
                    None
                }
            }
        });
        let mut definition = n.get("定義 definition").cloned();
        if target.is_none()
            && let Some(text) = leaf_text(m, "outcome_metric_target")
        {
            definition = Some(definition.map_or(text.clone(), |d| format!("{d} — {text}")));
        }
        Metric {
            id,
            name: Localized {
                ja: n
                    .get(NOTE_NAME_JA)
                    .cloned()
                    .unwrap_or_else(|| name_en.clone()),
                en: name_en,
            },
            unit,
            direction,
            definition,
            data_source: leaf_text(m, "data_source_for_outcome_validation"),
            measurement_method: leaf_text(m, "outcome_validation_method"),
            baseline: n.get(NOTE_BASELINE).and_then(|b| b.parse().ok()),
            target,
            cap: None,
        }
    }

    /// Components from the pricings: Seika's own rule words are text, so each pricing becomes
    /// the simplest rule its figures support, and the report says so.
    fn components(&mut self, metrics: &[Metric], tranches: &[Tranche]) -> Vec<Component> {
        let last_tranche = tranches
            .iter()
            .max_by_key(|t| t.due_on)
            .map(|t| t.id.clone())
            .unwrap_or_default();
        let mut components: Vec<Component> = Vec::new();
        for (i, pr) in self.rows("outcome_pricings").iter().enumerate() {
            if let Some(c) = self.component(i, pr, metrics, tranches, &last_tranche) {
                components.push(c);
            }
        }
        if components.is_empty() {
            self.r.note(
                "outcome_pricings",
                NoteKind::Unreadable,
                None,
                "no outcome pricing with an amount: a contract needs at least one payment rule"
                    .into(),
                "金額のある成果報酬の価格設定がなく、支払ルールが1つもありません".into(),
            );
        }
        components
    }

    /// One pricing as a component, or none (noted) where no rule can be read from its figures.
    fn component(
        &mut self,
        i: usize,
        pr: &Value,
        metrics: &[Metric],
        tranches: &[Tranche],
        last_tranche: &str,
    ) -> Option<Component> {
        let at = format!("outcome_pricings[{i}]");
        let n = pr
            .get("notes")
            .and_then(Value::as_str)
            .map(read_notes)
            .unwrap_or_default();
        let metric = leaf_text(pr, "outcome_metric_id")
            .map(|m| local_id(&m))
            .filter(|m| metrics.iter().any(|x| &x.id == m));
        let price = self.money(
            &format!("{at}.price_per_unit.amount"),
            leaf(pr, "price_per_unit.amount"),
        );
        let max = self.money(
            &format!("{at}.maximum_price_if_all_targets_achieved.amount"),
            leaf(pr, "maximum_price_if_all_targets_achieved.amount"),
        );
        let tranche = n
            .get(NOTE_TRANCHE)
            .map(|t| local_id(t))
            .filter(|t| tranches.iter().any(|x| &x.id == t))
            .unwrap_or_else(|| last_tranche.to_owned());
        let id = n
            .get(NOTE_COMPONENT)
            .map(|c| local_id(c))
            .unwrap_or_else(|| format!("pricing{}", i + 1));
        let description = leaf_text(pr, "price_description");
        let target = metric
            .as_ref()
            .and_then(|m| metrics.iter().find(|x| &x.id == m))
            .and_then(|m| m.target);
        let rule = rule_of(metric.as_ref(), price, max, target, &n);
        let Some(rule) = rule else {
            self.r.note(&at, NoteKind::NotImported, description.as_ref().map(|d| Value::String(d.clone())).as_ref(),
                "no price per unit, or no maximum with a numeric target: add this payment rule in the editor".into(),
                "単価も、数値目標と上限額の組もないため、支払ルールはエディタで追加してください".into());
            return None;
        };
        let kind = rule.type_name();
        if n.get(NOTE_RULE).map(String::as_str) != Some(kind) {
            self.r.note(
                &at,
                NoteKind::Cleaned,
                description
                    .as_ref()
                    .map(|d| Value::String(d.clone()))
                    .as_ref(),
                format!(
                    "imported as a {kind} rule from its figures: check it against the description"
                ),
                format!("金額から{kind}ルールとして取り込みました。記述と照合してください"),
            );
        }
        let conditions = self.conditions(&at, &n, metrics);
        Some(Component {
            id,
            name: description.map(Name::Text),
            tranche,
            conditions,
            payer: None,
            cap: None,
            rule,
            net_of: Vec::new(),
            outcome_contingent: true,
        })
    }

    /// A pricing's conditions from Seika's notes, on the metrics imported.
    fn conditions(
        &mut self,
        at: &str,
        n: &BTreeMap<String, String>,
        metrics: &[Metric],
    ) -> Vec<seika_core::contract::Condition> {
        match n.get(NOTE_CONDITIONS).map(|c| read_conditions(c)) {
            Some(Some(cs)) => cs
                .into_iter()
                .filter(|c| metrics.iter().any(|m| m.id == c.metric))
                .collect(),
            Some(None) => {
                self.r.note(
                    at,
                    NoteKind::Unreadable,
                    None,
                    "conditions not in the form \"metric >= value\": left out".into(),
                    "支払条件が「指標 >= 値」の形でないため取り込みません".into(),
                );
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// Investments whose investor resolves.
    fn investments(&mut self) -> Vec<Investment> {
        let mut investments: Vec<Investment> = Vec::new();
        for (i, inv) in self.rows("investments").iter().enumerate() {
            if let Some(investment) = self.investment(i, inv) {
                investments.push(investment);
            }
        }
        if !investments.is_empty() {
            self.r.note(
                "investments",
                NoteKind::Assumed,
                None,
                "drawdown dates and the waterfall are not in INDIGO: add them in the editor".into(),
                "資金の払込日と分配順位はINDIGOにないため、エディタで追加してください".into(),
            );
        }
        investments
    }

    /// One investment, or none (noted) where its investor or exact commitment is missing.
    fn investment(&mut self, i: usize, inv: &Value) -> Option<Investment> {
        let at = format!("investments[{i}]");
        let slug = self.resolve(
            &format!("{at}.organisation_id"),
            leaf(inv, "organisation_id"),
            PartyRole::Investor,
        )?;
        let Some(committed) = self.money(
            &format!("{at}.investment_commitment.amount.exact"),
            leaf(inv, "investment_commitment.amount.exact"),
        ) else {
            self.r.note(
                &at,
                NoteKind::NotImported,
                None,
                "an investment without an exact commitment".into(),
                "確定した出資・融資額のない投資".into(),
            );
            return None;
        };
        let n = inv
            .get("notes")
            .and_then(Value::as_str)
            .map(read_notes)
            .unwrap_or_default();
        let instrument = match (
            n.get("商品 instrument").map(String::as_str),
            leaf_text(inv, "investment_type").as_deref(),
        ) {
            (Some("subordinatedloan"), _) => Instrument::SubordinatedLoan,
            (Some("equity"), _) | (None, Some("Equity")) => Instrument::Equity,
            (Some("grant"), _) => Instrument::Grant,
            _ => Instrument::SeniorLoan,
        };
        let annual_rate = self.annual_rate(&at, inv, &n);
        Some(Investment {
            id: local_id(
                inv.get("id")
                    .and_then(Value::as_str)
                    .unwrap_or(&format!("investment{}", i + 1)),
            ),
            investor: slug,
            instrument,
            committed,
            drawdowns: Vec::new(),
            annual_rate,
            coupon_steps: Vec::new(),
            covers: None,
            units: None,
        })
    }

    /// The maximum potential return as an annual rate: a percentage where Seika's own export
    /// says so, else read as a fraction or a percentage and noted.
    fn annual_rate(
        &mut self,
        at: &str,
        inv: &Value,
        n: &BTreeMap<String, String>,
    ) -> Option<Decimal> {
        let stated_percent = n.get("利率の単位 rate unit").map(String::as_str) == Some("percent");
        leaf(inv, "maximum_potential_return").and_then(|v| match clean_rate(v) {
            // Seika's own export says the number is a percentage.
            Ok(_) if stated_percent => v
                .to_string()
                .parse::<Decimal>()
                .ok()
                .map(|d| (d / Decimal::ONE_HUNDRED).normalize()),
            Ok((rate, as_percent)) => {
                self.r.note(
                    &format!("{at}.maximum_potential_return"),
                    NoteKind::Cleaned,
                    Some(v),
                    format!(
                        "read as {} % ({})",
                        (rate * Decimal::ONE_HUNDRED).normalize(),
                        if as_percent {
                            "a percentage"
                        } else {
                            "a fraction"
                        }
                    ),
                    format!(
                        "{}% と読み取り（{}）",
                        (rate * Decimal::ONE_HUNDRED).normalize(),
                        if as_percent { "百分率" } else { "小数" }
                    ),
                );
                Some(rate)
            }
            Err(text) => {
                self.r.note(
                    &format!("{at}.maximum_potential_return"),
                    NoteKind::Unreadable,
                    Some(v),
                    format!("\"{text}\" is not a rate"),
                    format!("「{text}」は利率として読めません"),
                );
                None
            }
        })
    }

    /// What INDIGO holds that a draft does not: results, payments, and sections with no place
    /// in Seika.
    fn not_imported(&mut self) {
        for (i, res) in self.rows("results").iter().enumerate() {
            self.r.note(
                &format!("results[{i}]"),
                NoteKind::NotImported,
                leaf(res, "outcomes_achieved"),
                "results are not imported into a draft: evaluators enter and verify them".into(),
                "成果実績は下書きに取り込みません。評価者が入力・検証します".into(),
            );
        }
        for (i, pay) in self.rows("outcome_payments").iter().enumerate() {
            self.r.note(
            &format!("outcome_payments[{i}]"),
            NoteKind::NotImported,
            leaf(pay, "type"),
            "outcome payments are not imported: claims and payments are recorded as they happen"
                .into(),
            "成果報酬の支払実績は取り込みません。請求と支払はその都度記録します".into(),
        );
        }
        for key in [
            "transactions",
            "sources",
            "documents",
            "delivery_locations",
            "outcome_funds",
            "technical_assistances",
        ] {
            if !self.rows(key).is_empty() {
                self.r.note(
                    key,
                    NoteKind::NotImported,
                    None,
                    format!("{key} have no place in Seika"),
                    format!("{key} はSeikaに対応する項目がありません"),
                );
            }
        }
    }

    /// The currency the money named, else JPY (noted).
    fn currency(&mut self) -> Currency {
        match self.currency_code.as_deref().map(Currency::from_code) {
            Some(Ok(c)) => c,
            Some(Err(_)) | None => {
                self.r.note(
                    "overall_project_finance.maximum_potential_outcome_payment_v2.currency",
                    NoteKind::Assumed,
                    None,
                    "currency not stated or unknown: JPY assumed".into(),
                    "通貨の記載がないか不明なため円とした".into(),
                );
                Currency::from_code("JPY").expect("JPY is a currency")
            }
        }
    }

    /// A metric no imported rule or condition uses cannot stand in a contract.
    fn used_metrics(&mut self, metrics: Vec<Metric>, components: &[Component]) -> Vec<Metric> {
        let used: BTreeSet<String> = components
            .iter()
            .flat_map(|c| {
                c.rule
                    .metric()
                    .map(str::to_owned)
                    .into_iter()
                    .chain(c.conditions.iter().map(|x| x.metric.clone()))
            })
            .collect();
        let mut kept = Vec::new();
        for (i, m) in metrics.into_iter().enumerate() {
            if used.contains(&m.id) {
                kept.push(m);
            } else {
                self.r.note(&format!("outcome_metrics[{i}]"), NoteKind::NotImported, None,
                format!("metric {} is not used by any imported payment rule: add it with its rule in the editor", m.id),
                format!("指標 {} は取り込んだ支払ルールで使われないため取り込みません。エディタで支払ルールとともに追加してください", m.id));
            }
        }
        kept
    }

    /// Investors need a repayment order; INDIGO has none: interest then principal by seniority,
    /// the rest to the most junior class.
    fn waterfall(
        &mut self,
        investments: &[Investment],
    ) -> Vec<seika_core::contract::WaterfallStep> {
        let mut waterfall = Vec::new();
        if !investments.is_empty() {
            use seika_core::contract::{InvestorClass, WaterfallStep};
            let classes: Vec<InvestorClass> = [
                InvestorClass::Senior,
                InvestorClass::Subordinated,
                InvestorClass::Equity,
            ]
            .into_iter()
            .filter(|c| investments.iter().any(|i| i.instrument.class() == Some(*c)))
            .collect();
            for class in &classes {
                if *class != InvestorClass::Equity {
                    waterfall.push(WaterfallStep::Interest { class: *class });
                }
                waterfall.push(WaterfallStep::Principal { class: *class });
            }
            if let Some(last) = classes.last() {
                waterfall.push(WaterfallStep::Residual {
                    class: *last,
                    share: None,
                });
            }
            self.r.note("investments", NoteKind::Assumed, None,
            "repayment order not in INDIGO: interest, then principal, by seniority; the rest to the most junior class".into(),
            "分配順位はINDIGOにないため、優先順に利息・元本、残余は最劣後の投資者とした".into());
        }
        waterfall
    }
}

/// The simplest rule a pricing's figures support: a price per unit is a rate card; a maximum
/// with a numeric target is linear; a maximum alone is a fixed payment.
fn rule_of(
    metric: Option<&String>,
    price: Option<Decimal>,
    max: Option<Decimal>,
    target: Option<Decimal>,
    n: &BTreeMap<String, String>,
) -> Option<Rule> {
    match (metric, price, max, target) {
        (Some(m), Some(price), _, _) => Some(Rule::RateCard {
            metric: Some(m.clone()),
            outcomes: vec![RateCardOutcome {
                outcome: m.clone(),
                name: None,
                price,
                max_per_participant: None,
                cap: None,
                min_days_between: None,
                waiting_days: None,
            }],
            cap_per_participant: None,
            cap_per_participant_per_year: None,
        }),
        (Some(m), None, Some(max), Some(target)) if target > Decimal::ZERO => Some(Rule::Linear {
            metric: m.clone(),
            target,
            max_amount: max,
            floor_ratio: None,
            uncapped: false,
        }),
        (None, None, Some(max), _) => Some(Rule::Fixed {
            amount: max,
            milestone: n.get(NOTE_MILESTONE).cloned(),
            milestone_name: None,
        }),
        _ => None,
    }
}
