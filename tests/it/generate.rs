//! `radar generate`: determinism, clean and dirty ingests checked against truth/dirty.csv,
//! and the planted effects measured from the generated files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use campus_radar::schema::time::parse_timestamp;
use campus_radar::schema::ALL_KINDS;

use crate::util::*;

const SH: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Runs `radar generate` and returns the `--now` it prints.
fn generate(out: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_radar"))
        .args(["-q", "generate", "--start", "2025-09-08", "--out"])
        .arg(out)
        .args(args)
        .output()
        .expect("run radar generate");
    ok(&o);
    let line = String::from_utf8_lossy(&o.stdout).into_owned();
    let now = line.split_whitespace().nth(2).unwrap_or_default().to_string();
    assert!(now.starts_with("20"), "no --now in {line}");
    now
}

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "truth", "gb18030"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else { continue };
        for e in rd.flatten().filter(|e| e.path().is_file()) {
            out.insert(Path::new(sub).join(e.file_name()), std::fs::read(e.path()).expect("read"));
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_whatever_the_threads_and_another_seed_differs() {
    let s = TestStore::new();
    let (a, b, c) = (s.scratch("a"), s.scratch("b"), s.scratch("c"));
    let args = ["--students", "300", "--weeks", "3", "--seed", "5", "--dirty", "0.01"];
    generate(&a, &[&args[..], &["--threads", "1"]].concat());
    generate(&b, &[&args[..], &["--threads", "3"]].concat());
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.len(), 18 + 6 + 5, "{:?}", fa.keys());
    assert!(fa == fb, "same seed, different bytes");
    generate(&c, &["--students", "300", "--weeks", "3", "--seed", "6", "--dirty", "0.01"]);
    let fc = files(&c);
    // The calendar follows the dates, not the seed.
    let same = fa.iter().filter(|(k, v)| fc.get(*k) == Some(*v) && !k.to_string_lossy().contains("calendar")).count();
    assert!(same < 3, "another seed gives the same files: {same}");
}

