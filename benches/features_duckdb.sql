-- The reference features of /work/shared/spec/features.md (`student_week`, `student_term`)
-- written as DuckDB SQL: the competitor of the refresh benchmark (benches/refresh_bench.py)
-- and an independent check of `radar refresh` (benches/features_duckdb.py).
--
-- Input: one view per record kind, named as the kind, with the contract's column names and
-- the store's types (timestamps TIMESTAMPTZ = UTC instants, money DECIMAL(18,2), other
-- non-integer numbers DOUBLE, counts BIGINT, dates DATE). A kind the store does not hold
-- is an empty view with those columns (benches/features_duckdb.py makes them).
-- Parameters, substituted textually before running:
--   {{as_of}}  the as-of date D, YYYY-MM-DD: the data as it stood at D 00:00 local
--   {{tz}}     the campus time zone (Asia/Shanghai)
-- Output: tables student_week and student_term (created or replaced).
--
-- Readings of the definitions where features.md leaves room are marked "READING:".

SET TimeZone = '{{tz}}';

-- D 00:00 local as an instant, and D.
CREATE OR REPLACE TEMP MACRO asof_ts() AS timezone('{{tz}}', TIMESTAMP '{{as_of}} 00:00:00');
CREATE OR REPLACE TEMP MACRO asof_date() AS DATE '{{as_of}}';
-- instant -> local wall-clock TIMESTAMP; local wall-clock TIMESTAMP -> instant.
-- These are ICU's conversions, right for any zone. When the zone's UTC offset is constant
-- (Asia/Shanghai: +08:00 since 1991), features_duckdb.py swaps in the exact and about
-- three times cheaper fixed-offset forms
--   loc(t) = make_timestamp(epoch_us(t) + OFFSET_US)
--   inst(t) = make_timestamptz(epoch_us(t) - OFFSET_US)
CREATE OR REPLACE TEMP MACRO loc(t) AS timezone('{{tz}}', t);
CREATE OR REPLACE TEMP MACRO inst(t) AS timezone('{{tz}}', t);
-- the Monday of a date (weeks start Monday 00:00 local and are named by their Monday)
CREATE OR REPLACE TEMP MACRO monday(d) AS CAST(date_trunc('week', d) AS DATE);
-- minutes after local midnight (the slot and bin bounds are whole minutes, so comparing
-- the floor of the minute is exact for half-open intervals)
CREATE OR REPLACE TEMP MACRO tod_min(lt) AS (hour(lt) * 60 + minute(lt));

-- ---------------------------------------------------------------------------------------
-- Records visible as of D: event time before D 00:00 local.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP VIEW v_card AS
SELECT student_id, ts, loc(ts) AS lt, amount, kind, merchant_category
FROM card_transactions WHERE ts < asof_ts();

CREATE OR REPLACE TEMP VIEW v_access AS
SELECT student_id, ts, loc(ts) AS lt, place_type, direction
FROM access_events WHERE ts < asof_ts();

-- A session that started before D, clipped at D.  [s, e)
CREATE OR REPLACE TEMP VIEW v_net AS
SELECT student_id, start_ts AS s, least(end_ts, asof_ts()) AS e
FROM network_sessions WHERE start_ts < asof_ts();

CREATE OR REPLACE TEMP VIEW v_att AS
SELECT student_id, loc(session_ts) AS lt, status
FROM attendance WHERE session_ts < asof_ts();

-- READING: a participation row has no time of its own; its event time is its activity's
-- start_ts, so it is visible when the activity is known and started before D.
-- Participation in an activity not in `activities` counts in no week.
CREATE OR REPLACE TEMP VIEW v_part AS
SELECT p.student_id, loc(a.start_ts) AS lt, p.hours
FROM participation p JOIN activities a ON a.activity_id = p.activity_id
WHERE a.start_ts < asof_ts();

-- READING: "the store holds no records at all of a kind" is judged on what the refresh as
-- of D sees (the visible records above), so a refresh as of D gives the same answer
-- whatever was ingested with later event times. A participation row in an unknown
-- activity has no event time, so it is seen (participation is present) though it counts
-- in no week.
CREATE OR REPLACE TEMP TABLE present AS
SELECT
  EXISTS (SELECT 1 FROM v_card) AS card,
  EXISTS (SELECT 1 FROM v_access) AS access,
  EXISTS (SELECT 1 FROM v_net) AS net,
  EXISTS (SELECT 1 FROM v_att) AS att,
  EXISTS (SELECT 1 FROM participation p LEFT JOIN activities a ON a.activity_id = p.activity_id
          WHERE a.activity_id IS NULL OR a.start_ts < asof_ts()) AS part;

