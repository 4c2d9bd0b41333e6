//! PostgreSQL over TLS. Without the `postgres-tls` feature a URL that requires TLS is refused
//! at once, saying how to build with it. With it (CI runs `cargo test -p seika --features
//! postgres-tls --lib tls`), the local PostgreSQL is given a certificate made here, signed by a
//! certificate authority made here, and Seika connects with `sslmode=require` and `verify-full`;
//! a server the CA file does not vouch for is refused.

use super::DatabaseUrl;

#[cfg(not(feature = "postgres-tls"))]
#[test]
fn a_url_requiring_tls_is_refused_saying_how_to_build_with_it() {
    for mode in ["require", "verify-ca", "verify-full"] {
        let e = DatabaseUrl::parse(&format!(
            "postgres://seika@db.example:5432/seika?sslmode={mode}&sslrootcert=/etc/ca.pem"
        ))
        .unwrap_err();
        assert!(e.contains(&format!("sslmode={mode}")), "{e}");
        assert!(e.contains("--features postgres-tls"), "{e}");
    }
    for fine in [
        "postgres://seika@db.example/seika",
        "postgres://seika@db.example/seika?sslmode=disable",
        "postgres://seika@db.example/seika?sslmode=prefer&connect_timeout=3",
    ] {
        assert!(DatabaseUrl::parse(fine).is_ok(), "{fine}");
    }
}

#[cfg(feature = "postgres-tls")]
mod with_tls {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection, RunQueryDsl, sql_types};

    use super::DatabaseUrl;
    use crate::DbConn;

    /// Where the local PostgreSQL is, and whether this run must be able to reconfigure it.
    fn admin_url() -> String {
        std::env::var("SEIKA_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
    }

    fn openssl(dir: &Path, args: &[&str]) {
        let status = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("the openssl command (Debian package openssl)");
        assert!(status.success(), "openssl {args:?}");
    }

    /// A certificate authority and a server certificate for localhost and 127.0.0.1 it signs.
    fn certificates(dir: &Path, name: &str) {
        let ca_key = format!("{name}-ca.key");
        let ca = format!("{name}-ca.pem");
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-keyout",
                &ca_key,
                "-out",
                &ca,
                "-subj",
                "/CN=Seika test CA",
            ],
        );
        std::fs::write(
            dir.join("san.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}-server.key"),
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                &ca,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.cnf",
                "-out",
                &format!("{name}-server.pem"),
            ],
        );
    }

    /// Puts the server's configuration back however the test ends.
    struct Restore(String);

    impl Drop for Restore {
        fn drop(&mut self) {
            if let Ok(mut admin) = PgConnection::establish(&self.0) {
                for statement in [
                    "ALTER SYSTEM RESET ssl_cert_file",
                    "ALTER SYSTEM RESET ssl_key_file",
                    "SELECT pg_reload_conf()",
                ] {
                    let _ = admin.batch_execute(statement);
                }
            }
        }
    }

    fn ssl_in_use(conn: &mut DbConn) -> bool {
        #[derive(diesel::QueryableByName)]
        struct Ssl {
            #[diesel(sql_type = sql_types::Bool)]
            ssl: bool,
        }
        let DbConn::Postgres(pg) = conn else {
            panic!("a PostgreSQL connection")
        };
        diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .get_result::<Ssl>(pg)
            .expect("pg_stat_ssl")
            .ssl
    }

    #[test]
    fn postgres_over_tls_with_a_certificate_made_here() {
        let required = std::env::var_os("CI").is_some();
        let admin = admin_url();
        let skip = |why: &str| {
            assert!(!required, "CI is set and the TLS check cannot run: {why}");
            eprintln!("PostgreSQL TLS check skipped: {why}");
        };
        let Ok(mut conn) = PgConnection::establish(&admin) else {
            return skip("no PostgreSQL at SEIKA_TEST_POSTGRES_URL");
        };
        // The server reads the files itself: a directory it can enter, the key its own.
        let dir = PathBuf::from(format!("/tmp/seika-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let _cleanup = removed_at_end(&dir);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        certificates(&dir, "good");
        certificates(&dir, "other");
        let owner = Command::new("id").args(["-u", "postgres"]).output();
        let uid: Option<u32> = owner
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok());
        let key = dir.join("good-server.key");
        let Some(uid) = uid else {
            return skip("no postgres user on this machine (is PostgreSQL remote?)");
        };
        if std::os::unix::fs::chown(&key, Some(uid), None).is_err() {
            return skip("cannot hand the key to the postgres user (not root)");
        }
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(
            dir.join("good-server.pem"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let _restore = Restore(admin.clone());
        // ALTER SYSTEM runs outside a transaction: one statement at a time.
        for statement in [
            format!(
                "ALTER SYSTEM SET ssl_cert_file = '{}'",
                dir.join("good-server.pem").display()
            ),
            format!("ALTER SYSTEM SET ssl_key_file = '{}'", key.display()),
            "SELECT pg_reload_conf()".to_owned(),
        ] {
            conn.batch_execute(&statement)
                .expect("reconfigure the server's certificate (a superuser)");
        }

        let base = admin.split('?').next().unwrap().to_owned();
        let with = |params: &str, host: &str| {
            let url = base.replacen("127.0.0.1", host, 1);
            DatabaseUrl::parse(&format!("{url}?{params}")).expect("a URL")
        };
        let ca = dir.join("good-ca.pem");
        let verify_full = with(
            &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
            "localhost",
        );
        // The server picks the new certificate up on reload, shortly.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut verified = verify_full.connect();
        while verified.is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            verified = verify_full.connect();
        }
        let mut verified = verified.expect("verify-full against the CA made here");
        assert!(ssl_in_use(&mut verified), "verify-full runs over TLS");

        let mut required_tls = with("sslmode=require", "127.0.0.1")
            .connect()
            .expect("sslmode=require");
        assert!(
            ssl_in_use(&mut required_tls),
            "sslmode=require runs over TLS"
        );

        // By IP address too: the certificate names 127.0.0.1.
        let mut by_ip = with(
            &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
            "127.0.0.1",
        )
        .connect()
        .expect("verify-full by address");
        assert!(ssl_in_use(&mut by_ip));

        // A CA that did not sign the server's certificate: refused, and says why.
        let refused = with(
            &format!(
                "sslmode=verify-full&sslrootcert={}",
                dir.join("other-ca.pem").display()
            ),
            "localhost",
        )
        .connect()
        .map(|_| ())
        .expect_err("another CA must not vouch for this server");
        assert!(refused.to_string().contains("certificate"), "{refused}");
    }

    /// Removes the directory when the test ends.
    fn removed_at_end(dir: &Path) -> impl Drop {
        struct Remove(PathBuf);
        impl Drop for Remove {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        Remove(dir.to_owned())
    }
}
