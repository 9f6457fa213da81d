//! Names the engine owns in a store, besides the record kinds.

/// Tables the engine itself writes (or shows in `radar sql`) that are not record kinds
/// and not pipeline outputs. A pipeline step named like one would overwrite it.
pub const ENGINE_TABLES: &[&str] = &[
    "quarantine",
    "quarantine_replay",
    "ingest_runs",
    "refresh_runs",
    "risk_scores",
    "warnings",
    "warning_events",
    "interventions",
    "audit_log",
    "student_profiles",
    "recommendations",
    "student_evaluation",
    "evaluation_weights",
    "student_typology",
    "hardship_scores",
];

/// Whether `name` is a table the engine owns (a record kind or one of [`ENGINE_TABLES`]),
/// or a name of the kind the engine uses for its internal views (`__raw_<kind>`).
pub fn is_engine_table(name: &str) -> bool {
    crate::schema::KindSpec::by_name(name).is_some() || ENGINE_TABLES.contains(&name) || name.starts_with("__")
}
