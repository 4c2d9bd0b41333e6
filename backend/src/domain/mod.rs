//! Pure domain types and rules: no IO, no HTTP, no SQL.

pub mod access;
pub mod budget;
pub mod claim;
pub mod evidence;
pub mod indigo;
pub mod message;
pub mod money;
pub mod organization;
pub mod password;
pub mod project;
pub mod publication;
pub mod results_sheet;
pub mod sample;
pub mod sheet;
pub mod terms_workbook;
pub mod text;
pub mod user;

pub use money::{Currency, Money, MoneyError, Rounding, RoundingMode};
