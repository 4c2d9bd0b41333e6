//! Test support: fresh databases, the app under test and request helpers.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel::pg::PgConnection;
use http_body_util::BodyExt;
use seika::api::{AppState, HttpConfig};
use seika_db::{Backend, DatabaseUrl, Db, PoolOptions};
use serde_json::Value;
use tower::ServiceExt;

/// A test of this binary, registered where it is written and run by the harness in `main.rs`.
pub struct Case {
    pub module: &'static str,
    pub name: &'static str,
    pub kind: Kind,
}

pub type LocalFuture = Pin<Box<dyn Future<Output = ()>>>;

pub enum Kind {
    /// An `async fn(TestApp)`, run once per database (and needing a browser if `browser`).
    Db {
        run: fn(TestApp) -> LocalFuture,
        browser: bool,
    },
    /// A plain function.
    Sync(fn()),
    /// An `async fn()` on its own runtime.
    Async(fn() -> LocalFuture),
}

inventory::collect!(Case);

/// Registers an `async fn(TestApp)` to run once per database: `db_test!(name)`, or
/// `db_test!(name, browser)` for a test that drives Chromium. The harness reports a variant whose
/// database or browser is missing as ignored, with the reason, never as passed.
macro_rules! db_test {
    ($name:ident) => {
        $crate::util::db_test!(@register $name, false);
    };
    ($name:ident, browser) => {
        $crate::util::db_test!(@register $name, true);
    };
    (@register $name:ident, $browser:expr) => {
        inventory::submit! {
            $crate::util::Case {
                module: module_path!(),
                name: stringify!($name),
                kind: $crate::util::Kind::Db {
                    run: |app| Box::pin($name(app)),
                    browser: $browser,
                },
            }
        }
    };
}
pub(crate) use db_test;

/// Registers a plain `fn()` test.
macro_rules! test {
    ($name:ident) => {
        inventory::submit! {
            $crate::util::Case {
                module: module_path!(),
                name: stringify!($name),
                kind: $crate::util::Kind::Sync($name),
            }
        }
    };
}
pub(crate) use test;

/// Registers an `async fn()` test.
macro_rules! async_test {
    ($name:ident) => {
        inventory::submit! {
            $crate::util::Case {
                module: module_path!(),
                name: stringify!($name),
                kind: $crate::util::Kind::Async(|| Box::pin($name())),
            }
        }
    };
}
pub(crate) use async_test;

/// A database that exists for one test and is removed afterwards.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[expect(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Kept past this value (the run's template, dropped by `drop_templates`).
    Kept,
}

/// The token signing secret of test servers (in-process and real binaries).
pub const TEST_JWT_SECRET: &str = "seika-test-signing-secret-0123456789abcdef";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Where the PostgreSQL variants run, decided once by the harness (`main.rs`) before any test.
pub static POSTGRES: OnceLock<Result<String, String>> = OnceLock::new();

/// The PostgreSQL server URL for tests, if there is one.
pub fn postgres_admin_url() -> Option<String> {
    POSTGRES
        .get()
        .and_then(|found| found.as_ref().ok().cloned())
}

/// The default a developer's machine offers: the local server, trust authentication.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Finds the PostgreSQL server for the PostgreSQL variants: `SEIKA_TEST_POSTGRES_URL` if set,
/// else the local default if it answers. `Err` says why there is none.
pub fn find_postgres() -> Result<String, String> {
    let (url, configured) = match std::env::var("SEIKA_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => (url, true),
        _ => (DEFAULT_POSTGRES_URL.to_owned(), false),
    };
    let probe = if url.contains('?') {
        format!("{url}&connect_timeout=3")
    } else {
        format!("{url}?connect_timeout=3")
    };
    match PgConnection::establish(&probe) {
        Ok(_) => Ok(url),
        Err(e) if configured => Err(format!("SEIKA_TEST_POSTGRES_URL does not answer: {e}")),
        Err(_) => Err(format!(
            "no PostgreSQL at {DEFAULT_POSTGRES_URL} and SEIKA_TEST_POSTGRES_URL not set"
        )),
    }
}

