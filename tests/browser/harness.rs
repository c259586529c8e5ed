//! Starts the app on a fresh database and a chromedriver with headless Chromium, and offers
//! the few helpers the tests share.
//!
//! Without Chromium or chromedriver a test is skipped with a message saying what to
//! install, unless `CI` is set (as CI services and `.ci/run` do): there a missing browser
//! fails the test, so a CI run can never pass without having run them.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use conflict_timeline::{AppState, db, web};
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// A running app and a browser session pointed at it.
pub struct Browser {
    pub client: Client,
    pub base: String,
    _driver: Child,
    _dir: tempfile::TempDir,
}

/// Where Debian's Chromium is (the session asks for it by path).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";

/// What is missing to run the browser tests, if anything.
fn missing_browser() -> Option<String> {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
    };
    let mut missing = Vec::new();
    if !std::path::Path::new(CHROMIUM).is_file() {
        missing.push(CHROMIUM.to_string());
    }
    if !on_path(CHROMEDRIVER) {
        missing.push(format!("{CHROMEDRIVER} (on PATH)"));
    }
    (!missing.is_empty()).then(|| missing.join(" and "))
}

/// Whether this is a CI run: `CI` set to anything but `false` or `0` (GitHub Actions,
/// GitLab and most others set `CI=true`).
fn in_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| !matches!(v.trim(), "" | "false" | "0"))
}

