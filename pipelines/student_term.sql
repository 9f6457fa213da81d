-- student_term: the term results of features.md, exactly as defined there.
-- Grades of a course not in `courses` carry no credits (LEFT JOIN, credits 0).
WITH g AS (
    SELECT g.student_id, g.term, g.attempt, g.score, g.status, COALESCE(c.credits, 0.0) AS credits
    FROM grades g LEFT JOIN courses c ON g.course_id = c.course_id
),
terms AS (
    SELECT DISTINCT student_id, term FROM g
),
first_attempts AS (
    SELECT student_id, term,
        SUM(credits) AS attempted_credits,
        -- A deferred attempt counts in attempted_credits only, whatever its score cell holds.
        SUM(CASE WHEN (score < 60 AND status <> 'deferred') OR status IN ('absent', 'cheating') THEN credits ELSE 0.0 END)
            AS failed_credits,
        -- grade point: 0 below 60, else 4 - 3 (100 - score)^2 / 1600; absent/cheating = 0;
        -- a `normal` row without a score is left out.
        SUM(CASE
            WHEN status = 'normal' AND score IS NOT NULL THEN
                credits * (CASE WHEN score < 60 THEN 0.0 ELSE 4.0 - 3.0 * (100.0 - score) * (100.0 - score) / 1600.0 END)
            WHEN status IN ('absent', 'cheating') THEN 0.0
        END) AS points,
        SUM(CASE
            WHEN (status = 'normal' AND score IS NOT NULL) OR status IN ('absent', 'cheating') THEN credits
        END) AS gpa_credits
    FROM g
    WHERE attempt = 1
    GROUP BY student_id, term
),
results AS (
    SELECT t.student_id, t.term,
        COALESCE(f.attempted_credits, 0.0) AS attempted_credits,
        COALESCE(f.failed_credits, 0.0) AS failed_credits,
        CASE WHEN f.gpa_credits > 0 THEN f.points / f.gpa_credits END AS gpa
    FROM terms t LEFT JOIN first_attempts f ON t.student_id = f.student_id AND t.term = f.term
),
ranked AS (
    -- Ranks compare gpa rounded to 9 decimals so summation noise does not break ties.
    SELECT r.student_id, r.term,
        CAST(RANK() OVER w - 1 AS DOUBLE) AS lower,
        CAST(COUNT(*) OVER (PARTITION BY r.term, s.major, s.cohort) AS DOUBLE) AS n
    FROM results r JOIN students s ON r.student_id = s.student_id
    WHERE r.gpa IS NOT NULL
    WINDOW w AS (PARTITION BY r.term, s.major, s.cohort ORDER BY round(r.gpa, 9))
)
SELECT r.student_id, r.term, r.attempted_credits, r.failed_credits, r.gpa,
    CASE WHEN k.n = 1 THEN 0.0 WHEN k.n > 1 THEN k.lower / (k.n - 1) END AS gpa_rank_pct
FROM results r LEFT JOIN ranked k ON r.student_id = k.student_id AND r.term = k.term
ORDER BY r.student_id, r.term
