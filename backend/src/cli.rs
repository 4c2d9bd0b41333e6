//! The `seika` command line: `serve`, `migrate` and the other subcommands.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::api::HttpConfig;
use crate::telemetry::{self, LogFormat};
use seika_core::user::Role;
use seika_db::{DatabaseUrl, PoolOptions};
use seika_formats::sheet::SheetLimits;

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
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Compute a payout statement from a contract file and an outcomes file, with no server and
    /// no database, and print it as JSON. See docs/PAYMENT-RULES.md for the file formats.
    Payout(PayoutArgs),
    /// Print the JSON Schema of a file format: contract, outcomes or statement.
    Schema {
        #[arg(value_parser = ["contract", "outcomes", "statement"])]
        name: String,
    },
    /// Work with stored payout runs.
    #[command(subcommand, name = "payout-run")]
    PayoutRun(PayoutRunCommand),
    /// Write a consistent copy of the database while the server runs: SQLite with `VACUUM INTO`
    /// (restore: use the file as the database), PostgreSQL with `pg_dump --format=custom`
    /// (restore: `pg_restore --no-owner -d <new database> <file>`). See docs/OPERATIONS.md.
    Backup(BackupArgs),
    /// Fill a fresh database with a large, reproducible market for load tests and benchmarks:
    /// cities, a provider, an evaluator, investors, published rate-card projects (Zipf-sized)
    /// and verified participant records. Accounts: staff@seed-city-01.example,
    /// evaluator@seed-evaluator.example, investor@seed-investor-001.example, … with --password.
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
struct SeedArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Number of projects.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    projects: u32,
    /// Participants across all projects.
    #[arg(long, default_value_t = 3_000_000)]
    participants: u64,
    /// Participant outcome records across all projects (about; drawn per participant).
    #[arg(long, default_value_t = 30_000_000)]
    records: u64,
    /// Investors in each of the ten largest projects.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    investors: u32,
    /// Cities paying for outcomes.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    cities: u32,
    /// The same seed makes the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The password of every seeded account.
    #[arg(
        long,
        env = "SEIKA_SEED_PASSWORD",
        default_value = "seed-password-2026"
    )]
    password: String,
}

#[derive(Debug, Args)]
struct BackupArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The file to write; it must not exist yet.
    #[arg(long)]
    to: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
enum PayoutRunCommand {
    /// Re-compute a stored run from its terms version and the data as verified at its moment;
    /// prints match or mismatch and exits non-zero on a mismatch.
    Reproduce(ReproduceArgs),
}

#[derive(Debug, Args)]
struct ReproduceArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The payout run's id.
    run: i64,
}

#[derive(Debug, Args)]
struct PayoutArgs {
    /// The contract terms (JSON, `seika.contract.v1`).
    contract: std::path::PathBuf,
    /// Verified outcome data: JSON (`seika.outcomes.v1`) or CSV (results or participant records).
    outcomes: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from SEIKA_NEW_USER_PASSWORD, or else from the first
    /// line of standard input. A platform admin with no --organization joins the platform
    /// organization `seika-platform`, created if missing: that is how the first admin is made.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
struct UserAddArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// E-mail address (the login).
    #[arg(long)]
    email: String,
    /// Name shown in the interface.
    #[arg(long)]
    name: String,
    /// platform_admin, government_staff, evaluator, investor or service_provider.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// Slug of the user's organization.
    #[arg(long)]
    organization: Option<String>,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Re-check the whole hash chain; exits non-zero and names the first broken entry if any.
    Verify(DatabaseArgs),
}