fn ingest_json(s: &TestStore, now: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<serde_json::Value> {
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = args.to_vec();
    all.extend([&"--format" as &dyn AsRef<std::ffi::OsStr>, &"json"]);
    let out = s.ingest_at(now, &all);
    ok(&out);
    reports(&out)
}

fn basename(p: &str) -> String {
    Path::new(p).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
}

#[test]
fn a_clean_campus_ingests_with_nothing_quarantined() {
    for format in ["csv", "ndjson", "parquet"] {
        let s = TestStore::new();
        let dir = s.scratch("campus");
        let now = generate(&dir, &["--students", "250", "--weeks", "4", "--seed", "3", "--format", format]);
        let reps = ingest_json(&s, &now, &[&dir]);
        assert_eq!(reps.len(), 18, "{format}");
        for r in &reps {
            assert!(field(r, "stored") > 0, "{format}: {r}");
            assert_eq!((field(r, "quarantined"), field(r, "duplicates")), (0, 0), "{format}: {r}");
        }
    }
}

/// The non-duplicate rows of truth/dirty.csv and the duplicates per file.
fn dirty_truth(dir: &Path) -> (BTreeSet<Vec<String>>, BTreeMap<String, i64>) {
    let mut bad = BTreeSet::new();
    let mut dups = BTreeMap::new();
    let mut r = csv::Reader::from_path(dir.join("truth/dirty.csv")).expect("dirty.csv");
    for rec in r.records() {
        let rec: Vec<String> = rec.expect("csv").iter().map(String::from).collect();
        if rec[4] == "duplicate" {
            *dups.entry(rec[0].clone()).or_insert(0) += 1;
        } else {
            bad.insert(rec);
        }
    }
    (bad, dups)
}

fn check_dirty(format: &str, rate: &str) {
    let s = TestStore::new();
    let clean = TestStore::new();
    let dir = s.scratch("dirty");
    let cdir = clean.scratch("clean");
    let args = ["--students", "250", "--weeks", "3", "--seed", "11", "--format", format];
    let now = generate(&dir, &[&args[..], &["--dirty", rate]].concat());
    generate(&cdir, &args);
    let reps = ingest_json(&s, &now, &[&dir]);
    ok(&s.ingest_at(&now, &[&"--encoding", &"gb18030", &dir.join("gb18030")]));
    ingest_json(&clean, &now, &[&cdir]);
    let (bad, dups) = dirty_truth(&dir);
    let reasons: BTreeSet<&str> = bad.iter().map(|r| r[4].as_str()).collect();
    let expected_reasons = if format == "parquet" { 9 } else { 10 };
    assert_eq!(reasons.len(), expected_reasons, "{format}: every reason code: {reasons:?}");
    let got: BTreeSet<Vec<String>> = s
        .sql("SELECT file, line, \"row\", \"column\", reason FROM quarantine")
        .into_iter()
        .skip(1)
        .map(|mut r| {
            r[0] = basename(&r[0]);
            r
        })
        .collect();
    assert_eq!(got.len(), bad.len(), "{format}");
    assert!(got == bad, "{format}: missing {:?}; extra {:?}", bad.difference(&got).next(), got.difference(&bad).next());
    for r in &reps {
        let file = basename(r["file"].as_str().unwrap_or_default());
        assert_eq!(field(r, "duplicates"), dups.get(&file).copied().unwrap_or(0), "{file}");
    }
    assert!(!dups.is_empty());
    for kind in ALL_KINDS.iter() {
        assert_eq!(s.table(kind.name), clean.table(kind.name), "{format}: {} differs from the clean run", kind.name);
    }
}

#[test]
fn dirty_csv_quarantine_is_exactly_truth_dirty_and_stored_rows_are_the_clean_ones() {
    check_dirty("csv", "0.01");
}

#[test]
fn dirty_ndjson_and_parquet_too() {
    check_dirty("ndjson", "0.005");
    check_dirty("parquet", "0.005");
}

/// Rows of a generated CSV as maps column → value.
fn rows(dir: &Path, name: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let head: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    r.records().map(|x| head.iter().cloned().zip(x.expect("csv").iter().map(String::from)).collect()).collect()
}

/// Local date (days since epoch) and local seconds of day of a contract timestamp or date.
fn local(s: &str) -> Option<(i64, i64)> {
    if s.len() == 10 {
        let d = campus_radar::schema::time::parse_date(s)?;
        return Some((i64::from(campus_radar::schema::time::date_to_days(d)), 0));
    }
    let secs = parse_timestamp(s, SH)? / 1_000_000 + 8 * 3600;
    Some((secs.div_euclid(86_400), secs.rem_euclid(86_400)))
}

fn week_of(day: i64) -> i64 {
    (day + 3).div_euclid(7)
}

#[test]
fn planted_effects_are_visible_in_the_files() {
    let s = TestStore::new();
    let dir = s.scratch("campus");
    generate(&dir, &["--students", "1200", "--weeks", "6", "--seed", "21"]);
    let truth = rows(&dir, "truth/students.csv");
    let card = rows(&dir, "card_transactions.csv");
    distress_meals_fall(&dir, &card);
    hardship_spends_less_per_meal(&truth, &card);
    academic_failure_agrees_with_grades(&dir);
    lost_contact_spells_are_silent(&dir);
    leave_follows_the_days_away(&dir);
}

fn canteen_meals(card: &[HashMap<String, String>]) -> HashMap<String, BTreeSet<(i64, u8)>> {
    let mut meals: HashMap<String, BTreeSet<(i64, u8)>> = HashMap::new();
    for r in card.iter().filter(|r| r["kind"] == "purchase" && r["merchant_category"] == "canteen") {
        let Some((day, sec)) = local(&r["ts"]) else { continue };
        let slot = match sec {
            21_600..=35_999 => 0,
            36_000..=52_199 => 1,
            57_600..=73_799 => 2,
            _ => continue,
        };
        meals.entry(r["student_id"].clone()).or_default().insert((day, slot));
    }
    meals
}

fn distress_meals_fall(dir: &Path, card: &[HashMap<String, String>]) {
    let meals = canteen_meals(card);
    let (mut before, mut after, mut nb, mut na) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let episodes = rows(dir, "truth/distress.csv");
    assert!(episodes.len() >= 10, "{} episodes", episodes.len());
    let first = week_of(local("2025-09-08").map_or(0, |x| x.0));
    for e in &episodes {
        let onset = week_of(local(&e["onset_week"]).map_or(0, |x| x.0));
        let weekly = |w: i64| meals.get(&e["student_id"]).map_or(0, |m| m.iter().filter(|x| week_of(x.0) == w).count());
        for w in first..first + 6 {
            if w < onset {
                before += weekly(w) as f64;
                nb += 1.0;
            } else if w >= onset + 2 {
                after += weekly(w) as f64;
                na += 1.0;
            }
        }
    }
    let (b, a) = (before / nb.max(1.0), after / na.max(1.0));
    assert!(na > 0.0 && a < 0.8 * b, "weekly meals before {b:.1}, after onset {a:.1}");
}

fn hardship_spends_less_per_meal(truth: &[HashMap<String, String>], card: &[HashMap<String, String>]) {
    let hard: BTreeSet<&str> =
        truth.iter().filter(|t| t["hardship"] == "true").map(|t| t["student_id"].as_str()).collect();
    let (mut h, mut o) = ((0.0, 0.0), (0.0, 0.0));
    for r in card.iter().filter(|r| r["kind"] == "purchase" && r["merchant_category"] == "canteen") {
        let x: f64 = r["amount"].parse().unwrap_or(0.0);
        let acc = if hard.contains(r["student_id"].as_str()) { &mut h } else { &mut o };
        acc.0 += x;
        acc.1 += 1.0;
    }
    let (ph, po) = (h.0 / h.1, o.0 / o.1);
    assert!(h.1 > 100.0 && ph < 0.8 * po, "spend per canteen purchase: hardship {ph:.2}, others {po:.2}");
}

fn academic_failure_agrees_with_grades(dir: &Path) {
    let credits: HashMap<String, f64> = rows(dir, "courses.csv")
        .into_iter()
        .map(|c| (c["course_id"].clone(), c["credits"].parse().unwrap_or(0.0)))
        .collect();
    let mut failed: BTreeMap<(String, String), f64> = BTreeMap::new();
    for g in rows(dir, "grades.csv").iter().filter(|g| g["attempt"] == "1") {
        let fail = match g["status"].as_str() {
            "absent" | "cheating" => true,
            "normal" => g["score"].parse::<f64>().is_ok_and(|x| x < 60.0),
            _ => false,
        };
        let e = failed.entry((g["student_id"].clone(), g["term"].clone())).or_insert(0.0);
        if fail {
            *e += credits[&g["course_id"]];
        }
    }
    let computed: BTreeSet<(String, String)> = failed.into_iter().filter(|x| x.1 >= 6.0 - 1e-9).map(|x| x.0).collect();
    let truth: BTreeSet<(String, String)> = rows(dir, "truth/academic_failure.csv")
        .into_iter()
        .map(|r| (r["student_id"].clone(), r["term"].clone()))
        .collect();
    assert!(!truth.is_empty());
    assert_eq!(computed, truth);
}

fn lost_contact_spells_are_silent(dir: &Path) {
    let spells = rows(dir, "truth/lost_contact.csv");
    assert!(!spells.is_empty());
    let span: HashMap<String, (i64, i64)> = spells
        .iter()
        .map(|r| {
            (
                r["student_id"].clone(),
                (local(&r["first_day"]).map_or(0, |x| x.0), local(&r["last_day"]).map_or(0, |x| x.0)),
            )
        })
        .collect();
    for kind in ALL_KINDS.iter().filter(|k| k.is_event()) {
        let times: Vec<&str> = kind.columns.iter().filter(|c| c.event_time).map(|c| c.name).collect();
        for r in rows(dir, &format!("{}.csv", kind.name)) {
            let Some((a, b)) = span.get(&r["student_id"]) else { continue };
            for t in &times {
                if let Some((d, _)) = local(&r[*t]) {
                    assert!(
                        d < *a || d > *b,
                        "{} row of {} at {} in a lost-contact spell",
                        kind.name,
                        r["student_id"],
                        r[*t]
                    );
                }
            }
        }
    }
}

/// Home leave covers days with no record on campus; lost-contact students file none; the
/// calendar holds the holiday the students went home for.
fn leave_follows_the_days_away(dir: &Path) {
    let leave = rows(dir, "leave_requests.csv");
    let home: Vec<&HashMap<String, String>> = leave.iter().filter(|r| r["kind"] == "home").collect();
    assert!(home.len() > 100, "{} home leaves", home.len());
    assert!(leave.iter().any(|r| r["kind"] == "sick") && leave.iter().any(|r| r["approved"] == "false"));
    let lost: BTreeSet<String> =
        rows(dir, "truth/lost_contact.csv").into_iter().map(|r| r["student_id"].clone()).collect();
    assert!(leave.iter().all(|r| !lost.contains(&r["student_id"])), "a lost-contact student files no leave");
    // From the planned departure to the start of the return day: (local day, second).
    let mut away: HashMap<&str, Vec<((i64, i64), (i64, i64))>> = HashMap::new();
    for r in &home {
        let (a, b) = (local(&r["start_ts"]).unwrap_or_default(), local(&r["end_ts"]).unwrap_or_default());
        away.entry(r["student_id"].as_str()).or_default().push((a, (b.0, 0)));
        if let Some((back, _)) = local(&r["returned_at"]) {
            assert_eq!(back, b.0, "reported back on the return day: {r:?}");
        }
    }
    for kind in ["card_transactions.csv", "access_events.csv"] {
        for r in rows(dir, kind) {
            let Some(spans) = away.get(r["student_id"].as_str()) else { continue };
            let Some(t) = local(&r["ts"]) else { continue };
            assert!(spans.iter().all(|(a, b)| t < *a || t >= *b), "{kind} row while away on leave: {r:?}");
        }
    }
    let cal = rows(dir, "calendar.csv");
    let has = |a: &str, b: &str, kind: &str| {
        cal.iter().any(|r| r["start_date"] == a && r["end_date"] == b && r["kind"] == kind)
    };
    assert!(has("2025-10-01", "2025-10-07", "holiday"), "{cal:?}");
    assert!(has("2025-09-01", "2026-01-04", "term") && has("2025-12-22", "2026-01-04", "exam"), "{cal:?}");
}

/// sha256 of what `radar generate --students 300 --weeks 6 --seed 5 --dirty 0.01` wrote
/// for the kinds that existed before `calendar` and `leave_requests` (the binary of commit
/// 84c109b): adding those two kinds must change none of them (their own streams). The one
/// deliberate change since: `coursework.csv` and `truth/dirty.csv` gained exact duplicates
/// of coursework rows once every state kind could carry them (identical rows of a state
/// kind are duplicates too).
const BEFORE_CALENDAR_AND_LEAVE: [(&str, &str); 24] = [
    ("access_events.csv", "28a792ca5307cd5c0840590d8738d67a79a8a017fd6c98caf99300224c87fcfd"),
    ("activities.csv", "41620aa5b304be169c16765634d0473187568eb709666a7d23d98bb4fdba9bd3"),
    ("assessments.csv", "990ae451f9349002a246eabe003f202cd75b0466c7695dc3c7eb571ebff030b1"),
    ("attendance.csv", "252076b6ade66e1140c4bde4f74be05c21eeb311fbcf0aa9209842ee93c13d9b"),
    ("awards.csv", "8dbcf0d67267827a712340d53b0f3506bc8208a3b57a674c4c193b6fff1be2d6"),
    ("card_transactions.csv", "e0ebc8a6a03602a241036ee02fe78329219edf7f2753c6f160c99f22f0e62646"),
    ("courses.csv", "13c4f0c08c717df044320f5e87a0acc9c39e9e09996f5e26bff62d9ad079c379"),
    ("coursework.csv", "7af13ce5d395e2c1565f0815d919492770fa4fac961be879110369522e12c4e3"),
    ("grades.csv", "556fe780dc31ba07405058f09065cefb0226945bda22eaaf7953f419f0c009e6"),
    ("learning_events.csv", "fb5b6986e2d96bedc7538a133ca3bcb12e102b2d14be0e97b62890217de636fd"),
    ("library_loans.csv", "26122e15febcea79654c07f4f625b40424c656be784e1f70d22e2ba604aeb399"),
    ("network_sessions.csv", "34275198e01663a0a05ef9f80c3a0e3fba0bcc60f9d3ed6b1b85d6c439d45d92"),
    ("participation.csv", "7e75e7c957947b85fa09667d9b1b90d8a13d9c4168ae314f3b2fac9f9168fcfa"),
    ("process_records.csv", "e45d0c5637e6c49867cbd232d44c2ad9f5e1ea43b465dbd833ac89fd53380072"),
    ("staff.csv", "a3f9fd09d725bf1d318f620381a300114ba2378d57ba52a302705fc97711feea"),
    ("students.csv", "d40d834227468d053596f898515afc81a9132c0b64447773f2bce5a5d40ce9d8"),
    ("gb18030/activities.csv", "ed6bd268fcd33519f6ee6adde77fdb436ed9b8c2b12c5a4b08cd0634c333b538"),
    ("gb18030/courses.csv", "f97ccd4e96bdda68521121af74cab6f4f3504d3508e2ba0f8f673c2d8a5da860"),
    ("gb18030/staff.csv", "76a787c8a2042f1e48237f55d6680bdb0211694e2014d83520993014a97335c7"),
    ("gb18030/students.csv", "438367d960eac933ec1535f9ba9f7df333a00debefadb5e61682a7a1c461827c"),
    ("truth/academic_failure.csv", "570ae510bfeefcd8bb37f143d0d32a5cc9f21b183201e263f47dc38e5c950115"),
    ("truth/distress.csv", "5551795650a44d8552f8fcd819b1033ca0d2bbdee27891b423137103579be605"),
    ("truth/lost_contact.csv", "4a201e8e9b0f2f0ef3c18a6859313271951682e5e40b77e431e12cd9cd96d1e0"),
    ("truth/students.csv", "501e614516bae13528b7187377a4defd0c9cf920c8ef7fb89d5cabde638a8980"),
];
/// sha256 of that run's truth/dirty.csv: the new kinds' lines left out, it is unchanged.
const BEFORE_DIRTY: &str = "1bf614438c5b053e193e4da1f27160e8d40da6f9022985b47333fae41b8c6f86";

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_older_kinds_are_byte_identical_to_before_calendar_and_leave() {
    let s = TestStore::new();
    let dir = s.scratch("campus");
    generate(&dir, &["--students", "300", "--weeks", "6", "--seed", "5", "--dirty", "0.01"]);
    for (name, want) in BEFORE_CALENDAR_AND_LEAVE {
        assert_eq!(sha256(&std::fs::read(dir.join(name)).expect("read")), want, "{name} changed");
    }
    let dirty = std::fs::read_to_string(dir.join("truth/dirty.csv")).expect("dirty.csv");
    let old: String = dirty
        .lines()
        .filter(|l| !l.starts_with("calendar.") && !l.starts_with("leave_requests."))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(old, dirty, "the new kinds get bad rows too");
    assert_eq!(sha256(old.as_bytes()), BEFORE_DIRTY);
    // The new kinds are there: a National Day in the window sends students home on leave.
    assert!(csv_rows(&dir.join("calendar.csv")) >= 5);
    assert!(csv_rows(&dir.join("leave_requests.csv")) > 50);
}
