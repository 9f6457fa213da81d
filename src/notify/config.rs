//! The `[notify]` table of radar.toml: who gets what, through which channel, and how hard
//! to try. Secrets (the SMTP password, DingTalk signing secrets, optionally webhook URLs,
//! whose `key`/`access_token` is a credential too) are never written in the file: the
//! file names the environment variable that holds them. See docs/notifications.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::NotifyError;

/// `[notify]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Language of the messages: `zh` (default) or `en`.
    #[serde(default)]
    pub lang: Lang,
    /// The service's address as people reach it (`https://radar.example.edu`); messages
    /// link to the inbox there. Absent: no link.
    pub base_url: Option<String>,
    /// Seconds one send (an SMTP session or a webhook request) may take. Default 10.
    pub timeout_secs: Option<u64>,
    /// The SMTP server e-mail goes through (`[notify.smtp]`); required when anyone has an `email`.
    pub smtp: Option<SmtpConfig>,
    /// How often a failed send is tried again within one run (`[notify.retry]`).
    #[serde(default)]
    pub retry: RetryConfig,
    /// Recipients by staff id (`[notify.people.T0001]`).
    #[serde(default)]
    pub people: BTreeMap<String, PersonConfig>,
    /// Group robots by college (`[notify.colleges."计算机学院"]`), used for a person's
    /// channel when their own entry does not set it.
    #[serde(default)]
    pub colleges: BTreeMap<String, CollegeConfig>,
}

/// Message language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Chinese.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en` text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain text (a relay on the same host or a trusted network only).
    Plain,
    /// Plain connection upgraded with STARTTLS, which must succeed (default; port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

/// `[notify.smtp]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name of the SMTP server (also the name its TLS certificate must carry).
    pub server: String,
    /// Port; default 25 (plain), 587 (starttls) or 465 (tls).
    pub port: Option<u16>,
    /// `plain`, `starttls` (default) or `tls`.
    #[serde(default)]
    pub security: Security,
    /// The From address, e.g. `"Campus Radar <radar@example.edu>"`.
    pub sender: String,
    /// Login name, when the server wants one.
    pub username: Option<String>,
    /// Name of the environment variable holding the password (never the password itself).
    pub password_env: Option<String>,
    /// A PEM file of extra root certificates (a campus CA) trusted besides the public ones.
    pub ca_file: Option<PathBuf>,
}

impl SmtpConfig {
    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            Security::Plain => 25,
            Security::Starttls => 587,
            Security::Tls => 465,
        })
    }
}

/// `[notify.retry]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Tries per message and run, the first included. Default 3.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// Wait before the second try in milliseconds; doubled before each further one. Default 2000.
    #[serde(default = "default_backoff")]
    pub backoff_ms: u64,
}

fn default_attempts() -> u32 {
    3
}
fn default_backoff() -> u64 {
    2000
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig { attempts: default_attempts(), backoff_ms: default_backoff() }
    }
}

impl RetryConfig {
    /// The wait after failed try number `attempt` (1-based): `backoff · 2^(attempt-1)`,
    /// capped at five minutes so a long policy cannot stall a night.
    pub fn backoff(&self, attempt: u32) -> std::time::Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        std::time::Duration::from_millis(self.backoff_ms.saturating_mul(factor).min(300_000))
    }
}

/// `[notify.people.STAFF_ID]`: one person's own channels.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonConfig {
    /// E-mail address.
    pub email: Option<String>,
    /// A WeCom (企业微信) group robot of their own.
    pub wecom: Option<Webhook>,
    /// A DingTalk (钉钉) group robot of their own.
    pub dingtalk: Option<Webhook>,
}

/// `[notify.colleges.COLLEGE]`: a college's group robots.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollegeConfig {
    /// WeCom group robot.
    pub wecom: Option<Webhook>,
    /// DingTalk group robot.
    pub dingtalk: Option<Webhook>,
}

/// A group robot's webhook: its URL in the file (`url`) or in an environment variable
/// (`url_env`, recommended: the URL's key is a credential), and for DingTalk's "加签"
/// security the environment variable holding the signing secret (`SEC…`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// The webhook URL.
    pub url: Option<String>,
    /// Name of the environment variable holding the webhook URL.
    pub url_env: Option<String>,
    /// Name of the environment variable holding the DingTalk signing secret.
    pub secret_env: Option<String>,
}

/// radar.toml read for its `[notify]` table only (the service reads the whole file).
#[derive(Deserialize)]
struct RadarToml {
    #[serde(default)]
    notify: NotifyConfig,
}

impl NotifyConfig {
    /// The `[notify]` table of a radar.toml text; a key it does not know is an error naming it.
    pub fn from_radar_toml(text: &str) -> Result<NotifyConfig, NotifyError> {
        let t: RadarToml = toml::from_str(text).map_err(|e| NotifyError::Config {
            what: format!("radar.toml: {}", e.message()),
            hint: "see docs/notifications.md for the [notify] keys".into(),
        })?;
        t.notify.check()?;
        Ok(t.notify)
    }

    /// The `[notify]` table as `ServiceConfig` keeps it (none: nothing configured).
    pub fn from_table(table: Option<&toml::Table>) -> Result<NotifyConfig, NotifyError> {
        let Some(t) = table else { return Ok(NotifyConfig::default()) };
        let cfg: NotifyConfig =
            toml::Value::Table(t.clone()).try_into().map_err(|e: toml::de::Error| NotifyError::Config {
                what: format!("[notify]: {}", e.message()),
                hint: "see docs/notifications.md for the [notify] keys".into(),
            })?;
        cfg.check()?;
        Ok(cfg)
    }

