//! `radar serve`'s counsellor workflow through the router (`tower::ServiceExt::oneshot`, no
//! socket) over a generated campus: every route of the warnings and students API for every
//! role, the scope matrix (no counsellor, mentor or leader reaches a student or warning
//! outside their scope by any route, API or page, with guessed ids or tampered filters),
//! a student sees only themself, masking (analyst pseudonyms, screening-based warnings),
//! the lifecycle with its 409, the inbox's form posts, the OpenAPI document, and one audit
//! row per disclosure and change.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use campus_radar::accounts::{Accounts, Role};
use campus_radar::service::config::ServiceConfig;
use campus_radar::service::AppState;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::campus::{base, copy_dir};

/// Who is who for one test: one account (and token) per role, chosen so that the
/// counsellor, mentor and leader all see student `s_in` and warning `w_in`, and none of
/// them sees `s_out` / `w_out`.
struct Env {
    _dir: tempfile::TempDir,
    root: PathBuf,
    app: axum::Router,
    tokens: HashMap<&'static str, String>,
    sessions: HashMap<&'static str, (String, String)>,
    s_in: String,
    w_in: String,
    s_out: String,
    w_out: String,
    /// staff id of each staff role's account
    staff_of: HashMap<&'static str, String>,
}

const ROLES: [&str; 7] = ["admin", "analyst", "leader", "counsellor", "mentor", "psychologist", "student"];

impl Env {
    fn new() -> Env {
        let b = base();
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("store");
        copy_dir(&b.root, &root);
        // A warning whose student has a mentor; its counsellor, mentor and college's leader.
        let (w_in, s_in) = b
            .warnings
            .iter()
            .find(|(_, s)| !b.students[s].2.is_empty())
            .cloned()
            .expect("a warning of a student with a mentor");
        let (college, counsellor, mentor) = b.students[&s_in].clone();
        let leader = b
            .staff
            .iter()
            .find(|(_, (r, c))| r == "leader" && *c == college)
            .map(|(id, _)| id.clone())
            .expect("a leader of the college");
        let psychologist = b
            .staff
            .iter()
            .find(|(_, (r, c))| r == "psychologist" && c.is_empty())
            .map(|(id, _)| id.clone())
            .expect("a psychologist for everyone");
        let (w_out, s_out) =
            b.warnings.iter().find(|(_, s)| b.students[s].0 != college).cloned().expect("a warning in another college");
        let acc = Accounts::open(&root).expect("accounts");
        let mut staff_of = HashMap::new();
        staff_of.insert("counsellor", counsellor.clone());
        staff_of.insert("mentor", mentor.clone());
        staff_of.insert("leader", leader.clone());
        staff_of.insert("psychologist", psychologist.clone());
        let now = campus_radar::schema::time::parse_timestamp(&b.now, chrono_tz::Asia::Shanghai).expect("now");
        let mut tokens = HashMap::new();
        let mut sessions = HashMap::new();
        for role in ROLES {
            let r = Role::parse(role).expect("role");
            let staff = staff_of.get(role).map(String::as_str);
            let student = (role == "student").then_some(s_in.as_str());
            acc.add(role, r, staff, student, "correct horse battery staple", 0).expect("add account");
            let (_, secret) = acc.create_token(role, None, false, 0).expect("token");
            tokens.insert(role, secret);
            let sess = acc.create_session(role, now).expect("session");
            sessions.insert(role, (sess.id.clone(), sess.csrf.clone()));
        }
        let config = ServiceConfig { store: root.clone(), tz: chrono_tz::Asia::Shanghai, ..ServiceConfig::default() };
        let state = AppState::new(config, Some(now)).expect("state");
        let app = campus_radar::service::router(state);
        Env { _dir: dir, root, app, tokens, sessions, s_in, w_in, s_out, w_out, staff_of }
    }

