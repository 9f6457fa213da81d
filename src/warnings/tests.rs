//! Rule fixtures on hand-built inputs: for each category a case that must fire and a near
//! miss that must not; the missing-source rule; dedup, cooldown, capacity; the lifecycle.

use std::collections::{BTreeSet, HashMap};

use super::detect::{detect, signals, Candidate};
use super::inputs::{Inputs, Student, Traces, TRACE_SOURCES};
use super::rules::{parse, RuleSet, BUILTIN};

pub(super) const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
pub(super) const HOUR: i64 = 3_600_000_000;
/// 2025-11-17, a Monday.
const AS_OF: i32 = 20_409;
const WEEKS: usize = 11;

pub(super) fn rules() -> RuleSet {
    parse(BUILTIN, "built-in").expect("built-in rules")
}

/// `n` ordinary students in one group, every source present, steady weeks.
pub(super) fn campus(n: usize) -> Inputs {
    let clock = crate::features::clock::LocalClock::new(TZ);
    let as_of_ts = clock.midnight(AS_OF);
    let mut inp = Inputs { as_of: AS_OF, as_of_ts, tz: Some(TZ), groups: 1, ..Inputs::default() };
    let last = crate::features::clock::monday_of(AS_OF) - 7;
    inp.weeks = (0..WEEKS as i32).map(|i| last - 7 * (WEEKS as i32 - 1 - i)).collect();
    inp.complete = WEEKS;
    for i in 0..n {
        inp.students.push(Student {
            id: format!("S{i:03}"),
            counsellor: format!("C{}", i % 2),
            college: "CS".into(),
            group: 0,
            resident: true,
        });
    }
    let steady = |base: f64, wobble: f64| -> Vec<Vec<Option<f64>>> {
        (0..n)
            .map(|s| (0..WEEKS).map(|w| Some(base + wobble * (((s * 7 + w * 3) % 5) as f64 - 2.0) / 2.0)).collect())
            .collect()
    };
    for (f, base, wob) in [
        ("meals", 15.0, 1.0),
        ("breakfast_days", 4.0, 1.0),
        ("late_returns", 0.0, 0.0),
        ("night_online_hours", 1.0, 0.5),
        ("library_visits", 3.0, 1.0),
        ("orderliness", 0.6, 0.02),
        ("attendance_rate", 0.95, 0.03),
        ("lms_clicks", 60.0, 8.0),
        ("canteen_spend", 180.0, 10.0),
    ] {
        inp.weekly.insert(f.into(), steady(base, wob));
    }
    inp.kinds_present = TRACE_SOURCES.iter().map(|(k, _, _)| k.to_string()).chain(["grades".to_string()]).collect();
    // Traces: every day at 08:00, 12:00 and 21:00 local for 63 days, every source.
    let mut hours = Vec::new();
    for d in 0..63 {
        let day = AS_OF - 63 + d;
        for h in [8, 12, 21] {
            hours.push(clock.instant(day, h * HOUR) / HOUR);
        }
    }
    inp.traces =
        (0..n).map(|_| Traces { hours: hours.clone(), days: [(1u64 << 63) - 1; TRACE_SOURCES.len()] }).collect();
    inp.screenings = vec![Vec::new(); n];
    inp.dorm = vec![Vec::new(); n];
    inp.participation = vec![true; n];
    for key in [("student_term", "failed_credits"), ("student_term", "attempted_credits")] {
        inp.terms.insert((key.0.into(), key.1.into()), vec![Vec::new(); n]);
    }
    for f in ["mean_score", "items_due", "missing_rate"] {
        inp.terms.insert(("student_term_coursework".into(), f.into()), vec![Vec::new(); n]);
    }
    inp
}

pub(super) fn set_recent(inp: &mut Inputs, feature: &str, s: usize, recent: &[f64]) {
    let v = &mut inp.weekly.get_mut(feature).expect("feature")[s];
    let k = v.len() - recent.len();
    for (i, x) in recent.iter().enumerate() {
        v[k + i] = Some(*x);
    }
}

