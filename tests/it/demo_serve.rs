//! `radar demo --serve`: the demo store gets one login per role, linked to its records,
//! and the service starts on it; a printed login works.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::TestStore;

/// Kills the demo when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// One HTTP/1.0 exchange (the answer ends when the server closes): status and body.
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    c.write_all(req.as_bytes()).expect("send");
    let mut answer = String::new();
    c.read_to_string(&mut answer).expect("read");
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn demo_serve_creates_one_login_per_role_and_serves_the_demo_store() {
    let s = TestStore::new();
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_radar"))
        .args(["demo", "--serve", "--addr", &addr, "--demo-store"])
        .arg(s.scratch("demo"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    let mut demo = Running(child);
    let stdout = demo.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The logins, then the address once it listens.
    let mut logins = std::collections::BTreeMap::new();
    let mut url = None;
    let mut seen = Vec::new();
    while url.is_none() {
        let line = rx.recv_timeout(Duration::from_secs(900)).unwrap_or_else(|e| panic!("{e}: {seen:#?}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with("  ") && words.len() >= 2 && campus_radar::accounts::Role::parse(words[0]).is_some() {
            logins.insert(words[0].to_string(), (words[1].to_string(), words.get(3).map(|w| w.to_string())));
        }
        if let Some(rest) = line.strip_prefix("Serving the demo store on ") {
            url = rest.split_whitespace().next().map(str::to_string);
        }
        seen.push(line);
    }
    assert_eq!(url.as_deref(), Some(format!("http://{addr}/").as_str()), "{seen:#?}");
    let roles: Vec<&str> = logins.keys().map(String::as_str).collect();
    assert_eq!(roles, ["admin", "analyst", "counsellor", "leader", "mentor", "psychologist", "student"], "{seen:#?}");
    // Staff roles and the student are linked to records of the demo store.
    for (role, (_, link)) in &logins {
        assert_eq!(link.is_some(), !matches!(role.as_str(), "admin" | "analyst"), "{role}: {seen:#?}");
    }
    let (status, _) = http(&addr, "GET", "/healthz", None, None);
    assert_eq!(status, 200);

    // A printed login works: the counsellor logs in and is the counsellor of the list.
    let (pw, staff) = &logins["counsellor"];
    let body = serde_json::json!({"username": "counsellor", "password": pw}).to_string();
    let (status, answer) = http(&addr, "POST", "/api/v1/session", None, Some(&body));
    assert_eq!(status, 201, "{answer}");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("json");
    let token = v["token"].as_str().expect("token");
    let (status, me) = http(&addr, "GET", "/api/v1/me", Some(token), None);
    assert_eq!(status, 200, "{me}");
    let me: serde_json::Value = serde_json::from_str(&me).expect("json");
    assert_eq!(me["role"], "counsellor");
    assert_eq!(Some(me["staff_id"].as_str().unwrap_or_default().to_string()), *staff, "{me}");
    // The demo printed this counsellor's morning list: the same counsellor is linked.
    assert!(seen
        .iter()
        .any(|l| l.starts_with(&format!("Morning list of counsellor {}", staff.as_deref().unwrap_or("?")))));
    // A wrong password is refused.
    let bad = serde_json::json!({"username": "student", "password": "not the password"}).to_string();
    assert_eq!(http(&addr, "POST", "/api/v1/session", None, Some(&bad)).0, 401);
}
