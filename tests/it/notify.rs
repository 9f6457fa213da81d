//! Notifications against a real local SMTP server (Python's aiosmtpd, tests/it/smtp_sink.py)
//! and a real local HTTP receiver (an axum server in the test) standing in for the WeCom
//! and DingTalk robots. Warnings are written straight into ops.sqlite.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use base64::Engine as _;
use campus_radar::notify::{self, NotifyConfig, NotifyReport, Options};
use campus_radar::warnings::db::OpsDb;
use hmac::Mac;
use rusqlite::params;
use serde_json::Value;

use crate::util::{ok, repo, stderr, TestStore, NOW};

/// The reason text every test warning carries: it must never reach a message.
const REASON: &str = "李同学连续三天未归寝";

// ---------------------------------------------------------------- the local SMTP server

struct SmtpSink {
    child: Child,
    dir: PathBuf,
    port: u16,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl SmtpSink {
    fn start(dir: PathBuf) -> SmtpSink {
        SmtpSink::start_with(dir, &[], None)
    }

    /// `tls`: `["starttls" | "tls", CERT, KEY]`; `password`: AUTH required with user `radar`.
    fn start_with(dir: PathBuf, tls: &[&Path], password: Option<&str>) -> SmtpSink {
        let port = free_port();
        let mut cmd = Command::new("python3");
        cmd.arg(repo().join("tests/it/smtp_sink.py")).arg(port.to_string()).arg(&dir).args(tls);
        if let Some(p) = password {
            cmd.env("SINK_PASSWORD", p);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 (scripts/test.sh installs aiosmtpd)");
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufReader::new(out).read_line(&mut line);
        }
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start: is aiosmtpd installed (scripts/test.sh)?");
        SmtpSink { child, dir, port }
    }

    /// Messages received, in order.
    fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("sink dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.iter().map(|f| serde_json::from_str(&std::fs::read_to_string(f).expect("read")).expect("json")).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- the local HTTP receiver

#[derive(Debug, Clone)]
struct Req {
    path: String,
    query: HashMap<String, String>,
    body: Value,
    /// DingTalk: whether `sign` matched the secret (None when the receiver has no secret).
    signed: Option<bool>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Req>,
    /// Answer 500 to this many requests before accepting.
    fail_first: usize,
    /// DingTalk signing secret the receiver checks.
    secret: Option<String>,
}

#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Inner>>);

/// DingTalk's signature, computed here independently of the code under test.
fn expected_sign(secret: &str, timestamp: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn robot(State(r): State<Receiver>, uri: Uri, body: Bytes) -> (StatusCode, String) {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let mut inner = r.0.lock().expect("lock");
    let signed = inner.secret.as_ref().map(|s| {
        let (Some(ts), Some(sign)) = (query.get("timestamp"), query.get("sign")) else { return false };
        let fresh = ts.parse::<i64>().is_ok_and(|t| (chrono::Utc::now().timestamp_millis() - t).abs() < 3_600_000);
        fresh && *sign == expected_sign(s, ts)
    });
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner.requests.push(Req { path: uri.path().to_string(), query, body, signed });
    if inner.fail_first > 0 {
        inner.fail_first -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "busy".into());
    }
    if signed == Some(false) {
        return (StatusCode::OK, r#"{"errcode":310000,"errmsg":"sign not match"}"#.into());
    }
    (StatusCode::OK, r#"{"errcode":0,"errmsg":"ok"}"#.into())
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let r = Receiver::default();
        let app = axum::Router::new().fallback(robot).with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, format!("http://{addr}"))
    }

    fn requests(&self) -> Vec<Req> {
        self.0.lock().expect("lock").requests.clone()
    }

    fn set(&self, f: impl FnOnce(&mut Inner)) {
        f(&mut self.0.lock().expect("lock"));
    }
}

/// The markdown text of a robot request (WeCom `content`, DingTalk `text`).
fn text(r: &Req) -> String {
    let m = &r.body["markdown"];
    m["content"].as_str().or(m["text"].as_str()).unwrap_or_default().to_string()
}

// ---------------------------------------------------------------- warnings in ops.sqlite

struct W<'a> {
    id: &'a str,
    student: &'a str,
    counsellor: &'a str,
    college: &'a str,
    category: &'a str,
    level: &'a str,
    status: &'a str,
    evidence: &'a str,
}

fn w<'a>(id: &'a str, student: &'a str, counsellor: &'a str, category: &'a str, level: &'a str) -> W<'a> {
    W { id, student, counsellor, college: "CS", category, level, status: "new", evidence: "{}" }
}

