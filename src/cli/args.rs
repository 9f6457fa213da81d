//! Command-line syntax (clap). Values are checked into [`super::Settings`] before any work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// campus-radar: early warnings and student profiles from campus records.
#[derive(Debug, Parser)]
#[command(name = "radar", version, about, propagate_version = true)]
pub struct Cli {
    /// Store directory (Delta Lake tables).
    #[arg(long, global = true, env = "RADAR_STORE", default_value = "radar-data")]
    pub store: PathBuf,
    /// Campus time zone (IANA name) for naive timestamps and for output.
    #[arg(long, global = true, env = "RADAR_TZ", default_value = "Asia/Shanghai")]
    pub tz: String,
    /// The clock every command uses instead of the wall clock (RFC 3339, naive local or a date).
    #[arg(long, global = true, env = "RADAR_NOW")]
    pub now: Option<String>,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more about what happens (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// A command that writes to the store waits for another writer to finish instead of exiting 1.
    #[arg(long, global = true)]
    pub wait: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest campus record files (CSV, NDJSON, Parquet; optionally .gz) into the store.
    Ingest(IngestArgs),
    /// Run a SQL query over the store's tables.
    Sql(SqlArgs),
    /// Ingest a freshly generated small campus into a fresh store and show what happened.
    Demo(DemoArgs),
    /// Write a realistic fabricated campus (every record kind) with planted ground truth.
    Generate(GenerateArgs),
    /// Map an outside data set onto contract files, ready for `radar ingest`.
    Import(ImportArgs),
    /// Run the feature pipelines over the records before the as-of date (incremental by default).
    Refresh(RefreshArgs),
    /// List refresh runs (`refresh_runs`), newest first.
    Runs(RunsArgs),
    /// Check, list or test the pipeline definitions.
    Pipelines(PipelinesArgs),
    /// Run the refresh every night at a local time, until stopped.
    Schedule(ScheduleArgs),
    /// List warnings (open ones by default), change their status, log interventions, check rules.
    Warnings(WarningsArgs),
    /// Comprehensive evaluation of students, community indicators, and evaluation against planted truth.
    Evaluate(EvaluateArgs),
    /// Train an academic-risk model: backtest candidates, calibrate, save to the registry.
    Train(TrainArgs),
    /// Score students as of a date with a saved model (higher = more at risk).
    Score(ScoreArgs),
    /// List, show or activate models in the registry.
    Models(ModelsArgs),
    /// Lifestyle typology: cluster students by routine and activity, each cluster in plain words.
    Typology(TypologyArgs),
    /// Hidden hardship: rank students by likely financial hardship, for verification in person.
    Hardship(HardshipArgs),
    /// One-click profile (一键画像) of a student, or build every student's profile (`--all`).
    Profile(ProfileArgs),
    /// A student's process record (过程记录): staff records, warnings, awards, activities, results.
    Timeline(TimelineArgs),
    /// Recommend activities, books, support resources and peer mentors to a student (or everyone).
    Recommend(RecommendArgs),
    /// Send the notifications of new and escalated warnings now (what the nightly run does).
    Notify(NotifyArgs),
    /// Serve the pages, the JSON API and the nightly schedule (service.md).
    Serve(ServeArgs),
    /// Accounts of the service: add, list, disable, enable, reset a password.
    Users(UsersArgs),
    /// API tokens: create (printed once) or revoke.
    Tokens(TokensArgs),
    /// List the audit log: who saw or changed what, when, from where.
    Audit(AuditArgs),
}

/// `radar serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen address (default 127.0.0.1:8080, or `addr` in the config file).
    #[arg(long, env = "RADAR_ADDR")]
    pub addr: Option<String>,
    /// Config file (`radar.toml`): store, tz, addr, schedule, capacity, [notify].
    #[arg(long, env = "RADAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Nightly refresh time `HH:MM` (overrides `schedule` in the config file).
    #[arg(long, env = "RADAR_SCHEDULE")]
    pub schedule: Option<String>,
}

/// `radar users`.
#[derive(Debug, Args)]
pub struct UsersArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: UsersAction,
}

