//! What to send to whom: the warnings that are news (new, or escalated to a level not yet
//! told), who their counsellor is, and the words of each message.
//!
//! Group chats are not private, so a webhook message carries warning ids, levels,
//! categories and rule ids only: never a student id, name or reason text. An e-mail goes
//! to one person and adds the student id. A warning drawn from a psychological screening
//! (health data, see `profile::access`) shows in a webhook as "details restricted", with
//! its level, category and rule withheld; its own counsellor sees them by e-mail.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::warnings::db::OpsDb;

use super::config::Lang;
use super::NotifyError;

/// A warning to tell its counsellor about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct News {
    /// Warning id.
    pub warning_id: String,
    /// Student (e-mail only).
    pub student_id: String,
    /// Counsellor to tell.
    pub counsellor_id: String,
    /// The student's college.
    pub college: String,
    /// Category.
    pub category: String,
    /// Current level.
    pub level: String,
    /// Highest level reached: part of the delivery key, so an escalation is told once more.
    pub max_level: String,
    /// Rule id.
    pub rule: String,
    /// Whether it was escalated since it was raised.
    pub escalated: bool,
    /// Drawn from a psychological screening: withheld in group chats.
    pub restricted: bool,
}

impl News {
    /// A red safety warning: sent at once, on its own, never in a digest.
    pub fn urgent(&self) -> bool {
        self.category == "safety" && self.level == "red"
    }
}

/// Open warnings that are news: still `new` (nobody has acted on them), or escalated.
/// Whether a person was already told is decided per channel by the delivery keys.
pub fn pending(db: &OpsDb) -> Result<Vec<News>, NotifyError> {
    let mut st = db.conn.prepare(
        "SELECT w.warning_id, w.student_id, w.counsellor_id, w.college, w.category, w.level, w.max_level, w.rule, \
         w.evidence, w.status, EXISTS (SELECT 1 FROM warning_events e WHERE e.warning_id = w.warning_id \
         AND e.action = 'escalate') AS escalated \
         FROM warnings w WHERE w.status IN ('new', 'acknowledged', 'in_progress') \
         ORDER BY w.counsellor_id, w.priority DESC, w.warning_id",
    )?;
    let rows = st.query_map([], |r| {
        let evidence: String = r.get(8)?;
        let status: String = r.get(9)?;
        let escalated: bool = r.get(10)?;
        Ok((
            News {
                warning_id: r.get(0)?,
                student_id: r.get(1)?,
                counsellor_id: r.get(2)?,
                college: r.get(3)?,
                category: r.get(4)?,
                level: r.get(5)?,
                max_level: r.get(6)?,
                rule: r.get(7)?,
                escalated,
                restricted: crate::warnings::draws_on_screening(&evidence),
            },
            status == "new" || escalated,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (n, news) = r?;
        if news {
            out.push(n);
        }
    }
    Ok(out)
}

/// The news of each counsellor, in the order of [`pending`].
pub fn by_counsellor(news: Vec<News>) -> BTreeMap<String, Vec<News>> {
    let mut m: BTreeMap<String, Vec<News>> = BTreeMap::new();
    for n in news {
        m.entry(n.counsellor_id.clone()).or_default().push(n);
    }
    m
}

/// A message's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// E-mail subject, or a robot message's title.
    pub title: String,
    /// Plain text (e-mail) or markdown (robots).
    pub body: String,
}

/// Webhook lists stop here (a robot message is limited to about 4 KB); the rest are counted.
const HOOK_LINES: usize = 40;

fn level_name(lang: Lang, level: &str) -> String {
    match level {
        "red" => lang.pick("红", "red").into(),
        "orange" => lang.pick("橙", "orange").into(),
        "yellow" => lang.pick("黄", "yellow").into(),
        other => other.into(),
    }
}

fn category_name(lang: Lang, category: &str) -> String {
    match category {
        "academic" => lang.pick("学业", "academic").into(),
        "wellbeing" => lang.pick("身心健康", "wellbeing").into(),
        "safety" => lang.pick("安全", "safety").into(),
        "economic" => lang.pick("经济", "economic").into(),
        other => other.into(),
    }
}

/// `红 1 · 黄 2`, in the order of `order` then the rest by name.
fn counts(lang: Lang, values: &[&str], order: &[&str], name: fn(Lang, &str) -> String) -> String {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        *m.entry(*v).or_default() += 1;
    }
    let mut keys: Vec<&str> = order.iter().copied().filter(|k| m.contains_key(k)).collect();
    keys.extend(m.keys().copied().filter(|k| !order.contains(k)));
    keys.iter().map(|k| format!("{} {}", name(lang, k), m[k])).collect::<Vec<_>>().join(" · ")
}

const LEVELS: [&str; 3] = ["red", "orange", "yellow"];
const CATEGORIES: [&str; 4] = ["safety", "wellbeing", "academic", "economic"];

/// Whether the text goes to a group chat (webhook) or one person (e-mail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A robot in a group chat: ids, levels, categories and rules only.
    Group,
    /// One person's mailbox: adds the student id and restricted details.
    Person,
}

