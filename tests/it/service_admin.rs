//! The leaders', analysts' and admins' routes of `radar serve`, through the router with
//! `tower::ServiceExt::oneshot`: every route × every role answers as service.md says
//! (401 / 403 / 200), the dashboard counts only the caller's scope, the analyst's SQL is
//! pseudonymised, capped and read-only, events posted over HTTP take the ingest path
//! (quarantine, de-duplication, idempotent re-posts), account pages need their CSRF token,
//! and every disclosure and change leaves its audit row.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use campus_radar::accounts::{Accounts, Role};
use campus_radar::service::config::ServiceConfig;
use campus_radar::service::{self, AppState};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::util::*;

/// (username, role, staff id, student id) of the fixture's accounts.
const USERS: [(&str, Role, Option<&str>, Option<&str>); 7] = [
    ("admin", Role::Admin, None, None),
    ("analyst", Role::Analyst, None, None),
    ("leader", Role::Leader, Some("0004"), None),
    ("counsellor", Role::Counsellor, Some("0001"), None),
    ("mentor", Role::Mentor, Some("0101"), None),
    ("psychologist", Role::Psychologist, Some("0003"), None),
    ("student", Role::Student, None, Some("2022010101")),
];
const LEADER_COLLEGE: &str = "计算机科学与技术学院";
const PASSWORD: &str = "correct horse battery";

/// The sample campus ingested and refreshed once (warnings raised), copied per test.
fn base() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("service_admin_base");
        let _ = std::fs::remove_dir_all(&dir);
        let s = TestStore::new();
        ok(&s.ingest(&[&sample("campus")]));
        ok(&s.cmd(NOW).arg("refresh").output().expect("run radar refresh"));
        copy_dir(&s.path(), &dir);
        dir
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").map(|e| e.expect("entry")) {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

struct Fx {
    s: TestStore,
    state: AppState,
    app: axum::Router,
    /// API tokens by username.
    tokens: Vec<(&'static str, String)>,
    /// A token made only for event ingest (of the counsellor's account).
    ingest_token: String,
}

impl Fx {
    async fn new() -> Fx {
        let s = TestStore::new();
        copy_dir(base(), &s.path());
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().expect("tz");
        let now = campus_radar::schema::time::parse_timestamp(NOW, tz).expect("now");
        let accounts = Accounts::open(&s.path()).expect("accounts");
        let mut tokens = Vec::new();
        for (user, role, staff, student) in USERS {
            accounts.add(user, role, staff, student, PASSWORD, now).expect("add account");
            let (_, token) = accounts.create_token(user, None, false, now).expect("token");
            tokens.push((user, token));
        }
        let (_, ingest_token) = accounts.create_token("counsellor", None, true, now).expect("ingest token");
        let config = ServiceConfig { store: s.path(), tz, ..ServiceConfig::default() };
        let state = AppState::new(config, Some(now)).expect("state");
        let app = service::router(state.clone());
        Fx { s, state, app, tokens, ingest_token }
    }

    fn token(&self, user: &str) -> &str {
        self.tokens.iter().find(|(u, _)| *u == user).map(|(_, t)| t.as_str()).expect("user")
    }

    async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some((kind, bytes)) => {
                req = req.header(header::CONTENT_TYPE, kind);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let resp = self.app.clone().oneshot(req.body(body).expect("request")).await.expect("response");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20).await.expect("body");
        (status, bytes.to_vec())
    }