fn parse_role(s: &str) -> Result<Role, String> {
    <Role as seika_core::code::Code>::from_code(s).ok_or_else(|| {
        let all: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("expected one of {}", all.join(", "))
    })
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
    /// Largest accepted CSV import (participant records), in bytes.
    #[arg(long, env = "SEIKA_MAX_IMPORT_BYTES", default_value_t = 64 * 1024 * 1024)]
    max_import_bytes: usize,
    /// Imports of participant records larger than this, in bytes, run as jobs (the answer is 202
    /// with the job to follow); smaller ones are stored before the answer.
    #[arg(long, env = "SEIKA_IMPORT_JOB_BYTES", default_value_t = 4 * 1024 * 1024)]
    import_job_bytes: usize,
    /// Largest accepted evidence file (PDF, XLSX, CSV, image), in bytes.
    #[arg(long, env = "SEIKA_MAX_EVIDENCE_BYTES", default_value_t = 16 * 1024 * 1024)]
    max_evidence_bytes: usize,
    #[command(flatten)]
    sheets: SheetArgs,
    /// Seconds a client has to send a request's line and headers; then the connection is closed.
    #[arg(long, env = "SEIKA_HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    header_read_timeout_secs: u64,
    /// Seconds a request body may go without sending anything; then its request ends (400).
    #[arg(long, env = "SEIKA_BODY_READ_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_read_timeout_secs: u64,
    /// Jobs (simulations, payout runs, large imports) one person may have waiting or running.
    #[arg(long, env = "SEIKA_MAX_JOBS_PER_USER", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=10_000))]
    max_jobs_per_user: i64,
    /// Jobs one organization's people together may have waiting or running.
    #[arg(long, env = "SEIKA_MAX_JOBS_PER_ORGANIZATION", default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    max_jobs_per_organization: i64,
    /// Connections this instance serves at once; further ones wait in the listen queue.
    #[arg(long, env = "SEIKA_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,
    /// Aggregates over fewer participants than this are suppressed for investors and the public.
    #[arg(long, env = "SEIKA_MIN_AGGREGATE", default_value_t = 10, value_parser = clap::value_parser!(i64).range(1..))]
    min_aggregate: i64,
    /// Secret for signing access tokens (32+ characters); required on PostgreSQL, the same on
    /// every instance. On SQLite, when not given, a key file (0600) beside the database is used.
    #[arg(long, env = "SEIKA_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Earlier signing secrets, comma-separated: their tokens are still accepted until they expire
    /// (key rotation).
    #[arg(
        long,
        env = "SEIKA_JWT_PREVIOUS_SECRETS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    jwt_previous_secrets: Vec<String>,
    /// Reverse proxies (CIDRs, comma-separated) whose X-Forwarded-For names the client, for
    /// login throttling per client address; from anyone else the header is ignored.
    #[arg(long, env = "SEIKA_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Heavy jobs (simulations, payout runs) this instance runs at once; others wait in the queue.
    /// 0: this instance only answers requests, and instances with workers run the jobs.
    #[arg(long, env = "SEIKA_JOB_WORKERS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=64))]
    job_workers: u32,
    /// Seconds a running job may go without a heartbeat (its instance stopped) before another
    /// instance takes it over.
    #[arg(long, env = "SEIKA_JOB_STALE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(2..=3600))]
    job_stale_secs: u64,
    /// Days a finished job (its result, its input and its idempotency key) is kept before it is
    /// deleted; payout runs and imported batches a job stored are kept regardless.
    #[arg(long, env = "SEIKA_JOB_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650))]
    job_retention_days: u64,
}

/// Bounds on uploaded tables and workbooks (every import: outcome results, participant records,
/// the terms workbook).
#[derive(Debug, Args)]
struct SheetArgs {
    /// Rows of one imported sheet or CSV file, the header row included.
    #[arg(long, env = "SEIKA_MAX_IMPORT_ROWS", default_value_t = 200_000, value_parser = clap::value_parser!(u32).range(1..))]
    max_import_rows: u32,
    /// Columns of one imported sheet or CSV file.
    #[arg(long, env = "SEIKA_MAX_IMPORT_COLUMNS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=16_384))]
    max_import_columns: u32,
    /// Filled cells of one imported sheet or CSV file.
    #[arg(long, env = "SEIKA_MAX_IMPORT_CELLS", default_value_t = 2_000_000, value_parser = clap::value_parser!(u32).range(1..))]
    max_import_cells: u32,
    /// Bytes all parts of an uploaded XLSX workbook may unpack to, together.
    #[arg(long, env = "SEIKA_MAX_UNZIPPED_BYTES", default_value_t = 256 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..))]
    max_unzipped_bytes: u64,
    /// Parts (zip entries) of an uploaded XLSX workbook.
    #[arg(long, env = "SEIKA_MAX_WORKBOOK_PARTS", default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(4..))]
    max_workbook_parts: u32,
    /// How many times its packed size a part of an XLSX workbook larger than 1 MiB may unpack to.
    #[arg(long, env = "SEIKA_MAX_UNZIP_RATIO", default_value_t = 200, value_parser = clap::value_parser!(u64).range(2..))]
    max_unzip_ratio: u64,
}

