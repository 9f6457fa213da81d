//! `radar typology`, `radar hardship` and `radar evaluate hardship` on a generated campus:
//! JSON shapes, the result tables in the store, and the hardship score against planted truth.

use std::process::Output;

use crate::util::*;

fn radar(s: &TestStore, now: &str, args: &[&str]) -> Output {
    s.cmd(now).args(args).output().expect("run radar")
}

fn json(out: &Output) -> serde_json::Value {
    ok(out);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), stderr(out)))
}

#[test]
fn typology_and_hidden_hardship_on_a_generated_campus() {
    let s = TestStore::new();
    let data = s.scratch("campus");
    let now = generate_campus(&data, "300", "10", "5");
    ok(&s.ingest_at(&now, &[&data]));
    let as_of = &now[..10];
    ok(&radar(&s, &now, &["refresh", "--as-of", as_of, "--no-warnings"]));

    // Typology: clusters chosen by silhouette, described in both languages.
    let t = json(&radar(&s, &now, &["typology", "--format", "json"]));
    assert_eq!(t["as_of"], as_of);
    let k = t["k"].as_u64().expect("k") as usize;
    assert!((2..=8).contains(&k), "{t}");
    assert_eq!(t["chosen_by"], "silhouette");
    let crit = t["criterion"].as_array().expect("criterion");
    assert_eq!(crit.len(), 7);
    for c in crit {
        assert!(c["silhouette"].as_f64().is_some() && c["inertia"].as_f64().is_some(), "{c}");
    }
    let clusters = t["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), k);
    let sizes: u64 = clusters.iter().map(|c| c["size"].as_u64().unwrap()).sum();
    assert!(sizes >= 250, "most of 300 students clustered: {sizes}");
    for c in clusters {
        for key in ["label_en", "label_zh", "description_en", "description_zh"] {
            assert!(!c[key].as_str().unwrap_or_default().is_empty(), "{key} in {c}");
        }
        let centroid = c["centroid"].as_array().expect("centroid");
        assert!(centroid.iter().all(|v| v["raw"].is_number() && v["z"].is_number() && v["feature"].is_string()));
    }
    assert!(t.get("students").is_none(), "per-student rows only with --students");
    let features: Vec<&str> = t["features"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for p in ["gender", "hometown_province", "political_status", "financial_aid_level"] {
        assert!(!features.iter().any(|f| f.contains(p)));
    }
    // Deterministic, and readable with SQL.
    let again = json(&radar(&s, &now, &["typology", "--format", "json", "--students"]));
    assert_eq!(again["clusters"], t["clusters"]);
    assert_eq!(again["students"].as_array().unwrap().len() as u64, sizes);
    assert_eq!(s.count("SELECT COUNT(*) FROM student_typology"), sizes as i64);
    assert_eq!(s.count("SELECT COUNT(DISTINCT cluster) FROM student_typology"), k as i64);

    // Hardship: a candidate list with evidence, never a decision.
    let h = json(&radar(&s, &now, &["hardship", "--top", "10", "--format", "json"]));
    assert!(h["note_en"].as_str().unwrap().contains("not a decision"));
    let cands = h["candidates"].as_array().expect("candidates");
    assert_eq!(cands.len(), 10);
    assert_eq!(cands[0]["rank"], 1);
    assert!(cands[0]["score"].as_f64().unwrap() >= cands[9]["score"].as_f64().unwrap());
    assert!(cands.iter().all(|c| c.get("name").is_none() && c["evidence_en"].is_string()));
    assert_eq!(s.count("SELECT COUNT(*) FROM hardship_scores WHERE candidate"), 10);

    // Evaluation against planted truth, the score beside the NJUST-style rule.
    let e = json(&radar(&s, &now, &["evaluate", "hardship", "--truth", data.to_str().unwrap(), "--format", "json"]));
    let rows = e.as_array().expect("metric rows");
    let get = |method: &str, metric: &str| {
        rows.iter()
            .find(|r| r["method"] == method && r["metric"] == metric)
            .unwrap_or_else(|| panic!("no {method} {metric} in {e}"))
    };
    for r in rows {
        for key in ["method", "metric", "value", "n", "target"] {
            assert!(r.get(key).is_some(), "{key} in {r}");
        }
    }
    let auc = get("score", "auc")["value"].as_f64().expect("auc");
    assert!(auc > 0.8, "hardship AUC {auc}: {e}");
    for m in ["auc", "tpr", "fpr", "precision"] {
        assert!(get("njust_rule", m).get("value").is_some());
    }
    assert!(get("score", "precision_at_k_positives")["value"].is_number());
    assert!(get("score", "recall_at_top_5pct")["value"].is_number());
}
