//! The `radar` command line: parse (clap) → check into [`Settings`] → run → exit code.
//!
//! Exit codes (interfaces.md): `0` success (row-level quarantines included), `1` the job
//! failed in part or whole, `2` usage or configuration error. Errors go to stderr as
//! `radar: <what went wrong>: <cause>`; a closed stdout pipe ends quietly with `0`.

mod analysis_cmd;
pub mod args;
mod demo;
mod demo_serve;
mod evaluation_cmd;
mod generate_cmd;
mod import_cmd;
mod ingest_cmd;
mod models_cmd;
mod nightly;
mod note;
mod notify_cmd;
pub mod output;
mod pipelines_cmd;
mod profile_cmd;
mod progress;
mod recommend_cmd;
mod refresh_cmd;
mod serve_cmd;
mod sql_cmd;
mod warnings_cmd;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono_tz::Tz;
use clap::Parser;

use crate::schema::time::{parse_clock, Micros};
use args::{Cli, Command, OutputFormat};

/// Checked global settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Store directory.
    pub store: PathBuf,
    /// Campus time zone.
    pub tz: Tz,
    /// The clock.
    pub now: Micros,
    /// `-q`.
    pub quiet: bool,
    /// `-v` count.
    pub verbose: u8,
    /// `--wait`: a writing command waits for the store's writer lock.
    pub wait: bool,
    /// Whether `--now` / `RADAR_NOW` pinned the clock (a long-running service then keeps
    /// it; otherwise it follows the wall clock).
    pub now_given: bool,
}

/// A failure with its exit code.
#[derive(Debug)]
pub enum Failure {
    /// Exit 1: the job failed (message already printed when empty).
    Job(anyhow::Error),
    /// Exit 2: usage or configuration.
    Usage(anyhow::Error),
    /// Exit 1 with everything already reported.
    Reported,
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        let config = e.downcast_ref::<crate::Error>().is_some_and(crate::Error::is_config);
        if config {
            Failure::Usage(e)
        } else {
            Failure::Job(e)
        }
    }
}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        anyhow::Error::from(e).into()
    }
}

fn usage(what: impl Into<String>, hint: impl Into<String>) -> Failure {
    Failure::Usage(crate::Error::Config { what: what.into(), hint: hint.into() }.into())
}

impl Settings {
    fn from_cli(cli: &Cli) -> Result<Settings, Failure> {
        let tz: Tz = cli
            .tz
            .parse()
            .map_err(|_| usage(format!("unknown time zone `{}`", cli.tz), "use an IANA name such as Asia/Shanghai"))?;
        let now = match &cli.now {
            Some(s) => parse_clock(s, tz).ok_or_else(|| {
                usage(
                    format!("--now `{s}` is not a timestamp"),
                    "use RFC 3339 (2025-09-22T08:00:00+08:00), `YYYY-MM-DD HH:MM:SS` or a date",
                )
            })?,
            None => chrono::Utc::now().timestamp_micros(),
        };
        Ok(Settings {
            store: cli.store.clone(),
            tz,
            now,
            quiet: cli.quiet,
            verbose: cli.verbose,
            wait: cli.wait,
            now_given: cli.now.is_some(),
        })
    }

    /// Whether to draw progress bars: stderr is a terminal and not `-q`.
    pub fn progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }
}

/// The default output format: a table for people, CSV for pipes.
pub fn default_format(given: Option<OutputFormat>) -> OutputFormat {
    given.unwrap_or(if std::io::stdout().is_terminal() { OutputFormat::Table } else { OutputFormat::Csv })
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging(cli.quiet, cli.verbose);
    let result = Settings::from_cli(&cli).and_then(|s| runtime().and_then(|rt| rt.block_on(dispatch(cli.command, s))));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported) => ExitCode::from(1),
        Err(Failure::Job(e)) => report(e, 1),
        Err(Failure::Usage(e)) => report(e, 2),
    }
}

fn report(e: anyhow::Error, code: u8) -> ExitCode {
    if is_broken_pipe(&e) {
        return ExitCode::SUCCESS;
    }
    let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    eprintln!("radar: {}", chain.join(": "));
    ExitCode::from(code)
}

