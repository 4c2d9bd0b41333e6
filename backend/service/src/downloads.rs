//! Downloads a municipality can use: CSV (UTF-8 with BOM by default, Shift_JIS with CRLF on
//! request) and plain XLSX, laid out as machine-readable statistics tables (one datum per cell,
//! numbers as numbers, units in the headers, 西暦 dates with an optional 和暦 column). The rows are
//! the same figures the API serves, read through the same services, so the same permissions and
//! redactions apply.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::Download;
use crate::error::{AppError, AppResult, Thing};
use seika_core::access::Actor;
use seika_core::claim::ClaimStatus;
use seika_db::DbConn;
use seika_formats::sheet::{Cell, Report, XLSX_MEDIA_TYPE};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DownloadFormat {
    #[default]
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvEncoding {
    /// UTF-8 with a BOM (Excel opens it as UTF-8).
    #[default]
    Utf8,
    /// Shift_JIS (CP932) with CRLF, for older systems.
    ShiftJis,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DownloadParams {
    /// `csv` (default) or `xlsx`.
    pub format: Option<DownloadFormat>,
    /// For CSV: `utf8` (default, with BOM) or `shift_jis`.
    pub encoding: Option<CsvEncoding>,
    /// Add a 和暦 column after each date column.
    #[serde(default)]
    pub wareki: bool,
}

fn render(report: Report, params: &DownloadParams, stem: &str, sheet: &str) -> AppResult<Download> {
    let report = if params.wareki {
        report.with_wareki()
    } else {
        report
    };
    Ok(
        match (
            params.format.unwrap_or_default(),
            params.encoding.unwrap_or_default(),
        ) {
            (DownloadFormat::Xlsx, _) => Download {
                file_name: format!("{stem}.xlsx"),
                media_type: XLSX_MEDIA_TYPE.into(),
                bytes: report
                    .xlsx(sheet)
                    .map_err(|e| AppError::Internal(e.into()))?,
            },
            (DownloadFormat::Csv, CsvEncoding::Utf8) => Download {
                file_name: format!("{stem}.csv"),
                media_type: "text/csv; charset=utf-8".into(),
                bytes: report.csv(),
            },
            (DownloadFormat::Csv, CsvEncoding::ShiftJis) => Download {
                file_name: format!("{stem}.csv"),
                media_type: "text/csv; charset=Shift_JIS".into(),
                bytes: report.csv_shift_jis(),
            },
        },
    )
}

/// A statement's words for people, in Japanese and English: line statuses and rule types.
fn words(v: &serde_json::Value) -> Cell {
    let label = match v.as_str().unwrap_or_default() {
        "earned" => "達成 earned",
        "capped" => "上限適用 capped",
        "not_met" => "未達成 not met",
        "awaiting_data" => "データ待ち awaiting data",
        "fixed" => "固定額 fixed",
        "rate_card" => "成果単価 rate card",
        "person_period" => "人・期間単価 person-period",
        "tiered" => "段階 tiered",
        "linear" => "達成度比例 linear",
        "corridor" => "コリドー corridor",
        "comparison" => "比較群 comparison group",
        "savings_share" => "削減額の分配 savings share",
        "deduction" => "基本額からの減額 deduction",
        "" => return Cell::Empty,
        other => return Cell::Text(other.to_owned()),
    };
    Cell::Text(label.to_owned())
}

fn number(s: &str) -> Cell {
    s.parse::<Decimal>()
        .map_or(Cell::Text(s.to_owned()), Cell::Number)
}

fn text(v: &serde_json::Value) -> Cell {
    match v.as_str() {
        Some(s) if !s.is_empty() => Cell::Text(s.to_owned()),
        _ => Cell::Empty,
    }
}

/// A part's name as one text (both languages, once where they are the same), or the cell's text.
fn name_text(v: &serde_json::Value) -> Cell {
    match serde_json::from_value::<seika_core::contract::Name>(v.clone()) {
        Ok(name) => Cell::Text(name.text()),
        Err(_) => text(v),
    }
}

/// A payout run's statement, one row per line with its explanation.
pub fn statement(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    run_id: i64,
    params: &DownloadParams,
) -> AppResult<Download> {
    let run = super::payout_runs::get(conn, actor, project_id, run_id)?;
    let project = seika_db::projects::find(conn, project_id)?
        .ok_or_else(|| AppError::not_found(Thing::Project))?;
    let cur = run.currency.clone();
    let statement = run.statement.unwrap_or_default();
    let due: std::collections::BTreeMap<String, NaiveDate> = statement["tranches"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| {
                    Some((
                        t["tranche"].as_str()?.to_owned(),
                        t["due_on"].as_str()?.parse().ok()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let headers = [
        "事業 project".to_owned(),
        "支払時期 tranche".to_owned(),
        "支払期日 due on".to_owned(),
        "支払項目 component".to_owned(),
        "指標 metric".to_owned(),
        "支払ルール rule".to_owned(),
        "状態 status".to_owned(),
        money_header("金額", "amount", &cur),
        "計算式 formula".to_owned(),
        "端数処理 rounding".to_owned(),
        "上限による減額 caps".to_owned(),
        "算定日時 computed as of".to_owned(),
    ]
    .to_vec();
    let mut rows = Vec::new();
    let line_words = run.words.clone().unwrap_or_default();
    // Both languages in one cell, as the headers are: the explanation's words where the run has
    // them, else the statement's own text.
    let both = |w: Option<&seika_engine::words::Words>, stored: &serde_json::Value| match w {
        Some(w) => Cell::Text(format!("{} / {}", w.ja, w.en)),
        None => text(stored),
    };
    for (i, line) in statement["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let said = line_words.get(i);
        let tranche = line["tranche"].as_str().unwrap_or_default().to_owned();
        let caps: Vec<String> = line["explanation"]["caps"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .enumerate()
                    .map(|(k, c)| {
                        let name = said.and_then(|w| w.caps.get(k)).map_or_else(
                            || c["cap"].as_str().unwrap_or_default().to_owned(),
                            |w| format!("{} / {}", w.ja, w.en),
                        );
                        format!(
                            "{name} ≤ {} (−{})",
                            c["limit"].as_str().unwrap_or_default(),
                            c["reduced_by"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        rows.push(vec![
            Cell::Text(project.title_ja.clone()),
            Cell::Text(tranche.clone()),
            due.get(&tranche).map_or(Cell::Empty, |d| Cell::Date(*d)),
            name_text(line.get("name").unwrap_or(&line["component"])),
            text(&line["metric"]),
            words(&line["rule"]),
            words(&line["status"]),
            number(line["amount"].as_str().unwrap_or("0")),
            both(said.map(|w| &w.formula), &line["explanation"]["formula"]),
            both(said.map(|w| &w.rounding), &line["explanation"]["rounding"]),
            Cell::Text(caps.join("; ")),
            Cell::Text(run.as_of.format("%Y-%m-%d %H:%M").to_string()),
        ]);
    }
    render(
        Report { headers, rows },
        params,
        &format!("{}-statement-{}", project.code, run.id),
        "支払計算書 statement",
    )
}

/// The claims and payments ledger of a project: one row per claim.
pub fn claims_ledger(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    params: &DownloadParams,
) -> AppResult<Download> {
    let claims = super::claims::list(conn, actor, project_id)?;
    let project = seika_db::projects::find(conn, project_id)?
        .ok_or_else(|| AppError::not_found(Thing::Project))?;
    let cur = project.currency.clone();
    let headers = [
        "請求書番号 invoice number".to_owned(),
        "支払時期 tranche".to_owned(),
        "年度 fiscal year".to_owned(),
        "支払者 payer".to_owned(),
        "請求者 issuer".to_owned(),
        "発行日 issued on".to_owned(),
        "受領日 received on".to_owned(),
        money_header("税抜額", "net", &cur),
        money_header("消費税額", "tax", &cur),
        money_header("請求額", "total", &cur),
        money_header("支払済額", "paid", &cur),
        money_header("未払額", "outstanding", &cur),
        "状態 status".to_owned(),
        "検査期限 inspection due".to_owned(),
        "支払期限 payment due".to_owned(),
    ]
    .to_vec();
    let rows = claims
        .into_iter()
        .map(|c| {
            vec![
                Cell::Text(c.invoice_number),
                Cell::Text(c.tranche),
                Cell::Number(Decimal::from(c.fiscal_year)),
                Cell::Text(c.payer_name_ja),
                Cell::Text(c.issuer_name_ja),
                Cell::Date(c.issued_on),
                Cell::Date(c.received_on),
                number(&c.net),
                number(&c.tax),
                number(&c.total),
                number(&c.paid),
                number(&c.outstanding),
                Cell::Text(
                    match c.status {
                        ClaimStatus::Submitted => "検査待ち awaiting inspection",
                        ClaimStatus::Returned => "差戻し returned",
                        ClaimStatus::Accepted => "検査合格・支払待ち accepted, awaiting payment",
                        ClaimStatus::Paid => "支払済 paid",
                    }
                    .to_owned(),
                ),
                Cell::Date(c.inspection_due_on),
                Cell::Date(c.payment_due_on),
            ]
        })
        .collect();
    render(
        Report { headers, rows },
        params,
        &format!("{}-claims", project.code),
        "請求・支払台帳 claims",
    )
}

/// The investor statement of a project: one row per investment and tranche the reader may see
/// (an investor its own organization's, the government every investor's), what the waterfall
/// computed, whether it is only computed, due (the outcome payment was received) or paid, and the
/// payment recorded.
pub fn investor_statement(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    params: &DownloadParams,
) -> AppResult<Download> {
    let view = super::distributions::list(conn, actor, project_id)?;
    let project = seika_db::projects::find(conn, project_id)?
        .ok_or_else(|| AppError::not_found(Thing::Project))?;
    let (contract, _) =
        super::projects::load_contract(conn, project_id, project.current_terms_version)?;
    let cur = view.currency.clone();
    let headers = vec![
        "事業 project".to_owned(),
        "投資者 investor".to_owned(),
        "投資 investment".to_owned(),
        "種類 instrument".to_owned(),
        "支払時期 tranche".to_owned(),
        "状態 state".to_owned(),
        money_header("配分額（計算値）", "computed", &cur),
        money_header("支払済額", "paid", &cur),
        "支払日 paid on".to_owned(),
        "参照番号 reference".to_owned(),
    ];
    let mut names = std::collections::BTreeMap::new();
    let mut rows = Vec::new();
    for tranche in &view.tranches {
        for d in &tranche.investments {
            if !names.contains_key(&d.investor) {
                let name = seika_db::organizations::find_by_slug(conn, &d.investor)?
                    .map_or_else(|| d.investor.clone(), |o| o.name_ja);
                names.insert(d.investor.clone(), name);
            }
            let instrument = contract
                .investments
                .iter()
                .find(|i| i.id == d.investment)
                .map(|i| i.instrument);
            let state = match (&d.paid, tranche.state) {
                (Some(_), _) => "支払済 paid",
                (None, super::distributions::DistributionState::Computed) => {
                    "計算済（成果報酬の受領前）computed, outcome payment not yet received"
                }
                (None, _) => "支払待ち due",
            };
            rows.push(vec![
                Cell::Text(project.title_ja.clone()),
                Cell::Text(names[&d.investor].clone()),
                Cell::Text(d.investment.clone()),
                instrument.map_or(Cell::Empty, |i| Cell::Text(instrument_words(i).to_owned())),
                Cell::Text(tranche.tranche.clone()),
                Cell::Text(state.to_owned()),
                number(&d.computed),
                optional_number(&d.paid),
                d.paid_on.map_or(Cell::Empty, Cell::Date),
                d.reference.clone().map_or(Cell::Empty, Cell::Text),
            ]);
        }
    }
    render(
        Report { headers, rows },
        params,
        &format!("{}-investor-statement", project.code),
        "投資者明細 investor statement",
    )
}

/// An instrument in words, in Japanese and English.
pub(crate) fn instrument_words(i: seika_core::contract::Instrument) -> &'static str {
    use seika_core::contract::Instrument as I;
    match i {
        I::SeniorLoan => "シニアローン senior loan",
        I::SubordinatedLoan => "劣後ローン subordinated loan",
        I::Equity => "出資 equity",
        I::Grant => "助成 grant",
        I::Guarantee => "保証 guarantee",
    }
}

/// A money column's header with its unit, in both languages: `支払済額（JPY）paid (JPY)`.
fn money_header(ja: &str, en: &str, currency: &str) -> String {
    format!("{ja}（{currency}）{en} ({currency})")
}

fn optional_number(s: &Option<String>) -> Cell {
    s.as_deref().map_or(Cell::Empty, number)
}

/// The headers of a year's budget figures, amounts in `currency` (or in the row's currency).
fn year_headers(currency: &str) -> Vec<String> {
    [
        ("予算額", "appropriated"),
        ("債務負担行為の限度額", "commitment limit"),
        ("支出負担行為済額", "committed"),
        ("支払済額", "paid"),
        ("支払見込額", "projected"),
        ("必要額", "needed"),
        ("残額", "remaining"),
        (
            "最大額（年度の契約上限）",
            "at most (the contract's ceiling)",
        ),
    ]
    .iter()
    .map(|(ja, en)| money_header(ja, en, currency))
    .collect()
}

/// A year's budget figures, in the order of [`year_headers`].
fn year_cells(y: &seika_core::budget::YearFigures) -> Vec<Cell> {
    vec![
        optional_number(&y.appropriated),
        optional_number(&y.commitment_limit),
        number(&y.committed),
        number(&y.paid),
        number(&y.projected),
        number(&y.needed),
        optional_number(&y.remaining),
        optional_number(&y.maximum),
    ]
}

/// Every contract of the organization by fiscal year, with each year's total row; with
/// `wareki`, the year also as 令和○年度.
pub fn fiscal_years(
    conn: &mut DbConn,
    actor: &Actor,
    params: &DownloadParams,
) -> AppResult<Download> {
    let view = super::fiscal_years::view(conn, actor)?;
    let mut headers = vec!["年度 fiscal year (April–March)".to_owned()];
    if params.wareki {
        headers.push("年度（和暦）".to_owned());
    }
    headers.extend(["事業 project".to_owned(), "通貨 currency".to_owned()]);
    headers.extend(year_headers("通貨の単位 in the currency"));
    let mut rows = Vec::new();
    for year in &view.years {
        let lead = |name: String| {
            let mut row = vec![Cell::Number(Decimal::from(year.fiscal_year))];
            if params.wareki {
                row.push(Cell::Text(seika_formats::sheet::wareki_fiscal_year(
                    year.fiscal_year,
                )));
            }
            row.extend([Cell::Text(name), Cell::Text(year.currency.clone())]);
            row
        };
        for c in &year.contracts {
            let mut row = lead(c.title_ja.clone());
            row.extend(year_cells(&c.figures));
            rows.push(row);
        }
        let mut row = lead("合計 total".to_owned());
        row.extend(year_cells(&year.total));
        rows.push(row);
    }
    // The era column is written here, from the fiscal year; no date column needs another.
    let params = DownloadParams {
        wareki: false,
        ..params.clone()
    };
    render(
        Report { headers, rows },
        &params,
        "fiscal-years",
        "年度別一覧 fiscal years",
    )
}

/// The budget schedule by fiscal year: appropriation, 債務負担行為 limit, committed, paid,
/// projected, needed and what remains.
pub fn budget_schedule(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    params: &DownloadParams,
) -> AppResult<Download> {
    let budget = super::budgets::view(conn, actor, project_id)?;
    let project = seika_db::projects::find(conn, project_id)?
        .ok_or_else(|| AppError::not_found(Thing::Project))?;
    let cur = budget.currency.clone();
    let mut headers = vec!["年度 fiscal year (April–March)".to_owned()];
    headers.extend(year_headers(&cur));
    let rows = budget
        .years
        .iter()
        .map(|y| {
            let mut row = vec![Cell::Number(Decimal::from(y.fiscal_year))];
            row.extend(year_cells(y));
            row
        })
        .collect();
    render(
        Report { headers, rows },
        params,
        &format!("{}-budget", project.code),
        "年度別予算 budget",
    )
}

/// The project's outcome results and milestones: every record with its review state.
pub fn outcome_data(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    params: &DownloadParams,
) -> AppResult<Download> {
    let records = super::outcomes::list(conn, actor, project_id, None, None)?;
    let project = seika_db::projects::find(conn, project_id)?
        .ok_or_else(|| AppError::not_found(Thing::Project))?;
    let (contract, _) =
        super::projects::load_contract(conn, project_id, project.current_terms_version)?;
    let headers = [
        "指標 metric",
        "指標名 metric name",
        "支払時期 tranche",
        "実績値 value",
        "分子 numerator",
        "分母 denominator",
        "達成日 achieved on",
        "根拠 evidence",
        "状態 status",
        "入力日時 entered at",
        "検証日時 reviewed at",
        "訂正理由 correction reason",
    ]
    .map(str::to_owned)
    .to_vec();
    let status = |s: &str| match s {
        "draft" => "下書き draft",
        "submitted" => "検証待ち submitted",
        "verified" => "検証済み verified",
        "rejected" => "差戻し rejected",
        _ => "",
    };
    let rows = records
        .into_iter()
        .map(|r| {
            let name = contract
                .metric(&r.metric)
                .map_or_else(String::new, |m| format!("{} / {}", m.name.ja, m.name.en));
            vec![
                Cell::Text(r.metric),
                Cell::Text(name),
                r.tranche.map_or(Cell::Empty, Cell::Text),
                optional_number(&r.value),
                optional_number(&r.numerator),
                optional_number(&r.denominator),
                r.achieved_on.map_or(Cell::Empty, Cell::Date),
                r.evidence.map_or(Cell::Empty, Cell::Text),
                Cell::Text(
                    if r.superseded_at.is_some() {
                        "訂正済み superseded"
                    } else {
                        status(r.status.as_str())
                    }
                    .to_owned(),
                ),
                Cell::Text(r.entered_at.format("%Y-%m-%d %H:%M").to_string()),
                r.reviewed_at.map_or(Cell::Empty, |t| {
                    Cell::Text(t.format("%Y-%m-%d %H:%M").to_string())
                }),
                r.correction_reason.map_or(Cell::Empty, Cell::Text),
            ]
        })
        .collect();
    render(
        Report { headers, rows },
        params,
        &format!("{}-outcome-data", project.code),
        "成果データ outcome data",
    )
}

/// The investor dashboard as a table: one row per project, in each project's currency.
pub fn investor_dashboard(
    conn: &mut DbConn,
    actor: &Actor,
    params: &DownloadParams,
) -> AppResult<Download> {
    let dash = super::dashboards::investor(conn, actor)?;
    let headers = [
        "事業 project",
        "通貨 currency",
        "コミットメント額 committed",
        "実行額 drawn",
        "未実行額 undrawn",
        "分配算定額 distributions computed",
        "分配未払額 distributions due",
        "分配受領額 distributions paid",
        "元本残高 outstanding principal",
        "DPI",
        "投資倍率 money multiple",
        "IRR（実現）realised IRR",
        "IRR（見込み）projected IRR",
        "次回支払予定日 next payment",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = dash
        .projects
        .into_iter()
        .map(|p| {
            vec![
                Cell::Text(p.title_ja),
                Cell::Text(p.currency),
                number(&p.committed),
                number(&p.drawn),
                number(&p.undrawn),
                number(&p.distributions_computed),
                number(&p.distributions_due),
                number(&p.distributions_paid),
                number(&p.outstanding_principal),
                optional_number(&p.dpi),
                optional_number(&p.money_multiple),
                optional_number(&p.irr),
                optional_number(&p.projected_irr),
                p.next_payment_on.map_or(Cell::Empty, Cell::Date),
            ]
        })
        .collect();
    render(
        Report { headers, rows },
        params,
        "investments",
        "投資一覧 investments",
    )
}

/// The government dashboard as a table: one row per project, in each project's currency.
pub fn government_dashboard(
    conn: &mut DbConn,
    actor: &Actor,
    params: &DownloadParams,
) -> AppResult<Download> {
    let dash = super::dashboards::government(conn, actor)?;
    let headers = [
        "事業 project",
        "通貨 currency",
        "支払上限額 cap",
        "算定額 computed",
        "請求額 claimed",
        "検査合格額 accepted",
        "支払済額 paid",
        "上限額のうち未達成の割合 share of the cap not yet earned",
        "検証待ち awaiting verification",
        "対応待ちの請求 claims waiting",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = dash
        .projects
        .into_iter()
        .map(|p| {
            vec![
                Cell::Text(p.title_ja),
                Cell::Text(p.currency),
                optional_number(&p.cap),
                number(&p.computed),
                number(&p.claimed),
                number(&p.accepted),
                number(&p.paid),
                optional_number(&p.share_at_risk),
                Cell::Number(Decimal::from(p.awaiting_verification)),
                Cell::Number(Decimal::from(p.claims_waiting.len())),
            ]
        })
        .collect();
    render(
        Report { headers, rows },
        params,
        "outcome-contracts",
        "契約一覧 contracts",
    )
}