impl SheetArgs {
    fn limits(&self) -> SheetLimits {
        SheetLimits {
            max_rows: self.max_import_rows as usize,
            max_columns: self.max_import_columns as usize,
            max_cells: self.max_import_cells as usize,
            max_unzipped_bytes: self.max_unzipped_bytes,
            max_parts: self.max_workbook_parts as usize,
            max_ratio: self.max_unzip_ratio,
        }
    }
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
        Command::Serve(args) => serve(args),
        Command::User(UserCommand::Add(args)) => add_user(args),
        Command::Payout(args) => payout(&args),
        Command::Schema { name } => {
            let schema = seika_engine::json_schema(&name)
                .ok_or_else(|| anyhow::anyhow!("no schema named {name}"))?;
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::PayoutRun(PayoutRunCommand::Reproduce(args)) => reproduce(&args),
        Command::Seed(args) => seed(args),
        Command::Backup(args) => {
            crate::server::backup(&args.database.database_url, &args.to)?;
            println!("backup written to {}", args.to.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify(args)) => verify_audit(&args),
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

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(crate::server::serve(crate::server::ServeOptions {
        addr: args.addr,
        pool: args.database.pool(),
        database_url: args.database.database_url,
        http: HttpConfig {
            max_body_bytes: args.max_body_bytes,
            token_ttl: Duration::from_secs(args.token_ttl_secs),
            max_import_bytes: args.max_import_bytes,
            import_job_bytes: args.import_job_bytes,
            max_evidence_bytes: args.max_evidence_bytes,
            min_aggregate_participants: args.min_aggregate,
            trusted_proxies: args.trusted_proxies,
            sheet_limits: args.sheets.limits(),
            body_read_timeout: Duration::from_secs(args.body_read_timeout_secs),
            job_limits: seika_service::jobs::QueueLimits {
                per_user: args.max_jobs_per_user,
                per_organization: args.max_jobs_per_organization,
            },
        },
        demo: args.demo,
        jwt_secret: args.jwt_secret,
        jwt_previous_secrets: args.jwt_previous_secrets,
        job_workers: args.job_workers as usize,
        job_stale_after: Duration::from_secs(args.job_stale_secs),
        job_retention: Duration::from_secs(args.job_retention_days * 24 * 3600),
        connections: crate::listen::ConnectionLimits {
            header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
            max_connections: args.max_connections as usize,
        },
    }))?;
    Ok(ExitCode::SUCCESS)
}

fn reproduce(args: &ReproduceArgs) -> anyhow::Result<ExitCode> {
    let db = crate::server::open_database(&args.database.database_url, &args.database.pool())?;
    let mut conn = db.get()?;
    let run = seika_db::payout_runs::find_any(&mut conn, args.run)?
        .ok_or_else(|| anyhow::anyhow!("no payout run {}", args.run))?;
    let report = seika_service::payout_runs::reproduce(&mut conn, &run)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    if report.matches {
        eprintln!("payout run {}: MATCH", run.id);
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("payout run {}: MISMATCH", run.id);
        Ok(ExitCode::FAILURE)
    }
}

fn seed(args: SeedArgs) -> anyhow::Result<ExitCode> {
    let db = crate::server::open_database(&args.database.database_url, &args.database.pool())?;
    let started = std::time::Instant::now();
    let plan = crate::seed::SeedPlan {
        projects: args.projects as usize,
        participants: args.participants.max(u64::from(args.projects)),
        records: args.records,
        investors: args.investors as usize,
        cities: args.cities as usize,
        seed: args.seed,
        password: args.password,
    };
    let summary = crate::seed::seed(&mut *db.get()?, &plan, &mut |line| {
        println!("{line} ({:.1} s)", started.elapsed().as_secs_f64());
    })?;
    println!(
        "seeded {} organizations, {} users, {} projects, {} participants, {} records in {:.1} s; \
                 the largest project, {}, holds {} records",
        summary.organizations,
        summary.users,
        summary.projects,
        summary.participants,
        summary.records,
        started.elapsed().as_secs_f64(),
        summary.largest.0,
        summary.largest.1
    );
    Ok(ExitCode::SUCCESS)
}

fn verify_audit(args: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    let db = crate::server::open_database(&args.database_url, &args.pool())?;
    let report = seika_db::audit::verify_chain(&mut *db.get()?)?;
    match report.first_broken {
        None => {
            println!("audit chain intact: {} entries", report.entries);
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            println!(
                "audit chain BROKEN at entry seq {} (id {}): {}",
                broken.seq, broken.id, broken.reason
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

fn add_user(args: UserAddArgs) -> anyhow::Result<ExitCode> {
    use seika_db::organizations;
    let password = match std::env::var("SEIKA_NEW_USER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = crate::server::open_database(&args.database.database_url, &args.database.pool())?;
    let mut conn = db.get()?;
    let slug = match (&args.organization, args.role) {
        (Some(slug), _) => slug.clone(),
        (None, Role::PlatformAdmin) => "seika-platform".to_owned(),
        (None, _) => anyhow::bail!("--organization is required for role {}", args.role.as_str()),
    };
    let organization = match organizations::find_by_slug(&mut conn, &slug)? {
        Some(org) => org,
        None if slug == "seika-platform" => organizations::insert(
            &mut conn,
            &organizations::NewOrganization {
                slug: &slug,
                kind: seika_core::organization::OrganizationKind::Platform,
                name_ja: "Seika 運営事務局",
                name_en: "Seika platform operator",
            },
        )?,
        None => anyhow::bail!("no organization with slug `{slug}`"),
    };
    let input = seika_service::users::NewUserInput {
        email: args.email,
        display_name: args.name,
        role: args.role,
        organization_id: organization.id,
        password,
    };
    match seika_service::users::create_user(&mut conn, None, &input) {
        Ok(user) => {
            println!(
                "created user {} ({}) in {}",
                user.email,
                user.role.as_str(),
                slug
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(seika_service::error::AppError::Validation(errors)) => {
            for e in errors {
                eprintln!("error: {}: expected {}", e.field, e.message);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Reports problems in an input file on stderr: the file, the place and what was expected.
fn report(file: &std::path::Path, issues: &[seika_core::contract::Issue]) {
    for issue in issues {
        if issue.path.is_empty() {
            eprintln!("error: {}: {}", file.display(), issue.message);
        } else {
            eprintln!(
                "error: {}: {}: expected {}",
                file.display(),
                issue.path,
                issue.message
            );
        }
    }
}

fn payout(args: &PayoutArgs) -> anyhow::Result<ExitCode> {
    use seika_engine::{EngineError, compute};
    use seika_formats::input;
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
    };
    let contract = match input::contract_from_json(&read(&args.contract)?) {
        Ok(c) => c,
        Err(issue) => {
            report(&args.contract, &[issue]);
            return Ok(ExitCode::FAILURE);
        }
    };
    let bytes = read(&args.outcomes)?;
    let is_csv = args
        .outcomes
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let outcomes = if is_csv {
        input::outcomes_from_csv(&bytes, &contract.code)
    } else {
        input::from_json(&bytes).map_err(|issue| vec![issue])
    };
    let outcomes = match outcomes {
        Ok(o) => o,
        Err(issues) => {
            report(&args.outcomes, &issues);
            return Ok(ExitCode::FAILURE);
        }
    };
    match compute(&contract, &outcomes) {
        Ok(statement) => {
            println!("{}", serde_json::to_string_pretty(&statement)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(EngineError::Contract(issues)) => {
            report(&args.contract, &issues);
            Ok(ExitCode::FAILURE)
        }
        Err(EngineError::Outcomes(issues)) => {
            report(&args.outcomes, &issues);
            Ok(ExitCode::FAILURE)
        }
    }
}
