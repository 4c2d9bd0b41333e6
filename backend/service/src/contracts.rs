//! Drafting contract terms before they are registered: templates to start from, a check of a
//! draft (with the statement the engine would produce for hypothetical outcomes) that stores
//! nothing, and the terms as an Excel workbook to circulate and load back. The contract editor in the web frontend calls both as the officer types; the engine
//! on the server is the only implementation of the rules.

use seika_core::message::Msg;
use seika_core::msg;
use serde::{Deserialize, Serialize};

use super::Download;
use super::projects::terms_errors;
use crate::error::{AppError, AppResult, FieldError, Place};
use seika_core::access::Actor;
use seika_core::contract::{Contract, Localized};
use seika_core::outcomes::{
    MetricResult, Milestone, OUTCOMES_SCHEMA, Outcomes, ParticipantOutcomes,
};
use seika_core::user::Role;
use seika_engine as engine;
use seika_engine::statement::Statement;
use seika_engine::words::LineWords;
use seika_formats::sheet::{SheetLimits, XLSX_MEDIA_TYPE, is_xlsx};
use seika_formats::terms_workbook;

/// A contract to start from: a common structure with illustrative figures, to be edited.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Template {
    pub id: &'static str,
    pub name: Localized,
    /// What the template's structure is, in a sentence.
    pub summary: Localized,
    /// The terms, in the contract format. `code` is empty (each project chooses its own) and
    /// the payer and investors are placeholders the editor replaces with real organizations.
    #[schemars(with = "serde_json::Value")]
    pub terms: serde_json::Value,
}

/// The templates' sources: id, names, summaries and the terms file.
const TEMPLATES: [(&str, [&str; 2], [&str; 2], &str); 4] = [
    (
        "mhlw-model",
        [
            "国のモデル事業型（最低保証額＋成果連動部分）",
            "MHLW model (guaranteed part plus outcome-linked part)",
        ],
        [
            "事業実施に対する最低保証額と、成果指標に比例し上限のある成果連動部分。",
            "A guaranteed part paid for delivery and an outcome-linked part in proportion to one indicator, with a cap.",
        ],
        include_str!("../../templates/mhlw-model.contract.json"),
    ),
    (
        "kobe-type",
        [
            "神戸市型（固定＋中間一括＋最終比例）",
            "Kobe type (fixed + interim all-or-nothing + final linear)",
        ],
        [
            "マイルストーンでの固定支払、二つの指標がともに目標に達したときの中間支払、最終指標に比例する最終支払。優先・劣後ローンと出資、分配順位つき。",
            "A fixed payment on a milestone, an interim payment when two indicators both reach their targets, a final payment in proportion to a third; senior and subordinated loans and equity with a waterfall.",
        ],
        include_str!("../../templates/kobe-type.contract.json"),
    ),
    (
        "rate-card",
        [
            "料金表型（成果ごとの単価）",
            "Rate card (a price per outcome per participant)",
        ],
        [
            "参加者ごとの成果に単価を支払い、参加者あたりの上限と年度ごとの支払期を持つ。",
            "A price for each outcome a participant achieves, a cap per participant and one payment per year.",
        ],
        include_str!("../../templates/rate-card.contract.json"),
    ),
    (
        "savings-share",
        ["削減額分配型", "Savings share"],
        [
            "測定された行政コスト削減額の一定割合を支払い、累計が一定額に達すると割合が下がる。",
            "A share of measured public savings, falling to a lower share once a stated total has been paid.",
        ],
        include_str!("../../templates/savings-share.contract.json"),
    ),
];

fn localized([ja, en]: [&str; 2]) -> Localized {
    Localized {
        ja: ja.to_owned(),
        en: en.to_owned(),
    }
}

fn may_draft(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::GovernmentStaff {
        Ok(())
    } else {
        Err(AppError::Forbidden(msg!(
            "access.government_drafts",
            "only government staff draft contract terms",
            "契約条件を作成できるのは行政の職員だけです"
        )))
    }
}

