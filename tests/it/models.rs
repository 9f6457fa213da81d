//! Risk models end to end: no leakage past the cut-off, protected attributes refused,
//! training with a cohort backtest, calibration, the registry round trip, scoring into
//! `risk_scores` and the model-driven warning.

use std::path::Path;
use std::process::Output;

use chrono::{NaiveDateTime, TimeZone};

use crate::util::*;

fn radar(s: &TestStore, now: &str, args: &[&str]) -> Output {
    s.cmd(now).args(args).output().expect("run radar")
}

fn rows(out: &Output) -> Vec<Vec<String>> {
    ok(out);
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(out.stdout.as_slice());
    r.records().map(|rec| rec.expect("csv").iter().map(String::from).collect()).collect()
}

/// UTC seconds of a contract timestamp or date (campus zone +08:00); `None` if unparsable.
fn instant(v: &str) -> Option<i64> {
    let tz = chrono::FixedOffset::east_opt(8 * 3600)?;
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Some(t.timestamp());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S") {
        return tz.from_local_datetime(&t).single().map(|t| t.timestamp());
    }
    let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single().map(|t| t.timestamp())
}

/// Copies a generated campus as it stood at `cut`: events from then on are dropped, a
/// hand-in or return from then on is not there yet, grades recorded from then on are not.
fn as_it_stood(from: &Path, to: &Path, cut: i64) {
    std::fs::create_dir_all(to).expect("mkdir");
    let drop_if: &[(&str, &str)] = &[
        ("card_transactions", "ts"),
        ("access_events", "ts"),
        ("network_sessions", "start_ts"),
        ("attendance", "session_ts"),
        ("learning_events", "ts"),
        ("library_loans", "borrowed_at"),
        ("assessments", "ts"),
        ("awards", "ts"),
        ("process_records", "ts"),
        ("grades", "recorded_at"),
    ];
    let blank_if: &[(&str, &str, &[&str])] = &[
        ("coursework", "submitted_at", &["submitted_at", "score"]),
        ("library_loans", "returned_at", &["returned_at"]),
    ];
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
        let Some(kind) = name.strip_suffix(".csv") else { continue };
        let mut r = csv::ReaderBuilder::new().flexible(true).from_path(&p).expect("open csv");
        let header = r.headers().expect("header").clone();
        let col = |c: &str| header.iter().position(|h| h == c);
        let mut w = csv::Writer::from_path(to.join(&name)).expect("write csv");
        w.write_record(&header).expect("write");
        for rec in r.records() {
            let Ok(rec) = rec else { continue };
            let mut fields: Vec<String> = rec.iter().map(String::from).collect();
            let late = |c: Option<usize>, f: &[String]| {
                c.and_then(|c| f.get(c)).and_then(|v| instant(v)).is_some_and(|t| t >= cut)
            };
            if drop_if.iter().any(|(k, c)| *k == kind && late(col(c), &fields)) {
                continue;
            }
            for (k, c, blank) in blank_if {
                if *k == kind && late(col(c), &fields) {
                    for b in *blank {
                        if let Some(i) = col(b) {
                            fields[i].clear();
                        }
                    }
                }
            }
            w.write_record(&fields).expect("write");
        }
        w.flush().expect("flush");
    }
}

#[test]
fn features_see_nothing_after_the_cutoff() {
    let full = TestStore::new();
    let data = full.scratch("campus");
    let now = generate_campus(&data, "300", "14", "5");
    let cut = "2025-11-03"; // week 9 of the autumn term
    let cut_ts = instant(cut).expect("date");
    ok(&full.ingest_at(&now, &[&data]));
    ok(&radar(&full, &now, &["-q", "refresh", "--no-warnings"]));

    let then = TestStore::new();
    let early = then.scratch("campus-then");
    as_it_stood(&data, &early, cut_ts);
    ok(&then.ingest_at(&now, &[&early]));
    ok(&radar(&then, &now, &["-q", "refresh", "--no-warnings", "--as-of", cut]));

    // The full store really holds later records of every kind the features read.
    for (t, c) in [("learning_events", "ts"), ("attendance", "session_ts"), ("card_transactions", "ts")] {
        let q = format!("SELECT COUNT(*) FROM {t} WHERE {c} >= TIMESTAMP '2025-11-03T00:00:00+08:00'");
        assert!(full.count(&q) > 1000, "{t}");
        assert_eq!(then.count(&q), 0, "{t}");
    }
    assert!(
        full.count("SELECT COUNT(*) FROM coursework WHERE submitted_at >= TIMESTAMP '2025-11-03T00:00:00+08:00'") > 0
    );

    let a = rows(&radar(&full, &now, &["models", "features", "--as-of", cut, "--format", "csv"]));
    let b = rows(&radar(&then, &now, &["models", "features", "--as-of", cut, "--format", "csv"]));
    assert!(a.len() > 250, "{}", a.len());
    let filled = |name: &str| {
        let i = a[0].iter().position(|h| h == name).expect(name);
        a[1..].iter().filter(|r| !r[i].is_empty()).count()
    };
    for f in ["lms_clicks_28d", "coursework_missing_share", "attendance_rate_term", "prior_gpa", "meals_per_week"] {
        assert!(filled(f) > 200, "{f} is mostly empty");
    }
    assert_eq!(a[0], b[0]);
    // Equal values; means over several weeks may differ in the last bits of the sum.
    let same = |x: &str, y: &str| match (x.parse::<f64>(), y.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => x == y,
    };
    for (ra, rb) in a.iter().zip(&b) {
        assert!(ra.iter().zip(rb).all(|(x, y)| same(x, y)), "a feature saw records after the cut-off:\n{ra:?}\n{rb:?}");
    }
    assert_eq!(a.len(), b.len());

    // A later cut-off does see them: the comparison above can fail.
    let later = rows(&radar(&full, &now, &["models", "features", "--as-of", "2025-11-17", "--format", "csv"]));
    assert_ne!(a, later);
}

