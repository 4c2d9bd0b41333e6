//! `seika serve`: start-up (connect, migrate, demo), the HTTP listener and graceful shutdown.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::api::session::load_signing_keys;
use crate::api::{AppState, HttpConfig};
use crate::demo;
use seika_db::{DatabaseUrl, Db, PoolOptions, migrations};

pub struct ServeOptions {
    pub addr: SocketAddr,
    pub database_url: DatabaseUrl,
    pub pool: PoolOptions,
    pub http: HttpConfig,
    pub demo: bool,
    /// Token signing secret; on SQLite a key file beside the database when not given.
    pub jwt_secret: Option<String>,
    /// Earlier secrets whose tokens are still accepted during a key rotation.
    pub jwt_previous_secrets: Vec<String>,
    /// Heavy jobs run at once by this instance.
    pub job_workers: usize,
    /// How long a running job may go without a heartbeat before this instance takes it over.
    pub job_stale_after: std::time::Duration,
    /// How long finished jobs are kept.
    pub job_retention: std::time::Duration,
    /// Header read timeout and the bound on open connections.
    pub connections: crate::listen::ConnectionLimits,
}

/// Connects, migrates and opens a database, as `serve` and `migrate` do before anything else.
pub fn open_database(url: &DatabaseUrl, pool: &PoolOptions) -> anyhow::Result<Db> {
    let db = Db::connect(url, pool)?;
    let applied = migrations::run_pending(&mut *db.get()?)?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied migrations");
    }
    Ok(db)
}

/// A consistent copy of the database at `to` (which must not exist): SQLite's `VACUUM INTO` on
/// a live database, or PostgreSQL's `pg_dump --format=custom`.
pub fn backup(url: &DatabaseUrl, to: &std::path::Path) -> anyhow::Result<()> {
    // Created first, owner-only (the copy holds everything the database does), and only if it
    // does not exist: an existing file is never overwritten.
    let created = seika_db::create_owner_only(to)
        .with_context(|| format!("cannot create {}", to.display()))?;
    anyhow::ensure!(
        created,
        "{} exists already; choose a new file",
        to.display()
    );
    let written = write_backup(url, to);
    if written.is_err() {
        let _ = std::fs::remove_file(to);
    }
    written
}

fn write_backup(url: &DatabaseUrl, to: &std::path::Path) -> anyhow::Result<()> {
    match url {
        DatabaseUrl::Sqlite(_) => {
            let target = to
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("the backup path must be UTF-8"))?
                .to_owned();
            let mut conn = url.connect()?;
            seika_db::vacuum_into(&mut conn, &target).context("VACUUM INTO")?;
        }
        DatabaseUrl::Postgres(_) => {
            // The password goes through the environment, never the command line (which any
            // user of the machine can read in the process list).
            let (without_password, password) = url.split_password();
            let mut dump = std::process::Command::new("pg_dump");
            dump.args(["--format=custom", "--no-owner", "--file"])
                .arg(to)
                .arg(format!("--dbname={without_password}"));
            if let Some(password) = password {
                dump.env("PGPASSWORD", password);
            }
            let status = dump
                .status()
                .context("cannot run pg_dump (install the PostgreSQL client tools)")?;
            anyhow::ensure!(status.success(), "pg_dump failed: {status}");
        }
    }
    Ok(())
}

pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let ServeOptions {
        addr,
        database_url,
        pool,
        http,
        demo,
        jwt_secret,
        jwt_previous_secrets,
        job_workers,
        job_stale_after,
        job_retention,
        connections,
    } = options;
    tracing::info!(database = %database_url.redacted(), "opening database");
    let (db, keys) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let keys = load_signing_keys(&database_url, jwt_secret.as_deref(), &jwt_previous_secrets)?;
        let db = open_database(&database_url, &pool)?;
        if demo {
            let summary = demo::load(&mut *db.get()?)?;
            tracing::info!(?summary, "demo data loaded");
        }
        Ok((db, keys))
    })
    .await??;

    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let state = AppState::new(db, http, keys);
    seika_service::jobs::spawn_workers(
        state.db.clone(),
        seika_service::jobs::WorkerOptions {
            workers: job_workers,
            stale_after: job_stale_after,
            retention: job_retention,
            sheet_limits: state.config.sheet_limits,
            ..Default::default()
        },
        state.job_wakeup.clone(),
    );
    let app = crate::api::router(state);

    println!("Seika is running at http://{local}/");
    if demo {
        println!("{}", demo::login_help());
    }
    tracing::info!(%local, "listening");
    crate::listen::serve(listener, app, connections, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
