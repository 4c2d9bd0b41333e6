//! Tables as municipal staff keep them: CSV (UTF-8 with or without BOM, Shift_JIS/CP932, CRLF) or
//! an Excel workbook (XLSX, its first sheet), and the Japanese spreadsheet habits in their cells:
//! full-width digits, thousands separators, ▲ (or △) for negatives, 和暦 dates (令和6年4月1日,
//! R6.4.1) and 2024年4月1日. Every cell read in such a habit is reported with how it was read, so
//! the import report can show it; the stored value is always canonical.
//!
//! XLSX stores numbers as IEEE doubles by the file format itself; a numeric cell is read as the
//! shortest decimal that round-trips (what Excel displays) and parsed into an exact decimal. No
//! arithmetic is ever done on the double.

use seika_core::message::{Msg, Place};
use seika_core::msg;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use seika_core::contract::{Issue, Issues};

pub use crate::workbook::SheetLimits;
use crate::workbook::{self, CellText};

/// Which kind of file the table came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// One data row: its number as the user sees it (1 is the header row) and its cells as text.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

/// A table: a header row and data rows (empty rows skipped). `issues` holds rows that could not be
/// read at all (a malformed CSV line).
#[derive(Debug, Clone)]
pub struct Table {
    pub format: Format,
    /// The sheet's name for XLSX.
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub issues: Issues,
}

pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The XLSX workbook format, known by its bytes (a zip holding an Office Open XML workbook).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    seika_core::evidence::sniff(bytes) == Some(XLSX_MEDIA_TYPE)
}

/// A cell without the spaces around it (ASCII, full-width, no-break); tabs and line breaks are
/// kept, to be refused where they do not belong (a participant key), never dropped unseen.
pub(crate) fn trim_cell(cell: &str) -> &str {
    cell.trim_matches(|c: char| c.is_whitespace() && !c.is_control())
}

impl Table {
    /// Reads a table from CSV or XLSX bytes (told apart by their content, never by a name),
    /// refusing a file beyond `limits`.
    pub fn read(bytes: &[u8], limits: &SheetLimits) -> Result<Table, Issue> {
        if bytes.starts_with(b"PK\x03\x04") {
            Self::read_xlsx(bytes, limits)
        } else {
            Self::read_csv(bytes, limits)
        }
    }

