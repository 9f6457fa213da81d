#!/usr/bin/env python3
"""Independent reference implementation of the reference features (student_week, student_term).

Written from /work/shared/spec/features.md (and campus-records.md for the input contract),
not from the Rust engine, so that the two can check each other. Python 3.11+, stdlib only,
plus `deltalake` and `pyarrow` for reading a store.

Modes:

    # one hand-checked scenario (pipelines/tests/*.toml): compute its table, compare with
    # its `expected` CSV, print mismatches, exit 1 on any
    python3 scripts/reference_features.py --toml pipelines/tests/01_meal_slots.toml
    python3 scripts/reference_features.py --all pipelines/tests [--verbose]

    # a radar store (one Delta table per kind under DIR/<kind>/): write student_week.csv and
    # student_term.csv; with --compare-dir, compare with radar's CSVs of the same names
    python3 scripts/reference_features.py --store DIR --as-of 2025-09-29 --out OUT \
        [--tz Asia/Shanghai] [--compare-dir RADAR_OUT]

Readings of the spec where it leaves room (each also noted at the code that implements it):
  * "The store holds no records of a kind" is judged on what the refresh sees as of D: a
    kind whose every row has its event time at or after D counts as absent (the data as it
    stood at D 00:00 held none of it). Participation has no time of its own; a row is seen
    unless its activity is known and starts at or after D.
  * activity_hours is null only when participation is absent; with participation but no
    `activities`, every participation is in an unknown activity and counts nowhere (0).
  * A network session's end counts in the span by the local date of its (clipped) end_ts,
    even when it ends exactly at midnight.
  * A late return whose night falls in a week before the student's first week (a Monday
    01:00 return being the student's first record) has no row to count in and is dropped.
  * Participation has no timestamp column, so it adds nothing to the data set's span
    (activities is a dimension, not an event kind).
  * Event kinds, for the span, are the twelve kinds under "Events" in campus-records.md.
  * failed_credits: a `deferred` first attempt is never failed, even with a score below 60
    ("counts here only" = in attempted_credits only); `absent` / `cheating` count as failed
    with grade point 0 whatever their score cell holds.
  * activity_hours sums participation hours whatever `verified` and `role` say.
  * The library chain is per student across every library building (place_id ignored).
  * Hours are elapsed hours between instants; days, slots, bins and weeks use local wall
    time (they differ only on DST days: a [00:00, 06:00) night may last 5 or 7 hours).

For scenarios, the loader emulates the ingest checks that decide what is stored (missing
required values, enums, numbers, timestamps, end < start, amounts <= 0, ranges, future
timestamps, unknown students, duplicate keys: the first stored row wins).
"""

import argparse
import csv
import datetime as dt
import io
import math
import os
import re
import sys
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

US = 1_000_000                   # microseconds per second: every instant is an int of UTC µs
HOUR_US = 3600 * US
DAY_US = 86400 * US
LIBRARY_GAP_US = 30 * 60 * US    # a library `in` within 30 min (inclusive) is not counted again
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
EPOCH_ORD = dt.date(1970, 1, 1).toordinal()

WEEK_COLUMNS = ["student_id", "week_start", "meals", "breakfast_days", "canteen_spend",
                "total_spend", "meal_time_entropy", "late_returns", "library_visits",
                "online_hours", "night_online_hours", "attendance_rate", "activity_hours",
                "no_trace_days"]
TERM_COLUMNS = ["student_id", "term", "attempted_credits", "failed_credits", "gpa",
                "gpa_rank_pct"]
KEYS = {"student_week": ["student_id", "week_start"], "student_term": ["student_id", "term"]}

# Every timestamp and date column of every event kind, for the data set's span. `due_at`
# is excluded by the spec; participation has no time column of its own.
SPAN_COLUMNS = {
    "card_transactions": ["ts"],
    "access_events": ["ts"],
    "network_sessions": ["start_ts", "end_ts"],
    "library_loans": ["borrowed_at", "returned_at"],
    "attendance": ["session_ts"],
    "learning_events": ["ts"],
    "coursework": ["submitted_at"],
    "grades": ["recorded_at"],
    "participation": [],
    "process_records": ["ts"],
    "assessments": ["ts"],
    "awards": ["ts"],
}
DATE_COLUMNS = {("grades", "recorded_at"), ("awards", "ts")}   # dates, not timestamps


# --------------------------------------------------------------------------------------
# Local time. Days are ints (days since 1970-01-01, local calendar); instants are UTC µs.
# --------------------------------------------------------------------------------------

def day_to_date(day):
    return dt.date.fromordinal(day + EPOCH_ORD)


def date_to_day(d):
    return d.toordinal() - EPOCH_ORD


def week_of(day):
    """The Monday (as a day number) of the week holding `day`; 1970-01-01 was a Thursday."""
    return day - (day + 3) % 7


