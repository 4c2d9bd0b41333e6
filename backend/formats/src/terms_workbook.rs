//! Contract terms as an Excel workbook laid out as municipalities circulate them: 成果水準書 (the
//! metrics with baselines, targets and caps), 支払条件表 (every parameter of every payment
//! component, caps and conditions included, one per row), 支払期, 支払者, 予算, 投資 and 分配順位,
//! then a sheet `seika` that holds the contract's structure.
//!
//! Officers change values in Excel and load the workbook back: each row names what it sets (an id
//! and a key), the structure sheet supplies everything else, and every problem is reported by
//! sheet, row and column. Adding or removing parts (a component, a rule type) is the editor's job;
//! a row naming a part the structure does not have is refused, not guessed.
//!
//! Amounts and rates are written as numbers (what Excel users expect); a numeric cell is read back
//! as the shortest decimal that round-trips, which is the decimal written for any amount or rate
//! of up to 15 significant digits, and a value equal to the one in the structure keeps its text.

use seika_core::message::{Msg, Place};
use seika_core::msg;
use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::sheet::{self, SheetLimits, Table};
use seika_core::contract::Issue;

pub const STRUCTURE_SHEET: &str = "seika";
const OVERVIEW: &str = "概要";
const METRICS: &str = "成果水準書";
const COMPONENTS: &str = "支払条件表";
const TRANCHES: &str = "支払期";
const PAYERS: &str = "支払者";
const BUDGET: &str = "予算";
const INVESTMENTS: &str = "投資";
const WATERFALL: &str = "分配順位";

/// The lists written as sheets of their own; everything else is on the overview.
const LISTS: [&str; 8] = [
    "metrics",
    "components",
    "tranches",
    "payers",
    "budget",
    "investments",
    "waterfall",
    "schema",
];

const MONEY_KEYS: [&str; 13] = [
    "cap_per_participant_per_year",
    "principal",
    "amount",
    "max_amount",
    "cap",
    "price",
    "committed",
    "max_payment",
    "max_total_payment",
    "switch_after",
    "cap_per_participant",
    "price_per_period",
    "unit_price",
];
const RATE_KEYS: [&str; 11] = [
    "top_up",
    "annual_return",
    "share",
    "share_before",
    "share_after",
    "floor_ratio",
    "weight",
    "annual_rate",
    "max_redemption_rate",
    "at_share",
    "rate",
];
/// Values on a metric's scale: a percentage where the metric is a rate.
const METRIC_VALUE_KEYS: [&str; 7] = [
    "target", "baseline", "at_least", "at_most", "none_at", "full_at", "at",
];
const DATE_KEYS: [&str; 9] = [
    "from",
    "due_on",
    "outcomes_from",
    "outcomes_until",
    "signed_on",
    "service_start",
    "service_end",
    "on",
    "achieved_on",
];

