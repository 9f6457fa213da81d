-- Coursework by the local week (Monday) of its due date, for items due before D.
WITH due AS (
    SELECT student_id, submitted_at, due_at,
        CAST(date_trunc('week', to_local_time(arrow_cast(due_at, 'Timestamp(Microsecond, Some("{{tz_name}}"))'))) AS DATE)
            AS week_start
    FROM coursework
    WHERE due_at < {{as_of_ts}}
)
SELECT student_id, week_start,
    CAST(COUNT(*) AS BIGINT) AS items_due,
    CAST(SUM(CASE WHEN submitted_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS missing,
    CAST(SUM(CASE WHEN submitted_at > due_at THEN 1 ELSE 0 END) AS BIGINT) AS late
FROM due
GROUP BY student_id, week_start
ORDER BY student_id, week_start
