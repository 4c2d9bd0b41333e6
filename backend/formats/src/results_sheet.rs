//! Aggregate outcome results (and milestones) read from a spreadsheet, all or nothing: one row per
//! metric and tranche, in the columns of the per-project template (see [`template`]). Metrics and
//! tranches are named by id or by their Japanese or English name; every problem is named by its
//! row and column; every cell written in a Japanese spreadsheet habit is reported with how it was
//! read. Template rows left empty are skipped, not refused.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use seika_core::message::Place;
use seika_core::msg;
use serde::Serialize;

use crate::sheet::{self, Habit, Table};
use seika_core::contract::{Contract, Issue, Issues, MetricUnit, Rule};

/// A column of the results sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Metric,
    Tranche,
    AchievedOn,
    Value,
    Numerator,
    Denominator,
    Comparison,
    CohortSize,
    Evidence,
    /// Informative columns of the template (names, units, targets): read by people, ignored here.
    Ignored,
}

/// Column names (English first, the name used in messages) and their accepted aliases.
const COLUMNS: &[(Column, &[&str])] = &[
    (
        Column::Metric,
        &[
            "metric",
            "指標id",
            "指標",
            "成果指標",
            "milestone",
            "マイルストーン",
        ],
    ),
    (
        Column::Tranche,
        &[
            "tranche",
            "支払時期id",
            "支払時期",
            "評価時期",
            "トランシェ",
        ],
    ),
    (Column::AchievedOn, &["achieved_on", "達成日"]),
    (Column::Value, &["value", "実績値", "値", "成果値"]),
    (Column::Numerator, &["numerator", "分子"]),
    (Column::Denominator, &["denominator", "分母"]),
    (Column::Comparison, &["comparison", "比較値", "比較群"]),
    (Column::CohortSize, &["cohort_size", "対象者数"]),
    (Column::Evidence, &["evidence", "根拠", "根拠資料"]),
    (
        Column::Ignored,
        &[
            "metric_name",
            "指標名",
            "unit",
            "単位",
            "tranche_name",
            "支払時期名",
            "due_on",
            "支払期日",
            "baseline",
            "基準値",
            "target",
            "目標値",
            "note",
            "備考",
        ],
    ),
];

fn name(column: Column) -> &'static str {
    COLUMNS
        .iter()
        .find(|(c, _)| *c == column)
        .map_or("?", |(_, aliases)| aliases[0])
}

/// One row read: a result of a metric in a tranche, or a milestone achieved on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// The row's number in the file.
    pub row: usize,
    pub milestone: bool,
    /// The metric's (or milestone's) id, whatever the row called it.
    pub metric: String,
    pub tranche: Option<String>,
    pub achieved_on: Option<NaiveDate>,
    pub value: Option<Decimal>,
    pub numerator: Option<Decimal>,
    pub denominator: Option<Decimal>,
    pub comparison: Option<Decimal>,
    pub cohort_size: Option<Decimal>,
    pub evidence: Option<String>,
}

/// How a cell written in a Japanese spreadsheet habit was read.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct CellReading {
    /// Where the cell is: `row 3, column value` (with the sheet for XLSX).
    pub place: String,
    /// The same place in Japanese: `3 行目、列 value`.
    #[serde(default)]
    pub place_ja: String,
    /// The cell as written.
    pub written: String,
    /// What was stored, in canonical form.
    pub read_as: String,
    pub habits: Vec<Habit>,
    /// How it was read, in English and Japanese.
    pub how_en: String,
    pub how_ja: String,
}

/// What a sheet holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub rows: Vec<ResultRow>,
    pub readings: Vec<CellReading>,
    /// Rows of the template left without any figure.
    pub skipped: Vec<usize>,
}

/// Reads the table for `contract`: every problem, or every row.
/// Reads a results sheet against the contract: one row per metric (or milestone) and tranche,
/// each figure read as written (with how it was read), or every problem found.
pub fn parse(table: &Table, contract: &Contract) -> Result<Parsed, Vec<Issue>> {
    let mut issues = table.issues.clone();
    let columns = columns(table, &mut issues);
    if !issues.is_empty() {
        return Err(issues.into_vec());
    }
    let mut reader = Reader {
        table,
        contract,
        columns,
        milestones: milestones(contract),
        issues,
        parsed: Parsed {
            rows: Vec::new(),
            readings: Vec::new(),
            skipped: Vec::new(),
        },
    };
    for row in &table.rows {
        reader.read(row);
    }
    reader.finish()
}