/// The Japanese word for a key, for the label columns (the key itself stays beside it).
fn label(key: &str) -> &'static str {
    match key {
        "code" => "事業コード",
        "ja" => "日本語",
        "en" => "英語",
        "title" => "事業名",
        "target_population" => "対象者",
        "currency" => "通貨",
        "rounding" => "端数処理",
        "unit" => "単位",
        "mode" => "方法",
        "max_total_payment" => "支払上限額",
        "dates" => "日付",
        "signed_on" => "契約締結日",
        "service_start" => "事業開始日",
        "service_end" => "事業終了日",
        "name" => "名称",
        "tranche" => "支払期",
        "payer" => "支払者",
        "cap" => "上限額",
        "cap_per_count" => "数1あたりの上限",
        "outcome_contingent" => "成果連動",
        "conditions" => "条件",
        "metric" => "指標",
        "at_least" => "以上",
        "at_most" => "以下",
        "rule" => "支払ルール",
        "type" => "種類",
        "amount" => "金額",
        "milestone" => "マイルストーン",
        "milestone_name" => "マイルストーンの名称",
        "target" => "目標値",
        "baseline" => "基準値",
        "max_amount" => "上限額",
        "floor_ratio" => "支払下限の達成度",
        "none_at" => "支払ゼロの値",
        "full_at" => "満額の値",
        "steps" => "段階",
        "at" => "値",
        "outcomes" => "成果",
        "outcome" => "成果",
        "price" => "単価",
        "max_per_participant" => "1人あたり回数",
        "min_days_between" => "支払の最短間隔（日）",
        "waiting_days" => "請求までの待機期間（日）",
        "cap_per_participant" => "1人あたり上限",
        "cap_per_participant_per_year" => "1人・1年度あたり上限",
        "state" => "状態",
        "price_per_period" => "1期間あたり単価",
        "max_periods_per_participant" => "1人あたり最大期間数",
        "effect" => "効果の測り方",
        "blend" => "推定値の加重",
        "source" => "出所",
        "weight" => "重み",
        "pay" => "支払方法",
        "per_participant" => "人数を掛ける",
        "share_before" => "切替前の割合",
        "share_after" => "切替後の割合",
        "switch_after" => "切替額",
        "net_of" => "既払額を控除する支払項目",
        "top_up" => "上乗せ割合",
        "coupon_steps" => "成果連動の利率",
        "switch_after_return" => "元本と利回りの回収で切替",
        "principal" => "投資元本",
        "annual_return" => "年利回り",
        "from" => "起算日",
        "investor" => "投資家",
        "instrument" => "資金の種類",
        "committed" => "約定額",
        "drawdowns" => "資金拠出",
        "on" => "日付",
        "annual_rate" => "年利",
        "covers" => "保証の範囲",
        "share" => "割合",
        "investments" => "対象の投資",
        "units" => "口数販売",
        "count" => "口数",
        "unit_price" => "1口の金額",
        "remainder" => "端数処理",
        "max_redemption_rate" => "最大償還率",
        "redemption_steps" => "償還率の段階",
        "at_share" => "受取割合",
        "rate" => "率",
        "class" => "区分",
        "recipient" => "受取者",
        "fiscal_year" => "年度",
        "due_on" => "支払日",
        "outcomes_from" => "成果対象期間（開始）",
        "outcomes_until" => "成果対象期間（終了）",
        "max_payment" => "上限額",
        "definition" => "定義",
        "data_source" => "データの出所",
        "measurement_method" => "測定方法",
        "direction" => "方向",
        "invoicing" => "請求",
        "data_checks" => "データ確認",
        _ => "",
    }
}

/// "rule.steps[1].amount" → "支払ルール › 段階 2 › 金額".
pub(crate) fn path_label(path: &str) -> String {
    path.split('.')
        .map(|part| {
            let (key, index) = match part.find('[') {
                Some(i) => (
                    &part[..i],
                    part[i + 1..].trim_end_matches(']').parse::<usize>().ok(),
                ),
                None => (part, None),
            };
            let word = match label(key) {
                "" => key,
                w => w,
            };
            match index {
                Some(i) => format!("{word} {}", i + 1),
                None => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" › ")
}

/// The scalar leaves of a value with their paths (`rule.steps[0].at`), in order.
pub(crate) fn leaves(value: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &format!("{prefix}[{i}]"), out);
            }
        }
        leaf => out.push((prefix.to_owned(), leaf.clone())),
    }
}

fn last_key(path: &str) -> &str {
    let key = path.rsplit('.').next().unwrap_or(path);
    key.split('[').next().unwrap_or(key)
}

#[derive(Clone)]
enum Out {
    Text(String),
    Money(f64),
    Percent(f64),
    Number(f64),
    Date(chrono::NaiveDate),
    Empty,
}

/// How a leaf is written: amounts and rates as numbers, dates as dates, the rest as text.
fn out_cell(key: &str, value: &Value, rate_metric: bool) -> Out {
    use rust_decimal::prelude::ToPrimitive;
    let text = match value {
        Value::Null => return Out::Empty,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let decimal = || Decimal::from_str(&text).ok().and_then(|d| d.to_f64());
    if MONEY_KEYS.contains(&key) {
        if let Some(n) = decimal() {
            return Out::Money(n);
        }
    } else if RATE_KEYS.contains(&key) || (rate_metric && METRIC_VALUE_KEYS.contains(&key)) {
        if let Some(n) = decimal() {
            return Out::Percent(n);
        }
    } else if METRIC_VALUE_KEYS.contains(&key) {
        if let Some(n) = decimal() {
            return Out::Number(n);
        }
    } else if DATE_KEYS.contains(&key) {
        // Excel's dates run from 1900 to 9999; other years stay text.
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            use chrono::Datelike;
            if (1900..=9999).contains(&d.year()) {
                return Out::Date(d);
            }
        }
    }
    Out::Text(text)
}

struct SheetOut {
    name: &'static str,
    headers: Vec<String>,
    rows: Vec<Vec<Out>>,
}