    /// Whether anyone can be reached at all.
    pub fn has_recipients(&self) -> bool {
        !self.people.is_empty() || !self.colleges.is_empty()
    }

    /// Checks what serde cannot: references between keys and well-formed values.
    pub fn check(&self) -> Result<(), NotifyError> {
        let bad = |what: String, hint: &str| Err(NotifyError::Config { what, hint: hint.into() });
        if self.retry.attempts == 0 {
            return bad("notify.retry.attempts is 0".into(), "use 1 or more");
        }
        if let Some(s) = &self.smtp {
            if s.password_env.is_some() != s.username.is_some() {
                return bad(
                    "notify.smtp needs both username and password_env, or neither".into(),
                    "the password itself goes in the environment variable password_env names",
                );
            }
            if s.sender.parse::<lettre::message::Mailbox>().is_err() {
                return bad("notify.smtp.sender is not an e-mail address".into(), "e.g. \"Radar <radar@example.edu>\"");
            }
        }
        for (id, p) in &self.people {
            if let Some(e) = &p.email {
                if self.smtp.is_none() {
                    return bad(format!("notify.people.{id}.email needs [notify.smtp]"), "add the SMTP server");
                }
                if e.parse::<lettre::Address>().is_err() {
                    return bad(format!("notify.people.{id}.email is not an e-mail address"), "e.g. t0001@example.edu");
                }
            }
            check_hook(&format!("notify.people.{id}.wecom"), p.wecom.as_ref())?;
            check_hook(&format!("notify.people.{id}.dingtalk"), p.dingtalk.as_ref())?;
        }
        for (c, g) in &self.colleges {
            check_hook(&format!("notify.colleges.{c}.wecom"), g.wecom.as_ref())?;
            check_hook(&format!("notify.colleges.{c}.dingtalk"), g.dingtalk.as_ref())?;
        }
        Ok(())
    }
}

fn check_hook(key: &str, h: Option<&Webhook>) -> Result<(), NotifyError> {
    let Some(h) = h else { return Ok(()) };
    let what = match (&h.url, &h.url_env) {
        (Some(_), Some(_)) => format!("{key} has both url and url_env"),
        (None, None) => format!("{key} has neither url nor url_env"),
        (Some(u), None) if url::Url::parse(u).is_err() => format!("{key}.url is not a URL"),
        _ => return Ok(()),
    };
    Err(NotifyError::Config { what, hint: "give the webhook as url = \"https://…\" or url_env = \"VAR\"".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
store = "radar-data"
[notify]
lang = "zh"
base_url = "https://radar.example.edu"
[notify.smtp]
server = "smtp.example.edu"
security = "starttls"
sender = "Campus Radar <radar@example.edu>"
username = "radar"
password_env = "RADAR_SMTP_PASSWORD"
[notify.retry]
attempts = 4
backoff_ms = 500
[notify.people.T0001]
email = "t0001@example.edu"
dingtalk = { url_env = "RADAR_DT_T0001", secret_env = "RADAR_DT_T0001_SECRET" }
[notify.colleges."计算机学院"]
wecom = { url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x" }
"#;

    #[test]
    fn the_documented_example_parses() {
        let c = NotifyConfig::from_radar_toml(EXAMPLE).expect("parses");
        assert_eq!(c.retry.attempts, 4);
        assert_eq!(c.smtp.as_ref().map(SmtpConfig::port), Some(587));
        assert_eq!(
            c.people["T0001"].dingtalk.as_ref().and_then(|d| d.secret_env.as_deref()),
            Some("RADAR_DT_T0001_SECRET")
        );
        assert!(c.colleges["计算机学院"].wecom.is_some());
        let doc = include_str!("../../docs/notifications.md");
        let block = doc.split("```toml").nth(1).and_then(|b| b.split("```").next()).expect("a toml block in the doc");
        NotifyConfig::from_radar_toml(block).expect("the doc's example parses");
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it() {
        let e =
            NotifyConfig::from_radar_toml("[notify.smtp]\nserver = \"x\"\nsender = \"a@b.c\"\npasword_env = \"P\"\n")
                .expect_err("unknown key");
        assert!(e.to_string().contains("pasword_env"), "{e}");
        let e = NotifyConfig::from_radar_toml("[notify]\nretries = 3\n").expect_err("unknown key");
        assert!(e.to_string().contains("retries"), "{e}");
        let t: toml::Table = toml::from_str("[retry]\nattemps = 3\n").expect("toml");
        let e = NotifyConfig::from_table(Some(&t)).expect_err("unknown key");
        assert!(e.to_string().contains("attemps"), "{e}");
        assert!(!NotifyConfig::from_table(None).expect("none").has_recipients());
    }

    #[test]
    fn references_between_keys_are_checked() {
        let e = NotifyConfig::from_radar_toml("[notify.people.T1]\nemail = \"t1@example.edu\"\n").expect_err("no smtp");
        assert!(e.to_string().contains("notify.people.T1.email needs [notify.smtp]"), "{e}");
        let e = NotifyConfig::from_radar_toml("[notify.colleges.CS]\nwecom = {}\n").expect_err("no url");
        assert!(e.to_string().contains("notify.colleges.CS.wecom has neither"), "{e}");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let r = RetryConfig { attempts: 5, backoff_ms: 100 };
        let ms: Vec<u128> = (1..=4).map(|a| r.backoff(a).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800]);
        assert_eq!(RetryConfig { attempts: 40, backoff_ms: 60_000 }.backoff(30).as_secs(), 300);
    }
}
