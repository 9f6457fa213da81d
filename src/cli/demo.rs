//! `radar demo`: the sample campus into a fresh store, then what to try next.

use std::path::{Path, PathBuf};

use super::args::DemoArgs;
use super::ingest_cmd::finish;
use super::{usage, Failure, Settings};
use crate::ingest::{self, Encoding, IngestOptions, NoProgress};
use crate::store::{Store, MARKER};

/// Where the committed sample data lives when run from a checkout.
const SAMPLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/campus");
/// The sample campus's "today": its two weeks end on 2025-09-21.
const SAMPLE_NOW: &str = "2025-09-22T08:00:00+08:00";

pub(super) async fn run(args: DemoArgs, s: &Settings) -> Result<(), Failure> {
    let data = args.data.clone().unwrap_or_else(|| PathBuf::from(SAMPLE_DIR));
    if !data.is_dir() {
        return Err(usage(
            format!("no sample data at {}", data.display()),
            "pass --data DIR",
        ));
    }
    let root = &args.demo_store;
    fresh_store(root)?;
    let store = Store::open(root).map_err(crate::Error::from)?;
    let now = crate::schema::time::parse_clock(SAMPLE_NOW, s.tz).unwrap_or(s.now);
    let opts = IngestOptions {
        kind: None,
        encoding: Encoding::Utf8,
        tz: s.tz,
        now,
        batch_rows: 65_536,
    };
    eprintln!(
        "radar demo: ingesting {} into {} (clock {SAMPLE_NOW})",
        data.display(),
        root.display()
    );
    let outcome = ingest::ingest(&store, &[data], &opts, &NoProgress)
        .await
        .map_err(crate::Error::from)?;
    let quiet = Settings {
        quiet: false,
        ..s.clone()
    };
    finish(&outcome, None, &quiet)?;
    let stored: u64 = outcome.reports.iter().map(|r| r.stored).sum();
    let quarantined: u64 = outcome.reports.iter().map(|r| r.quarantined).sum();
    let st = root.display();
    println!(
        "Stored {stored} rows in {} files; {quarantined} rows quarantined.",
        outcome.reports.len()
    );
    println!();
    println!("Try next:");
    println!("  radar --store {st} sql \"SELECT kind, stored, quarantined FROM ingest_runs\"");
    println!("  radar --store {st} sql \"SELECT merchant_category, count(*) AS n, sum(amount) AS yuan FROM card_transactions GROUP BY 1 ORDER BY n DESC\"");
    println!("  radar --store {st} sql \"SELECT * FROM quarantine\" --format json");
    println!("  radar --store {st} --now 2025-09-22 ingest sample_data/fixtures/bad_input");
    Ok(())
}

/// Removes an earlier demo store; refuses to touch a directory that is not a radar store.
fn fresh_store(root: &Path) -> Result<(), Failure> {
    if !root.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(root).map(|mut d| d.next().is_none()).unwrap_or(false);
    if !empty && !root.join(MARKER).exists() {
        return Err(usage(
            format!("{} exists and is not a radar store", root.display()),
            "pass --demo-store DIR",
        ));
    }
    std::fs::remove_dir_all(root)
        .map_err(|e| Failure::Job(anyhow::Error::from(e).context(format!("cannot remove {}", root.display()))))
}
