//! Claims, inspections and payments as Japanese public finance runs them: the qualified invoice's
//! registration number, consumption tax rounded once per invoice and rate, the legal deadlines of
//! 政府契約の支払遅延防止等に関する法律 (applied to local government by its 第14条) and late-payment
//! interest. Pure: dates and money in, dates and money out.

use crate::message::Msg;
use crate::msg;
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Money, MoneyError, Rounding, RoundingMode};

/// Inspection within this many days of receiving a claim (第5条), unless the contract says fewer.
pub const DEFAULT_INSPECTION_DAYS: u32 = 10;
/// Payment within this many days of a valid claim when the contract states none (第6条第2項).
pub const DEFAULT_PAYMENT_DAYS: u32 = 15;
/// The longest payment period a contract may state (第6条第1項, as the issue of the law applies
/// it to local government).
pub const MAX_PAYMENT_DAYS: u32 = 30;

/// Checks a qualified-invoice registration number (適格請求書発行事業者の登録番号): `T` and 13
/// digits whose first digit is the check digit of the other twelve, as for a corporate number
/// (法人番号): 9 − (Σ digit × weight mod 9), weights 1, 2, 1, 2 … from the last digit.
pub fn check_invoice_number(raw: &str) -> Result<String, Msg> {
    let expected = || {
        msg!(
            "claim.invoice_number",
            "a registration number of T and 13 digits, such as T7000012050002 (its check digit must match)",
            "T と 13 桁の数字の登録番号（例: T7000012050002。チェックデジットが一致すること）"
        )
    };
    let number = raw.trim();
    let digits = number.strip_prefix('T').ok_or_else(expected)?;
    if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(expected());
    }
    let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = values[1..]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| d * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    if values[0] != 9 - sum % 9 {
        return Err(expected());
    }
    Ok(number.to_owned())
}

/// What the contract says about invoicing: whether its amounts include consumption tax, the rate,
/// how tax is rounded, and the deadlines and late-payment interest that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceTerms {
    /// True when the contract's amounts include consumption tax (税込), false when tax is added
    /// on top (税抜).
    #[serde(default = "yes")]
    pub amounts_include_tax: bool,
    /// Consumption tax rate as a fraction: "0.10" for 10 %.
    #[serde(default = "ten_percent")]
    pub tax_rate: Decimal,
    /// How tax is rounded, once per invoice and rate: `floor` (切り捨て) unless stated.
    #[serde(default = "floor")]
    pub tax_rounding: RoundingMode,
    /// Days from receiving a claim to inspecting it (at most 10).
    #[serde(default = "inspection_days")]
    pub inspection_days: u32,
    /// Days from receiving a valid claim to paying it (at most 30); 15 when the contract states
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_days: Option<u32>,
    /// Annual late-payment interest rate as a fraction ("0.025" for 2.5 %), from the due date to
    /// the payment date; none when the contract does not state it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_interest_annual_rate: Option<Decimal>,
}

fn yes() -> bool {
    true
}
fn ten_percent() -> Decimal {
    Decimal::new(10, 2)
}
fn floor() -> RoundingMode {
    RoundingMode::Floor
}
fn inspection_days() -> u32 {
    DEFAULT_INSPECTION_DAYS
}

impl Default for InvoiceTerms {
    fn default() -> Self {
        InvoiceTerms {
            amounts_include_tax: yes(),
            tax_rate: ten_percent(),
            tax_rounding: floor(),
            inspection_days: inspection_days(),
            payment_days: None,
            late_interest_annual_rate: None,
        }
    }
}