fn rate_metrics(terms: &Value) -> Vec<String> {
    terms["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["unit"] == "rate")
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect()
}

/// A table sheet: one row per item, one column per key.
fn table_sheet(
    name: &'static str,
    items: &Value,
    columns: &[(&str, &str)],
    rate: impl Fn(&Value) -> bool,
) -> SheetOut {
    let headers = columns
        .iter()
        .map(|(key, word)| format!("{word} ({key})"))
        .collect();
    let rows = items
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            columns
                .iter()
                .map(|(key, _)| {
                    let value = key.split('.').fold(item, |v, k| match v {
                        // A name in one text stands in both language columns.
                        Value::String(_) if k == "ja" || k == "en" => v,
                        _ => v.get(k).unwrap_or(&Value::Null),
                    });
                    out_cell(last_key(key), value, rate(item))
                })
                .collect()
        })
        .collect();
    SheetOut {
        name,
        headers,
        rows,
    }
}

/// A parameter sheet: one row per value of each item (`id`, label, key, value).
fn parameter_sheet(
    name: &'static str,
    item_header: &str,
    items: &Value,
    id_of: impl Fn(usize, &Value) -> String,
    rate_metrics: &[String],
) -> SheetOut {
    let mut rows = Vec::new();
    for (i, item) in items.as_array().into_iter().flatten().enumerate() {
        let id = id_of(i, item);
        let mut values = Vec::new();
        leaves(item, "", &mut values);
        for (path, value) in values {
            if path == "id" {
                continue;
            }
            // The metric a value is on: the condition's own, else the rule's.
            let owner = match path.rfind('.') {
                Some(dot) => path[..dot]
                    .split('.')
                    .fold(item, |v, part| match part.find('[') {
                        Some(b) => {
                            &v[&part[..b]][part[b + 1..]
                                .trim_end_matches(']')
                                .parse::<usize>()
                                .unwrap_or(0)]
                        }
                        None => &v[part],
                    }),
                None => item,
            };
            let metric = owner["metric"]
                .as_str()
                .or_else(|| item["rule"]["metric"].as_str())
                .unwrap_or_default();
            let rate = rate_metrics.iter().any(|m| m == metric);
            rows.push(vec![
                Out::Text(id.clone()),
                Out::Text(path_label(&path)),
                Out::Text(path.clone()),
                out_cell(last_key(&path), &value, rate),
            ]);
        }
    }
    SheetOut {
        name,
        headers: vec![
            item_header.to_owned(),
            "項目 (label)".into(),
            "キー (key)".into(),
            "値 (value)".into(),
        ],
        rows,
    }
}

/// The workbook for terms (the contract format as JSON).
pub fn write(terms: &Value) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let formats = Formats {
        bold: Format::new().set_bold(),
        money: Format::new().set_num_format("#,##0"),
        percent: Format::new().set_num_format("0.0##%"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
    };
    for s in &sheets_of(terms) {
        write_sheet(&mut workbook, s, &formats)?;
    }
    write_structure(&mut workbook, terms, &formats.bold)?;
    workbook.save_to_buffer()
}

/// The cell formats of a written workbook.
struct Formats {
    bold: rust_xlsxwriter::Format,
    money: rust_xlsxwriter::Format,
    percent: rust_xlsxwriter::Format,
    date: rust_xlsxwriter::Format,
}

