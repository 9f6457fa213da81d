//! `radar pipelines validate | list | test`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use arrow::array::{RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};

use super::args::{PipelinesAction, PipelinesArgs};
use super::output::write_batches;
use super::{default_format, Failure, Settings};
use crate::pipeline;

pub(super) async fn run(args: PipelinesArgs, s: &Settings) -> Result<(), Failure> {
    let dir = pipeline::resolve_dir(args.pipelines);
    let p = pipeline::load(dir.as_deref()).map_err(crate::Error::from)?;
    match args.action {
        PipelinesAction::Validate => {
            let steps = pipeline::check::validate(&p).await.map_err(crate::Error::from)?;
            if !s.quiet {
                eprintln!("{}: {} steps, graph and SQL ok", p.source, steps.len());
                for c in &steps {
                    eprintln!(
                        "  {} ({}, {}, {} columns) ← {}",
                        c.name,
                        c.kind,
                        c.refresh,
                        c.columns,
                        c.inputs.join(", ")
                    );
                }
            }
            Ok(())
        }
        PipelinesAction::List { format } => {
            let steps = pipeline::check::validate(&p).await.map_err(crate::Error::from)?;
            let col = |f: &dyn Fn(&pipeline::check::Checked) -> String| -> Arc<StringArray> {
                Arc::new(StringArray::from(steps.iter().map(f).collect::<Vec<_>>()))
            };
            let batch = RecordBatch::try_new(
                Arc::new(Schema::new(vec![
                    Field::new("step", DataType::Utf8, false),
                    Field::new("kind", DataType::Utf8, false),
                    Field::new("refresh", DataType::Utf8, false),
                    Field::new("inputs", DataType::Utf8, false),
                    Field::new("columns", DataType::UInt64, false),
                    Field::new("file", DataType::Utf8, false),
                ])),
                vec![
                    col(&|c| c.name.clone()),
                    col(&|c| c.kind.clone()),
                    col(&|c| c.refresh.clone()),
                    col(&|c| c.inputs.join(" ")),
                    Arc::new(UInt64Array::from(steps.iter().map(|c| c.columns as u64).collect::<Vec<_>>())),
                    col(&|c| c.file.clone()),
                ],
            )
            .context("formatting the list")?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_batches(&mut out, &[batch], default_format(format), s.tz).context("writing output")?;
            out.flush().context("writing output")?;
            Ok(())
        }
        PipelinesAction::Test { paths } => {
            let paths = if paths.is_empty() {
                vec![dir.clone().unwrap_or_else(|| PathBuf::from("pipelines")).join("tests")]
            } else {
                paths
            };
            let mut outcomes = Vec::new();
            for p in &paths {
                if p.is_dir() {
                    outcomes.extend(crate::refresh::testing::run_dir(p, dir.as_deref()).await);
                } else {
                    outcomes.push(crate::refresh::testing::run_file(p, dir.as_deref()).await);
                }
            }
            let failed = outcomes.iter().filter(|o| !o.ok).count();
            for o in &outcomes {
                println!("{} {}  {}", if o.ok { "ok  " } else { "FAIL" }, o.file, o.description);
                for p in &o.problems {
                    println!("       {p}");
                }
            }
            println!("{} tests, {} passed, {failed} failed", outcomes.len(), outcomes.len() - failed);
            if outcomes.is_empty() {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "no pipeline tests found in {}",
                    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                )));
            }
            if failed > 0 {
                Err(Failure::Reported)
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The reserved list lives before the modules that write these tables (pipelines may not
    /// look ahead): this keeps it complete.
    #[test]
    fn every_table_the_engine_writes_is_reserved() {
        let mut written = vec![
            crate::ingest::quarantine::QUARANTINE,
            crate::ingest::quarantine::REPLAY,
            crate::ingest::runs::INGEST_RUNS,
            crate::refresh::runs::REFRESH_RUNS,
            crate::models::score::RISK_SCORES,
            crate::profile::PROFILE_TABLE,
            crate::recommend::table::TABLE,
            crate::evaluation::tables::STUDENT_EVALUATION,
            crate::evaluation::tables::EVALUATION_WEIGHTS,
            super::super::analysis_cmd::TYPOLOGY_TABLE,
            super::super::analysis_cmd::HARDSHIP_TABLE,
        ];
        let dir = tempfile::tempdir().unwrap();
        let db = crate::warnings::db::OpsDb::open(dir.path()).unwrap();
        written.extend(crate::warnings::db::sql_tables(&db).unwrap().into_iter().map(|(name, _)| name));
        for name in written {
            assert!(crate::store::ENGINE_TABLES.contains(&name), "{name} is not reserved");
            assert!(crate::store::is_engine_table(name));
        }
    }
}
