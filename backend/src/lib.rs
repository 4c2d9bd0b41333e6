//! Seika (成果): a platform for Social Impact Bonds and other outcome-based contracts.
//!
//! Layers, with dependencies pointing inwards: [`api`] and [`web`] (axum) → [`service`] (the use
//! cases) → [`db`] (diesel) → [`domain`] and [`engine`] (pure). [`cli`], [`demo`] and [`server`]
//! call services, never handlers.

pub mod api;
pub mod cli;
pub mod db;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod error;
pub mod seed;
pub mod server;
pub mod service;
pub mod telemetry;
pub mod web;
