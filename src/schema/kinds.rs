//! The eighteen record kinds, transcribed from `spec/campus-records.md` in contract order.

use super::{Bound, ColType, Column, KindSpec, Mode, Sensitivity};

const fn col(name: &'static str, ty: ColType, required: bool) -> Column {
    Column { name, ty, required, sensitivity: Sensitivity::Normal, bound: Bound::None, event_time: false }
}
const fn req(name: &'static str, ty: ColType) -> Column {
    col(name, ty, true)
}
const fn opt(name: &'static str, ty: ColType) -> Column {
    col(name, ty, false)
}
const fn text(name: &'static str) -> Column {
    req(name, ColType::Text)
}
const fn with_bound(mut c: Column, bound: Bound) -> Column {
    c.bound = bound;
    c
}
const fn sensitive(mut c: Column, s: Sensitivity) -> Column {
    c.sensitivity = s;
    c
}
/// An event time: subject to the future-timestamp check.
const fn at(mut c: Column) -> Column {
    c.event_time = true;
    c
}

use ColType::{Bool, Date, Enum, Float, Int, Money, Term, Text, Timestamp};

const SCORE: Bound = Bound::Range(0.0, 100.0);

pub static STUDENTS: KindSpec = KindSpec {
    name: "students",
    mode: Mode::Dimension,
    key: &["student_id"],
    end_after: &[],
    columns: &[
        text("student_id"),
        sensitive(text("name"), Sensitivity::Personal),
        sensitive(req("gender", Enum(&["M", "F"])), Sensitivity::Protected),
        text("college"),
        text("major"),
        text("class_id"),
        req("cohort", Int),
        req("degree_level", Enum(&["undergraduate", "master", "doctoral"])),
        opt("dorm_building", Text),
        opt("dorm_floor", Int),
        opt("dorm_room", Text),
        text("counsellor_id"),
        opt("mentor_id", Text),
        sensitive(
            req(
                "political_status",
                Enum(&["party_member", "probationary_member", "activist", "league_member", "masses"]),
            ),
            Sensitivity::Sensitive,
        ),
        sensitive(opt("hometown_province", Text), Sensitivity::Sensitive),
        sensitive(
            req("financial_aid_level", Enum(&["none", "general", "hardship", "special_hardship"])),
            Sensitivity::Sensitive,
        ),
        req("status", Enum(&["active", "suspended", "withdrawn", "graduated"])),
    ],
};

static STAFF: KindSpec = KindSpec {
    name: "staff",
    mode: Mode::Dimension,
    key: &["staff_id"],
    end_after: &[],
    columns: &[
        text("staff_id"),
        sensitive(text("name"), Sensitivity::Personal),
        req("role", Enum(&["counsellor", "mentor", "leader", "psychologist", "career_advisor", "party_secretary"])),
        opt("college", Text),
        opt("building", Text),
    ],
};

static COURSES: KindSpec = KindSpec {
    name: "courses",
    mode: Mode::Dimension,
    key: &["course_id"],
    end_after: &[],
    columns: &[
        text("course_id"),
        text("course_name"),
        with_bound(req("credits", Float), Bound::Positive),
        req("category", Enum(&["compulsory", "elective", "general"])),
        opt("college", Text),
    ],
};

static ACTIVITIES: KindSpec = KindSpec {
    name: "activities",
    mode: Mode::Dimension,
    key: &["activity_id"],
    end_after: &[("start_ts", "end_ts")],
    columns: &[
        text("activity_id"),
        text("title"),
        req(
            "category",
            Enum(&["volunteer", "club", "sports", "arts", "labour", "academic", "party", "ideological", "career"]),
        ),
        req("dimension", Enum(&["moral", "intellectual", "physical", "aesthetic", "labour"])),
        opt("organiser", Text),
        req("start_ts", Timestamp),
        req("end_ts", Timestamp),
        opt("location", Text),
    ],
};