/// The sheets people edit: the overview, then one table or parameter sheet per list.
fn sheets_of(terms: &Value) -> Vec<SheetOut> {
    let rates = rate_metrics(terms);
    let mut overview = Vec::new();
    if let Some(map) = terms.as_object() {
        for (k, v) in map {
            if !LISTS.contains(&k.as_str()) {
                leaves(v, k, &mut overview);
            }
        }
    }
    let id = |_: usize, item: &Value| item["id"].as_str().unwrap_or_default().to_owned();
    vec![
        SheetOut {
            name: OVERVIEW,
            headers: vec![
                "項目 (label)".into(),
                "キー (key)".into(),
                "値 (value)".into(),
            ],
            rows: overview
                .into_iter()
                .map(|(path, value)| {
                    vec![
                        Out::Text(path_label(&path)),
                        Out::Text(path.clone()),
                        out_cell(last_key(&path), &value, false),
                    ]
                })
                .collect(),
        },
        table_sheet(
            METRICS,
            &terms["metrics"],
            &[
                ("id", "指標ID"),
                ("name.ja", "指標名"),
                ("name.en", "Metric"),
                ("unit", "単位"),
                ("direction", "方向"),
                ("baseline", "基準値"),
                ("target", "目標値"),
                ("cap", "上限額"),
                ("definition", "定義"),
                ("data_source", "データの出所"),
                ("measurement_method", "測定方法"),
            ],
            |m| m["unit"] == "rate",
        ),
        parameter_sheet(
            COMPONENTS,
            "支払項目ID (component)",
            &terms["components"],
            id,
            &rates,
        ),
        table_sheet(
            TRANCHES,
            &terms["tranches"],
            &[
                ("id", "支払期ID"),
                ("name.ja", "名称"),
                ("name.en", "Name"),
                ("due_on", "支払日"),
                ("outcomes_from", "成果対象期間（開始）"),
                ("outcomes_until", "成果対象期間（終了）"),
                ("cap", "上限額"),
                ("cap_per_count.metric", "数1あたり上限の指標"),
                ("cap_per_count.amount", "数1あたり上限額"),
            ],
            |_| false,
        ),
        table_sheet(
            PAYERS,
            &terms["payers"],
            &[
                ("id", "支払者ID"),
                ("name", "名称"),
                ("share", "負担割合"),
                ("max_payment", "上限額"),
                ("top_up", "上乗せ割合"),
            ],
            |_| false,
        ),
        table_sheet(
            BUDGET,
            &terms["budget"],
            &[("fiscal_year", "年度"), ("amount", "予算額")],
            |_| false,
        ),
        parameter_sheet(
            INVESTMENTS,
            "投資ID (investment)",
            &terms["investments"],
            id,
            &rates,
        ),
        parameter_sheet(
            WATERFALL,
            "順位 (step)",
            &terms["waterfall"],
            |i, _| (i + 1).to_string(),
            &rates,
        ),
    ]
}

/// One sheet: bold headers, then its rows, each cell in its format.
fn write_sheet(
    workbook: &mut rust_xlsxwriter::Workbook,
    s: &SheetOut,
    formats: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(s.name)?;
    for (c, h) in s.headers.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, h, &formats.bold)?;
        sheet.set_column_width(c, 22)?;
    }
    for (r, row) in s.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            write_cell(sheet, (r, c), cell, formats)?;
        }
    }
    Ok(())
}

fn write_cell(
    sheet: &mut rust_xlsxwriter::Worksheet,
    (r, c): (u32, u16),
    cell: &Out,
    formats: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::ExcelDateTime;
    let (money, percent, date) = (&formats.money, &formats.percent, &formats.date);
    match cell {
        Out::Text(t) => {
            sheet.write_string(r, c, t)?;
        }
        Out::Money(n) => {
            sheet.write_number_with_format(r, c, *n, money)?;
        }
        Out::Percent(n) => {
            sheet.write_number_with_format(r, c, *n, percent)?;
        }
        Out::Number(n) => {
            sheet.write_number(r, c, *n)?;
        }
        Out::Date(d) => {
            use chrono::Datelike;
            let day = ExcelDateTime::from_ymd(
                u16::try_from(d.year()).unwrap_or(1900),
                u8::try_from(d.month()).unwrap_or(1),
                u8::try_from(d.day()).unwrap_or(1),
            )?;
            sheet.write_datetime_with_format(r, c, &day, date)?;
        }
        Out::Empty => {}
    }
    Ok(())
}

/// The structure: the terms as JSON in pieces under Excel's limit per cell.
fn write_structure(
    workbook: &mut rust_xlsxwriter::Workbook,
    terms: &Value,
    bold: &rust_xlsxwriter::Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(STRUCTURE_SHEET)?;
    sheet.write_string_with_format(
        0,
        0,
        "Seika: the contract's structure; do not edit (契約の構造。編集しないでください)",
        bold,
    )?;
    let text = terms.to_string();
    let chars: Vec<char> = text.chars().collect();
    for (i, piece) in chars.chunks(30_000).enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_string(r, 0, piece.iter().collect::<String>())?;
    }
    Ok(())
}

/// Terms read back from a workbook, with where each value came from (for reporting problems
/// found later by the terms' own checks).
#[derive(Debug)]
pub struct Imported {
    pub terms: Value,
    /// JSON path (`components[2].rule.max_amount`) → place (`sheet 支払条件表, row 5, column 値`).
    places: BTreeMap<String, Place>,
}

