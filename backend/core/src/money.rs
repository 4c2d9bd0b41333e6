//! Exact money: integer minor units plus an ISO 4217 currency, `rust_decimal` for arithmetic,
//! decimal strings on the wire, checked arithmetic and explicit rounding.

use crate::message::Msg;
use crate::msg;
use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a money value could not be built or combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency `{0}`: expected an ISO 4217 code such as JPY, USD or GBP")]
    UnknownCurrency(String),
    #[error("currency mismatch: {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount out of range")]
    Overflow,
    #[error("`{amount}` has more decimal places than {currency} allows ({exponent})")]
    TooPrecise {
        amount: String,
        currency: Currency,
        exponent: u32,
    },
    #[error("`{0}` is not a decimal amount: expected a string such as \"1234\" or \"12.50\"")]
    NotADecimal(String),
}

/// An ISO 4217 currency with a defined number of minor-unit digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const JPY: Currency = Currency(iso_currency::Currency::JPY);
    pub const USD: Currency = Currency(iso_currency::Currency::USD);
    pub const GBP: Currency = Currency(iso_currency::Currency::GBP);
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);

    /// Parses an upper-case ISO 4217 code. Codes without minor units (gold, SDR, ...) are refused.
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        iso_currency::Currency::from_code(code)
            .filter(|c| c.exponent().is_some())
            .map(Currency)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of digits after the decimal point of one minor unit (JPY 0, USD 2, BHD 3).
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }

    /// The value of one minor unit, e.g. 0.01 for USD.
    pub fn minor_unit(self) -> Decimal {
        Decimal::new(1, self.exponent())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "An ISO 4217 currency code with minor units, such as JPY, USD, GBP or EUR."
        })
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// An exact amount of money: a whole number of minor units of one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    pub const fn minor(self) -> i64 {
        self.minor
    }

    pub const fn currency(self) -> Currency {
        self.currency
    }

    pub const fn is_negative(self) -> bool {
        self.minor < 0
    }

    pub const fn is_zero(self) -> bool {
        self.minor == 0
    }

    /// The amount in major units, exactly (e.g. 1234 minor USD is 12.34).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    /// Builds an amount from major units; refuses values finer than one minor unit.
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let scaled = amount
            .checked_mul(Decimal::from(10_i64.pow(currency.exponent())))
            .ok_or(MoneyError::Overflow)?;
        if scaled.fract() != Decimal::ZERO {
            return Err(MoneyError::TooPrecise {
                amount: amount.normalize().to_string(),
                currency,
                exponent: currency.exponent(),
            });
        }
        let minor = i64::try_from(scaled).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, currency })
    }

    /// Parses a decimal string in major units ("1234", "12.50").
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let trimmed = amount.trim();
        let valid_shape = !trimmed.is_empty()
            && trimmed
                .trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && trimmed.matches('.').count() <= 1;
        if !valid_shape {
            return Err(MoneyError::NotADecimal(amount.to_owned()));
        }
        let value =
            Decimal::from_str(trimmed).map_err(|_| MoneyError::NotADecimal(amount.to_owned()))?;
        Money::from_decimal(value, currency)
    }

    /// Rounds a decimal amount in major units with an explicit policy.
    /// The policy's unit must be a whole number of minor units.
    pub fn from_decimal_rounded(
        amount: Decimal,
        currency: Currency,
        rounding: Rounding,
    ) -> Result<Self, MoneyError> {
        Money::from_decimal(rounding.apply(amount)?, currency)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Multiplies by a whole count (e.g. a price times a number of outcomes).
    pub fn checked_mul_count(self, count: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(count).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn min(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(if other.minor < self.minor {
            other
        } else {
            self
        })
    }

    pub fn max(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(if other.minor > self.minor {
            other
        } else {
            self
        })
    }

    /// Sums amounts of one currency; an empty iterator gives zero.
    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        items: I,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// The amount as a decimal string with exactly the currency's minor digits ("12.50").
    pub fn amount_string(self) -> String {
        let mut d = self.to_decimal();
        d.rescale(self.currency.exponent());
        d.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

/// A decimal for people: thousands separators, as few decimals as it needs ("12,345,678.9").
pub fn grouped(amount: Decimal) -> String {
    let text = amount.normalize().to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// An amount with its currency for people: `¥26,200,000`, `USD 1,250.5`.
pub fn amount_words(amount: Decimal, currency: Currency) -> String {
    let number = grouped(amount);
    match currency.code() {
        "JPY" => format!("¥{number}"),
        code => format!("{code} {number}"),
    }
}

/// Wire form: `{"amount": "12.50", "currency": "USD"}`; the amount is always a string.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyWire {
    amount: String,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyWire {
            amount: self.amount_string(),
            currency: self.currency,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = MoneyWire::deserialize(d)?;
        Money::parse(&wire.amount, wire.currency).map_err(serde::de::Error::custom)
    }
}

/// How a computed amount is rounded: to a multiple of `unit`, in a given mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rounding {
    /// The step amounts are rounded to, in major units: "1" for whole yen, "0.01" for cents,
    /// "1000" for thousands of yen.
    #[serde(with = "rust_decimal::serde::str")]
    #[schemars(with = "String")]
    pub unit: Decimal,
    pub mode: RoundingMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Towards negative infinity (切り捨て for positive amounts).
    Floor,
    /// Towards positive infinity (切り上げ).
    Ceiling,
    /// To nearest, halves away from zero (四捨五入).
    HalfUp,
    /// To nearest, halves to the even neighbour (banker's rounding).
    HalfEven,
    /// To nearest, halves towards zero.
    HalfDown,
}

impl Rounding {
    pub const fn new(unit: Decimal, mode: RoundingMode) -> Self {
        Rounding { unit, mode }
    }

    /// Whole units of the currency's minor unit, floored: the safe default for public payers.
    pub fn floor_to_minor(currency: Currency) -> Self {
        Rounding::new(currency.minor_unit(), RoundingMode::Floor)
    }

    /// Checks the unit is positive and a whole number of the currency's minor units.
    pub fn validate(self, currency: Currency) -> Result<(), Msg> {
        if self.unit <= Decimal::ZERO {
            return Err(msg!(
                "rounding.unit_positive",
                "rounding unit must be positive",
                "端数処理の単位は正の値にしてください"
            ));
        }
        let minors = self.unit / currency.minor_unit();
        if minors.fract() != Decimal::ZERO {
            let (unit, minor) = (self.unit, currency.minor_unit());
            return Err(msg!(
                "rounding.unit_too_fine",
                "rounding unit {unit} is finer than one minor unit of {currency} ({minor})",
                "端数処理の単位 {unit} が {currency} の最小単位（{minor}）より細かくなっています"
            ));
        }
        Ok(())
    }

    /// Rounds `value` to a multiple of the unit.
    pub fn apply(self, value: Decimal) -> Result<Decimal, MoneyError> {
        let steps = value.checked_div(self.unit).ok_or(MoneyError::Overflow)?;
        let strategy = match self.mode {
            RoundingMode::Floor => RoundingStrategy::ToNegativeInfinity,
            RoundingMode::Ceiling => RoundingStrategy::ToPositiveInfinity,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
        };
        steps
            .round_dp_with_strategy(0, strategy)
            .checked_mul(self.unit)
            .ok_or(MoneyError::Overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros_free::dec;

    mod rust_decimal_macros_free {
        macro_rules! dec {
            ($s:literal) => {
                <rust_decimal::Decimal as std::str::FromStr>::from_str(stringify!($s)).unwrap()
            };
        }
        pub(crate) use dec;
    }

    #[test]
    fn parses_and_prints_with_currency_digits() {
        let usd = Money::parse("12.5", Currency::USD).unwrap();
        assert_eq!(usd.minor(), 1250);
        assert_eq!(usd.amount_string(), "12.50");
        let yen = Money::parse("29432425", Currency::JPY).unwrap();
        assert_eq!(yen.minor(), 29_432_425);
        assert_eq!(yen.amount_string(), "29432425");
        assert_eq!(yen.to_string(), "29432425 JPY");
    }

    #[test]
    fn refuses_sub_minor_amounts_and_garbage() {
        assert!(matches!(
            Money::parse("1.5", Currency::JPY),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("0.001", Currency::USD),
            Err(MoneyError::TooPrecise { .. })
        ));
        for bad in ["", "1e5", "1,000", "abc", "1.2.3", "+5", " "] {
            assert!(
                matches!(
                    Money::parse(bad, Currency::JPY),
                    Err(MoneyError::NotADecimal(_))
                ),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn unknown_currency_is_refused() {
        assert!(Currency::from_code("XYZ").is_err());
        assert!(Currency::from_code("jpy").is_err());
        assert!(Currency::from_code("XAU").is_err(), "no minor unit defined");
        assert_eq!(Currency::from_code("BHD").unwrap().exponent(), 3);
    }

    #[test]
    fn arithmetic_is_checked() {
        let max = Money::from_minor(i64::MAX, Currency::JPY);
        assert_eq!(
            max.checked_add(Money::from_minor(1, Currency::JPY)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(max.checked_mul_count(2), Err(MoneyError::Overflow));
        assert_eq!(
            Money::from_minor(i64::MIN, Currency::JPY).checked_neg(),
            Err(MoneyError::Overflow)
        );
        assert!(matches!(
            Money::zero(Currency::JPY).checked_add(Money::zero(Currency::USD)),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert!(Money::from_decimal(Decimal::MAX, Currency::JPY).is_err());
        assert!(Money::from_decimal(dec!(99999999999999999999), Currency::JPY).is_err());
    }

    #[test]
    fn json_uses_decimal_strings() {
        let m = Money::from_minor(123_456, Currency::USD);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1234.56","currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":1234,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"ZZZ"}"#).is_err());
    }

    #[test]
    fn rounding_modes_at_half_units() {
        let yen = |mode| Rounding::new(dec!(1), mode);
        assert_eq!(yen(RoundingMode::Floor).apply(dec!(2.5)).unwrap(), dec!(2));
        assert_eq!(
            yen(RoundingMode::Ceiling).apply(dec!(2.1)).unwrap(),
            dec!(3)
        );
        assert_eq!(yen(RoundingMode::HalfUp).apply(dec!(2.5)).unwrap(), dec!(3));
        assert_eq!(
            yen(RoundingMode::HalfEven).apply(dec!(2.5)).unwrap(),
            dec!(2)
        );
        assert_eq!(
            yen(RoundingMode::HalfEven).apply(dec!(3.5)).unwrap(),
            dec!(4)
        );
        assert_eq!(
            yen(RoundingMode::HalfDown).apply(dec!(2.5)).unwrap(),
            dec!(2)
        );
        assert_eq!(
            yen(RoundingMode::Floor).apply(dec!(-2.5)).unwrap(),
            dec!(-3)
        );
        let thousand = Rounding::new(dec!(1000), RoundingMode::HalfUp);
        assert_eq!(thousand.apply(dec!(3232425)).unwrap(), dec!(3232000));
        let cents = Rounding::new(dec!(0.01), RoundingMode::HalfEven);
        assert_eq!(cents.apply(dec!(0.125)).unwrap(), dec!(0.12));
    }

    #[test]
    fn rounding_unit_must_fit_the_currency() {
        assert!(
            Rounding::new(dec!(0.01), RoundingMode::Floor)
                .validate(Currency::JPY)
                .is_err()
        );
        assert!(
            Rounding::new(dec!(0), RoundingMode::Floor)
                .validate(Currency::JPY)
                .is_err()
        );
        assert!(
            Rounding::new(dec!(10000), RoundingMode::Floor)
                .validate(Currency::JPY)
                .is_ok()
        );
        assert!(
            Rounding::new(dec!(0.05), RoundingMode::Floor)
                .validate(Currency::USD)
                .is_ok()
        );
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop_oneof![
            Just(Currency::JPY),
            Just(Currency::USD),
            Just(Currency::from_code("BHD").unwrap())
        ]
    }

    proptest! {
        #[test]
        fn string_round_trip(minor in any::<i64>(), c in currency()) {
            let m = Money::from_minor(minor, c);
            prop_assert_eq!(Money::parse(&m.amount_string(), c).unwrap(), m);
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        }

        #[test]
        fn add_then_sub_is_identity_or_overflow(a in any::<i64>(), b in any::<i64>()) {
            let (a, b) = (Money::from_minor(a, Currency::JPY), Money::from_minor(b, Currency::JPY));
            match a.checked_add(b) {
                Ok(sum) => prop_assert_eq!(sum.checked_sub(b).unwrap(), a),
                Err(e) => {
                    prop_assert_eq!(e, MoneyError::Overflow);
                    prop_assert!(a.minor().checked_add(b.minor()).is_none());
                }
            }
        }

        #[test]
        fn rounding_lands_on_a_unit_and_stays_close(
            units in -1_000_000_000_i64..1_000_000_000,
            frac in 0_u32..1000,
            unit in prop_oneof![Just(1_i64), Just(10), Just(1000)],
            mode in prop_oneof![
                Just(RoundingMode::Floor), Just(RoundingMode::Ceiling), Just(RoundingMode::HalfUp),
                Just(RoundingMode::HalfEven), Just(RoundingMode::HalfDown)
            ],
        ) {
            let value = Decimal::from(units) + Decimal::new(i64::from(frac), 3);
            let unit = Decimal::from(unit);
            let rounded = Rounding::new(unit, mode).apply(value).unwrap();
            prop_assert_eq!((rounded / unit).fract(), Decimal::ZERO);
            prop_assert!((rounded - value).abs() < unit);
            match mode {
                RoundingMode::Floor => prop_assert!(rounded <= value),
                RoundingMode::Ceiling => prop_assert!(rounded >= value),
                _ => prop_assert!((rounded - value).abs() * Decimal::TWO <= unit),
            }
        }
    }
}
