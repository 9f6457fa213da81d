-- Coursework per student and term, as it stood at the as-of date. An item is due when
-- its due_at is before D; missing = due and not submitted by D; late = submitted after due.
SELECT student_id, term,
    CAST(COUNT(*) AS BIGINT) AS items,
    CAST(SUM(CASE WHEN due_at < {{as_of_ts}} THEN 1 ELSE 0 END) AS BIGINT) AS items_due,
    CAST(SUM(CASE WHEN submitted_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS submitted,
    CAST(SUM(CASE WHEN due_at < {{as_of_ts}} AND submitted_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS missing,
    CAST(SUM(CASE WHEN submitted_at > due_at THEN 1 ELSE 0 END) AS BIGINT) AS late,
    CAST(SUM(CASE WHEN due_at < {{as_of_ts}} AND submitted_at IS NULL THEN 1 ELSE 0 END) AS DOUBLE)
        / NULLIF(CAST(SUM(CASE WHEN due_at < {{as_of_ts}} THEN 1 ELSE 0 END) AS DOUBLE), 0) AS missing_rate,
    AVG(score) AS mean_score,
    SUM(CASE WHEN score IS NOT NULL THEN weight * score END)
        / NULLIF(SUM(CASE WHEN score IS NOT NULL THEN weight END), 0) AS weighted_score
FROM coursework
GROUP BY student_id, term
ORDER BY student_id, term