#[test]
fn protected_attributes_are_never_model_inputs() {
    let s = TestStore::new();
    let data = s.scratch("campus");
    let now = generate_campus(&data, "120", "4", "2");
    ok(&s.ingest_at(&now, &[&data]));
    for f in ["gender", "financial_aid_level", "political_status", "hometown_province"] {
        let out =
            radar(&s, &now, &["train", "--name", "x", "--week", "4", "--features", &format!("lms_clicks_28d,{f}")]);
        assert_eq!(out.status.code(), Some(2), "{f}");
        let err = stderr(&out);
        assert!(err.contains(f) && err.contains("never a model input"), "{err}");
    }
    let out = radar(&s, &now, &["models", "features", "--as-of", &now[..10], "--format", "csv"]);
    let header = &rows(&out)[0];
    for f in ["gender", "financial_aid_level", "political_status", "hometown_province", "college"] {
        assert!(!header.iter().any(|h| h.contains(f)), "{f} in {header:?}");
    }
}

#[test]
fn train_score_registry_and_model_warnings() {
    let s = TestStore::new();
    let data = s.scratch("campus");
    let models = s.scratch("models");
    // 20 weeks: the autumn term's grades are in, so there are outcomes to learn.
    let now = generate_campus(&data, "500", "20", "9");
    ok(&s.ingest_at(&now, &[&data]));
    ok(&radar(&s, &now, &["-q", "refresh", "--no-warnings"]));
    let m = models.to_str().expect("utf-8");

    // Forests' averaged leaf shares are compressed towards the base rate: calibration helps.
    let train = |extra: &[&str]| {
        let mut a = vec!["train", "--name", "risk", "--week", "8", "--target", "any-fail", "--models", m];
        a.extend_from_slice(&["--format", "csv"]);
        a.extend_from_slice(extra);
        radar(&s, &now, &a)
    };
    let out = train(&["--family", "forest"]);
    let table = rows(&out);
    assert!(table.iter().any(|r| r[0].contains("calibration")), "{table:?}");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(models.join("risk/v1.json")).expect("model file")).expect("json");
    assert!(file["split"].as_str().expect("split").starts_with("cohort"), "one term of outcomes: cohort backtest");
    let (raw, cal) = (file["raw_brier"].as_f64().expect("raw"), file["metrics"]["brier"].as_f64().expect("brier"));
    // Calibration is fitted on out-of-fold training scores only; on a 136-student test
    // cohort it must not cost more than noise (the unit tests show it lowering Brier).
    assert!(cal <= raw * 1.02, "calibration made the held-out Brier worse: {raw} -> {cal}");
    assert!(file["metrics"]["auc"].as_f64().expect("auc") > 0.7, "{}", file["metrics"]);
    assert!(!file["reliability"].as_array().expect("bins").is_empty());
    let fair = file["fairness"].as_array().expect("fairness");
    assert!(fair.iter().any(|r| r["attribute"] == "gender") && fair.iter().any(|r| r["attribute"] == "college"));

    // The default candidates include both families; the chosen one is marked.
    let out = train(&["--nightly"]);
    ok(&out);
    let v2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(models.join("risk/v2.json")).expect("v2")).expect("json");
    let fams: std::collections::BTreeSet<&str> =
        v2["candidates"].as_array().expect("c").iter().filter_map(|c| c["params"]["family"].as_str()).collect();
    assert_eq!(fams.len(), 2, "{fams:?}");
    assert_eq!(v2["candidates"].as_array().expect("c").iter().filter(|c| c["chosen"] == true).count(), 1);

    let list = rows(&radar(&s, &now, &["models", "list", "--models", m, "--format", "csv"]));
    assert_eq!(list.iter().filter(|r| r[0] == "risk").count(), 2, "{list:?}");
    assert!(list.iter().any(|r| r[0] == "oulad-bbb"), "the shipped model is listed: {list:?}");
    assert!(list.iter().any(|r| r[1] == "v2" && r[2].contains("active") && r[2].contains("nightly")), "{list:?}");
    let card = radar(&s, &now, &["models", "show", "risk", "--models", m]);
    ok(&card);
    let card = String::from_utf8_lossy(&card.stdout);
    for part in ["backtest", "reliability", "fairness", "features"] {
        assert!(card.contains(part), "{card}");
    }

    // Saved and loaded, the model scores identically, run after run; v1 differs.
    let score = |spec: &str| {
        rows(&radar(&s, &now, &["score", "--model", spec, "--models", m, "--no-write", "--format", "csv"]))
    };
    let first = score("risk");
    assert_eq!(first[0], vec!["student_id", "score"]);
    assert!(first.len() > 450);
    assert_eq!(first, score("risk@v2"));
    assert_ne!(first, score("risk@v1"));
    for r in &first[1..] {
        let p: f64 = r[1].parse().expect("score");
        assert!((0.0..=1.0).contains(&p));
    }

    // The nightly refresh scores with the nightly model, and the risk rule raises
    // explained academic warnings from it.
    let rules = s.scratch("risk.toml");
    std::fs::write(
        &rules,
        "version = \"t\"\n[[rule]]\nid = \"academic.predicted_failure\"\ncategory = \"academic\"\ntype = \"risk\"\n\
         sources = [\"risk_scores\"]\nlevels = { yellow = 0.3, orange = 0.6, red = 0.8 }\n\
         reason_zh = \"预测风险{score}：{reasons_zh}\"\nreason_en = \"Predicted risk {score}: {reasons}\"\n",
    )
    .expect("rules");
    let rules = rules.to_str().expect("utf-8");
    let nightly = ["refresh", "--as-of", "2025-11-10", "--models", m, "--rules", rules];
    let out = radar(&s, &now, &nightly);
    ok(&out);
    assert!(stderr(&out).contains("risk:"), "{}", stderr(&out));
    let n = s.count("SELECT COUNT(*) FROM risk_scores WHERE model = 'risk'");
    assert!(n > 450, "{n}");
    ok(&radar(&s, &now, &nightly));
    assert_eq!(s.count("SELECT COUNT(*) FROM risk_scores WHERE model = 'risk'"), n, "re-running replaces, never adds");
    let w = rows(&radar(&s, &now, &["warnings", "--category", "academic", "--status", "all", "--format", "csv"]));
    let rule = w[0].iter().position(|h| h == "rule").expect("rule");
    let reason = w[0].iter().position(|h| h == "reason_en").expect("reason");
    let predicted: Vec<&Vec<String>> = w[1..].iter().filter(|r| r[rule] == "academic.predicted_failure").collect();
    assert!(!predicted.is_empty(), "no model-driven warning");
    assert!(
        predicted.iter().all(|r| r[reason].contains("Predicted risk") && r[reason].contains("raises the risk")),
        "{predicted:?}"
    );
}

