//! Seika's core: the types every layer shares and the rules that need no IO. Money and rounding,
//! the message catalogue (`msg!`), text checks, organizations, users, roles and the access policy,
//! projects, claims and budgets, and the contract and outcome-data models the engine computes on.
//! No diesel, no axum, no tokio: `cargo tree -p seika-core` shows it.

pub mod access;
pub mod budget;
pub mod claim;
pub mod code;
pub mod contract;
pub mod duty;
pub mod evidence;
pub mod job;
pub mod message;
pub mod money;
pub mod organization;
pub mod outcomes;
pub mod party_figures;
pub mod password;
pub mod project;
pub mod review;
pub mod sample;
pub mod text;
pub mod user;

pub use money::{Currency, Money, MoneyError, Rounding, RoundingMode};
