//! `radar demo --serve`: one account per role on the demo store, linked to its real staff
//! and student records, then the service on it, with the address and the logins printed.

use std::path::Path;

use super::{usage, Failure, Settings};
use crate::accounts::{generate_password, Accounts, Role};
use crate::schema::time::Micros;
use crate::store::{collect_stream, Store};

/// One demo login.
struct Login {
    role: Role,
    staff_id: Option<String>,
    student_id: Option<String>,
    password: String,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The first value of the first row of `sql`, when there is one.
async fn first(store: &Store, sql: &str) -> Result<Option<String>, Failure> {
    let batches =
        collect_stream(store.query(sql).await.map_err(crate::Error::from)?).await.map_err(crate::Error::from)?;
    let col = batches.iter().find(|b| b.num_rows() > 0).and_then(|b| crate::store::text_column(b, 0).ok());
    Ok(col.and_then(|c| (!arrow::array::Array::is_null(&c, 0)).then(|| c.value(0).to_string())))
}

/// Who each role is in the demo campus: the busiest counsellor (`counsellor`), the
/// student whose profile the demo printed (`student`), that student's mentor, their
/// college's leader, and a psychologist.
async fn pick(
    store: &Store,
    counsellor: Option<String>,
    student: Option<String>,
) -> Result<Vec<(Role, Option<String>, Option<String>)>, Failure> {
    let counsellor = match counsellor {
        Some(c) => Some(c),
        None => first(store, "SELECT min(staff_id) FROM staff WHERE role = 'counsellor'").await?,
    };
    let student = match (student, &counsellor) {
        (Some(s), _) => Some(s),
        (None, Some(c)) => {
            first(store, &format!("SELECT min(student_id) FROM students WHERE counsellor_id = {}", quote(c))).await?
        }
        (None, None) => first(store, "SELECT min(student_id) FROM students").await?,
    };
    let (mut mentor, mut leader) = (None, None);
    if let Some(s) = &student {
        let s = quote(s);
        mentor =
            first(store, &format!("SELECT mentor_id FROM students WHERE student_id = {s} AND mentor_id <> ''")).await?;
        leader = first(
            store,
            &format!(
                "SELECT min(staff_id) FROM staff WHERE role = 'leader' \
                 AND college = (SELECT min(college) FROM students WHERE student_id = {s})"
            ),
        )
        .await?;
    }
    let psychologist = first(store, "SELECT min(staff_id) FROM staff WHERE role = 'psychologist'").await?;
    let staff = |role, id: Option<String>| id.map(|i| (role, Some(i), None));
    let mut roles = vec![(Role::Admin, None, None), (Role::Analyst, None, None)];
    roles.extend(staff(Role::Leader, leader));
    roles.extend(staff(Role::Counsellor, counsellor));
    roles.extend(staff(Role::Mentor, mentor));
    roles.extend(staff(Role::Psychologist, psychologist));
    roles.extend(student.map(|s| (Role::Student, None, Some(s))));
    Ok(roles)
}

/// Creates the demo's accounts (user name = role name) with generated passwords.
async fn accounts(
    store: &Store,
    now: Micros,
    counsellor: Option<String>,
    student: Option<String>,
) -> Result<Vec<Login>, Failure> {
    let acc = Accounts::open(store.root()).map_err(|e| Failure::Job(e.into()))?;
    let mut logins = Vec::new();
    for (role, staff_id, student_id) in pick(store, counsellor, student).await? {
        let password = generate_password();
        acc.add(role.as_str(), role, staff_id.as_deref(), student_id.as_deref(), &password, now)
            .map_err(|e| Failure::Job(e.into()))?;
        logins.push(Login { role, staff_id, student_id, password });
    }
    Ok(logins)
}

/// Adds the accounts, prints them and serves the demo store until Ctrl-C.
pub(super) async fn serve(
    root: &Path,
    now: Micros,
    addr: &str,
    counsellor: Option<String>,
    student: Option<String>,
    s: &Settings,
) -> Result<(), Failure> {
    let store = Store::open_existing(root).map_err(crate::Error::from)?;
    let logins = accounts(&store, now, counsellor, student).await?;
    println!("Logins for the service, one per role (user name = role; the passwords are shown only here):");
    for l in &logins {
        let link = match (&l.staff_id, &l.student_id) {
            (Some(id), _) => format!("staff {id}"),
            (_, Some(id)) => format!("student {id}"),
            _ => String::new(),
        };
        println!("  {:<13} {:<17} {link}", l.role.as_str(), l.password);
    }
    let config = crate::service::ServiceConfig {
        store: root.to_path_buf(),
        tz: s.tz,
        addr: addr.to_string(),
        ..crate::service::ServiceConfig::default()
    };
    // The demo campus lives at its own clock: the inbox, the profiles and the sessions
    // follow it, as the rest of the demo does.
    let state = crate::service::AppState::new(config, Some(now)).map_err(|e| {
        if e.is_config() {
            usage(e.to_string(), "pass --addr HOST:PORT")
        } else {
            Failure::Job(e.into())
        }
    })?;
    crate::service::serve(state, crate::service::shutdown_signal(), |bound| {
        println!("Serving the demo store on http://{bound}/ — log in as `counsellor` for the morning inbox (Ctrl-C to stop).");
    })
    .await
    .map_err(|e| if e.is_config() { usage(e.to_string(), "pass --addr HOST:PORT") } else { Failure::Job(e.into()) })?;
    Ok(())
}