/// `radar users …`.
#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Add an account (a random password is printed once unless --password-stdin).
    Add {
        /// Login name.
        username: String,
        /// admin, analyst, leader, counsellor, mentor, psychologist or student.
        #[arg(long)]
        role: String,
        /// The staff record a staff role acts as.
        #[arg(long)]
        staff_id: Option<String>,
        /// The student record of a student account.
        #[arg(long)]
        student_id: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List {
        /// Output format (default: table on a terminal, CSV in a pipe).
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
    /// Disable an account (its sessions end, its tokens stop working).
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Login name.
        username: String,
    },
    /// Set a new random password (printed once) or one read from stdin.
    ResetPassword {
        /// Login name.
        username: String,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `radar tokens`.
#[derive(Debug, Args)]
pub struct TokensArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TokensAction,
}

/// `radar tokens …`.
#[derive(Debug, Subcommand)]
pub enum TokensAction {
    /// Create an API token for an account; the token is printed once.
    Create {
        /// Login name.
        username: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
        /// The token may only post events (`POST /api/v1/events/{kind}`).
        #[arg(long)]
        ingest: bool,
    },
    /// Revoke a token by id.
    Revoke {
        /// Token id (the part after `rdr_`, before the second `_`).
        token_id: String,
    },
    /// List live tokens (ids and owners, never the secrets).
    List {
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
}

/// `radar audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this actor (username, staff id or `os:user`).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only rows about this student.
    #[arg(long)]
    pub student: Option<String>,
    /// From this instant on (RFC 3339, naive local or a date).
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many rows, newest first.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Output format (default: table on a terminal, CSV in a pipe).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// radar.toml with the `[notify]` table (default: ./radar.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Show what would be sent; send and record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar recommend`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["student", "all"])))]
pub struct RecommendArgs {
    /// The student (ids only are shown: never names).
    pub student: Option<String>,
    /// Compute everyone's recommendations and write the `recommendations` table for D.
    #[arg(long, conflicts_with = "student")]
    pub all: bool,
    /// As-of date D (`YYYY-MM-DD`). Default: the latest successful refresh's, else today by --now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Suggestions to print.
    #[arg(short = 'n', long = "top", default_value_t = 10)]
    pub n: usize,
    /// Support resource file (default: ./pipelines/recommend/resources.toml when present, else built-in).
    #[arg(long, env = "RADAR_RESOURCES")]
    pub resources: Option<PathBuf>,
    /// Output format (default: table on a terminal, csv otherwise; with --all: a summary).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Staff id of the viewer: peer mentors and reasons naming a screening warning are
    /// shown only to the roles that may see them, and the view is audited.
    #[arg(long = "as", value_name = "STAFF_ID", conflicts_with = "all")]
    pub viewer: Option<String>,
}

/// `radar profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Student id (omit with --all).
    #[arg(required_unless_present = "all")]
    pub student_id: Option<String>,
    /// Build and store every student's profile (what the nightly refresh does).
    #[arg(long, conflicts_with = "student_id")]
    pub all: bool,
    /// As-of date D (`YYYY-MM-DD`). Default: the latest build (a point read), else the latest refresh.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ProfileFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Staff id of the viewer: shows the personal fields that role may see, and is audited.
    #[arg(long = "as", value_name = "STAFF_ID")]
    pub viewer: Option<String>,
}

/// Profile renderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileFormat {
    /// Text for a terminal.
    Text,
    /// The profile document.
    Json,
    /// One self-contained html page with charts (Chinese, with an English switch).
    Html,
}