impl Imported {
    /// The place of the value at `path`, or of the nearest enclosing part read from the workbook.
    pub fn place_of(&self, path: &str) -> Option<&Place> {
        let mut path = path.to_owned();
        loop {
            if let Some(place) = self.places.get(&path) {
                return Some(place);
            }
            let cut = path.rfind(['.', '['])?;
            path.truncate(cut);
        }
    }
}

/// Splits `rule.steps[1].amount` into parts: keys and indexes.
enum Part {
    Key(String),
    Index(usize),
}

fn parts(path: &str) -> Option<Vec<Part>> {
    let mut out = Vec::new();
    for segment in path.split('.') {
        let (key, rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if key.is_empty() {
            return None;
        }
        out.push(Part::Key(key.to_owned()));
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            out.push(Part::Index(index.trim_end_matches(']').parse().ok()?));
        }
    }
    Some(out)
}

/// The value at a path, created as an object member when `create` and the parent exists.
fn slot<'a>(root: &'a mut Value, path: &[Part], create: bool) -> Option<&'a mut Value> {
    let mut at = root;
    for (i, part) in path.iter().enumerate() {
        let last = i == path.len() - 1;
        at = match part {
            Part::Key(k) => {
                let map = at.as_object_mut()?;
                if !(map.contains_key(k) || (create && last)) {
                    return None;
                }
                map.entry(k.clone()).or_insert(Value::Null)
            }
            Part::Index(n) => at.as_array_mut()?.get_mut(*n)?,
        };
    }
    Some(at)
}

/// The value a cell sets, typed like the value it replaces (or by its key). `None`: remove it.
fn cell_value(key: &str, old: &Value, text: &str) -> Result<Option<Value>, Msg> {
    if text.is_empty() {
        return Ok(None);
    }
    if key == "fiscal_year" {
        // 2024, 2024年度, 令和6年度, R6: the editor's reader of fiscal years.
        return match sheet::fiscal_year(text) {
            Ok(Some(year)) => Ok(Some(Value::from(year))),
            _ => Err(msg!(
                "figure.fiscal_year",
                "a fiscal year such as 2024, 2024年度, 令和6年度 or R6",
                "2024、2024年度、令和6年度、R6 のような年度"
            )),
        };
    }
    if old.is_number()
        || matches!(
            key,
            "fiscal_year"
                | "count"
                | "max_per_participant"
                | "max_periods_per_participant"
                | "min_days_between"
                | "waiting_days"
        )
    {
        return match sheet::number(text) {
            Ok(Some((n, _))) if n.fract().is_zero() => {
                let n: i64 = n.trunc().to_string().parse().map_err(|_| whole_number())?;
                Ok(Some(Value::from(n)))
            }
            _ => Err(whole_number()),
        };
    }
    if old.is_boolean() || key == "outcome_contingent" || key == "per_participant" {
        return match text.to_lowercase().as_str() {
            "true" | "はい" | "yes" | "1" => Ok(Some(Value::Bool(true))),
            "false" | "いいえ" | "no" | "0" => Ok(Some(Value::Bool(false))),
            _ => Err(msg!(
                "workbook.boolean",
                "TRUE or FALSE",
                "TRUE（はい）または FALSE（いいえ）"
            )),
        };
    }
    if MONEY_KEYS.contains(&key)
        || RATE_KEYS.contains(&key)
        || METRIC_VALUE_KEYS.contains(&key)
        || (key == "unit" && old.as_str().is_some_and(|s| Decimal::from_str(s).is_ok()))
    {
        // The editor's reader: amounts with 円 or 万円, rates written with %.
        let read = if MONEY_KEYS.contains(&key) {
            crate::figures::amount(text)
        } else {
            crate::figures::with_percent_sign(text)
                .or_else(|| sheet::number(text).ok().flatten().map(|(n, _)| n))
        };
        let Some(n) = read else {
            return Err(msg!(
                "workbook.number",
                "a number such as 1000000 or 0.8",
                "1000000 や 0.8 のような数値"
            ));
        };
        // The structure's own text where the value did not change ("0.80" stays "0.80").
        if old.as_str().and_then(|s| Decimal::from_str(s).ok()) == Some(n) {
            return Ok(Some(old.clone()));
        }
        return Ok(Some(Value::String(n.normalize().to_string())));
    }
    if DATE_KEYS.contains(&key) {
        return match sheet::date(text) {
            Ok(Some((d, _))) => Ok(Some(Value::String(d.to_string()))),
            _ => Err(msg!(
                "workbook.date",
                "a date such as 2026-04-01 or 令和8年4月1日",
                "2026-04-01 や 令和8年4月1日 のような日付"
            )),
        };
    }
    Ok(Some(Value::String(text.to_owned())))
}