    fn read_csv(bytes: &[u8], limits: &SheetLimits) -> Result<Table, Issue> {
        let text = crate::input::decode_text(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Issue::new("row 1", header_row_problem(&e)))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        if headers.len() > limits.max_columns {
            return Err(workbook::too_large(limits));
        }
        let mut table = Table {
            format: Format::Csv,
            sheet: None,
            headers,
            rows: Vec::new(),
            issues: Issues::default(),
        };
        let mut cells = 0_usize;
        let mut record = csv::StringRecord::new();
        let mut number = 1;
        let bytes_text = text.as_bytes();
        let (mut counted, mut lines_seen) = (0_usize, 0_usize);
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    // The line the record starts on, counted from its byte offset.
                    if let Some(p) = record.position() {
                        let at = usize::try_from(p.byte())
                            .unwrap_or(usize::MAX)
                            .saturating_add(1)
                            .min(bytes_text.len());
                        lines_seen += bytes_text[counted..at]
                            .iter()
                            .filter(|b| **b == b'\n')
                            .count();
                        counted = at;
                        number = lines_seen + 1;
                    } else {
                        number += 1;
                    }
                    if record.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    cells += record.len();
                    if number > limits.max_rows || cells > limits.max_cells {
                        return Err(workbook::too_large(limits));
                    }
                    if record.len() != table.headers.len() {
                        table.issues.push(Issue::new(
                            Place::cell(None, number, None),
                            msg!(
                                "sheet.row_width",
                                "{} values, one per column, not {}",
                                "列ごとに一つ、計 {} 個の値（現在 {} 個）",
                                table.headers.len(),
                                record.len()
                            ),
                        ));
                        continue;
                    }
                    table.rows.push(Row {
                        number,
                        cells: record.iter().map(|c| trim_cell(c).to_owned()).collect(),
                    });
                }
                Err(e) => {
                    number += 1;
                    if number > limits.max_rows {
                        return Err(workbook::too_large(limits));
                    }
                    table.issues.push(Issue::new(
                        Place::cell(None, number, None),
                        msg!(
                            "sheet.csv_row",
                            "a well-formed CSV row ({e})",
                            "正しい形式の CSV の行（{e}）"
                        ),
                    ));
                }
            }
        }
        Ok(table)
    }

    fn read_xlsx(bytes: &[u8], limits: &SheetLimits) -> Result<Table, Issue> {
        Self::read_xlsx_sheets(bytes, limits)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Issue::new(
                    "file",
                    msg!(
                        "sheet.no_sheet",
                        "a workbook with at least one sheet",
                        "シートが一つ以上あるブック"
                    ),
                )
            })
    }

    /// Every sheet of an XLSX workbook as a table, in the workbook's order.
    pub fn read_xlsx_sheets(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Table>, Issue> {
        workbook::check_zip(bytes, limits)?;
        Ok(workbook::read_sheets(bytes, limits)?
            .into_iter()
            .map(|(sheet, cells)| Self::from_cells(sheet, cells))
            .collect())
    }

    /// A sheet's table from its filled cells: the first row holding any is the header row, the
    /// leftmost column holding any the first column. A cell written twice keeps its last value.
    fn from_cells(sheet: String, mut cells: Vec<CellText>) -> Table {
        cells.sort_by_key(|&(row, column, _)| (row, column));
        cells.dedup_by(|later, kept| {
            let same = (later.0, later.1) == (kept.0, kept.1);
            if same {
                std::mem::swap(&mut later.2, &mut kept.2);
            }
            same
        });
        let first_column = cells.iter().map(|c| c.1).min().unwrap_or(0);
        let mut table = Table {
            format: Format::Xlsx,
            sheet: Some(sheet),
            headers: Vec::new(),
            rows: Vec::new(),
            issues: Issues::default(),
        };
        let mut by_row = cells.chunk_by(|a, b| a.0 == b.0);
        let Some(header) = by_row.next() else {
            return table;
        };
        table.headers = line(header, first_column, usize::MAX);
        let width = table.headers.len();
        for row in by_row {
            let cells = line(row, first_column, width);
            if cells.iter().all(String::is_empty) {
                continue;
            }
            table.rows.push(Row {
                number: row[0].0 as usize + 1,
                cells,
            });
        }
        table
    }

    /// Where a cell is, as the user finds it: `sheet 成果, row 3, column value` (XLSX) or
    /// `row 3, column value` (CSV), in both languages.
    pub fn place(&self, row: usize, column: &str) -> Place {
        Place::cell(self.sheet.as_deref(), row, Some(column))
    }

    /// The first cell of a row holding a character no file may hold (undecodable bytes, control
    /// characters), as a refusal naming its place.
    pub fn refused_cell(&self, row: &Row) -> Option<Issue> {
        let (i, (c, what)) = row
            .cells
            .iter()
            .enumerate()
            .find_map(|(i, v)| seika_core::text::forbidden_in_file(v).map(|bad| (i, bad)))?;
        let header = self.headers.get(i).map_or("?", String::as_str);
        Some(Issue::new(
            self.place(row.number, header),
            seika_core::text::refusal(c, what),
        ))
    }

    /// Where a row is.
    pub fn place_row(&self, row: usize) -> Place {
        Place::cell(self.sheet.as_deref(), row, None)
    }
}

/// One row's filled cells (of one row, in column order) laid out from `first_column`, at most
/// `width` of them; a row that reaches past `width` is cut there, and a short one filled with
/// empty cells up to it.
fn line(cells: &[CellText], first_column: u32, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (_, column, text) in cells {
        let at = (column - first_column) as usize;
        if at >= width {
            break;
        }
        out.resize(at, String::new());
        out.push(text.clone());
    }
    if width != usize::MAX {
        out.resize(width, String::new());
    }
    out
}

