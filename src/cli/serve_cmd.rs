//! `radar serve`, `radar users`, `radar tokens` and `radar audit`.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};

use super::args::{AuditArgs, ServeArgs, TokensAction, TokensArgs, UsersAction, UsersArgs};
use super::{default_format, usage, Failure, Settings};
use crate::accounts::scope::Directory;
use crate::accounts::{generate_password, AccountError, Accounts, Role};
use crate::schema::time::{format_timestamp, parse_clock};
use crate::service::config::{Overrides, ServiceConfig};
use crate::warnings::audit::{self, AuditFilter, Entry};

fn account_failure(e: AccountError) -> Failure {
    if e.is_config() {
        usage(e.to_string(), "see `radar users --help`")
    } else {
        Failure::Job(anyhow::Error::from(e))
    }
}

fn service_failure(e: crate::service::ServiceError) -> Failure {
    if e.is_config() {
        usage(e.to_string(), "see `radar serve --help` and docs/service.md")
    } else {
        Failure::Job(anyhow::Error::from(e))
    }
}

/// `radar serve`.
pub(super) async fn serve(args: ServeArgs, s: &Settings) -> Result<(), Failure> {
    // The global --store / --tz have defaults; the file's value wins over a default,
    // never over a value the user gave.
    let store_given = std::env::var_os("RADAR_STORE").is_some() || s.store != PathBuf::from("radar-data");
    let tz_given = std::env::var_os("RADAR_TZ").is_some() || s.tz != chrono_tz::Asia::Shanghai;
    let o = Overrides {
        store: store_given.then(|| s.store.clone()),
        tz: tz_given.then(|| s.tz.name().to_string()),
        addr: args.addr.clone(),
        schedule: args.schedule.clone(),
    };
    let config = ServiceConfig::load(args.config.as_deref(), &o).map_err(service_failure)?;
    if !config.store.join("students").is_dir() && !config.store.join(crate::warnings::db::FILE).exists() {
        return Err(usage(
            format!("no store at {}", config.store.display()),
            "ingest records first (`radar ingest`) or run `radar demo`",
        ));
    }
    let state = crate::service::AppState::new(config, s.now_given.then_some(s.now)).map_err(service_failure)?;
    let quiet = s.quiet;
    crate::service::serve(state, crate::service::shutdown_signal(), move |addr| {
        if !quiet {
            eprintln!("radar: serving on http://{addr}/ (Ctrl-C to stop)");
        }
    })
    .await
    .map_err(service_failure)?;
    if !quiet {
        eprintln!("radar: stopped");
    }
    Ok(())
}

fn read_password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Failure::Job(anyhow::Error::from(e)))?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

fn cli_audit(
    s: &Settings,
    acc: &Accounts,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), Failure> {
    let e = Entry {
        at: s.now,
        actor: audit::actor(None),
        role: None,
        action: action.into(),
        student_id: None,
        subject: subject.into(),
        students: 0,
        detail,
        remote_addr: None,
    };
    audit::write(acc.db(), &e).map_err(|e| Failure::Job(anyhow::Error::from(e)))
}

fn open_accounts(s: &Settings) -> Result<Accounts, Failure> {
    if !s.store.is_dir() {
        return Err(usage(format!("no store at {}", s.store.display()), "pass --store or run `radar ingest` first"));
    }
    Accounts::open(&s.store).map_err(account_failure)
}

/// `radar users …`.
pub(super) async fn users(args: UsersArgs, s: &Settings) -> Result<(), Failure> {
    let acc = open_accounts(s)?;
    match args.action {
        UsersAction::Add { username, role, staff_id, student_id, password_stdin } => {
            let Some(r) = Role::parse(&role) else {
                return Err(usage(
                    format!("unknown role `{role}`"),
                    "use admin, analyst, leader, counsellor, mentor, psychologist or student",
                ));
            };
            if staff_id.is_some() || student_id.is_some() {
                let store = crate::store::Store::open_existing(&s.store).map_err(crate::Error::from)?;
                let dir = Directory::load(&store).await.map_err(account_failure)?;
                if let Some(id) = &staff_id {
                    if dir.staff(id).is_none() {
                        return Err(usage(format!("no staff record `{id}`"), "ingest the staff records first"));
                    }
                }
                if let Some(id) = &student_id {
                    if dir.student(id).is_none() {
                        return Err(usage(format!("no student record `{id}`"), "ingest the student records first"));
                    }
                }
            }
            let (pw, generated) = read_password(password_stdin)?;
            let a = acc
                .add(&username, r, staff_id.as_deref(), student_id.as_deref(), &pw, s.now)
                .map_err(account_failure)?;
            cli_audit(s, &acc, "users.add", &a.username, serde_json::json!({ "role": a.role }))?;
            if generated {
                println!("{}\t{}", a.username, pw);
                if !s.quiet {
                    eprintln!("radar: account {} ({}) added; its password is shown once above", a.username, a.role);
                }
            } else if !s.quiet {
                eprintln!("radar: account {} ({}) added", a.username, a.role);
            }
            Ok(())
        }
        UsersAction::List { format } => {
            let list = acc.list().map_err(account_failure)?;
            let col = |f: &dyn Fn(&crate::accounts::Account) -> Option<String>| -> ArrayRef {
                Arc::new(list.iter().map(f).collect::<StringArray>())
            };
            let batch = batch(
                &["username", "role", "staff_id", "student_id", "status"],
                vec![
                    col(&|a| Some(a.username.clone())),
                    col(&|a| Some(a.role.as_str().into())),
                    col(&|a| a.staff_id.clone()),
                    col(&|a| a.student_id.clone()),
                    col(&|a| Some(if a.disabled { "disabled" } else { "enabled" }.into())),
                ],
            )?;
            write(&[batch], format, s)
        }
        UsersAction::Disable { username } => {
            acc.set_disabled(&username, true).map_err(account_failure)?;
            cli_audit(s, &acc, "users.disable", &username, serde_json::json!({}))
        }
        UsersAction::Enable { username } => {
            acc.set_disabled(&username, false).map_err(account_failure)?;
            cli_audit(s, &acc, "users.enable", &username, serde_json::json!({}))
        }
        UsersAction::ResetPassword { username, password_stdin } => {
            let (pw, generated) = read_password(password_stdin)?;
            acc.set_password(&username, &pw).map_err(account_failure)?;
            cli_audit(s, &acc, "users.reset_password", &username, serde_json::json!({}))?;
            if generated {
                println!("{username}\t{pw}");
            }
            Ok(())
        }
    }
}

