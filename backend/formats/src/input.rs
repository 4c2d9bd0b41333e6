//! Reading contract and outcome files: JSON (errors name the JSON path or line and column) and
//! CSV (UTF-8 with or without BOM, or Shift_JIS/CP932; dates as 2024-04-01 or 2024/04/01).

use seika_core::message::{Msg, Place};
use seika_core::msg;
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use seika_core::contract::{Contract, Issue};
use seika_core::outcomes::{MetricResult, OUTCOMES_SCHEMA, Outcomes};

/// Parses JSON, reporting syntax errors by line and column and data errors by JSON path.
/// Fractional JSON numbers are refused anywhere: they would pass through a float, so amounts and
/// rates must be decimal strings ("0.329"); whole numbers are exact and accepted.
pub fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Issue> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        Issue::new(
            Place {
                en: format!("line {} column {}", e.line(), e.column()),
                ja: format!("{} 行目 {} 文字目", e.line(), e.column()),
            },
            msg!(
                "input.json",
                "valid JSON ({message})",
                "正しい JSON（{message}）"
            ),
        )
    })?;
    if let Some(path) = first_float(&value, String::new()) {
        return Err(Issue::new(
            path,
            msg!(
                "json.float",
                "a decimal string such as \"0.329\", not a fractional JSON number (floats are inexact)",
                "\"0.329\" のような文字列の数値（小数の JSON 数値は不正確なため使えません）"
            ),
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Issue::new(
            if path == "." { String::new() } else { path },
            Msg::from_serde(&e.into_inner().to_string()),
        )
    })
}

/// The JSON path of the first non-integer number, if any.
pub fn first_float(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            Some(if path.is_empty() { ".".into() } else { path })
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_float(v, format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            first_float(
                v,
                if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                },
            )
        }),
        _ => None,
    }
}

pub fn contract_from_json(bytes: &[u8]) -> Result<Contract, Issue> {
    from_json(bytes)
}

/// Decodes CSV bytes: UTF-8 (a BOM is dropped), or else Shift_JIS (CP932), as Japanese
/// spreadsheets save it. Bytes valid in neither are read in whichever fits the file better, as
/// U+FFFD, which the readers refuse with the cell's row and column.
/// Valid UTF-8 is borrowed, not copied (a file near the upload limit is held once).
pub fn decode_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.into();
    }
    let sjis = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes).0;
    let undecodable = |text: &str| text.matches('\u{FFFD}').count();
    let in_sjis = undecodable(&sjis);
    let utf8 = String::from_utf8_lossy(bytes);
    if undecodable(&utf8) <= in_sjis {
        utf8.into_owned().into()
    } else {
        sjis.into_owned().into()
    }
}

/// A date as 2024-04-01 or 2024/04/01.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
        .ok()
}

/// A decimal written plainly ("0.329", "105", "1,234" with thousands separators).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    cleaned.parse().ok()
}

const RESULT_COLUMNS: &[&str] = &[
    "metric",
    "tranche",
    "value",
    "numerator",
    "denominator",
    "comparison",
    "cohort_size",
    "evidence",
];
const RECORD_COLUMNS: &[&str] = &["participant", "outcome", "achieved_on"];

/// Reads outcome data from CSV for `contract_code`. The header decides the kind: aggregate
/// results (`metric,tranche,value,numerator,denominator,comparison,cohort_size,evidence`) or
/// participant records (`participant,outcome,achieved_on`). Every bad cell is reported.
pub fn outcomes_from_csv(bytes: &[u8], contract_code: &str) -> Result<Outcomes, Vec<Issue>> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| vec![Issue::new("row 1", crate::sheet::header_row_problem(&e))])?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let is_records = headers.iter().any(|h| h == "participant");
    let mut issues = header_issues(&headers, is_records);
    if !issues.is_empty() {
        return Err(issues);
    }
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut outcomes = Outcomes::new(contract_code);
    outcomes.schema = OUTCOMES_SCHEMA.to_owned();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                issues.push(Issue::new(
                    Place::cell(None, line, None),
                    msg!(
                        "sheet.csv_row",
                        "a well-formed CSV row ({e})",
                        "正しい形式の CSV の行（{e}）"
                    ),
                ));
                continue;
            }
        };
        let row = CsvRow {
            line,
            index: &index,
            row: &row,
        };
        if is_records {
            record_row(&row, &mut outcomes, &mut issues);
        } else {
            result_row(&row, &mut outcomes, &mut issues);
        }
    }
    if issues.is_empty() {
        Ok(outcomes)
    } else {
        Err(issues)
    }
}

