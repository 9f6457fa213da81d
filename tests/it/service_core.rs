//! The service's core: accounts, logins, sessions, CSRF, throttling, scopes, health,
//! metrics, config errors, and the `users` / `tokens` / `audit` commands.

use std::process::Stdio;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use campus_radar::accounts::{Accounts, Role};
use campus_radar::service::{router, AppState, ServiceConfig};
use tower::ServiceExt;

use crate::util::{ok, sample, TestStore, NOW};

/// A store with the sample campus's students and staff, and one account per role.
fn campus() -> TestStore {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv"), &sample("campus/staff.csv")]));
    let a = Accounts::open(&s.path()).expect("accounts");
    for (u, r, staff, student) in [
        ("admin", Role::Admin, None, None),
        ("analyst", Role::Analyst, None, None),
        ("leader", Role::Leader, Some("0004"), None),
        ("counsellor", Role::Counsellor, Some("0001"), None),
        ("mentor", Role::Mentor, Some("0101"), None),
        ("psych", Role::Psychologist, Some("0003"), None),
        ("student", Role::Student, None, Some("2022010101")),
    ] {
        a.add(u, r, staff, student, "correct horse", 0).expect("add");
    }
    s
}

fn state(s: &TestStore) -> AppState {
    let now = campus_radar::schema::time::parse_clock(NOW, chrono_tz::Asia::Shanghai);
    AppState::new(ServiceConfig { store: s.path(), ..ServiceConfig::default() }, now).expect("state")
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 24).await.expect("body");
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn json_post(uri: &str, body: serde_json::Value) -> Request<Body> {
    Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).expect("req")
}

async fn token(app: &axum::Router, user: &str) -> String {
    let (st, _, body) =
        send(app, json_post("/api/v1/session", serde_json::json!({"username": user, "password": "correct horse"})))
            .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    v["token"].as_str().expect("token").to_string()
}

fn get(uri: &str, token: &str) -> Request<Body> {
    Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).expect("req")
}

fn audit_actions(s: &TestStore) -> Vec<(String, String)> {
    let db = campus_radar::warnings::db::OpsDb::open(&s.path()).expect("ops");
    campus_radar::warnings::audit::list(&db, &Default::default())
        .expect("audit")
        .into_iter()
        .rev()
        .map(|e| (e.actor, e.action))
        .collect()
}

#[tokio::test]
async fn every_role_logs_in_and_sees_its_scope_on_me() {
    let s = campus();
    let app = router(state(&s));
    let (st, _, body) = send(&app, Request::get("/api/v1/me").body(Body::empty()).expect("req")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = serde_json::from_str(&body).expect("error body");
    assert_eq!(v["error"]["code"], "unauthorized");
    let mut seen = std::collections::BTreeMap::new();
    for u in ["admin", "analyst", "leader", "counsellor", "mentor", "psych", "student"] {
        let t = token(&app, u).await;
        let (st, _, body) = send(&app, get("/api/v1/me", &t)).await;
        assert_eq!(st, StatusCode::OK, "{u}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        seen.insert(
            u,
            (v["scope"]["kind"].as_str().unwrap_or_default().to_string(), v["students"].as_u64().unwrap_or(0)),
        );
    }
    let students = std::fs::read_to_string(sample("campus/students.csv")).expect("csv");
    let rows: Vec<Vec<&str>> = students.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let count = |f: &dyn Fn(&Vec<&str>) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
    assert_eq!(seen["admin"], ("none".into(), 0));
    assert_eq!(seen["analyst"], ("all".into(), rows.len() as u64));
    assert_eq!(seen["psych"], ("all".into(), rows.len() as u64), "a psychologist without a college sees all");
    assert_eq!(seen["leader"].1, count(&|r| r[3] == "计算机科学与技术学院"));
    assert_eq!(seen["counsellor"].1, count(&|r| r[11] == "0001"));
    assert_eq!(seen["mentor"].1, count(&|r| r[12] == "0101"));
    assert_eq!(seen["student"], ("student".into(), 1));
    assert!(seen["counsellor"].1 > 0 && seen["counsellor"].1 < rows.len() as u64);
    assert!(audit_actions(&s).iter().filter(|(_, a)| a == "login.ok").count() == 7);
}

#[tokio::test]
async fn five_bad_passwords_lock_the_login_and_every_attempt_is_audited() {
    let s = campus();
    let app = router(state(&s));
    for _ in 0..4 {
        let (st, _, _) = send(
            &app,
            json_post("/api/v1/session", serde_json::json!({"username": "counsellor", "password": "guess"})),
        )
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let (st, _, body) =
        send(&app, json_post("/api/v1/session", serde_json::json!({"username": "counsellor", "password": "guess"})))
            .await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (st, _, _) = send(
        &app,
        json_post("/api/v1/session", serde_json::json!({"username": "counsellor", "password": "correct horse"})),
    )
    .await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "locked even with the right password");
    let actions: Vec<String> = audit_actions(&s).into_iter().map(|(_, a)| a).collect();
    assert_eq!(
        actions,
        ["login.failed", "login.failed", "login.failed", "login.failed", "login.locked", "login.locked"]
    );
    // A malformed body is a 400 with the error shape, never a panic.
    let (st, _, body) = send(&app, json_post("/api/v1/session", serde_json::json!({"user": 1}))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"code\":\"bad_request\""), "{body}");
}