class Clock:
    """UTC instant <-> campus local time, with caches so millions of events stay cheap."""

    BUCKET = 15 * 60 * US  # offsets are looked up per 15-minute bucket of UTC time

    def __init__(self, tzname):
        self.zone = ZoneInfo(tzname)
        self._bucket_offset = {}
        self._local_us = {}

    def _offset_at(self, us):
        t = EPOCH + dt.timedelta(microseconds=us)
        return int(t.astimezone(self.zone).utcoffset() / dt.timedelta(microseconds=1))

    def wall(self, us):
        """Local wall-clock µs since 1970-01-01 00:00 (local), for instant `us`."""
        k = us // self.BUCKET
        off = self._bucket_offset.get(k)
        if off is None:
            a = self._offset_at(k * self.BUCKET)
            b = self._offset_at((k + 1) * self.BUCKET - 1)
            off = a if a == b else False  # False: a zone transition inside this bucket
            self._bucket_offset[k] = off
        if off is False:
            off = self._offset_at(us)
        return us + off

    def day(self, us):
        return self.wall(us) // DAY_US

    def day_and_tod(self, us):
        """(local day, µs since local midnight on the wall clock)."""
        w = self.wall(us)
        return w // DAY_US, w % DAY_US

    def local_to_us(self, day, hour=0):
        """The UTC instant of local `day` at `hour`:00. In a DST gap fold=0 maps forward,
        so a midnight that does not exist gives the first instant of that day."""
        k = (day, hour)
        v = self._local_us.get(k)
        if v is None:
            d = day_to_date(day)
            t = dt.datetime(d.year, d.month, d.day, hour, tzinfo=self.zone)
            v = (t - EPOCH) // dt.timedelta(microseconds=1)
            self._local_us[k] = v
        return v

    def naive_to_us(self, naive):
        t = naive.replace(tzinfo=self.zone)
        return (t - EPOCH) // dt.timedelta(microseconds=1)


# --------------------------------------------------------------------------------------
# What the features are computed from (filled by either loader)
# --------------------------------------------------------------------------------------

class Data:
    """Stored rows, as plain tuples. Times are UTC µs; dates are day numbers.

    present: kinds with at least one stored row (informational; whether a kind counts as
    present for the features is decided on the rows seen as of D, in compute_week).
    span_times: kind -> [(column, values)] of stored non-null timestamp/date values, for
    the data set's span (network sessions excluded: their clipped ends come from
    `sessions`). The store loader keeps only each column's min and max before D.
    """

    def __init__(self, clock, as_of):
        self.clock = clock
        self.as_of = as_of
        self.d_day = date_to_day(as_of)
        self.d_us = clock.local_to_us(self.d_day)  # D 00:00 local: the as-of instant
        self.students = {}       # sid -> (major, cohort)
        self.courses = {}        # course_id -> credits
        self.activities = {}     # activity_id -> start_ts µs
        self.card = []           # (sid, ts, cents, kind, merchant_category)
        self.access = []         # (sid, ts, place_type, direction)
        self.sessions = []       # (sid, start, end)
        self.attendance = []     # (sid, ts, status)
        self.participation = []  # (sid, activity_id, hours)
        self.grades = []         # (sid, course_id, term, attempt, score|None, status, recorded_day)
        self.span_times = {}     # kind -> list of timestamps (µs) or dates (days) for the span
        self.present = set()


# --------------------------------------------------------------------------------------
# The features
# --------------------------------------------------------------------------------------

class WeekAcc:
    __slots__ = ("meals", "breakfast", "canteen_cents", "total_cents", "bins", "nights",
                 "library", "online_us", "night_us", "present", "late", "absent",
                 "activity_hours")

    def __init__(self):
        self.meals = set()          # (day, slot)
        self.breakfast = set()      # days
        self.canteen_cents = 0
        self.total_cents = 0
        self.bins = {}              # half-hour bin -> canteen purchases
        self.nights = 0
        self.library = 0
        self.online_us = 0
        self.night_us = 0
        self.present = 0
        self.late = 0
        self.absent = 0
        self.activity_hours = 0.0


def slot_of(tod):
    """Meal slot of a local time of day (µs), or None outside every slot."""
    if 6 * HOUR_US <= tod < 10 * HOUR_US:
        return "breakfast"
    if 10 * HOUR_US <= tod < 14 * HOUR_US + 30 * 60 * US:
        return "lunch"
    if 16 * HOUR_US <= tod < 20 * HOUR_US + 30 * 60 * US:
        return "dinner"
    return None


def entropy_bits(bins):
    n = sum(bins.values())
    if n < 2:
        return None
    return sum((c / n) * math.log2(n / c) for c in bins.values())


def data_span(data):
    """(first, last) local day of the data set as seen as of D, or None when empty."""
    lo = hi = None
    for kind, values in data.span_times.items():
        for col, vals in values:
            for v in vals:
                if (kind, col) in DATE_COLUMNS:
                    if v >= data.d_day:       # a date on or after D is not seen yet
                        continue
                    day = v
                else:
                    if v >= data.d_us:
                        continue              # not seen as of D (a loan returned later is
                        #                       "not yet returned"; a later submission unseen)
                    day = data.clock.day(v)
                lo = day if lo is None or day < lo else lo
                hi = day if hi is None or day > hi else hi
    # Network sessions count both ends, the end clipped at D: a session still running at D
    # reaches D, whose date is capped to D - 1 below (the span ends at D - 1 at the latest).
    for _sid, start, end in data.sessions:
        if start < data.d_us:
            day = data.clock.day(min(end, data.d_us))
            lo = day if lo is None or day < lo else lo
            hi = day if hi is None or day > hi else hi
    if lo is None:
        return None
    hi = min(hi, data.d_day - 1)
    return (lo, hi) if lo <= hi else None


