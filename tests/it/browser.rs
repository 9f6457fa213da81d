//! A real browser against the real binary: `radar serve` on a generated campus, Debian's
//! headless Chromium driven through `chromedriver` (WebDriver, the `fantoccini` client).
//! A counsellor logs in, opens the inbox, acknowledges a warning, opens a profile whose
//! radar chart renders; a leader logs in and sees the dashboard's charts. Screenshots are
//! kept in a directory printed in the test log (`RADAR_SCREENSHOTS` to choose it).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use campus_radar::accounts::{Accounts, Role};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::util::*;

/// Kills a child process (the server, the driver) when the test ends, passed or not.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(60), "{what} did not start listening on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn chromedriver(port: u16) -> Kill {
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is not installed: scripts/test.sh installs Debian's chromium-driver");
    let k = Kill(child);
    wait_for_port(port, "chromedriver");
    k
}

async fn browser(driver: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            // A phone-sized window: the pages are made for one.
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=412,915"],
        }),
    );
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver}"))
        .await
        .expect("a WebDriver session")
}

async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

async fn login(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    c.find(Locator::Css("input[name=username]")).await.expect("username field").send_keys(user).await.expect("type");
    let pw = c.find(Locator::Css("input[name=password]")).await.expect("password field");
    pw.send_keys("correct horse battery staple").await.expect("type");
    // Enter submits the form.
    pw.send_keys("\u{E007}").await.expect("submit");
    until_url(c, "logged in", |u| u.path() != "/login").await;
}

/// Waits (at most 20 s) until the browser's URL satisfies `ok`.
async fn until_url(c: &Client, what: &str, ok: impl Fn(&url::Url) -> bool) {
    let start = Instant::now();
    loop {
        if c.current_url().await.is_ok_and(|u| ok(&u)) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn visible_size(c: &Client, css: &str) -> (f64, f64) {
    let e = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    let (_, _, w, h) = e.rectangle().await.expect("rectangle");
    (w, h)
}

fn screenshots_dir() -> PathBuf {
    let dir = std::env::var_os("RADAR_SCREENSHOTS").map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("target"));
        target.join("browser-screenshots")
    });
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

#[ignore = "fantoccini's rustls connector finds no process-level CryptoProvider (ring and aws-lc-rs are both compiled in); run with --ignored once a provider is installed"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counsellor_and_a_leader_use_the_service_in_chromium() {
    let b = crate::campus::base();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("store");
    crate::campus::copy_dir(&b.root, &root);
    let (w, s) = b.warnings.iter().find(|(_, s)| !b.students[s].2.is_empty()).cloned().expect("a warning");
    let (college, counsellor, _) = b.students[&s].clone();
    let leader =
        b.staff.iter().find(|(_, (r, c))| r == "leader" && *c == college).map(|(id, _)| id.clone()).expect("leader");
    let acc = Accounts::open(&root).expect("accounts");
    acc.add("wang", Role::Counsellor, Some(&counsellor), None, "correct horse battery staple", 0).expect("add");
    acc.add("li", Role::Leader, Some(&leader), None, "correct horse battery staple", 0).expect("add");
    drop(acc);

    let port = free_port();
    let server = Command::new(env!("CARGO_BIN_EXE_radar"))
        .arg("--store")
        .arg(&root)
        .args(["--tz", "Asia/Shanghai", "--now", &b.now, "serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("radar serve");
    let _server = Kill(server);
    wait_for_port(port, "radar serve");
    let driver_port = free_port();
    let _driver = chromedriver(driver_port);
    let shots = screenshots_dir();
    eprintln!("browser test: screenshots in {}", shots.display());
    let base = format!("http://127.0.0.1:{port}");
    let c = browser(driver_port).await;

    login(&c, &base, "wang").await;
    c.goto(&format!("{base}/")).await.expect("inbox");
    let card = format!("article[data-warning='{w}']");
    let (cw, ch) = visible_size(&c, &card).await;
    assert!(cw > 0.0 && ch > 0.0, "the warning is shown in the inbox");
    shot(&c, &shots, "1-inbox.png").await;
    c.find(Locator::Css(&format!("{card} button.act-acknowledged")))
        .await
        .expect("acknowledge button")
        .click()
        .await
        .expect("click");
    until_url(&c, "back on the list", |u| u.query().unwrap_or_default().contains("done=ok")).await;
    let status = c.find(Locator::Css(&card)).await.expect("card").attr("data-status").await.expect("attr");
    assert_eq!(status.as_deref(), Some("acknowledged"), "acknowledged without leaving the list");
    shot(&c, &shots, "2-acknowledged.png").await;

    c.goto(&format!("{base}/students/{s}")).await.expect("profile");
    let (rw, rh) = visible_size(&c, "svg[data-chart='radar']").await;
    assert!(rw > 0.0 && rh > 0.0, "the radar chart rendered ({rw}×{rh})");
    shot(&c, &shots, "3-profile.png").await;

    c.goto(&format!("{base}/logout")).await.ok();
    c.delete_all_cookies().await.expect("log out");
    login(&c, &base, "li").await;
    c.goto(&format!("{base}/dashboard")).await.expect("dashboard");
    let (dw, dh) = visible_size(&c, "#dashboard svg").await;
    assert!(dw > 0.0 && dh > 0.0, "the dashboard's charts rendered");
    shot(&c, &shots, "4-dashboard.png").await;
    c.close().await.expect("close the browser");
    let _ = dir;
}