static CALENDAR: KindSpec = KindSpec {
    name: "calendar",
    mode: Mode::Dimension,
    key: &["start_date", "kind"],
    end_after: &[("start_date", "end_date")],
    columns: &[
        req("start_date", Date),
        req("end_date", Date),
        req("kind", Enum(&["term", "teaching", "exam", "holiday", "vacation"])),
        opt("term", Term),
        opt("name", Text),
    ],
};

static CARD_TRANSACTIONS: KindSpec = KindSpec {
    name: "card_transactions",
    mode: Mode::Event,
    key: &["txn_id"],
    end_after: &[],
    columns: &[
        text("txn_id"),
        text("student_id"),
        at(req("ts", Timestamp)),
        with_bound(req("amount", Money), Bound::PositiveAmount),
        req("kind", Enum(&["purchase", "top_up", "refund"])),
        req(
            "merchant_category",
            Enum(&["canteen", "supermarket", "shower", "laundry", "water", "bus", "print", "other"]),
        ),
        opt("merchant_id", Text),
        opt("location", Text),
    ],
};

static ACCESS_EVENTS: KindSpec = KindSpec {
    name: "access_events",
    mode: Mode::Event,
    key: &["event_id"],
    end_after: &[],
    columns: &[
        text("event_id"),
        text("student_id"),
        at(req("ts", Timestamp)),
        req("place_type", Enum(&["dorm", "library", "gym", "teaching_building", "campus_gate"])),
        text("place_id"),
        req("direction", Enum(&["in", "out"])),
    ],
};

static NETWORK_SESSIONS: KindSpec = KindSpec {
    name: "network_sessions",
    mode: Mode::Event,
    key: &["session_id"],
    end_after: &[("start_ts", "end_ts")],
    columns: &[
        text("session_id"),
        text("student_id"),
        at(req("start_ts", Timestamp)),
        at(req("end_ts", Timestamp)),
        opt("bytes_in", Int),
        opt("bytes_out", Int),
    ],
};

static LIBRARY_LOANS: KindSpec = KindSpec {
    name: "library_loans",
    mode: Mode::UpsertEvent,
    key: &["loan_id"],
    end_after: &[("borrowed_at", "returned_at")],
    columns: &[
        text("loan_id"),
        text("student_id"),
        text("book_id"),
        opt("clc_class", Text),
        at(req("borrowed_at", Timestamp)),
        opt("due_at", Timestamp),
        at(opt("returned_at", Timestamp)),
    ],
};

static ATTENDANCE: KindSpec = KindSpec {
    name: "attendance",
    mode: Mode::Event,
    key: &["record_id"],
    end_after: &[],
    columns: &[
        text("record_id"),
        text("student_id"),
        text("course_id"),
        at(req("session_ts", Timestamp)),
        req("status", Enum(&["present", "late", "absent", "excused"])),
    ],
};

static LEARNING_EVENTS: KindSpec = KindSpec {
    name: "learning_events",
    mode: Mode::Event,
    key: &["event_id"],
    end_after: &[],
    columns: &[
        text("event_id"),
        text("student_id"),
        text("course_id"),
        at(req("ts", Timestamp)),
        text("activity_type"),
        with_bound(req("clicks", Int), Bound::AtLeast(1.0)),
    ],
};

static COURSEWORK: KindSpec = KindSpec {
    name: "coursework",
    mode: Mode::UpsertEvent,
    key: &["record_id"],
    end_after: &[],
    columns: &[
        text("record_id"),
        text("student_id"),
        text("course_id"),
        req("term", Term),
        text("item"),
        with_bound(opt("weight", Float), Bound::Range(0.0, 100.0)),
        opt("due_at", Timestamp),
        at(opt("submitted_at", Timestamp)),
        with_bound(opt("score", Float), SCORE),
    ],
};

