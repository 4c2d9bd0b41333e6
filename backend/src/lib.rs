//! Seika (成果): a platform for Social Impact Bonds and other outcome-based contracts.
//!
//! Layers, with dependencies pointing inwards: [`api`] and [`web`] (axum) → [`db`] (diesel) →
//! [`domain`] and [`engine`] (pure). [`cli`] and [`server`] wire them together.

pub mod api;
pub mod cli;
pub mod db;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod server;
pub mod telemetry;
pub mod web;