-- ---------------------------------------------------------------------------------------
-- The data set's span: first to last local date over every timestamp and date column of
-- every stored event kind (due_at excluded; network sessions count start and end, the
-- end clipped at D; a loan returned at or after D is not yet returned), visible as of D,
-- ending at D - 1 at the latest. Dimensions (activities' start_ts/end_ts) are not event
-- kinds; participation has no time column.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE span AS
WITH inst_bounds AS (
  SELECT min(ts) AS lo, max(ts) AS hi FROM card_transactions WHERE ts < asof_ts()
  UNION ALL
  SELECT min(ts), max(ts) FROM access_events WHERE ts < asof_ts()
  UNION ALL
  SELECT min(start_ts), max(least(end_ts, asof_ts())) FROM network_sessions WHERE start_ts < asof_ts()
  UNION ALL
  SELECT min(borrowed_at), greatest(max(borrowed_at), max(returned_at) FILTER (WHERE returned_at < asof_ts()))
  FROM library_loans WHERE borrowed_at < asof_ts()
  UNION ALL
  SELECT min(session_ts), max(session_ts) FROM attendance WHERE session_ts < asof_ts()
  UNION ALL
  SELECT min(ts), max(ts) FROM learning_events WHERE ts < asof_ts()
  UNION ALL
  SELECT min(submitted_at), max(submitted_at) FROM coursework WHERE submitted_at < asof_ts()
  UNION ALL
  SELECT min(ts), max(ts) FROM process_records WHERE ts < asof_ts()
  UNION ALL
  SELECT min(ts), max(ts) FROM assessments WHERE ts < asof_ts()
),
date_bounds AS (
  SELECT loc(lo)::DATE AS lo, loc(hi)::DATE AS hi FROM inst_bounds
  UNION ALL
  SELECT min(recorded_at), max(recorded_at) FROM grades WHERE recorded_at < asof_date()
  UNION ALL
  SELECT min(ts), max(ts) FROM awards WHERE ts < asof_date()
)
SELECT min(lo) AS span_start, least(max(hi), asof_date() - 1) AS span_end FROM date_bounds;

-- ---------------------------------------------------------------------------------------
-- student_week
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TABLE student_week AS
WITH RECURSIVE
-- Card transactions per (student, week). Distinct dates and (date, slot) pairs within a
-- week are counted as bits of a mask: bit (day of week * 3 + slot) for meals, bit (day of
-- week) for breakfast days and for the dates with any transaction (no_trace_days). Only
-- kind = purchase is spending; canteen purchases make meals and the entropy.
card AS (
  SELECT student_id, monday(d) AS w, d - monday(d) AS dow, tod // 30 AS bin,
         kind = 'purchase' AS purchase,
         kind = 'purchase' AND merchant_category = 'canteen' AS canteen,
         CASE WHEN tod >= 360 AND tod < 600 THEN 0     -- breakfast [06:00, 10:00)
              WHEN tod >= 600 AND tod < 870 THEN 1     -- lunch     [10:00, 14:30)
              WHEN tod >= 960 AND tod < 1230 THEN 2    -- dinner    [16:00, 20:30)
         END AS slot,
         amount
  FROM (SELECT *, lt::DATE AS d, tod_min(lt) AS tod FROM v_card)
),
card_week AS (
  SELECT student_id, w,
         coalesce(bit_count(bit_or(CASE WHEN canteen AND slot IS NOT NULL
                                        THEN 1::BIGINT << (dow * 3 + slot) END)), 0) AS meals,
         coalesce(bit_count(bit_or(CASE WHEN canteen AND slot = 0
                                        THEN 1::BIGINT << dow END)), 0) AS breakfast_days,
         coalesce(sum(amount) FILTER (WHERE canteen), 0) AS canteen_spend,
         coalesce(sum(amount) FILTER (WHERE purchase), 0) AS total_spend,
         count(*) FILTER (WHERE canteen) AS n_canteen,
         bit_or(1::BIGINT << dow) AS day_mask
  FROM card GROUP BY ALL
),
-- Shannon entropy in bits of the canteen purchases' times of day in 48 half-hour bins:
-- log2(N) - sum(n log2 n) / N over the bins' counts n (N = their sum); clamped at 0 so
-- that a single bin gives 0, not a rounding residue.
entropy AS (
  SELECT student_id, w, greatest(0.0, log2(sum(n)) - sum(n * log2(n)) / sum(n)) AS h
  FROM (SELECT student_id, w, bin, count(*) AS n FROM card WHERE canteen GROUP BY ALL)
  GROUP BY ALL
),
access_week AS (
  SELECT student_id, monday(lt::DATE) AS w, bit_or(1::BIGINT << (lt::DATE - monday(lt::DATE))) AS day_mask
  FROM v_access GROUP BY ALL
),
-- Late returns: a dorm `in` in [23:30, 05:00); before 05:00 it is the previous date's
-- night; the night counts in the week of its date.
late_week AS (
  SELECT student_id, monday(night) AS w, count(DISTINCT night) AS late_returns
  FROM (
    SELECT student_id,
           CASE WHEN tod_min(lt) < 300 THEN lt::DATE - 1 ELSE lt::DATE END AS night
    FROM v_access
    WHERE place_type = 'dorm' AND direction = 'in' AND (tod_min(lt) >= 1410 OR tod_min(lt) < 300)
  ) GROUP BY ALL
),
-- Library visits: an `in` at most 30 minutes (inclusive) after the previous counted `in`
-- of the same student is not counted; the chain runs over the whole visible history.
-- An `in` more than 30 minutes after the previous `in` (counted or not) is always counted
-- (a head), so the history splits into clusters at such gaps. Only the clusters of two or
-- more are walked, in order, by a recursive CTE carrying the last counted time (recursion
-- depth = the longest cluster, not the longest history).
lib AS (
  SELECT student_id, lt, epoch_us(ts) AS t,
         row_number() OVER (PARTITION BY student_id ORDER BY ts) AS rn,
         coalesce(epoch_us(ts) - lag(epoch_us(ts)) OVER (PARTITION BY student_id ORDER BY ts)
                  > 1800000000, true) AS head,
         lead(epoch_us(ts)) OVER (PARTITION BY student_id ORDER BY ts) - epoch_us(ts)
                  <= 1800000000 AS cluster_goes_on
  FROM v_access WHERE place_type = 'library' AND direction = 'in'
),
lib_member AS (  -- within 30 minutes of the previous `in`: counted only if the chain says so
  SELECT student_id, rn, t, lt FROM lib WHERE NOT head
),
lib_chain(student_id, rn, last_t, counted, lt) AS (
  SELECT student_id, rn, t, false, lt FROM lib WHERE head AND cluster_goes_on  -- (counted below)
  UNION ALL
  SELECT m.student_id, m.rn,
         CASE WHEN m.t - c.last_t > 1800000000 THEN m.t ELSE c.last_t END,
         m.t - c.last_t > 1800000000,
         m.lt
  FROM lib_chain c JOIN lib_member m ON m.student_id = c.student_id AND m.rn = c.rn + 1
),
lib_week AS (
  SELECT student_id, monday(lt::DATE) AS w, count(*) AS library_visits
  FROM (
    SELECT student_id, lt FROM lib WHERE head
    UNION ALL
    SELECT student_id, lt FROM lib_chain WHERE counted
  ) GROUP BY ALL
),
-- Network sessions [s, e) (already clipped at D), split into the weeks they overlap; a
-- zero-length session belongs to its start week. ls = local start, d0/d1 = the local
-- dates of the first and last instants it covers, w0/w1 their weeks.
net AS (
  SELECT student_id, s, e, ls, ls::DATE AS d0, l1::DATE AS d1,
         monday(ls::DATE) AS w0, monday(l1::DATE) AS w1
  FROM (SELECT *, loc(s) AS ls, loc(CASE WHEN e > s THEN make_timestamptz(epoch_us(e) - 1) ELSE s END) AS l1
        FROM v_net)
),
net_week AS (
  SELECT student_id, w, sum(us) / 3600e6 AS online_hours
  FROM (
    SELECT student_id, w0 AS w, epoch_us(e) - epoch_us(s) AS us FROM net WHERE w0 = w1
    UNION ALL
    -- a session across week boundaries: its part in each week [Monday, next Monday)
    SELECT student_id, w,
           epoch_us(least(e, inst((w + 7)::TIMESTAMP))) - epoch_us(greatest(s, inst(w::TIMESTAMP)))
    FROM (SELECT student_id, s, e,
                 unnest(generate_series(w0::TIMESTAMP, w1::TIMESTAMP, INTERVAL 7 DAY))::DATE AS w
          FROM net WHERE w0 < w1)
  ) GROUP BY ALL
),
-- Night hours: the part of each session in [00:00, 06:00) of each local day it touches;
-- that window lies inside the day's week, so it is also clipped to the week.
night_week AS (
  SELECT student_id, monday(d) AS w, sum(us) / 3600e6 AS night_online_hours
  FROM (
    SELECT student_id, d0 AS d,
           CASE WHEN hour(ls) < 6
                THEN greatest(0, epoch_us(least(e, inst(d0::TIMESTAMP + INTERVAL 6 HOUR))) - epoch_us(s))
                ELSE 0 END AS us
    FROM net WHERE d0 = d1
    UNION ALL
    SELECT student_id, d,
           greatest(0, epoch_us(least(e, inst(d::TIMESTAMP + INTERVAL 6 HOUR)))
                       - epoch_us(greatest(s, inst(d::TIMESTAMP))))
    FROM (SELECT student_id, s, e,
                 unnest(generate_series(d0::TIMESTAMP, d1::TIMESTAMP, INTERVAL 1 DAY))::DATE AS d
          FROM net WHERE d0 < d1)
  ) GROUP BY ALL
),
att_week AS (
  SELECT student_id, monday(lt::DATE) AS w,
         count(*) FILTER (WHERE status IN ('present', 'late')) AS attended,
         count(*) FILTER (WHERE status = 'absent') AS absent
  FROM v_att GROUP BY ALL
),
part_week AS (
  SELECT student_id, monday(lt::DATE) AS w, sum(hours) AS activity_hours
  FROM v_part GROUP BY ALL
),
-- Dates with a card transaction, access event or network session start (no_trace_days).
net_start_week AS (
  SELECT student_id, monday(d0) AS w, bit_or(1::BIGINT << (d0 - monday(d0))) AS day_mask
  FROM net GROUP BY ALL
),
trace_week AS (
  SELECT student_id, w, bit_count(bit_or(day_mask)) AS trace_days
  FROM (
    SELECT student_id, w, day_mask FROM card_week
    UNION ALL
    SELECT student_id, w, day_mask FROM access_week
    UNION ALL
    SELECT student_id, w, day_mask FROM net_start_week
  ) GROUP BY ALL
),
-- A row for every week from the student's first to last week holding any of their card
-- transactions, access events, network sessions (every week overlapped), attendance or
-- participation (the week of the activity's start_ts).
week_bounds AS (
  SELECT student_id, min(w0) AS first_w, max(w1) AS last_w
  FROM (
    SELECT student_id, w AS w0, w AS w1 FROM card_week
    UNION ALL
    SELECT student_id, w, w FROM access_week
    UNION ALL
    SELECT student_id, min(w0), max(w1) FROM net GROUP BY ALL
    UNION ALL
    SELECT student_id, w, w FROM att_week
    UNION ALL
    SELECT student_id, w, w FROM part_week
  )
  GROUP BY ALL
),
weeks AS (
  SELECT student_id,
         unnest(generate_series(first_w::TIMESTAMP, last_w::TIMESTAMP, INTERVAL 7 DAY))::DATE AS week_start
  FROM week_bounds
)
SELECT
  k.student_id,
  k.week_start,
  CASE WHEN p.card THEN coalesce(cw.meals, 0) END AS meals,
  CASE WHEN p.card THEN coalesce(cw.breakfast_days, 0) END AS breakfast_days,
  CASE WHEN p.card THEN coalesce(cw.canteen_spend, 0) END AS canteen_spend,
  CASE WHEN p.card THEN coalesce(cw.total_spend, 0) END AS total_spend,
  CASE WHEN p.card AND cw.n_canteen >= 2 THEN en.h END AS meal_time_entropy,
  CASE WHEN p.access THEN coalesce(lr.late_returns, 0) END AS late_returns,
  CASE WHEN p.access THEN coalesce(lv.library_visits, 0) END AS library_visits,
  CASE WHEN p.net THEN coalesce(nw.online_hours, 0) END AS online_hours,
  CASE WHEN p.net THEN coalesce(ng.night_online_hours, 0) END AS night_online_hours,
  CASE WHEN aw.attended + aw.absent > 0 THEN aw.attended / (aw.attended + aw.absent) END AS attendance_rate,
  CASE WHEN p.part THEN coalesce(pw.activity_hours, 0) END AS activity_hours,
  CASE WHEN p.card OR p.access OR p.net THEN
    greatest(0, least(k.week_start + 6, sp.span_end) - greatest(k.week_start, sp.span_start) + 1)
    - coalesce(tw.trace_days, 0) END AS no_trace_days
FROM weeks k
CROSS JOIN present p
CROSS JOIN span sp
LEFT JOIN card_week cw ON cw.student_id = k.student_id AND cw.w = k.week_start
LEFT JOIN entropy en ON en.student_id = k.student_id AND en.w = k.week_start
LEFT JOIN late_week lr ON lr.student_id = k.student_id AND lr.w = k.week_start
LEFT JOIN lib_week lv ON lv.student_id = k.student_id AND lv.w = k.week_start
LEFT JOIN net_week nw ON nw.student_id = k.student_id AND nw.w = k.week_start
LEFT JOIN night_week ng ON ng.student_id = k.student_id AND ng.w = k.week_start
LEFT JOIN att_week aw ON aw.student_id = k.student_id AND aw.w = k.week_start
LEFT JOIN part_week pw ON pw.student_id = k.student_id AND pw.w = k.week_start
LEFT JOIN trace_week tw ON tw.student_id = k.student_id AND tw.w = k.week_start;

-- ---------------------------------------------------------------------------------------
-- student_term: a row for every (student, term) with a grade recorded before D.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TABLE student_term AS
WITH
g AS (
  -- Grades of a course not in `courses` carry no credits (NULL here: left out of sums).
  SELECT g.student_id, g.term, g.attempt, g.score, g.status, c.credits AS cr
  FROM grades g LEFT JOIN courses c ON c.course_id = g.course_id
  WHERE g.recorded_at < asof_date()
),
first AS (
  SELECT *,
         -- READING: a deferred first attempt counts in attempted_credits only, so it is
         -- never failed (even with a score, which the contract says it has not).
         status IN ('absent', 'cheating') OR (status = 'normal' AND score < 60) AS failed,
         status IN ('absent', 'cheating') OR (status = 'normal' AND score IS NOT NULL) AS in_gpa,
         CASE WHEN status = 'normal' AND score >= 60
              THEN 4 - 3 * (100 - score) * (100 - score) / 1600 ELSE 0 END AS gp
  FROM g WHERE attempt = 1
),
per_term AS (
  SELECT k.student_id, k.term,
         coalesce(f.attempted, 0) AS attempted_credits,
         coalesce(f.failed_cr, 0) AS failed_credits,
         CASE WHEN f.gpa_cr > 0 THEN f.gpa_pts / f.gpa_cr END AS gpa
  FROM (SELECT DISTINCT student_id, term FROM g) k
  LEFT JOIN (
    SELECT student_id, term,
           sum(cr) AS attempted,
           sum(cr) FILTER (WHERE failed) AS failed_cr,
           sum(cr) FILTER (WHERE in_gpa) AS gpa_cr,
           sum(cr * gp) FILTER (WHERE in_gpa) AS gpa_pts
    FROM first GROUP BY ALL
  ) f ON f.student_id = k.student_id AND f.term = k.term
),
ranked AS (
  SELECT t.student_id, t.term, s.major, s.cohort, round(t.gpa, 9) AS g9
  FROM per_term t LEFT JOIN students s ON s.student_id = t.student_id
  WHERE t.gpa IS NOT NULL
),
rank_pct AS (
  SELECT student_id, term,
         CASE WHEN n = 1 THEN 0.0 ELSE (lower_n::DOUBLE) / (n - 1) END AS gpa_rank_pct
  FROM (
    SELECT student_id, term,
           rank() OVER (PARTITION BY term, major, cohort ORDER BY g9) - 1 AS lower_n,
           count(*) OVER (PARTITION BY term, major, cohort) AS n
    FROM ranked
  )
)
SELECT t.student_id, t.term, t.attempted_credits, t.failed_credits, t.gpa, r.gpa_rank_pct
FROM per_term t LEFT JOIN rank_pct r ON r.student_id = t.student_id AND r.term = t.term;