/// The shipped `oulad-bbb` model scores an imported, ingested OULAD presentation from any
/// directory (it is built in), one row per student with `student_id, score`, and ranks the
/// students who went on to fail or withdraw above those who passed.
#[test]
fn oulad_bbb_scores_an_imported_presentation() {
    let s = TestStore::new();
    let out = s.scratch("oulad");
    let now = "2016-01-01T00:00:00+08:00";
    ok(&radar(
        &s,
        now,
        &["-q", "import", "oulad", sample("oulad").to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")],
    ));
    ok(&s.ingest_at(now, &[&out]));
    let empty = s.scratch("no-models");
    let cut = "2013-03-29"; // BBB 2013B, day 56
    let rows = rows(&radar(
        &s,
        now,
        &[
            "score",
            "--model",
            "oulad-bbb",
            "--as-of",
            cut,
            "--models",
            empty.to_str().expect("utf-8"),
            "--format",
            "csv",
        ],
    ));
    assert_eq!(rows[0], vec!["student_id", "score"]);
    let scores: std::collections::HashMap<String, f64> =
        rows[1..].iter().map(|r| (r[0].clone(), r[1].parse().expect("score"))).collect();
    // Outcomes of BBB 2013B: a failed or absent (withdrawn) first attempt.
    let outcome = s.sql(
        "SELECT student_id, MAX(CASE WHEN status = 'absent' OR score < 60 THEN 1 ELSE 0 END) AS bad, \
         MIN(recorded_at) AS rec FROM grades WHERE term = '2012-2013-2' GROUP BY student_id",
    );
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for r in &outcome[1..] {
        if r[2].as_str() < cut {
            continue; // withdrew before the cut-off: not predicted
        }
        let score = *scores.get(&r[0]).expect("every BBB student still registered is scored");
        if r[1] == "1" {
            pos.push(score)
        } else {
            neg.push(score)
        }
    }
    assert!(pos.len() > 200 && neg.len() > 500, "{} {}", pos.len(), neg.len());
    let wins: f64 = pos
        .iter()
        .map(|p| {
            neg.iter()
                .map(|n| {
                    if p > n {
                        1.0
                    } else if p == n {
                        0.5
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
        })
        .sum();
    let auc = wins / (pos.len() * neg.len()) as f64;
    assert!(auc > 0.75, "in-sample AUC {auc}");
}
