//! `radar demo`: a freshly generated small campus (or `--data DIR`) into a fresh store,
//! then what to try next. The committed sample_data/ stays for the tests.

use std::path::{Path, PathBuf};

use super::args::DemoArgs;
use super::ingest_cmd::finish;
use super::{usage, Failure, Settings};
use crate::ingest::{self, Encoding, IngestOptions, NoProgress};
use crate::store::{collect_stream, Store, MARKER};

/// The clock for `--data`: the committed sample campus's two weeks end on 2025-09-21.
const SAMPLE_NOW: &str = "2025-09-22T08:00:00+08:00";
/// The demo campus: small enough to generate and ingest in a few seconds.
const DEMO_STUDENTS: u32 = 400;
/// Enough weeks for the warnings' baselines (8 weeks) and recent window (3).
const DEMO_WEEKS: u32 = 12;
const DEMO_SEED: u64 = 20250908;

pub(super) async fn run(args: DemoArgs, s: &Settings) -> Result<(), Failure> {
    let (data, clock) = match &args.data {
        Some(d) => (d.clone(), SAMPLE_NOW.to_string()),
        None => generate_demo(&args.demo_store, s)?,
    };
    if !data.is_dir() {
        return Err(usage(format!("no sample data at {}", data.display()), "pass --data DIR"));
    }
    let root = &args.demo_store;
    fresh_store(root)?;
    let store = Store::open(root).map_err(crate::Error::from)?;
    let _writer = super::writer_lock(&store, "demo", s.wait).await?;
    let now = crate::schema::time::parse_clock(&clock, s.tz).unwrap_or(s.now);
    let opts = IngestOptions { kind: None, encoding: Encoding::Utf8, tz: s.tz, now, batch_rows: 65_536 };
    eprintln!("radar demo: ingesting {} into {} (clock {clock})", data.display(), root.display());
    let outcome = ingest::ingest(&store, &[data], &opts, &NoProgress).await.map_err(crate::Error::from)?;
    let quiet = Settings { quiet: false, ..s.clone() };
    finish(&outcome, None, &quiet)?;
    let stored: u64 = outcome.reports.iter().map(|r| r.stored).sum();
    let quarantined: u64 = outcome.reports.iter().map(|r| r.quarantined).sum();
    let st = root.display();
    println!("Stored {stored} rows in {} files; {quarantined} rows quarantined.", outcome.reports.len());
    println!();
    features(&store, now, s).await?;
    println!();
    let counsellor = warnings(&store, now, s).await?;
    println!();
    let profiled = profiles(&store, root, s).await?;
    println!();
    println!("Try next:");
    if let Some(id) = &profiled {
        println!("  radar --store {st} profile {id} --format html --output {id}.html");
        println!("  radar --store {st} timeline {id}");
    }
    if let Some(c) = &counsellor {
        println!("  radar --store {st} warnings --counsellor {c} --format xlsx --output {c}.xlsx");
        println!("  radar --store {st} warnings ack W000001 --by {c} --note \"called the student\"");
    }
    println!(
        "  radar --store {st} sql \"SELECT category, level, count(*) AS n FROM warnings GROUP BY 1, 2 ORDER BY 1, 2\""
    );
    println!("  radar --store {st} sql \"SELECT kind, stored, quarantined FROM ingest_runs\"");
    println!("  radar --store {st} sql \"SELECT merchant_category, count(*) AS n, sum(amount) AS yuan FROM card_transactions GROUP BY 1 ORDER BY n DESC\"");
    println!("  radar --store {st} sql \"SELECT * FROM quarantine\" --format json");
    println!("  radar --store {st} sql \"SELECT * FROM student_term ORDER BY gpa DESC LIMIT 10\"");
    println!("  radar --store {st} runs");
    println!("  radar generate --students 2000 --weeks 6 --dirty 0.01 --out campus-dirty");
    println!();
    if !args.serve {
        println!("In the browser, with one login per role: radar demo --serve (prints the address and the passwords)");
        return Ok(());
    }
    // The service writes only through its own nights and ingests: the CLI stays usable.
    drop(_writer);
    let addr = args.addr.as_deref().unwrap_or("127.0.0.1:8080");
    super::demo_serve::serve(root, now, addr, counsellor, profiled, s).await
}