    async fn get(&self, uri: &str, user: &str) -> (StatusCode, Value) {
        let (s, b) = self.call(Method::GET, uri, Some(self.token(user)), None).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn sql(&self, query: &str) -> (StatusCode, Value) {
        let body = serde_json::to_vec(&json!({ "query": query })).expect("json");
        let (s, b) =
            self.call(Method::POST, "/api/v1/sql", Some(self.token("analyst")), Some(("application/json", body))).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn events(&self, kind: &str, token: &str, body: &str) -> (StatusCode, Value) {
        let uri = format!("/api/v1/events/{kind}");
        let (s, b) =
            self.call(Method::POST, &uri, Some(token), Some(("application/x-ndjson", body.as_bytes().to_vec()))).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// A page with a session cookie of `user`; (status, body, location).
    async fn page(
        &self,
        method: Method,
        uri: &str,
        user: Option<&str>,
        form: Option<String>,
    ) -> (StatusCode, String, String) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(u) = user {
            let session = self.session(u);
            req = req.header(header::COOKIE, format!("radar_session={}", session.0));
        }
        let body = match form {
            Some(f) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(f)
            }
            None => Body::empty(),
        };
        let resp = self.app.clone().oneshot(req.body(body).expect("request")).await.expect("response");
        let status = resp.status();
        let location = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20).await.expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned(), location)
    }

    /// A session of `user`: (id, csrf), made once per user.
    fn session(&self, user: &str) -> (String, String) {
        let accounts = Accounts::open(&self.s.path()).expect("accounts");
        let s = accounts.create_session(user, self.state.now()).expect("session");
        (s.id, s.csrf)
    }

    /// Audit rows of an action: (actor, role, student_id, detail).
    fn audit(&self, action: &str) -> Vec<(String, String, Option<String>, Value)> {
        let db = rusqlite::Connection::open(self.s.path().join("ops.sqlite")).expect("ops");
        let mut st = db
            .prepare("SELECT actor, role, student_id, detail FROM audit_log WHERE action = ?1 ORDER BY seq")
            .expect("prepare");
        st.query_map([action], |r| {
            let detail: String = r.get(3)?;
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, serde_json::from_str(&detail).unwrap_or(Value::Null)))
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
    }

    fn ops_count(&self, sql: &str, arg: &str) -> i64 {
        let db = rusqlite::Connection::open(self.s.path().join("ops.sqlite")).expect("ops");
        if arg.is_empty() {
            db.query_row(sql, [], |r| r.get(0)).expect("count")
        } else {
            db.query_row(sql, [arg], |r| r.get(0)).expect("count")
        }
    }
}