/// A plain workbook of one sheet (no macros, no formulas, no merged cells): a bold header row,
/// then the rows as text, with the columns widened to their content.
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = CellFormat::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, h, &bold)?;
        let widest = rows
            .iter()
            .filter_map(|r| r.get(usize::from(c)))
            .chain(std::iter::once(h))
            .map(|t| {
                t.chars()
                    .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(8);
        sheet.set_column_width(c, (widest.clamp(8, 60) + 2) as f64)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(r, u16::try_from(c).unwrap_or(u16::MAX), value)?;
            }
        }
    }
    // As an officer's own file: the header row stays in view and every column can be filtered.
    sheet.set_freeze_panes(1, 0)?;
    if !headers.is_empty() {
        let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        let last_column = u16::try_from(headers.len() - 1).unwrap_or(u16::MAX);
        sheet.autofilter(0, 0, last_row, last_column)?;
    }
    workbook.save_to_buffer()
}

/// CSV in UTF-8 with a BOM (so Excel opens it as UTF-8), CRLF line ends. Every cell is
/// [`inert`]: a spreadsheet never reads one as a formula.
pub fn write_csv(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        // Writing into a Vec cannot fail.
        let _infallible = writer.write_record(headers.iter().map(|c| inert(c).into_owned()));
        for row in rows {
            let _infallible = writer.write_record(row.iter().map(|c| inert(c).into_owned()));
        }
        let _infallible = writer.flush();
    }
    out
}

/// A cell a spreadsheet opens as text, never as a formula (CWE-1236): one that begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, unless it is a plain number such
/// as `-1200` (a negative amount stays a number). Text from one organization (a project's title,
/// an evaluator's note) reaches another's download, so every CSV cell goes through here; XLSX
/// cells are written as typed strings and need nothing.
pub fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && Decimal::from_str(cell).is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A date in 和暦 as municipal documents write it: 令和6年4月1日, 令和元年5月1日. Before 大正: the
/// Western date.
pub fn wareki(day: NaiveDate) -> String {
    for (name, _, (y, m, d)) in ERAS {
        let Some(start) = NaiveDate::from_ymd_opt(y, m, d) else {
            continue;
        };
        if day >= start {
            let year = day.year() - y + 1;
            let year = if year == 1 {
                "元".to_owned()
            } else {
                year.to_string()
            };
            return format!("{name}{year}年{}月{}日", day.month(), day.day());
        }
    }
    day.to_string()
}

/// A fiscal year (April to March) as Japanese documents name it: 2025 → 令和7年度. FY2019 is
/// 令和元年度, as the government renamed it (the era changed on 1 May 2019).
pub fn wareki_fiscal_year(fiscal_year: i32) -> String {
    let Some(may) = NaiveDate::from_ymd_opt(fiscal_year, 5, 1) else {
        return fiscal_year.to_string();
    };
    let day = wareki(may);
    match day.find('年') {
        Some(i) if !day.starts_with(char::is_numeric) => format!("{}年度", &day[..i]),
        _ => format!("{fiscal_year}年度"),
    }
}

/// A cell of a table to download: text, a number (a number in the workbook, never text) or a date.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(Decimal),
    Date(NaiveDate),
    Empty,
}

