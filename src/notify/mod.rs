//! Notifications after each nightly run (issue 15 item 5).
//!
//! ```text
//!  ops.sqlite warnings ─► digest::pending (new or escalated) ─► per counsellor
//!     ─► recipients (own channel, else the college's robot) ─► messages
//!        (a red safety warning on its own, first; the rest in one digest per channel)
//!     ─► claim keys ─► email / wecom / dingtalk, retried with backoff ─► deliveries
//! ```
//!
//! A warning reaches a person at most once per channel and level, whatever the number of
//! runs, restarts or processes ([`deliveries`]); a failed message gives its warnings back
//! and the next run tries again. The service and `radar schedule` call [`after_night`]
//! after the warnings are raised; a real-time raise calls [`urgent`].

pub mod config;
pub mod deliveries;
pub mod digest;
pub mod dingtalk;
pub mod email;
pub mod http;
pub mod recipients;
pub mod wecom;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use config::NotifyConfig;

use crate::schema::time::Micros;
use crate::warnings::db::OpsDb;
use deliveries::{Attempt, Key};
use digest::{Audience, News, Text};
use http::SendError;
use recipients::{Dest, Target};

/// Looks up an environment variable (the process's, or a test's map).
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Send + Sync);

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Errors of a notification run. A channel that fails is not one: it is recorded as a
/// failed delivery and tried again next run.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The `[notify]` settings (exit code 2).
    #[error("{what}: {hint}")]
    Config {
        /// What is wrong.
        what: String,
        /// What to do about it.
        hint: String,
    },
    /// The operational database.
    #[error("operational store: {0}")]
    Db(String),
    /// Reading a file the config names.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl NotifyError {
    /// Whether this is a configuration error (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, NotifyError::Config { .. } | NotifyError::Io { .. })
    }
}

impl From<rusqlite::Error> for NotifyError {
    fn from(e: rusqlite::Error) -> Self {
        NotifyError::Db(e.to_string())
    }
}

impl From<crate::warnings::WarningError> for NotifyError {
    fn from(e: crate::warnings::WarningError) -> Self {
        NotifyError::Db(e.to_string())
    }
}

/// A channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// E-mail (SMTP).
    Email,
    /// WeCom group robot.
    Wecom,
    /// DingTalk group robot.
    Dingtalk,
}

impl Channel {
    /// `email`, `wecom` or `dingtalk`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Wecom => "wecom",
            Channel::Dingtalk => "dingtalk",
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct NotifyReport {
    /// Messages delivered.
    pub sent: u64,
    /// Messages that failed every try (tried again next run).
    pub failed: u64,
    /// Counsellors with news but no channel, and messages skipped because their endpoint
    /// was unreachable earlier in the run.
    pub skipped: u64,
    /// Send attempts.
    pub attempts: u64,
    /// One line per message (and per counsellor without a channel).
    pub messages: Vec<MessageReport>,
}

/// One message of a run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MessageReport {
    /// `urgent` or `digest`.
    pub kind: &'static str,
    /// `email`, `wecom`, `dingtalk`, or empty when the person has no channel.
    pub channel: &'static str,
    /// The counsellor.
    pub staff_id: String,
    /// Warnings in the message.
    pub warning_ids: Vec<String>,
    /// `sent`, `failed`, `would_send` (dry run), `no_channel` or `unreachable`.
    pub status: &'static str,
    /// Attempts made.
    pub attempts: u32,
    /// The last error's class.
    pub error: Option<String>,
}

/// How to run.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Work out the messages without sending or recording anything.
    pub dry_run: bool,
    /// Only the red safety warnings (right after a raise).
    pub only_urgent: bool,
    /// Where secrets named in the config are read.
    pub env: Env<'a>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options { dry_run: false, only_urgent: false, env: &process_env }
    }
}

/// After a night's raise: urgent messages first, then one digest per counsellor and channel.
pub async fn after_night(store_root: &Path, cfg: &NotifyConfig, now: Micros) -> Result<NotifyReport, NotifyError> {
    run(store_root, cfg, now, &Options::default()).await
}

/// Right after any raise: the red safety warnings not yet sent, each on its own.
pub async fn urgent(store_root: &Path, cfg: &NotifyConfig, now: Micros) -> Result<NotifyReport, NotifyError> {
    run(store_root, cfg, now, &Options { only_urgent: true, ..Options::default() }).await
}

/// Failed delivery attempts ever recorded, for `/metrics`.
pub fn failure_count(db: &OpsDb) -> Result<u64, NotifyError> {
    deliveries::failure_count(db)
}

/// A message to send.
struct Planned<'c> {
    urgent: bool,
    target: Target<'c>,
    staff_id: String,
    items: Vec<News>,
}

