//! Reading participant-level records from CSV as Japanese local governments produce them:
//! UTF-8 with or without BOM or Shift_JIS; dates as 2024-04-01 or 2024/04/01; Japanese or English
//! headers. All or nothing: every problem is reported with its row, column and value. Columns
//! that look like direct identifiers are refused outright.

use chrono::NaiveDate;
use seika_core::message::{Msg, Place};
use seika_core::msg;

use crate::sheet::{self, SheetLimits, Table};
use seika_core::contract::{Issue, Issues};

/// One parsed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRow {
    pub participant: String,
    pub cohort: Option<String>,
    pub enrolled_on: Option<NaiveDate>,
    pub outcome: String,
    pub achieved_on: NaiveDate,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Participant,
    Cohort,
    EnrolledOn,
    Outcome,
    AchievedOn,
}

const ALIASES: &[(&str, Field)] = &[
    ("participant", Field::Participant),
    ("participant_id", Field::Participant),
    ("participant_key", Field::Participant),
    ("参加者id", Field::Participant),
    ("参加者", Field::Participant),
    ("対象者id", Field::Participant),
    ("cohort", Field::Cohort),
    ("コホート", Field::Cohort),
    ("enrolled_on", Field::EnrolledOn),
    ("enrolment_date", Field::EnrolledOn),
    ("登録日", Field::EnrolledOn),
    ("参加日", Field::EnrolledOn),
    ("outcome", Field::Outcome),
    ("成果", Field::Outcome),
    ("achieved_on", Field::AchievedOn),
    ("達成日", Field::AchievedOn),
];

/// Header words that mean the file carries direct identifiers (names, contacts, ID numbers).
const IDENTIFIER_WORDS: &[&str] = &[
    "name",
    "氏名",
    "名前",
    "姓",
    "phone",
    "tel",
    "電話",
    "mobile",
    "携帯",
    "address",
    "住所",
    "email",
    "e-mail",
    "mail",
    "メール",
    "individual_number",
    "my_number",
    "mynumber",
    "マイナンバー",
    "個人番号",
    "birth",
    "生年月日",
    "insurance_number",
    "被保険者番号",
];

fn looks_like_identifier(header: &str) -> bool {
    let h = header.to_lowercase();
    IDENTIFIER_WORDS.iter().any(|w| h.contains(w))
}

/// A participant key must be a pseudonym: refuse e-mail addresses and long digit strings
/// (telephone numbers, 12-digit individual numbers).
fn key_problem(key: &str) -> Option<Msg> {
    let digits = key.chars().filter(char::is_ascii_digit).count();
    let only_digits_and_dashes = key
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    if key.is_empty() || key.len() > 64 || key.chars().any(char::is_whitespace) {
        Some(msg!(
            "participant.key",
            "a pseudonymous key of 1 to 64 characters without spaces",
            "空白を含まない 1〜64 文字の仮名の ID"
        ))
    } else if key.starts_with(seika_core::outcomes::ERASED_PREFIX) {
        Some(msg!(
            "participant.key_erased",
            "a pseudonymous key not starting with `erased-` (kept for erased participants)",
            "`erased-` で始まらない仮名の ID（消去した参加者のために予約されています）"
        ))
    } else if key.contains('@') || (only_digits_and_dashes && digits >= 10) {
        Some(msg!(
            "participant.key_identifier",
            "a pseudonymous key, not an e-mail address, telephone or individual number",
            "仮名の ID（メールアドレス・電話番号・個人番号は不可）"
        ))
    } else {
        None
    }
}

/// Parses the file (CSV or XLSX) within `limits`; `allowed_outcomes` are the outcome names the
/// contract pays for.
pub fn parse(
    bytes: &[u8],
    allowed_outcomes: &[String],
    limits: &SheetLimits,
) -> Result<Vec<ParticipantRow>, Vec<Issue>> {
    let table = Table::read(bytes, limits).map_err(|issue| vec![issue])?;
    parse_table(&table, allowed_outcomes)
}

/// A date cell: 2024-04-01, 2024/4/1, 令和6年4月1日, R6.4.1 and the other forms
/// [`sheet::date`] reads.
fn day(text: &str) -> Option<NaiveDate> {
    sheet::date(text).ok().flatten().map(|(d, _)| d)
}

fn date_expected() -> Msg {
    msg!(
        "participant.date",
        "a date such as 2024-04-01, 2024/4/1, 令和6年4月1日 or R6.4.1",
        "2024-04-01、2024/4/1、令和6年4月1日、R6.4.1 のような日付"
    )
}

