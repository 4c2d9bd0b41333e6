//! One reader for a figure a person types into a form: the same habits the imports read
//! (full-width digits, thousands separators, ▲ for minus; [`crate::sheet::number`]), and what
//! officers add by hand: 円, 万円 (and 千円, 億円) on amounts, % on rates, 年度 and era years
//! (令和6年度, R6) on fiscal years. The forms send what was typed here and keep the figure
//! it reads; nothing in the browser parses numbers.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::sheet::{fiscal_year, number, to_half_width};
use seika_core::message::Msg;
use seika_core::money::{Currency, Money};
use seika_core::msg;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// An amount in the currency's minor units: 34,060,000, 3,406万円, ３４０６００００円.
    Money,
    /// A number on its own scale: 1.5, ▲0.2, 1,200.
    Number,
    /// A whole number: 30, ３０.
    Integer,
    /// A rate typed as a percentage (95, 95%, ９５％, 2.5 %), read as a fraction (0.95).
    Percent,
    /// A fiscal year: 2024, 2024年度, 令和6年度, R6.
    FiscalYear,
}

/// The figure `text` holds for a field of `kind`, as the terms store it ("34060000", "0.95",
/// "2024"); `None` for an empty field; what to type instead otherwise.
pub fn read(kind: FigureKind, text: &str, currency: Currency) -> Result<Option<String>, Msg> {
    let text = to_half_width(text.trim()).replace(' ', "");
    if text.is_empty() {
        return Ok(None);
    }
    match kind {
        FigureKind::Money => money(&text, currency),
        FigureKind::Number => number(&text)
            .map(|n| n.map(|(d, _)| d.normalize().to_string()))
            .map_err(|_| {
                msg!(
                    "figure.number",
                    "a number such as 1.5, 1,200 or ▲0.2",
                    "1.5、1,200、▲0.2 のような数"
                )
            }),
        FigureKind::Integer => match number(&text) {
            Ok(Some((d, _))) if d.fract().is_zero() => Ok(Some(d.normalize().to_string())),
            _ => Err(msg!(
                "figure.integer",
                "a whole number such as 30",
                "30 のような整数"
            )),
        },
        FigureKind::Percent => percent(&text),
        FigureKind::FiscalYear => fiscal_year(&text)
            .map(|y| y.map(|y| y.to_string()))
            .map_err(|_| {
                msg!(
                    "figure.fiscal_year",
                    "a fiscal year such as 2024, 2024年度, 令和6年度 or R6",
                    "2024、2024年度、令和6年度、R6 のような年度"
                )
            }),
    }
}

/// An amount as written, in any currency: a number with 円, or 千円 / 万円 / 億円 multiplying it
/// (full-width, separators and ▲ as the imports read them); `None` when it is not one.
pub fn amount(text: &str) -> Option<Decimal> {
    let text = to_half_width(text.trim()).replace(' ', "");
    let text = text.strip_suffix('円').unwrap_or(&text);
    let (digits, times) = [("億", 100_000_000_i64), ("万", 10_000), ("千", 1_000)]
        .iter()
        .find_map(|(unit, times)| text.strip_suffix(unit).map(|d| (d, *times)))
        .unwrap_or((text, 1));
    let Ok(Some((value, _))) = number(digits) else {
        return None;
    };
    value.checked_mul(Decimal::from(times))
}

/// A percentage written with % (95%, ９５％), as a fraction; `None` without the sign or when
/// the rest is not a number.
pub fn with_percent_sign(text: &str) -> Option<Decimal> {
    let text = to_half_width(text.trim()).replace(' ', "");
    let digits = text.strip_suffix('%')?;
    number(digits)
        .ok()
        .flatten()
        .map(|(v, _)| v / Decimal::ONE_HUNDRED)
}

/// An amount in whole minor units of `currency`.
fn money(text: &str, currency: Currency) -> Result<Option<String>, Msg> {
    let refused = || {
        msg!(
            "figure.money",
            "an amount such as 34,060,000, 34,060,000円 or 3,406万円 (in whole {currency} minor units)",
            "34,060,000、34,060,000円、3,406万円 のような金額（{currency} の最小単位の整数倍）"
        )
    };
    let amount = amount(text).ok_or_else(refused)?;
    let money = Money::from_decimal(amount, currency).map_err(|_| refused())?;
    Ok(Some(money.amount_string()))
}

/// A percentage, with or without %, as the fraction the terms store.
fn percent(text: &str) -> Result<Option<String>, Msg> {
    let value = with_percent_sign(text).or_else(|| {
        number(text)
            .ok()
            .flatten()
            .map(|(v, _)| v / Decimal::ONE_HUNDRED)
    });
    match value {
        Some(fraction) => Ok(Some(fraction.normalize().to_string())),
        None => Err(msg!(
            "figure.percent",
            "a percentage such as 95, 95% or 2.5%",
            "95、95%、2.5% のような百分率"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpy() -> Currency {
        Currency::from_code("JPY").unwrap()
    }

    /// Every form an officer types gives the figure the import of the same value stores.
    #[test]
    fn typed_forms_read_as_the_imports_do() {
        for typed in [
            "34060000",
            "34,060,000",
            "３４，０６０，０００",
            "34,060,000円",
            "3,406万円",
            "3406万",
            "34,060千円",
        ] {
            assert_eq!(
                read(FigureKind::Money, typed, jpy()).unwrap().as_deref(),
                Some("34060000"),
                "{typed}"
            );
        }
        assert_eq!(
            read(FigureKind::Money, "▲100", jpy()).unwrap().as_deref(),
            Some("-100")
        );
        for typed in ["95", "95%", "９５％", "95 %"] {
            assert_eq!(
                read(FigureKind::Percent, typed, jpy()).unwrap().as_deref(),
                Some("0.95"),
                "{typed}"
            );
        }
        for typed in ["2024", "令和6年度", "R6", "2024年度"] {
            assert_eq!(
                read(FigureKind::FiscalYear, typed, jpy())
                    .unwrap()
                    .as_deref(),
                Some("2024"),
                "{typed}"
            );
        }
        assert_eq!(
            read(FigureKind::Integer, "３０", jpy()).unwrap().as_deref(),
            Some("30")
        );
        assert_eq!(
            read(FigureKind::Number, "1,200.5", jpy())
                .unwrap()
                .as_deref(),
            Some("1200.5")
        );
        assert_eq!(read(FigureKind::Money, "  ", jpy()).unwrap(), None);
    }

    /// A refusal says what to type, in both languages, with no type name in it.
    #[test]
    fn refusals_say_what_to_type() {
        let usd = Currency::from_code("USD").unwrap();
        for (kind, typed, currency) in [
            (FigureKind::Money, "lots", jpy()),
            (FigureKind::Money, "12.5", jpy()),
            (FigureKind::Money, "1.005", usd),
            (FigureKind::Integer, "1.5", jpy()),
            (FigureKind::Percent, "most", jpy()),
            (FigureKind::FiscalYear, "next year", jpy()),
        ] {
            let refused = read(kind, typed, currency).unwrap_err();
            assert!(refused.en.contains("such as"), "{typed}: {}", refused.en);
            assert!(refused.ja.contains("のような"), "{typed}: {}", refused.ja);
            for word in ["Decimal", "i32", "u32", "string"] {
                assert!(!refused.en.contains(word), "{}", refused.en);
            }
        }
    }
}