/// A table to download (a report), laid out by the rules for machine-readable statistics tables: one datum
/// per cell, numbers as numbers, units in the headers, no merged cells; optionally a 和暦 column
/// after each date column.
pub struct Report {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Report {
    /// The table with a `(和暦)` column after every column holding dates.
    pub fn with_wareki(self) -> Report {
        let date_columns: Vec<usize> = (0..self.headers.len())
            .filter(|c| {
                self.rows
                    .iter()
                    .any(|r| matches!(r.get(*c), Some(Cell::Date(_))))
            })
            .collect();
        let mut headers = Vec::new();
        for (c, h) in self.headers.iter().enumerate() {
            headers.push(h.clone());
            if date_columns.contains(&c) {
                headers.push(format!("{h}（和暦）"));
            }
        }
        let rows = self
            .rows
            .into_iter()
            .map(|row| {
                let mut out = Vec::new();
                for (c, cell) in row.into_iter().enumerate() {
                    let era = match &cell {
                        Cell::Date(d) => Cell::Text(wareki(*d)),
                        _ => Cell::Empty,
                    };
                    out.push(cell);
                    if date_columns.contains(&c) {
                        out.push(era);
                    }
                }
                out
            })
            .collect();
        Report { headers, rows }
    }

    fn text_rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Cell::Text(t) => t.clone(),
                        Cell::Number(n) => n.normalize().to_string(),
                        Cell::Date(d) => d.to_string(),
                        Cell::Empty => String::new(),
                    })
                    .collect()
            })
            .collect()
    }

    /// CSV in UTF-8 with a BOM and CRLF line ends.
    pub fn csv(&self) -> Vec<u8> {
        write_csv(&self.headers, &self.text_rows())
    }

    /// CSV in Shift_JIS (CP932) with CRLF line ends, as older municipal systems read it. Characters
    /// Shift_JIS cannot hold are written as `&#NNNN;`.
    pub fn csv_shift_jis(&self) -> Vec<u8> {
        let utf8 = self.csv();
        let text = String::from_utf8_lossy(utf8.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&utf8));
        encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
    }

    /// A plain workbook: numbers and dates as typed cells, bold headers, no formulas or macros.
    pub fn xlsx(&self, sheet_name: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_decimal::prelude::ToPrimitive;
        use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name)?;
        let bold = CellFormat::new().set_bold();
        let date_format = CellFormat::new().set_num_format("yyyy-mm-dd");
        for (c, h) in self.headers.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, h, &bold)?;
            sheet.set_column_width(c, 18)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(t) => {
                        sheet.write_string(r, c, t)?;
                    }
                    // The workbook format stores numbers as doubles: whole amounts of money are
                    // exact in them up to 2^53; the CSV carries the decimal itself.
                    Cell::Number(n) => {
                        sheet.write_number(r, c, n.to_f64().unwrap_or_default())?;
                    }
                    Cell::Date(d) => {
                        let day = ExcelDateTime::from_ymd(
                            u16::try_from(d.year()).unwrap_or(1900),
                            u8::try_from(d.month()).unwrap_or(1),
                            u8::try_from(d.day()).unwrap_or(1),
                        )?;
                        sheet.write_datetime_with_format(r, c, &day, &date_format)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        workbook.save_to_buffer()
    }
}

/// Matches a header against aliases: the whole header, or the text before or inside its
/// parentheses ("指標ID (metric)" matches both `指標id` and `metric`), ignoring case and width.
pub fn header_matches(header: &str, alias: &str) -> bool {
    let h = to_half_width(header).to_lowercase();
    let h = h.trim();
    if h == alias {
        return true;
    }
    if let Some(open) = h.find('(') {
        let outside = h[..open].trim();
        let inside = h[open + 1..].trim_end_matches(')').trim();
        return outside == alias || inside == alias;
    }
    false
}

/// A habit a cell was written in, reported with how it was read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Habit {
    /// Full-width digits or signs (１２３).
    FullWidth,
    /// Thousands separators (1,234).
    Thousands,
    /// ▲ or △ for a negative number.
    TriangleNegative,
    /// A Japanese era date (令和6年4月1日, R6.4.1).
    Wareki,
    /// A date written 2024年4月1日.
    KanjiDate,
}

