//! End-to-end tests in a real headless Chromium, driven by WebDriver (chromedriver) from Rust over
//! plain HTTP. Reported as ignored (with the reason) when no browser is installed, unless `CI` or
//! `SEIKA_BROWSER_TESTS` is set, where a missing browser is a failure. `.ci/run` installs Debian's
//! chromium and chromium-driver.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::binary::{Server, http};
use crate::util::{TestApp, db_test};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a step waits for the page: generous, since two cores run the whole suite at once and
/// a passing step returns as soon as it sees what it waits for.
const WAIT: Duration = Duration::from_secs(20);
/// How long a wait sleeps between two looks at the page. Each look is one WebDriver round trip
/// (about a millisecond); a journey waits a few hundred times, so a long pause here is what the
/// journey spends waiting after the page is already there.
const POLL: Duration = Duration::from_millis(20);

pub struct Browser {
    base: String,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Whether Chromium and chromedriver are installed, or why not.
pub fn availability() -> Result<(), String> {
    match (
        find_program(&["chromedriver"]),
        find_program(&["chromium", "chromium-browser"]),
    ) {
        (Some(_), Some(_)) => Ok(()),
        (None, Some(_)) => Err("chromedriver is not installed".into()),
        (Some(_), None) => Err("chromium is not installed".into()),
        (None, None) => Err("chromium and chromedriver are not installed".into()),
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session. The harness runs browser tests only
    /// where [`availability`] found both, so `None` is never expected here.
    pub fn start() -> Option<Browser> {
        let (Some(driver), Some(chromium)) = (
            find_program(&["chromedriver"]),
            find_program(&["chromium", "chromium-browser"]),
        ) else {
            panic!("chromium/chromedriver vanished after the harness found them");
        };
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&base).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(POLL);
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display()), "--lang=en-GB"],
            "prefs": {"intl.accept_languages": "en-GB,en"}
        }}}});
        let (status, body) = http(&base, "POST", "/session", None, Some(&caps.to_string()));
        assert!(status.contains("200"), "new session: {status} {body}");
        let value: Value = serde_json::from_str(&body).unwrap();
        let session = value["value"]["sessionId"].as_str().unwrap().to_owned();
        Some(Browser {
            base,
            session,
            driver: child,
            _profile: profile,
        })
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("/session/{}{path}", self.session);
        let body = body.map(|b| b.to_string());
        let (status, text) = http(
            &self.base,
            method,
            &url,
            None,
            body.as_deref()
                .or(Some(if method == "POST" { "{}" } else { "" }))
                .filter(|b| !b.is_empty()),
        );
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(status.contains("200"), "{method} {path}: {status} {text}");
        value["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    /// Opens a new tab, switches to it and returns the handle of the tab it left.
    pub fn new_tab(&self) -> String {
        let previous = self
            .cmd("GET", "/window", None)
            .as_str()
            .unwrap()
            .to_owned();
        let opened = self.cmd("POST", "/window/new", Some(json!({"type": "tab"})));
        self.switch_to(opened["handle"].as_str().unwrap());
        previous
    }

    pub fn switch_to(&self, handle: &str) {
        self.cmd("POST", "/window", Some(json!({"handle": handle})));
    }

    pub fn script(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn try_find(&self, css: &str) -> Option<String> {
        let url = format!("/session/{}/element", self.session);
        let body = json!({"using": "css selector", "value": css}).to_string();
        let (status, text) = http(&self.base, "POST", &url, None, Some(&body));
        if !status.contains("200") {
            return None;
        }
        let value: Value = serde_json::from_str(&text).ok()?;
        value["value"][ELEMENT].as_str().map(str::to_owned)
    }

    /// Waits up to [`WAIT`] for an element.
    pub fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(id) = self.try_find(css) {
                return id;
            }
            assert!(
                Instant::now() < deadline,
                "no element `{css}` on {} (at {})\nJS errors: {}",
                self.text("main"),
                self.script("return location.href"),
                self.script("return window.seikaErrors || []")
            );
            std::thread::sleep(POLL);
        }
    }

    /// Sends an element command, retrying when the page re-rendered the element meanwhile (stale)
    /// or has not laid it out yet (not interactable, seen under load right after a re-render).
    fn element_cmd(&self, css: &str, action: &str, body: &Value) {
        for attempt in 0..20 {
            let id = self.find(css);
            let url = format!("/session/{}/element/{id}/{action}", self.session);
            let (status, text) = http(&self.base, "POST", &url, None, Some(&body.to_string()));
            if status.contains("200") {
                return;
            }
            let transient =
                text.contains("stale element") || text.contains("element not interactable");
            assert!(transient && attempt < 19, "{action} {css}: {status} {text}");
            std::thread::sleep(POLL);
        }
    }

    pub fn click(&self, css: &str) {
        self.element_cmd(css, "click", &json!({}));
    }

    /// Sets a checkbox to `on`, whatever it was. A click is a toggle, and a click that the
    /// driver reports as failed may still have landed (the editor draws the form again inside
    /// the click's own change event), so a retried click would undo it: the box's state is read
    /// before each click instead.
    pub fn set_checked(&self, css: &str, on: bool) {
        let state = format!("return document.querySelector({css:?})?.checked ?? null");
        for _ in 0..20 {
            self.find(css);
            if self.script(&state) == json!(on) {
                return;
            }
            let id = self.find(css);
            let url = format!("/session/{}/element/{id}/click", self.session);
            http(&self.base, "POST", &url, None, Some("{}"));
            std::thread::sleep(POLL);
        }
        panic!(
            "{css} did not become {}",
            if on { "checked" } else { "unchecked" }
        )
    }

    /// Adds a row (or item) to the editor's list `list` with its add button and returns the new row's
    /// index, once the row is on the page. Under load a click that lands while the editor is
    /// drawn again after the previous change can go unanswered (seen in CI about once in ten
    /// runs, never on demand); the click is then repeated once, as a person would.
    pub fn add_row(&self, list: &str) -> i64 {
        let count = || {
            self.script(&format!(
                "return document.querySelectorAll('#{list} > .editor-row, #{list} > .editor-item').length"
            ))
            .as_i64()
            .unwrap()
        };
        let before = count();
        for _ in 0..2 {
            self.click(&format!("#{list}-add"));
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                match count() {
                    n if n == before + 1 => return before,
                    n if n > before + 1 => panic!("{list}: one click added {} rows", n - before),
                    _ => std::thread::sleep(POLL),
                }
            }
        }
        panic!("{list}: no row was added by two clicks on its add button")
    }

    /// Picks a local file in a file input (the browser runs on this machine).
    pub fn choose_file(&self, css: &str, path: &Path) {
        let input = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{input}/value"),
            Some(json!({"text": path.display().to_string()})),
        );
    }

    pub fn fill(&self, css: &str, text: &str) {
        self.element_cmd(css, "clear", &json!({}));
        self.element_cmd(css, "value", &json!({"text": text}));
    }

    pub fn select(&self, css: &str, value: &str) {
        self.find(css);
        let script = format!(
            "const el = document.querySelector({css:?}); el.focus(); el.value = {value:?}; el.dispatchEvent(new Event('change')); return el.value;"
        );
        assert_eq!(self.script(&script), json!(value), "select {css} {value}");
    }

    /// Sets an input's value as a person would (fires `input`), for date fields whose typed form
    /// depends on the locale.
    pub fn set_value(&self, css: &str, value: &str) {
        self.find(css);
        let script = format!(
            "const el = document.querySelector({css:?}); el.value = {value:?}; el.dispatchEvent(new Event('input')); return true;"
        );
        self.script(&script);
    }

    /// Asserts basic accessibility: every form control has a label, charts have names and a text
    /// equivalent, buttons have text, ids are unique, the language is declared.
    pub fn assert_accessible(&self, screen: &str) {
        let problems = self.script(
            "const p = [];
             for (const el of document.querySelectorAll('input, select, textarea')) {
               const labelled = (el.id && document.querySelector(`label[for=\"${el.id}\"]`)) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
               if (!labelled && el.type !== 'hidden') p.push('unlabelled ' + el.outerHTML.slice(0, 80));
             }
             for (const svg of document.querySelectorAll('svg')) {
               if (!svg.getAttribute('aria-label')) p.push('chart without a name');
               if (!svg.closest('figure') || !svg.closest('figure').querySelector('table')) p.push('chart without a table');
             }
             for (const b of document.querySelectorAll('button, a')) if (!b.textContent.trim() && !b.getAttribute('aria-label')) p.push('empty ' + b.outerHTML.slice(0, 80));
             const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
             for (const id of ids) if (ids.indexOf(id) !== ids.lastIndexOf(id)) p.push('duplicate id ' + id);
             if (!document.documentElement.lang) p.push('no lang');
             if (!document.querySelector('h1')) p.push('no h1');
             return [...new Set(p)];",
        );
        assert_eq!(problems, json!([]), "accessibility problems on {screen}");
    }

    /// Asserts the page raised no JavaScript error.
    pub fn assert_no_js_errors(&self) {
        assert_eq!(self.script("return window.seikaErrors || []"), json!([]));
    }

    /// The element's text, or "" when it is absent or was just re-rendered.
    pub fn text(&self, css: &str) -> String {
        let Some(id) = self.try_find(css) else {
            return String::new();
        };
        let url = format!("/session/{}/element/{id}/text", self.session);
        let (status, body) = http(&self.base, "GET", &url, None, None);
        if !status.contains("200") {
            return String::new();
        }
        serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["value"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Waits up to 10 s until the element's text contains `needle`.
    pub fn wait_text(&self, css: &str, needle: &str) -> String {
        self.wait_text_within(css, needle, WAIT)
    }

    /// [`Browser::wait_text`] for what takes longer than a page: a job's end.
    pub fn wait_text_within(&self, css: &str, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let text = self.text(css);
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` never contained `{needle}`; it says: {text}\nmain: {}",
                self.text("main")
            );
            std::thread::sleep(POLL);
        }
    }

    /// Saves a full-page screenshot (the window grows to the page's height for it).
    pub fn screenshot(&self, name: &str) {
        let height = self
            .script("return Math.min(document.documentElement.scrollHeight + 40, 4000)")
            .as_i64()
            .unwrap_or(1000);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": 1280, "height": height})),
        );
        let png = self.cmd("GET", "/screenshot", None);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": 1280, "height": 1000})),
        );
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    pub fn login(&self, base: &str, email: &str) {
        self.goto(&format!("{base}/#/login"));
        self.script("sessionStorage.clear(); location.reload(); return true;");
        self.find("#login-form");
        self.fill("#email", email);
        self.fill("#password", seika::demo::DEMO_PASSWORD);
        self.click("#login-submit");
        self.wait_until(&format!(
            "const u = JSON.parse(sessionStorage.getItem('seika.user') || 'null'); \
             return !!u && u.email === {email:?} && location.hash === '#/' && !!document.querySelector('#project-list, #page-title');"
        ));
    }

    /// Waits up to [`WAIT`] until the script returns true.
    pub fn wait_until(&self, script: &str) {
        let deadline = Instant::now() + WAIT;
        while self.script(script) != json!(true) {
            assert!(
                Instant::now() < deadline,
                "never true: {script}\nmain: {}",
                self.text("main")
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ignored = http(
            &self.base,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
            None,
        );
        let _ignored = self.driver.kill();
        let _ignored = self.driver.wait();
    }
}

/// Every main screen, as each demo role sees it, saved under target/screenshots.
async fn screens(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    browser.goto(&format!("{base}/#/login"));
    browser.find("#login-form");
    let first_screen_ms = browser.script("return Math.round(performance.now())");
    eprintln!("first screen usable after {first_screen_ms} ms (navigation start to login form)");
    browser.assert_accessible("login");
    browser.screenshot("login");
    // Everything is reachable by keyboard: Tab moves through the controls in order.
    browser.script("document.activeElement.blur(); return true;");
    for _ in 0..6 {
        browser.cmd(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "kb", "actions": [
            {"type": "keyDown", "value": "\u{E004}"}, {"type": "keyUp", "value": "\u{E004}"}]}]})),
        );
    }
    let focused =
        browser.script("return document.activeElement.id || document.activeElement.textContent");
    assert!(
        !focused.as_str().unwrap_or("").is_empty(),
        "keyboard focus lands on a control: {focused}"
    );
    browser.login(&base, "staff@kobe-city.example");
    browser.assert_accessible("home");
    browser.screenshot("home-government");
    browser.goto(&format!("{base}/#/projects/{kobe}"));
    browser.find("#metrics");
    browser.find("figure svg");
    // The page draws the server's figures: achievement of eGFR 0.329 against 0.80 (41.1 %),
    // computed ¥29,432,425 and ¥4,627,575 left under the ¥34,060,000 cap.
    browser.wait_text("#metrics", "41.1%");
    browser.wait_text("#computed-total", "¥29,432,425");
    browser.wait_text("#cap-room", "¥4,627,575");
    browser.assert_accessible("project");
    browser.screenshot("project");
    browser.cmd(
        "POST",
        "/window/rect",
        Some(json!({"width": 768, "height": 1000})),
    );
    let fits =
        browser.script("return document.documentElement.scrollWidth <= window.innerWidth + 1");
    assert_eq!(fits, json!(true), "no horizontal scrolling at tablet width");
    let png = browser.cmd("GET", "/screenshot", None);
    use base64::Engine as _;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::write(
        dir.join("project-tablet.png"),
        base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    browser.cmd(
        "POST",
        "/window/rect",
        Some(json!({"width": 1280, "height": 1000})),
    );
    let runs = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&app.login("staff@kobe-city.example").await),
        )
        .await
        .json();
    browser.goto(&format!("{base}/#/projects/{kobe}/runs/{}", runs[0]["id"]));
    browser.find("#statement-lines");
    browser.script(
        "document.querySelectorAll('details.line').forEach(d => d.open = true); return true;",
    );
    browser.screenshot("statement");
    browser.goto(&format!("{base}/#/projects/new"));
    browser.find("#templates");
    browser.assert_accessible("templates");
    browser.screenshot("register");
    browser.login(&base, "investor@smbc.example");
    browser.goto(&format!("{base}/#/portfolio"));
    browser.find("#portfolio table");
    browser.assert_accessible("portfolio");
    browser.screenshot("portfolio");
    browser.login(&base, "evaluator2@mirai.example");
    browser.goto(&format!("{base}/#/projects/{kobe}/data"));
    browser.find("#result-form");
    browser.assert_accessible("outcome data");
    browser.screenshot("outcome-data");
    browser.click("#lang-switch");
    browser.wait_text("h1", "成果データ");
    browser.screenshot("outcome-data-ja");
    browser.goto(&format!("{base}/#/queue"));
    browser.find("#queue-empty, #queue");
    browser.assert_accessible("queue");
    browser.screenshot("queue-ja");
    browser.login(&base, "admin@seika.example");
    browser.goto(&format!("{base}/#/admin"));
    browser.click("#verify-chain");
    browser.wait_text("#chain-result", "監査ログは完全です");
    browser.assert_accessible("admin");
    browser.assert_no_js_errors();
}
db_test!(screens, browser);

/// Every demo role logs in and lands on its own home page.
async fn each_role_logs_in(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    for (email, role) in [
        ("admin@seika.example", "Platform admin"),
        ("staff@kobe-city.example", "Government staff"),
        ("evaluator@mirai.example", "Evaluator"),
        ("investor@smbc.example", "Investor"),
        ("provider@dpp.example", "Service provider"),
    ] {
        browser.login(&base, email);
        browser.wait_text("#who", role);
        browser.wait_text("#project-list", "Kobe City dialysis prevention SIB");
    }
    browser.click("#logout");
    browser.find("#login-form");
    browser.assert_no_js_errors();
}
db_test!(each_role_logs_in, browser);

/// Government staff register a project in the contract editor from a template (seeing the
/// server's message in Japanese beside a field as it is left), publish it, run a payout and read
/// the statement. A draft survives a reload and never reaches the next user of the tab.
async fn government_registers_publishes_and_pays(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/new"));
    browser.click("#template-mhlw-model");
    browser.fill("#e-title-en", "Not for the next user");
    browser.click("#logout");
    browser.login(&base, "staff@hachioji-city.example");
    browser.goto(&format!("{base}/#/projects/new"));
    browser.find("#templates");
    assert_eq!(
        browser.script("return !!document.querySelector('#e-title-en')"),
        json!(false),
        "the next user starts from the templates, not from another user's draft"
    );
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/new"));
    browser.click("#template-mhlw-model");
    browser.find("#contract-editor");
    browser.assert_accessible("contract editor");
    browser.screenshot("editor");

    // In Japanese, a share that leaves the payers short gets the server's message, in Japanese,
    // beside the payers as the field is left.
    browser.click("#lang-switch");
    browser.wait_text("#h-basics", "基本情報");
    browser.fill("#e-code", "e2e-health-2026");
    browser.fill("#e-title-ja", "テスト健康事業");
    browser.fill("#e-title-en", "Test health project");
    browser.fill("#e-payers-0-share", "90");
    browser.click("#e-max_total_payment");
    browser.wait_text(
        "#e-payers-error",
        "支払者の負担割合の合計はちょうど 1（100%）にしてください（現在 0.90）",
    );
    browser.click("#lang-switch");
    browser.wait_text("#h-basics", "Basics");
    browser.fill("#e-payers-0-share", "100");
    browser.click("#e-max_total_payment");
    browser.wait_until("return document.querySelector('#e-payers-error').textContent === ''");
    // The draft survives a reload.
    browser.script("location.reload(); return true;");
    browser.wait_until(
        "return !!document.querySelector('#e-title-en') && document.querySelector('#e-title-en').value === 'Test health project'",
    );
    let evaluator = app
        .with_conn(|conn| {
            seika_db::organizations::find_by_slug(conn, "mirai-kogaku")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    browser.select("#e-meta-evaluator", &evaluator.to_string());
    // A rule type changes the fields the component asks for.
    browser.click("#e-components-add");
    browser.select("#e-components-2-rule-type", "tiered");
    browser.find("#e-components-2-rule-steps-0-at");
    browser.click("#e-components-2-remove");
    browser.wait_until("return !document.querySelector('#e-components-2-rule-type')");
    browser.fill("#e-components-0-rule-amount", "400000");
    browser.fill("#e-components-1-rule-max_amount", "600000");
    browser.fill("#e-max_total_payment", "1000000");
    browser.click("#editor-submit");
    browser.wait_text("h1", "Test health project");
    browser.wait_text(".lead", "Draft");

    // The evaluator is another organization: publication waits for it to accept.
    let project_page = browser
        .script("return location.hash")
        .as_str()
        .unwrap()
        .to_owned();
    browser.wait_text(
        "#waiting-parties",
        "Institute for Future Engineering (Evaluator: Invited",
    );
    assert_eq!(
        browser.script("return document.querySelector('#status-action').disabled"),
        json!(true)
    );
    browser.login(&base, "evaluator@mirai.example");
    browser.click("#lang-switch");
    browser.wait_text("#invitation-list", "テスト健康事業");
    browser.click("#lang-switch");
    // The evaluator reads the draft terms before answering (issue 34 item 2).
    browser.click("#invitation-list details summary");
    let terms = browser.wait_text(
        "#invitation-list .invitation-terms",
        "Fixed payment of ¥400,000",
    );
    assert!(terms.contains("In proportion to achievement"), "{terms}");
    browser.click("#invitation-list .accept-invitation");
    browser.wait_text("#invitation-list", "Accepted");
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/{project_page}"));
    browser.wait_text("#parties", "Accepted");

    // Publishing asks first and says what it means.
    browser.click("#status-action");
    browser.wait_text("#status-confirm-box", "read-only");
    browser.click("#status-confirm");
    browser.wait_text(".lead", "Published");
    browser.click("#run-payout");
    browser.wait_text("#statement-total", "¥400,000");
    let lines = browser.text("#statement-lines");
    assert!(
        lines.contains("Awaiting data"),
        "the outcome-linked part waits for verified data: {lines}"
    );
    browser.click("#reproduce");
    browser.wait_text("#reproduce-result", "Reproduced exactly");
    browser.assert_no_js_errors();
}
db_test!(government_registers_publishes_and_pays, browser);

/// A statement's money: the total, each line, each tranche, each payer and each investor's
/// receipts (investors and payers in order, as the organizations differ from the example's).
fn amounts(s: &Value) -> Value {
    let rows = |list: &Value, keys: &[&str]| -> Vec<Value> {
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|x| Value::Array(keys.iter().map(|k| x[*k].clone()).collect()))
                    .collect()
            })
            .unwrap_or_default()
    };
    json!({
        "total": s["total"],
        "lines": rows(&s["lines"], &["component", "tranche", "status", "amount"]),
        "tranches": rows(&s["tranches"], &["tranche", "total"]),
        "payers": rows(&s["payers"], &["total"]),
        "investors": rows(&s["distribution"]["investors"], &["principal", "interest", "success_fee", "irr"]),
    })
}

/// Accepts every open invitation of the organization's users (the parties' own step, through the
/// API), creating a user for an organization that has none.
async fn accept_invitations(app: &TestApp, slug: &str, role: &str) {
    let email = format!("e2e@{slug}.example");
    let admin = app.login("admin@seika.example").await;
    let slug_owned = slug.to_owned();
    let org = app
        .with_conn(move |conn| {
            seika_db::organizations::find_by_slug(conn, &slug_owned)
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    app.post(
        "/api/v1/users",
        Some(&admin),
        &json!({"email": email, "display_name": "E2E party", "role": role, "organization_id": org, "password": seika::demo::DEMO_PASSWORD}),
    )
    .await
    .assert_status(axum::http::StatusCode::CREATED);
    let token = app.login(&email).await;
    let invitations = app.get("/api/v1/invitations", Some(&token)).await.json();
    assert!(
        invitations.as_array().is_some_and(|i| !i.is_empty()),
        "{slug}: {invitations}"
    );
    for inv in invitations.as_array().unwrap() {
        if inv["status"] == "invited" {
            app.post(
                &format!("/api/v1/invitations/{}/accept", inv["id"]),
                Some(&token),
                &json!({}),
            )
            .await
            .assert_status(axum::http::StatusCode::OK);
        }
    }
}

/// Logs in as Kobe City's officer and starts a contract from a template: code, titles and maximum.
fn start_from_template(
    browser: &Browser,
    base: &str,
    template: &str,
    code: &str,
    titles: (&str, &str),
    max: &str,
) {
    browser.login(base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/new"));
    browser.click(&format!("#template-{template}"));
    browser.fill("#e-code", code);
    browser.fill("#e-title-ja", titles.0);
    browser.fill("#e-title-en", titles.1);
    browser.fill("#e-max_total_payment", max);
}

/// Reloads the project page once every party has accepted, and publishes it as a person would.
fn publish_when_accepted(browser: &Browser) {
    browser.script("location.reload(); return true;");
    browser.wait_until(
        "return !!document.querySelector('#parties') && !document.querySelector('#waiting-parties');",
    );
    browser.click("#status-action");
    browser.click("#status-confirm");
    browser.wait_text(".lead", "Published");
}

/// Kobe City's contract, every part, registered from the Kobe-type template through the editor
/// alone: a fixed fee on a milestone, an interim all-or-nothing payment on two metrics, a final
/// linear payment, three investments and the waterfall. The live preview and the stored payout
/// engine give the statement of docs/examples, to the yen.
async fn kobe_contract_is_registered_from_its_template(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    start_from_template(
        &browser,
        &base,
        "kobe-type",
        "kobe-e2e-2017",
        (
            "神戸市 糖尿病性腎症等重症化予防事業",
            "Kobe City dialysis prevention (entered in the editor)",
        ),
        "34060000",
    );
    browser.set_value("#e-tranches-0-due_on", "2019-03-29");
    browser.set_value("#e-tranches-1-due_on", "2020-09-30");
    for (i, id, ja, en, target) in [
        (
            0,
            "programme_completion",
            "プログラム修了率",
            "Programme completion rate",
            "80",
        ),
        (
            1,
            "lifestyle_improvement",
            "生活習慣改善率",
            "Lifestyle improvement rate",
            "75",
        ),
        (
            2,
            "egfr_decline_suppression",
            "腎機能低下抑制率",
            "Suppression of eGFR decline",
            "80",
        ),
    ] {
        browser.fill(&format!("#e-metrics-{i}-id"), id);
        browser.fill(&format!("#e-metrics-{i}-name-ja"), ja);
        browser.fill(&format!("#e-metrics-{i}-name-en"), en);
        browser.fill(&format!("#e-metrics-{i}-target"), target);
    }
    // The rules read the renamed metrics: chosen by name in each select.
    browser.select(
        "#e-components-1-conditions-0-metric",
        "programme_completion",
    );
    browser.select(
        "#e-components-1-conditions-1-metric",
        "lifestyle_improvement",
    );
    browser.select("#e-components-2-rule-metric", "egfr_decline_suppression");
    browser.fill("#e-components-0-rule-amount", "10480000");
    browser.fill("#e-components-1-rule-amount", "15720000");
    browser.fill("#e-components-2-rule-max_amount", "7860000");
    for (i, investor, committed, rate) in [
        (0, "smbc", "16000000", Some("1")),
        (1, "smbc-trust-individuals", "8000000", Some("3")),
        (2, "siif", "2000000", None),
    ] {
        browser.select(&format!("#e-investments-{i}-investor"), investor);
        browser.fill(&format!("#e-investments-{i}-committed"), committed);
        browser.set_value(&format!("#e-investments-{i}-drawdowns-0-on"), "2017-07-03");
        browser.fill(&format!("#e-investments-{i}-drawdowns-0-amount"), committed);
        if let Some(rate) = rate {
            browser.fill(&format!("#e-investments-{i}-annual_rate"), rate);
        }
    }
    // The live preview with Kobe City's published results.
    browser.fill("#pv-programme_completion-interim", "100");
    browser.fill("#pv-lifestyle_improvement-interim", "95");
    browser.fill("#pv-egfr_decline_suppression-final", "32.9");
    browser.set_value("#pv-milestone-programme_delivered", "2018-03-31");
    browser.click("#editor-preview-run");
    browser.wait_text("#editor-preview-total", "¥29,432,425");
    browser.wait_text("#editor-preview-investors", "SMBC");
    browser.screenshot("editor-preview");
    // The template names its parts in both languages: in Japanese, the Japanese names.
    browser.click("#lang-switch");
    browser.click("#editor-preview-run");
    browser.wait_text("#editor-preview-lines", "固定支払（プログラム実施時）");
    browser.wait_text("#editor-preview-tranches", "中間評価");
    browser.click("#lang-switch");
    browser.click("#editor-preview-run");
    browser.wait_text(
        "#editor-preview-lines",
        "Fixed payment on programme delivery",
    );
    // The preview does not need the project's code yet.
    browser.fill("#e-code", "");
    browser
        .script("document.getElementById('editor-preview-result').replaceChildren(); return true;");
    browser.click("#editor-preview-run");
    browser.wait_text(
        "#editor-preview-lines",
        "Fixed payment on programme delivery",
    );
    browser.fill("#e-code", "kobe-e2e-2017");
    browser.click("#editor-submit");
    browser.wait_text(".lead", "Draft");
    let project = browser
        .script("return location.hash.split('/')[2]")
        .as_str()
        .unwrap()
        .to_owned();

    // The registered terms give Kobe City's golden statement, line by line and to each investor.
    let staff = app.login("staff@kobe-city.example").await;
    let terms = app
        .get(&format!("/api/v1/projects/{project}"), Some(&staff))
        .await
        .json()["terms"]
        .clone();
    let outcomes: Value = serde_json::from_str(include_str!(
        "../../docs/examples/kobe-dialysis.outcomes.json"
    ))
    .unwrap();
    let statement = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": terms, "outcomes": {"results": outcomes["results"], "milestones": outcomes["milestones"]}}),
        )
        .await
        .json()["statement"]
        .clone();
    let golden: Value = serde_json::from_str(include_str!(
        "../../tests/golden/kobe-dialysis.statement.json"
    ))
    .unwrap();
    assert_eq!(amounts(&statement), amounts(&golden));

    // Until it is published, the draft is edited in the same editor, every part of it.
    browser.click("#edit-draft");
    browser.wait_text("#page-title", "Edit the draft");
    browser.fill(
        "#e-title-en",
        "Kobe City dialysis prevention (edited draft)",
    );
    browser.click("#editor-submit");
    browser.wait_text(".lead", "Draft");
    let edited = app
        .get(&format!("/api/v1/projects/{project}"), Some(&staff))
        .await
        .json();
    assert_eq!(
        edited["title_en"],
        "Kobe City dialysis prevention (edited draft)"
    );
    assert_eq!(edited["terms"]["code"], "kobe-e2e-2017");
    // An invited investor finds the invitation from the work list on its home page (the link
    // stays on the page and moves focus to the invitations).
    let project_page = browser.script("return location.href;");
    browser.login(&base, "investor@smbc.example");
    browser.click("#work-invitations");
    browser.wait_until(
        "return location.hash === '#/' && !!document.activeElement && !!document.activeElement.closest('#invitations');",
    );
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(project_page.as_str().unwrap());
    // Every party accepts; the officer publishes in the page.
    for slug in ["smbc", "smbc-trust-individuals", "siif"] {
        accept_invitations(&app, slug, "investor").await;
    }
    publish_when_accepted(&browser);
    assert!(
        browser.script("return !document.querySelector('#edit-draft, #delete-draft')")
            == json!(true),
        "a published contract is amended, not edited or deleted"
    );

    // A draft no longer wanted is deleted from its page, after a confirmation.
    let throwaway = app
        .post(
            "/api/v1/projects",
            Some(&staff),
            &crate::projects::new_project_body(&app, "throwaway-draft").await,
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    browser.goto(&format!("{base}/#/projects/{throwaway}"));
    browser.click("#delete-draft");
    browser.wait_text("#delete-confirm-text", "cannot be undone");
    browser.click("#delete-confirm");
    browser.wait_until("return location.hash === '#/projects';");
    app.get(&format!("/api/v1/projects/{throwaway}"), Some(&staff))
        .await
        .assert_problem(axum::http::StatusCode::NOT_FOUND);
    browser.assert_no_js_errors();
}
db_test!(kobe_contract_is_registered_from_its_template, browser);

/// A published contract is amended through the same editor: the change, a reason and an
/// effective date, with every difference shown side by side before it is saved.
async fn contract_is_amended_in_the_editor_with_a_diff(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/{kobe}/amend"));
    browser.find("#contract-editor");
    browser.wait_text("#amend-diff", "No changes yet");
    assert_eq!(
        browser.script("return document.querySelector('#e-code').disabled"),
        json!(true),
        "the code stays the project's"
    );
    browser.fill("#e-components-2-rule-max_amount", "9000000");
    browser.fill("#e-metrics-2-target", "75");
    // Invoicing terms and a maximum for the outcome-linked part, from the form (no JSON).
    browser.set_checked("#e-invoicing-on", true);
    // The legal deadlines are filled in and explained (支払遅延防止法).
    assert_eq!(
        browser.script("return document.querySelector('#e-invoicing-payment_days').value"),
        json!("30")
    );
    let hint = browser.text("#e-invoicing-late_interest_annual_rate-hint");
    assert!(
        hint.contains("art. 8") && hint.contains("Minister of Finance"),
        "{hint}"
    );
    browser.fill("#e-invoicing-payment_days", "20");
    // A maximum that can never bind is taken, with a warning naming the field.
    browser.fill("#e-max_contingent_payment", "99000000");
    browser.click("#e-meta-reason");
    browser.wait_text("#editor-warnings", "never binds");
    browser.fill("#e-max_contingent_payment", "30000000");
    browser.click("#e-meta-reason");
    // A 新旧対照表 from the server: names, yen and percentages, no keys or raw fractions.
    let diff = browser.wait_text("#amend-diff-table", "¥9,000,000");
    assert!(diff.contains("¥7,860,000"), "{diff}");
    assert!(
        diff.contains("Metric \u{201c}") && diff.contains(": target"),
        "{diff}"
    );
    assert!(diff.contains("75%") && diff.contains("80%"), "{diff}");
    assert!(
        !diff.contains("0.75") && !diff.contains("max_amount"),
        "{diff}"
    );
    browser.screenshot("amendment-diff");
    // Values changed in the Excel workbook load into the draft; a bad cell is named by place.
    // The workbook the download button makes: from the draft as edited so far.
    let staff = app.login("staff@kobe-city.example").await;
    let terms = browser.script(
        "const k = Object.keys(sessionStorage).find((k) => k.startsWith('seika.draft.')); return JSON.parse(sessionStorage.getItem(k)).terms;",
    );
    let workbook = app
        .post(
            "/api/v1/contract-workbooks",
            Some(&staff),
            &json!({"terms": terms}),
        )
        .await
        .body;
    let rename = |value: &'static str| {
        move |sheet: &str, headers: &[String], cells: &mut Vec<String>| {
            if sheet == "支払期" && cells[0] == "final" {
                let c = headers.iter().position(|h| h.contains("(due_on)")).unwrap();
                cells[c] = value.into();
            }
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(
        &bad,
        crate::projects::edit_workbook(&workbook, rename("next autumn")),
    )
    .unwrap();
    let good = dir.path().join("good.xlsx");
    std::fs::write(
        &good,
        crate::projects::edit_workbook(&workbook, rename("令和2年10月30日")),
    )
    .unwrap();
    for (file, expect) in [(&bad, "#editor-excel-errors"), (&good, "#amend-diff-table")] {
        browser.choose_file("#editor-xlsx-file", file);
        if expect == "#editor-excel-errors" {
            browser.wait_text(expect, "sheet 支払期, row 3, column 支払日 (due_on)");
        } else {
            browser.wait_text(expect, "2020-10-30");
        }
    }
    let diff = browser.text("#amend-diff-table");
    assert!(diff.contains("¥9,000,000"), "earlier edits stay: {diff}");
    // A reason is required: the server says so beside the field.
    browser.click("#editor-submit");
    browser.wait_text("#e-meta-reason-error", "reason");
    // The refusal stays while the person types elsewhere (the live check does not erase it), is
    // summarized by the button, and focus is on the first field to fix.
    assert_eq!(
        browser.script("return document.activeElement.id"),
        json!("e-meta-reason")
    );
    browser.wait_text("#editor-submit-errors", "reason");
    let title = browser.script("return document.getElementById('e-title-en').value");
    browser.fill("#e-title-en", title.as_str().unwrap());
    std::thread::sleep(Duration::from_millis(1500));
    browser.wait_text("#e-meta-reason-error", "reason");
    browser.wait_text("#editor-submit-errors", "reason");
    browser.fill(
        "#e-meta-reason",
        "Final payment raised after the FY2019 budget review",
    );
    browser.set_value("#e-meta-effective_from", "2019-04-01");
    browser.click("#editor-submit");
    browser.wait_text("#versions", "Final payment raised");
    let staff = app.login("staff@kobe-city.example").await;
    let project = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&staff))
        .await
        .json();
    assert_eq!(project["terms_version"], 2);
    assert_eq!(
        project["terms"]["components"][2]["rule"]["max_amount"],
        "9000000"
    );
    assert_eq!(project["terms"]["metrics"][2]["target"], "0.75");
    assert_eq!(project["terms"]["invoicing"]["payment_days"], 20);
    assert_eq!(project["terms"]["invoicing"]["tax_rate"], "0.10");
    assert_eq!(project["terms"]["max_contingent_payment"], "30000000");
    browser.assert_no_js_errors();
}
db_test!(contract_is_amended_in_the_editor_with_a_diff, browser);

/// Kobe City's contract, opened for amendment in the editor by its staff; its project id.
async fn open_kobe_amendment(app: &TestApp, browser: &Browser, server: &Server) -> i64 {
    let base = format!("http://{}", server.addr);
    let kobe = crate::projects::project_id(app, "kobe-dialysis-2017").await;
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/{kobe}/amend"));
    browser.find("#contract-editor");
    kobe
}

/// Submits the amendment open in the editor with its reason, once the comparison shows
/// `diff_shows`, and returns the terms stored.
async fn submit_kobe_amendment(
    app: &TestApp,
    browser: &Browser,
    kobe: i64,
    reason: &str,
    diff_shows: &str,
) -> Value {
    browser.fill("#e-meta-reason", reason);
    browser.set_value("#e-meta-effective_from", "2018-04-01");
    browser.wait_text("#amend-diff-table", diff_shows);
    browser.click("#editor-submit");
    browser.wait_text("#versions", reason);
    let staff = app.login("staff@kobe-city.example").await;
    let project = app
        .get(&format!("/api/v1/projects/{kobe}"), Some(&staff))
        .await
        .json();
    project["terms"].clone()
}

/// A cap that follows a count in the data (issue 29 item 4) is set from the editor's form: a
/// metric of unit count, then on a payment date "cap per one counted" with that metric and an
/// amount. The metric is not reported unused; renaming it carries the cap's reference along; the
/// stored terms hold the cap.
async fn a_cap_per_count_is_set_in_the_editor(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let kobe = open_kobe_amendment(&app, &browser, &server).await;
    let m = browser.add_row("e-metrics");
    browser.fill(&format!("#e-metrics-{m}-id"), "enrolled");
    browser.fill(&format!("#e-metrics-{m}-name-ja"), "参加者数");
    browser.fill(&format!("#e-metrics-{m}-name-en"), "Participants enrolled");
    browser.select(&format!("#e-metrics-{m}-unit"), "count");
    browser.set_checked("#e-tranches-0-cap_per_count-on", true);
    browser.select("#e-tranches-0-cap_per_count-metric", "enrolled");
    browser.fill("#e-tranches-0-cap_per_count-amount", "200000");
    // Renaming the metric carries the reference along (issue 34 item 4).
    browser.fill(&format!("#e-metrics-{m}-id"), "enrolled_people");
    browser.click("#e-tranches-0-cap_per_count-amount");
    browser.wait_until(
        "return document.querySelector('#e-tranches-0-cap_per_count-metric')?.value === 'enrolled_people'",
    );
    let reason = "Interim payment at most 200,000 yen per participant enrolled";
    let terms = submit_kobe_amendment(&app, &browser, kobe, reason, "¥200,000 per one of").await;
    assert_eq!(
        terms["tranches"][0]["cap_per_count"],
        json!({"metric": "enrolled_people", "amount": "200000"})
    );
    browser.assert_no_js_errors();
}
db_test!(a_cap_per_count_is_set_in_the_editor, browser);

/// Figures are typed as officers write them (issue 34 item 5): the server's one reader turns
/// 3,406万円, ８％ and 令和2年度 into the figures the terms store, and a figure it cannot read is
/// refused at its field, saying what to type.
async fn figures_are_typed_as_officers_write_them(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    open_kobe_amendment(&app, &browser, &server).await;
    let value = |css: &str| {
        browser
            .script(&format!("return document.querySelector('{css}').value"))
            .as_str()
            .unwrap()
            .to_owned()
    };
    let typed = |css: &str, text: &str, shown: &str| {
        browser.fill(css, text);
        browser.click("#e-meta-reason");
        browser.wait_until(&format!(
            "return document.querySelector('{css}').value === '{shown}'"
        ));
    };
    typed("#e-max_total_payment", "3,406万円", "34060000");
    typed("#e-budget-0-fiscal_year", "令和2年度", "2020");
    browser.set_checked("#e-invoicing-on", true);
    typed("#e-invoicing-tax_rate", "８％", "8");
    browser.fill("#e-max_contingent_payment", "lots");
    browser.click("#e-meta-reason");
    browser.wait_text("#e-max_contingent_payment-error", "such as 34,060,000");
    assert_eq!(value("#e-max_contingent_payment"), "lots");
    let draft = browser.script(
        "const k = Object.keys(sessionStorage).find((k) => k.startsWith('seika.draft.')); return JSON.parse(sessionStorage.getItem(k)).terms;",
    );
    assert_eq!(draft["max_total_payment"], "34060000");
    assert_eq!(draft["budget"][0]["fiscal_year"], 2020);
    assert_eq!(draft["invoicing"]["tax_rate"], "0.08");
    browser.assert_no_js_errors();
}
db_test!(figures_are_typed_as_officers_write_them, browser);

/// A deduction from a base fee (指標連動方式, issue 29 item 8) is written in the editor's rule
/// form: the rule type, the base, an indicator (metric, bound as a percentage, points) and a band
/// (points, deduction as a percentage); the stored terms hold them as fractions (80 → "0.80").
async fn a_deduction_is_written_in_the_editor(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let kobe = open_kobe_amendment(&app, &browser, &server).await;
    browser.select("#e-components-0-rule-type", "deduction");
    browser.fill("#e-components-0-rule-base", "10480000");
    browser.select(
        "#e-components-0-rule-indicators-0-metric",
        "programme_completion",
    );
    browser.fill("#e-components-0-rule-indicators-0-at_least", "80");
    browser.fill("#e-components-0-rule-indicators-0-points", "2");
    browser.fill("#e-components-0-rule-bands-0-points", "2");
    browser.fill("#e-components-0-rule-bands-0-deduct", "10");
    let reason = "The completion fee becomes a base fee with a deduction";
    let terms = submit_kobe_amendment(&app, &browser, kobe, reason, "deduction").await;
    assert_eq!(
        terms["components"][0]["rule"],
        json!({"type": "deduction", "base": "10480000",
               "indicators": [{"metric": "programme_completion", "at_least": "0.80", "points": 2}],
               "bands": [{"points": 2, "deduct": "0.10"}]})
    );
    browser.assert_no_js_errors();
}
db_test!(a_deduction_is_written_in_the_editor, browser);

/// The fiscal-year view (issue 34 item 9): government staff open it from the menu, read each
/// year's contracts and total, see the years as 平成/令和 with the era setting, and find the
/// download links; another role is not offered the page.
async fn fiscal_years_are_read_and_downloaded_in_the_ui(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "staff@kobe-city.example");
    browser.click("a[href='#/fiscal-years']");
    let text = browser.wait_text("#fiscal-years", "FY2018");
    assert!(text.contains("Total"), "{text}");
    let table = browser.text("#fiscal-year-2018-JPY");
    assert!(table.contains("¥"), "{table}");
    browser.find("#fiscal-years-download");
    browser.set_checked("#wareki-switch", true);
    browser.wait_text("#fiscal-years", "平成30年度");
    browser.screenshot("fiscal-years");
    browser.set_checked("#wareki-switch", false);
    browser.assert_accessible("fiscal-years");
    browser.login(&base, "investor@smbc.example");
    browser.goto(&format!("{base}/#/fiscal-years"));
    browser.find("#not-for-role");
    browser.assert_no_js_errors();
}
db_test!(fiscal_years_are_read_and_downloaded_in_the_ui, browser);

/// Evaluators enter a correction, import participant records (first a bad file, then a good
/// one), and a colleague verifies both from the queue; the record's history shows it all.
async fn evaluators_enter_import_and_verify(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let youth = crate::batches::youth_project(&app).await;
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "evaluator@mirai.example");

    browser.goto(&format!("{base}/#/projects/{kobe}/data"));
    browser.find("#result-form");
    browser.select("#r-metric", "egfr_decline_suppression");
    browser.select("#r-tranche", "final");
    browser.fill("#r-value", "0,4");
    browser.click("#result-submit");
    browser.wait_text("#r-value-error", "a number such as 1.5");
    // A rate typed as a percentage, in full-width, is read by the same reader as the imports.
    browser.fill("#r-value", "４０％");
    let current = browser.script(
        "return [...document.querySelector('#r-supersedes').options].find(o => o.text.toLowerCase().includes('egfr')).value",
    );
    browser.select("#r-supersedes", current.as_str().unwrap());
    browser.fill("#r-reason", "Re-measured after data cleaning");
    // The evaluation report goes with it as evidence.
    let report_dir = tempfile::tempdir().unwrap();
    let report = report_dir.path().join("egfr-report.pdf");
    std::fs::write(
        &report,
        b"%PDF-1.7
% eGFR re-measurement
",
    )
    .unwrap();
    // A file that is not what its name says is refused, and no draft is left behind.
    let fake = report_dir.path().join("report.pdf");
    std::fs::write(&fake, b"just some text\n").unwrap();
    browser.choose_file("#r-evidence-file", &fake);
    browser.click("#result-submit");
    browser.wait_text("#result-not-saved", "was not saved");
    let drafts = app
        .get(
            &format!("/api/v1/projects/{kobe}/outcome-results?status=draft"),
            Some(&app.login("evaluator@mirai.example").await),
        )
        .await
        .json();
    assert_eq!(drafts, json!([]), "no orphan draft");
    browser.choose_file("#r-evidence-file", &report);
    browser.click("#result-submit");
    browser.wait_text("#data-message", "Saved and submitted for verification.");
    browser.wait_text("#records", "Submitted");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "participant,outcome,achieved_on\nY1,job_start,2025-06-01\nY2,dancing,2025-06-01\n",
    )
    .unwrap();
    let good = dir.path().join("records.csv");
    std::fs::write(
        &good,
        include_str!("../../docs/examples/youth-employment.outcomes.csv"),
    )
    .unwrap();
    browser.goto(&format!("{base}/#/projects/{youth}/data"));
    browser.find("#upload-form");
    browser.choose_file("#csv-file", &bad);
    browser.click("#upload-submit");
    browser.wait_text("#import-errors", "row 3, column outcome, value `dancing`");
    browser.click("#lang-switch");
    browser.wait_text("h1", "成果データ");
    browser.choose_file("#csv-file", &bad);
    browser.click("#upload-submit");
    browser.wait_text("#import-errors", "3 行目、列 outcome、値 `dancing`");
    browser.wait_text("#import-errors", "契約の成果のいずれか");
    browser.click("#lang-switch");
    browser.wait_text("h1", "Outcome data");
    browser.choose_file("#csv-file", &good);
    browser.click("#upload-submit");
    browser.wait_text("#upload-result", "Imported");

    browser.login(&base, "evaluator2@mirai.example");
    browser.goto(&format!("{base}/#/queue"));
    // The verifier sees what to check the value against: the metric by its name, its target,
    // the verified value it replaces and the change, who entered it, and why.
    browser.wait_text("#queue", "Suppression of kidney-function (eGFR) decline");
    browser.wait_text("#queue", "0.329 (change 0.071)");
    browser.wait_text("#queue", "Re-measured after data cleaning");
    browser.wait_text("#queue", "未来 太郎");
    browser.wait_text("#queue .evidence-files", "egfr-report.pdf (application/pdf");
    browser.wait_text("#queue", "participant records");
    browser.wait_text("#queue .batch-effect", "with it (computed)");
    // Filtered by project on the server: another project's name leaves nothing, Kobe's all.
    browser.fill("#qf-q", "Hachioji");
    browser.click("#queue-search");
    browser.wait_text("#queue-empty", "projects that match");
    browser.fill("#qf-q", "kobe");
    browser.click("#queue-search");
    browser.wait_text("#queue", "Re-measured after data cleaning");
    browser.fill("#qf-q", "");
    browser.click("#queue-search");
    browser.wait_text("#queue", "participant records");
    browser.screenshot("verification");
    // Verifying asks first, and may be cancelled.
    browser.click("#queue button.verify");
    browser.wait_text("#queue .review-actions", "cannot be undone");
    browser.click("#queue button.cancel-review");
    browser.find("#queue button.verify");
    browser.click("#queue button.verify");
    browser.click("#queue button.confirm-review");
    // The queue is drawn again without the verified result: wait for that drawing, not for the
    // old one, which also lists the batch (the flake of stop 39).
    browser.wait_until(
        "const q = document.querySelector('#queue'); return !!q && !q.textContent.includes('Re-measured after data cleaning') && q.textContent.includes('participant records');",
    );
    browser.click("#queue button.verify");
    browser.click("#queue button.confirm-review");
    browser.wait_text("#queue-empty", "Nothing is waiting");

    browser.goto(&format!("{base}/#/projects/{kobe}/data"));
    browser.find("#records");
    browser.script("const links = document.querySelectorAll('#records a'); links[links.length - 1].click(); return true;");
    // The history names each step and person in words, never raw actions, ids or JSON.
    let history = browser.wait_text("#history", "Verified");
    assert!(
        history.contains("Submitted for verification") && history.contains("未来 花子"),
        "{history}"
    );
    assert!(
        !history.contains("outcome_result.") && !history.contains('{'),
        "{history}"
    );
    browser.screenshot("record-history");

    // A project that is no longer live refuses new data, and the interface says why, in Japanese.
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use seika_db::schema::projects;
        diesel::update(projects::table.find(kobe))
            .set(projects::status.eq("terminated"))
            .execute(conn)
            .unwrap();
    })
    .await;
    browser.goto(&format!("{base}/#/projects/{kobe}/data"));
    browser.find("#result-form");
    browser.click("#lang-switch");
    browser.wait_text("h1", "成果データ");
    browser.select("#r-metric", "programme_completion");
    browser.select("#r-tranche", "final");
    browser.fill("#r-numerator", "90");
    browser.fill("#r-denominator", "105");
    browser.click("#result-submit");
    browser.wait_text(
        "main",
        "この事業は契約解除のため、成果データを受け付けません",
    );
    browser.click("#lang-switch");

    // A file over the import-job threshold is stored by a job; the interface follows it and
    // says the same as for a small file.
    let large = dir.path().join("large.csv");
    let mut csv = String::from("participant,outcome,achieved_on\n");
    let mut rows = 0;
    while csv.len() <= seika::api::HttpConfig::default().import_job_bytes {
        csv.push_str(&format!("L{rows:07},regular_contact,2024-10-05\n"));
        rows += 1;
    }
    std::fs::write(&large, csv).unwrap();
    browser.goto(&format!("{base}/#/projects/{youth}/data"));
    browser.find("#upload-form");
    browser.choose_file("#csv-file", &large);
    browser.click("#upload-submit");
    // A job of 116,508 rows in a debug build, beside the other tests on two cores: up to a minute.
    browser.wait_text_within(
        "#upload-result",
        &format!("Imported {rows} rows"),
        Duration::from_secs(60),
    );
    browser.assert_no_js_errors();
}
db_test!(evaluators_enter_import_and_verify, browser);

/// An evaluator imports a results workbook with evidence; a colleague opens the verification
/// screen, sees the evidence, draws a sample of a participant batch, records a discrepancy, and
/// verifies with a reason, then verifies the imported results.
async fn evaluators_import_a_workbook_sample_and_verify(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let hachioji = crate::evaluators::hachioji_with_evaluator(&app).await;
    let youth = crate::batches::youth_project(&app).await;
    let enterer = app.login("evaluator@mirai.example").await;
    let res = crate::batches::import(
        &app,
        youth,
        &enterer,
        include_bytes!("../../docs/examples/youth-employment.outcomes.csv").to_vec(),
    )
    .await;
    let batch = res.json()["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/projects/{youth}/outcome-batches/{batch}/submit"),
        Some(&enterer),
        &json!({}),
    )
    .await
    .assert_status(axum::http::StatusCode::OK);
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);

    let dir = tempfile::tempdir().unwrap();
    let workbook = dir.path().join("八王子成果.xlsx");
    let headers: Vec<String> = [
        "指標ID (metric)",
        "支払時期ID (tranche)",
        "実績値 (value)",
        "分子 (numerator)",
        "分母 (denominator)",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = [
        ["screening_uptake", "final", "26.8%", "", ""],
        ["detailed_exam_uptake", "final", "", "２,５６１", "3,119"],
        ["early_cancers_detected", "final", "2", "", ""],
    ]
    .iter()
    .map(|r| r.map(String::from).to_vec())
    .collect();
    std::fs::write(
        &workbook,
        seika_formats::sheet::write_xlsx("成果", &headers, &rows).unwrap(),
    )
    .unwrap();
    let report = dir.path().join("evaluation-report.pdf");
    std::fs::write(&report, b"%PDF-1.7\n% Hachioji evaluation report\n").unwrap();

    browser.login(&base, "evaluator@mirai.example");
    browser.goto(&format!("{base}/#/projects/{hachioji}/data"));
    browser.find("#results-import-form");
    browser.find("#template-xlsx");
    for (css, path) in [("#results-file", &workbook), ("#results-evidence", &report)] {
        browser.choose_file(css, path);
    }
    browser.click("#results-import-submit");
    browser.wait_text(
        "#results-import-result",
        "Imported 3 results from 八王子成果.xlsx",
    );
    browser.wait_text("#import-readings", "sheet 成果, row 3, column numerator");
    browser.wait_text(
        "#import-readings",
        "full-width characters read as half-width",
    );
    browser.wait_text("#import-readings", "percentage read as a fraction");
    browser.wait_text("#records", "Submitted");
    browser.screenshot("results-import");

    browser.login(&base, "evaluator2@mirai.example");
    browser.goto(&format!("{base}/#/queue"));
    browser.wait_text("#queue", "Screening uptake among the 12,162 sent reminders");
    browser.wait_text(
        "#queue .evidence-files",
        "evaluation-report.pdf (application/pdf",
    );
    browser.wait_text("#queue .batch-effect", "with it (computed)");
    // The sample: drawn from a seed, three records.
    browser.find(".sample-draw");
    browser.fill(&format!("#sample-seed-{batch}"), "audit-2026");
    browser.fill(&format!("#sample-size-{batch}"), "3");
    browser.click(".sample-draw button[type=submit]");
    browser.wait_text(".sample-summary", "Seed audit-2026 · 3 of 87 records");
    browser.click(".sample-records tbody tr:nth-child(1) .sample-confirm");
    browser.wait_text(".sample-rate", "Discrepant: 0 of 1 checked");
    browser.fill(
        ".sample-records tbody tr:nth-child(2) .sample-note",
        "台帳では別の日付",
    );
    browser.click(".sample-records tbody tr:nth-child(2) .sample-discrepant");
    browser.wait_text(".sample-rate", "Discrepant: 1 of 2 checked");
    browser.click(".sample-records tbody tr:nth-child(3) .sample-confirm");
    browser.wait_text(".sample-rate", "Discrepant: 1 of 3 checked (33.3%)");
    browser.wait_text(".sample-check", "Above the tolerance");
    browser.screenshot("sample-check");
    let card = format!("#queue .verify-item[data-id='{batch}']");
    browser.click(&format!("{card} button.verify"));
    browser.click(&format!("{card} button.confirm-review"));
    browser.wait_text("#queue-message", "reason");
    browser.fill(
        &format!("{card} .review-reason"),
        "one date typo; corrected at source",
    );
    browser.click(&format!("{card} button.verify"));
    browser.click(&format!("{card} button.confirm-review"));
    browser.wait_until(&format!("return !document.querySelector(\"{card}\")"));
    for left in (0..3).rev() {
        browser.click("#queue button.verify");
        browser.click("#queue button.confirm-review");
        browser.wait_until(&format!(
            "return document.querySelectorAll('#queue .verify-item').length === {left}"
        ));
    }
    browser.wait_text("#queue-empty", "Nothing is waiting");
    let verified = app
        .get(
            &format!("/api/v1/projects/{hachioji}/outcome-results?status=verified"),
            Some(&enterer),
        )
        .await
        .json();
    assert_eq!(verified.as_array().unwrap().len(), 3);
    browser.assert_no_js_errors();
}
db_test!(evaluators_import_a_workbook_sample_and_verify, browser);

/// The city simulates its liability from the project page; the page shows the server's figures.
async fn government_simulates_its_liability(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "staff@kobe-city.example");
    // The home page opens with the government dashboard, the server's figures.
    let dash = app
        .get("/api/v1/dashboards/government", Some(&staff))
        .await
        .json();
    let totals = browser.wait_text(
        "#government-totals",
        &yen(dash["totals"][0]["cap"].as_str().unwrap()),
    );
    assert!(
        totals.contains(&yen(dash["totals"][0]["computed"].as_str().unwrap())),
        "{totals}"
    );
    assert!(
        totals.contains(&yen(dash["totals"][0]["paid"].as_str().unwrap())),
        "{totals}"
    );
    browser.wait_text("#government-projects", "13.6%");
    browser.screenshot("government-dashboard");
    browser.goto(&format!("{base}/#/projects/{kobe}"));
    // Achievement over time, with its table: the interim completion 1.25 of the way (125%).
    browser.wait_until(
        "const t = document.querySelector('#achievement-history'); return t && t.textContent.includes('125%');",
    );
    browser.find("#simulation");
    browser.script("document.querySelector('#simulation').open = true; return true;");
    // eGFR is the third metric of Kobe's terms.
    browser.select("#sim-kind-2", "normal");
    browser.fill("#sim-mean-2", "0.329");
    browser.fill("#sim-spread-2", "0.12");
    browser.fill("#sim-runs", "500");
    browser.fill("#sim-seed", "5");
    browser.click("#simulation-submit");
    browser.wait_text("#simulation-summary", "500 runs (seed 5)");
    // Run as a job on the server, its progress shown as it went.
    browser.wait_text("#simulation-progress-text", "All 500 runs done");
    let api = app
        .post(
            &format!("/api/v1/projects/{kobe}/simulations"),
            Some(&staff),
            &json!({"runs": 500, "seed": 5, "assumptions": [{"metric": "egfr_decline_suppression",
                "distribution": {"kind": "normal", "mean": "0.329", "standard_error": "0.12"}}]}),
        )
        .await
        .json();
    let p50 = yen(api["total_payment"]["p50"].as_str().unwrap());
    browser.wait_text("#simulation-summary", &p50);
    browser.wait_text(
        "#simulation-years",
        &yen(api["by_fiscal_year"][0]["payment"]["p95"].as_str().unwrap()),
    );
    browser.find(".fan-chart");
    // Each investor's IRR distribution is drawn too, investors by their names.
    browser.find(".irr-chart");
    browser.wait_text(
        "#simulation-investors",
        "Social Innovation and Investment Foundation",
    );
    browser.screenshot("simulation");
    browser.assert_no_js_errors();
}
db_test!(government_simulates_its_liability, browser);

/// Investors open their dashboard: distributions by kind, money multiple, IRR, others only in
/// aggregate; and a page of another organization is refused.
/// A link opened in a new tab keeps the session (shared by the open tabs, never stored beyond
/// them), and logging out in one tab logs out the others.
async fn a_new_tab_keeps_the_session_and_logout_ends_it_everywhere(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "staff@kobe-city.example");
    let first = browser.new_tab();
    browser.goto(&format!("{base}/#/projects/{kobe}"));
    browser.wait_text("#page-title", "Kobe");
    assert!(
        browser
            .script("return localStorage.getItem('seika.token') === null;")
            .as_bool()
            .unwrap(),
        "the token is never kept beyond the tabs"
    );
    browser.click("#logout");
    browser.find("#login-form");
    browser.switch_to(&first);
    browser.find("#login-form");
    assert!(
        browser.script("return !document.querySelector('#session-ended')") == json!(true),
        "logging out is not a session that ended"
    );
    // A session ended on the server (the password changed elsewhere) says so on the login page,
    // in words that are not those of a wrong password.
    browser.login(&base, "staff@kobe-city.example");
    let token = app.login("staff@kobe-city.example").await;
    app.post(
        "/api/v1/auth/password",
        Some(&token),
        &json!({"current_password": seika::demo::DEMO_PASSWORD, "new_password": "kobe-elsewhere-2026"}),
    )
    .await
    .assert_status(axum::http::StatusCode::NO_CONTENT);
    browser.goto(&format!("{base}/#/projects"));
    browser.wait_text("#session-ended", "session has ended");
    browser.fill("#email", "staff@kobe-city.example");
    browser.fill("#password", "not-the-password");
    browser.click("#login-submit");
    browser.wait_text("#login-errors", "wrong e-mail or password");
    browser.assert_no_js_errors();
}
db_test!(
    a_new_tab_keeps_the_session_and_logout_ends_it_everywhere,
    browser
);

/// An investor holding units sees the per-unit figures the server computed, in Japanese too.
async fn investor_sees_its_units(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let id = crate::claims::publish_units_project(&app).await;
    crate::claims::verify_units_outcomes_and_run(&app, id).await;
    let investor = app.login("investor@smbc.example").await;
    let dash = app
        .get("/api/v1/dashboards/investor", Some(&investor))
        .await
        .json();
    let holding = dash["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["project_id"] == id)
        .unwrap()["unit_holdings"][0]
        .clone();
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "investor@smbc.example");
    browser.goto(&format!("{base}/#/portfolio"));
    let table = browser.wait_text(
        "#unit-holdings-table",
        &yen(holding["distributed_per_unit"].as_str().unwrap()),
    );
    assert!(
        table.contains("303 units")
            && table.contains(&yen(holding["unit_price"].as_str().unwrap()))
            && table.contains("1.05×")
            && table.contains("Frailty prevention (units)"),
        "{table}"
    );
    browser.click("#lang-switch");
    let table = browser.wait_text("#unit-holdings-table", "303口");
    assert!(table.contains("到達（超える額は次の段階へ）"), "{table}");
    browser.wait_text("#unit-holdings", "1口あたり算定額");
    browser.assert_no_js_errors();
}
db_test!(investor_sees_its_units, browser);

async fn investor_dashboard_and_foreign_pages(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let hachioji = crate::projects::project_id(&app, "hachioji-screening-2017").await;
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "investor@smbc.example");
    browser.goto(&format!("{base}/#/portfolio"));
    let table = browser.wait_text("#portfolio table", "¥16,000,000");
    assert!(
        table.contains("1.0174×") && table.contains("¥277,917"),
        "{table}"
    );
    browser.wait_text("#portfolio", "Other investors: 2");
    // The overview across projects shows the server's dashboard figures.
    let investor = app.login("investor@smbc.example").await;
    let dash = app
        .get("/api/v1/dashboards/investor", Some(&investor))
        .await
        .json();
    let totals = browser.wait_text(
        "#investor-totals",
        &yen(dash["totals"][0]["committed"].as_str().unwrap()),
    );
    assert!(
        totals.contains(&yen(dash["totals"][0]["distributions_computed"]
            .as_str()
            .unwrap())),
        "{totals}"
    );
    browser.wait_text("#investor-projects", "1.0174×");
    browser.wait_text("#investor-projects", "1.00%");
    // The demo's distributions were paid: computed and paid agree, nothing is due.
    browser.wait_text(".distribution-totals", "Paid to you");
    browser.wait_text(".distribution-totals", "¥16,277,917");
    // The cash flows are the server's: drawdowns, and distributions marked as not yet paid.
    // (The chart's table sits in a closed disclosure, so its text is read, not its rendering.)
    browser.wait_until(
        "const text = document.querySelector('#portfolio').textContent; \
         return text.includes('(drawdown)') && text.includes('(computed, not yet paid)');",
    );
    browser.screenshot("portfolio");

    browser.goto(&format!("{base}/#/projects/{hachioji}"));
    browser.wait_text("#not-found", "does not exist or you may not see it");

    browser.click("#lang-switch");
    browser.wait_text("#not-found", "閲覧の権限がありません");
    browser.goto(&format!("{base}/#/portfolio"));
    browser.wait_text("h1", "ポートフォリオ");
    // The choice of language survives a reload.
    browser.script("location.reload(); return true;");
    browser.wait_text("nav", "事業一覧");
    browser.assert_no_js_errors();
}
db_test!(investor_dashboard_and_foreign_pages, browser);

/// ¥ and the amount grouped by thousands, as the page formats a whole-yen decimal string.
fn yen(amount: &str) -> String {
    let digits: Vec<char> = amount.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    format!("¥{out}")
}

/// The provider claims a tranche, a second member of the city's staff inspects and accepts it,
/// the city records the payment; at each stage the project page shows the API's figures, each
/// under its own name, and the claim prints as an invoice.
async fn claims_are_submitted_inspected_and_paid_in_the_ui(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    crate::claims::without_demo_claims(&app, kobe).await;
    let admin = app.login("admin@seika.example").await;
    let kobe_city = app
        .with_conn(|conn| {
            seika_db::organizations::find_by_slug(conn, "kobe-city")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    app.post(
        "/api/v1/users",
        Some(&admin),
        &json!({"email": "staff2@kobe-city.example", "display_name": "Kobe inspector",
                "role": "government_staff", "organization_id": kobe_city,
                "password": seika::demo::DEMO_PASSWORD}),
    )
    .await;
    let staff = app.login("staff@kobe-city.example").await;
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    let today = seika_service::claims::today().to_string();

    // Each stage's figures on the page are the API's.
    let stages_match_the_api = |stage: &str| {
        let app = &app;
        let staff = &staff;
        let browser = &browser;
        let base = &base;
        let stage = stage.to_owned();
        async move {
            let figures = app
                .get(&format!("/api/v1/projects/{kobe}/figures"), Some(staff))
                .await
                .json();
            browser.goto(&format!("{base}/#/projects/{kobe}"));
            browser.find("#money-stages");
            for (key, amount) in [
                ("computed", &figures["due"]["computed_total"]),
                ("claimed", &figures["claims"]["claimed"]),
                ("accepted", &figures["claims"]["accepted"]),
                ("paid", &figures["claims"]["paid"]),
                ("outstanding", &figures["claims"]["outstanding"]),
                ("remaining", &figures["room_under_cap_after_payments"]),
            ] {
                let row = browser.text(&format!("#money-stages tr[data-stage={key}] td"));
                assert_eq!(row, yen(amount.as_str().unwrap()), "{stage}: {key}");
            }
            figures
        }
    };

    // What if the eGFR target had been met: the engine's preview, nothing stored.
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/{kobe}"));
    browser.click("#preview summary");
    browser.select("#pv-metric", "egfr_decline_suppression");
    browser.select("#pv-tranche", "final");
    browser.fill("#pv-value", "0.8");
    browser.click("#preview-submit");
    browser.wait_text("#preview-total", "¥34,060,000");

    browser.login(&base, "provider@dpp.example");
    // The provider's home page: its projects' outcomes and money, the server's figures.
    let provider_token = app.login("provider@dpp.example").await;
    let provider_dash = app
        .get("/api/v1/dashboards/provider", Some(&provider_token))
        .await
        .json();
    browser.wait_text(
        "#provider-projects",
        "Suppression of kidney-function (eGFR) decline: 41.1%",
    );
    browser.wait_text(
        "#provider-projects",
        &yen(provider_dash["projects"][0]["computed"].as_str().unwrap()),
    );
    let before = stages_match_the_api("before any claim").await;
    assert_eq!(before["claims"]["paid"], "0");
    browser.click("#new-claim");
    browser.find("#claim-form");
    browser.select("#c-tranche", "interim");
    browser.select("#c-payer", "kobe-city");
    browser.fill("#c-invoice_number", "T7000012050003");
    browser.set_value("#c-issued_on", &today);
    browser.fill("#c-description", "成果連動型委託料（中間評価）");
    browser.click("#claim-submit");
    // A wrong check digit is named beside its field, in the interface language.
    browser.wait_text(
        "#c-invoice_number-error",
        "registration number of T and 13 digits",
    );
    browser.fill("#c-invoice_number", "T7000012050002");
    browser.click("#claim-submit");
    browser.wait_text("#claim-total", "¥26,200,000");
    browser.wait_text(".lead", "Submitted");
    browser.wait_text("#claim-amounts", "¥2,381,818");
    browser.wait_text("#claim-facts", "T7000012050002");
    browser.wait_text("#claim-facts", "DPP Health Partners");
    browser.wait_text("#claim-deadlines", "Pay by");
    // The statement's explanation of the tranche is attached (and printed with the claim).
    browser.wait_text(
        "#claim-explanation",
        "Fixed payment on programme completion",
    );
    let claimed = stages_match_the_api("claimed").await;
    assert_eq!(claimed["claims"]["claimed"], "26200000");
    assert_eq!(claimed["claims"]["paid"], "0");

    browser.login(&base, "staff2@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/{kobe}"));
    browser.click("#claims a");
    browser.find("#inspection-form");
    browser.set_checked("#i-check-amount", true);
    browser.click("#accept-claim");
    browser.wait_text(".lead", "Accepted");
    browser.wait_text("#inspections", "Kobe inspector");
    stages_match_the_api("accepted").await;

    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/{kobe}"));
    browser.click("#claims a");
    browser.find("#payment-form");
    browser.set_value("#p-paid_on", &today);
    browser.fill("#p-budget_account", "国民健康保険特別会計");
    browser.fill("#p-reference", "支出命令 0042");
    browser.click("#payment-submit");
    browser.wait_text(".lead", "Paid");
    browser.wait_text("#payments", "¥26,200,000");
    browser.screenshot("claim-paid");
    let paid = stages_match_the_api("paid").await;
    assert_eq!(paid["claims"]["paid"], "26200000");
    // The tranche is paid: its distributions are due, and the city records one as paid.
    browser.wait_text("#distributions section[data-tranche=interim] h3", "Due");
    browser.script(
        "const row = document.querySelector('#distributions section[data-tranche=interim] .record-distribution').closest('tr'); \
         row.querySelector('input[type=date]').value = new Date().toISOString().slice(0, 10); \
         row.querySelector('input[type=text]').value = '振込 0001'; return true;",
    );
    browser.click("#distributions section[data-tranche=interim] .record-distribution");
    browser.wait_until(
        "return document.querySelectorAll('#distributions section[data-tranche=interim] .record-distribution').length === 2",
    );
    browser.screenshot("distributions");
    // Nothing computed is called paid: the page's only "Paid" amounts are the recorded payment.
    browser.click("#lang-switch");
    browser.wait_text("#money-stages", "支払済額");
    browser.wait_text("#money-stages", "算定額（請求・支払前）");
    browser.assert_no_js_errors();
}
db_test!(claims_are_submitted_inspected_and_paid_in_the_ui, browser);

/// The city switches the public page on from the project page, choosing its sections; anyone,
/// without logging in, opens it from the public list and finds the API's figures, only the
/// chosen sections, and no participant-level data or hidden field.
async fn the_public_page_opens_without_login(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "staff@kobe-city.example");
    browser.goto(&format!("{base}/#/projects/{kobe}"));
    browser.wait_text("#publication-state", "The public page is off");
    browser.set_checked("#pub-published", true);
    // Payment rules and parties stay private; results and payments are public by default.
    browser.set_checked("#pub-parties", false);
    browser.set_checked("#pub-payment_rules", false);
    browser.fill("#pub-threshold", "10");
    browser.click("#publication-save");
    browser.wait_text("#publication-state", "The public page is on");
    browser.click("#logout");
    browser.find("#login-form");

    // Signed out: the public list, then the page.
    browser.click("#public-projects-link");
    browser.wait_text("#public-projects", "Kobe");
    browser.click("#public-projects a");
    let public = app
        .get("/api/v1/public/projects/kobe-dialysis-2017", None)
        .await
        .json();
    browser.wait_text(
        "#public-paid",
        &yen(public["payments"]["paid"].as_str().unwrap()),
    );
    browser.wait_text("#public-metrics", "eGFR");
    browser.wait_text("#public-results", "105 / 105");
    for absent in [
        "#public-rules",
        "#public-parties",
        "#public-investors",
        "#login-form",
    ] {
        assert_eq!(
            browser.script(&format!(
                "return document.querySelector('{absent}') === null"
            )),
            Value::Bool(true),
            "{absent} must not be on the public page"
        );
    }
    // Nothing hidden in the page: no hidden inputs or elements, no participant column.
    let hidden = browser.script(
        "return [...document.querySelectorAll('main input[type=hidden], main [hidden]')].length \
         + [...document.querySelectorAll('main *')].filter((e) => getComputedStyle(e).display === 'none' \
           && !e.closest('details') && e.tagName !== 'OPTION').length",
    );
    assert_eq!(hidden, json!(0));
    let text = browser.text("main");
    assert!(
        !text.contains("participant") && !text.contains("参加者"),
        "{text}"
    );
    browser.assert_accessible("public project");
    browser.screenshot("public-project");
    browser.click("#lang-switch");
    browser.wait_text(
        "#public-paid",
        &yen(public["payments"]["paid"].as_str().unwrap()),
    );
    browser.wait_text("main", "公開ページ");
    // Dates in the Japanese era on request: the service began on 3 July 2017, 平成29年.
    browser.set_checked("#wareki-switch", true);
    browser.wait_text("main", "平成29年7月3日");
    browser.click("#lang-switch");
    browser.wait_text("main", "(平成29年)");
    browser.set_checked("#wareki-switch", false);
    browser.wait_until("return !document.querySelector('main').textContent.includes('平成');");
    // A link to a page that needs signing in: after the login form, that page, not the home page.
    browser.goto(&format!("{base}/#/projects/{kobe}/data"));
    browser.find("#login-form");
    browser.fill("#email", "staff@kobe-city.example");
    browser.fill("#password", seika::demo::DEMO_PASSWORD);
    browser.click("#login-submit");
    browser.wait_until(&format!(
        "return location.hash === '#/projects/{kobe}/data' && !!document.querySelector('#page-title');"
    ));
    // The projects list is filtered and paged by the server.
    browser.goto(&format!("{base}/#/projects"));
    browser.wait_text("#project-list", "Kobe City dialysis prevention SIB");
    browser.wait_text("#project-count", "Projects: 1 · page 1 of 1");
    browser.select("#pb-status", "draft");
    browser.wait_text("#project-count", "Projects: 0");
    browser.select("#pb-status", "evaluating");
    browser.wait_text("#project-list", "Kobe City dialysis prevention SIB");
    // Searched by code or title as the person types.
    browser.fill("#pb-q", "screening");
    browser.wait_text("#project-count", "Projects: 0");
    browser.fill("#pb-q", "DIALYSIS");
    browser.wait_text("#project-count", "Projects: 1");
    // The page has an icon of its own (no request to anywhere else).
    assert_eq!(
        browser.script(
            "return document.querySelector('link[rel=icon]').href.startsWith('data:image/svg+xml')"
        ),
        json!(true)
    );
    browser.assert_no_js_errors();
}
db_test!(the_public_page_opens_without_login, browser);

/// The platform administrator does the platform's work in the page: registers an organization
/// (kinds in words), renames it, adds a user to it, disables the account, reads the audit log in
/// words and checks its chain.
async fn the_administrator_runs_the_platform_from_the_ui(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "admin@seika.example");
    browser.goto(&format!("{base}/#/admin"));
    browser.wait_text("#organizations", "Local government");
    assert!(!browser.text("#organizations").contains("local_government"));
    browser
        .script("document.querySelectorAll('details').forEach((d) => d.open = true); return true;");
    browser.fill("#org-slug", "sapporo-city");
    browser.select("#org-kind", "local_government");
    browser.fill("#org-name-ja", "札幌市");
    browser.fill("#org-name-en", "Sapporo");
    browser.click("#org-create");
    browser.wait_text("#organizations", "Sapporo");
    browser.click("button[data-org=sapporo-city]");
    browser.find("form.inline-form");
    browser.script(
        "const f = [...document.querySelectorAll('form.inline-form')][0]; \
         f.querySelector('input[id^=rename-en-]').value = 'Sapporo City'; return true;",
    );
    browser.script("document.querySelector('form.inline-form button').click(); return true;");
    browser.wait_text("#organizations", "Sapporo City");
    browser
        .script("document.querySelectorAll('details').forEach((d) => d.open = true); return true;");
    browser.fill("#user-email", "staff@sapporo.example");
    browser.fill("#user-name", "札幌 太郎");
    browser.select("#user-role", "government_staff");
    browser.script(
        "const s = document.querySelector('#user-org'); \
         s.value = [...s.options].find((o) => o.textContent === 'Sapporo City').value; return true;",
    );
    browser.fill("#user-password", "sapporo-password-2026");
    browser.click("#user-create");
    browser.wait_text("#users", "staff@sapporo.example");
    browser.click("button[data-user='staff@sapporo.example']");
    browser.wait_until(
        "const row = [...document.querySelectorAll('#users tr')].find((r) => r.textContent.includes('staff@sapporo.example')); \
         return !!row && row.textContent.includes('Disabled');",
    );
    // The account is really disabled: the server refuses its login.
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "staff@sapporo.example", "password": "sapporo-password-2026"}),
        )
        .await;
    assert_ne!(login.status, axum::http::StatusCode::OK);
    // The audit log in words, newest first, and its chain intact.
    browser.wait_text("#audit-entries", "Organization renamed");
    browser.wait_text("#audit-entries", "User added");
    browser.wait_text("#audit-entries", "Claim accepted on inspection");
    let log = browser.text("#audit-entries");
    assert!(!log.contains("user.") && !log.contains("claim."), "{log}");
    // Filtered on the server: only claim actions, then nothing after today.
    browser.select("#af-action", "claim.");
    browser.click("#audit-search");
    browser.wait_until(
        "return [...document.querySelectorAll('#audit-entries tbody tr')].length > 0 && \
         !document.querySelector('#audit-entries').innerText.includes('Organization renamed')",
    );
    let claims = browser.text("#audit-entries");
    assert!(claims.contains("Claim accepted on inspection"), "{claims}");
    assert!(!claims.contains("User added"), "{claims}");
    let tomorrow = chrono::Utc::now().date_naive().succ_opt().unwrap();
    browser.script(&format!(
        "document.getElementById('af-from').value = '{tomorrow}'; return true;"
    ));
    browser.click("#audit-search");
    browser.wait_until("return document.querySelectorAll('#audit-entries tbody tr').length === 0");
    browser.select("#af-action", "");
    browser.script("document.getElementById('af-from').value = ''; return true;");
    browser.click("#audit-search");
    browser.wait_text("#audit-entries", "User added");
    browser.click("#verify-chain");
    browser.wait_text("#chain-result", "The audit chain is intact");
    browser.assert_accessible("admin");
    browser.screenshot("admin");

    // A forgotten password: the admin issues a one-time code, the person sets a new password
    // with it from the login page, signs in, and changes it again from their account page.
    let hachioji = "staff@hachioji-city.example";
    browser.click(&format!("button[data-reset='{hachioji}']"));
    browser.wait_text("#reset-code", "valid until");
    let code = browser.text("#reset-code code");
    assert_eq!(code.trim().len(), 39, "{code}");
    browser.click("#logout");
    browser.find("#login-form");
    browser.click("#reset-link");
    browser.find("#reset-form");
    browser.fill("#reset-email", hachioji);
    browser.fill("#reset-code", "not-the-code");
    browser.fill("#reset-password", "hachioji-new-2026");
    browser.click("#reset-submit");
    browser.wait_text("#reset-errors", "reset code");
    browser.fill("#reset-code", code.trim());
    browser.click("#reset-submit");
    browser.wait_text("#reset-done", "new password is set");
    browser.goto(&format!("{base}/#/login"));
    browser.fill("#email", hachioji);
    browser.fill("#password", "hachioji-new-2026");
    browser.click("#login-submit");
    browser.wait_text("#who", "(Government staff)");
    browser.click("#who");
    browser.find("#password-form");
    browser.fill("#current-password", "hachioji-new-2026");
    browser.fill("#new-password", "hachioji-newer-2027");
    browser.click("#password-submit");
    browser.wait_text("#live", "password is changed");
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": hachioji, "password": "hachioji-newer-2027"}),
        )
        .await;
    login.assert_status(axum::http::StatusCode::OK);
    // Still signed in with the new password, and pages of other roles are not drawn.
    browser.goto(&format!("{base}/#/admin"));
    browser.wait_text("#not-for-role", "not for your role");
    assert!(browser.script("return !document.querySelector('#users')") == json!(true));
    browser.click("#lang-switch");
    browser.wait_text("#not-for-role", "使えません");
    browser.assert_no_js_errors();
}
db_test!(the_administrator_runs_the_platform_from_the_ui, browser);

/// A statement read in Japanese names its project, tranches, payers, investors and what each
/// waterfall payment is, never by internal ids.
async fn a_statement_in_japanese_shows_no_internal_ids(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let kobe = crate::projects::project_id(&app, "kobe-dialysis-2017").await;
    let staff = app.login("staff@kobe-city.example").await;
    let runs = app
        .get(
            &format!("/api/v1/projects/{kobe}/payout-runs"),
            Some(&staff),
        )
        .await
        .json();
    let run = runs[0]["id"].as_i64().unwrap();
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    browser.login(&base, "staff@kobe-city.example");
    browser.click("#lang-switch");
    browser.goto(&format!("{base}/#/projects/{kobe}/runs/{run}"));
    browser.wait_text("#statement-project", "神戸市");
    browser.wait_text("#waterfall", "三井住友銀行");
    let visible = browser.script("return document.querySelector('main').innerText");
    let visible = visible.as_str().unwrap();
    for id in [
        "smbc-senior",
        "individuals-sub",
        "siif-equity",
        "kobe-city",
        "success_fee",
        "principal",
        "interim",
        "egfr_decline_suppression",
    ] {
        assert!(!visible.contains(id), "`{id}` in the statement: {visible}");
    }
    // Opened (as printed), the explanations name metrics and inputs in Japanese, rates as
    // percentages and amounts with the currency.
    browser.script(
        "document.querySelectorAll('details.line').forEach(d => d.open = true); return true;",
    );
    let opened = browser.script("return document.querySelector('#statement-lines').innerText");
    let opened = opened.as_str().unwrap();
    for expected in [
        "腎機能（eGFR）低下抑制率 = 32.9%",
        "上限額 = ￥7,860,000",
        "プログラム修了率 ≥ 80%: 100%",
        // The formula and rounding in Japanese, with the currency and thousands separators.
        "上限額 ￥7,860,000 × min(1, 32.9% / 80%) = ￥7,860,000 × 41.125% = ￥3,232,425",
        "切り捨て（￥1単位）: ￥3,232,425 → ￥3,232,425",
        "固定額 ￥15,720,000",
    ] {
        let expected = expected.replace('￥', "¥");
        assert!(opened.contains(&expected), "`{expected}` not in: {opened}");
    }
    for id in [
        "egfr_decline_suppression",
        "programme_completion",
        "programme_delivered",
        "max_amount",
        // The engine's English texts stay in the statement, not on the Japanese page.
        "fixed fee",
        "to a multiple of",
        "7860000",
    ] {
        assert!(!opened.contains(id), "`{id}` in the explanations: {opened}");
    }
    browser.screenshot("statement-ja");
    browser.assert_no_js_errors();
}
db_test!(a_statement_in_japanese_shows_no_internal_ids, browser);

/// A rate-card contract with two payers, a capped year, an outcome cap, a guaranteed loan and a
/// fee in the waterfall, registered from the rate-card template through the editor alone; its
/// terms give the statement of docs/examples/youth-employment for the same participant records.
async fn rate_card_contract_is_registered_from_its_template(app: TestApp) {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(&app.database_url());
    let base = format!("http://{}", server.addr);
    start_from_template(
        &browser,
        &base,
        "rate-card",
        "youth-e2e-2024",
        (
            "若者の就労支援（料金表）",
            "Youth employment rate card (entered in the editor)",
        ),
        "12000000",
    );
    // Two payers: the city pays 80 % up to ¥9.6M, a second payer 20 % up to ¥2.4M.
    browser.fill("#e-payers-0-share", "80");
    browser.fill("#e-payers-0-max_payment", "9600000");
    browser.click("#e-payers-add");
    browser.select("#e-payers-1-id", "hachioji-city");
    browser.fill("#e-payers-1-share", "20");
    browser.fill("#e-payers-1-max_payment", "2400000");
    for (i, id, from, until, due) in [
        (0, "fy2024", "2024-04-01", "2025-03-31", "2025-05-30"),
        (1, "fy2025", "2025-04-01", "2026-03-31", "2026-05-29"),
    ] {
        browser.fill(&format!("#e-tranches-{i}-id"), id);
        browser.set_value(&format!("#e-tranches-{i}-outcomes_from"), from);
        browser.set_value(&format!("#e-tranches-{i}-outcomes_until"), until);
        browser.set_value(&format!("#e-tranches-{i}-due_on"), due);
    }
    browser.fill("#e-tranches-1-cap", "7000000");
    for (c, tranche) in [(0, "fy2024"), (1, "fy2025")] {
        browser.fill(
            &format!("#e-components-{c}-id"),
            &format!("rate-card-{tranche}"),
        );
        browser.select(&format!("#e-components-{c}-tranche"), tranche);
        let at = format!("#e-components-{c}-rule-outcomes");
        browser.click(&format!("{at}-add"));
        for (o, outcome, price) in [
            (0, "regular_contact", "30000"),
            (1, "training_start", "80000"),
            (2, "job_start", "150000"),
            (3, "job_sustained_6m", "200000"),
        ] {
            browser.fill(&format!("{at}-{o}-outcome"), outcome);
            browser.fill(&format!("{at}-{o}-price"), price);
        }
        browser.fill(&format!("{at}-0-cap"), "600000");
    }
    // A senior loan drawn in two parts, half of its loss guaranteed.
    browser.click("#e-investments-add");
    browser.fill("#e-investments-0-id", "bank-loan");
    browser.select("#e-investments-0-investor", "smbc");
    browser.fill("#e-investments-0-committed", "8000000");
    browser.click("#e-investments-0-drawdowns-add");
    browser.click("#e-investments-0-drawdowns-add");
    browser.set_value("#e-investments-0-drawdowns-0-on", "2024-04-01");
    browser.fill("#e-investments-0-drawdowns-0-amount", "6000000");
    browser.set_value("#e-investments-0-drawdowns-1-on", "2024-10-01");
    browser.fill("#e-investments-0-drawdowns-1-amount", "2000000");
    browser.fill("#e-investments-0-annual_rate", "1.5");
    browser.click("#e-investments-add");
    browser.fill("#e-investments-1-id", "foundation-guarantee");
    browser.select("#e-investments-1-investor", "siif");
    browser.select("#e-investments-1-instrument", "guarantee");
    browser.fill("#e-investments-1-committed", "4000000");
    browser.set_checked("#e-investments-1-covers-on", true);
    browser.fill("#e-investments-1-covers-share", "50");
    browser.fill("#e-investments-1-covers-investments", "bank-loan");
    // The waterfall: a fee, then the senior loan's interest and principal.
    for step in ["fee", "interest", "principal"] {
        let n = browser.add_row("e-waterfall");
        browser.select(&format!("#e-waterfall-{n}-type"), step);
    }
    browser.fill("#e-waterfall-0-name", "Intermediary management fee");
    browser.fill("#e-waterfall-0-recipient", "intermediary");
    browser.fill("#e-waterfall-0-amount", "500000");
    browser.click("#editor-submit");
    browser.wait_text(".lead", "Draft");
    let project = browser
        .script("return location.hash.split('/')[2]")
        .as_str()
        .unwrap()
        .to_owned();

    let staff = app.login("staff@kobe-city.example").await;
    let terms = app
        .get(&format!("/api/v1/projects/{project}"), Some(&staff))
        .await
        .json()["terms"]
        .clone();
    let records: Vec<Value> = include_str!("../../docs/examples/youth-employment.outcomes.csv")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            json!({"participant": cells[0], "outcome": cells[1], "achieved_on": cells[2].replace('/', "-")})
        })
        .collect();
    let check = app
        .post(
            "/api/v1/contract-checks",
            Some(&staff),
            &json!({"terms": terms, "outcomes": {"participant_outcomes": records}}),
        )
        .await;
    check.assert_status(axum::http::StatusCode::OK);
    let golden: Value = serde_json::from_str(include_str!(
        "../../tests/golden/youth-employment.statement.json"
    ))
    .unwrap();
    assert_eq!(amounts(&check.json()["statement"]), amounts(&golden));

    accept_invitations(&app, "hachioji-city", "government_staff").await;
    for slug in ["smbc", "siif"] {
        accept_invitations(&app, slug, "investor").await;
    }
    publish_when_accepted(&browser);
    browser.assert_no_js_errors();
}
db_test!(rate_card_contract_is_registered_from_its_template, browser);