#[tokio::test]
async fn the_login_page_sets_a_strict_httponly_cookie_and_logout_needs_the_csrf_token() {
    let s = campus();
    let app = router(state(&s));
    let (st, h, _) = send(&app, Request::get("/").body(Body::empty()).expect("req")).await;
    assert!(st.is_redirection() || st == StatusCode::NOT_FOUND, "{st}");
    let _ = h;
    let (st, _, page) = send(&app, Request::get("/login").body(Body::empty()).expect("req")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("登录") && page.contains("/static/app.css"), "Chinese by default");
    let (_, _, page) = send(&app, Request::get("/login?lang=en").body(Body::empty()).expect("req")).await;
    assert!(page.contains("Log in"));
    let form = "username=counsellor&password=correct+horse&next=%2Fme";
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .expect("req");
    let (st, h, _) = send(&app, req).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/me");
    let cookie = h[header::SET_COOKIE].to_str().expect("cookie").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let session = cookie.split(';').next().expect("pair").to_string();
    let me = Request::get("/api/v1/me").header(header::COOKIE, &session).body(Body::empty()).expect("req");
    assert_eq!(send(&app, me).await.0, StatusCode::OK);
    // The CSRF token is in the page, and logout without it is refused.
    let page = Request::get("/login").header(header::COOKIE, &session).body(Body::empty()).expect("req");
    let _ = send(&app, page).await;
    let bad = Request::post("/logout")
        .header(header::COOKIE, &session)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("csrf=forged"))
        .expect("req");
    assert_eq!(send(&app, bad).await.0, StatusCode::FORBIDDEN);
    let me = Request::get("/api/v1/me").header(header::COOKIE, &session).body(Body::empty()).expect("req");
    assert_eq!(send(&app, me).await.0, StatusCode::OK, "still logged in");
    // An open redirect through `next` is refused.
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=counsellor&password=correct+horse&next=%2F%2Fevil.example"))
        .expect("req");
    let (_, h, _) = send(&app, req).await;
    assert_eq!(h[header::LOCATION], "/");
}