fn whole_number() -> Msg {
    msg!("workbook.whole_number", "a whole number", "整数")
}

/// The column of a header by its key (the text in parentheses), if the sheet has it.
fn column(table: &Table, key: &str) -> Option<usize> {
    table
        .headers
        .iter()
        .position(|h| sheet::header_matches(h, key))
}

/// Sets the value at `path` from a cell's text, or names what was expected at `place`.
struct Overlay {
    issues: Vec<Issue>,
    places: BTreeMap<String, Place>,
}

impl Overlay {
    fn set(&mut self, terms: &mut Value, path: String, text: &str, place: Place, create: bool) {
        set_cell(terms, &path, text, &place, create, &mut self.issues);
        self.places.insert(path, place);
    }
}

fn set_cell(
    terms: &mut Value,
    path: &str,
    text: &str,
    place: &Place,
    create: bool,
    issues: &mut Vec<Issue>,
) {
    let Some(parsed) = parts(path) else {
        issues.push(Issue::new(
            place,
            msg!(
                "workbook.key",
                "a key Seika wrote",
                "Seika が書き出したキー"
            ),
        ));
        return;
    };
    // An empty cell for a value the terms do not hold leaves them as they are: no empty object
    // is made for an optional part (a tranche's cap per one counted) that is not there.
    if text.trim().is_empty() && slot(terms, &parsed, false).is_none_or(|v| v.is_null()) {
        return;
    }
    let key = last_key(path);
    if let [.., Part::Key(name), Part::Key(lang)] = parsed.as_slice()
        && (name == "name" || name == "milestone_name")
        && (lang == "ja" || lang == "en")
        && let Some(holder) = slot(terms, &parsed[..parsed.len() - 1], true)
        && !holder.is_object()
    {
        // A one-text name stays one text while the cell still says it.
        let current = holder.as_str().unwrap_or_default().to_owned();
        if current == text {
            return;
        }
        *holder = serde_json::json!({"ja": current, "en": current});
    }
    let Some(target) = slot(terms, &parsed, create) else {
        issues.push(Issue::new(
            place,
            msg!(
                "workbook.structure_key",
                "a key of the contract's structure (new parts are added in Seika's editor)",
                "契約の構成にあるキー（新しい部分は Seika の編集画面で追加します）"
            ),
        ));
        return;
    };
    match cell_value(key, target, text) {
        Ok(Some(value)) => *target = value,
        Ok(None) => {
            // An emptied cell removes the value (an optional cap, a note).
            if let (Some(Part::Key(k)), Some(Value::Object(map))) = (
                parsed.last(),
                slot(terms, &parsed[..parsed.len() - 1], false),
            ) {
                map.remove(k);
            }
        }
        Err(expected) => issues.push(Issue::new(place, expected)),
    }
}

/// Reads a workbook written by [`write`] (and edited): the structure sheet, overlaid with every
/// value of the other sheets, within `limits`. Problems name their sheet, row and column.
pub fn read(bytes: &[u8], limits: &SheetLimits) -> Result<Imported, Vec<Issue>> {
    let tables = Table::read_xlsx_sheets(bytes, limits).map_err(|e| vec![e])?;
    let find = |name: &str| tables.iter().find(|t| t.sheet.as_deref() == Some(name));
    let mut terms = structure(find(STRUCTURE_SHEET))?;
    let mut o = Overlay {
        issues: Vec::new(),
        places: BTreeMap::new(),
    };
    // The overview: key, value.
    if let Some(t) = find(OVERVIEW)
        && let (Some(k), Some(v)) = (column(t, "key"), column(t, "value"))
    {
        o.overview(&mut terms, t, (k, v));
    }
    for (name, list, keys) in TABLES {
        if let Some(t) = find(name) {
            o.table(&mut terms, t, (name, list), keys);
        }
    }
    // The budget: the sheet's rows replace it.
    if let Some(t) = find(BUDGET)
        && let (Some(y), Some(a)) = (column(t, "fiscal_year"), column(t, "amount"))
    {
        o.budget(&mut terms, t, (y, a));
    }
    for (name, list, by_number) in [
        (COMPONENTS, "components", false),
        (INVESTMENTS, "investments", false),
        (WATERFALL, "waterfall", true),
    ] {
        if let Some(t) = find(name) {
            o.parameters(&mut terms, t, (name, list), by_number);
        }
    }
    if o.issues.is_empty() {
        Ok(Imported {
            terms,
            places: o.places,
        })
    } else {
        Err(o.issues)
    }
}