fn insert(db: &OpsDb, w: &W<'_>) {
    db.conn
        .execute(
            "INSERT INTO warnings (warning_id, student_id, counsellor_id, college, category, level, max_level, \
             status, created_at, updated_at, closed_at, rule, rules_version, reason_zh, reason_en, evidence, priority, \
             last_seen, active) VALUES (?1, ?2, ?3, ?10, ?4, ?5, ?5, ?6, 0, 0, NULL, ?7, 'v1', ?8, ?8, ?9, 1.0, 0, 1)",
            params![
                w.id,
                w.student,
                w.counsellor,
                w.category,
                w.level,
                w.status,
                format!("{}.rule", w.category),
                REASON,
                w.evidence,
                w.college
            ],
        )
        .expect("insert warning");
}

fn escalate(db: &OpsDb, id: &str, to: &str) {
    db.conn
        .execute("UPDATE warnings SET level = ?2, max_level = ?2 WHERE warning_id = ?1", params![id, to])
        .expect("escalate");
    db.conn
        .execute(
            "INSERT INTO warning_events (warning_id, at, by, action, from_status, to_status, level, note) \
             VALUES (?1, 1, 'radar', 'escalate', 'new', 'new', ?2, NULL)",
            params![id, to],
        )
        .expect("event");
}

fn config(text: &str) -> NotifyConfig {
    NotifyConfig::from_radar_toml(text).expect("config")
}

fn no_env(_: &str) -> Option<String> {
    None
}

async fn run(root: &Path, cfg: &NotifyConfig, env: notify::Env<'_>) -> NotifyReport {
    notify::run(root, cfg, 1_000_000, &Options { env, ..Options::default() }).await.expect("notify run")
}