pub(super) fn fired<'a>(c: &'a [Candidate], s: usize, rule: &str) -> Option<&'a Candidate> {
    c.iter().find(|x| x.student == s && x.rule == rule)
}

fn rules_of(c: &[Candidate], s: usize) -> BTreeSet<String> {
    c.iter().filter(|x| x.student == s).map(|x| x.rule.clone()).collect()
}

#[test]
fn a_quiet_campus_raises_nothing() {
    let inp = campus(20);
    let c = detect(&rules(), &inp);
    assert!(c.is_empty(), "{:?}", c.iter().map(|x| (&x.rule, x.student)).collect::<Vec<_>>());
}

#[test]
fn wellbeing_fewer_meals_fires_and_a_small_dip_does_not() {
    let mut inp = campus(20);
    set_recent(&mut inp, "meals", 0, &[10.0, 7.0, 5.0]);
    set_recent(&mut inp, "meals", 1, &[14.0, 13.0, 14.0]);
    let c = signals(&rules(), &inp);
    let hit = fired(&c, 0, "wellbeing.fewer_meals").expect("meals collapse fires");
    assert_eq!(hit.category, "wellbeing");
    let e = &hit.evidence;
    for k in ["feature", "value", "baseline", "cohort_pct", "trend", "sources_used", "sources_missing"] {
        assert!(e.get(k).is_some(), "evidence lacks {k}: {e}");
    }
    assert_eq!(e["feature"], "meals");
    assert_eq!(e["value"], 5.0);
    assert!(e["baseline"].as_f64().is_some_and(|b| (b - 15.0).abs() < 1.0), "{e}");
    assert_eq!(e["sources_used"], serde_json::json!(["card_transactions"]));
    assert!(e["trend"]["theil_sen_slope"].as_f64().is_some_and(|s| s < 0.0), "{e}");
    assert!(hit.reason_zh.contains("15") && hit.reason_en.contains("meals"), "{} / {}", hit.reason_zh, hit.reason_en);
    assert!(fired(&c, 1, "wellbeing.fewer_meals").is_none(), "a one-meal dip is not a signal");
    // One signal alone is not raised: fewer meals is common (exam weeks, a cold).
    assert!(detect(&rules(), &inp).iter().all(|x| x.student != 0));
}

#[test]
fn an_old_night_owl_is_not_flagged_but_a_new_one_is() {
    let mut inp = campus(20);
    let m = inp.weekly.get_mut("late_returns").expect("late");
    m[0] = vec![Some(5.0); WEEKS]; // always out late
    set_recent(&mut inp, "late_returns", 1, &[3.0, 5.0, 6.0]); // became one
    let c = signals(&rules(), &inp);
    assert!(fired(&c, 0, "wellbeing.later_nights").is_none());
    let hit = fired(&c, 1, "wellbeing.later_nights").expect("new night owl");
    assert!(hit.evidence["cohort_pct"].as_f64().is_some_and(|p| p >= 0.9), "{}", hit.evidence);
}

#[test]
fn a_holiday_week_that_moves_everybody_flags_nobody() {
    let mut inp = campus(20);
    for s in 0..20 {
        set_recent(&mut inp, "meals", s, &[6.0, 5.0, 6.0]);
    }
    let c = detect(&rules(), &inp);
    assert!(c.iter().all(|x| x.rule != "wellbeing.fewer_meals"));
}