/// Whether the reader of stdout went away (`radar … | head`): a normal end, not an error.
/// The CSV writer hands the pipe's error back wrapped in an `Other` io error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    let csv_pipe = |c: &csv::Error| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe);
    e.chain().any(|c| {
        c.downcast_ref::<csv::Error>().is_some_and(csv_pipe)
            || c.downcast_ref::<std::io::Error>().is_some_and(|io| {
                io.kind() == BrokenPipe
                    || io.get_ref().and_then(|i| i.downcast_ref::<csv::Error>()).is_some_and(csv_pipe)
            })
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Job(anyhow::Error::from(e).context("cannot start the async runtime")))
}

fn init_logging(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RADAR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("campus_radar={level}")));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).without_time().try_init();
}

/// The command name when `command` writes to the store (see [`crate::store::lock`]).
/// Not here: `ingest` (locks once its options are checked and the store is created),
/// `schedule` (locks each night), `demo` (locks its own store), warning
/// lifecycle changes and audit rows (ops.sqlite only: SQLite's own locking), `models
/// activate|nightly` (the model registry, outside the store) and every reader.
fn writes(command: &Command) -> Option<&'static str> {
    use args::{EvaluateWhat, WarningsAction};
    match command {
        Command::Refresh(_) => Some("refresh"),
        Command::Train(_) => Some("train"),
        Command::Score(a) if !a.no_write => Some("score"),
        Command::Typology(_) => Some("typology"),
        Command::Hardship(_) => Some("hardship"),
        Command::Profile(a) if a.all => Some("profile --all"),
        Command::Recommend(a) if a.all => Some("recommend --all"),
        Command::Evaluate(a) if matches!(&a.what, EvaluateWhat::Students(e) if !e.no_write) => {
            Some("evaluate students")
        }
        Command::Warnings(a) if matches!(a.action, Some(WarningsAction::Raise { .. })) => Some("warnings raise"),
        _ => None,
    }
}

/// Takes the store's writer lock for `command` (exit 1 naming the holder when busy).
pub(super) async fn writer_lock(
    store: &crate::store::Store,
    command: &str,
    wait: bool,
) -> Result<crate::store::WriterLock, Failure> {
    let holder = format!("radar {command} (pid {})", std::process::id());
    Ok(crate::store::lock::acquire(store.root(), wait, &holder).await.map_err(crate::Error::from)?)
}

async fn dispatch(command: Command, settings: Settings) -> Result<(), Failure> {
    // Held until the command ends; a command that finds no store fails on its own terms.
    let _writer = match writes(&command) {
        Some(name) => match crate::store::Store::open_existing(&settings.store) {
            Ok(store) => Some(writer_lock(&store, name, settings.wait).await?),
            Err(_) => None,
        },
        None => None,
    };
    match command {
        Command::Ingest(a) => ingest_cmd::run(a, &settings).await,
        Command::Sql(a) => sql_cmd::run(a, &settings).await,
        Command::Demo(a) => demo::run(a, &settings).await,
        Command::Generate(a) => generate_cmd::run(a, &settings),
        Command::Import(a) => import_cmd::run(a, &settings),
        Command::Refresh(a) => refresh_cmd::run(a, &settings).await,
        Command::Runs(a) => refresh_cmd::runs(a, &settings).await,
        Command::Pipelines(a) => pipelines_cmd::run(a, &settings).await,
        Command::Schedule(a) => refresh_cmd::schedule(a, &settings).await,
        Command::Warnings(a) => warnings_cmd::run(a, &settings).await,
        Command::Evaluate(a) => warnings_cmd::evaluate(a, &settings).await,
        Command::Train(a) => models_cmd::train_cmd(a, &settings).await,
        Command::Score(a) => models_cmd::score_cmd(a, &settings).await,
        Command::Models(a) => models_cmd::models_cmd(a, &settings).await,
        Command::Typology(a) => analysis_cmd::typology(a, &settings).await,
        Command::Hardship(a) => analysis_cmd::hardship(a, &settings).await,
        Command::Profile(a) => profile_cmd::profile(a, &settings).await,
        Command::Timeline(a) => profile_cmd::timeline(a, &settings).await,
        Command::Recommend(a) => recommend_cmd::run(a, &settings).await,
        Command::Notify(a) => notify_cmd::run(a, &settings).await,
        Command::Serve(a) => serve_cmd::serve(a, &settings).await,
        Command::Users(a) => serve_cmd::users(a, &settings).await,
        Command::Tokens(a) => serve_cmd::tokens(a, &settings).await,
        Command::Audit(a) => serve_cmd::audit(a, &settings).await,
    }
}