/// Runs the nightly refresh as of the clock's date and prints a sample student's weeks.
async fn features(store: &Store, now: crate::schema::time::Micros, s: &Settings) -> Result<(), Failure> {
    let opts = crate::refresh::RefreshOptions { as_of: None, full: false, wait: false, tz: s.tz, now, pipelines: None };
    let report = crate::refresh::refresh(store, &opts, &crate::refresh::Quiet).await.map_err(crate::Error::from)?;
    let rows: u64 = report.steps.iter().map(|r| r.rows).sum();
    println!("Refreshed features as of {}: {} steps, {rows} rows.", report.as_of, report.steps.len());
    let sql = "SELECT week_start, meals, breakfast_days, canteen_spend, late_returns, library_visits, \
               round(online_hours, 1) AS online_h, round(night_online_hours, 1) AS night_h, \
               round(attendance_rate, 2) AS attendance, no_trace_days, round(wake_up_minutes / 60, 2) AS wake_h \
               FROM student_week WHERE student_id = (SELECT min(student_id) FROM student_week) ORDER BY week_start";
    let sample = "SELECT min(student_id) FROM student_week";
    let id =
        collect_stream(store.query(sample).await.map_err(crate::Error::from)?).await.map_err(crate::Error::from)?;
    let id = id.first().and_then(|b| crate::store::text_column(b, 0).ok()).map(|c| c.value(0).to_string());
    println!("Weekly features of student {}:", id.unwrap_or_default());
    let batches =
        collect_stream(store.query(sql).await.map_err(crate::Error::from)?).await.map_err(crate::Error::from)?;
    let mut out = std::io::stdout().lock();
    super::output::write_batches(&mut out, &batches, super::args::OutputFormat::Table, s.tz)
        .map_err(|e| Failure::Job(anyhow::Error::from(e)))?;
    Ok(())
}

/// Raises the warnings as of the refresh and prints the busiest counsellor's morning list.
async fn warnings(store: &Store, now: crate::schema::time::Micros, s: &Settings) -> Result<Option<String>, Failure> {
    let rules = crate::warnings::rules::load(None).map_err(crate::Error::from)?;
    let r = crate::warnings::raise(store, &rules, s.tz, now).await.map_err(crate::Error::from)?;
    println!(
        "Warnings as of {}: {} rule firings, {} new warnings ({} deferred by the daily capacity of {} per counsellor).",
        r.as_of, r.candidates, r.raised, r.deferred, rules.settings.capacity
    );
    let db = crate::warnings::db::OpsDb::open(store.root()).map_err(crate::Error::from)?;
    let all = db.list(&crate::warnings::db::Filter::default()).map_err(crate::Error::from)?;
    let mut per: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for w in &all {
        *per.entry(w.counsellor_id.as_str()).or_default() += 1;
    }
    let Some((c, _)) = per.iter().max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c))) else {
        println!("No open warnings.");
        return Ok(None);
    };
    let c = c.to_string();
    println!("Morning list of counsellor {c}, most urgent first:");
    let mut out = std::io::stdout().lock();
    for w in all.iter().filter(|w| w.counsellor_id == c) {
        use std::io::Write;
        let line = format!(
            "  {} {:<6} {:<9} {} {}\n      {}\n      {}\n",
            w.warning_id, w.level, w.category, w.student_id, w.rule, w.reason_zh, w.reason_en
        );
        out.write_all(line.as_bytes()).map_err(|e| Failure::Job(anyhow::Error::from(e)))?;
    }
    Ok(Some(c))
}