#[test]
fn a_missing_source_never_fires_and_is_listed() {
    let mut inp = campus(20);
    let net = TRACE_SOURCES.iter().position(|(k, _, _)| *k == "network_sessions").expect("net");
    // Student 0 uses mobile data: no Wi-Fi sessions at all, so night-online hours read 0
    // even though they are now up at night; student 1 has Wi-Fi and the same change.
    inp.traces[0].days[net] = 0;
    set_recent(&mut inp, "night_online_hours", 0, &[5.0, 6.0, 7.0]);
    set_recent(&mut inp, "night_online_hours", 1, &[5.0, 6.0, 7.0]);
    set_recent(&mut inp, "meals", 0, &[9.0, 6.0, 4.0]);
    let c = signals(&rules(), &inp);
    assert!(!rules_of(&c, 0).contains("wellbeing.night_online"), "{:?}", rules_of(&c, 0));
    assert!(fired(&c, 1, "wellbeing.night_online").is_some());
    let meals = fired(&c, 0, "wellbeing.fewer_meals").expect("meals");
    assert!(meals.evidence["sources_missing"].as_array().is_some_and(|a| a.iter().any(|v| v == "network_sessions")));
}

#[test]
fn several_changes_fold_into_one_warning() {
    let mut inp = campus(20);
    set_recent(&mut inp, "meals", 2, &[10.0, 7.0, 5.0]);
    set_recent(&mut inp, "breakfast_days", 2, &[2.0, 1.0, 0.0]);
    set_recent(&mut inp, "library_visits", 2, &[0.0, 0.0, 0.0]);
    let c = detect(&rules(), &inp);
    let r = rules_of(&c, 2);
    assert!(r.contains("wellbeing.several_changes"), "{r:?}");
    assert!(!r.contains("wellbeing.fewer_meals"), "signals are folded in: {r:?}");
    let hit = fired(&c, 2, "wellbeing.several_changes").expect("composite");
    assert_eq!(hit.level, "orange");
    assert_eq!(hit.evidence["value"], 3.0);
}

#[test]
fn screening_fires_above_the_line_only() {
    let mut inp = campus(20);
    let t = inp.as_of_ts - 5 * 24 * HOUR;
    inp.screenings[0].push((t, "psych_screening".into(), 210.0, None));
    inp.screenings[1].push((t, "psych_screening".into(), 150.0, None));
    inp.screenings[2].push((t, "psych_screening".into(), 120.0, Some("high_risk".into())));
    let c = detect(&rules(), &inp);
    assert_eq!(fired(&c, 0, "wellbeing.screening").map(|x| x.level), Some("orange"));
    assert!(fired(&c, 1, "wellbeing.screening").is_none());
    assert_eq!(fired(&c, 2, "wellbeing.screening").map(|x| x.level), Some("red"), "the band wins");
}

#[test]
fn academic_failed_credits_and_coursework() {
    let mut inp = campus(20);
    let fc = inp.terms.get_mut(&("student_term".into(), "failed_credits".into())).expect("fc");
    fc[0] = vec![("2024-2025-1".into(), Some(0.0)), ("2024-2025-2".into(), Some(7.0))];
    fc[1] = vec![("2024-2025-2".into(), Some(2.0))];
    let cw = |inp: &mut Inputs, f: &str, s: usize, v: f64| {
        inp.terms.get_mut(&("student_term_coursework".into(), f.into())).expect("cw")[s] =
            vec![("2025-2026-1".into(), Some(v))];
    };
    cw(&mut inp, "mean_score", 3, 50.0);
    cw(&mut inp, "items_due", 3, 5.0);
    cw(&mut inp, "mean_score", 4, 50.0);
    cw(&mut inp, "items_due", 4, 2.0); // too few items to judge
    cw(&mut inp, "missing_rate", 5, 0.6);
    cw(&mut inp, "items_due", 5, 5.0);
    let c = detect(&rules(), &inp);
    let hit = fired(&c, 0, "academic.failed_credits_term").expect("7 credits");
    assert_eq!((hit.level, hit.category.as_str()), ("orange", "academic"));
    assert!(hit.reason_en.contains("2024-2025-2"), "{}", hit.reason_en);
    assert!(fired(&c, 1, "academic.failed_credits_term").is_none());
    assert_eq!(fired(&c, 3, "academic.low_coursework_marks").map(|x| x.level), Some("orange"));
    assert!(fired(&c, 4, "academic.low_coursework_marks").is_none());
    assert_eq!(fired(&c, 5, "academic.missing_coursework").map(|x| x.level), Some("orange"));
}