/// Parses a table already read.
pub fn parse_table(
    table: &Table,
    allowed_outcomes: &[String],
) -> Result<Vec<ParticipantRow>, Vec<Issue>> {
    let mut issues = Issues::default();
    let columns = columns(&table.headers, &mut issues);
    if !issues.is_empty() {
        return Err(issues.into_vec());
    }
    let index = |f: Field| columns.iter().position(|c| *c == Some(f));
    let at = Columns {
        participant: index(Field::Participant),
        outcome: index(Field::Outcome),
        achieved_on: index(Field::AchievedOn),
        cohort: index(Field::Cohort),
        enrolled_on: index(Field::EnrolledOn),
    };
    let mut rows = Vec::new();
    issues.merge(&table.issues);
    for row in &table.rows {
        if let Some(refused) = table.refused_cell(row) {
            issues.push(refused);
            continue;
        }
        if let Some(read) = read_row(table, row, &at, allowed_outcomes, &mut issues) {
            rows.push(read);
        }
    }
    if rows.is_empty() && issues.is_empty() {
        issues.push(Issue::new(
            "file",
            msg!(
                "participant.no_records",
                "at least one record",
                "記録が少なくとも一つ必要です"
            ),
        ));
    }
    if issues.is_empty() {
        Ok(rows)
    } else {
        Err(issues.into_vec())
    }
}