/// Each header's column (none for one not recognised, which is an issue).
fn columns(table: &Table, issues: &mut Issues) -> Vec<Option<Column>> {
    let mut columns = Vec::new();
    for h in &table.headers {
        let found = COLUMNS
            .iter()
            .find(|(_, aliases)| aliases.iter().any(|a| sheet::header_matches(h, a)))
            .map(|(c, _)| *c);
        if found.is_none() && !h.is_empty() {
            issues.push(Issue::new(
                Place::column(&format!("`{h}`")),
                msg!("sheet.results_column", "one of the columns metric, tranche, value, numerator, denominator, comparison, \
                 cohort_size, evidence, achieved_on (or 指標ID, 支払時期, 実績値, 分子, 分母, 比較値, \
                 対象者数, 根拠, 達成日)", "metric, tranche, value, numerator, denominator, comparison, cohort_size, evidence, achieved_on（または 指標ID, 支払時期, 実績値, 分子, 分母, 比較値, 対象者数, 根拠, 達成日）のいずれかの列"),
            ));
        }
        columns.push(found);
    }
    for required in [Column::Metric] {
        if !columns.contains(&Some(required)) {
            issues.push(Issue::new(
                Place::column(&format!("`{}`", name(required))),
                msg!(
                    "sheet.missing_column",
                    "a column that is missing from the header row",
                    "見出し行にこの列がありません"
                ),
            ));
        }
    }
    columns
}

/// The milestones the contract's fixed payments wait for.
fn milestones(contract: &Contract) -> Vec<&str> {
    contract
        .components
        .iter()
        .filter_map(|c| match &c.rule {
            Rule::Fixed {
                milestone: Some(m), ..
            } => Some(m.as_str()),
            _ => None,
        })
        .collect()
}

/// A sheet being read: the rows so far and the issues found.
struct Reader<'a> {
    table: &'a Table,
    contract: &'a Contract,
    columns: Vec<Option<Column>>,
    milestones: Vec<&'a str>,
    issues: Issues,
    parsed: Parsed,
}

/// The metric (or milestone) a row is about: its id, the metric's unit, and whether it is a
/// milestone.
struct Subject {
    id: String,
    unit: Option<MetricUnit>,
    milestone: bool,
}