#[test]
fn academic_low_attendance_and_a_near_miss() {
    let mut inp = campus(20);
    set_recent(&mut inp, "attendance_rate", 0, &[0.6, 0.5, 0.55]);
    set_recent(&mut inp, "attendance_rate", 1, &[0.85, 0.9, 0.8]);
    let c = detect(&rules(), &inp);
    assert!(fired(&c, 0, "academic.low_attendance").is_some());
    assert!(fired(&c, 1, "academic.low_attendance").is_none());
}

#[test]
fn economic_hidden_hardship_needs_regular_meals() {
    let mut inp = campus(30);
    let spend = inp.weekly.get_mut("canteen_spend").expect("spend");
    spend[0] = vec![Some(95.0); WEEKS];
    spend[1] = vec![Some(95.0); WEEKS];
    inp.weekly.get_mut("meals").expect("meals")[1] = vec![Some(10.0); WEEKS]; // eats out: not the rule
    let c = detect(&rules(), &inp);
    let hit = fired(&c, 0, "economic.hidden_hardship").expect("regular eater, lowest spend");
    assert_eq!(hit.category, "economic");
    assert!(hit.evidence["cohort_pct"].as_f64().is_some_and(|p| p <= 0.05));
    assert!(fired(&c, 1, "economic.hidden_hardship").is_none());
}

#[test]
fn safety_silence_against_own_history() {
    let mut inp = campus(20);
    let cut = |t: &mut Traces, hours: i64, now: i64| t.hours.retain(|h| *h < now / HOUR - hours);
    let now = inp.as_of_ts;
    cut(&mut inp.traces[0], 30, now); // last trace ~ 36 h ago
    cut(&mut inp.traces[1], 80, now); // ~ 84 h ago
    cut(&mut inp.traces[2], 10, now); // ~ 12 h: an ordinary night
                                      // Student 3 is an off-campus student whose weekends are long silences: 60 h is usual.
    let t3 = &mut inp.traces[3];
    let weekend: Vec<i64> = t3.hours.iter().copied().filter(|h| (now / HOUR - h) % (24 * 7) < 60).collect();
    t3.hours.retain(|h| !weekend.contains(h) || now / HOUR - h < 24 * 7);
    cut(&mut inp.traces[3], 40, now);
    let c = detect(&rules(), &inp);
    assert_eq!(fired(&c, 0, "safety.no_trace").map(|x| x.level), Some("yellow"));
    assert_eq!(fired(&c, 1, "safety.no_trace").map(|x| x.level), Some("red"));
    assert!(fired(&c, 2, "safety.no_trace").is_none());
    assert!(fired(&c, 3, "safety.no_trace").is_none(), "silences like their weekends are usual");
}

#[test]
fn a_holiday_silences_nobody() {
    let mut inp = campus(20);
    let now = inp.as_of_ts;
    // Half the campus went home for the last two days: those days are quiet, and a
    // silence over them does not count.
    for s in 0..10 {
        inp.traces[s].hours.retain(|h| *h < now / HOUR - 40);
        for d in inp.traces[s].days.iter_mut() {
            *d &= !0b11;
        }
    }
    let c = detect(&rules(), &inp);
    assert!(c.iter().all(|x| x.rule != "safety.no_trace"), "{:?}", c.iter().map(|x| &x.rule).collect::<Vec<_>>());
}