    async fn call(&self, role: Option<&str>, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Vec<u8>) {
        let mut r = Request::builder().method(method).uri(uri);
        if let Some(role) = role {
            r = r.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[role]));
        }
        let req = match body {
            Some(b) => r.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => r.body(Body::empty()),
        }
        .expect("request");
        let resp = self.app.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20).await.expect("body");
        (status, bytes.to_vec())
    }

    async fn get(&self, role: &str, uri: &str) -> (StatusCode, Value) {
        let (s, b) = self.call(Some(role), Method::GET, uri, None).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn post(&self, role: &str, uri: &str, body: Value) -> (StatusCode, Value) {
        let (s, b) = self.call(Some(role), Method::POST, uri, Some(body)).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// A page request with the role's session cookie; form posts are urlencoded.
    async fn page(&self, role: &str, method: Method, uri: &str, form: Option<&str>) -> (StatusCode, String, String) {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, format!("radar_session={}", self.sessions[role].0));
        let req = match form {
            Some(f) => {
                r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                r.body(Body::from(f.to_string()))
            }
            None => r.body(Body::empty()),
        }
        .expect("request");
        let resp = self.app.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let location =
            resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20).await.expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned(), location)
    }

    fn csrf(&self, role: &str) -> &str {
        &self.sessions[role].1
    }

    fn ops(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.root.join("ops.sqlite")).expect("ops")
    }

    fn status_of(&self, w: &str) -> String {
        self.ops().query_row("SELECT status FROM warnings WHERE warning_id = ?1", [w], |r| r.get(0)).expect("status")
    }

    /// Audit rows `(action, student_id, students, detail)` of an actor, oldest first.
    fn audit(&self, actor: &str) -> Vec<(String, Option<String>, i64, String)> {
        let c = self.ops();
        let mut st = c
            .prepare("SELECT action, student_id, students, detail FROM audit_log WHERE actor = ?1 ORDER BY seq")
            .expect("audit query");
        st.query_map([actor], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("audit rows")
            .collect::<Result<_, _>>()
            .expect("audit rows")
    }

    /// The students a staff role's account may see (service.md's scope, from the records).
    fn scope(&self, role: &str) -> BTreeSet<String> {
        let b = base();
        let staff = self.staff_of.get(role).cloned().unwrap_or_default();
        let college = b.staff.get(&staff).map(|s| s.1.clone()).unwrap_or_default();
        b.students
            .iter()
            .filter(|(id, (c, couns, mentor))| match role {
                "counsellor" => *couns == staff,
                "mentor" => *mentor == staff,
                "leader" => *c == college,
                "psychologist" | "analyst" => true,
                "student" => **id == self.s_in,
                _ => false,
            })
            .map(|(id, _)| id.clone())
            .collect()
    }
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|w| w[key].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The status each role gets from each route, for a target in everyone's scope who has
/// one: exactly service.md's table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_service_md_says() {
    let e = Env::new();
    let (w, s) = (e.w_in.clone(), e.s_in.clone());
    for role in ROLES {
        let readers = ["counsellor", "mentor", "psychologist", "leader", "analyst"].contains(&role);
        let writers = ["counsellor", "psychologist", "leader"].contains(&role);
        let expect = |yes: bool| if yes { StatusCode::OK } else { StatusCode::FORBIDDEN };
        for fmt in ["json", "csv", "xlsx"] {
            let (st, _) = e.call(Some(role), Method::GET, &format!("/api/v1/warnings?format={fmt}"), None).await;
            assert_eq!(st, expect(readers), "{role} GET /warnings?format={fmt}");
        }
        // An analyst names the student by pseudonym; everyone else by id.
        let (_, mine) = e.get("analyst", "/api/v1/warnings?status=all").await;
        let pseud = mine
            .as_array()
            .and_then(|a| a.iter().find(|x| x["warning_id"] == w.as_str()))
            .map(|x| x["student_id"].as_str().unwrap_or_default().to_string())
            .expect("the analyst lists every warning");
        let sid = if role == "analyst" { pseud.clone() } else { s.clone() };
        let (st, _) = e.get(role, &format!("/api/v1/warnings/{w}")).await;
        assert_eq!(st, expect(readers), "{role} GET /warnings/{{id}}");
        let (st, _) = e.get(role, &format!("/api/v1/students/{sid}/profile")).await;
        let want = if role == "admin" { StatusCode::NOT_FOUND } else { StatusCode::OK };
        assert_eq!(st, want, "{role} GET profile (admin: no staff link, no student data)");
        let (st, _) = e.get(role, &format!("/api/v1/students/{sid}/recommendations")).await;
        assert_eq!(st, want, "{role} GET recommendations");
        let (st, _) = e.get(role, &format!("/api/v1/students/{sid}/timeline")).await;
        let want_t = match role {
            "student" => StatusCode::FORBIDDEN,
            "admin" => StatusCode::NOT_FOUND,
            _ => StatusCode::OK,
        };
        assert_eq!(st, want_t, "{role} GET timeline");
        // Writers get past the role check: a bad target status is 400, others 403.
        let (st, body) = e.post(role, &format!("/api/v1/warnings/{w}/transitions"), json!({"to": "sideways"})).await;
        let want_w = if writers { StatusCode::BAD_REQUEST } else { StatusCode::FORBIDDEN };
        assert_eq!(st, want_w, "{role} POST transitions {body}");
        assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
        let (st, _) = e.post(role, &format!("/api/v1/warnings/{w}/interventions"), json!({"kind": "party"})).await;
        assert_eq!(st, want_w, "{role} POST interventions");
        let (st, _) = e.get(role, "/api/v1/openapi.json").await;
        assert_eq!(st, StatusCode::OK, "{role} openapi");
    }
    // Without credentials: 401 everywhere but the OpenAPI document.
    for (m, uri) in [
        (Method::GET, "/api/v1/warnings".to_string()),
        (Method::GET, format!("/api/v1/warnings/{w}")),
        (Method::POST, format!("/api/v1/warnings/{w}/transitions")),
        (Method::POST, format!("/api/v1/warnings/{w}/interventions")),
        (Method::GET, format!("/api/v1/students/{s}/profile")),
        (Method::GET, format!("/api/v1/students/{s}/timeline")),
        (Method::GET, format!("/api/v1/students/{s}/recommendations")),
    ] {
        let (st, _) = e.call(None, m.clone(), &uri, Some(json!({"to": "acknowledged"}))).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {uri}");
    }
    let (st, _) = e.call(None, Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(e.status_of(&w), "new", "nothing above changed the warning");
}

/// No counsellor, mentor or leader reads, lists, exports or changes anything outside their
/// scope, by any route: real ids of others, guessed ids, tampered filters, API and pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_no_staff_member_reaches_outside_their_scope() {
    let e = Env::new();
    let others = [e.s_out.clone(), "S999999".to_string(), "../S1".to_string(), "' OR 1=1 --".to_string()];
    let other_warnings = [e.w_out.clone(), "W999999".to_string(), "W%".to_string()];
    for role in ["counsellor", "mentor", "leader"] {
        let scope = e.scope(role);
        assert!(scope.contains(&e.s_in) && !scope.contains(&e.s_out), "{role}: the fixture's premise");
        // Lists and exports, with and without tampered filters, hold only their students.
        let college_out = base().students[&e.s_out].0.clone();
        for q in [
            "status=all".to_string(),
            format!("status=all&college={college_out}"),
            format!("status=all&student_id={}", e.s_out),
            "status=all&student_id=S999999".to_string(),
        ] {
            let (st, list) = e.get(role, &format!("/api/v1/warnings?{q}")).await;
            assert_eq!(st, StatusCode::OK, "{role} {q}");
            for s in ids(&list, "student_id") {
                assert!(scope.contains(&s), "{role} ?{q} listed {s}, outside their scope");
            }
            let (st, csv) = e.call(Some(role), Method::GET, &format!("/api/v1/warnings?{q}&format=csv"), None).await;
            assert_eq!(st, StatusCode::OK);
            let mut r = csv::Reader::from_reader(csv.as_slice());
            for rec in r.records() {
                let rec = rec.expect("csv");
                assert!(scope.contains(&rec[1].to_string()), "{role} csv ?{q} exported {}", &rec[1]);
            }
        }
        let (_, tampered) = e.get(role, &format!("/api/v1/warnings?status=all&student_id={}", e.s_out)).await;
        assert_eq!(tampered, json!([]), "{role}: a filter naming another student lists nothing");
        let (_, own) = e.get(role, &format!("/api/v1/warnings?status=all&student_id={}", e.s_in)).await;
        assert!(ids(&own, "warning_id").contains(&e.w_in), "{role} lists their own student's warning");
        // Single reads: the same 404 for someone else's and for no one's.
        for s in &others {
            let enc: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
            for what in ["profile", "timeline", "recommendations"] {
                let (st, body) = e.get(role, &format!("/api/v1/students/{enc}/{what}")).await;
                assert_eq!(st, StatusCode::NOT_FOUND, "{role} {what} of {s}: {body}");
                assert_eq!(body["error"]["code"], "not_found", "{body}");
            }
            let (st, _, _) = e.page(role, Method::GET, &format!("/students/{enc}"), None).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{role} page of {s}");
        }
        let (st, unknown) = e.get(role, "/api/v1/warnings/W999999").await;
        for w in &other_warnings {
            let enc: String = url::form_urlencoded::byte_serialize(w.as_bytes()).collect();
            let (st2, body) = e.get(role, &format!("/api/v1/warnings/{enc}")).await;
            assert_eq!((st2, &body), (st, &unknown), "{role}: {w} answers exactly as a warning that does not exist");
            assert_eq!(st2, StatusCode::NOT_FOUND);
            // Changes: 404 for a writer role, 403 for the mentor, who never changes a warning.
            let want = if role == "mentor" { StatusCode::FORBIDDEN } else { StatusCode::NOT_FOUND };
            let (st, _) =
                e.post(role, &format!("/api/v1/warnings/{enc}/transitions"), json!({"to": "acknowledged"})).await;
            assert_eq!(st, want, "{role} transition of {w}");
            let (st, _) = e
                .post(role, &format!("/api/v1/warnings/{enc}/interventions"), json!({"kind": "talk", "note": "x"}))
                .await;
            assert_eq!(st, want, "{role} intervention on {w}");
            let form = format!("csrf={}&to=acknowledged&back=%2F", e.csrf(role));
            let (st, _, _) = e.page(role, Method::POST, &format!("/warnings/{enc}/act"), Some(&form)).await;
            assert_eq!(st, want, "{role} page action on {w}");
            let form = format!("csrf={}&kind=talk&note=x&back=%2F", e.csrf(role));
            let (st, _, _) = e.page(role, Method::POST, &format!("/warnings/{enc}/log"), Some(&form)).await;
            assert_eq!(st, want, "{role} page intervention on {w}");
        }
        // The inbox page lists only their students' warnings.
        let (st, html, _) = e.page(role, Method::GET, "/?status=all", None).await;
        assert_eq!(st, StatusCode::OK, "{role} inbox");
        assert!(html.contains(&format!("data-warning=\"{}\"", e.w_in)), "{role} inbox shows {}", e.w_in);
        assert!(!html.contains(&format!("data-warning=\"{}\"", e.w_out)), "{role} inbox shows {}", e.w_out);
        let (_, html, _) = e.page(role, Method::GET, &format!("/?status=all&college={college_out}"), None).await;
        assert!(!html.contains(&format!("data-warning=\"{}\"", e.w_out)), "{role} tampered inbox");
    }
    assert_eq!(e.status_of(&e.w_out), "new", "no one changed the other college's warning");
    let n: i64 = e
        .ops()
        .query_row("SELECT count(*) FROM interventions WHERE warning_id = ?1", [&e.w_out], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_sees_only_themself() {
    let e = Env::new();
    let (st, p) = e.get("student", &format!("/api/v1/students/{}/profile", e.s_in)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(p["student_id"], e.s_in.as_str());
    assert_eq!(p["basic"]["name"]["masked"], false, "a student reads their own name");
    let (st, r) = e.get("student", &format!("/api/v1/students/{}/recommendations", e.s_in)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(r["recommendations"].is_array());
    for s in [e.s_out.as_str(), "S999999"] {
        for what in ["profile", "recommendations"] {
            let (st, _) = e.get("student", &format!("/api/v1/students/{s}/{what}")).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "student {what} of {s}");
        }
        let (st, _, _) = e.page("student", Method::GET, &format!("/students/{s}"), None).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
    let (st, _) = e.get("student", "/api/v1/warnings").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, html, _) = e.page("student", Method::GET, &format!("/students/{}", e.s_in), None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("data-chart=\"radar\"") || html.contains("data-chart=\"line\""), "charts on the page");
    assert!(!html.contains("/act\""), "a student has no lifecycle actions");
    let (st, _, location) = e.page("student", Method::GET, "/", None).await;
    assert!(st.is_redirection(), "{st}");
    assert_eq!(location, format!("/students/{}", e.s_in));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_changes_interventions_and_the_409() {
    let e = Env::new();
    let w = e.w_in.clone();
    let uri = format!("/api/v1/warnings/{w}/transitions");
    let (st, body) = e.post("counsellor", &uri, json!({"to": "acknowledged", "note": "看到了"})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "acknowledged");
    let (st, body) = e.post("counsellor", &uri, json!({"to": "acknowledged"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    for bad in [json!({"to": "deleted"}), json!({"note": "no target"}), json!([1, 2])] {
        let (st, _) = e.post("counsellor", &uri, bad.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (st, _) = e.call(Some("counsellor"), Method::POST, &uri, None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "an empty body");
    let iv = format!("/api/v1/warnings/{w}/interventions");
    let (st, body) = e.post("counsellor", &iv, json!({"kind": "talk", "note": "谈心 30 分钟"})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["warning"]["status"], "in_progress", "an intervention starts the case");
    assert!(body["intervention_id"].as_str().is_some_and(|i| i.starts_with('I')));
    let (st, _) = e.post("counsellor", &iv, json!({"kind": "party"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // The leader of the college resolves it; the history shows every step and the notes
    // to the counsellor, not to the mentor.
    let (st, _) = e.post("leader", &uri, json!({"to": "resolved"})).await;
    assert_eq!(st, StatusCode::OK);
    let (st, d) = e.get("counsellor", &format!("/api/v1/warnings/{w}")).await;
    assert_eq!(st, StatusCode::OK);
    let actions: Vec<&str> =
        d["events"].as_array().expect("events").iter().filter_map(|x| x["action"].as_str()).collect();
    assert!(actions.contains(&"ack") && actions.contains(&"resolve"), "{actions:?}");
    assert_eq!(d["interventions"][0]["note"], "谈心 30 分钟");
    let (_, m) = e.get("mentor", &format!("/api/v1/warnings/{w}")).await;
    assert_eq!(m["interventions"][0]["note"], Value::Null, "the mentor does not read staff notes");
    assert_eq!(m["interventions"][0]["note_withheld"], true);
    let (st, _) = e.post("psychologist", &uri, json!({"to": "false_positive"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "a resolved warning stays resolved");
    assert_eq!(e.status_of(&w), "resolved");
    // Resolved warnings leave the default list but not `status=all`.
    let (_, open) = e.get("counsellor", "/api/v1/warnings").await;
    assert!(!ids(&open, "warning_id").contains(&w));
    let (_, all) = e.get("counsellor", "/api/v1/warnings?status=all").await;
    assert!(ids(&all, "warning_id").contains(&w));
    for q in ["level=purple", "category=gossip", "status=maybe", "format=pdf"] {
        let (st, _) = e.get("counsellor", &format!("/api/v1/warnings?{q}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_have_the_interface_columns_and_the_analyst_sees_pseudonyms() {
    let e = Env::new();
    let (st, csv) = e.call(Some("leader"), Method::GET, "/api/v1/warnings?status=all&format=csv", None).await;
    assert_eq!(st, StatusCode::OK);
    let mut r = csv::Reader::from_reader(csv.as_slice());
    let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    let want = [
        "warning_id",
        "student_id",
        "counsellor_id",
        "category",
        "level",
        "status",
        "created_at",
        "updated_at",
        "rule",
        "reason_zh",
        "reason_en",
        "evidence",
    ];
    assert_eq!(header[..12], want);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row[6].ends_with("+08:00"), "{row:?}");
        let ev: Value = serde_json::from_str(&row[11]).expect("evidence is JSON");
        assert!(ev.get("feature").is_some());
    }
    let (st, xlsx) = e.call(Some("leader"), Method::GET, "/api/v1/warnings?status=all&format=xlsx", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");
    let (_, json_list) = e.get("leader", "/api/v1/warnings?status=all").await;
    assert_eq!(json_list.as_array().map(Vec::len), Some(rows.len()), "json and csv list the same");

    let (st, list) = e.get("analyst", "/api/v1/warnings?status=all").await;
    assert_eq!(st, StatusCode::OK);
    let real: BTreeSet<&String> = base().students.keys().collect();
    let shown = ids(&list, "student_id");
    let all: i64 = e.ops().query_row("SELECT count(*) FROM warnings", [], |r| r.get(0)).expect("count");
    assert_eq!(shown.len() as i64, all, "the analyst's scope is everyone");
    for s in &shown {
        assert!(!real.contains(s) && s.starts_with('P') && s.len() == 13, "analyst sees {s}");
    }
    let p = &shown[0];
    let (st, prof) = e.get("analyst", &format!("/api/v1/students/{p}/profile")).await;
    assert_eq!(st, StatusCode::OK, "the analyst names students by pseudonym");
    assert_eq!(prof["student_id"], p.as_str());
    assert_eq!(prof["basic"]["name"]["value"], Value::Null, "no name, not even masked");
    let (st, _) = e.get("analyst", &format!("/api/v1/students/{}/profile", e.s_in)).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "a real id is not a pseudonym");
    let (st, _) = e.get("analyst", &format!("/api/v1/warnings?student_id={p}")).await;
    assert_eq!(st, StatusCode::OK);
}

/// A warning drawn from a psychological screening: its level, rule, reasons and evidence
/// only to the student's counsellor and the psychologist; the level filter does not leak it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_warnings_are_restricted_without_the_psych_grant() {
    let e = Env::new();
    e.ops()
        .execute(
            "UPDATE warnings SET evidence = '{\"feature\":\"psych_screening\",\"value\":213,\"baseline\":null,\
             \"cohort_pct\":null,\"trend\":{\"band\":\"high_risk\"},\"sources_used\":[\"psych_screening\"],\
             \"sources_missing\":[]}', level = 'red', rule = 'wellbeing.screening', reason_en = 'screening high_risk' \
             WHERE warning_id = ?1",
            [&e.w_in],
        )
        .expect("plant");
    for (role, sees) in [("counsellor", true), ("psychologist", true), ("leader", false), ("mentor", false)] {
        let (_, d) = e.get(role, &format!("/api/v1/warnings/{}", e.w_in)).await;
        let text = d["warning"].to_string();
        assert_eq!(text.contains("high_risk"), sees, "{role}: {text}");
        assert_eq!(d["warning"]["level"] == "red", sees, "{role}");
        let (_, red) = e.get(role, "/api/v1/warnings?level=red&status=all").await;
        assert_eq!(ids(&red, "warning_id").contains(&e.w_in), sees, "{role}: the level filter");
        let (_, html, _) = e.page(role, Method::GET, "/?status=all", None).await;
        // The inbox words the band for those who may see it; the others never get it.
        if !sees {
            assert!(!html.contains("high_risk"), "{role} inbox");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_disclosure_and_change_writes_its_audit_row() {
    let e = Env::new();
    let (w, s) = (e.w_in.clone(), e.s_in.clone());
    let steps: Vec<(&str, Method, String, Option<Value>, &str)> = vec![
        ("counsellor", Method::GET, "/api/v1/warnings".into(), None, "warnings.list"),
        ("counsellor", Method::GET, "/api/v1/warnings?format=csv".into(), None, "warnings.export"),
        ("counsellor", Method::GET, "/api/v1/warnings?format=xlsx".into(), None, "warnings.export"),
        ("counsellor", Method::GET, format!("/api/v1/warnings/{w}"), None, "warnings.show"),
        ("counsellor", Method::GET, format!("/api/v1/students/{s}/profile"), None, "profile.view"),
        ("counsellor", Method::GET, format!("/api/v1/students/{s}/timeline"), None, "timeline.view"),
        ("counsellor", Method::GET, format!("/api/v1/students/{s}/recommendations"), None, "recommendations.view"),
        (
            "counsellor",
            Method::POST,
            format!("/api/v1/warnings/{w}/transitions"),
            Some(json!({"to": "acknowledged", "note": "私密备注甲"})),
            "warnings.transition",
        ),
        (
            "counsellor",
            Method::POST,
            format!("/api/v1/warnings/{w}/interventions"),
            Some(json!({"kind": "talk", "note": "私密备注乙"})),
            "warnings.intervention",
        ),
        ("student", Method::GET, format!("/api/v1/students/{s}/profile"), None, "profile.view"),
    ];
    for (role, m, uri, body, action) in steps {
        let before = e.audit(role).len();
        let (st, _) = e.call(Some(role), m, &uri, body).await;
        assert!(st.is_success(), "{role} {uri}: {st}");
        let rows = e.audit(role);
        assert_eq!(rows.len(), before + 1, "{role} {uri}: one audit row");
        let (a, student, n, detail) = rows.last().expect("row").clone();
        assert_eq!(a, action, "{uri}");
        if action.starts_with("warnings.list") || action.starts_with("warnings.export") {
            assert!(n >= 1, "{uri}: the number of students shown");
        } else {
            assert_eq!(student.as_deref(), Some(s.as_str()), "{uri}");
            assert_eq!(n, 1);
        }
        assert!(!detail.contains("私密备注"), "notes never reach the audit log: {detail}");
    }
    // The list's count is the number of distinct students shown.
    let (_, list) = e.get("leader", "/api/v1/warnings?status=all").await;
    let distinct: BTreeSet<String> = ids(&list, "student_id").into_iter().collect();
    let last = e.audit("leader").last().cloned().expect("row");
    assert_eq!(last.2 as usize, distinct.len());
    // Refusals disclose nothing and are not disclosures.
    let before = e.audit("mentor").len();
    let _ = e.get("mentor", &format!("/api/v1/students/{}/profile", e.s_out)).await;
    assert_eq!(e.audit("mentor").len(), before);
    // Pages audit as the API does.
    let before = e.audit("counsellor").len();
    let (st, _, _) = e.page("counsellor", Method::GET, &format!("/students/{s}"), None).await;
    assert_eq!(st, StatusCode::OK);
    let after = e.audit("counsellor");
    let new: Vec<&str> = after[before..].iter().map(|r| r.0.as_str()).collect();
    assert_eq!(new, ["profile.view", "timeline.view"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_acts_without_leaving_the_list() {
    let e = Env::new();
    let w = e.w_in.clone();
    let (st, html, _) = e.page("counsellor", Method::GET, "/?sort=newest", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(&format!("id=\"w-{w}\"")), "the warning is in the inbox");
    assert!(html.contains("预警"), "Chinese by default");
    assert!(html.contains(&format!("value=\"{}\"", e.csrf("counsellor"))), "forms carry the CSRF token");
    assert!(!html.contains("\"sources_missing\""), "evidence in words, not JSON");
    let (_, en, _) = e.page("counsellor", Method::GET, "/?lang=en", None).await;
    assert!(en.contains("Warning inbox"));
    // Without the CSRF token: refused, nothing changes.
    let (st, _, _) =
        e.page("counsellor", Method::POST, &format!("/warnings/{w}/act"), Some("csrf=forged&to=acknowledged")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(e.status_of(&w), "new");
    let form = format!("csrf={}&to=acknowledged&back=%2F%3Fsort%3Dnewest", e.csrf("counsellor"));
    let (st, _, location) = e.page("counsellor", Method::POST, &format!("/warnings/{w}/act"), Some(&form)).await;
    assert!(st.is_redirection(), "{st}");
    assert_eq!(location, format!("/?sort=newest&done=ok#w-{w}"), "back to the same list");
    assert_eq!(e.status_of(&w), "acknowledged");
    let (st, _, location) = e.page("counsellor", Method::POST, &format!("/warnings/{w}/act"), Some(&form)).await;
    assert!(st.is_redirection());
    assert!(location.contains("done=conflict"), "{location}");
    let form = format!(
        "csrf={}&kind=home_visit&note=%E5%AE%B6%E8%AE%BF&back=https%3A%2F%2Fevil.example%2F",
        e.csrf("counsellor")
    );
    let (st, _, location) = e.page("counsellor", Method::POST, &format!("/warnings/{w}/log"), Some(&form)).await;
    assert!(st.is_redirection());
    assert!(location.starts_with("/?done=ok"), "never redirected off the site: {location}");
    assert_eq!(e.status_of(&w), "in_progress");
    let (_, html, _) = e.page("counsellor", Method::GET, "/", None).await;
    assert!(html.contains(&format!("data-warning=\"{w}\" data-status=\"in_progress\"")));
    // The profile page renders its charts.
    let (st, html, _) = e.page("counsellor", Method::GET, &format!("/students/{}", e.s_in), None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("<svg"), "charts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    let e = Env::new();
    let (st, doc) = e.call(None, Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&doc).expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for (path, method) in [
        ("/api/v1/warnings", "get"),
        ("/api/v1/warnings/{warning_id}", "get"),
        ("/api/v1/warnings/{warning_id}/transitions", "post"),
        ("/api/v1/warnings/{warning_id}/interventions", "post"),
        ("/api/v1/students/{student_id}/profile", "get"),
        ("/api/v1/students/{student_id}/timeline", "get"),
        ("/api/v1/students/{student_id}/recommendations", "get"),
        ("/api/v1/openapi.json", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from the document");
    }
    assert!(doc["components"]["schemas"]["WarningOut"]["properties"]["evidence"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