/// Builds the nightly products and prints the profile of the first student on the busiest
/// counsellor's list; writes its html next to the store.
async fn profiles(store: &Store, root: &Path, s: &Settings) -> Result<Option<String>, Failure> {
    let as_of = store.published().map_err(crate::Error::from)?.as_of;
    super::nightly::products(store, &as_of, s).await?;
    let db = crate::warnings::db::OpsDb::open(store.root()).map_err(crate::Error::from)?;
    let open = db.list(&crate::warnings::db::Filter::default()).map_err(crate::Error::from)?;
    let id = match open.first() {
        Some(w) => w.student_id.clone(),
        None => {
            let sql = "SELECT min(student_id) FROM students";
            let b = collect_stream(store.query(sql).await.map_err(crate::Error::from)?)
                .await
                .map_err(crate::Error::from)?;
            match b.first().and_then(|b| crate::store::text_column(b, 0).ok()) {
                Some(c) if arrow::array::Array::len(&c) > 0 => c.value(0).to_string(),
                _ => return Ok(None),
            }
        }
    };
    let Some(p) = crate::profile::serving::read(store.root(), &id).map_err(|e| Failure::Job(e.into()))? else {
        return Ok(None);
    };
    // The demo has no viewer: personal fields stay masked, as in any default output.
    let shown = crate::profile::access::apply(&p, crate::profile::access::Grants::default());
    println!("One-click profile of student {id} (personal fields masked):");
    print!("{}", crate::profile::render::text::render(&shown));
    let html = root.join(profile_file(&id));
    let page = crate::profile::render::html::render(&shown).map_err(|e| Failure::Job(e.into()))?;
    std::fs::write(&html, page).map_err(|e| Failure::Job(anyhow::Error::from(e)))?;
    println!();
    println!("Wrote the html profile (charts inline, Chinese with an English switch) to {}", html.display());
    Ok(Some(id))
}

/// The html profile's file name. The id comes from the data, so only a plain one may
/// become part of a file name: `../x` must not write outside the demo directory.
fn profile_file(id: &str) -> String {
    let plain = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        format!("profile-{id}.html")
    } else {
        "profile.html".to_string()
    }
}

/// Generates the demo campus into `<demo-store>-input`; returns it and its clock.
fn generate_demo(store: &Path, s: &Settings) -> Result<(PathBuf, String), Failure> {
    let mut name = store.as_os_str().to_os_string();
    name.push("-input");
    let out = PathBuf::from(name);
    let start = crate::schema::time::parse_date("2025-09-08").unwrap_or_default();
    let o = crate::generate::GenerateOptions {
        students: DEMO_STUDENTS,
        weeks: DEMO_WEEKS,
        start,
        seed: DEMO_SEED,
        out: out.clone(),
        format: crate::generate::OutFormat::Csv,
        dirty: 0.0,
        tz: s.tz,
        threads: 2,
    };
    eprintln!("radar demo: generating {DEMO_STUDENTS} students × {DEMO_WEEKS} weeks into {}", out.display());
    let summary = crate::generate::generate(&o).map_err(crate::Error::from)?;
    Ok((out, summary.now))
}

/// Removes an earlier demo store; refuses to touch a directory that is not a radar store.
fn fresh_store(root: &Path) -> Result<(), Failure> {
    if !root.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(root).map(|mut d| d.next().is_none()).unwrap_or(false);
    if !empty && !root.join(MARKER).exists() {
        return Err(usage(format!("{} exists and is not a radar store", root.display()), "pass --demo-store DIR"));
    }
    std::fs::remove_dir_all(root)
        .map_err(|e| Failure::Job(anyhow::Error::from(e).context(format!("cannot remove {}", root.display()))))
}

#[cfg(test)]
mod tests {
    use super::profile_file;

    #[test]
    fn a_profile_file_name_stays_in_its_directory() {
        assert_eq!(profile_file("S0001"), "profile-S0001.html");
        for id in ["../x", "/etc/x", "a/b", "a\\b", "..", "", "S\u{0}1", "学生1"] {
            assert_eq!(profile_file(id), "profile.html", "{id:?}");
        }
    }
}
