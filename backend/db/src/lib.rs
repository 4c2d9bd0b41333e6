//! Diesel: connections to SQLite or PostgreSQL, the pool, migrations, schema and queries.
//!
//! One code base serves both databases through `#[derive(diesel::MultiConnection)]`. The backend is
//! chosen from the URL scheme by [`DatabaseUrl`], never by trying one and falling back to another,
//! so a mistyped PostgreSQL URL cannot create an SQLite file.

pub mod audit;
pub mod auth;
pub mod batches;
pub mod budgets;
pub mod claims;
pub mod coded;
pub mod evidence;
pub mod idempotency;
pub mod jobs;
pub mod migrations;
pub mod organizations;
pub mod outcomes;
pub mod payout_runs;
pub mod projects;
pub mod publications;
pub mod review;
pub mod samples;
pub mod schema;
pub mod settings;
pub mod users;

pub use coded::Coded;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult};

/// A connection to either database.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The `sslmode` of a PostgreSQL URL when it requires TLS (`require`, `verify-ca`,
/// `verify-full`).
fn tls_mode(url: &str) -> Option<&str> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "sslmode")
        .map(|(_, mode)| mode)
        .filter(|mode| ["require", "verify-ca", "verify-full"].contains(mode))
}

/// A validated database URL: `postgres://…`, `postgresql://…`, `sqlite://PATH` or a plain file path.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl fmt::Debug for DatabaseUrl {
    /// Never prints a PostgreSQL password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("the database URL is empty".into());
        }
        if let Some((scheme, rest)) = raw.split_once(':') {
            let is_scheme = scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if is_scheme {
                return match scheme.to_ascii_lowercase().as_str() {
                    "postgres" | "postgresql" if rest.starts_with("//") => match tls_mode(raw) {
                        Some(mode) if !cfg!(feature = "postgres-tls") => Err(format!(
                            "sslmode={mode}: this build of Seika has no TLS support for \
                                 PostgreSQL; build it with `--features postgres-tls` (needs \
                                 OpenSSL's headers, Debian's libssl-dev)"
                        )),
                        _ => Ok(DatabaseUrl::Postgres(raw.to_owned())),
                    },
                    "sqlite" => {
                        let path = rest.strip_prefix("//").unwrap_or(rest);
                        if path.is_empty() || path.contains(":memory:") || path.starts_with("file:")
                        {
                            Err(format!(
                                "`{raw}`: give SQLite a file path such as sqlite://seika-data/seika.db \
                                 (in-memory databases are not shared between pooled connections)"
                            ))
                        } else {
                            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
                        }
                    }
                    _ => Err(format!(
                        "unsupported database URL scheme `{scheme}:`: expected postgres://USER@HOST:PORT/DB, \
                         postgresql://…, sqlite://PATH or a plain file path"
                    )),
                };
            }
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(raw)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// The URL for logs: a PostgreSQL password is replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(start), Some(at)) if url[start + 3..at].contains(':') => {
                    let userinfo = &url[start + 3..at];
                    let user = userinfo.split(':').next().unwrap_or_default();
                    format!("{}{user}:***{}", &url[..start + 3], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }

    /// A PostgreSQL URL without its password, and the password (percent-decoded), for tools
    /// that would otherwise show it in the process list (`pg_dump`: pass it as `PGPASSWORD`).
    /// SQLite: the path and no password.
    pub fn split_password(&self) -> (String, Option<String>) {
        let DatabaseUrl::Postgres(url) = self else {
            return (self.redacted(), None);
        };
        match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if url[start + 3..at].contains(':') => {
                let userinfo = &url[start + 3..at];
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let password = percent_encoding::percent_decode_str(password)
                    .decode_utf8_lossy()
                    .into_owned();
                (
                    format!("{}{user}{}", &url[..start + 3], &url[at..]),
                    Some(password),
                )
            }
            _ => (url.clone(), None),
        }
    }

    /// Opens one connection, with the per-connection settings each backend needs.
    pub fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// An r2d2 manager that connects to exactly the backend its URL names.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.url.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// A connection is discarded, never reused, when it was dropped during a panic or is still
    /// inside a transaction (a closure that panicked or returned without committing): reusing it
    /// would keep SQLite's write lock or PostgreSQL's audit advisory lock held.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Errors of [`Db::run`]'s closures are converted from this when no connection can be had.
#[derive(Debug, thiserror::Error)]
#[error("database unavailable: {0}")]
pub struct PoolError(#[from] pub r2d2::PoolError);

/// Pool settings.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 8,
            connection_timeout: Duration::from_secs(5),
        }
    }
}

/// The database handle shared by request handlers: a pool, used only off the async workers.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
}