def compute_week(data):
    """student_week rows as dicts (values: Python numbers / None), sorted by key."""
    clock, d_us = data.clock, data.d_us
    weeks = {}           # sid -> {week day -> WeekAcc}
    traces = set()       # (sid, day) with a card txn, access event or session start
    nights = {}          # sid -> set of night days
    library_ins = {}     # sid -> [ts]
    seen = set()         # kinds with at least one row seen as of D

    def acc(sid, week):
        w = weeks.setdefault(sid, {})
        a = w.get(week)
        if a is None:
            a = w[week] = WeekAcc()
        return a

    breakfast_lo, breakfast_hi = 6 * HOUR_US, 10 * HOUR_US
    late_from, late_until = 23 * HOUR_US + 30 * 60 * US, 5 * HOUR_US
    half_hour = 30 * 60 * US

    for sid, ts, cents, kind, category in data.card:
        if ts >= d_us:
            continue  # not seen as of D
        seen.add("card_transactions")
        day, tod = clock.day_and_tod(ts)
        traces.add((sid, day))
        a = acc(sid, week_of(day))  # any kind of transaction makes the week exist
        if kind != "purchase":
            continue  # top_up / refund are not spending and not meals
        a.total_cents += cents
        if category != "canteen":
            continue
        a.canteen_cents += cents
        b = tod // half_hour
        a.bins[b] = a.bins.get(b, 0) + 1   # every canteen purchase, in a slot or not
        s = slot_of(tod)
        if s is not None:
            a.meals.add((day, s))           # distinct (date, slot): 2 purchases = 1 meal
            if breakfast_lo <= tod < breakfast_hi:
                a.breakfast.add(day)

    for sid, ts, place, direction in data.access:
        if ts >= d_us:
            continue
        seen.add("access_events")
        day, tod = clock.day_and_tod(ts)
        traces.add((sid, day))            # any access event, `out` too, is a trace
        acc(sid, week_of(day))
        if direction != "in":
            continue                      # `out` events count for neither feature
        if place == "dorm":
            # [23:30, 05:00): before 05:00 belongs to the previous date's night; nights are
            # distinct, so two returns in the same night count once.
            if tod >= late_from:
                nights.setdefault(sid, set()).add(day)
            elif tod < late_until:
                nights.setdefault(sid, set()).add(day - 1)
        elif place == "library":
            library_ins.setdefault(sid, []).append(ts)

    for sid, start, end in data.sessions:
        if start >= d_us:
            continue
        seen.add("network_sessions")
        end = min(end, d_us)               # a session running at D is clipped at D
        sday = clock.day(start)
        traces.add((sid, sday))            # only the session's START is a trace
        first = week_of(sday)
        # Half-open [start, end): the last week touched is the one holding end - 1 µs; a
        # session ending exactly at Monday 00:00 does not touch the new week. A zero-length
        # session makes only its start week exist.
        last = week_of(clock.day(end - 1)) if end > start else first
        for wk in range(first, last + 1, 7):
            a = acc(sid, wk)
            lo = max(start, clock.local_to_us(wk))
            hi = min(end, clock.local_to_us(wk + 7))
            if hi > lo:
                a.online_us += hi - lo
        if end > start:
            # night [00:00, 06:00) of each local day the session touches; a day lies in one
            # week, so adding to the week of the day clips to the week.
            for day in range(sday, clock.day(end - 1) + 1):
                lo = max(start, clock.local_to_us(day, 0))
                hi = min(end, clock.local_to_us(day, 6))
                if hi > lo:
                    acc(sid, week_of(day)).night_us += hi - lo

    for sid, ts, status in data.attendance:
        if ts >= d_us:
            continue
        seen.add("attendance")
        a = acc(sid, week_of(clock.day(ts)))  # an `excused` record still makes the week
        if status == "present":
            a.present += 1
        elif status == "late":
            a.late += 1
        elif status == "absent":
            a.absent += 1
        # excused: in neither numerator nor denominator

    for sid, activity_id, hours in data.participation:
        start = data.activities.get(activity_id)
        if start is not None and start >= d_us:
            continue  # the activity starts at/after D: not seen yet
        seen.add("participation")
        if start is None:
            # activity not in `activities`: counts in no week, creates no week (with no
            # `activities` at all, participation is still present: activity_hours is 0)
            continue
        acc(sid, week_of(clock.day(start))).activity_hours += hours

    # Library chain over the student's whole history: compare with the previous COUNTED
    # `in`, not the previous `in`; exactly 30 min later is not counted again.
    for sid, times in library_ins.items():
        times.sort()
        last = None
        for ts in times:
            if last is None or ts - last > LIBRARY_GAP_US:
                acc(sid, week_of(clock.day(ts))).library += 1
                last = ts

    span = data_span(data)
    # A kind with no row seen as of D is absent (the store as it stood at D 00:00 held none
    # of it): its features are null, not 0.
    has_card = "card_transactions" in seen
    has_access = "access_events" in seen
    has_net = "network_sessions" in seen
    has_att = "attendance" in seen
    has_part = "participation" in seen
    has_trace = has_card or has_access or has_net

    rows = []
    for sid in sorted(weeks):
        w = weeks[sid]
        lo, hi = min(w), max(w)
        # a night is counted in the week of its date, if the student has a row there
        for night in nights.get(sid, ()):
            wk = week_of(night)
            # a Monday-morning return that is the student's first record has its night in a
            # week with no row: weeks come from the records' own times, so it is dropped
            if lo <= wk <= hi:
                acc(sid, wk).nights += 1
        for wk in range(lo, hi + 1, 7):     # every week in between, events or not
            a = w.get(wk) or WeekAcc()
            r = {"student_id": sid, "week_start": day_to_date(wk)}
            if has_card:
                r["meals"] = len(a.meals)
                r["breakfast_days"] = len(a.breakfast)
                r["canteen_spend"] = Decimal(a.canteen_cents) / 100
                r["total_spend"] = Decimal(a.total_cents) / 100
                r["meal_time_entropy"] = entropy_bits(a.bins)
            else:  # the kind is absent: absent data is not absent activity
                for c in ("meals", "breakfast_days", "canteen_spend", "total_spend",
                          "meal_time_entropy"):
                    r[c] = None
            r["late_returns"] = a.nights if has_access else None
            r["library_visits"] = a.library if has_access else None
            r["online_hours"] = a.online_us / HOUR_US if has_net else None
            r["night_online_hours"] = a.night_us / HOUR_US if has_net else None
            denom = a.present + a.late + a.absent
            r["attendance_rate"] = ((a.present + a.late) / denom
                                    if has_att and denom > 0 else None)
            r["activity_hours"] = a.activity_hours if has_part else None
            if not has_trace:
                r["no_trace_days"] = None
            else:
                n = 0
                for day in range(wk, wk + 7):
                    if span and span[0] <= day <= span[1] and (sid, day) not in traces:
                        n += 1
                r["no_trace_days"] = n
            rows.append(r)
    return rows