/// `radar timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Student id.
    pub student_id: String,
    /// Only what was known before this date (`YYYY-MM-DD`). Default: everything before --now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Staff id of the viewer: shows the notes that role may read, and is audited.
    #[arg(long = "as", value_name = "STAFF_ID")]
    pub viewer: Option<String>,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Registry name of the model.
    #[arg(long)]
    pub name: String,
    /// What to predict.
    #[arg(long, value_enum, default_value = "credits6")]
    pub target: crate::models::registry::Target,
    /// Cut off at week N of every term with coursework and grades; the latest term (or,
    /// with one term, the newest cohort) is the backtest.
    #[arg(long, conflicts_with = "train_as_of")]
    pub week: Option<u32>,
    /// Training cut-off dates (repeatable); the term is the one the date falls in.
    #[arg(long = "train-as-of")]
    pub train_as_of: Vec<String>,
    /// Test cut-off dates (repeatable); must be later terms than the training ones.
    #[arg(long = "test-as-of", requires = "train_as_of")]
    pub test_as_of: Vec<String>,
    /// Test on these cohorts and train on the others (one term of outcomes).
    #[arg(long = "test-cohort")]
    pub test_cohort: Vec<i64>,
    /// Comma-separated features (default: all). Protected attributes are refused.
    #[arg(long)]
    pub features: Option<String>,
    /// Model families to try: all, logistic or forest.
    #[arg(long, default_value = "all")]
    pub family: String,
    /// Share of students the alert list should hold (default: the training base rate).
    #[arg(long)]
    pub alert_share: Option<f64>,
    /// Seed for the forests.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Make this the model the nightly refresh scores with.
    #[arg(long)]
    pub nightly: bool,
    /// Model registry directory.
    #[arg(long, env = "RADAR_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// Output format of the backtest table.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model name, or NAME@VERSION (default version: the active one).
    #[arg(long)]
    pub model: String,
    /// As-of date: the model sees records before it (default: today by --now).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Add whether the outcome is already known, the alert flag and the top reasons.
    #[arg(long)]
    pub explain: bool,
    /// Do not write the scores to the store's `risk_scores` table.
    #[arg(long)]
    pub no_write: bool,
    /// Model registry directory.
    #[arg(long, env = "RADAR_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Model registry directory.
    #[arg(long, global = true, env = "RADAR_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub action: ModelsAction,
}

