//! Who is reached through which channel: per channel, the person's own setting
//! (`[notify.people.ID]`) wins, else their college's group robot (`[notify.colleges.C]`).
//! A person's college is the one of their `staff` record; when the store has none for
//! them, the college most of their warnings' students belong to.

use std::collections::HashMap;
use std::path::Path;

use arrow::array::AsArray;
use arrow::datatypes::DataType;

use super::config::{NotifyConfig, Webhook};
use super::digest::News;
use super::Channel;

/// Where a message goes.
#[derive(Debug, Clone, Copy)]
pub enum Dest<'c> {
    /// An e-mail address.
    Email(&'c str),
    /// A group robot.
    Hook(&'c Webhook),
}

/// One channel of one person.
#[derive(Debug, Clone)]
pub struct Target<'c> {
    /// Channel.
    pub channel: Channel,
    /// Address or robot.
    pub dest: Dest<'c>,
    /// The config key it came from (`notify.colleges.CS.wecom`): names the endpoint
    /// without its secret URL.
    pub endpoint: String,
}

/// The channels `staff` is reached on.
pub fn targets<'c>(cfg: &'c NotifyConfig, staff: &str, college: Option<&str>) -> Vec<Target<'c>> {
    let person = cfg.people.get(staff);
    let group = college.and_then(|c| cfg.colleges.get(c).map(|g| (c, g)));
    let mut out = Vec::new();
    if let Some(e) = person.and_then(|p| p.email.as_deref()) {
        out.push(Target { channel: Channel::Email, dest: Dest::Email(e), endpoint: "notify.smtp".into() });
    }
    let hooks = [
        (Channel::Wecom, person.and_then(|p| p.wecom.as_ref()), group.and_then(|(c, g)| Some((c, g.wecom.as_ref()?)))),
        (
            Channel::Dingtalk,
            person.and_then(|p| p.dingtalk.as_ref()),
            group.and_then(|(c, g)| Some((c, g.dingtalk.as_ref()?))),
        ),
    ];
    for (channel, own, college_hook) in hooks {
        let name = channel.as_str();
        if let Some(h) = own {
            out.push(Target { channel, dest: Dest::Hook(h), endpoint: format!("notify.people.{staff}.{name}") });
        } else if let Some((c, h)) = college_hook {
            out.push(Target { channel, dest: Dest::Hook(h), endpoint: format!("notify.colleges.{c}.{name}") });
        }
    }
    out
}

/// The college of `staff`: their staff record's, else the most common among `items`.
pub fn college_of<'a>(staff: &str, known: &'a HashMap<String, String>, items: &'a [News]) -> Option<&'a str> {
    if let Some(c) = known.get(staff) {
        return Some(c.as_str());
    }
    let mut n: HashMap<&str, usize> = HashMap::new();
    for i in items {
        *n.entry(i.college.as_str()).or_default() += 1;
    }
    n.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(c, _)| c)
}

/// Staff id → college from the store's `staff` records; empty when there are none.
pub async fn staff_colleges(store_root: &Path) -> HashMap<String, String> {
    match read_staff(store_root).await {
        Ok(m) => m,
        Err(e) => {
            tracing::debug!(error = %e, "no staff records: colleges come from the warnings");
            HashMap::new()
        }
    }
}

async fn read_staff(store_root: &Path) -> Result<HashMap<String, String>, crate::Error> {
    let store = crate::store::Store::open_existing(store_root)?;
    let batches = store.query_table("staff", "SELECT staff_id, college FROM t WHERE college IS NOT NULL").await?;
    let mut out = HashMap::new();
    for b in batches {
        let id = arrow::compute::cast(b.column(0), &DataType::Utf8).map_err(crate::store::StoreError::from)?;
        let col = arrow::compute::cast(b.column(1), &DataType::Utf8).map_err(crate::store::StoreError::from)?;
        let (id, col) = (id.as_string::<i32>(), col.as_string::<i32>());
        for r in 0..b.num_rows() {
            out.insert(id.value(r).to_string(), col.value(r).to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_own_channel_wins_and_the_college_fills_the_others() {
        let cfg = NotifyConfig::from_radar_toml(
            "[notify.people.T1]\nwecom = { url = \"http://own/\" }\n\
             [notify.colleges.CS]\nwecom = { url = \"http://cs-wecom/\" }\ndingtalk = { url = \"http://cs-dt/\" }\n",
        )
        .expect("config");
        let t = targets(&cfg, "T1", Some("CS"));
        let names: Vec<&str> = t.iter().map(|t| t.endpoint.as_str()).collect();
        assert_eq!(names, ["notify.people.T1.wecom", "notify.colleges.CS.dingtalk"]);
        let t = targets(&cfg, "T2", Some("CS"));
        assert_eq!(t.len(), 2);
        assert!(targets(&cfg, "T2", Some("Maths")).is_empty());
    }
}