def grade_point(score):
    if score < 60:
        return 0.0
    return 4 - 3 * (100 - score) ** 2 / 1600


def compute_term(data):
    """student_term rows as dicts, sorted by key."""
    terms = {}  # (sid, term) -> [grade rows]
    for g in data.grades:
        sid, course, term, attempt, score, status, recorded = g
        if recorded >= data.d_day:
            continue  # the grade became known on/after D: not seen
        terms.setdefault((sid, term), []).append(g)

    rows = []
    for (sid, term), gs in sorted(terms.items()):
        attempted = failed = num = den = 0.0
        # first attempts only; sorted by course so the sums are reproducible
        for _sid, course, _t, attempt, score, status, _r in sorted(gs, key=lambda g: g[1]):
            if attempt != 1:
                continue
            credits = data.courses.get(course, 0.0)  # unknown course: no credits
            attempted += credits                     # any status, deferred included
            if status == "deferred":
                continue                             # deferred counts in attempted only
            if status in ("absent", "cheating"):
                failed += credits                    # failed, grade point 0
                den += credits
                continue
            if score is None:
                continue                             # normal without a score: left out
            if score < 60:
                failed += credits
            num += grade_point(score) * credits
            den += credits
        gpa = num / den if den > 0 else None
        rows.append({"student_id": sid, "term": term, "attempted_credits": attempted,
                     "failed_credits": failed, "gpa": gpa, "gpa_rank_pct": None})

    # rank among the same term + major + cohort with a non-null gpa; ties compare equal
    # after rounding to 9 decimals so summation order cannot split them
    groups = {}
    for r in rows:
        if r["gpa"] is None:
            continue
        major, cohort = data.students.get(r["student_id"], (None, None))
        groups.setdefault((r["term"], major, cohort), []).append(r)
    for members in groups.values():
        n = len(members)
        rounded = sorted(round(m["gpa"], 9) for m in members)
        for m in members:
            if n == 1:
                m["gpa_rank_pct"] = 0.0
            else:
                g = round(m["gpa"], 9)
                lower = sum(1 for x in rounded if x < g)
                m["gpa_rank_pct"] = lower / (n - 1)
    return rows


# --------------------------------------------------------------------------------------
# Scenario (TOML) inputs: parse the contract CSVs and keep only what ingest would store
# --------------------------------------------------------------------------------------

NAIVE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