impl<'a> Reader<'a> {
    fn cell<'r>(&self, row: &'r sheet::Row, c: Column) -> &'r str {
        self.columns
            .iter()
            .position(|x| *x == Some(c))
            .and_then(|i| row.cells.get(i))
            .map_or("", |s| s.trim())
    }

    fn place(&self, row: &sheet::Row, c: Column) -> Place {
        self.table.place(row.number, name(c))
    }

    /// One row: skipped without figures; refused with a character no file may hold; else its
    /// subject, tranche, figures and date.
    fn read(&mut self, row: &sheet::Row) {
        let figures = [
            Column::AchievedOn,
            Column::Value,
            Column::Numerator,
            Column::Denominator,
            Column::Comparison,
            Column::CohortSize,
        ];
        if figures.iter().all(|c| self.cell(row, *c).is_empty()) {
            self.parsed.skipped.push(row.number);
            return;
        }
        if let Some(refused) = self.table.refused_cell(row) {
            self.issues.push(refused);
            return;
        }
        let Some(subject) = self.subject(row) else {
            return;
        };
        let Ok(tranche) = self.tranche(row) else {
            return;
        };
        let unit = subject.unit;
        let value = self.number(row, Column::Value, unit);
        let numerator = self.number(row, Column::Numerator, unit);
        let denominator = self.number(row, Column::Denominator, unit);
        let comparison = self.number(row, Column::Comparison, unit);
        let cohort_size = self.number(row, Column::CohortSize, unit);
        let written_day = self.cell(row, Column::AchievedOn);
        let achieved_on = self.achieved_on(row, written_day);
        if subject.milestone && achieved_on.is_none() && written_day.is_empty() {
            self.issues.push(Issue::new(
                self.place(row, Column::AchievedOn),
                msg!(
                    "milestone.achieved_on",
                    "the date the milestone was achieved",
                    "マイルストーンの達成日"
                ),
            ));
        }
        let evidence = Some(self.cell(row, Column::Evidence))
            .filter(|e| !e.is_empty())
            .map(str::to_owned);
        self.parsed.rows.push(ResultRow {
            row: row.number,
            milestone: subject.milestone,
            metric: subject.id,
            tranche,
            achieved_on,
            value,
            numerator,
            denominator,
            comparison,
            cohort_size,
            evidence,
        });
    }

    /// The metric by id or name, else a milestone; none (an issue) when neither.
    fn subject(&mut self, row: &sheet::Row) -> Option<Subject> {
        let (contract, milestones) = (self.contract, &self.milestones);
        let written_metric = self.cell(row, Column::Metric);
        let metric = contract.metrics.iter().find(|m| {
            m.id == written_metric || m.name.ja == written_metric || m.name.en == written_metric
        });
        if let Some(m) = metric {
            return Some(Subject {
                id: m.id.clone(),
                unit: Some(m.unit),
                milestone: false,
            });
        }
        if let Some(m) = milestones.iter().find(|m| **m == written_metric) {
            return Some(Subject {
                id: (*m).to_owned(),
                unit: None,
                milestone: true,
            });
        }
        let mut known: Vec<&str> = contract.metrics.iter().map(|m| m.id.as_str()).collect();
        known.extend(milestones.iter().copied());
        let issue = Issue::new(
            self.place(row, Column::Metric),
            msg!(
                "sheet.unknown_metric",
                "one of the contract's metrics or milestones ({}), not `{written_metric}`",
                "契約の指標またはマイルストーン（{}）のいずれか。`{written_metric}` ではありません",
                known.join(", ")
            ),
        );
        self.issues.push(issue);
        None
    }

    /// The tranche by id or name (none when the cell is empty); `Err` (an issue) when unknown.
    fn tranche(&mut self, row: &sheet::Row) -> Result<Option<String>, ()> {
        let contract = self.contract;
        let written_tranche = self.cell(row, Column::Tranche);
        if written_tranche.is_empty() {
            return Ok(None);
        }
        if let Some(t) = contract.tranches.iter().find(|t| {
            t.id == written_tranche || t.name.as_ref().is_some_and(|n| n.matches(written_tranche))
        }) {
            return Ok(Some(t.id.clone()));
        }
        let ids: Vec<&str> = contract.tranches.iter().map(|t| t.id.as_str()).collect();
        self.issues.push(Issue::new(
            self.place(row, Column::Tranche),
            msg!(
                "sheet.unknown_tranche",
                "one of the contract's tranches ({}), not `{written_tranche}`",
                "契約の支払時期（{}）のいずれか。`{written_tranche}` ではありません",
                ids.join(", ")
            ),
        ));
        Err(())
    }

    /// A figure as written, with how it was read where that took a habit (a percentage, a
    /// thousands separator, ▲); none when empty or unreadable (an issue).
    fn number(&mut self, row: &sheet::Row, c: Column, unit: Option<MetricUnit>) -> Option<Decimal> {
        let cell = |c| self.cell(row, c);
        let place = |c| self.place(row, c);
        let written = cell(c);
        // A rate may be written as a percentage: 32.9% is 0.329.
        let percent = matches!(unit, Some(MetricUnit::Rate))
            && matches!(c, Column::Value | Column::Comparison)
            && (written.ends_with('%') || written.ends_with('％'));
        let digits = if percent {
            written.trim_end_matches(['%', '％'])
        } else {
            written
        };
        match sheet::number(digits) {
            Ok(None) => None,
            Ok(Some((value, habits))) => {
                let value = if percent {
                    (value / Decimal::ONE_HUNDRED).normalize()
                } else {
                    value
                };
                if percent || !habits.is_empty() {
                    let mut how_en: Vec<&str> = habits.iter().map(|h| h.describe_en()).collect();
                    let mut how_ja: Vec<&str> = habits.iter().map(|h| h.describe_ja()).collect();
                    if percent {
                        how_en.push("percentage read as a fraction");
                        how_ja.push("百分率を割合として読み取り");
                    }
                    let at = place(c);
                    self.parsed.readings.push(CellReading {
                        place: at.en,
                        place_ja: at.ja,
                        written: written.to_owned(),
                        read_as: value.to_string(),
                        habits,
                        how_en: how_en.join("; "),
                        how_ja: how_ja.join("、"),
                    });
                }
                Some(value)
            }
            Err(sheet::Unreadable) => {
                self.issues.push(Issue::new(
                        place(c),
                        if matches!(unit, Some(MetricUnit::Rate)) {
                            msg!(
                                "sheet.rate",
                                "a number such as 0.329, 1,234 or ▲5 (a rate as a fraction, or as 32.9%), not `{written}`",
                                "0.329、1,234、▲5 のような数値（率は小数または 32.9% の形）。`{written}` ではありません"
                            )
                        } else {
                            msg!(
                                "sheet.number",
                                "a number such as 0.329, 1,234 or ▲5, not `{written}`",
                                "0.329、1,234、▲5 のような数値。`{written}` ではありません"
                            )
                        },
                    ));
                None
            }
        }
    }

    /// The day a result was achieved, with how it was read.
    fn achieved_on(&mut self, row: &sheet::Row, written_day: &str) -> Option<NaiveDate> {
        let place = |c| self.place(row, c);
        match sheet::date(written_day) {
            Ok(None) => None,
            Ok(Some((day, habits))) => {
                if !habits.is_empty() {
                    let at = place(Column::AchievedOn);
                    self.parsed.readings.push(CellReading {
                        place: at.en,
                        place_ja: at.ja,
                        written: written_day.to_owned(),
                        read_as: day.to_string(),
                        how_en: habits
                            .iter()
                            .map(|h| h.describe_en())
                            .collect::<Vec<_>>()
                            .join("; "),
                        how_ja: habits
                            .iter()
                            .map(|h| h.describe_ja())
                            .collect::<Vec<_>>()
                            .join("、"),
                        habits,
                    });
                }
                Some(day)
            }
            Err(sheet::Unreadable) => {
                self.issues.push(Issue::new(
                    place(Column::AchievedOn),
                    msg!("sheet.date", "a date such as 2024-04-01, 2024/4/1, 令和6年4月1日 or R6.4.1, not `{written_day}`", "2024-04-01、2024/4/1、令和6年4月1日、R6.4.1 のような日付。`{written_day}` ではありません"),
                ));
                None
            }
        }
    }

    /// One row per metric (or milestone) and tranche; at least one row with a figure.
    fn finish(mut self) -> Result<Parsed, Vec<Issue>> {
        let (parsed, issues) = (&self.parsed, &mut self.issues);
        let mut seen: Vec<(&str, Option<&str>, usize)> = Vec::new();
        for r in &parsed.rows {
            if let Some((_, _, first)) = seen
                .iter()
                .find(|(m, t, _)| *m == r.metric && *t == r.tranche.as_deref())
            {
                issues.push(Issue::new(
                    self.table.place_row(r.row),
                    msg!(
                        "sheet.duplicate_row",
                        "one row per metric and tranche: row {first} already gives this one",
                        "指標と支払時期ごとに一行: {first} 行目に同じものがあります"
                    ),
                ));
            } else {
                seen.push((&r.metric, r.tranche.as_deref(), r.row));
            }
        }
        if parsed.rows.is_empty() && issues.is_empty() {
            issues.push(Issue::new(
                "file",
                msg!(
                    "sheet.no_figures",
                    "at least one row with a figure",
                    "数値を記入した行が少なくとも一つ必要です"
                ),
            ));
        }
        if self.issues.is_empty() {
            Ok(self.parsed)
        } else {
            Err(self.issues.into_vec())
        }
    }
}

