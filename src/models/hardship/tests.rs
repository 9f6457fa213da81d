use super::*;

/// 40 students of one cohort, 4 weeks; student 7 spends half as much per meal.
fn window() -> Window {
    let n = 40;
    let weeks = vec![0, 7, 14, 21];
    let mut w = Window {
        as_of: 28,
        weeks,
        ids: (0..n).map(|i| format!("S{i:02}")).collect(),
        group: vec![0; n],
        groups: 1,
        has_rows: vec![true; n],
        ..Window::default()
    };
    let mut put = |f: &str, v: &dyn Fn(usize) -> f64| {
        w.values.insert(f.to_string(), (0..n).map(|s| vec![Some(v(s)); 4]).collect());
    };
    let meals = |s: usize| if s == 3 { 2.0 } else { 15.0 + (s % 4) as f64 };
    let per_meal = |s: usize| match s {
        7 => 6.5,
        3 => 3.0, // very low, but too few meals to tell
        _ => 12.0 + (s % 5) as f64 * 0.5,
    };
    put("meals", &meals);
    put("canteen_purchases", &|s| meals(s) + 1.0);
    put("canteen_spend", &|s| meals(s) * per_meal(s));
    put("total_spend", &|s| meals(s) * per_meal(s) + if s == 7 { 30.0 } else { 90.0 + s as f64 });
    w
}

#[test]
fn a_planted_low_spender_ranks_first() {
    let w = window();
    let h = score(&w, &HardshipOptions { top: Some(3), ..HardshipOptions::default() });
    assert_eq!(h.scored[0].student_id, "S07", "{:?}", h.scored.iter().take(3).collect::<Vec<_>>());
    assert_eq!(h.scored[0].rank, 1);
    assert!(h.scored[0].candidate && h.scored[2].candidate && !h.scored[3].candidate);
    assert!(h.scored[0].score > h.scored[1].score + 1.0);
    // Too few meals: no score, whatever the spend.
    assert!(h.scored.iter().all(|x| x.student_id != "S03"));
    assert_eq!((h.unscored, h.students, h.candidates), (1, 40, 3));
    assert!(h.scored[0].evidence_en.contains("yuan per meal") && h.scored[0].evidence_zh.contains("每餐"));
    assert!(h.note_en.contains("not a decision"));
    let sum: f64 = WEIGHTS.iter().map(|(_, w)| w).sum();
    assert!((sum - 1.0).abs() < 1e-12);
}

#[test]
fn default_list_is_the_top_five_percent() {
    let h = score(&window(), &HardshipOptions::default());
    assert_eq!(h.candidates, 2); // ceil(39 × 0.05)
}

#[test]
fn the_rule_flags_regular_eaters_with_the_lowest_spend() {
    let w = window();
    let flags = njust_rule(&w, &NjustRule::default());
    assert!(flags[7]);
    assert!(!flags[3], "too few meals");
    assert_eq!(flags.iter().filter(|f| **f).count(), 1);
}

#[test]
fn evaluation_puts_score_and_rule_side_by_side() {
    let w = window();
    let h = score(&w, &HardshipOptions::default());
    let truth: HashMap<String, bool> = w.ids.iter().map(|s| (s.clone(), s == "S07" || s == "S03")).collect();
    let rule = njust_rule(&w, &NjustRule::default());
    let m = evaluate(&w, &h, &rule, &truth);
    let get = |method: &str, metric: &str| {
        m.iter().find(|x| x.method == method && x.metric == metric).and_then(|x| x.value).unwrap()
    };
    assert_eq!(get("score", "auc"), 1.0);
    assert_eq!(get("njust_rule", "tpr"), 0.5);
    assert_eq!(get("njust_rule", "fpr"), 0.0);
    assert_eq!(get("score", "recall_at_k_positives"), 0.5);
    assert!(get("score", "auc_all") < 1.0);
}

#[test]
fn sources_are_not_protected() {
    for s in SOURCES {
        assert!(!crate::models::analysis::PROTECTED.contains(&s));
    }
}