/// The templates a government officer can start a contract from.
pub fn templates(actor: &Actor) -> AppResult<Vec<Template>> {
    may_draft(actor)?;
    TEMPLATES
        .iter()
        .map(|&(id, name, summary, text)| {
            let terms = serde_json::from_str(text).map_err(|e| AppError::Internal(e.into()))?;
            Ok(Template {
                id,
                name: localized(name),
                summary: localized(summary),
                terms,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftCheckInput {
    /// The draft terms, in the contract format.
    pub terms: Contract,
    /// Hypothetical outcome values to preview the statement with; without them, only the terms
    /// are checked.
    #[serde(default)]
    pub outcomes: Option<DraftOutcomes>,
}

/// Outcome values assumed for a preview: aggregate results, milestones reached and, for rules
/// paid per participant (rate cards, person-periods), participant records.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftOutcomes {
    #[serde(default)]
    pub results: Vec<MetricResult>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    #[serde(default)]
    pub participant_outcomes: ParticipantOutcomes,
}

/// A consistency warning: terms that compute, but probably not as meant (a rule paying in full
/// at another target than its metric's, a cap that can never bind, a date before the service
/// starts). It never refuses the terms.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Warning {
    /// JSON path of the field under `terms.`, e.g. `terms.components[0].cap`.
    pub field: String,
    /// A stable code (`warning.cap_never_binds`).
    pub code: String,
    /// What to check, in Japanese and English.
    pub message: Localized,
}

/// The answer for terms that passed every check: with hypothetical outcomes, what they would
/// make due. Nothing is stored; a preview is neither a payout run nor a payment.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DraftCheck {
    /// What to check in terms that are valid (none when all is consistent).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// Present when outcomes were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Statement>,
    /// The statement's explanations in Japanese and English, one entry per line (with the
    /// statement).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<LineWords>>,
}

/// Checks draft terms as registration would (every problem at once, each naming its field under
/// `terms.`), and with outcomes, computes the statement. Problems in the outcomes are named under
/// `outcomes.`.
pub fn check_draft(actor: &Actor, input: DraftCheckInput) -> AppResult<DraftCheck> {
    may_draft(actor)?;
    let errors = terms_errors(&input.terms);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let warnings = input
        .terms
        .warnings()
        .into_iter()
        .map(|w| Warning {
            field: format!("terms.{}", w.path),
            code: w.message.code.to_owned(),
            message: Localized {
                ja: w.message.ja,
                en: w.message.en,
            },
        })
        .collect();
    let Some(assumed) = input.outcomes else {
        return Ok(DraftCheck {
            warnings,
            statement: None,
            words: None,
        });
    };
    let outcomes = Outcomes {
        schema: OUTCOMES_SCHEMA.to_owned(),
        contract: input.terms.code.clone(),
        results: assumed.results,
        milestones: assumed.milestones,
        // A draft's check prices the outcomes it is given as if every period had closed.
        data_until: None,
        participant_outcomes: assumed.participant_outcomes,
    };
    let statement = engine::compute(&input.terms, &outcomes)
        .map_err(|e| super::engine_problem(e, "outcomes"))?;
    Ok(DraftCheck {
        warnings,
        words: Some(statement.lines.iter().map(|l| l.words.clone()).collect()),
        statement: Some(statement),
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkbookInput {
    /// The terms to lay out (a draft or a project's terms), in the contract format.
    pub terms: Contract,
}

/// The terms as an Excel workbook (成果水準書, 支払条件表, 支払期, 支払者, 予算, 投資, 分配順位 and
/// the structure sheet), to circulate and load back.
pub fn workbook(actor: &Actor, input: WorkbookInput) -> AppResult<Download> {
    may_draft(actor)?;
    let terms = serde_json::to_value(&input.terms).map_err(|e| AppError::Internal(e.into()))?;
    let bytes = terms_workbook::write(&terms).map_err(|e| match e {
        rust_xlsxwriter::XlsxError::MaxStringLengthExceeded => AppError::validation(
            "terms",
            msg!(
                "workbook.cell_length",
                "texts of at most 32,767 characters (Excel's limit for a cell)",
                "32,767 文字以下の文字列（Excel のセルの上限）"
            ),
        ),
        other => AppError::Internal(other.into()),
    })?;
    let stem = if input.terms.code.is_empty() {
        "contract"
    } else {
        &input.terms.code
    };
    Ok(Download {
        file_name: format!("{stem}-支払条件表.xlsx"),
        media_type: XLSX_MEDIA_TYPE.to_owned(),
        bytes,
    })
}

/// Terms read back from a workbook.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ImportedTerms {
    pub terms: Contract,
}

/// Reads terms from a workbook written by [`workbook`] and edited in Excel. The terms are checked
/// as registration checks them; every problem names the sheet, row and column it came from
/// (`sheet 支払条件表, row 5, column 値 (value)`), or the terms' field where no cell holds it.
pub fn import_workbook(
    actor: &Actor,
    bytes: &[u8],
    limits: &SheetLimits,
) -> AppResult<ImportedTerms> {
    may_draft(actor)?;
    if !is_xlsx(bytes) {
        return Err(AppError::validation(
            "body",
            msg!(
                "workbook.not_seika",
                "an XLSX workbook downloaded from Seika",
                "Seika からダウンロードした XLSX ブック"
            ),
        ));
    }
    let imported = terms_workbook::read(bytes, limits).map_err(AppError::issues)?;
    let place = |path: &str| {
        imported
            .place_of(path)
            .cloned()
            .unwrap_or_else(|| Place::from(format!("terms.{path}")))
    };
    let terms: Contract =
        serde_path_to_error::deserialize(imported.terms.clone()).map_err(|e| {
            let path = e.path().to_string();
            AppError::validation(place(&path), Msg::from_serde(&e.into_inner().to_string()))
        })?;
    let errors: Vec<FieldError> = terms_errors(&terms)
        .into_iter()
        .map(|e| FieldError::new(place(e.field.en.trim_start_matches("terms.")), e.message))
        .collect();
    if errors.is_empty() {
        Ok(ImportedTerms { terms })
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Two versions of the terms to compare: the terms in force and the amended terms.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComparisonInput {
    pub in_force: Contract,
    pub amended: Contract,
}

/// The 新旧対照表 of an amendment: each changed part by its name, with its text in force and
/// amended (absent on the side where the part does not exist), in Japanese and English.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    pub changes: Vec<seika_formats::comparison::Change>,
}

/// Compares two versions of the terms as people read them (nothing is stored or read).
pub fn compare(actor: &Actor, input: ComparisonInput) -> AppResult<Comparison> {
    may_draft(actor)?;
    Ok(Comparison {
        changes: seika_formats::comparison::compare(&input.in_force, &input.amended),
    })
}

/// A figure typed into a form, to read as the imports read it.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureInput {
    pub kind: seika_formats::figures::FigureKind,
    /// What the person typed.
    pub text: String,
    /// The contract's currency, for amounts (JPY when absent).
    #[serde(default)]
    pub currency: Option<seika_core::Currency>,
}

/// The figure as the terms store it; `null` for an empty field.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Figure {
    pub value: Option<String>,
}

/// Reads a typed figure (nothing is stored or read); a refusal names the field `text` and says
/// what to type.
pub fn read_figure(input: FigureInput) -> AppResult<Figure> {
    let currency = match input.currency {
        Some(c) => c,
        None => seika_core::Currency::from_code("JPY")
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?,
    };
    seika_formats::figures::read(input.kind, &input.text, currency)
        .map(|value| Figure { value })
        .map_err(|message| AppError::Validation(vec![FieldError::new("text", message)]))
}