/// `(attempt, status, error)` of every recorded attempt, in order.
fn attempts(root: &Path) -> Vec<(i64, String, Option<String>, String)> {
    let db = OpsDb::open(root).expect("ops");
    let mut st = db
        .conn
        .prepare("SELECT attempt, status, error, warning_ids FROM notification_deliveries ORDER BY id")
        .expect("prepare");
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

// ---------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_digest_per_counsellor_and_channel_urgent_first_never_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("store");
    std::fs::create_dir_all(&root).expect("store dir");
    let db = OpsDb::open(&root).expect("ops");
    insert(&db, &w("W000001", "S2025001", "T1", "academic", "yellow"));
    insert(&db, &W { status: "acknowledged", ..w("W000002", "S2025002", "T1", "wellbeing", "yellow") });
    escalate(&db, "W000002", "orange");
    insert(&db, &w("W000003", "S2025003", "T1", "safety", "red"));
    insert(&db, &W { status: "acknowledged", ..w("W000004", "S2025004", "T1", "academic", "orange") });
    insert(&db, &W { status: "resolved", ..w("W000005", "S2025005", "T1", "academic", "orange") });
    insert(&db, &w("W000006", "S2025006", "T2", "economic", "yellow"));
    let screening = r#"{"source":"psych_screening","band":"high_risk"}"#;
    insert(&db, &W { evidence: screening, ..w("W000007", "S2025007", "T2", "wellbeing", "red") });
    insert(&db, &W { college: "Maths", ..w("W000008", "S2025008", "T3", "academic", "yellow") });
    let smtp = SmtpSink::start(dir.path().join("mail"));
    let (robot, url) = Receiver::start().await;
    let cfg = config(&format!(
        "[notify]\nbase_url = \"https://radar.example.edu\"\n\
         [notify.smtp]\nserver = \"127.0.0.1\"\nport = {}\nsecurity = \"plain\"\nsender = \"Radar <radar@example.edu>\"\n\
         [notify.people.T1]\nemail = \"t1@example.edu\"\n[notify.people.T2]\nemail = \"t2@example.edu\"\n\
         [notify.colleges.CS]\nwecom = {{ url = \"{url}/wecom\" }}\n",
        smtp.port
    ));

    let rep = run(&root, &cfg, &no_env).await;
    assert_eq!((rep.sent, rep.failed, rep.skipped), (6, 0, 1), "{rep:#?}");
    let t3 = rep.messages.iter().find(|m| m.staff_id == "T3").expect("T3 line");
    assert_eq!((t3.status, t3.warning_ids.as_slice()), ("no_channel", ["W000008".to_string()].as_slice()));

    // E-mail: T1's red safety warning alone and first, then one digest each.
    let mails = smtp.messages();
    let heads: Vec<(String, String)> = mails
        .iter()
        .map(|m| (m["to"][0].as_str().unwrap_or("").into(), m["subject"].as_str().unwrap_or("").into()))
        .collect();
    assert_eq!(heads.len(), 3, "{heads:?}");
    assert!(heads[0].0 == "t1@example.edu" && heads[0].1.contains("红色安全预警 W000003"), "{heads:?}");
    assert!(heads[1].0 == "t1@example.edu" && heads[1].1.contains("预警摘要（T1，2 条）"), "{heads:?}");
    assert!(heads[2].0 == "t2@example.edu" && heads[2].1.contains("预警摘要（T2，2 条）"), "{heads:?}");
    let t1 = mails[1]["body"].as_str().unwrap_or_default();
    assert!(t1.contains("新增 1 条，升级 1 条"), "{t1}");
    assert!(t1.contains("W000001 黄 学业 academic.rule 学生 S2025001"), "{t1}");
    assert!(t1.contains("W000002 橙 身心健康 wellbeing.rule 学生 S2025002（升级）"), "{t1}");
    assert!(t1.contains("https://radar.example.edu/"), "{t1}");
    for absent in ["W000003", "W000004", "W000005", "W000006"] {
        assert!(!t1.contains(absent), "{absent} in T1's digest: {t1}");
    }
    assert!(mails[0]["body"].as_str().unwrap_or_default().contains("学生 S2025003"));

    // The college's WeCom group: the same messages, without student ids or restricted details.
    let posts = robot.requests();
    assert_eq!(posts.len(), 3, "{posts:?}");
    assert!(posts.iter().all(|p| p.path == "/wecom" && p.body["msgtype"] == "markdown"));
    assert!(text(&posts[0]).contains("红色安全预警") && text(&posts[0]).contains("W000003 红 安全 safety.rule"));
    assert!(text(&posts[1]).contains("- W000002 橙 身心健康 wellbeing.rule（升级）"), "{}", text(&posts[1]));
    let t2 = text(&posts[2]);
    assert!(t2.contains("- W000006 黄 经济 economic.rule") && t2.contains("- W000007 详情受限"), "{t2}");
    assert!(t2.contains("等级：黄 1 · 受限 1"), "{t2}");
    for p in &posts {
        let t = text(p);
        assert!(!t.contains("S2025") && !t.contains(REASON) && !t.contains("psych") && !t.contains("high_risk"), "{t}");
    }
    for m in &mails {
        assert!(!m["body"].as_str().unwrap_or_default().contains(REASON));
    }
    let rows = attempts(&root);
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.0 == 1 && r.1 == "sent" && r.2.is_none()), "{rows:?}");

    // Re-run (a restart reads the same ops.sqlite): nothing is sent twice.
    let again = run(&root, &cfg, &no_env).await;
    assert_eq!((again.sent, again.failed), (0, 0), "{again:#?}");
    assert_eq!((smtp.messages().len(), robot.requests().len()), (3, 3));

    // An escalation is news once more, on every channel, and only that warning.
    escalate(&db, "W000001", "orange");
    let esc = run(&root, &cfg, &no_env).await;
    assert_eq!(esc.sent, 2, "{esc:#?}");
    assert!(esc.messages.iter().filter(|m| m.status == "sent").all(|m| m.warning_ids == ["W000001"]));
    let last = smtp.messages().pop().expect("mail");
    assert!(last["body"].as_str().unwrap_or_default().contains("W000001 橙 学业 academic.rule 学生 S2025001（升级）"));
    assert_eq!(run(&root, &cfg, &no_env).await.sent, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_failing_twice_gets_the_digest_on_the_third_attempt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let db = OpsDb::open(&root).expect("ops");
    insert(&db, &w("W000001", "S1", "T1", "academic", "yellow"));
    insert(&db, &w("W000002", "S2", "T1", "academic", "orange"));
    let (robot, url) = Receiver::start().await;
    robot.set(|i| i.fail_first = 2);
    let cfg = config(&format!(
        "[notify.retry]\nattempts = 3\nbackoff_ms = 20\n[notify.people.T1]\nwecom = {{ url = \"{url}/hook\" }}\n"
    ));
    let rep = run(&root, &cfg, &no_env).await;
    assert_eq!((rep.sent, rep.failed, rep.attempts), (1, 0, 3), "{rep:#?}");
    assert_eq!(robot.requests().len(), 3);
    let rows = attempts(&root);
    let summary: Vec<(i64, &str, Option<&str>)> = rows.iter().map(|r| (r.0, r.1.as_str(), r.2.as_deref())).collect();
    assert_eq!(summary, [(1, "failed", Some("http 500")), (2, "failed", Some("http 500")), (3, "sent", None)]);
    assert!(rows.iter().all(|r| r.3 == "W000001,W000002"), "{rows:?}");
    assert_eq!(notify::failure_count(&db).expect("count"), 2);
    assert_eq!(run(&root, &cfg, &no_env).await.attempts, 0, "delivered once, never again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_tried_again_on_the_next_run_and_a_dead_endpoint_is_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let db = OpsDb::open(&root).expect("ops");
    insert(&db, &w("W000001", "S1", "T1", "academic", "yellow"));
    insert(&db, &w("W000002", "S2", "T2", "academic", "yellow"));
    insert(&db, &w("W000003", "S3", "T3", "academic", "yellow"));
    let (robot, url) = Receiver::start().await;
    robot.set(|i| i.fail_first = 10);
    let dead = format!("http://127.0.0.1:{}/", free_port());
    let cfg = config(&format!(
        "[notify.retry]\nattempts = 2\nbackoff_ms = 10\n\
         [notify.people.T1]\nwecom = {{ url = \"{url}/t1\" }}\n\
         [notify.colleges.CS]\ndingtalk = {{ url = \"{dead}\" }}\n"
    ));
    let first = run(&root, &cfg, &no_env).await;
    let lines: Vec<(&str, &str, &str)> =
        first.messages.iter().map(|m| (m.staff_id.as_str(), m.channel, m.status)).collect();
    // T1's own WeCom fails twice (500); the college's DingTalk cannot be reached: T1's and
    // T2's messages try it, T3's is skipped for the rest of the run.
    assert_eq!(
        lines,
        [
            ("T1", "wecom", "failed"),
            ("T1", "dingtalk", "failed"),
            ("T2", "dingtalk", "unreachable"),
            ("T3", "dingtalk", "unreachable")
        ]
    );
    assert_eq!(first.messages[1].error.as_deref(), Some("connect"));
    assert_eq!((first.failed, first.skipped), (2, 2));
    robot.set(|i| i.fail_first = 0);
    let second = run(&root, &cfg, &no_env).await;
    let wecom: Vec<&str> = second.messages.iter().filter(|m| m.channel == "wecom").map(|m| m.status).collect();
    assert_eq!(wecom, ["sent"], "{second:#?}");
    assert_eq!(robot.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dingtalk_requests_are_signed_and_a_bad_signature_is_a_failure_not_retried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let db = OpsDb::open(&root).expect("ops");
    insert(&db, &w("W000001", "S1", "T1", "safety", "red"));
    insert(&db, &w("W000002", "S2", "T1", "academic", "yellow"));
    let (robot, url) = Receiver::start().await;
    robot.set(|i| i.secret = Some("SEC0123456789abcdef".into()));
    let cfg =
        config(&format!("[notify.people.T1]\ndingtalk = {{ url_env = \"DT_URL\", secret_env = \"DT_SECRET\" }}\n"));
    let hook = format!("{url}/robot/send?access_token=tok");
    let wrong = |k: &str| match k {
        "DT_URL" => Some(hook.clone()),
        "DT_SECRET" => Some("SECwrong".to_string()),
        _ => None,
    };
    let bad = run(&root, &cfg, &wrong).await;
    assert_eq!((bad.sent, bad.failed, bad.attempts), (0, 2, 2), "{bad:#?}");
    assert!(bad.messages.iter().all(|m| m.error.as_deref() == Some("errcode 310000")));
    let right = |k: &str| match k {
        "DT_URL" => Some(hook.clone()),
        "DT_SECRET" => Some("SEC0123456789abcdef".to_string()),
        _ => None,
    };
    let good = run(&root, &cfg, &right).await;
    assert_eq!((good.sent, good.failed), (2, 0), "{good:#?}");
    let reqs = robot.requests();
    assert_eq!(reqs.len(), 4);
    let signed: Vec<Option<bool>> = reqs.iter().map(|r| r.signed).collect();
    assert_eq!(signed, [Some(false), Some(false), Some(true), Some(true)]);
    assert!(reqs
        .iter()
        .all(|r| r.path == "/robot/send" && r.query.get("access_token").map(String::as_str) == Some("tok")));
    assert_eq!(reqs[2].body["msgtype"], "markdown");
    assert!(reqs[2].body["markdown"]["title"].as_str().unwrap_or_default().contains("W000001"), "urgent first");
    // A missing secret variable is a configuration error naming it, before anything is sent.
    let e = notify::run(&root, &cfg, 2, &Options { env: &no_env, ..Options::default() }).await.expect_err("unset");
    assert!(e.is_config() && e.to_string().contains("DT_SECRET") && e.to_string().contains("DT_URL"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn radar_notify_dry_run_then_sends_with_secrets_from_the_environment() {
    let s = TestStore::new();
    std::fs::create_dir_all(s.path()).expect("store dir");
    let db = OpsDb::open(&s.path()).expect("ops");
    insert(&db, &w("W000001", "S1", "T1", "academic", "yellow"));
    let (robot, url) = Receiver::start().await;
    robot.set(|i| i.secret = Some("SECcli".into()));
    let toml = s.scratch("radar.toml");
    std::fs::write(
        &toml,
        format!(
            "store = \"x\"\n[notify.people.T1]\ndingtalk = {{ url = \"{url}/dt\", secret_env = \"RADAR_TEST_DT\" }}\n"
        ),
    )
    .expect("write");
    let cli = |extra: &[&str]| {
        let mut c = s.cmd(NOW);
        c.env("RADAR_TEST_DT", "SECcli").args(["notify", "--config"]).arg(&toml).args(extra);
        async move { tokio::task::spawn_blocking(move || c.output().expect("run radar")).await.expect("join") }
    };
    let dry = cli(&["--dry-run", "--format", "json"]).await;
    ok(&dry);
    let lines: Value = serde_json::from_slice(&dry.stdout).expect("json");
    assert_eq!(lines[0]["status"], "would_send", "{lines}");
    assert_eq!(lines[0]["warning_ids"], "W000001");
    assert!(robot.requests().is_empty(), "a dry run sends nothing");
    let sent = cli(&["--format", "csv"]).await;
    ok(&sent);
    let out = String::from_utf8_lossy(&sent.stdout).to_string();
    assert!(out.starts_with("kind,channel,staff_id,warning_ids,status,attempts,error"), "{out}");
    assert!(out.contains("digest,dingtalk,T1,W000001,sent,1,"), "{out}");
    assert_eq!(robot.requests().iter().map(|r| r.signed).collect::<Vec<_>>(), [Some(true)]);

    std::fs::write(&toml, "[notify.retry]\nattemps = 3\n").expect("write");
    let bad = cli(&[]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("attemps"), "{}", stderr(&bad));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn radar_schedule_with_config_notifies_after_the_nights_warnings() {
    let s = TestStore::new();
    ok(&s.ingest(&[&crate::util::sample("campus")]));
    // A warning already waiting (the night's raise leaves a rule it does not know alone).
    let db = OpsDb::open(&s.path()).expect("ops");
    insert(&db, &w("W900001", "2025000001", "0001", "academic", "yellow"));
    let (robot, url) = Receiver::start().await;
    let toml = s.scratch("radar.toml");
    std::fs::write(
        &toml,
        format!("[notify.people.\"0001\"]\nwecom = {{ url = \"{url}/0001\" }}\n[notify.people.\"0002\"]\nwecom = {{ url = \"{url}/0002\" }}\n"),
    )
    .expect("write");
    let mut c = s.cmd(NOW);
    c.args(["schedule", "--at", "02:30", "--now-too", "--max-runs", "1", "--config"]).arg(&toml);
    let out = tokio::task::spawn_blocking(move || c.output().expect("run radar")).await.expect("join");
    ok(&out);
    let err = stderr(&out);
    let line = err.lines().find(|l| l.starts_with("radar: notifications: ")).unwrap_or_else(|| panic!("{err}"));
    let sent: usize =
        line["radar: notifications: ".len()..].split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let reqs = robot.requests();
    assert_eq!(sent, reqs.len(), "{line}");
    assert!(reqs.iter().any(|r| r.path == "/0001" && text(r).contains("W900001")), "{reqs:?}");
    let recorded = attempts(&s.path()).iter().filter(|r| r.1 == "sent").count();
    assert_eq!(recorded, sent);
}

/// A campus CA and a `localhost` certificate it signed (openssl), as a mail server would have.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=radar test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n\
         keyUsage=digitalSignature,keyEncipherment\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (dir.join("ca.pem"), dir.join("leaf.pem"), dir.join("leaf.key"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_over_starttls_and_tls_with_the_password_from_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ca, cert, key) = certificates(dir.path());
    for mode in ["starttls", "tls"] {
        let root = dir.path().join(mode);
        std::fs::create_dir_all(&root).expect("dir");
        let db = OpsDb::open(&root).expect("ops");
        insert(&db, &w("W000001", "S1", "T1", "academic", "yellow"));
        let sink = SmtpSink::start_with(root.join("mail"), &[Path::new(mode), &cert, &key], Some("s3cret"));
        let cfg = config(&format!(
            "[notify.smtp]\nserver = \"localhost\"\nport = {}\nsecurity = \"{mode}\"\nsender = \"radar@example.edu\"\n\
             username = \"radar\"\npassword_env = \"SMTP_PW\"\nca_file = \"{}\"\n\
             [notify.retry]\nattempts = 1\n[notify.people.T1]\nemail = \"t1@example.edu\"\n",
            sink.port,
            ca.display()
        ));
        let wrong = |k: &str| (k == "SMTP_PW").then(|| "guess".to_string());
        let rep = run(&root, &cfg, &wrong).await;
        assert_eq!((rep.sent, rep.failed), (0, 1), "{mode}: {rep:#?}");
        assert!(sink.messages().is_empty());
        let right = |k: &str| (k == "SMTP_PW").then(|| "s3cret".to_string());
        let rep = run(&root, &cfg, &right).await;
        assert_eq!((rep.sent, rep.failed), (1, 0), "{mode}: {rep:#?}");
        let mail = sink.messages();
        assert_eq!(mail.len(), 1, "{mode}");
        assert!(mail[0]["subject"].as_str().unwrap_or_default().contains("T1"), "{mode}: {mail:?}");
        // Without the campus CA the server's certificate is not trusted: nothing goes out.
        insert(&db, &w("W000002", "S2", "T1", "academic", "yellow"));
        let untrusted = config(&format!(
            "[notify.smtp]\nserver = \"localhost\"\nport = {}\nsecurity = \"{mode}\"\nsender = \"radar@example.edu\"\n\
             [notify.retry]\nattempts = 1\n[notify.people.T1]\nemail = \"t1@example.edu\"\n",
            sink.port
        ));
        let rep = run(&root, &untrusted, &no_env).await;
        assert_eq!(rep.failed, 1, "{mode}: {rep:#?}");
        // lettre reports a refused handshake as a TLS or a connection error, by mode.
        let error = rep.messages[0].error.as_deref();
        assert!(matches!(error, Some("smtp tls" | "smtp connection")), "{mode}: {error:?}");
        assert_eq!(sink.messages().len(), 1);
    }
}