# required columns, enums and key of each kind the features read (campus-records.md)
CONTRACT = {
    "students": dict(key=["student_id"], req=["student_id", "name", "gender", "college",
                     "major", "class_id", "cohort", "degree_level", "counsellor_id",
                     "political_status", "financial_aid_level", "status"]),
    "courses": dict(key=["course_id"], req=["course_id", "course_name", "credits",
                    "category"]),
    "activities": dict(key=["activity_id"], req=["activity_id", "title", "category",
                       "dimension", "start_ts", "end_ts"]),
    "card_transactions": dict(key=["txn_id"], req=["txn_id", "student_id", "ts", "amount",
                              "kind", "merchant_category"],
                              enums={"kind": {"purchase", "top_up", "refund"},
                                     "merchant_category": {"canteen", "supermarket", "shower",
                                                           "laundry", "water", "bus",
                                                           "print", "other"}}),
    "access_events": dict(key=["event_id"], req=["event_id", "student_id", "ts",
                          "place_type", "place_id", "direction"],
                          enums={"place_type": {"dorm", "library", "gym",
                                                "teaching_building", "campus_gate"},
                                 "direction": {"in", "out"}}),
    "network_sessions": dict(key=["session_id"], req=["session_id", "student_id", "start_ts",
                             "end_ts"]),
    "library_loans": dict(key=["loan_id"], req=["loan_id", "student_id", "book_id",
                          "borrowed_at"]),
    "attendance": dict(key=["record_id"], req=["record_id", "student_id", "course_id",
                       "session_ts", "status"],
                       enums={"status": {"present", "late", "absent", "excused"}}),
    "learning_events": dict(key=["event_id"], req=["event_id", "student_id", "course_id",
                            "ts", "activity_type", "clicks"]),
    "coursework": dict(key=["record_id"], req=["record_id", "student_id", "course_id",
                       "term", "item"], upsert=True),
    "grades": dict(key=["student_id", "course_id", "term", "attempt"],
                   req=["student_id", "course_id", "term", "attempt", "status",
                        "recorded_at"],
                   enums={"status": {"normal", "absent", "cheating", "deferred"}}),
    "participation": dict(key=["participation_id"], req=["participation_id", "student_id",
                          "activity_id", "role", "hours", "verified"]),
    "process_records": dict(key=["record_id"], req=["record_id", "student_id", "staff_id",
                            "ts", "kind"]),
    "assessments": dict(key=["assessment_id"], req=["assessment_id", "student_id", "ts",
                        "kind", "score"]),
    "awards": dict(key=["record_id"], req=["record_id", "student_id", "ts", "kind"]),
}
DIMENSIONS = ["students", "staff", "courses", "activities"]
TIMESTAMP_COLUMNS = {
    "activities": ["start_ts", "end_ts"],
    "card_transactions": ["ts"], "access_events": ["ts"],
    "network_sessions": ["start_ts", "end_ts"],
    "library_loans": ["borrowed_at", "due_at", "returned_at"],
    "attendance": ["session_ts"], "learning_events": ["ts"],
    "coursework": ["due_at", "submitted_at"], "process_records": ["ts"],
    "assessments": ["ts"],
}


class Quarantined(Exception):
    pass