/// The terms as Seika wrote them on the structure sheet (an object, unchanged).
fn structure(structure: Option<&Table>) -> Result<Value, Vec<Issue>> {
    let Some(structure) = structure else {
        return Err(vec![Issue::new(
            Place::sheet(STRUCTURE_SHEET),
            msg!(
                "workbook.structure_sheet",
                "the sheet with the contract's structure, as Seika writes it (download the workbook from Seika, edit it, load it back)",
                "Seika が書き出した形の契約構成シート（Seika からブックをダウンロードし、編集して読み込んでください）"
            ),
        )]);
    };
    let json: String = structure
        .rows
        .iter()
        .map(|r| r.cells.first().cloned().unwrap_or_default())
        .collect();
    let terms: Value = serde_json::from_str(&json).map_err(|_| {
        vec![Issue::new(
            Place::sheet(STRUCTURE_SHEET),
            msg!(
                "workbook.structure_changed",
                "the contract's structure as Seika wrote it, unchanged",
                "Seika が書き出したままの契約構成"
            ),
        )]
    })?;
    if !terms.is_object() {
        return Err(vec![Issue::new(
            Place::sheet(STRUCTURE_SHEET),
            msg!(
                "workbook.structure_changed",
                "the contract's structure as Seika wrote it, unchanged",
                "Seika が書き出したままの契約構成"
            ),
        )]);
    }
    Ok(terms)
}

/// Tables: one row per item, found by its id, with the keys people may edit.
const TABLES: [(&str, &str, &[&str]); 3] = [
    (
        METRICS,
        "metrics",
        &[
            "name.ja",
            "name.en",
            "baseline",
            "target",
            "cap",
            "definition",
            "data_source",
            "measurement_method",
        ],
    ),
    (
        TRANCHES,
        "tranches",
        &[
            "name.ja",
            "name.en",
            "due_on",
            "outcomes_from",
            "outcomes_until",
            "cap",
            "cap_per_count.metric",
            "cap_per_count.amount",
        ],
    ),
    (
        PAYERS,
        "payers",
        &["name", "share", "max_payment", "top_up"],
    ),
];

impl Overlay {
    /// The overview's rows: a key of the terms and its value.
    fn overview(&mut self, terms: &mut Value, t: &Table, (k, v): (usize, usize)) {
        for row in &t.rows {
            let key = row.cells[k].clone();
            if key.is_empty() || LISTS.iter().any(|l| key.starts_with(l)) {
                self.issues.push(Issue::new(
                    t.place(row.number, &t.headers[k]),
                    msg!(
                        "workbook.overview_key",
                        "a key of the overview",
                        "概要シートのキー"
                    ),
                ));
                continue;
            }
            self.set(
                terms,
                key,
                &row.cells[v],
                t.place(row.number, &t.headers[v]),
                true,
            );
        }
    }

    /// A table sheet: each row's values set on the item with its id.
    fn table(&mut self, terms: &mut Value, t: &Table, (name, list): (&str, &str), keys: &[&str]) {
        let Some(id_col) = column(t, "id") else {
            self.issues.push(Issue::new(
                Place::sheet(name),
                msg!("workbook.column_id", "a column id", "列 id"),
            ));
            return;
        };
        for row in &t.rows {
            let id = &row.cells[id_col];
            let index = terms[list]
                .as_array()
                .and_then(|items| items.iter().position(|x| x["id"].as_str() == Some(id)));
            let Some(index) = index else {
                self.issues.push(Issue::new(
                    t.place(row.number, &t.headers[id_col]),
                    {
 let list_ja = name;
msg!(
                        "workbook.unknown_id",
                        "the id of one of the contract's {list} (new ones are added in Seika's editor)",
                        "「{list_ja}」にある ID（新しいものは Seika の編集画面で追加します）"
                    )
},
                ));
                continue;
            };
            self.places.insert(list.to_owned(), Place::sheet(name));
            self.places
                .insert(format!("{list}[{index}]"), t.place_row(row.number));
            for key in keys {
                if let Some(c) = column(t, key) {
                    self.set(
                        terms,
                        format!("{list}[{index}].{key}"),
                        &row.cells[c],
                        t.place(row.number, &t.headers[c]),
                        true,
                    );
                }
            }
        }
    }