fn txn(id: &str, student: &str, amount: &str) -> String {
    format!(
        r#"{{"txn_id":"{id}","student_id":"{student}","ts":"2025-09-21T12:00:00+08:00","amount":{amount},"kind":"purchase","merchant_category":"canteen","merchant_id":"CT1-W01","location":"一食堂"}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_service_md_says() {
    let fx = Fx::new().await;
    let sql = serde_json::to_vec(&json!({ "query": "SELECT count(*) AS n FROM students" })).expect("json");
    let event = txn("T-MATRIX-1", "2022010101", "3.5").into_bytes();
    let routes: [(Method, &str, Option<(&str, Vec<u8>)>, &[&str]); 6] = [
        (Method::GET, "/api/v1/dashboard", None, &["admin", "analyst", "leader"]),
        (Method::GET, "/api/v1/community", None, &["analyst", "leader"]),
        (Method::GET, "/api/v1/runs", None, &["admin", "analyst"]),
        (Method::POST, "/api/v1/sql", Some(("application/json", sql)), &["analyst"]),
        (Method::GET, "/api/v1/audit", None, &["admin"]),
        (Method::POST, "/api/v1/events/card_transactions", Some(("application/x-ndjson", event)), &["admin"]),
    ];
    for (method, uri, body, allowed) in &routes {
        let (s, _) = fx.call(method.clone(), uri, None, body.clone()).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{uri} without credentials");
        let (s, _) = fx.call(method.clone(), uri, Some("not-a-token"), body.clone()).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{uri} with a bad token");
        for (user, ..) in USERS {
            let (s, b) = fx.call(method.clone(), uri, Some(fx.token(user)), body.clone()).await;
            let want = if allowed.contains(&user) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(s, want, "{method} {uri} as {user}: {}", String::from_utf8_lossy(&b));
            if s == StatusCode::FORBIDDEN {
                let e: Value = serde_json::from_slice(&b).expect("error body");
                assert!(e["error"]["code"].is_string(), "{e}");
            }
        }
        // A token made for ingest reads nothing and may post events.
        let (s, _) = fx.call(method.clone(), uri, Some(&fx.ingest_token), body.clone()).await;
        let want = if uri.contains("/events/") { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(s, want, "{uri} with an ingest token");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_every_role_and_the_dashboard_draws_its_charts() {
    let fx = Fx::new().await;
    let pages: [(&str, &[&str]); 7] = [
        ("/dashboard", &["admin", "analyst", "leader"]),
        ("/community", &["analyst", "leader"]),
        ("/runs", &["admin", "analyst"]),
        ("/sql", &["analyst"]),
        ("/admin/users", &["admin"]),
        ("/admin/audit", &["admin"]),
        ("/me", &["admin", "analyst", "leader", "counsellor", "mentor", "psychologist", "student"]),
    ];
    for (uri, allowed) in pages {
        let (s, _, location) = fx.page(Method::GET, uri, None, None).await;
        assert!(s.is_redirection() && location.starts_with("/login"), "{uri} without a session: {s} {location}");
        for (user, ..) in USERS {
            let (s, body, _) = fx.page(Method::GET, uri, Some(user), None).await;
            let want = if allowed.contains(&user) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(s, want, "{uri} as {user}");
            if s == StatusCode::OK {
                assert!(body.contains("<html") && body.contains("lang="), "{uri} as {user} is a page");
            }
        }
    }
    let (_, body, _) = fx.page(Method::GET, "/dashboard?lang=en", Some("leader"), None).await;
    let dash = body.split("id=\"dashboard\"").nth(1).expect("#dashboard");
    assert!(dash.matches("<svg").count() >= 5, "five charts in #dashboard");
    assert!(dash.contains("class=\"bar\""), "bars drawn: the leader's college has warnings");
    assert!(body.contains("Open cases per counsellor"));
    let (_, zh, _) = fx.page(Method::GET, "/dashboard", Some("leader"), None).await;
    assert!(zh.contains("各辅导员未结案例"), "Chinese by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_only_the_callers_scope() {
    let fx = Fx::new().await;
    let all = fx.ops_count("SELECT count(*) FROM warnings", "");
    let college = fx.ops_count("SELECT count(*) FROM warnings WHERE college = ?1", LEADER_COLLEGE);
    assert!(all > college && college > 0, "the sample raises warnings in and out of the college: {all} {college}");
    let (_, leader) = fx.get("/api/v1/dashboard?weeks=4", "leader").await;
    assert_eq!(leader["counts"]["total"], college, "{leader}");
    assert_eq!(leader["scope"], format!("college:{LEADER_COLLEGE}"));
    assert_eq!(leader["weeks"].as_array().map(Vec::len), Some(4));
    let counted: i64 =
        leader["counts"]["by_level"].as_object().expect("levels").values().filter_map(Value::as_i64).sum();
    assert_eq!(counted, college);
    let in_college: BTreeSet<String> = {
        let db = rusqlite::Connection::open(fx.s.path().join("ops.sqlite")).expect("ops");
        let mut st = db.prepare("SELECT DISTINCT counsellor_id FROM warnings WHERE college = ?1").expect("prepare");
        st.query_map([LEADER_COLLEGE], |r| r.get(0)).expect("q").map(|r| r.expect("row")).collect()
    };
    for l in leader["open_per_counsellor"].as_array().expect("loads") {
        assert!(in_college.contains(l["counsellor_id"].as_str().expect("id")), "{l}");
    }
    let (_, analyst) = fx.get("/api/v1/dashboard", "analyst").await;
    assert_eq!(analyst["counts"]["total"], all);
    assert_eq!(analyst["response"]["waiting"], all, "nobody has acted on a warning yet");
    let (_, admin) = fx.get("/api/v1/dashboard", "admin").await;
    assert_eq!(admin["counts"]["total"], 0, "an admin without a staff link sees no student's warnings");
    let rows = fx.audit("dashboard.view");
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].0.as_str(), rows[0].1.as_str()), ("leader", "leader"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analysts_sql_is_pseudonymised_capped_and_withholds_names() {
    let fx = Fx::new().await;
    let ids: BTreeSet<String> =
        fx.s.sql("SELECT student_id FROM students").into_iter().skip(1).map(|r| r[0].clone()).collect();
    let names: Vec<String> = fx.s.sql("SELECT name FROM students").into_iter().skip(1).map(|r| r[0].clone()).collect();
    let (s, r) = fx.sql("SELECT student_id FROM students").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let shown: BTreeSet<String> =
        r["rows"].as_array().expect("rows").iter().map(|row| row[0].as_str().expect("id").to_string()).collect();
    let want: BTreeSet<String> = ids.iter().map(|id| fx.state.pseudonym(id)).collect();
    assert_eq!(shown, want, "every id is its stable pseudonym");
    assert!(shown.iter().all(|p| p.len() == 13 && p.starts_with('P')));

    let (s, r) = fx.sql("SELECT * FROM students").await;
    assert_eq!(s, StatusCode::OK);
    let cols: Vec<&str> = r["columns"].as_array().expect("cols").iter().filter_map(Value::as_str).collect();
    assert!(!cols.contains(&"name") && cols.contains(&"college"), "{cols:?}");
    let text = r.to_string();
    assert!(names.iter().all(|n| !text.contains(n.as_str())), "no name in the result");
    assert!(ids.iter().all(|id| !text.contains(id.as_str())), "no raw id in the result");

    let (s, _) = fx.sql("SELECT s.name AS x FROM students s").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a withheld column is not there, whatever its alias");
    let (s, r) = fx.sql("SELECT * FROM warnings").await;
    assert_eq!(s, StatusCode::OK);
    let cols: Vec<&str> = r["columns"].as_array().expect("cols").iter().filter_map(Value::as_str).collect();
    assert!(!cols.contains(&"reason_zh") && !cols.contains(&"reason_en") && cols.contains(&"level"), "{cols:?}");
    let warnings = fx.ops_count("SELECT count(*) FROM warnings", "");
    let (_, r) = fx.sql("SELECT count(*) AS n FROM warnings w JOIN students s ON s.student_id = w.student_id").await;
    assert_eq!(r["rows"][0][0], warnings, "pseudonyms still join");

    let (_, r) = fx.sql("SELECT value FROM generate_series(1, 25000)").await;
    assert_eq!((r["row_count"].as_u64(), r["truncated"].as_bool()), (Some(10_000), Some(true)), "row cap");
    let (s, _) = fx.sql("SELECT * FROM quarantine_replay").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the replay table keeps personal data: not the analyst's");
    let (s, _) = fx.sql("SELECT radar_pseudonym('2022010101')").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "the pseudonym function is not the analyst's to call");

    let rows = fx.audit("sql.query");
    assert_eq!(rows.len(), 8, "each query is audited");
    assert!(rows.iter().all(|(actor, role, student, _)| actor == "analyst" && role == "analyst" && student.is_none()));
    assert_eq!(rows[0].3["rows"], ids.len());
    assert_eq!(rows[0].3["query_hash"].as_str().map(str::len), Some(32));
    let ops = std::fs::read(fx.s.path().join("ops.sqlite")).expect("ops");
    assert!(!String::from_utf8_lossy(&ops).contains("generate_series"), "the query text is not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_that_are_not_queries_are_403_and_change_nothing() {
    let fx = Fx::new().await;
    let outside = fx.s.scratch("copied.csv");
    let refused = [
        "DROP TABLE students".to_string(),
        "INSERT INTO students (student_id) VALUES ('x')".into(),
        "DELETE FROM warnings".into(),
        "CREATE TABLE t2 AS SELECT * FROM students".into(),
        format!("COPY students TO '{}'", outside.display()),
        "SET datafusion.execution.batch_size = 1".into(),
        "SELECT * FROM read_csv('/etc/passwd')".into(),
    ];
    for q in &refused {
        let (s, r) = fx.sql(q).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{q}: {r}");
    }
    assert!(!outside.exists());
    assert_eq!(fx.s.count("SELECT count(*) FROM students"), 300);
    let rows = fx.audit("sql.query");
    assert_eq!(rows.iter().filter(|r| r.3["refused"] == true).count(), refused.len(), "each refusal is audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_take_the_ingest_path_and_a_repeat_stores_nothing_twice() {
    let fx = Fx::new().await;
    let before = fx.s.count("SELECT count(*) FROM card_transactions");
    let quarantined = fx.s.count("SELECT count(*) FROM quarantine");
    let body = [
        txn("T-HTTP-1", "2022010101", "3.5"),
        txn("T-HTTP-2", "2022010101", "12"),
        String::new(),
        "{\"txn_id\": \"T-HTTP-3\", broken".into(),
        txn("T-HTTP-4", "2022010101", "\"lots\""),
        txn("T-HTTP-5", "2022010102", "8.25"),
    ]
    .join("\n");
    let admin = fx.token("admin").to_string();
    let (s, r) = fx.events("card_transactions", &admin, &body).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["rows_read"].as_u64(), r["stored"].as_u64(), r["duplicates"].as_u64(), r["quarantined"].as_u64()),
        (Some(5), Some(3), Some(0), Some(2)),
        "{r}"
    );
    assert_eq!(r["quarantined_by_reason"], json!({ "bad_row": 1, "bad_number": 1 }));
    assert_eq!(
        r["rejects"],
        json!([
            { "line": 4, "column": null, "reason": "bad_row" },
            { "line": 5, "column": "amount", "reason": "bad_number" },
        ])
    );
    assert_eq!(fx.s.count("SELECT count(*) FROM card_transactions"), before + 3);

    let (s, again) = fx.events("card_transactions", &fx.ingest_token, &body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (again["stored"].as_u64(), again["duplicates"].as_u64(), again["quarantined"].as_u64()),
        (Some(0), Some(3), Some(2)),
        "{again}"
    );
    assert_eq!(fx.s.count("SELECT count(*) FROM card_transactions"), before + 3, "nothing stored twice");
    assert_eq!(fx.s.count("SELECT count(*) FROM quarantine"), quarantined + 2, "no quarantine entry twice");
    let logged = fx.s.sql(
        "SELECT stored, duplicates FROM ingest_runs WHERE file LIKE '%radar-events-%' ORDER BY started_at, stored DESC",
    );
    assert_eq!(
        logged[1..],
        [vec!["3".to_string(), "0".into()], vec!["0".into(), "3".into()]],
        "both posts in the run log"
    );

    for kind in ["students", "no_such_kind"] {
        let (s, _) = fx.events(kind, &admin, &txn("T-X", "2022010101", "1")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{kind}");
    }
    let (s, r) = fx.events("card_transactions", &admin, "").await;
    assert_eq!((s, r["rows_read"].as_u64()), (StatusCode::OK, Some(0)), "an empty batch is no error");
    let rows = fx.audit("events.ingest");
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[1].0.as_str(), rows[1].3["duplicates"].as_u64()), ("counsellor", Some(3)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_community_and_the_audit_log_answer_with_their_filters() {
    let fx = Fx::new().await;
    let (_, runs) = fx.get("/api/v1/runs", "analyst").await;
    assert_eq!(runs["refresh"][0]["status"], "ok", "{runs}");
    assert!(runs["ingest"].as_array().is_some_and(|r| !r.is_empty()));
    let (_, failed) = fx.get("/api/v1/runs?failed=true", "admin").await;
    assert_eq!(failed["refresh"], json!([]), "the sample's refresh did not fail");

    let (_, leader) = fx.get("/api/v1/community?month=2025-09", "leader").await;
    assert_eq!(leader["by"], "college");
    let groups: BTreeSet<&str> =
        leader["rows"].as_array().expect("rows").iter().filter_map(|r| r["group"].as_str()).collect();
    assert_eq!(groups.into_iter().collect::<Vec<_>>(), [LEADER_COLLEGE], "a leader sees their college only");
    let (_, campus) = fx.get("/api/v1/community?month=2025-09", "analyst").await;
    assert_eq!(campus["rows"][0]["group"], "campus");
    let (s, _) = fx.get("/api/v1/community?by=planet", "analyst").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, _, _) = fx.page(Method::GET, "/me", Some("student"), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, all) = fx.get("/api/v1/audit", "admin").await;
    assert_eq!(s, StatusCode::OK);
    let actions: BTreeSet<&str> =
        all["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["runs.view", "community.view", "profile.view"] {
        assert!(actions.contains(a), "{a} in {actions:?}");
    }
    let (_, mine) = fx.get("/api/v1/audit?actor=leader", "admin").await;
    assert!(mine["entries"].as_array().expect("entries").iter().all(|e| e["actor"] == "leader"));
    let (_, one) = fx.get("/api/v1/audit?student_id=2022010101", "admin").await;
    let one = one["entries"].as_array().expect("entries");
    assert!(
        !one.is_empty() && one.iter().all(|e| e["student_id"] == "2022010101" || e["subject"] == "2022010101"),
        "{one:?}"
    );
    let (_, later) = fx.get("/api/v1/audit?since=2030-01-01", "admin").await;
    assert_eq!(later["entries"], json!([]));
    let (s, _) = fx.get("/api/v1/audit?since=yesterday-ish", "admin").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(fx.audit("audit.view").len(), 4, "reading the audit log is audited too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_pages_need_csrf_and_every_change_is_audited() {
    let fx = Fx::new().await;
    let (session, csrf) = fx.session("admin");
    let post = |uri: &'static str, form: String| {
        let app = fx.app.clone();
        let cookie = format!("radar_session={session}");
        async move {
            let req = Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .expect("request");
            let resp = app.oneshot(req).await.expect("response");
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("body");
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    let (s, _) = post("/admin/users", "username=newbie&role=counsellor&staff_id=0002".into()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no CSRF token");
    let (s, _) = post("/admin/users", "username=newbie&role=counsellor&staff_id=0002&csrf=wrong".into()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a wrong CSRF token");
    let accounts = Accounts::open(&fx.s.path()).expect("accounts");
    assert!(accounts.get("newbie").expect("get").is_none());

    let (s, body) =
        post("/admin/users", format!("username=newbie&role=counsellor&staff_id=0002&password=&csrf={csrf}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let password =
        body.split("class=\"password\">").nth(1).and_then(|t| t.split('<').next()).expect("password shown once");
    assert_eq!(password.len(), 16);
    accounts.login("newbie", password, fx.state.now()).expect("the shown password logs in");

    let (s, _) = post("/admin/users/newbie/disable", format!("csrf={csrf}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(accounts.get("newbie").expect("get").expect("account").disabled);
    let (s, _) = post("/admin/users/newbie/enable", format!("csrf={csrf}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = post("/admin/users/newbie/reset-password", format!("csrf={csrf}")).await;
    assert_eq!(s, StatusCode::OK);
    let fresh = body.split("class=\"password\">").nth(1).and_then(|t| t.split('<').next()).expect("new password");
    assert_ne!(fresh, password);
    accounts.login("newbie", fresh, fx.state.now()).expect("the reset password logs in");
    let (s, _) = post("/admin/users/nobody-here/disable", format!("csrf={csrf}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    for action in ["users.add", "users.disable", "users.enable", "users.reset_password"] {
        let rows = fx.audit(action);
        assert_eq!(rows.len(), 1, "{action}");
        assert_eq!(rows[0].0, "admin");
        assert_eq!(rows[0].3["username"], "newbie");
        assert!(
            !rows[0].3.to_string().contains(fresh) && !rows[0].3.to_string().contains(password),
            "no password in the audit"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_sees_their_own_page_with_the_data_kinds_held() {
    let fx = Fx::new().await;
    let (s, body, _) = fx.page(Method::GET, "/me?lang=en", Some("student"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("2022010101"), "their own id");
    assert!(body.contains("白磊军"), "their own name, unmasked");
    let kinds = body.split("id=\"data-kinds\"").nth(1).and_then(|t| t.split("</ul>").next()).expect("data kinds");
    for k in ["students", "card_transactions"] {
        assert!(kinds.contains(&format!("({k})")), "{k} in {kinds}");
    }
    let rows = fx.audit("profile.view");
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].0.as_str(), rows[0].2.as_deref()), ("student", Some("2022010101")));
    let (_, staff, _) = fx.page(Method::GET, "/me?lang=en", Some("counsellor"), None).await;
    assert!(staff.contains("counsellor:0001") && !staff.contains("data-kinds"), "staff see their account and scope");
}