impl Db {
    /// Connects (failing fast with the driver's message), creating an SQLite file's folder if needed.
    pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Db> {
        if let DatabaseUrl::Sqlite(path) = url {
            create_parent_dir(path)?;
            create_owner_only(path).map_err(|e| {
                anyhow::anyhow!("cannot create the database {}: {e}", path.display())
            })?;
        }
        // One direct connection first: its error is clearer than a pool time-out.
        url.connect().map_err(|e| {
            anyhow::anyhow!("cannot connect to the database {}: {e}", url.redacted())
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .connection_timeout(options.connection_timeout)
            .build(ConnectionManager { url: url.clone() })?;
        Ok(Db {
            pool,
            backend: url.backend(),
        })
    }

    /// A pool that connects only when asked; for tests of an unreachable database.
    pub fn lazy(url: &DatabaseUrl, options: &PoolOptions) -> Db {
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .min_idle(Some(0))
            .connection_timeout(options.connection_timeout)
            .build_unchecked(ConnectionManager { url: url.clone() });
        Db {
            pool,
            backend: url.backend(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for synchronous callers (command line, tests); never call on an async worker.
    pub fn get(&self) -> Result<PooledConn, PoolError> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking database work on tokio's blocking pool, inside the caller's tracing span.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<PoolError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let task = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(PoolError)?;
            f(&mut conn)
        });
        match task.await {
            Ok(result) => result,
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
}

fn create_parent_dir(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create the folder {}: {e}", dir.display()))?;
    }
    Ok(())
}

/// Creates an empty file readable and writable by its owner only (0600 on Unix) where none
/// exists yet, for a database or a backup to be written into: health data never lands in a file
/// the machine's other users can read, whatever the umask. An existing file is left as it is
/// (false).
pub fn create_owner_only(path: &Path) -> std::io::Result<bool> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes a consistent copy of a live SQLite database to `target` (SQLite's `VACUUM INTO`).
pub fn vacuum_into(conn: &mut DbConn, target: &str) -> QueryResult<()> {
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
}

/// Runs `f` in a plain transaction, for reads that belong together (on SQLite one snapshot of
/// the database; it takes no write lock unless `f` writes).
pub fn read_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

/// Runs `f` in a write transaction that does not extend the audit chain (login attempts, the job
/// queue, idempotency keys). On SQLite it is `BEGIN IMMEDIATE`, so concurrent writers wait for
/// the lock (busy timeout) instead of failing when a read transaction would be upgraded; on
/// PostgreSQL a plain transaction, which waits for no other writer.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Postgres(_) => conn.transaction(f),
        DbConn::Sqlite(_) => immediate_transaction(conn, f),
    }
}

/// Runs `f` in a write transaction that appends to the audit chain: `f` gets the
/// [`audit::ChainLock`] that [`audit::append`] asks for. On PostgreSQL the chain's lock is taken
/// first, so audited writes follow each other as on SQLite and the moments they record (a
/// batch's `reviewed_at`) are in commit order: a payout run stored "as of" a moment has seen
/// every record verified before it, and reproduces. On SQLite, `BEGIN IMMEDIATE` is that lock.
pub fn audited_write<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn, &audit::ChainLock) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Postgres(_) => conn.transaction(|conn| {
            let chain = audit::lock_chain(conn)?;
            f(conn, &chain)
        }),
        DbConn::Sqlite(_) => immediate_transaction(conn, |conn| {
            let chain = audit::lock_chain(conn)?;
            f(conn, &chain)
        }),
    }
}

/// SQLite's `BEGIN IMMEDIATE` around `f`; inside a transaction already (the demo loader calls
/// services in its own), a savepoint.
fn immediate_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConn::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    if AnsiTransactionManager::transaction_manager_status_mut(sqlite)
        .transaction_depth()?
        .is_some()
    {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let outcome = f(conn);
    let DbConn::Sqlite(sqlite) = conn else {
        unreachable!("the connection variant cannot change")
    };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

/// True when the error is a unique-constraint violation (a duplicate natural key).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The duty a write was refused for by the database's separation-of-duties triggers (migration
/// `duties`), which raise the duty's code as their message.
pub fn refused_duty(e: &diesel::result::Error) -> Option<seika_core::duty::Duty> {
    match e {
        diesel::result::Error::DatabaseError(_, info) => {
            seika_core::duty::Duty::from_code(info.message())
        }
        _ => None,
    }
}

/// Current UTC time as stored: naive UTC with microsecond precision (PostgreSQL's resolution).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Runs a query that must return exactly one value, mapping "no row" to `None`.
pub fn optional<T>(r: QueryResult<T>) -> QueryResult<Option<T>> {
    use diesel::OptionalExtension;
    r.optional()
}

#[cfg(test)]
mod tls_tests;