/// `radar tokens …`.
pub(super) async fn tokens(args: TokensArgs, s: &Settings) -> Result<(), Failure> {
    let acc = open_accounts(s)?;
    match args.action {
        TokensAction::Create { username, expires_days, ingest } => {
            let expires = expires_days.map(|d| s.now + i64::from(d) * 86_400_000_000);
            let (info, token) = acc.create_token(&username, expires, ingest, s.now).map_err(account_failure)?;
            cli_audit(
                s,
                &acc,
                "tokens.create",
                &username,
                serde_json::json!({ "token_id": info.token_id, "ingest_only": ingest }),
            )?;
            println!("{token}");
            if !s.quiet {
                eprintln!("radar: token {} for {username}; it is shown once above", info.token_id);
            }
            Ok(())
        }
        TokensAction::Revoke { token_id } => {
            if !acc.revoke_token(&token_id).map_err(account_failure)? {
                return Err(usage(format!("no token `{token_id}`"), "see `radar tokens list`"));
            }
            cli_audit(s, &acc, "tokens.revoke", &token_id, serde_json::json!({}))
        }
        TokensAction::List { format } => {
            let list = acc.tokens().map_err(account_failure)?;
            let batch = batch(
                &["token_id", "username", "ingest_only", "expires_at"],
                vec![
                    Arc::new(list.iter().map(|t| Some(t.token_id.clone())).collect::<StringArray>()),
                    Arc::new(list.iter().map(|t| Some(t.username.clone())).collect::<StringArray>()),
                    Arc::new(list.iter().map(|t| Some(t.ingest_only.to_string())).collect::<StringArray>()),
                    Arc::new(
                        list.iter().map(|t| t.expires_at.map(|e| format_timestamp(e, s.tz))).collect::<StringArray>(),
                    ),
                ],
            )?;
            write(&[batch], format, s)
        }
    }
}

/// `radar audit`.
pub(super) async fn audit(args: AuditArgs, s: &Settings) -> Result<(), Failure> {
    let acc = open_accounts(s)?;
    let since = match &args.since {
        None => None,
        Some(t) => Some(
            parse_clock(t, s.tz)
                .ok_or_else(|| usage(format!("--since `{t}` is not a time"), "use RFC 3339 or a date"))?,
        ),
    };
    let f = AuditFilter { actor: args.actor.clone(), student_id: args.student.clone(), since, limit: args.limit };
    let rows = audit::list(acc.db(), &f).map_err(|e| Failure::Job(anyhow::Error::from(e)))?;
    let text =
        |f: &dyn Fn(&Entry) -> Option<String>| -> ArrayRef { Arc::new(rows.iter().map(f).collect::<StringArray>()) };
    let batch = batch(
        &["at", "actor", "role", "action", "student_id", "subject", "students", "detail", "remote_addr"],
        vec![
            text(&|e| Some(format_timestamp(e.at, s.tz))),
            text(&|e| Some(e.actor.clone())),
            text(&|e| e.role.clone()),
            text(&|e| Some(e.action.clone())),
            text(&|e| e.student_id.clone()),
            text(&|e| Some(e.subject.clone())),
            Arc::new(rows.iter().map(|e| Some(e.students as i64)).collect::<Int64Array>()),
            text(&|e| Some(e.detail.to_string())),
            text(&|e| e.remote_addr.clone()),
        ],
    )?;
    write(&[batch], args.format, s)
}

fn batch(names: &[&str], cols: Vec<ArrayRef>) -> Result<RecordBatch, Failure> {
    let fields: Vec<Field> =
        names.iter().zip(&cols).map(|(n, c)| Field::new(*n, c.data_type().clone(), true)).collect::<Vec<_>>();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Failure::Job(anyhow::Error::from(e)))
}

fn write(batches: &[RecordBatch], format: Option<super::args::OutputFormat>, s: &Settings) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    super::output::write_batches(&mut out, batches, default_format(format), s.tz)
        .and_then(|_| out.flush())
        .map_err(|e| Failure::Job(anyhow::Error::from(e)))
}
