//! `radar.toml`: the service's settings. Every key is optional; a key the program does
//! not know is an error naming it (exit 2), so a typo never silently falls back to a
//! default. Flags and `RADAR_*` variables override the file.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

use super::ServiceError;

/// The file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    store: Option<PathBuf>,
    tz: Option<String>,
    addr: Option<String>,
    schedule: Option<String>,
    capacity: Option<u32>,
    rules: Option<PathBuf>,
    models: Option<PathBuf>,
    pipelines: Option<PathBuf>,
    notify: Option<toml::Table>,
}

/// The checked settings of `radar serve`.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Store directory.
    pub store: PathBuf,
    /// Campus time zone.
    pub tz: Tz,
    /// Listen address.
    pub addr: String,
    /// Local time of the nightly refresh (`HH:MM`); none = no schedule.
    pub schedule: Option<String>,
    /// Warnings per counsellor per night (the rules' default when absent).
    pub capacity: Option<u32>,
    /// Warning rule file.
    pub rules: Option<PathBuf>,
    /// Model registry.
    pub models: PathBuf,
    /// Pipeline directory.
    pub pipelines: Option<PathBuf>,
    /// The `[notify]` table (checked by the notifications module).
    pub notify: Option<toml::Table>,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            store: PathBuf::from("radar-data"),
            tz: chrono_tz::Asia::Shanghai,
            addr: "127.0.0.1:8080".into(),
            schedule: None,
            capacity: None,
            rules: None,
            models: PathBuf::from("models"),
            pipelines: None,
            notify: None,
        }
    }
}

/// What the command line and environment set (a `None` leaves the file's value).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--store` / `RADAR_STORE`.
    pub store: Option<PathBuf>,
    /// `--tz` / `RADAR_TZ`.
    pub tz: Option<String>,
    /// `--addr` / `RADAR_ADDR`.
    pub addr: Option<String>,
    /// `--schedule` / `RADAR_SCHEDULE`.
    pub schedule: Option<String>,
}

impl ServiceConfig {
    /// Reads `path` (when given) and applies `o` on top.
    pub fn load(path: Option<&Path>, o: &Overrides) -> Result<ServiceConfig, ServiceError> {
        let file = match path {
            None => FileConfig::default(),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| ServiceError::Config(format!("{}: {e}", p.display())))?;
                parse(&text).map_err(|e| ServiceError::Config(format!("{}: {e}", p.display())))?
            }
        };
        let d = ServiceConfig::default();
        let tz_name = o.tz.clone().or(file.tz);
        let tz = match tz_name {
            None => d.tz,
            Some(n) => n.parse::<Tz>().map_err(|_| {
                ServiceError::Config(format!("unknown time zone `{n}`: use an IANA name such as Asia/Shanghai"))
            })?,
        };
        let schedule = o.schedule.clone().or(file.schedule);
        if let Some(s) = &schedule {
            if parse_hhmm(s).is_none() {
                return Err(ServiceError::Config(format!("schedule `{s}` is not a time: use HH:MM")));
            }
        }
        Ok(ServiceConfig {
            store: o.store.clone().or(file.store).unwrap_or(d.store),
            tz,
            addr: o.addr.clone().or(file.addr).unwrap_or(d.addr),
            schedule,
            capacity: file.capacity,
            rules: file.rules,
            models: file.models.unwrap_or(d.models),
            pipelines: file.pipelines,
            notify: file.notify,
        })
    }
}

fn parse(text: &str) -> Result<FileConfig, String> {
    // toml names the unknown key and lists the known ones.
    toml::from_str(text).map_err(|e| e.message().to_string())
}

/// Minutes after local midnight of an `HH:MM`.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() == 5).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_is_named_and_flags_win_over_the_file() {
        let err = parse("store = \"x\"\nshedule = \"02:00\"\n").expect_err("typo");
        assert!(err.contains("shedule"), "{err}");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("radar.toml");
        std::fs::write(
            &p,
            "store = \"from-file\"\naddr = \"0.0.0.0:1\"\nschedule = \"02:30\"\n[notify]\nfrom = \"a@b\"\n",
        )
        .expect("write");
        let c = ServiceConfig::load(Some(&p), &Overrides { addr: Some("127.0.0.1:9".into()), ..Default::default() })
            .expect("load");
        assert_eq!(c.store, PathBuf::from("from-file"));
        assert_eq!(c.addr, "127.0.0.1:9");
        assert_eq!(c.schedule.as_deref(), Some("02:30"));
        assert!(c.notify.is_some());
        std::fs::write(&p, "schedule = \"25:00\"\n").expect("write");
        assert!(ServiceConfig::load(Some(&p), &Overrides::default()).is_err());
        assert_eq!(parse_hhmm("02:30"), Some(150));
        assert_eq!(parse_hhmm("2:30"), None);
    }
}