    /// The budget: the sheet's rows replace it.
    fn budget(&mut self, terms: &mut Value, t: &Table, (y, a): (usize, usize)) {
        let mut lines = Vec::new();
        for row in &t.rows {
            let mut line = Map::new();
            line.insert("fiscal_year".into(), Value::Null);
            line.insert("amount".into(), Value::String(String::new()));
            let mut line = Value::Object(line);
            let path = format!("budget[{}]", lines.len());
            for (key, c) in [("fiscal_year", y), ("amount", a)] {
                match cell_value(key, &line[key], &row.cells[c]) {
                    Ok(Some(v)) => line[key] = v,
                    Ok(None) => {}
                    Err(expected) => self
                        .issues
                        .push(Issue::new(t.place(row.number, &t.headers[c]), expected)),
                }
                self.places
                    .insert(format!("{path}.{key}"), t.place(row.number, &t.headers[c]));
            }
            self.places.insert(path, t.place_row(row.number));
            lines.push(line);
        }
        terms["budget"] = Value::Array(lines);
    }

    /// A parameter sheet: one row per value, found by the item's id (or step number) and key.
    fn parameters(
        &mut self,
        terms: &mut Value,
        t: &Table,
        (name, list): (&str, &str),
        by_number: bool,
    ) {
        let item_col = 0;
        let (Some(k), Some(v)) = (column(t, "key"), column(t, "value")) else {
            self.issues.push(Issue::new(
                Place::sheet(name),
                msg!(
                    "workbook.columns",
                    "the columns Seika wrote (id, key, value)",
                    "Seika が書き出した列（id, key, value）"
                ),
            ));
            return;
        };
        for row in &t.rows {
            let item = &row.cells[item_col];
            let index = if by_number {
                item.parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .filter(|n| terms[list].as_array().is_some_and(|a| *n < a.len()))
            } else {
                terms[list]
                    .as_array()
                    .and_then(|items| items.iter().position(|x| x["id"].as_str() == Some(item)))
            };
            let Some(index) = index else {
                self.issues
                    .push(Issue::new(t.place(row.number, &t.headers[item_col]), {
                        let list_ja = name;
                        msg!(
                            "workbook.unknown_item",
                            "one of the contract's {list} (new ones are added in Seika's editor)",
                            "「{list_ja}」にあるもの（新しいものは Seika の編集画面で追加します）"
                        )
                    }));
                continue;
            };
            self.places.insert(list.to_owned(), Place::sheet(name));
            let key = &row.cells[k];
            self.set(
                terms,
                format!("{list}[{index}].{key}"),
                &row.cells[v],
                t.place(row.number, &t.headers[v]),
                false,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_labelled_in_japanese() {
        assert_eq!(
            path_label("rule.steps[1].amount"),
            "支払ルール › 段階 2 › 金額"
        );
        assert_eq!(path_label("unknown_key"), "unknown_key");
    }

    #[test]
    fn an_unchanged_value_keeps_its_text_and_a_changed_one_is_exact() {
        let old = Value::String("0.80".into());
        assert_eq!(
            cell_value("target", &old, "0.8").unwrap(),
            Some(old.clone())
        );
        assert_eq!(
            cell_value("target", &old, "0.75").unwrap(),
            Some(Value::String("0.75".into()))
        );
        assert_eq!(
            cell_value("amount", &Value::String("1".into()), "7,860,000").unwrap(),
            Some(Value::String("7860000".into()))
        );
        assert_eq!(
            cell_value("due_on", &Value::Null, "令和2年9月30日").unwrap(),
            Some(Value::String("2020-09-30".into()))
        );
        assert!(cell_value("amount", &Value::Null, "lots").is_err());
        // The same reader as the editor's: 万円, %, era fiscal years.
        assert_eq!(
            cell_value("amount", &Value::Null, "3,406万円").unwrap(),
            Some(Value::String("34060000".into()))
        );
        assert_eq!(
            cell_value("target", &Value::Null, "75%").unwrap(),
            Some(Value::String("0.75".into()))
        );
        assert_eq!(
            cell_value("fiscal_year", &Value::from(2019), "令和6年度").unwrap(),
            Some(Value::from(2024))
        );
        assert_eq!(cell_value("cap", &Value::Null, "").unwrap(), None);
    }
}
