//! File formats Seika reads and writes: CSV and XLSX sheets, outcome-results and participant
//! files, the terms workbook (成果水準書 / 支払条件表), the contract and outcome JSON inputs, the
//! public description of a contract and INDIGO open data. Pure functions over bytes and core
//! types: no diesel, no axum.

pub mod comparison;
pub mod figures;
pub mod indigo;
pub mod input;
pub mod participant_csv;
pub mod publication;
pub mod results_sheet;
pub mod sheet;
pub mod terms_workbook;
mod workbook;