impl Habit {
    pub fn describe_en(self) -> &'static str {
        match self {
            Habit::FullWidth => "full-width characters read as half-width",
            Habit::Thousands => "thousands separators removed",
            Habit::TriangleNegative => "▲ read as a minus sign",
            Habit::Wareki => "Japanese era date read as a Western date",
            Habit::KanjiDate => "date in 年月日 read as a Western date",
        }
    }

    pub fn describe_ja(self) -> &'static str {
        match self {
            Habit::FullWidth => "全角文字を半角として読み取り",
            Habit::Thousands => "桁区切りのカンマを除去",
            Habit::TriangleNegative => "▲をマイナスとして読み取り",
            Habit::Wareki => "和暦を西暦に変換",
            Habit::KanjiDate => "年月日表記を西暦の日付として読み取り",
        }
    }
}

/// A cell that is not what its column needs (the caller names the cell and what was expected).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable;

/// Full-width ASCII (U+FF01–U+FF5E) and the ideographic space become their ASCII forms; the
/// minus sign U+2212 becomes `-`.
pub fn to_half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2212}' => '-',
            _ => c,
        })
        .collect()
}

/// A number as written in a Japanese spreadsheet: `1234.5`, `1,234`, `▲1,234` (negative),
/// `１２３`. `Ok(None)` for an empty cell; `Err(Unreadable)` for anything that is not a number.
pub fn number(raw: &str) -> Result<Option<(Decimal, Vec<Habit>)>, Unreadable> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let mut habits = Vec::new();
    let mut text = to_half_width(raw);
    if text != raw {
        habits.push(Habit::FullWidth);
    }
    text = text.replace(' ', "");
    let negative = if let Some(rest) = text.strip_prefix('▲').or_else(|| text.strip_prefix('△'))
    {
        habits.push(Habit::TriangleNegative);
        text = rest.to_owned();
        true
    } else {
        false
    };
    if text.contains(',') {
        let whole = text.split('.').next().unwrap_or("");
        let digits = whole.trim_start_matches(['-', '+']);
        let mut groups = digits.split(',');
        let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
        if !first_ok || !groups.all(|g| g.len() == 3) {
            return Err(Unreadable);
        }
        habits.push(Habit::Thousands);
        text = text.replace(',', "");
    }
    let plain = text.strip_prefix(['-', '+']).unwrap_or(&text);
    if plain.is_empty()
        || !plain.chars().all(|c| c.is_ascii_digit() || c == '.')
        || plain.matches('.').count() > 1
        || (negative && text.starts_with(['-', '+']))
    {
        return Err(Unreadable);
    }
    let value = Decimal::from_str(&text).map_err(|_| Unreadable)?;
    Ok(Some((if negative { -value } else { value }, habits)))
}

/// Japanese eras: name, Latin initial, first day.
const ERAS: [(&str, char, (i32, u32, u32)); 4] = [
    ("令和", 'R', (2019, 5, 1)),
    ("平成", 'H', (1989, 1, 8)),
    ("昭和", 'S', (1926, 12, 25)),
    ("大正", 'T', (1912, 7, 30)),
];

