//! Messages people read when Seika refuses something: a stable code that clients can switch on,
//! and the sentence in English and Japanese, written side by side where the check is made.
//!
//! `msg!("text.length", "a text of 1 to {max} characters", "1〜{max}文字", max = 200)` builds
//! one. The API renders the sentence in the language the request asks for (`Accept-Language`)
//! and sends the code beside it; a test reads every `msg!` in the sources and fails when a code
//! has no Japanese or English text, or two texts.

use std::fmt;

use crate::msg;

/// A stable code with its English and Japanese sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Stable, dotted: `area.what` (`text.length`, `claim.amount_above_outstanding`).
    pub code: &'static str,
    pub en: String,
    pub ja: String,
}

/// The two languages a person reads Seika in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    /// The language an `Accept-Language` header prefers among Seika's two (English by default):
    /// the first of `ja`/`en` by quality, ties broken by order.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(u16, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let lang = match tag.split('-').next() {
                Some("ja") => Lang::Ja,
                Some("en") => Lang::En,
                _ => continue,
            };
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, quality_thousandths);
            if quality > 0 && best.is_none_or(|(b, _)| quality > b) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }
}

/// An `Accept-Language` quality (`0.8`, `1`, `0.125`) in thousandths; 0 when unreadable.
fn quality_thousandths(q: &str) -> u16 {
    let (whole, fraction) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
    match (whole, digits.parse::<u16>()) {
        ("1", Ok(_)) => 1000,
        ("0", Ok(f)) if fraction.len() <= 3 => f,
        _ => 0,
    }
}

impl Msg {
    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }

    /// serde's sentence with a code and in Japanese. serde writes a handful of shapes (missing,
    /// unknown, wrong type, unknown variant, invalid value or length); the custom ones are Seika's
    /// own money and currency checks. Anything else is passed on under `json.invalid`.
    pub fn from_serde(message: &str) -> Msg {
        let quoted = |rest: &str| rest.split('`').next().unwrap_or("").to_owned();
        if let Some(rest) = message.strip_prefix("missing field `") {
            let name = quoted(rest);
            return msg!(
                "json.missing_field",
                "missing field `{name}`",
                "必須項目 `{name}` がありません"
            );
        }
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let name = quoted(rest);
            let expected = rest.split_once("`, expected ").map_or("", |(_, e)| e);
            return msg!(
                "json.unknown_field",
                "{message}",
                "`{name}` という項目はありません（使える項目: {expected}）"
            );
        }
        if let Some(rest) = message.strip_prefix("unknown variant `") {
            let name = quoted(rest);
            let expected = rest.split_once("`, expected ").map_or("", |(_, e)| e);
            return msg!(
                "json.unknown_variant",
                "{message}",
                "`{name}` は選べません: {expected} のいずれかにしてください"
            );
        }
        let found_expected = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split_once(", expected "))
        };
        if let Some((found, expected)) = found_expected("invalid type: ") {
            return msg!(
                "json.invalid_type",
                "{message}",
                "値の型が正しくありません（{found}）: {expected} が必要です"
            );
        }
        if let Some((found, expected)) = found_expected("invalid value: ") {
            return msg!(
                "json.invalid_value",
                "{message}",
                "値が正しくありません（{found}）: {expected} が必要です"
            );
        }
        if let Some((found, expected)) = found_expected("invalid length ") {
            return msg!(
                "json.invalid_length",
                "{message}",
                "要素の数が正しくありません（{found}）: {expected} が必要です"
            );
        }
        if let Some(rest) = message.strip_prefix("unknown currency `") {
            let code = quoted(rest);
            return msg!(
                "money.unknown_currency",
                "{message}",
                "`{code}` は通貨コードではありません: JPY、USD、GBP のような ISO 4217 のコードにしてください"
            );
        }
        if message.contains("has more decimal places than") {
            return msg!(
                "money.too_precise",
                "{message}",
                "通貨の最小単位より細かい金額です: {message}"
            );
        }
        if message.contains("is not a decimal amount") {
            return msg!(
                "money.not_decimal",
                "{message}",
                "\"1234\" や \"12.50\" のような文字列の金額にしてください"
            );
        }
        msg!(
            "json.invalid",
            "{message}",
            "値が正しくありません: {message}"
        )
    }

    /// The same message with `prefix` put before the sentence in each language (e.g. the place
    /// in a file a problem was found).
    pub fn prefixed(self, en: &str, ja: &str) -> Msg {
        Msg {
            code: self.code,
            en: format!("{en}{}", self.en),
            ja: format!("{ja}{}", self.ja),
        }
    }
}

