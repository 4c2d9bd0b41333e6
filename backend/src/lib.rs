//! Seika (成果): a platform for Social Impact Bonds and other outcome-based contracts.
//!
//! This crate is the `seika` binary's library: HTTP ([`api`], [`web`]), start-up ([`server`]),
//! the command line ([`cli`]) and the demo data. The layers below it are crates of their own, so
//! the compiler holds the layering: `seika-service` (use cases) → `seika-db` (diesel) →
//! `seika-engine` and `seika-formats` (pure) → `seika-core`. See docs/ARCHITECTURE.md.

pub mod api;
pub mod cli;
pub mod demo;
pub mod listen;
pub mod seed;
pub mod server;
pub mod telemetry;
pub mod web;