/// A date as written in a Japanese spreadsheet: 2024-04-01, 2024/4/1, 2024.4.1, 2024年4月1日,
/// 令和6年4月1日, 令和元年5月1日, R6.4.1, R6/4/1 (and the same in full-width). `Ok(None)` for an
/// empty cell; `Err(Unreadable)` for anything else, including an era date outside its era.
pub fn date(raw: &str) -> Result<Option<(NaiveDate, Vec<Habit>)>, Unreadable> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let mut habits = Vec::new();
    let text = to_half_width(raw);
    if text != raw {
        habits.push(Habit::FullWidth);
    }
    let text = text.replace(' ', "");
    // An era, by name or initial.
    let mut era = None;
    let mut rest = text.as_str();
    for (i, (name, initial, _)) in ERAS.iter().enumerate() {
        if let Some(r) = rest.strip_prefix(name) {
            era = Some(i);
            rest = r;
            break;
        }
        if let Some(r) = rest
            .strip_prefix(*initial)
            .or_else(|| rest.strip_prefix(initial.to_ascii_lowercase()))
        {
            era = Some(i);
            rest = r;
            break;
        }
    }
    let kanji = rest.contains('年');
    let parts: Vec<&str> = rest
        .trim_end_matches('日')
        .split(['年', '月', '-', '/', '.'])
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(Unreadable);
    };
    let number = |s: &str| -> Result<u32, Unreadable> {
        if s.is_empty() || s.len() > 4 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(Unreadable);
        }
        s.parse().map_err(|_| Unreadable)
    };
    let (month, day) = (number(m)?, number(d)?);
    let day = match era {
        Some(i) => {
            let year_in_era = if *y == "元" { 1 } else { number(y)? };
            if year_in_era == 0 || year_in_era > 99 {
                return Err(Unreadable);
            }
            let (first_year, fm, fd) = ERAS[i].2;
            let year = first_year + year_in_era as i32 - 1;
            let day = NaiveDate::from_ymd_opt(year, month, day).ok_or(Unreadable)?;
            let start = NaiveDate::from_ymd_opt(first_year, fm, fd).ok_or(Unreadable)?;
            let next = i
                .checked_sub(1)
                .and_then(|n| NaiveDate::from_ymd_opt(ERAS[n].2.0, ERAS[n].2.1, ERAS[n].2.2));
            if day < start || next.is_some_and(|n| day >= n) {
                return Err(Unreadable);
            }
            habits.push(Habit::Wareki);
            day
        }
        None => {
            if y.len() != 4 {
                return Err(Unreadable);
            }
            let day = NaiveDate::from_ymd_opt(number(y)? as i32, month, day).ok_or(Unreadable)?;
            if kanji {
                habits.push(Habit::KanjiDate);
            }
            day
        }
    };
    debug_assert!(day.year() > 1900);
    Ok(Some((day, habits)))
}

/// A fiscal year as officers write it: 2024, 2024年度, FY2024, 令和6年度, R6, R6年度, 平成30年度,
/// 令和元年度 (full-width too). FY2019 is 令和元年度 (and 平成31年度).
pub fn fiscal_year(raw: &str) -> Result<Option<i32>, Unreadable> {
    let text = to_half_width(raw.trim()).replace(' ', "");
    if text.is_empty() {
        return Ok(None);
    }
    let rest = text.trim_end_matches("年度");
    let rest = rest
        .strip_prefix("FY")
        .or_else(|| rest.strip_prefix("fy"))
        .unwrap_or(rest);
    for (name, initial, (first_year, _, _)) in ERAS {
        let in_era = rest
            .strip_prefix(name)
            .or_else(|| rest.strip_prefix(initial))
            .or_else(|| rest.strip_prefix(initial.to_ascii_lowercase()));
        if let Some(year) = in_era {
            let year = year.trim_end_matches('年');
            let n: i32 = if year == "元" {
                1
            } else {
                year.parse().map_err(|_| Unreadable)?
            };
            if !(1..=99).contains(&n) {
                return Err(Unreadable);
            }
            return Ok(Some(first_year + n - 1));
        }
    }
    if rest.len() == 4 && rest.chars().all(|c| c.is_ascii_digit()) {
        return rest.parse().map(Some).map_err(|_| Unreadable);
    }
    Err(Unreadable)
}