/// `radar models` actions.
#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// Every model version with its status, window and test metrics.
    List {
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
    /// A model card: features and weights, metrics, reliability, fairness.
    Show {
        /// NAME or NAME@VERSION.
        model: String,
        /// The whole model file as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make NAME@VERSION the version that scores.
    Activate {
        /// NAME@VERSION.
        model: String,
    },
    /// The feature matrix a model would see as of a date (every feature; empty = unknown).
    Features {
        /// As-of date: only records before it count.
        #[arg(long)]
        as_of: String,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
    /// Make NAME the model the nightly refresh scores with.
    Nightly {
        /// NAME.
        name: String,
    },
}

/// `radar typology`.
#[derive(Debug, Args)]
pub struct TypologyArgs {
    /// As-of date D (`YYYY-MM-DD`). Default: the latest successful refresh's, else today by --now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Complete weeks before D to summarise.
    #[arg(long, default_value_t = 8)]
    pub weeks: usize,
    /// Number of clusters (default: chosen in 2..=8 by mean silhouette).
    #[arg(long)]
    pub k: Option<usize>,
    /// Print each student's cluster instead of the cluster summary (json: both).
    #[arg(long)]
    pub students: bool,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar hardship`.
#[derive(Debug, Args)]
pub struct HardshipArgs {
    /// As-of date D (`YYYY-MM-DD`). Default: the latest successful refresh's, else today by --now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Complete weeks before D.
    #[arg(long, default_value_t = 4)]
    pub weeks: usize,
    /// Candidates to list (default: the top 5% of scored students).
    #[arg(long)]
    pub top: Option<usize>,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar warnings`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WarningsArgs {
    /// Lifecycle action, intervention log or rule check; without one, list warnings.
    #[command(subcommand)]
    pub action: Option<WarningsAction>,
    /// Only this counsellor's warnings (staff id).
    #[arg(long)]
    pub counsellor: Option<String>,
    /// Only this college.
    #[arg(long)]
    pub college: Option<String>,
    /// Only this level: red, orange or yellow.
    #[arg(long)]
    pub level: Option<String>,
    /// Only this category: academic, wellbeing, economic or safety.
    #[arg(long)]
    pub category: Option<String>,
    /// Only this student.
    #[arg(long)]
    pub student: Option<String>,
    /// Statuses: `open` (new, acknowledged, in_progress; the default), `all`, or a comma list.
    #[arg(long, default_value = "open")]
    pub status: String,
    /// Only the last night's list: warnings raised or changed by the latest raise.
    #[arg(long)]
    pub today: bool,
    /// Add the students' names (authorised staff only: names are personal data).
    #[arg(long)]
    pub with_names: bool,
    /// Staff id of the person listing or exporting, for the audit log (default: the OS user);
    /// warnings drawn from a screening are restricted unless that role may read health data.
    #[arg(long = "as", value_name = "STAFF_ID")]
    pub viewer: Option<String>,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<WarningsFormat>,
    /// Write to this file instead of stdout (required for xlsx on a terminal).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// Formats of `radar warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WarningsFormat {
    /// Aligned columns for people.
    Table,
    /// RFC 4180 CSV.
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// An Excel workbook.
    Xlsx,
}

/// `radar warnings` actions.
#[derive(Debug, Subcommand)]
pub enum WarningsAction {
    /// new → acknowledged.
    Ack(TransitionArgs),
    /// new / acknowledged → in_progress.
    Start(TransitionArgs),
    /// Open → resolved.
    Resolve(TransitionArgs),
    /// Open → false_positive (kept for evaluation).
    FalsePositive(TransitionArgs),
    /// Log an intervention against a warning (it appears in the student's process record).
    Log(LogArgs),
    /// Show one warning with its status history and interventions.
    Show {
        /// Warning id.
        id: String,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Staff id of the viewer, for the audit log (default: the OS user); a warning drawn
        /// from a screening is restricted unless that role may read health data.
        #[arg(long = "as", value_name = "STAFF_ID")]
        viewer: Option<String>,
    },
    /// Evaluate the rules as of the last published refresh (the refresh does this itself).
    Raise {
        /// Rule file (default: ./pipelines/warnings/rules.toml when present, else built-in).
        #[arg(long, env = "RADAR_RULES")]
        rules: Option<PathBuf>,
    },
    /// Rule file commands.
    Rules {
        /// What to do.
        #[command(subcommand)]
        action: RulesAction,
    },
}

/// `radar warnings rules` actions.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Check a rule file: keys, types, features, sources, level order, composite references.
    Validate {
        /// Rule file (default: ./pipelines/warnings/rules.toml when present, else built-in).
        #[arg(long, env = "RADAR_RULES")]
        rules: Option<PathBuf>,
    },
    /// List the rules.
    List {
        /// Rule file.
        #[arg(long, env = "RADAR_RULES")]
        rules: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
}

/// A lifecycle change.
#[derive(Debug, Args)]
pub struct TransitionArgs {
    /// Warning id.
    pub id: String,
    /// Staff id of the person acting.
    #[arg(long)]
    pub by: String,
    /// A note (kept in the operational store, never logged); `-` reads it from stdin.
    #[arg(long, allow_hyphen_values = true)]
    pub note: Option<String>,
    /// Read the note from this file (keeps it out of the shell's history).
    #[arg(long, value_name = "PATH", conflicts_with = "note")]
    pub note_file: Option<PathBuf>,
}

/// `radar warnings log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Warning id.
    pub id: String,
    /// What was done: talk, referral, home_visit, aid or other.
    #[arg(long)]
    pub kind: String,
    /// Staff id.
    #[arg(long)]
    pub by: String,
    /// What happened; `-` reads it from stdin.
    #[arg(long, allow_hyphen_values = true, required_unless_present = "note_file")]
    pub note: Option<String>,
    /// Read what happened from this file (keeps it out of the shell's history).
    #[arg(long, value_name = "PATH", conflicts_with = "note")]
    pub note_file: Option<PathBuf>,
}

/// `radar evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// What to evaluate.
    #[command(subcommand)]
    pub what: EvaluateWhat,
}

/// `radar evaluate` targets.
#[derive(Debug, Subcommand)]
pub enum EvaluateWhat {
    /// Score the warnings raised night by night against a generated campus's planted truth.
    Warnings {
        /// Directory written by `radar generate` (its `truth/` is read).
        #[arg(long)]
        truth: PathBuf,
        /// Also list per-rule figures.
        #[arg(long)]
        per_rule: bool,
        /// Rule file (for the capacity and silence span).
        #[arg(long, env = "RADAR_RULES")]
        rules: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
    /// Comprehensive evaluation (科学评价, 德智体美劳) of every active student in a term.
    Students(EvalStudentsArgs),
    /// Guideline indicators of the student community for a month (items 1.3, 1.5, 2.2, 2.6, 2.8).
    Community(EvalCommunityArgs),
    /// Score the hidden-hardship ranking and the NJUST-style rule against planted truth.
    Hardship {
        /// Directory written by `radar generate` (its `truth/students.csv` is read).
        #[arg(long)]
        truth: PathBuf,
        /// As-of date D (`YYYY-MM-DD`). Default: the latest successful refresh's.
        #[arg(long)]
        as_of: Option<String>,
        /// Complete weeks before D.
        #[arg(long, default_value_t = 4)]
        weeks: usize,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
    /// Hold out each student's latest series (and loans' classes) and score CF against popularity.
    Recommendations {
        /// As-of date D (`YYYY-MM-DD`). Default: the latest successful refresh's.
        #[arg(long)]
        as_of: Option<String>,
        /// Distinct series (or classes) held out per student.
        #[arg(long, default_value_t = 2)]
        holdout: usize,
        /// List length scored (recall@k, NDCG@k).
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
}

/// `radar evaluate students`.
#[derive(Debug, Args)]
pub struct EvalStudentsArgs {
    /// Term `YYYY-YYYY-N` (autumn = August–January, spring = February–July). Default: the
    /// latest term with any record before the clock's date.
    #[arg(long)]
    pub term: Option<String>,
    /// Indicator file (default: ./pipelines/evaluation/indicators.toml when present, else built-in).
    #[arg(long, env = "RADAR_INDICATORS")]
    pub indicators: Option<PathBuf>,
    /// Expert weights (`[weights] indicator = number`) instead of the entropy weight method.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Print the indicator weights (for the committee) instead of the students.
    #[arg(long)]
    pub show_weights: bool,
    /// Do not write `student_evaluation` and `evaluation_weights`.
    #[arg(long)]
    pub no_write: bool,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar evaluate community`.
#[derive(Debug, Args)]
pub struct EvalCommunityArgs {
    /// Month `YYYY-MM` (default: the last complete calendar month before the clock's date).
    #[arg(long)]
    pub month: Option<String>,
    /// Group rows by campus (one group), dorm building or college.
    #[arg(long, value_enum, default_value = "campus")]
    pub by: CommunityBy,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// Groupings of `radar evaluate community`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommunityBy {
    /// The whole campus.
    Campus,
    /// Dorm building.
    Building,
    /// College.
    College,
}

/// `radar refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// As-of date D (`YYYY-MM-DD`): the refresh sees records before D 00:00 local. Default: today by --now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Recompute everything instead of only the weeks touched since the last refresh.
    #[arg(long)]
    pub full: bool,
    /// Pipeline directory (default: ./pipelines when present, else the built-in pipelines).
    #[arg(long, env = "RADAR_PIPELINES")]
    pub pipelines: Option<PathBuf>,
    /// Summary format on stdout (default: a summary on stderr only).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Refresh every night from this date up to the as-of date, in order (a backfill:
    /// each night sees only what was known by its morning, and raises its warnings).
    #[arg(long)]
    pub from: Option<String>,
    /// Warning rule file (default: ./pipelines/warnings/rules.toml when present, else built-in).
    #[arg(long, env = "RADAR_RULES")]
    pub rules: Option<PathBuf>,
    /// Do not evaluate the warning rules after the refresh.
    #[arg(long)]
    pub no_warnings: bool,
    /// Do not rebuild the typology and the profiles after the refresh.
    #[arg(long)]
    pub no_profiles: bool,
    /// Model registry; the model named in its NIGHTLY file scores after each refresh.
    #[arg(long, env = "RADAR_MODELS", default_value = "models")]
    pub models: PathBuf,
}

/// `radar runs`.
#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Show at most this many runs.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar pipelines`.
#[derive(Debug, Args)]
pub struct PipelinesArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: PipelinesAction,
    /// Pipeline directory (default: ./pipelines when present, else the built-in pipelines).
    #[arg(long, global = true, env = "RADAR_PIPELINES")]
    pub pipelines: Option<PathBuf>,
}

/// `radar pipelines` actions.
#[derive(Debug, Subcommand)]
pub enum PipelinesAction {
    /// Check the graph (unknown inputs, cycles) and that every SQL step plans.
    Validate,
    /// List the steps in run order.
    List {
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
    /// Run the pipeline tests (rows in, expected rows out).
    Test {
        /// Test files or directories (default: the `tests` directory beside the pipelines).
        paths: Vec<PathBuf>,
    },
}

/// `radar schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Local time of day to refresh, `HH:MM`, in the campus zone.
    #[arg(long, default_value = "02:30")]
    pub at: String,
    /// Also refresh once right away.
    #[arg(long)]
    pub now_too: bool,
    /// Stop after this many refreshes (default: run until stopped).
    #[arg(long)]
    pub max_runs: Option<u32>,
    /// Pipeline directory.
    #[arg(long, env = "RADAR_PIPELINES")]
    pub pipelines: Option<PathBuf>,
    /// Warning rule file.
    #[arg(long, env = "RADAR_RULES")]
    pub rules: Option<PathBuf>,
    /// Model registry; the model named in its NIGHTLY file scores after each refresh.
    #[arg(long, env = "RADAR_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// radar.toml whose `[notify]` table says who is told of new warnings after each night.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `radar generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of students.
    #[arg(long, default_value_t = 1_000)]
    pub students: u32,
    /// Number of weeks.
    #[arg(long, default_value_t = 4)]
    pub weeks: u32,
    /// First day, `YYYY-MM-DD` (moved back to its Monday).
    #[arg(long, default_value = "2025-09-08")]
    pub start: String,
    /// Seed: the same seed writes byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (created; files in it are overwritten).
    #[arg(long)]
    pub out: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: GenFormat,
    /// Share of extra bad rows per file (e.g. 0.01), listed in truth/dirty.csv.
    #[arg(long, default_value_t = 0.0)]
    pub dirty: f64,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

/// `radar import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The data set.
    #[command(subcommand)]
    pub source: ImportSource,
}

/// Data sets `radar import` maps.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// The Open University Learning Analytics Dataset (tables as NAME.csv or NAME.csv.gz).
    Oulad {
        /// Directory holding the OULAD tables.
        dir: PathBuf,
        /// Output directory (created; its contract files and import_report.json are overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Summary format on stdout (default: table on a terminal, csv otherwise).
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
}

/// Formats `radar generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// Parquet (string columns).
    Parquet,
}

/// `radar ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or directories (a directory means the matching files directly in it).
    #[arg(required_unless_present = "replay_quarantine")]
    pub paths: Vec<PathBuf>,
    /// Record kind of every file, instead of deriving it from the file name.
    #[arg(long)]
    pub kind: Option<String>,
    /// Text encoding of CSV and NDJSON input: utf-8, gb18030 or gbk.
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// Re-check rows quarantined for an unknown student and store those now known.
    #[arg(long)]
    pub replay_quarantine: bool,
    /// Summary format on stdout (default: a summary on stderr only).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Rows per Arrow batch (memory vs. overhead).
    #[arg(long, default_value_t = 65_536, hide = true)]
    pub batch_rows: usize,
}

/// `radar sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// One read-only SQL statement; tables are named as in the store (`radar sql "SHOW TABLES"`).
    pub query: String,
    /// Who is asking, for the audit log (default: the OS user).
    #[arg(long = "as", value_name = "STAFF_ID")]
    pub actor: Option<String>,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `radar demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory of campus files to ingest instead of a freshly generated campus.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Store for the demo (replaced if it is a radar store).
    #[arg(long, default_value = "radar-demo")]
    pub demo_store: PathBuf,
    /// Then create one account per role and serve the demo store (`radar serve`).
    #[arg(long)]
    pub serve: bool,
    /// Listen address with --serve.
    #[arg(long, requires = "serve")]
    pub addr: Option<String>,
}

/// Tabular output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}