/// The per-project template: a header row in Japanese with the English column names in
/// parentheses, then one row per metric and tranche the contract pays on (and one per
/// milestone), with names, units, baselines and targets filled in for the reader.
pub fn template(contract: &Contract) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "指標ID (metric)",
        "指標名 (metric_name)",
        "単位 (unit)",
        "支払時期ID (tranche)",
        "支払期日 (due_on)",
        "基準値 (baseline)",
        "目標値 (target)",
        "実績値 (value)",
        "分子 (numerator)",
        "分母 (denominator)",
        "比較値 (comparison)",
        "対象者数 (cohort_size)",
        "達成日 (achieved_on)",
        "根拠 (evidence)",
    ]
    .map(str::to_owned)
    .to_vec();
    let unit = |u: MetricUnit| match u {
        MetricUnit::Rate => "割合 rate (0.329 = 32.9%)",
        MetricUnit::Count => "件数・人数 count",
        MetricUnit::PersonPeriods => "人・期間 person-periods",
        MetricUnit::Money => "金額 money",
        MetricUnit::Score => "指標値 score (may be negative)",
    };
    let mut rows = Vec::new();
    for m in &contract.metrics {
        // The tranches whose components read this metric; every tranche when none says.
        let mut tranches: Vec<&str> = contract
            .components
            .iter()
            .filter(|c| {
                c.rule.metric() == Some(m.id.as_str())
                    || c.conditions.iter().any(|k| k.metric == m.id)
            })
            .map(|c| c.tranche.as_str())
            .collect();
        if tranches.is_empty() {
            tranches = contract.tranches.iter().map(|t| t.id.as_str()).collect();
        }
        for t in &contract.tranches {
            if !tranches.contains(&t.id.as_str()) {
                continue;
            }
            rows.push(vec![
                m.id.clone(),
                format!("{} / {}", m.name.ja, m.name.en),
                unit(m.unit).to_owned(),
                t.id.clone(),
                t.due_on.to_string(),
                m.baseline.map(|b| b.to_string()).unwrap_or_default(),
                m.target.map(|b| b.to_string()).unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    for c in &contract.components {
        if let Rule::Fixed {
            milestone: Some(m), ..
        } = &c.rule
        {
            let mut row = vec![String::new(); headers.len()];
            row[0] = m.clone();
            row[1] = format!(
                "マイルストーン / milestone{}",
                c.name
                    .as_ref()
                    .map(|n| format!(": {}", n.text()))
                    .unwrap_or_default()
            );
            rows.push(row);
        }
    }
    (headers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::SheetLimits;

    fn contract() -> Contract {
        crate::input::contract_from_json(include_bytes!(
            "../../../docs/examples/kobe-dialysis.contract.json"
        ))
        .unwrap()
    }

    #[test]
    fn habits_are_read_and_reported_with_their_place() {
        let csv = "指標ID (metric),支払時期 (tranche),実績値 (value),比較値 (comparison),達成日 (achieved_on)\n\
                   腎機能（eGFR）低下抑制率,final,３２.９%,▲0.05,\n\
                   programme_delivered,,,,R1.5.7\n";
        let table = Table::read(csv.as_bytes(), &SheetLimits::default()).unwrap();
        let parsed = parse(&table, &contract()).unwrap();
        assert_eq!(parsed.rows[0].metric, "egfr_decline_suppression");
        assert_eq!(parsed.rows[0].value, Some(Decimal::new(329, 3)));
        assert_eq!(parsed.rows[0].comparison, Some(Decimal::new(-5, 2)));
        assert!(parsed.rows[1].milestone);
        assert_eq!(
            parsed.rows[1].achieved_on,
            NaiveDate::from_ymd_opt(2019, 5, 7)
        );
        let places: Vec<(&str, &str)> = parsed
            .readings
            .iter()
            .map(|r| (r.place.as_str(), r.read_as.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                ("row 2, column value", "0.329"),
                ("row 2, column comparison", "-0.05"),
                ("row 3, column achieved_on", "2019-05-07"),
            ]
        );
        assert_eq!(parsed.readings[1].how_ja, "▲をマイナスとして読み取り");
    }

    #[test]
    fn every_problem_is_named_and_nothing_passes() {
        let csv = "metric,tranche,value,colour\nx,final,1,red\n";
        let err = parse(
            &Table::read(csv.as_bytes(), &SheetLimits::default()).unwrap(),
            &contract(),
        )
        .unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].path.en, "column `colour`");
        let csv = "metric,tranche,value\nnope,final,1\negfr_decline_suppression,later,1\negfr_decline_suppression,final,1e3\nprogramme_delivered,,\n";
        let err = parse(
            &Table::read(csv.as_bytes(), &SheetLimits::default()).unwrap(),
            &contract(),
        )
        .unwrap_err();
        let paths: Vec<&str> = err.iter().map(|i| i.path.en.as_str()).collect();
        assert_eq!(
            paths,
            [
                "row 2, column metric",
                "row 3, column tranche",
                "row 4, column value"
            ]
        );
    }

    #[test]
    fn the_template_reads_back_as_empty_rows() {
        let (headers, rows) = template(&contract());
        assert_eq!(
            rows.len(),
            4,
            "three metrics in their tranches and one milestone"
        );
        let csv = sheet::write_csv(&headers, &rows);
        let err = parse(
            &Table::read(&csv, &SheetLimits::default()).unwrap(),
            &contract(),
        )
        .unwrap_err();
        assert_eq!(err[0].message.code, "sheet.no_figures");
    }
}
