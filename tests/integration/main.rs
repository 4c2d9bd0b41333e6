//! Seika's one integration-test binary. Tests drive the real router in-process (`oneshot`) or the
//! real binary over HTTP. Each test gets a fresh database: an SQLite file always, and a fresh
//! PostgreSQL database as well when `SEIKA_TEST_POSTGRES_URL` is set (see `util`).

mod util;

mod architecture;
mod audit;
mod auth;
mod authorization;
mod bad_input;
mod batches;
mod binary;
mod browser;
mod engine;
mod foundation;
mod integrity;
mod openapi;
mod outcomes;
mod projects;