impl TestDatabase {
    /// Keeps the database after this value is gone; its name on PostgreSQL.
    fn keep(mut self) -> Option<String> {
        match std::mem::replace(&mut self.cleanup, Cleanup::Kept) {
            Cleanup::Postgres { name, .. } => Some(name),
            _ => None,
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("seika-test.db"));
        TestDatabase {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub fn postgres(admin_url: &str) -> Self {
        Self::postgres_from(admin_url, None)
    }

    /// A new PostgreSQL database, empty or a copy of `template`.
    fn postgres_from(admin_url: &str, template: Option<&str>) -> Self {
        let name = format!(
            "seika_t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand_suffix()
        );
        let mut admin = PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at SEIKA_TEST_POSTGRES_URL: {e}"));
        let copy = template.map_or(String::new(), |t| format!(" TEMPLATE {t}"));
        diesel::sql_query(format!("CREATE DATABASE {name}{copy}"))
            .execute(&mut admin)
            .expect("create test database");
        let base = admin_url.split('?').next().unwrap_or(admin_url);
        let server = &base[..base.rfind('/').expect("a database path in the URL")];
        TestDatabase {
            url: DatabaseUrl::Postgres(format!("{server}/{name}")),
            cleanup: Cleanup::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
        }
    }

    pub fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => postgres_admin_url().map(|url| Self::postgres(&url)),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ignored =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
        }
    }
}

fn rand_suffix() -> u32 {
    rand::random::<u32>() % 1_000_000
}

/// A migrated database holding the demo data set, made once per backend and process and copied
/// for each test: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL. Migrating and
/// loading the demo (an Argon2 hash and a payout run among it) per test cost more than most tests.
enum Template {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

static SQLITE_TEMPLATE: OnceLock<Template> = OnceLock::new();
static POSTGRES_TEMPLATE: OnceLock<Template> = OnceLock::new();

/// Migrates `url` and loads the demo into it, closing every connection afterwards.
fn migrate_with_demo(url: &DatabaseUrl) {
    let db = seika::server::open_database(url, &PoolOptions::default()).expect("migrate template");
    let mut conn = db.get().expect("template connection");
    seika::demo::load(&mut conn).expect("demo into template");
    if let DatabaseUrl::Sqlite(path) = url {
        // One self-contained file (no WAL beside it) that a plain copy reproduces.
        let file = path.with_extension("template.db");
        seika_db::vacuum_into(&mut conn, file.to_str().expect("UTF-8 temp path"))
            .expect("VACUUM INTO the template");
    }
}

fn sqlite_template() -> &'static Template {
    SQLITE_TEMPLATE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("seika-template-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let path = dir.join("seika.db");
        migrate_with_demo(&DatabaseUrl::Sqlite(path.clone()));
        Template::Sqlite(path.with_extension("template.db"))
    })
}

/// Drops the templates of earlier runs on this machine whose process is gone (a run that was
/// killed never reached `drop_templates`). Template databases cannot simply be dropped, so they
/// would otherwise pile up on the CI machine's server.
fn drop_stale_templates(admin: &mut PgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let Ok(names) = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datistemplate AND datname LIKE 'seika_t_%'",
    )
    .load::<Name>(admin) else {
        return;
    };
    for Name { datname } in names {
        let pid = datname.split('_').nth(2).unwrap_or_default();
        if pid.is_empty() || std::path::Path::new("/proc").join(pid).exists() {
            continue;
        }
        let _ignored =
            diesel::sql_query(format!("ALTER DATABASE {datname} IS_TEMPLATE false")).execute(admin);
        let _ignored = diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
            .execute(admin);
    }
}

fn postgres_template(admin_url: &str) -> &'static Template {
    POSTGRES_TEMPLATE.get_or_init(|| {
        if let Ok(mut admin) = PgConnection::establish(admin_url) {
            drop_stale_templates(&mut admin);
        }
        let fresh = TestDatabase::postgres(admin_url);
        migrate_with_demo(&fresh.url);
        let name = fresh.keep().expect("a PostgreSQL database");
        // The pool is gone; forbid new connections so that every copy finds the template idle.
        let mut admin = PgConnection::establish(admin_url).expect("admin connection");
        diesel::sql_query(format!(
            "ALTER DATABASE {name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
        ))
        .execute(&mut admin)
        .expect("mark the template");
        Template::Postgres {
            admin_url: admin_url.to_owned(),
            name,
        }
    })
}