/// Where something is, as a person finds it, in both languages: a JSON path (`metrics[0].target`,
/// the same in both) or a place in a file (`sheet 成果, row 3, column value` /
/// `シート「成果」、3 行目、列 value`). The English form is the stable `field` of a problem.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    pub en: String,
    pub ja: String,
}

impl Place {
    /// A row, or a cell when a column is given, of a sheet (XLSX) or of a CSV file (no sheet).
    pub fn cell(sheet: Option<&str>, row: usize, column: Option<&str>) -> Place {
        let mut place = match sheet {
            Some(sheet) => Place {
                en: format!("sheet {sheet}, row {row}"),
                ja: format!("シート「{sheet}」、{row} 行目"),
            },
            None => Place {
                en: format!("row {row}"),
                ja: format!("{row} 行目"),
            },
        };
        if let Some(column) = column {
            place.en.push_str(&format!(", column {column}"));
            place.ja.push_str(&format!("、列 {column}"));
        }
        place
    }

    /// A whole sheet of a workbook.
    pub fn sheet(sheet: &str) -> Place {
        Place {
            en: format!("sheet {sheet}"),
            ja: format!("シート「{sheet}」"),
        }
    }

    /// A column of a file, on no particular row.
    pub fn column(column: &str) -> Place {
        Place {
            en: format!("column {column}"),
            ja: format!("列 {column}"),
        }
    }

    /// The same place, with the value found there.
    pub fn with_value(mut self, value: &str) -> Place {
        self.en.push_str(&format!(", value `{value}`"));
        self.ja.push_str(&format!("、値 `{value}`"));
        self
    }

    /// The place in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.en.is_empty()
    }
}

/// A JSON path reads the same in both languages.
impl From<String> for Place {
    fn from(path: String) -> Place {
        Place {
            ja: path.clone(),
            en: path,
        }
    }
}

impl From<&str> for Place {
    fn from(path: &str) -> Place {
        Place::from(path.to_owned())
    }
}

impl From<&String> for Place {
    fn from(path: &String) -> Place {
        Place::from(path.clone())
    }
}

impl From<&Place> for Place {
    fn from(place: &Place) -> Place {
        place.clone()
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// English, for logs and `Display`.
impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// A message: `msg!` takes a code, the English and the Japanese text and the arguments, each text a format string over the same
/// arguments (named ones may be captured from scope).
#[macro_export]
macro_rules! msg {
    ($code:literal, $en:literal, $ja:literal $(,)?) => {
        $crate::message::Msg {
            code: $code,
            en: format!($en),
            ja: format!($ja),
        }
    };
    ($code:literal, $en:literal, $ja:literal, $($args:tt)+) => {
        $crate::message::Msg {
            code: $code,
            en: format!($en, $($args)+),
            ja: format!($ja, $($args)+),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_both_languages_with_captured_and_named_arguments() {
        let max = 200;
        let m = msg!(
            "text.length",
            "a text of 1 to {max} characters",
            "1〜{max}文字"
        );
        assert_eq!(m.en, "a text of 1 to 200 characters");
        assert_eq!(m.ja, "1〜200文字");
        let m = msg!(
            "x.y",
            "{n} of {total}",
            "{total}件中{n}件",
            n = 3,
            total = 4
        );
        assert_eq!(m.text(Lang::Ja), "4件中3件");
        assert_eq!(m.to_string(), "3 of 4");
    }

    #[test]
    fn places_read_in_both_languages() {
        let cell = Place::cell(Some("成果"), 3, Some("value")).with_value("x");
        assert_eq!(cell.en, "sheet 成果, row 3, column value, value `x`");
        assert_eq!(cell.ja, "シート「成果」、3 行目、列 value、値 `x`");
        assert_eq!(Place::cell(None, 4, None).text(Lang::Ja), "4 行目");
        assert_eq!(Place::column("metric").ja, "列 metric");
        let path = Place::from("metrics[0].target");
        assert_eq!(path.en, path.ja);
    }

    #[test]
    fn reads_the_preferred_language_from_accept_language() {
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_accept_language("ja"), Lang::Ja);
        assert_eq!(
            Lang::from_accept_language("ja-JP,ja;q=0.9,en;q=0.8"),
            Lang::Ja
        );
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,ja;q=0.8"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("fr, ja;q=0.5"), Lang::Ja);
        assert_eq!(Lang::from_accept_language("ja;q=0.2, en;q=0.7"), Lang::En);
        assert_eq!(Lang::from_accept_language("ja;q=0, de"), Lang::En);
        assert_eq!(Lang::from_accept_language("*"), Lang::En);
    }
}