def parse_ts(text, clock):
    """Contract timestamp -> UTC µs: RFC 3339 with an offset, or naive local."""
    try:
        if NAIVE_RE.match(text):
            return clock.naive_to_us(dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S"))
        if RFC3339_RE.match(text):
            t = dt.datetime.fromisoformat(text.replace("t", "T").replace("z", "+00:00")
                                          .replace("Z", "+00:00"))
            return (t - EPOCH) // dt.timedelta(microseconds=1)
    except ValueError:  # month 13, 31 September, hour 25, second 60, ...
        pass
    raise Quarantined("bad_timestamp")


def parse_date(text):
    try:
        return date_to_day(dt.date.fromisoformat(text))
    except ValueError:
        raise Quarantined("bad_timestamp")


def parse_money_cents(text):
    try:
        v = Decimal(text)
    except InvalidOperation:
        raise Quarantined("bad_number")
    if not v.is_finite() or v.as_tuple().exponent < -2:
        raise Quarantined("bad_number")
    if v <= 0:
        raise Quarantined("non_positive_amount")
    return int(v * 100)


def parse_float(text):
    try:
        v = float(text)
    except ValueError:
        raise Quarantined("bad_number")
    if not math.isfinite(v):
        raise Quarantined("bad_number")
    return v


def load_scenario_inputs(inputs, clock, as_of, ingest_now_us):
    """Emulate ingest for the kinds the features read: keep what the contract stores.

    Checks enough of the contract for scenarios to show that quarantined rows, duplicates
    and unknown students never reach a feature (missing required values, enums, numbers,
    timestamps, end < start, non-positive amounts, out-of-range values, future timestamps,
    unknown students, duplicate keys: first stored wins)."""
    data = Data(clock, as_of)
    rows_by_kind = {}
    for kind, text in inputs.items():
        if kind not in CONTRACT and kind not in DIMENSIONS:
            raise SystemExit(f"unknown record kind in [inputs]: {kind}")
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff").lstrip("\n")))
        spec = CONTRACT.get(kind, {"key": [], "req": []})
        missing = [c for c in spec["req"] if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{kind}: required column {missing[0]} missing from the header")
        rows_by_kind[kind] = [{k: (v or "").strip() for k, v in r.items() if k is not None}
                              for r in reader]

    # dimensions first (upsert: the last row of a key wins)
    for kind in ("students", "courses", "activities"):
        for r in rows_by_kind.get(kind, []):
            try:
                for c in CONTRACT[kind]["req"]:
                    if not r.get(c):
                        raise Quarantined("missing_required")
                if kind == "students":
                    try:
                        cohort = int(r["cohort"])
                    except ValueError:
                        raise Quarantined("bad_number")
                    data.students[r["student_id"]] = (r["major"], cohort)
                elif kind == "courses":
                    credits = parse_float(r["credits"])
                    if credits <= 0:
                        raise Quarantined("out_of_range")
                    data.courses[r["course_id"]] = credits
                else:
                    start = parse_ts(r["start_ts"], clock)
                    if parse_ts(r["end_ts"], clock) < start:
                        raise Quarantined("end_before_start")
                    data.activities[r["activity_id"]] = start
            except Quarantined:
                pass

    future_limit = ingest_now_us + DAY_US
    for kind, rows in rows_by_kind.items():
        if kind in DIMENSIONS:
            continue
        spec = CONTRACT[kind]
        stored = {}
        for r in rows:
            try:
                for c in spec["req"]:
                    if not r.get(c):
                        raise Quarantined("missing_required")
                for c, allowed in spec.get("enums", {}).items():
                    if r.get(c) and r[c] not in allowed:
                        raise Quarantined("bad_enum")
                rec = check_event(kind, r, clock)
                for c in TIMESTAMP_COLUMNS.get(kind, []):
                    if c != "due_at" and r.get(c) and parse_ts(r[c], clock) > future_limit:
                        raise Quarantined("future_timestamp")
                if r["student_id"] not in data.students:
                    raise Quarantined("unknown_student")
            except Quarantined:
                continue
            key = tuple(r[c] for c in spec["key"])
            if kind == "grades":
                key = (r["student_id"], r["course_id"], r["term"], int(r["attempt"]))
            if key in stored and not spec.get("upsert"):
                continue  # a duplicate: data we already have, stored once
            stored[key] = (r, rec)
        if not stored:
            continue
        data.present.add(kind)
        span_cols = []
        for col in SPAN_COLUMNS.get(kind, []):
            vals = []
            for r, _rec in stored.values():
                if r.get(col):
                    vals.append(parse_date(r[col]) if (kind, col) in DATE_COLUMNS
                                else parse_ts(r[col], clock))
            span_cols.append((col, vals))
        if kind != "network_sessions":  # sessions' span comes from data.sessions (clipped)
            data.span_times[kind] = span_cols
        target = {"card_transactions": data.card, "access_events": data.access,
                  "network_sessions": data.sessions, "attendance": data.attendance,
                  "participation": data.participation, "grades": data.grades}.get(kind)
        if target is not None:
            target.extend(rec for _r, rec in stored.values())
    return data


def check_event(kind, r, clock):
    """Value checks for one event row; returns the tuple the features read (or None)."""
    # every timestamp/date column must parse, whether or not a feature reads it
    for c in TIMESTAMP_COLUMNS.get(kind, []):
        if r.get(c):
            parse_ts(r[c], clock)
    if kind == "card_transactions":
        cents = parse_money_cents(r["amount"])
        return (r["student_id"], parse_ts(r["ts"], clock), cents, r["kind"],
                r["merchant_category"])
    if kind == "access_events":
        return (r["student_id"], parse_ts(r["ts"], clock), r["place_type"], r["direction"])
    if kind == "network_sessions":
        s, e = parse_ts(r["start_ts"], clock), parse_ts(r["end_ts"], clock)
        if e < s:
            raise Quarantined("end_before_start")
        return (r["student_id"], s, e)
    if kind == "library_loans":
        if r.get("returned_at") and (parse_ts(r["returned_at"], clock)
                                     < parse_ts(r["borrowed_at"], clock)):
            raise Quarantined("end_before_start")
        return None
    if kind == "attendance":
        return (r["student_id"], parse_ts(r["session_ts"], clock), r["status"])
    if kind == "participation":
        hours = parse_float(r["hours"])
        if hours < 0:
            raise Quarantined("out_of_range")
        if r["verified"].lower() not in ("true", "false", "1", "0"):
            raise Quarantined("bad_number")
        return (r["student_id"], r["activity_id"], hours)
    if kind == "grades":
        try:
            attempt = int(r["attempt"])
        except ValueError:
            raise Quarantined("bad_number")
        score = parse_float(r["score"]) if r.get("score") else None
        recorded = parse_date(r["recorded_at"])
        if attempt < 1 or (score is not None and not 0 <= score <= 100):
            raise Quarantined("out_of_range")
        return (r["student_id"], r["course_id"], r["term"], attempt, score, r["status"],
                recorded)
    if kind == "awards":
        parse_date(r["ts"])
    return None


# --------------------------------------------------------------------------------------
# Store (Delta Lake) inputs
# --------------------------------------------------------------------------------------

def load_store(store, clock, as_of):
    import pyarrow as pa
    import pyarrow.compute as pc
    from deltalake import DeltaTable

    data = Data(clock, as_of)

    def table(kind, columns):
        path = os.path.join(store, kind)
        if not os.path.isdir(os.path.join(path, "_delta_log")):
            return None  # the campus never sent this kind
        t = DeltaTable(path).to_pyarrow_table(columns=columns)
        return t

    def ts_us(col):
        # timestamps are stored as UTC instants; normalise the unit to µs, then to int64
        return pc.cast(pc.cast(col, pa.timestamp("us", tz="UTC")), pa.int64()).to_pylist()

    def days(col):
        return pc.cast(col, pa.int32()).to_pylist()

    t = table("students", ["student_id", "major", "cohort"])
    if t is None:
        raise SystemExit(f"{store}: no students table")
    for sid, major, cohort in zip(t["student_id"].to_pylist(), t["major"].to_pylist(),
                                  t["cohort"].to_pylist()):
        data.students[sid] = (major, cohort)

    t = table("courses", ["course_id", "credits"])
    if t is not None:
        data.courses = dict(zip(t["course_id"].to_pylist(),
                                pc.cast(t["credits"], pa.float64()).to_pylist()))
    t = table("activities", ["activity_id", "start_ts"])
    if t is not None:
        data.activities = dict(zip(t["activity_id"].to_pylist(), ts_us(t["start_ts"])))

    t = table("card_transactions", ["student_id", "ts", "amount", "kind",
                                    "merchant_category"])
    if t is not None and t.num_rows:
        data.present.add("card_transactions")
        cents = [round(v * 100) for v in pc.cast(t["amount"], pa.float64()).to_pylist()]
        data.card = list(zip(t["student_id"].to_pylist(), ts_us(t["ts"]), cents,
                             t["kind"].to_pylist(), t["merchant_category"].to_pylist()))
    t = table("access_events", ["student_id", "ts", "place_type", "direction"])
    if t is not None and t.num_rows:
        data.present.add("access_events")
        data.access = list(zip(t["student_id"].to_pylist(), ts_us(t["ts"]),
                               t["place_type"].to_pylist(), t["direction"].to_pylist()))
    t = table("network_sessions", ["student_id", "start_ts", "end_ts"])
    if t is not None and t.num_rows:
        data.present.add("network_sessions")
        data.sessions = list(zip(t["student_id"].to_pylist(), ts_us(t["start_ts"]),
                                 ts_us(t["end_ts"])))
    t = table("attendance", ["student_id", "session_ts", "status"])
    if t is not None and t.num_rows:
        data.present.add("attendance")
        data.attendance = list(zip(t["student_id"].to_pylist(), ts_us(t["session_ts"]),
                                   t["status"].to_pylist()))
    t = table("participation", ["student_id", "activity_id", "hours"])
    if t is not None and t.num_rows:
        data.present.add("participation")
        data.participation = list(zip(t["student_id"].to_pylist(),
                                      t["activity_id"].to_pylist(),
                                      pc.cast(t["hours"], pa.float64()).to_pylist()))
    t = table("grades", ["student_id", "course_id", "term", "attempt", "score", "status",
                         "recorded_at"])
    if t is not None and t.num_rows:
        data.present.add("grades")
        data.grades = list(zip(t["student_id"].to_pylist(), t["course_id"].to_pylist(),
                               t["term"].to_pylist(), t["attempt"].to_pylist(),
                               pc.cast(t["score"], pa.float64()).to_pylist(),
                               t["status"].to_pylist(), days(t["recorded_at"])))

    # The span needs only each column's first and last value seen before D (local dates
    # are monotonic in the instant), so take min/max with pyarrow instead of every value.
    for kind, cols in SPAN_COLUMNS.items():
        if kind == "network_sessions" or not cols:
            continue  # sessions: from data.sessions (ends are clipped, not filtered)
        t = table(kind, cols)
        if t is None or not t.num_rows:
            continue
        span_cols = []
        for col in cols:
            c = t[col]
            if (kind, col) in DATE_COLUMNS:
                v = pc.cast(c, pa.int32())
                v = pc.filter(v, pc.less(v, data.d_day))
            else:
                v = pc.cast(pc.cast(c, pa.timestamp("us", tz="UTC")), pa.int64())
                v = pc.filter(v, pc.less(v, data.d_us))
            mm = pc.min_max(v)
            vals = [x for x in (mm["min"].as_py(), mm["max"].as_py()) if x is not None]
            span_cols.append((col, vals))
        data.span_times[kind] = span_cols
    return data


# --------------------------------------------------------------------------------------
# Output and comparison
# --------------------------------------------------------------------------------------

def fmt(v):
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_csv(path, columns, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([fmt(r.get(c)) for c in columns])


def read_csv_text(text):
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff").lstrip("\n")))
    rows = [r for r in reader if r]
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def same_value(want, got):
    """Empty = null; numbers compare numerically (relative tolerance 1e-9); else text."""
    want, got = want.strip(), got.strip()
    if want == "" or got == "":
        return want == got
    try:
        a, b = float(want), float(got)
    except ValueError:
        return want == got
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def compare(expected_cols, expected_rows, actual_rows, key, limit=None):
    """Mismatch messages between two row sets (lists of dicts of text), by key."""
    out = []
    exp = {}
    for r in expected_rows:
        k = tuple(r[c] for c in key)
        if k in exp:
            out.append(f"expected lists key {k} twice")
        exp[k] = r
    act = {tuple(r[c] for c in key): r for r in actual_rows}
    check_cols = [c for c in expected_cols if c not in key]
    for k in sorted(exp):
        if k not in act:
            out.append(f"missing row {dict(zip(key, k))}")
            continue
        for c in check_cols:
            if c not in act[k]:
                out.append(f"{dict(zip(key, k))}: column {c} absent from the actual output")
                continue
            if not same_value(exp[k][c], act[k][c]):
                out.append(f"{dict(zip(key, k))} {c}: expected {exp[k][c]!r}, "
                           f"got {act[k][c]!r}")
    for k in sorted(act):
        if k not in exp:
            out.append(f"extra row {dict(zip(key, k))}: "
                       + ", ".join(f"{c}={act[k].get(c, '')}" for c in check_cols))
    return out


def run_scenario(path, verbose=False):
    import tomllib
    with open(path, "rb") as f:
        sc = tomllib.load(f)
    tz = sc.get("tz", "Asia/Shanghai")
    clock = Clock(tz)
    as_of = dt.date.fromisoformat(str(sc["as_of"]))
    if "ingest_now" in sc:
        now_text = str(sc["ingest_now"])
        ingest_now = (parse_ts(now_text, clock) if not re.match(r"^\d{4}-\d{2}-\d{2}$", now_text)
                      else clock.local_to_us(parse_date(now_text)))
    else:
        ingest_now = clock.local_to_us(date_to_day(as_of) + 30)
    table = sc["table"]
    key = sc.get("key", KEYS[table])
    inputs = dict(sc["inputs"])
    # `expected` belongs at the top level; a file that writes it after the [inputs] header
    # puts it inside that table (TOML rules), so accept it there too.
    expected = sc.get("expected", inputs.pop("expected", None))
    if expected is None:
        raise SystemExit(f"{path}: no `expected`")
    data = load_scenario_inputs(inputs, clock, as_of, ingest_now)
    rows = compute_week(data) if table == "student_week" else compute_term(data)
    actual = [{c: fmt(v) for c, v in r.items()} for r in rows]
    exp_cols, exp_rows = read_csv_text(expected)
    problems = compare(exp_cols, exp_rows, actual, key)
    if verbose or problems:
        cols = WEEK_COLUMNS if table == "student_week" else TERM_COLUMNS
        print(f"--- {path}: computed rows")
        print(",".join(cols))
        for r in actual:
            print(",".join(r.get(c, "") for c in cols))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--toml", action="append", default=[], help="a scenario file")
    ap.add_argument("--all", metavar="DIR", help="every *.toml scenario in DIR")
    ap.add_argument("--verbose", action="store_true", help="print the computed rows")
    ap.add_argument("--store", help="a radar store directory")
    ap.add_argument("--as-of", help="the refresh's as-of date D (YYYY-MM-DD)")
    ap.add_argument("--tz", default=os.environ.get("RADAR_TZ", "Asia/Shanghai"))
    ap.add_argument("--out", help="directory for student_week.csv and student_term.csv")
    ap.add_argument("--compare-dir", help="directory with radar's student_week.csv / "
                                          "student_term.csv to compare with")
    args = ap.parse_args()

    if args.toml or args.all:
        files = list(args.toml)
        if args.all:
            files += sorted(os.path.join(args.all, f) for f in os.listdir(args.all)
                            if f.endswith(".toml"))
        failed = 0
        for f in files:
            problems = run_scenario(f, args.verbose)
            if problems:
                failed += 1
                print(f"FAIL {f}")
                for p in problems:
                    print(f"  {p}")
            else:
                print(f"ok   {f}")
        print(f"{len(files) - failed} passed, {failed} failed")
        sys.exit(1 if failed else 0)

    if not (args.store and args.as_of and (args.out or args.compare_dir)):
        ap.error("give --toml/--all, or --store, --as-of and --out (and/or --compare-dir)")
    clock = Clock(args.tz)
    as_of = dt.date.fromisoformat(args.as_of)
    data = load_store(args.store, clock, as_of)
    week = compute_week(data)
    term = compute_term(data)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        write_csv(os.path.join(args.out, "student_week.csv"), WEEK_COLUMNS, week)
        write_csv(os.path.join(args.out, "student_term.csv"), TERM_COLUMNS, term)
        print(f"wrote {len(week)} student_week rows and {len(term)} student_term rows "
              f"to {args.out}")
    if args.compare_dir:
        bad = False
        for name, cols, rows in (("student_week", WEEK_COLUMNS, week),
                                 ("student_term", TERM_COLUMNS, term)):
            path = os.path.join(args.compare_dir, name + ".csv")
            with open(path, encoding="utf-8") as f:
                _hdr, theirs = read_csv_text(f.read())
            mine = [{c: fmt(r.get(c)) for c in cols} for r in rows]
            problems = compare(cols, mine, theirs, KEYS[name])
            if problems:
                bad = True
                print(f"{name}: {len(problems)} mismatches (reference = expected, "
                      f"{path} = got); first 20:")
                for p in problems[:20]:
                    print(f"  {p}")
            else:
                print(f"{name}: {len(mine)} rows agree")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