impl InvoiceTerms {
    /// What is wrong with the terms, as (field, what was expected).
    pub fn problems(&self) -> Vec<(&'static str, Msg)> {
        let mut out = Vec::new();
        if self.tax_rate < Decimal::ZERO || self.tax_rate >= Decimal::ONE {
            out.push((
                "tax_rate",
                msg!(
                    "invoicing.tax_rate",
                    "a rate from 0 to below 1 (0.10 = 10 %)",
                    "0 以上 1 未満の率（0.10 は 10%）"
                ),
            ));
        }
        if !(1..=DEFAULT_INSPECTION_DAYS).contains(&self.inspection_days) {
            out.push((
                "inspection_days",
                msg!(
                    "invoicing.inspection_days",
                    "from 1 to {DEFAULT_INSPECTION_DAYS} days",
                    "1〜{DEFAULT_INSPECTION_DAYS}日"
                ),
            ));
        }
        if self
            .payment_days
            .is_some_and(|d| !(1..=MAX_PAYMENT_DAYS).contains(&d))
        {
            out.push((
                "payment_days",
                msg!(
                    "invoicing.payment_days",
                    "from 1 to {MAX_PAYMENT_DAYS} days",
                    "1〜{MAX_PAYMENT_DAYS}日"
                ),
            ));
        }
        if self
            .late_interest_annual_rate
            .is_some_and(|r| r < Decimal::ZERO || r >= Decimal::ONE)
        {
            out.push((
                "late_interest_annual_rate",
                msg!(
                    "invoicing.late_interest",
                    "a rate from 0 to below 1 (0.025 = 2.5 % a year)",
                    "0 以上 1 未満の年率（0.025 は年 2.5%）"
                ),
            ));
        }
        out
    }

    pub fn payment_days(&self) -> u32 {
        self.payment_days.unwrap_or(DEFAULT_PAYMENT_DAYS)
    }

    /// The inspection and payment deadlines of a claim received on `received_on`.
    pub fn deadlines(&self, received_on: NaiveDate) -> (NaiveDate, NaiveDate) {
        (
            received_on + Duration::days(i64::from(self.inspection_days)),
            received_on + Duration::days(i64::from(self.payment_days())),
        )
    }