fn summary_line(lang: Lang, staff: &str, items: &[News]) -> String {
    let esc = items.iter().filter(|n| n.escalated).count();
    let new = items.len() - esc;
    match lang {
        Lang::Zh => format!("辅导员 {staff}：新增 {new} 条，升级 {esc} 条。"),
        Lang::En => format!("Counsellor {staff}: {new} new, {esc} escalated."),
    }
}

fn item_line(lang: Lang, n: &News, who: Audience) -> String {
    if who == Audience::Group && n.restricted {
        return format!("{} {}", n.warning_id, lang.pick("详情受限，请登录查看", "details restricted: sign in to see"));
    }
    let mut s =
        format!("{} {} {} {}", n.warning_id, level_name(lang, &n.level), category_name(lang, &n.category), n.rule);
    if who == Audience::Person {
        let _ = write!(s, " {} {}", lang.pick("学生", "student"), n.student_id);
    }
    if n.escalated {
        s.push_str(lang.pick("（升级）", " (escalated)"));
    }
    s
}

fn link(lang: Lang, base_url: Option<&str>, markdown: bool) -> Option<String> {
    let url = format!("{}/", base_url?.trim_end_matches('/'));
    let label = lang.pick("打开预警列表", "open the warning inbox");
    Some(if markdown { format!("[{label}]({url})") } else { format!("{label}: {url}") })
}

/// The digest of `items` (no urgent ones) for `staff`.
pub fn digest(lang: Lang, who: Audience, staff: &str, items: &[News], base_url: Option<&str>) -> Text {
    let shown: Vec<&News> = items.iter().filter(|n| who == Audience::Person || !n.restricted).collect();
    let levels: Vec<&str> = shown.iter().map(|n| n.level.as_str()).collect();
    let cats: Vec<&str> = shown.iter().map(|n| n.category.as_str()).collect();
    let restricted = items.len() - shown.len();
    let mut level_counts = counts(lang, &levels, &LEVELS, level_name);
    let mut cat_counts = counts(lang, &cats, &CATEGORIES, category_name);
    if restricted > 0 {
        for c in [&mut level_counts, &mut cat_counts] {
            if !c.is_empty() {
                c.push_str(" · ");
            }
            let _ = write!(c, "{} {restricted}", lang.pick("受限", "restricted"));
        }
    }
    let title = match lang {
        Lang::Zh => format!("[校园雷达] 预警摘要（{staff}，{} 条）", items.len()),
        Lang::En => format!("[Campus Radar] warning digest ({staff}, {})", items.len()),
    };
    let mut body = String::new();
    let (lv, ct) = (lang.pick("等级", "Levels"), lang.pick("类别", "Categories"));
    match who {
        Audience::Group => {
            let _ = writeln!(
                body,
                "### {}\n{}",
                lang.pick("校园雷达 · 预警摘要", "Campus Radar · warning digest"),
                summary_line(lang, staff, items)
            );
            let colon = lang.pick("：", ": ");
            let _ = writeln!(body, "> {lv}{colon}{level_counts}\n>\n> {ct}{colon}{cat_counts}\n");
            for n in items.iter().take(HOOK_LINES) {
                let _ = writeln!(body, "- {}", item_line(lang, n, who));
            }
            if items.len() > HOOK_LINES {
                let more = items.len() - HOOK_LINES;
                let _ = writeln!(
                    body,
                    "- {}",
                    match lang {
                        Lang::Zh => format!("另有 {more} 条"),
                        Lang::En => format!("and {more} more"),
                    }
                );
            }
            if let Some(l) = link(lang, base_url, true) {
                let _ = writeln!(body, "\n{l}");
            }
        }
        Audience::Person => {
            let _ = writeln!(body, "{}\n", summary_line(lang, staff, items));
            let _ = writeln!(body, "{lv}: {level_counts}\n{ct}: {cat_counts}\n");
            for n in items {
                let _ = writeln!(body, "{}", item_line(lang, n, who));
            }
            if let Some(l) = link(lang, base_url, false) {
                let _ = writeln!(body, "\n{l}");
            }
            let _ = writeln!(body, "\n{}", footer(lang));
        }
    }
    Text { title, body }
}