/// Each header's field: none for a direct identifier or an unknown column (issues both), and
/// the required ones missing.
fn columns(headers: &[String], issues: &mut Issues) -> Vec<Option<Field>> {
    let mut columns: Vec<Option<Field>> = Vec::new();
    for h in headers {
        if looks_like_identifier(h) {
            issues.push(Issue::new(
                Place::column(&format!("`{h}`")),
                msg!("participant.identifiers", "no direct identifiers (names, phone numbers, addresses, e-mail, individual numbers): use a pseudonymous participant key", "直接の個人識別情報（氏名・電話番号・住所・メール・個人番号）は取り込めません。仮名の参加者 ID を使ってください"),
            ));
            columns.push(None);
            continue;
        }
        let field = ALIASES
            .iter()
            .find(|(alias, _)| sheet::header_matches(h, alias))
            .map(|(_, f)| *f);
        if field.is_none() {
            issues.push(Issue::new(
                Place::column(&format!("`{h}`")),
                msg!("participant.column", "one of participant, outcome, achieved_on, cohort, enrolled_on (or 参加者ID, 成果, 達成日, コホート, 登録日)", "participant, outcome, achieved_on, cohort, enrolled_on（または 参加者ID, 成果, 達成日, コホート, 登録日）のいずれかの列"),
            ));
        }
        columns.push(field);
    }
    for (required, name) in [
        (Field::Participant, "participant"),
        (Field::Outcome, "outcome"),
        (Field::AchievedOn, "achieved_on"),
    ] {
        if !columns.contains(&Some(required)) {
            issues.push(Issue::new(
                Place::column(&format!("`{name}`")),
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

/// Where each field's column is.
struct Columns {
    participant: Option<usize>,
    outcome: Option<usize>,
    achieved_on: Option<usize>,
    cohort: Option<usize>,
    enrolled_on: Option<usize>,
}

/// One record: a pseudonymous key, one of the contract's outcomes, its day (on or after the
/// enrolment); none when it has no readable day.
fn read_row(
    table: &Table,
    row: &sheet::Row,
    at: &Columns,
    allowed_outcomes: &[String],
    issues: &mut Issues,
) -> Option<ParticipantRow> {
    let (line, record) = (row.number, &row.cells);
    let (p, o, a, c, e) = (
        at.participant,
        at.outcome,
        at.achieved_on,
        at.cohort,
        at.enrolled_on,
    );
    let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).map_or("", String::as_str);
    let participant = cell(p);
    if let Some(problem) = key_problem(participant) {
        issues.push(Issue::new(
            table.place(line, "participant").with_value(participant),
            problem,
        ));
    }
    let outcome = cell(o);
    if !allowed_outcomes.iter().any(|x| x == outcome) {
        issues.push(Issue::new(
            table.place(line, "outcome").with_value(outcome),
            msg!(
                "participant.outcome",
                "one of the contract's outcomes: {}",
                "契約の成果のいずれか: {}",
                allowed_outcomes.join(", ")
            ),
        ));
    }
    let achieved = cell(a);
    let achieved_on = day(achieved);
    if achieved_on.is_none() {
        issues.push(Issue::new(
            table.place(line, "achieved_on").with_value(achieved),
            date_expected(),
        ));
    }
    let enrolled = cell(e);
    let enrolled_on = if enrolled.is_empty() {
        None
    } else {
        day(enrolled)
    };
    if !enrolled.is_empty() && enrolled_on.is_none() {
        issues.push(Issue::new(
            table.place(line, "enrolled_on").with_value(enrolled),
            date_expected(),
        ));
    }
    if let (Some(enrolled), Some(achieved)) = (enrolled_on, achieved_on)
        && achieved < enrolled
    {
        issues.push(Issue::new(
            table
                .place(line, "achieved_on")
                .with_value(&achieved.to_string()),
            msg!(
                "participant.before_enrolment",
                "a date on or after the enrolment date",
                "登録日以降の日付"
            ),
        ));
    }
    achieved_on.map(|achieved_on| ParticipantRow {
        participant: participant.to_owned(),
        cohort: Some(cell(c)).filter(|x| !x.is_empty()).map(str::to_owned),
        enrolled_on,
        outcome: outcome.to_owned(),
        achieved_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["job_start".into(), "training_start".into()]
    }

    #[test]
    fn japanese_headers_and_shift_jis() {
        let text = "参加者ID,成果,達成日,コホート\nP001,job_start,2024/05/01,2024年度\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let rows = parse(&sjis, &allowed(), &SheetLimits::default()).unwrap();
        assert_eq!(rows[0].participant, "P001");
        assert_eq!(rows[0].cohort.as_deref(), Some("2024年度"));
        assert_eq!(
            rows[0].achieved_on,
            NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
        );
    }

    #[test]
    fn wareki_dates_and_workbooks() {
        let text = "参加者ID,成果,達成日\nP001,job_start,令和6年5月1日\nP002,job_start,R6.5.2\n";
        let rows = parse(text.as_bytes(), &allowed(), &SheetLimits::default()).unwrap();
        assert_eq!(
            rows[1].achieved_on,
            NaiveDate::from_ymd_opt(2024, 5, 2).unwrap()
        );
        let headers = ["participant", "outcome", "achieved_on"]
            .map(String::from)
            .to_vec();
        let data = vec![
            ["P1", "job_start", "2024-05-01"].map(String::from).to_vec(),
            ["P2", "job_start", "R6.13.1"].map(String::from).to_vec(),
        ];
        let xlsx = sheet::write_xlsx("records", &headers, &data).unwrap();
        let err = parse(&xlsx, &allowed(), &SheetLimits::default()).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(
            err[0].path.en,
            "sheet records, row 3, column achieved_on, value `R6.13.1`"
        );
        assert_eq!(
            err[0].path.ja,
            "シート「records」、3 行目、列 achieved_on、値 `R6.13.1`"
        );
    }

    #[test]
    fn identifier_columns_and_keys_are_refused() {
        let err = parse(
            "participant,outcome,achieved_on,氏名\nP1,job_start,2024-05-01,山田\n".as_bytes(),
            &allowed(),
            &SheetLimits::default(),
        )
        .unwrap_err();
        assert!(err[0].path.en.contains("氏名"));
        let err = parse("participant,outcome,achieved_on\n090-1234-5678,job_start,2024-05-01\na@b.jp,job_start,2024-05-01\n".as_bytes(), &allowed(), &SheetLimits::default()).unwrap_err();
        assert_eq!(err.len(), 2);
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv = "participant,outcome,achieved_on\nP1,job_start,2024-05-01\nP2,dancing,2024-05-01\nP3,job_start,yesterday\n";
        let err = parse(csv.as_bytes(), &allowed(), &SheetLimits::default()).unwrap_err();
        assert_eq!(err.len(), 2);
        assert!(err[0].path.en.starts_with("row 3, column outcome"));
        assert!(err[1].path.en.starts_with("row 4, column achieved_on"));
    }

    #[test]
    fn keys_in_broken_bytes_or_with_a_tab_are_refused_with_their_cell() {
        let limits = SheetLimits::default();
        // Shift_JIS with a lead byte whose trail byte is missing, in the second record's key.
        let (mut sjis, _, _) = encoding_rs::SHIFT_JIS
            .encode("参加者ID,成果,達成日\nP001,job_start,2024/05/01\nP00,job_start,2024/05/02\n");
        let key_end = sjis.windows(4).rposition(|w| w == b"P00,").unwrap() + 3;
        sjis.to_mut().insert(key_end, 0x81);
        let err = parse(&sjis, &allowed(), &limits).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].path.en, "row 3, column 参加者ID");
        assert_eq!(err[0].message.code, "text.undecodable");
        // UTF-8 with one byte that is not.
        let mut utf8 = "participant,outcome,achieved_on\n神戸-1,job_start,2024-05-01\n"
            .as_bytes()
            .to_vec();
        utf8.insert(32, 0xFF);
        let err = parse(&utf8, &allowed(), &limits).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(
            err[0].path.en.starts_with("row 2, column participant"),
            "{err:?}"
        );
        // A leading tab is not dropped unseen: two keys would become one.
        let err = parse(
            "participant,outcome,achieved_on\n\tP1,job_start,2024-05-01\n".as_bytes(),
            &allowed(),
            &limits,
        )
        .unwrap_err();
        assert_eq!(err[0].message.code, "participant.key", "{err:?}");
        // Spaces around a key are still trimmed.
        let rows = parse(
            "participant,outcome,achieved_on\n P1　,job_start,2024-05-01\n".as_bytes(),
            &allowed(),
            &limits,
        )
        .unwrap();
        assert_eq!(rows[0].participant, "P1");
    }
}