/// Removes the templates this process made (called by the harness when every test has run).
pub fn drop_templates() {
    if let Some(Template::Sqlite(file)) = SQLITE_TEMPLATE.get()
        && let Some(dir) = file.parent()
    {
        let _ignored = std::fs::remove_dir_all(dir);
    }
    if let Some(Template::Postgres { admin_url, name }) = POSTGRES_TEMPLATE.get()
        && let Ok(mut admin) = PgConnection::establish(admin_url)
    {
        let _ignored = diesel::sql_query(format!("ALTER DATABASE {name} IS_TEMPLATE false"))
            .execute(&mut admin);
        let _ignored = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
    }
}

impl TestDatabase {
    /// A fresh database holding what the demo loads, copied from this process's template.
    pub fn with_demo(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let Template::Sqlite(file) = sqlite_template() else {
                    unreachable!("the SQLite template")
                };
                let database = Self::sqlite();
                let DatabaseUrl::Sqlite(path) = &database.url else {
                    unreachable!("a SQLite database")
                };
                std::fs::copy(file, path).expect("copy the template");
                Some(database)
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let Template::Postgres { name, .. } = postgres_template(&admin_url) else {
                    unreachable!("the PostgreSQL template")
                };
                Some(Self::postgres_from(&admin_url, Some(name)))
            }
        }
    }
}

/// The real router on a fresh, migrated database holding the demo data set.
pub struct TestApp {
    pub router: Router,
    pub db: Db,
    /// Dropped last: removes the database after the pool is gone.
    _database: TestDatabase,
}

impl TestApp {
    /// The real router on a copy of the demo database.
    pub async fn new(backend: Backend) -> Self {
        let database = tokio::task::spawn_blocking(move || TestDatabase::with_demo(backend))
            .await
            .expect("join")
            .expect("database configured");
        Self::on(database, HttpConfig::default()).await
    }

    /// The real router on `database` (migrated here if it is not yet).
    pub async fn on(database: TestDatabase, config: HttpConfig) -> Self {
        let url = database.url.clone();
        let (db, secret) = tokio::task::spawn_blocking(move || {
            let db = seika::server::open_database(&url, &PoolOptions::default())?;
            anyhow::Ok((db, TEST_JWT_SECRET.as_bytes().to_vec()))
        })
        .await
        .expect("join")
        .expect("open test database");
        let keys = seika::api::session::AuthKeys::from_secret(&secret);
        let state = AppState::new(db.clone(), config, keys);
        seika_service::jobs::spawn_workers(
            db.clone(),
            seika_service::jobs::WorkerOptions::default(),
            state.job_wakeup.clone(),
        );
        let router = seika::api::router(state);
        TestApp {
            router,
            db,
            _database: database,
        }
    }

    /// The URL of this test's database, for running the real binary against it.
    pub fn database_url(&self) -> String {
        match &self._database.url {
            DatabaseUrl::Postgres(url) => url.clone(),
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }

    /// Runs blocking database work for a test (assertions on stored rows).
    pub async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut seika_db::DbConn) -> T + Send + 'static,
    ) -> T {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut db.get().expect("connection")))
            .await
            .expect("join")
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: bytes.to_vec(),
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(json).expect("json"))
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }

    /// Logs in a demo user and returns the access token.
    /// The actor a token stands for, as the service layer takes it (user, organization, role).
    pub async fn actor(
        &self,
        token: &str,
        role: seika_core::user::Role,
    ) -> seika_core::access::Actor {
        let me = self.get("/api/v1/auth/me", Some(token)).await.json();
        seika_core::access::Actor {
            user_id: me["id"].as_i64().unwrap(),
            organization_id: me["organization"]["id"].as_i64().unwrap(),
            role,
        }
    }

    pub async fn login(&self, email: &str) -> String {
        self.login_with(email, seika::demo::DEMO_PASSWORD).await
    }

    pub async fn login_with(&self, email: &str, password: &str) -> String {
        let res = self
            .post(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        res.assert_status(StatusCode::OK);
        res.json()["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, token, None).await
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts an RFC 9457 problem with this status and returns its body.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status.as_u16());
        assert!(
            body["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/"))
        );
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(
            body["code"].as_str().is_some_and(|c| !c.is_empty()),
            "every problem carries its message's code: {body}"
        );
        body
    }

    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }
}