fn footer(lang: Lang) -> &'static str {
    lang.pick(
        "本邮件只含编号，不含学生姓名与预警原因；详情请登录查看，请勿转发。",
        "This message carries ids only, no names or reasons: sign in for details, and do not forward it.",
    )
}

/// The message of one red safety warning, sent at once.
pub fn urgent(lang: Lang, who: Audience, staff: &str, n: &News, base_url: Option<&str>) -> Text {
    let title = match lang {
        Lang::Zh => format!("[校园雷达] 红色安全预警 {}（{staff}）", n.warning_id),
        Lang::En => format!("[Campus Radar] red safety warning {} ({staff})", n.warning_id),
    };
    let what = item_line(lang, n, who);
    let ask = match lang {
        Lang::Zh => format!("辅导员 {staff}：请立即处理预警 {what}。"),
        Lang::En => format!("Counsellor {staff}: please act now on warning {what}."),
    };
    let mut body = match who {
        Audience::Group => {
            format!("### {}\n{ask}\n", lang.pick("校园雷达 · 红色安全预警", "Campus Radar · red safety warning"))
        }
        Audience::Person => format!("{ask}\n"),
    };
    if let Some(l) = link(lang, base_url, who == Audience::Group) {
        let _ = writeln!(body, "\n{l}");
    }
    if who == Audience::Person {
        let _ = writeln!(body, "\n{}", footer(lang));
    }
    Text { title, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn news(id: &str, student: &str, category: &str, level: &str, rule: &str) -> News {
        News {
            warning_id: id.into(),
            student_id: student.into(),
            counsellor_id: "T1".into(),
            college: "CS".into(),
            category: category.into(),
            level: level.into(),
            max_level: level.into(),
            rule: rule.into(),
            escalated: false,
            restricted: false,
        }
    }

    #[test]
    fn a_group_digest_counts_and_lists_ids_but_no_student_and_no_restricted_detail() {
        let mut esc = news("W2", "S0002", "academic", "orange", "academic.gpa_drop");
        esc.escalated = true;
        let mut psy = news("W3", "S0003", "wellbeing", "red", "wellbeing.screening");
        psy.restricted = true;
        let items = vec![news("W1", "S0001", "academic", "yellow", "academic.credits_low"), esc, psy];
        let t = digest(Lang::Zh, Audience::Group, "T1", &items, Some("https://radar.example.edu/"));
        assert!(t.body.contains("新增 2 条，升级 1 条"), "{}", t.body);
        assert!(t.body.contains("等级：橙 1 · 黄 1 · 受限 1"), "{}", t.body);
        assert!(t.body.contains("类别：学业 2 · 受限 1"), "{}", t.body);
        assert!(t.body.contains("- W2 橙 学业 academic.gpa_drop（升级）"), "{}", t.body);
        assert!(t.body.contains("- W3 详情受限"), "{}", t.body);
        assert!(t.body.contains("[打开预警列表](https://radar.example.edu/)"), "{}", t.body);
        for secret in ["S000", "wellbeing.screening", "身心健康"] {
            assert!(!t.body.contains(secret) && !t.title.contains(secret), "{secret} in {t:?}");
        }
        let mail = digest(Lang::En, Audience::Person, "T1", &items, None);
        assert!(mail.body.contains("W3 red wellbeing wellbeing.screening student S0003"), "{}", mail.body);
        assert!(mail.body.contains("Levels: red 1 · orange 1 · yellow 1"), "{}", mail.body);
    }

    #[test]
    fn a_long_group_list_is_cut_and_counted() {
        let items: Vec<News> =
            (0..45).map(|i| news(&format!("W{i:02}"), "S1", "academic", "yellow", "academic.x")).collect();
        let t = digest(Lang::En, Audience::Group, "T1", &items, None);
        assert!(t.body.contains("- W39 ") && !t.body.contains("- W40 ") && t.body.contains("and 5 more"), "{}", t.body);
    }

    #[test]
    fn an_urgent_message_names_one_warning() {
        let n = news("W9", "S0009", "safety", "red", "safety.unseen");
        assert!(n.urgent());
        let t = urgent(Lang::Zh, Audience::Group, "T1", &n, None);
        assert!(t.title.contains("W9") && t.body.contains("W9 红 安全 safety.unseen") && !t.body.contains("S0009"));
        let t = urgent(Lang::Zh, Audience::Person, "T1", &n, None);
        assert!(t.body.contains("学生 S0009"), "{}", t.body);
        assert!(!news("W8", "S1", "safety", "orange", "safety.x").urgent());
    }
}