/// Columns a results or participant-records file does not have, or lacks.
fn header_issues(headers: &[String], is_records: bool) -> Vec<Issue> {
    let known = if is_records {
        RECORD_COLUMNS
    } else {
        RESULT_COLUMNS
    };
    let mut issues = Vec::new();
    for h in headers {
        if !known.contains(&h.as_str()) {
            issues.push(Issue::new(
                Place::column(&format!("`{h}`")),
                msg!(
                    "input.column",
                    "one of the columns {}",
                    "{} のいずれかの列",
                    known.join(", ")
                ),
            ));
        }
    }
    let required: &[&str] = if is_records {
        RECORD_COLUMNS
    } else {
        &["metric"]
    };
    for r in required {
        if !headers.iter().any(|h| h == r) {
            issues.push(Issue::new(
                Place::column(&format!("`{r}`")),
                msg!(
                    "sheet.missing_column",
                    "a column that is missing from the header row",
                    "見出し行にこの列がありません"
                ),
            ));
        }
    }
    issues
}

/// One CSV row with its line number and the columns by name.
struct CsvRow<'a> {
    line: usize,
    index: &'a HashMap<&'a str, usize>,
    row: &'a csv::StringRecord,
}

impl CsvRow<'_> {
    fn cell(&self, name: &str) -> &str {
        self.index
            .get(name)
            .and_then(|i| self.row.get(*i))
            .unwrap_or("")
            .trim()
    }

    /// A number in the named column; none when empty or unreadable (an issue).
    fn decimal(&self, name: &str, issues: &mut Vec<Issue>) -> Option<Decimal> {
        let (raw, line) = (self.cell(name), self.line);
        if raw.is_empty() {
            return None;
        }
        let parsed = parse_decimal(raw);
        if parsed.is_none() {
            issues.push(Issue::new(
                Place::cell(None, line, Some(name)),
                msg!(
                    "input.number",
                    "a number such as 0.329 or 105, not `{raw}`",
                    "0.329 や 105 のような数値。`{raw}` ではありません"
                ),
            ));
        }
        parsed
    }
}

/// A participant's outcome on a day.
fn record_row(row: &CsvRow<'_>, outcomes: &mut Outcomes, issues: &mut Vec<Issue>) {
    let line = row.line;
    let cell = |name: &str| row.cell(name);
    let (participant, outcome, date) = (cell("participant"), cell("outcome"), cell("achieved_on"));
    match parse_date(date) {
        Some(day) if !participant.is_empty() && !outcome.is_empty() => {
            outcomes
                .participant_outcomes
                .push(participant, outcome, day);
        }
        Some(_) => issues.push(Issue::new(
            Place::cell(None, line, None),
            msg!(
                "input.participant",
                "a participant key and an outcome",
                "参加者 ID と成果"
            ),
        )),
        None => issues.push(Issue::new(
            Place::cell(None, line, Some("achieved_on")),
            msg!(
                "input.date",
                "a date such as 2024-04-01 or 2024/04/01, not `{date}`",
                "2024-04-01 または 2024/04/01 の形式の日付。`{date}` ではありません"
            ),
        )),
    }
}

/// A metric's result in a tranche.
fn result_row(row: &CsvRow<'_>, outcomes: &mut Outcomes, issues: &mut Vec<Issue>) {
    let line = row.line;
    let cell = |name: &str| row.cell(name);
    let mut decimal = |name: &str| row.decimal(name, issues);
    let result = MetricResult {
        metric: cell("metric").to_owned(),
        tranche: Some(cell("tranche"))
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        value: decimal("value"),
        numerator: decimal("numerator"),
        denominator: decimal("denominator"),
        comparison: decimal("comparison"),
        cohort_size: decimal("cohort_size"),
        estimates: Vec::new(),
        evidence: Some(cell("evidence"))
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    };
    if result.metric.is_empty() {
        issues.push(Issue::new(
            Place::cell(None, line, Some("metric")),
            msg!("input.metric", "a metric id", "指標 ID"),
        ));
    }
    outcomes.results.push(result);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_spellings() {
        assert_eq!(
            parse_date("2024/04/01"),
            NaiveDate::from_ymd_opt(2024, 4, 1)
        );
        assert_eq!(
            parse_date("2024-04-01"),
            NaiveDate::from_ymd_opt(2024, 4, 1)
        );
        assert_eq!(parse_date("01/04/2024"), None);
    }

    #[test]
    fn shift_jis_and_bom_decode() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("metric,evidence\nx,神戸市\n");
        assert_eq!(decode_text(&sjis), "metric,evidence\nx,神戸市\n");
        assert_eq!(decode_text(b"\xEF\xBB\xBFa,b"), "a,b");
    }

    #[test]
    fn csv_reports_every_bad_cell() {
        let csv =
            "participant,outcome,achieved_on\np1,job,2024/05/01\np2,job,someday\n,job,2024-05-01\n";
        let issues = outcomes_from_csv(csv.as_bytes(), "c").unwrap_err();
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].path.en, "row 3, column achieved_on");
        assert_eq!(issues[1].path.en, "row 4");
        let unknown = outcomes_from_csv(b"metric,colour\nx,red\n", "c").unwrap_err();
        assert_eq!(unknown[0].path.en, "column `colour`");
    }
}
