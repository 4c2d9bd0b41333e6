//! The `seika` command line: `serve`, `migrate` and the other subcommands.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::api::HttpConfig;
use crate::db::{DatabaseUrl, PoolOptions};
use crate::telemetry::{self, LogFormat};

/// Default database: an SQLite file created on first start, relative to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://seika-data/seika.db";

#[derive(Debug, Parser)]
#[command(
    name = "seika",
    version,
    about = "Seika (成果): outcome-based contracts and their payments"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(
        long,
        env = "SEIKA_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (API and web frontend), applying pending migrations first.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// postgres://USER@HOST:PORT/DB, or sqlite://PATH (a plain path is SQLite too).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, value_parser = DatabaseUrl::parse)]
    database_url: DatabaseUrl,
    /// Largest number of pooled database connections.
    #[arg(long, env = "SEIKA_DB_POOL_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    db_pool_size: u32,
}

impl DatabaseArgs {
    fn pool(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.db_pool_size,
            ..PoolOptions::default()
        }
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SEIKA_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Load the demo data set (idempotent) and print the demo logins.
    #[arg(long, env = "SEIKA_DEMO")]
    demo: bool,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SEIKA_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "SEIKA_TOKEN_TTL_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(60..=86_400 * 30))]
    token_ttl_secs: u64,
}

/// Parses the command line, runs the command and maps failure to a non-zero exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(crate::server::serve(crate::server::ServeOptions {
                addr: args.addr,
                pool: args.database.pool(),
                database_url: args.database.database_url,
                http: HttpConfig {
                    max_body_bytes: args.max_body_bytes,
                    token_ttl: Duration::from_secs(args.token_ttl_secs),
                },
                demo: args.demo,
            }))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(args) => {
            let db = crate::server::open_database(&args.database_url, &args.pool())?;
            println!(
                "database {} is up to date ({})",
                args.database_url.redacted(),
                db.backend().name()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