#[test]
fn safety_not_back_overnight() {
    let mut inp = campus(20);
    let clock = crate::features::clock::LocalClock::new(TZ);
    for s in 0..2 {
        for d in (AS_OF - 30)..AS_OF {
            let away = s == 0 && d >= AS_OF - 3;
            inp.dorm[s].push((clock.instant(d, 8 * HOUR), false));
            if !away {
                inp.dorm[s].push((clock.instant(d, 22 * HOUR), true));
            }
        }
    }
    let c = detect(&rules(), &inp);
    let hit = fired(&c, 0, "safety.not_back_overnight").expect("two nights out");
    assert_eq!(hit.level, "orange");
    assert!(fired(&c, 1, "safety.not_back_overnight").is_none());
}

mod lifecycle {
    use super::super::db::{Action, Filter, OpsDb};
    use super::super::raise::reconcile;
    use super::*;

    fn cand(s: usize, rule: &str, level: &'static str, cat: &str) -> Candidate {
        Candidate {
            student: s,
            rule: rule.into(),
            category: cat.into(),
            level,
            severity: 1.0,
            evidence: serde_json::json!({"feature": "x", "value": s}),
            reason_zh: "原因".into(),
            reason_en: "reason".into(),
        }
    }

    fn day(d: i64) -> i64 {
        1_760_000_000_000_000 + d * 24 * HOUR
    }