/// What an unreadable header row of a CSV file is told (`e`: the CSV reader's reason).
pub fn header_row_problem(e: &impl std::fmt::Display) -> Msg {
    msg!(
        "sheet.header_row",
        "a header row ({e})",
        "読み取れる見出し行（{e}）"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn wareki_and_western_dates() {
        let read = |s: &str| date(s).unwrap().unwrap();
        assert_eq!(read("令和6年4月1日"), (d(2024, 4, 1), vec![Habit::Wareki]));
        assert_eq!(read("R6.4.1").0, d(2024, 4, 1));
        assert_eq!(read("r6/4/1").0, d(2024, 4, 1));
        assert_eq!(read("令和元年5月1日").0, d(2019, 5, 1));
        assert_eq!(read("平成31年4月30日").0, d(2019, 4, 30));
        assert_eq!(read("H31.4.30").0, d(2019, 4, 30));
        assert_eq!(
            read("令和６年４月１日"),
            (d(2024, 4, 1), vec![Habit::FullWidth, Habit::Wareki])
        );
        assert_eq!(
            read("2024年4月1日"),
            (d(2024, 4, 1), vec![Habit::KanjiDate])
        );
        assert_eq!(read("2024-04-01"), (d(2024, 4, 1), vec![]));
        assert_eq!(read("2024/4/1").0, d(2024, 4, 1));
        assert_eq!(date("").unwrap(), None);
        // Outside the era, impossible days, other orders.
        for bad in [
            "令和1年4月30日",
            "平成31年5月1日",
            "R6.2.30",
            "01/04/2024",
            "令和",
            "someday",
            "24-4-1",
        ] {
            assert_eq!(date(bad), Err(Unreadable), "{bad}");
        }
    }

    #[test]
    fn japanese_numbers() {
        let read = |s: &str| number(s).unwrap().unwrap();
        assert_eq!(read("1234.5").0, Decimal::new(12345, 1));
        assert_eq!(read("1,234"), (Decimal::from(1234), vec![Habit::Thousands]));
        assert_eq!(
            read("▲1,234"),
            (
                Decimal::from(-1234),
                vec![Habit::TriangleNegative, Habit::Thousands]
            )
        );
        assert_eq!(read("△5").0, Decimal::from(-5));
        assert_eq!(read("１２３").0, Decimal::from(123));
        assert_eq!(read("-0.329").0, Decimal::new(-329, 3));
        assert_eq!(number(" ").unwrap(), None);
        for bad in [
            "1,23", "12,3456", "abc", "1.2.3", "▲-5", "1e5", "0x10", "--1",
        ] {
            assert_eq!(number(bad), Err(Unreadable), "{bad}");
        }
    }

    #[test]
    fn headers_match_in_either_language() {
        assert!(header_matches("指標ID (metric)", "metric"));
        assert!(header_matches("指標ID (metric)", "指標id"));
        assert!(header_matches("ＶＡＬＵＥ", "value"));
        assert!(!header_matches("metric_name", "metric"));
    }

    #[test]
    fn fiscal_years_are_read_as_officers_write_them() {
        for (text, year) in [
            ("2024", 2024),
            ("2024年度", 2024),
            ("FY2024", 2024),
            ("令和6年度", 2024),
            ("R6", 2024),
            ("r6年度", 2024),
            ("令和元年度", 2019),
            ("平成30年度", 2018),
            ("ｒ６", 2024),
        ] {
            assert_eq!(fiscal_year(text), Ok(Some(year)), "{text}");
        }
        assert_eq!(fiscal_year(" "), Ok(None));
        for bad in ["24", "令和100年度", "next year", "R"] {
            assert_eq!(fiscal_year(bad), Err(Unreadable), "{bad}");
        }
    }

    #[test]
    fn fiscal_years_are_named_by_era() {
        assert_eq!(wareki_fiscal_year(2025), "令和7年度");
        assert_eq!(wareki_fiscal_year(2019), "令和元年度");
        assert_eq!(wareki_fiscal_year(2018), "平成30年度");
    }

    #[test]
    fn wareki_is_written_as_municipal_documents_do() {
        assert_eq!(wareki(d(2024, 4, 1)), "令和6年4月1日");
        assert_eq!(wareki(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(wareki(d(2019, 4, 30)), "平成31年4月30日");
        for day in [d(2024, 4, 1), d(2019, 5, 1), d(1989, 1, 8), d(2000, 2, 29)] {
            assert_eq!(date(&wareki(day)).unwrap().unwrap().0, day, "round trip");
        }
    }

    #[test]
    fn downloads_in_three_forms() {
        let table = Report {
            headers: vec!["事業名".into(), "金額（円）".into(), "支払期日".into()],
            rows: vec![vec![
                Cell::Text("神戸市".into()),
                Cell::Number(Decimal::from(29_432_425)),
                Cell::Date(d(2020, 9, 30)),
            ]],
        }
        .with_wareki();
        assert_eq!(table.headers[3], "支払期日（和暦）");
        let csv = table.csv();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let read = Table::read(&csv, &SheetLimits::default()).unwrap();
        assert_eq!(
            read.rows[0].cells,
            ["神戸市", "29432425", "2020-09-30", "令和2年9月30日"]
        );
        let sjis = table.csv_shift_jis();
        assert!(std::str::from_utf8(&sjis).is_err(), "Shift_JIS bytes");
        assert!(sjis.windows(2).any(|w| w == b"\r\n"));
        let back = Table::read(&sjis, &SheetLimits::default()).unwrap();
        assert_eq!(back.headers[0], "事業名");
        assert_eq!(back.rows[0].cells[0], "神戸市");
        let book = table.xlsx("支払").unwrap();
        let read = Table::read(&book, &SheetLimits::default()).unwrap();
        assert_eq!(read.rows[0].cells[1], "29432425", "a number cell");
        assert_eq!(read.rows[0].cells[2], "2020-09-30", "a date cell");
    }

    #[test]
    fn a_written_workbook_reads_back() {
        let headers = vec!["指標ID (metric)".to_owned(), "実績値 (value)".to_owned()];
        let rows = vec![
            vec!["rate".to_owned(), "▲1,234".to_owned()],
            vec![String::new(), String::new()],
            vec!["x".to_owned(), String::new()],
        ];
        let bytes = write_xlsx("成果", &headers, &rows).unwrap();
        assert!(is_xlsx(&bytes));
        // The header row is frozen and every column filters, as in an officer's own file.
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(xml.contains(r#"ySplit="1""#), "{xml}");
        assert!(xml.contains(r#"<autoFilter ref="A1:B4""#), "{xml}");
        let table = Table::read(&bytes, &SheetLimits::default()).unwrap();
        assert_eq!(table.format, Format::Xlsx);
        assert_eq!(table.sheet.as_deref(), Some("成果"));
        assert_eq!(table.headers, headers);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].cells, ["rate", "▲1,234"]);
        assert_eq!(table.rows[1].number, 4);
        assert_eq!(
            table.place(4, "value").en,
            "sheet 成果, row 4, column value"
        );
        let csv = write_csv(&headers, &rows);
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(
            Table::read(&csv, &SheetLimits::default()).unwrap().headers,
            headers
        );
    }

    #[test]
    fn csv_rows_keep_their_numbers_and_skip_empty_lines() {
        let table = Table::read(
            "a,b\r\n1,2\r\n,\r\n3,4\r\n5\r\n".as_bytes(),
            &SheetLimits::default(),
        )
        .unwrap();
        assert_eq!(table.format, Format::Csv);
        assert_eq!(
            table.rows.iter().map(|r| r.number).collect::<Vec<_>>(),
            [2, 4]
        );
        let issues = table.issues.into_vec();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path.en, "row 5");
        let lf = Table::read("a,b\n1,2\n\n3,4\n".as_bytes(), &SheetLimits::default()).unwrap();
        assert_eq!(lf.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn csv_cells_never_open_as_formulas() {
        let headers = vec!["=title".to_owned(), "amount".to_owned()];
        let rows = vec![
            vec!["=HYPERLINK(\"http://x\")".to_owned(), "-1200".to_owned()],
            vec!["+81 3".to_owned(), "-1.5".to_owned()],
            vec!["@SUM(A1)".to_owned(), "-1+1".to_owned()],
            vec!["\tcmd".to_owned(), "plain - text".to_owned()],
        ];
        let csv = String::from_utf8(write_csv(&headers, &rows)).unwrap();
        assert_eq!(
            csv.trim_start_matches('\u{feff}'),
            "'=title,amount\r\n\"'=HYPERLINK(\"\"http://x\"\")\",-1200\r\n'+81 3,-1.5\r\n\
             '@SUM(A1),'-1+1\r\n'\tcmd,plain - text\r\n"
        );
    }
}