static GRADES: KindSpec = KindSpec {
    name: "grades",
    mode: Mode::UpsertEvent,
    key: &["student_id", "course_id", "term", "attempt"],
    end_after: &[],
    columns: &[
        text("student_id"),
        text("course_id"),
        req("term", Term),
        with_bound(req("attempt", Int), Bound::AtLeast(1.0)),
        with_bound(opt("score", Float), SCORE),
        req("status", Enum(&["normal", "absent", "cheating", "deferred"])),
        at(req("recorded_at", Date)),
    ],
};

static PARTICIPATION: KindSpec = KindSpec {
    name: "participation",
    mode: Mode::UpsertEvent,
    key: &["participation_id"],
    end_after: &[],
    columns: &[
        text("participation_id"),
        text("student_id"),
        text("activity_id"),
        req("role", Enum(&["participant", "organiser", "volunteer"])),
        with_bound(req("hours", Float), Bound::AtLeast(0.0)),
        req("verified", Bool),
    ],
};

static PROCESS_RECORDS: KindSpec = KindSpec {
    name: "process_records",
    mode: Mode::Event,
    key: &["record_id"],
    end_after: &[],
    columns: &[
        text("record_id"),
        text("student_id"),
        text("staff_id"),
        at(req("ts", Timestamp)),
        req(
            "kind",
            Enum(&[
                "talk",
                "mentor_meeting",
                "psych_consult",
                "home_visit",
                "leader_visit",
                "career_guidance",
                "party_activity",
            ]),
        ),
        opt("duration_min", Int),
        sensitive(opt("summary", Text), Sensitivity::Personal),
        opt("follow_up", Bool),
    ],
};

static ASSESSMENTS: KindSpec = KindSpec {
    name: "assessments",
    mode: Mode::Event,
    key: &["assessment_id"],
    end_after: &[],
    columns: &[
        text("assessment_id"),
        text("student_id"),
        at(req("ts", Timestamp)),
        req("kind", Enum(&["psych_screening", "physical_fitness"])),
        // physical_fitness scores are bounded 0–100: a kind-dependent rule, see ingest::validate.
        // Screening scores and bands are health data: sensitive, whatever the kind.
        sensitive(req("score", Float), Sensitivity::Sensitive),
        sensitive(opt("level", Text), Sensitivity::Sensitive),
    ],
};

static AWARDS: KindSpec = KindSpec {
    name: "awards",
    mode: Mode::Event,
    key: &["record_id"],
    end_after: &[],
    columns: &[
        text("record_id"),
        text("student_id"),
        at(req("ts", Date)),
        req("kind", Enum(&["scholarship", "honour", "competition", "disciplinary"])),
        opt("level", Text),
        opt("title", Text),
    ],
};

// A leave's planned start and end are not event times (a request may be filed ahead);
// the report-back time is.
static LEAVE_REQUESTS: KindSpec = KindSpec {
    name: "leave_requests",
    mode: Mode::UpsertEvent,
    key: &["leave_id"],
    end_after: &[("start_ts", "end_ts")],
    columns: &[
        text("leave_id"),
        text("student_id"),
        req("kind", Enum(&["home", "sick", "personal", "internship", "competition", "other"])),
        req("start_ts", Timestamp),
        req("end_ts", Timestamp),
        req("approved", Bool),
        at(opt("returned_at", Timestamp)),
    ],
};

/// Every kind; dimensions first, so ingest order can follow this list.
pub static ALL_KINDS: [&KindSpec; 18] = [
    &STUDENTS,
    &STAFF,
    &COURSES,
    &ACTIVITIES,
    &CALENDAR,
    &CARD_TRANSACTIONS,
    &ACCESS_EVENTS,
    &NETWORK_SESSIONS,
    &LIBRARY_LOANS,
    &ATTENDANCE,
    &LEARNING_EVENTS,
    &COURSEWORK,
    &GRADES,
    &PARTICIPATION,
    &PROCESS_RECORDS,
    &ASSESSMENTS,
    &AWARDS,
    &LEAVE_REQUESTS,
];