/// One notification run with explicit options.
pub async fn run(
    store_root: &Path,
    cfg: &NotifyConfig,
    now: Micros,
    opts: &Options<'_>,
) -> Result<NotifyReport, NotifyError> {
    cfg.check()?;
    let mut rep = NotifyReport::default();
    if !cfg.has_recipients() || !OpsDb::exists(store_root) {
        return Ok(rep);
    }
    let senders = if opts.dry_run { None } else { Some(Senders::new(cfg, opts.env)?) };
    let mut db = OpsDb::open(store_root)?;
    deliveries::ensure(&db)?;
    let mut news = digest::pending(&db)?;
    if opts.only_urgent {
        news.retain(News::urgent);
    }
    if news.is_empty() {
        return Ok(rep);
    }
    let known = if cfg.colleges.is_empty() { HashMap::new() } else { recipients::staff_colleges(store_root).await };
    let plans = plan(&db, cfg, &known, digest::by_counsellor(news), now, &mut rep)?;
    let started = Instant::now();
    let mut down: HashSet<String> = HashSet::new();
    for p in plans {
        let line = deliver(&mut db, senders.as_ref(), cfg, p, now, started, &mut down).await?;
        match line.status {
            "sent" => rep.sent += 1,
            "failed" => rep.failed += 1,
            "unreachable" => rep.skipped += 1,
            _ => {}
        }
        rep.attempts += u64::from(line.attempts);
        rep.messages.push(line);
    }
    tracing::info!(sent = rep.sent, failed = rep.failed, skipped = rep.skipped, "notifications");
    Ok(rep)
}

/// The messages, urgent ones first, each with only the warnings its recipient has not had.
fn plan<'c>(
    db: &OpsDb,
    cfg: &'c NotifyConfig,
    known: &HashMap<String, String>,
    by_staff: std::collections::BTreeMap<String, Vec<News>>,
    now: Micros,
    rep: &mut NotifyReport,
) -> Result<Vec<Planned<'c>>, NotifyError> {
    let (mut urgent, mut digests) = (Vec::new(), Vec::new());
    for (staff, items) in by_staff {
        let targets = recipients::targets(cfg, &staff, recipients::college_of(&staff, known, &items));
        if targets.is_empty() {
            rep.skipped += 1;
            rep.messages.push(MessageReport {
                kind: "digest",
                channel: "",
                staff_id: staff.clone(),
                warning_ids: items.iter().map(|n| n.warning_id.clone()).collect(),
                status: "no_channel",
                attempts: 0,
                error: None,
            });
            continue;
        }
        for target in targets {
            let mut fresh = Vec::new();
            for n in &items {
                let k = Key {
                    channel: target.channel.as_str(),
                    staff_id: &staff,
                    warning_id: &n.warning_id,
                    level: &n.max_level,
                };
                if !deliveries::taken(db, &k, now)? {
                    fresh.push(n.clone());
                }
            }
            let (now_items, rest): (Vec<News>, Vec<News>) = fresh.into_iter().partition(News::urgent);
            for n in now_items {
                urgent.push(Planned { urgent: true, target: target.clone(), staff_id: staff.clone(), items: vec![n] });
            }
            if !rest.is_empty() {
                digests.push(Planned { urgent: false, target, staff_id: staff.clone(), items: rest });
            }
        }
    }
    urgent.extend(digests);
    Ok(urgent)
}