    #[test]
    fn dedup_escalation_cooldown_and_rerun() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut db = OpsDb::open(dir.path()).expect("db");
        let (r, inp) = (rules(), campus(4));
        let rep = reconcile(&mut db, &r, &inp, vec![cand(0, "safety.no_trace", "yellow", "safety")], day(0), day(0))
            .expect("raise");
        assert_eq!(rep.raised, 1);
        // The same condition the next night updates the one open warning.
        let rep = reconcile(&mut db, &r, &inp, vec![cand(0, "safety.no_trace", "red", "safety")], day(1), day(1))
            .expect("raise");
        assert_eq!((rep.raised, rep.updated, rep.escalated), (0, 1, 1));
        let all = db.list(&Filter::default()).expect("list");
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].level.as_str(), all[0].created_at, all[0].updated_at), ("red", day(0), day(1)));
        // Re-running a night changes nothing.
        let before = db.list(&Filter::default()).expect("list");
        reconcile(&mut db, &r, &inp, vec![cand(0, "safety.no_trace", "red", "safety")], day(1), day(1)).expect("rerun");
        let after = db.list(&Filter::default()).expect("list");
        assert_eq!(format!("{before:?}"), format!("{after:?}"));
        // Resolved: the cooldown keeps the rule quiet, then it may fire again.
        db.transition(&all[0].warning_id, Action::Resolve, "T1", Some("back"), day(2)).expect("resolve");
        let rep = reconcile(&mut db, &r, &inp, vec![cand(0, "safety.no_trace", "yellow", "safety")], day(3), day(3))
            .expect("raise");
        assert_eq!((rep.raised, rep.suppressed), (0, 1));
        let rep = reconcile(&mut db, &r, &inp, vec![cand(0, "safety.no_trace", "yellow", "safety")], day(20), day(20))
            .expect("raise");
        assert_eq!(rep.raised, 1);
    }

    #[test]
    fn capacity_keeps_the_most_urgent() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut db = OpsDb::open(dir.path()).expect("db");
        let mut r = rules();
        r.settings.capacity = 2;
        let inp = campus(8);
        // Students 0, 2, 4, 6 share counsellor C0.
        let cands = vec![
            cand(0, "economic.hidden_hardship", "yellow", "economic"),
            cand(2, "wellbeing.fewer_meals", "orange", "wellbeing"),
            cand(4, "safety.no_trace", "red", "safety"),
            cand(6, "academic.low_attendance", "orange", "academic"),
            cand(1, "academic.low_attendance", "yellow", "academic"),
        ];
        let rep = reconcile(&mut db, &r, &inp, cands, day(0), day(0)).expect("raise");
        assert_eq!((rep.raised, rep.deferred), (3, 2));
        let c0 = db.list(&Filter { counsellor: Some("C0".into()), ..Filter::default() }).expect("list");
        let got: Vec<(&str, &str)> = c0.iter().map(|w| (w.student_id.as_str(), w.level.as_str())).collect();
        assert_eq!(got, vec![("S004", "red"), ("S002", "orange")], "red first, then wellbeing over academic");
    }

    #[test]
    fn every_lifecycle_transition_and_refusals() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut db = OpsDb::open(dir.path()).expect("db");
        let (r, inp) = (rules(), campus(4));
        let cands = (0..4).map(|s| cand(s, "wellbeing.fewer_meals", "yellow", "wellbeing")).collect();
        reconcile(&mut db, &r, &inp, cands, day(0), day(0)).expect("raise");
        let ids: Vec<String> = db.list(&Filter::default()).expect("list").into_iter().map(|w| w.warning_id).collect();
        let st = |db: &OpsDb, id: &str| db.get(id).expect("get").expect("row").status;
        // new → acknowledged → in_progress → resolved
        db.transition(&ids[0], Action::Ack, "T1", None, day(1)).expect("ack");
        assert_eq!(st(&db, &ids[0]), "acknowledged");
        db.transition(&ids[0], Action::Start, "T1", Some("talked"), day(1)).expect("start");
        assert_eq!(st(&db, &ids[0]), "in_progress");
        db.transition(&ids[0], Action::Resolve, "T1", None, day(2)).expect("resolve");
        assert_eq!(st(&db, &ids[0]), "resolved");
        let again = db.transition(&ids[0], Action::Resolve, "T1", None, day(2)).expect_err("resolved twice");
        assert!(again.to_string().contains("it is resolved"), "{again}");
        // new → in_progress directly; new → false_positive; acknowledged → false_positive
        db.transition(&ids[1], Action::Start, "T1", None, day(1)).expect("start from new");
        db.transition(&ids[2], Action::FalsePositive, "T1", Some("on leave"), day(1)).expect("fp");
        assert_eq!(st(&db, &ids[2]), "false_positive");
        assert!(db.transition(&ids[2], Action::Ack, "T1", None, day(1)).is_err());
        db.transition(&ids[3], Action::Ack, "T1", None, day(1)).expect("ack");
        assert!(db.transition(&ids[3], Action::Ack, "T1", None, day(1)).is_err(), "ack twice");
        // An intervention moves an acknowledged warning to in_progress and is logged.
        let iid = db.log_intervention(&ids[3], "talk", "T1", "谈心", day(2)).expect("log");
        assert_eq!(st(&db, &ids[3]), "in_progress");
        let h = super::super::db::history_batch(&db, &ids[3]).expect("history");
        assert_eq!(h.num_rows(), 4, "raise, ack, log, intervention");
        assert!(iid.starts_with('I'));
        assert!(db.transition("W999999", Action::Ack, "T1", None, day(1)).is_err());
        let events: i64 =
            db.conn.query_row("SELECT COUNT(*) FROM warning_events WHERE by = 'T1'", [], |r| r.get(0)).expect("count");
        assert_eq!(events, 7, "ack, start, resolve, start, false-positive, ack, log");
    }

    #[test]
    fn sql_tables_have_the_interface_columns() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut db = OpsDb::open(dir.path()).expect("db");
        reconcile(&mut db, &rules(), &campus(2), vec![cand(0, "safety.no_trace", "red", "safety")], day(0), day(0))
            .expect("raise");
        let t: HashMap<&str, arrow::array::RecordBatch> =
            super::super::db::sql_tables(&db).expect("tables").into_iter().collect();
        let cols: Vec<String> = t["warnings"].schema().fields().iter().map(|f| f.name().clone()).collect();
        let want = "warning_id, student_id, counsellor_id, category, level, status, created_at, updated_at, rule, \
                    reason_zh, reason_en, evidence";
        assert_eq!(cols[..12].join(", "), want);
        assert_eq!(t["warning_events"].num_rows(), 1);
    }
}