#[tokio::test]
async fn tokens_work_until_revoked_or_the_account_is_disabled() {
    let s = campus();
    let a = Accounts::open(&s.path()).expect("accounts");
    let (info, t) = a.create_token("leader", None, false, 0).expect("token");
    let app = router(state(&s));
    assert_eq!(send(&app, get("/api/v1/me", &t)).await.0, StatusCode::OK);
    a.revoke_token(&info.token_id).expect("revoke");
    assert_eq!(send(&app, get("/api/v1/me", &t)).await.0, StatusCode::UNAUTHORIZED);
    let (_, t2) = a.create_token("leader", None, false, 0).expect("token");
    a.set_disabled("leader", true).expect("disable");
    assert_eq!(send(&app, get("/api/v1/me", &t2)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, get("/api/v1/me", "rdr_nope_nope")).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn health_and_metrics_answer_and_count_requests_by_route() {
    let s = campus();
    let app = router(state(&s));
    let (st, _, body) = send(&app, Request::get("/healthz").body(Body::empty()).expect("req")).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let _ = send(&app, Request::get("/api/v1/me").body(Body::empty()).expect("req")).await;
    let (st, h, text) = send(&app, Request::get("/metrics").body(Body::empty()).expect("req")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/plain"));
    assert!(text.contains(r#"radar_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#), "{text}");
    assert!(text.contains("radar_http_request_duration_seconds_bucket"));
    // A request id comes back on every answer.
    let (_, h, _) = send(&app, Request::get("/healthz").body(Body::empty()).expect("req")).await;
    assert!(h.contains_key("x-request-id"));
}

#[test]
fn users_tokens_and_audit_commands_manage_accounts_and_list_what_happened() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv"), &sample("campus/staff.csv")]));
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = s.cmd(NOW);
        c.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn");
        if let Some(text) = stdin {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().expect("wait")
    };
    let o = run(&["users", "add", "c1", "--role", "counsellor", "--staff-id", "0001"], None);
    ok(&o);
    let printed = String::from_utf8_lossy(&o.stdout).to_string();
    let pw = printed.trim().split('\t').nth(1).expect("password printed once").to_string();
    assert_eq!(pw.len(), 16);
    assert!(Accounts::open(&s.path()).expect("a").login("c1", &pw, 1).is_ok());
    ok(&run(
        &["users", "add", "s1", "--role", "student", "--student-id", "2022010101", "--password-stdin"],
        Some("a long secret\n"),
    ));
    assert!(Accounts::open(&s.path()).expect("a").login("s1", "a long secret", 1).is_ok());
    // A link to a record that does not exist, or an unknown role, is a usage error.
    assert_eq!(run(&["users", "add", "x", "--role", "counsellor", "--staff-id", "9999"], None).status.code(), Some(2));
    assert_eq!(run(&["users", "add", "x", "--role", "dean"], None).status.code(), Some(2));
    let o = run(&["users", "list", "--format", "csv"], None);
    ok(&o);
    let list = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(list.contains("c1,counsellor,0001,,enabled") && list.contains("s1,student,,2022010101,enabled"), "{list}");
    ok(&run(&["users", "disable", "c1"], None));
    assert!(String::from_utf8_lossy(&run(&["users", "list", "--format", "csv"], None).stdout)
        .contains("c1,counsellor,0001,,disabled"));
    let o = run(&["tokens", "create", "s1", "--expires-days", "30"], None);
    ok(&o);
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(token.starts_with("rdr_"));
    let id = token.split('_').nth(1).expect("id").to_string();
    let listed = String::from_utf8_lossy(&run(&["tokens", "list", "--format", "csv"], None).stdout).to_string();
    assert!(listed.contains(&id) && !listed.contains(&token), "the secret is never listed again");
    ok(&run(&["tokens", "revoke", &id], None));
    assert_eq!(run(&["tokens", "revoke", "nope"], None).status.code(), Some(2));
    let o = run(&["audit", "--format", "json"], None);
    ok(&o);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("json");
    let actions: Vec<&str> = rows.iter().filter_map(|r| r["action"].as_str()).collect();
    for a in ["users.add", "users.disable", "tokens.create", "tokens.revoke"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        !text.contains(&pw) && !text.contains("a long secret") && !text.contains(&token),
        "no secret in the audit log"
    );
    let o = run(&["audit", "--actor", "nobody", "--format", "csv"], None);
    ok(&o);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1, "header only");
}

#[test]
fn serve_refuses_an_unknown_config_key_naming_it() {
    let s = TestStore::new();
    ok(&s.ingest(&[&sample("campus/students.csv")]));
    let cfg = s.scratch("radar.toml");
    std::fs::write(&cfg, "addr = \"127.0.0.1:0\"\nshedule = \"02:00\"\n").expect("write");
    let o = s.cmd(NOW).args(["serve", "--config"]).arg(&cfg).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shedule"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn serve_drains_and_exits_zero_on_sigterm() {
    let s = campus();
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut child = s
        .cmd(NOW)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "the service listens");
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
}