/// Claims, sends with retries, records every attempt, settles the claim.
async fn deliver(
    db: &mut OpsDb,
    senders: Option<&Senders<'_>>,
    cfg: &NotifyConfig,
    mut p: Planned<'_>,
    now: Micros,
    started: Instant,
    down: &mut HashSet<String>,
) -> Result<MessageReport, NotifyError> {
    let channel = p.target.channel.as_str();
    let mut line = MessageReport {
        kind: if p.urgent { "urgent" } else { "digest" },
        channel,
        staff_id: p.staff_id.clone(),
        warning_ids: p.items.iter().map(|n| n.warning_id.clone()).collect(),
        status: "would_send",
        attempts: 0,
        error: None,
    };
    let Some(senders) = senders else { return Ok(line) };
    if down.contains(&p.target.endpoint) {
        line.status = "unreachable";
        return Ok(line);
    }
    let message_id = uuid::Uuid::new_v4().to_string();
    let claimed: HashSet<String> = {
        let keys: Vec<Key<'_>> = p
            .items
            .iter()
            .map(|n| Key { channel, staff_id: &p.staff_id, warning_id: &n.warning_id, level: &n.max_level })
            .collect();
        deliveries::claim(db, &keys, &message_id, now)?.into_iter().map(|k| k.warning_id.to_string()).collect()
    };
    // Another process claimed some meanwhile: they are its to send.
    p.items.retain(|n| claimed.contains(&n.warning_id));
    line.warning_ids.retain(|id| claimed.contains(id));
    if p.items.is_empty() {
        line.status = "claimed_elsewhere";
        return Ok(line);
    }
    let text = words(cfg, &p);
    for attempt in 1..=cfg.retry.attempts {
        let result = senders.send(&p.target, &text).await;
        let at = now + started.elapsed().as_micros() as i64;
        let error = result.as_ref().err().map(|e| e.class.clone());
        deliveries::record(
            db,
            &Attempt {
                message_id: &message_id,
                kind: line.kind,
                channel,
                staff_id: &p.staff_id,
                warning_ids: &line.warning_ids,
                attempt,
                error: error.as_deref(),
                at,
            },
        )?;
        line.attempts = attempt;
        match result {
            Ok(()) => {
                deliveries::settle(db, &message_id, true, at)?;
                line.status = "sent";
                return Ok(line);
            }
            Err(e) if e.retryable && attempt < cfg.retry.attempts => {
                tokio::time::sleep(cfg.retry.backoff(attempt)).await;
            }
            Err(e) => {
                if e.unreachable {
                    down.insert(p.target.endpoint.clone());
                }
                line.error = Some(e.class);
                break;
            }
        }
    }
    deliveries::settle(db, &message_id, false, now + started.elapsed().as_micros() as i64)?;
    line.status = "failed";
    Ok(line)
}

fn words(cfg: &NotifyConfig, p: &Planned<'_>) -> Text {
    let who = if p.target.channel == Channel::Email { Audience::Person } else { Audience::Group };
    let base = cfg.base_url.as_deref();
    match (p.urgent, p.items.first()) {
        (true, Some(n)) => digest::urgent(cfg.lang, who, &p.staff_id, n, base),
        _ => digest::digest(cfg.lang, who, &p.staff_id, &p.items, base),
    }
}

/// The channels' clients, built once per run.
struct Senders<'a> {
    mailer: Option<email::Mailer>,
    http: reqwest::Client,
    env: Env<'a>,
}

impl<'a> Senders<'a> {
    /// Builds the clients and checks that every variable the config names is set.
    fn new(cfg: &NotifyConfig, env: Env<'a>) -> Result<Senders<'a>, NotifyError> {
        let timeout = std::time::Duration::from_secs(cfg.timeout_secs.unwrap_or(10));
        let wants_mail = cfg.people.values().any(|p| p.email.is_some());
        let mailer = match (&cfg.smtp, wants_mail) {
            (Some(s), true) => Some(email::Mailer::new(s, env, timeout)?),
            _ => None,
        };
        let hooks = cfg.people.values().flat_map(|p| [&p.wecom, &p.dingtalk]);
        let hooks = hooks.chain(cfg.colleges.values().flat_map(|c| [&c.wecom, &c.dingtalk]));
        let mut missing: Vec<&str> = hooks
            .flatten()
            .flat_map(|h| [h.url_env.as_deref(), h.secret_env.as_deref()])
            .flatten()
            .filter(|v| env(*v).is_none())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            return Err(NotifyError::Config {
                what: format!("environment variables named in [notify] are not set: {}", missing.join(", ")),
                hint: "export them, or remove the webhooks that name them".into(),
            });
        }
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|_| NotifyError::Config {
            what: "cannot set up the HTTP client".into(),
            hint: "check the system's TLS setup".into(),
        })?;
        Ok(Senders { mailer, http, env })
    }

    async fn send(&self, t: &Target<'_>, text: &Text) -> Result<(), SendError> {
        match t.dest {
            Dest::Email(addr) => match &self.mailer {
                Some(m) => m.send(addr, text).await,
                None => Err(SendError::new("smtp not configured", false, false)),
            },
            Dest::Hook(h) => {
                let url = match (&h.url, &h.url_env) {
                    (Some(u), _) => u.clone(),
                    (None, Some(v)) => {
                        (self.env)(v.as_str()).ok_or_else(|| SendError::new("url_env unset", false, false))?
                    }
                    (None, None) => return Err(SendError::new("no url", false, false)),
                };
                match t.channel {
                    Channel::Wecom => wecom::send(&self.http, &url, text).await,
                    _ => {
                        let secret = h.secret_env.as_deref().and_then(|v| (self.env)(v));
                        dingtalk::send(&self.http, &url, secret.as_deref(), text).await
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_can_be_spawned_on_the_services_runtime() {
        fn is_send<T: Send>(_: &T) {}
        let cfg = NotifyConfig::default();
        let f = after_night(Path::new("/nonexistent"), &cfg, 0);
        is_send(&f);
    }
}
