//! Announced absence on hand-built inputs: approved leave excuses a silence, a refused one
//! does not, an overdue student is raised by the leave rule (once), and a calendar's
//! holidays replace the inferred ones with the evidence saying which were used.

use super::absence::Leave;
use super::detect::detect;
use super::inputs::Inputs;
use super::tests::{campus, fired, rules, HOUR};

/// Keeps only the student's traces older than `hours` before D.
fn silent_for(inp: &mut Inputs, s: usize, hours: i64) {
    let now_h = inp.as_of_ts / HOUR;
    inp.traces[s].hours.retain(|h| *h < now_h - hours);
}

/// A leave from `from` to `to` hours relative to D (negative = before D).
fn leave(inp: &Inputs, from: i64, to: i64, approved: bool, returned: Option<i64>) -> Leave {
    let at = |h: i64| inp.as_of_ts + h * HOUR;
    Leave { id: "LV1".into(), kind: "home".into(), start: at(from), end: at(to), approved, returned: returned.map(at) }
}

fn with_leaves(inp: &mut Inputs, leaves: Vec<(usize, Leave)>) {
    inp.kinds_present.insert("leave_requests".into());
    inp.leaves = vec![Vec::new(); inp.students.len()];
    for (s, l) in leaves {
        inp.leaves[s].push(l);
    }
}

#[test]
fn approved_leave_over_a_silence_raises_nothing_and_refused_leave_excuses_nothing() {
    let mut inp = campus(20);
    for s in 0..3 {
        silent_for(&mut inp, s, 80);
    }
    let home = leave(&inp, -90, 24, true, None);
    let refused = leave(&inp, -90, 24, false, None);
    with_leaves(&mut inp, vec![(0, home), (2, refused)]);
    let c = detect(&rules(), &inp);
    assert!(fired(&c, 0, "safety.no_trace").is_none(), "on approved leave");
    assert!(fired(&c, 0, "safety.leave_overdue").is_none(), "not due back yet");
    assert_eq!(fired(&c, 1, "safety.no_trace").map(|x| x.level), Some("red"), "no leave");
    assert_eq!(fired(&c, 2, "safety.no_trace").map(|x| x.level), Some("red"), "refused leave");
}

#[test]
fn overdue_from_leave_without_a_trace_is_raised_by_the_leave_rule() {
    let mut inp = campus(20);
    for s in 0..2 {
        silent_for(&mut inp, s, 80);
    }
    // 0: due back 50 h ago, not reported back, no trace since. 1: reported back 49 h ago,
    // then vanished: an ordinary silence counted from the report-back. 2: due back 50 h
    // ago, never reported back, but on campus since: back, just not signed off.
    let (l0, l1, l2) =
        (leave(&inp, -83, -50, true, None), leave(&inp, -83, -50, true, Some(-49)), leave(&inp, -83, -50, true, None));
    with_leaves(&mut inp, vec![(0, l0), (1, l1), (2, l2)]);
    let c = detect(&rules(), &inp);
    let hit = fired(&c, 0, "safety.leave_overdue").expect("overdue and silent");
    assert_eq!((hit.level, hit.category.as_str()), ("red", "safety"));
    assert_eq!(hit.evidence["value"], 50.0);
    assert_eq!(hit.evidence["trend"]["leave_id"], "LV1");
    assert!(hit.reason_en.contains("50 h") && hit.reason_zh.contains("超假50小时"), "{}", hit.reason_en);
    assert!(fired(&c, 0, "safety.no_trace").is_none(), "one warning for one absence");
    let gone = fired(&c, 1, "safety.no_trace").expect("silent after reporting back");
    assert!(gone.evidence["value"].as_f64().is_some_and(|h| (45.0..60.0).contains(&h)), "{}", gone.evidence);
    assert!(fired(&c, 1, "safety.leave_overdue").is_none());
    assert!(fired(&c, 2, "safety.leave_overdue").is_none(), "traces since the planned return");
}

#[test]
fn a_sent_calendar_replaces_inferred_holidays_and_the_evidence_says_so() {
    let mut inp = campus(20);
    silent_for(&mut inp, 0, 56);
    let inferred = detect(&rules(), &inp);
    let hit = fired(&inferred, 0, "safety.no_trace").expect("only one student is silent: no inferred holiday");
    assert_eq!(hit.evidence["calendar"], "inferred");
    // The calendar says the last three days were a holiday: the silence falls in it.
    inp.calendar = Some(0b111);
    let c = detect(&rules(), &inp);
    assert!(fired(&c, 0, "safety.no_trace").is_none(), "a holiday by the calendar");
    // A calendar without a holiday in these days: the silence counts, and says whose days.
    inp.calendar = Some(0);
    let c = detect(&rules(), &inp);
    assert_eq!(fired(&c, 0, "safety.no_trace").map(|x| x.evidence["calendar"].clone()), Some("sent".into()));
}

#[test]
fn a_calendar_holiday_holds_the_change_rules_back_even_when_the_campus_is_busy() {
    let mut inp = campus(20);
    super::tests::set_recent(&mut inp, "meals", 0, &[10.0, 7.0, 5.0]);
    super::tests::set_recent(&mut inp, "breakfast_days", 0, &[2.0, 1.0, 0.0]);
    let fires = |inp: &Inputs| detect(&rules(), inp).iter().any(|x| x.student == 0);
    assert!(fires(&inp), "two signals together");
    let c = detect(&rules(), &inp);
    assert!(c.iter().filter(|x| x.student == 0).all(|x| x.evidence["calendar"] == "inferred"));
    inp.calendar = Some(0b1111);
    assert!(!fires(&inp), "a vacation by the calendar: change rules hold back");
}
