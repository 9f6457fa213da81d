//! E-mail through an SMTP server (lettre, tokio transport): `plain`, `starttls` (must
//! succeed: no credentials go out unencrypted) or implicit `tls`. The password comes from
//! the environment variable the config names.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::{Security, SmtpConfig};
use super::digest::Text;
use super::http::SendError;
use super::{Env, NotifyError};

/// A ready SMTP sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

fn config(what: String, hint: &str) -> NotifyError {
    NotifyError::Config { what, hint: hint.into() }
}

impl Mailer {
    /// Builds the transport (no connection yet); a missing password variable is an error.
    pub fn new(s: &SmtpConfig, env: Env<'_>, timeout: std::time::Duration) -> Result<Mailer, NotifyError> {
        let from: Mailbox = s
            .sender
            .parse()
            .map_err(|_| config("notify.smtp.sender is not an e-mail address".into(), "e.g. radar@example.edu"))?;
        let mut b =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.server).port(s.port()).timeout(Some(timeout));
        b = match s.security {
            Security::Plain => b,
            Security::Starttls => b.tls(Tls::Required(tls(s)?)),
            Security::Tls => b.tls(Tls::Wrapper(tls(s)?)),
        };
        if let Some(user) = &s.username {
            let var = s.password_env.as_deref().unwrap_or_default();
            let pw = env(var).ok_or_else(|| {
                config(
                    format!("environment variable {var} (notify.smtp.password_env) is not set"),
                    "export the SMTP password in it",
                )
            })?;
            b = b.credentials(Credentials::new(user.clone(), pw));
        }
        Ok(Mailer { transport: b.build(), from })
    }

    /// Sends `text` as a plain-text mail to `to`.
    pub async fn send(&self, to: &str, text: &Text) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(|_| SendError::new("bad address", false, false))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text.title.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(text.body.clone())
            .map_err(|_| SendError::new("message", false, false))?;
        self.transport.send(msg).await.map(|_| ()).map_err(|e| classify(&e))
    }
}

fn tls(s: &SmtpConfig) -> Result<TlsParameters, NotifyError> {
    let mut b = TlsParameters::builder(s.server.clone());
    if let Some(ca) = &s.ca_file {
        let pem = std::fs::read(ca).map_err(|e| NotifyError::Io { path: ca.clone(), source: e })?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|_| config(format!("{}: not a PEM certificate", ca.display()), "notify.smtp.ca_file"))?;
        b = b.add_root_certificate(cert);
    }
    b.build().map_err(|e| config(format!("TLS setup for notify.smtp: {e}"), "check notify.smtp.server"))
}

/// The SMTP error's class: the server's reply text is left out (it may quote an address).
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(|c| format!(" {c}")).unwrap_or_default();
    if e.is_permanent() {
        SendError::new(format!("smtp permanent{code}"), false, false)
    } else if e.is_transient() {
        SendError::new(format!("smtp transient{code}"), true, false)
    } else if e.is_timeout() {
        SendError::new("smtp timeout", true, true)
    } else if e.is_tls() {
        SendError::new("smtp tls", true, true)
    } else {
        SendError::new("smtp connection", true, true)
    }
}