/// A free TCP port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Serves the seeded dataset and opens Chromium at the given window size; `None` (the
    /// test then returns, skipped, with a message) when no browser is installed outside CI.
    /// In CI a missing browser fails the test.
    pub async fn start(width: u32, height: u32) -> Option<Browser> {
        if let Some(missing) = missing_browser() {
            let message = format!(
                "browser tests need {missing}: install Debian's chromium and chromium-driver"
            );
            assert!(
                !in_ci(std::env::var("CI").ok().as_deref()),
                "{message} (CI is set, so this fails rather than skips)"
            );
            // Past the test harness's capture (which hides what a passing test prints):
            // the reader of `cargo test` must see that these did not run.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {message} (with CI=true this fails instead)"
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("browser.db");
        conflict_timeline::bootstrap::prepare(&db_path)
            .await
            .expect("prepare database");
        let pool = db::open_read_only(&db_path, 4)
            .await
            .expect("open database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("address");
        let base = format!("http://{addr}");
        let state = AppState::new(pool, web::Config::new(base.clone()));
        tokio::spawn(async move { axum::serve(listener, web::router(state)).await });
        warm_up(&base).await;

        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start chromedriver ({e}): install Debian's chromium and chromium-driver"
                )
            });
        let webdriver = format!("http://127.0.0.1:{port}");
        let client = connect(&webdriver, width, height).await;
        Some(Browser {
            client,
            base,
            _driver: driver,
            _dir: dir,
        })
    }

    /// The absolute URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Opens a path and waits for the page's script to have run.
    pub async fn open(&self, path: &str) {
        self.client.goto(&self.url(path)).await.expect("navigate");
        self.wait_until("document.readyState === 'complete'").await;
    }

    /// Runs a script and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// Waits (up to 10 s) until a JavaScript expression is truthy.
    pub async fn wait_until(&self, expression: &str) {
        let script = format!("return !!({expression});");
        for _ in 0..200 {
            if self.client.execute(&script, vec![]).await.ok() == Some(Value::Bool(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for: {expression}");
    }

    /// The path and query of the current page.
    pub async fn location(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The ids of the event cards on the page, in order.
    pub async fn card_slugs(&self) -> Vec<String> {
        let v = self
            .eval("return Array.from(document.querySelectorAll('article.card')).map(c => c.id);")
            .await;
        serde_json::from_value(v).expect("list of ids")
    }

    /// The viewport box of the first element matching a selector, after scrolling it into view.
    pub async fn rect(&self, selector: &str) -> (f64, f64, f64, f64) {
        let script = format!(
            "const el = document.querySelector({sel}); el.scrollIntoView({{block: 'center', behavior: 'instant'}});
             const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height];",
            sel = json!(selector)
        );
        let v: Vec<f64> = serde_json::from_value(self.eval(&script).await).expect("rect");
        (v[0], v[1], v[2], v[3])
    }

    /// Presses the mouse at one viewport point, drags to another, and releases.
    pub async fn drag(&self, from: (f64, f64), to: (f64, f64)) {
        let mut mouse = MouseActions::new("mouse".to_string())
            .then(PointerAction::MoveTo {
                duration: None,
                x: from.0,
                y: from.1,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            });
        for i in 1..=8 {
            let f = f64::from(i) / 8.0;
            mouse = mouse.then(PointerAction::MoveTo {
                duration: Some(Duration::from_millis(20)),
                x: from.0 + (to.0 - from.0) * f,
                y: from.1 + (to.1 - from.1) * f,
            });
        }
        mouse = mouse.then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
        self.client.perform_actions(mouse).await.expect("drag");
    }

    /// Clicks at a viewport point.
    pub async fn click_at(&self, x: f64, y: f64) {
        let mouse = MouseActions::new("mouse".to_string())
            .then(PointerAction::MoveTo {
                duration: None,
                x,
                y,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client.perform_actions(mouse).await.expect("click");
    }

    /// Saves a screenshot under `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Scrolls an element to the middle of the viewport (instantly, whatever the page's
    /// scroll behaviour) and clicks it as a person would.
    pub async fn click(&self, selector: &str) {
        let (left, top, width, height) = self.rect(selector).await;
        self.click_at(left + width / 2.0, top + height / 2.0).await;
    }

    /// Finds an element by CSS selector.
    pub async fn find(&self, selector: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("{selector}: {e}"))
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

async fn connect(webdriver: &str, width: u32, height: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-extensions", "--hide-scrollbars",
                format!("--window-size={width},{height}"),
            ],
        }),
    );
    let mut last_error = None;
    // chromedriver takes a moment to listen.
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(webdriver)
            .await
        {
            Ok(client) => return client,
            Err(e) => {
                last_error = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("cannot open a Chromium session through chromedriver: {last_error:?}");
}

/// The slugs a plain HTTP GET of the same URL lists: what the server says the view is.
pub async fn server_slugs(url: &str) -> Vec<String> {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest
            .split_once('/')
            .map(|(h, p)| (h, format!("/{p}")))
            .expect("path");
        let mut stream = std::net::TcpStream::connect(host).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut body = String::new();
        stream.read_to_string(&mut body).expect("read");
        let html = scraper::Html::parse_document(&body);
        let sel = scraper::Selector::parse("article.card").expect("selector");
        html.select(&sel)
            .filter_map(|c| c.value().attr("id").map(str::to_string))
            .collect()
    })
    .await
    .expect("join")
}

/// How many events the bundled dataset holds (read from the file, not from the app).
pub fn bundled_event_count() -> usize {
    let value: toml::Value =
        toml::from_str(conflict_timeline::import::BUNDLED_DATASET).expect("bundled TOML");
    value["events"].as_array().expect("events").len()
}

/// The first page a process renders pays for the build id behind every ETag (a digest of the
/// executable, read once). In a large debug test binary on a loaded machine that can outlast
/// the browser's first navigation, so one plain request per process pays it before any test's
/// own page load.
async fn warm_up(base: &str) {
    static WARM: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    WARM.get_or_init(|| async {
        let _ = server_slugs(&format!("{base}/about")).await;
    })
    .await;
}

#[test]
fn only_a_ci_run_insists_on_a_browser() {
    for ci in ["true", "1", "yes"] {
        assert!(in_ci(Some(ci)), "{ci}");
    }
    for not_ci in [None, Some(""), Some("false"), Some("0")] {
        assert!(!in_ci(not_ci), "{not_ci:?}");
    }
}
