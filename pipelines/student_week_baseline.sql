-- Per-student baselines and cohort percentiles of the weekly features, one row per
-- (student, week, feature), so a warning can say "value, own baseline, cohort position".
--   baseline_mean / baseline_sd: mean and sample standard deviation of the student's own
--     previous 8 weeks (rows are contiguous weeks, so 8 rows = 8 weeks); null when fewer
--     than 4 of those weeks have a value.
--   baseline_z: (value - baseline_mean) / baseline_sd, null when the spread is 0.
--   cohort_pct: (number of students of the same major and cohort with a strictly lower
--     value that week) / (n - 1), as percent_rank; null when the value is null.
WITH w AS (
    SELECT sw.*, s.major, s.cohort
    FROM student_week sw JOIN students s ON sw.student_id = s.student_id
    WHERE sw.week_start >= {{lookback_start}}
),
long AS (
    SELECT student_id, week_start, major, cohort, 'meals' AS feature, CAST(meals AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'breakfast_days' AS feature, CAST(breakfast_days AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'canteen_spend' AS feature, CAST(canteen_spend AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'total_spend' AS feature, CAST(total_spend AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'meal_time_entropy' AS feature, CAST(meal_time_entropy AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'late_returns' AS feature, CAST(late_returns AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'library_visits' AS feature, CAST(library_visits AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'online_hours' AS feature, CAST(online_hours AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'night_online_hours' AS feature, CAST(night_online_hours AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'attendance_rate' AS feature, CAST(attendance_rate AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'activity_hours' AS feature, CAST(activity_hours AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'no_trace_days' AS feature, CAST(no_trace_days AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'shower_count' AS feature, CAST(shower_count AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'orderliness' AS feature, CAST(orderliness AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'wake_up_minutes' AS feature, CAST(wake_up_minutes AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'lms_clicks' AS feature, CAST(lms_clicks AS DOUBLE) AS value FROM w
    UNION ALL SELECT student_id, week_start, major, cohort, 'attendance_absences' AS feature, CAST(attendance_absences AS DOUBLE) AS value FROM w
),
based AS (
    SELECT student_id, week_start, major, cohort, feature, value,
        AVG(value) OVER prev AS mean8,
        STDDEV(value) OVER prev AS sd8,
        COUNT(value) OVER prev AS n8
    FROM long
    WINDOW prev AS (PARTITION BY student_id, feature ORDER BY week_start ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING)
)
SELECT student_id, week_start, feature, value,
    CASE WHEN n8 >= 4 THEN mean8 END AS baseline_mean,
    CASE WHEN n8 >= 4 THEN sd8 END AS baseline_sd,
    CAST(n8 AS BIGINT) AS baseline_weeks,
    CASE WHEN n8 >= 4 AND sd8 > 0 THEN (value - mean8) / sd8 END AS baseline_z,
    CASE WHEN value IS NOT NULL THEN
        PERCENT_RANK() OVER (PARTITION BY week_start, major, cohort, feature, value IS NULL ORDER BY value)
    END AS cohort_pct
FROM based