    /// Splits a claimed amount into net, tax and total, rounding tax once for the invoice at its
    /// one rate. With tax-inclusive amounts, `amount` is the total and tax is the part of it the
    /// rate makes (total × rate ÷ (1 + rate)); otherwise `amount` is net and tax is added.
    pub fn tax(&self, amount: Money) -> Result<TaxSplit, MoneyError> {
        let currency = amount.currency();
        let rounding = Rounding::new(currency.minor_unit(), self.tax_rounding);
        let value = amount.to_decimal();
        if self.amounts_include_tax {
            let part = value
                .checked_mul(self.tax_rate)
                .and_then(|v| v.checked_div(Decimal::ONE + self.tax_rate))
                .ok_or(MoneyError::Overflow)?;
            let tax = Money::from_decimal_rounded(part, currency, rounding)?;
            Ok(TaxSplit {
                net: amount.checked_sub(tax)?,
                tax,
                total: amount,
            })
        } else {
            let part = value
                .checked_mul(self.tax_rate)
                .ok_or(MoneyError::Overflow)?;
            let tax = Money::from_decimal_rounded(part, currency, rounding)?;
            Ok(TaxSplit {
                net: amount,
                tax,
                total: amount.checked_add(tax)?,
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxSplit {
    pub net: Money,
    pub tax: Money,
    pub total: Money,
}

/// Late-payment interest on `amount` paid on `paid_on` against `due_on`: amount × annual rate ×
/// days late ÷ 365, floored to the minor unit; nothing when paid on or before the due date.
pub fn late_interest(
    amount: Money,
    due_on: NaiveDate,
    paid_on: NaiveDate,
    annual_rate: Decimal,
) -> Result<Money, MoneyError> {
    let days = (paid_on - due_on).num_days();
    if days <= 0 {
        return Ok(Money::zero(amount.currency()));
    }
    let interest = amount
        .to_decimal()
        .checked_mul(annual_rate)
        .and_then(|v| v.checked_mul(Decimal::from(days)))
        .and_then(|v| v.checked_div(Decimal::from(365)))
        .ok_or(MoneyError::Overflow)?;
    Money::from_decimal_rounded(
        interest,
        amount.currency(),
        Rounding::floor_to_minor(amount.currency()),
    )
}

/// Where a claim stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Received by the payer, waiting for inspection.
    Submitted,
    /// Returned by the inspector with a reason; may be corrected and resubmitted.
    Returned,
    /// Inspected and accepted: the payer owes it.
    Accepted,
    /// Paid in full.
    Paid,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 4] = [
        ClaimStatus::Submitted,
        ClaimStatus::Returned,
        ClaimStatus::Accepted,
        ClaimStatus::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Submitted => "submitted",
            ClaimStatus::Returned => "returned",
            ClaimStatus::Accepted => "accepted",
            ClaimStatus::Paid => "paid",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn yen(minor: i64) -> Money {
        Money::from_minor(minor, Currency::JPY)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn registration_numbers_are_checked() {
        // The National Tax Agency's and Toyota's corporate numbers, as invoice numbers.
        assert_eq!(
            check_invoice_number("T7000012050002"),
            Ok("T7000012050002".into())
        );
        assert!(check_invoice_number("T1180301018771").is_ok());
        for bad in [
            "7000012050002",
            "T700001205000",
            "T70000120500021",
            "T8000012050002",
            "T70000120500O2",
            "t7000012050002",
        ] {
            assert!(check_invoice_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tax_is_rounded_once_per_invoice_and_rate() {
        let net = InvoiceTerms {
            amounts_include_tax: false,
            ..InvoiceTerms::default()
        };
        // Two lines of ¥1,005 at 10 %: ¥201 on the invoice, where rounding each line gives ¥200.
        let split = net.tax(yen(1005).checked_add(yen(1005)).unwrap()).unwrap();
        assert_eq!(
            (split.net, split.tax, split.total),
            (yen(2010), yen(201), yen(2211))
        );
        // Tax included: ¥11,000 holds ¥1,000 of tax; ¥10,999 holds ¥999.9 → ¥999 floored.
        let gross = InvoiceTerms::default();
        let split = gross.tax(yen(11_000)).unwrap();
        assert_eq!(
            (split.net, split.tax, split.total),
            (yen(10_000), yen(1_000), yen(11_000))
        );
        assert_eq!(gross.tax(yen(10_999)).unwrap().tax, yen(999));
        let half_up = InvoiceTerms {
            tax_rounding: RoundingMode::HalfUp,
            ..gross
        };
        assert_eq!(half_up.tax(yen(10_999)).unwrap().tax, yen(1_000));
    }

    #[test]
    fn deadlines_count_from_receipt() {
        let terms = InvoiceTerms::default();
        assert_eq!(
            terms.deadlines(day(2020, 6, 1)),
            (day(2020, 6, 11), day(2020, 6, 16)),
            "10 days to inspect, 15 to pay when the contract states none"
        );
        let thirty = InvoiceTerms {
            payment_days: Some(30),
            ..terms
        };
        assert_eq!(thirty.deadlines(day(2020, 6, 1)).1, day(2020, 7, 1));
        assert_eq!(
            InvoiceTerms {
                payment_days: Some(31),
                ..terms
            }
            .problems()[0]
                .0,
            "payment_days"
        );
    }

    #[test]
    fn late_interest_runs_from_the_due_date_to_payment() {
        // ¥26,200,000 paid 12 days late at 2.5 % a year: 26,200,000 × 0.025 × 12 ÷ 365
        // = 21,534.246… → ¥21,534.
        assert_eq!(
            late_interest(
                yen(26_200_000),
                day(2018, 7, 2),
                day(2018, 7, 14),
                Decimal::new(25, 3)
            )
            .unwrap(),
            yen(21_534)
        );
        assert_eq!(
            late_interest(
                yen(26_200_000),
                day(2018, 7, 2),
                day(2018, 7, 2),
                Decimal::new(25, 3)
            )
            .unwrap(),
            yen(0)
        );
    }
}
