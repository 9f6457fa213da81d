//! Support resources matched to a student's situation: tutoring for an open academic
//! warning, counselling for wellbeing, the aid office for economic, the career centre for
//! seniors, the safety office for safety. Configuration, not code:
//! `pipelines/recommend/resources.toml` (documented in the file, built into the binary).

use std::path::Path;

use serde::Deserialize;

use super::RecommendError;

/// The built-in resource file.
pub const BUILTIN: &str = include_str!("../../pipelines/recommend/resources.toml");

const CATEGORIES: [&str; 4] = ["academic", "wellbeing", "economic", "safety"];
const DEGREES: [&str; 3] = ["undergraduate", "master", "doctoral"];
const ACTIVITY_CATEGORIES: [&str; 9] =
    ["volunteer", "club", "sports", "arts", "labour", "academic", "party", "ideological", "career"];
const PLACEHOLDERS: [&str; 3] = ["rules", "year", "activities"];

/// The resource file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Version of the file.
    pub version: String,
    /// The resources.
    #[serde(rename = "resource", default)]
    pub resources: Vec<Resource>,
}

/// One resource.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Id (the recommendation's item_id).
    pub id: String,
    /// Title, Chinese.
    pub title_zh: String,
    /// Title, English.
    pub title_en: String,
    /// Where and when, Chinese.
    #[serde(default)]
    pub where_zh: String,
    /// Where and when, English.
    #[serde(default)]
    pub where_en: String,
    /// Conditions, the first that holds applies.
    #[serde(rename = "when", default)]
    pub when: Vec<When>,
}

/// A condition; every key it sets must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Open warning of one of these categories.
    #[serde(default)]
    pub warning_categories: Vec<String>,
    /// Open warning whose rule id starts with one of these.
    #[serde(default)]
    pub warning_rules: Vec<String>,
    /// Failed credits in an earlier term.
    #[serde(default)]
    pub failed_credits: bool,
    /// Year of study at least this.
    pub min_year_of_study: Option<i32>,
    /// Degree level one of these.
    #[serde(default)]
    pub degree_levels: Vec<String>,
    /// Joined an activity of one of these categories.
    #[serde(default)]
    pub activity_categories: Vec<String>,
    /// Score of the recommendation, 0–1.
    pub priority: f64,
    /// Reason, Chinese.
    pub reason_zh: String,
    /// Reason, English.
    pub reason_en: String,
}

/// An open warning, as the matching sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenWarning {
    /// Warning id.
    pub id: String,
    /// Category.
    pub category: String,
    /// Rule id.
    pub rule: String,
}

/// What is known about a student for matching.
#[derive(Debug, Clone, Default)]
pub struct Situation<'a> {
    /// Open warnings raised by D.
    pub warnings: Vec<&'a OpenWarning>,
    /// Failed credits in a term before D.
    pub failed_credits: bool,
    /// Year of study at D.
    pub year_of_study: i32,
    /// Degree level.
    pub degree: &'a str,
    /// Activity series joined before D with their category.
    pub joined: Vec<(&'a str, &'a str)>,
}

/// A matched resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    /// Resource id.
    pub id: String,
    /// Score.
    pub priority: f64,
    /// Reason, Chinese.
    pub reason_zh: String,
    /// Reason, English.
    pub reason_en: String,
    /// Warning ids that triggered it.
    pub warnings: Vec<String>,
}

fn bad(file: &str, msg: String) -> RecommendError {
    RecommendError::Resources { file: file.to_string(), msg }
}

impl Resources {
    /// The built-in file.
    pub fn builtin() -> Result<Resources, RecommendError> {
        Resources::parse(BUILTIN, "built-in resources.toml")
    }

    /// The resources a run uses: `given`, else ./pipelines/recommend/resources.toml when
    /// it exists (an analyst's edit), else the built-in file — the same for the command
    /// and the nightly refresh.
    pub fn resolve(given: Option<&Path>) -> Result<Resources, RecommendError> {
        let local = Path::new("pipelines/recommend/resources.toml");
        match given.or_else(|| local.is_file().then_some(local)) {
            Some(p) => Resources::from_file(p),
            None => Resources::builtin(),
        }
    }

    /// A file given by the user.
    pub fn from_file(path: &Path) -> Result<Resources, RecommendError> {
        let text = std::fs::read_to_string(path).map_err(|e| bad(&path.display().to_string(), e.to_string()))?;
        Resources::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a resource file: every problem is listed.
    pub fn parse(text: &str, file: &str) -> Result<Resources, RecommendError> {
        let r: Resources = toml::from_str(text).map_err(|e| bad(file, e.to_string()))?;
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for res in &r.resources {
            if !seen.insert(res.id.as_str()) {
                problems.push(format!("resource `{}` is defined twice", res.id));
            }
            if res.when.is_empty() {
                problems.push(format!("resource `{}` has no [[resource.when]] condition", res.id));
            }
            for (k, w) in res.when.iter().enumerate() {
                let at = format!("resource `{}` condition {}", res.id, k + 1);
                let check = |list: &[String], allowed: &[&str], key: &str, problems: &mut Vec<String>| {
                    for v in list.iter().filter(|v| !allowed.contains(&v.as_str())) {
                        problems.push(format!("{at}: unknown {key} `{v}` (use {})", allowed.join(", ")));
                    }
                };
                check(&w.warning_categories, &CATEGORIES[..], "warning category", &mut problems);
                check(&w.degree_levels, &DEGREES[..], "degree level", &mut problems);
                check(&w.activity_categories, &ACTIVITY_CATEGORIES[..], "activity category", &mut problems);
                if !(0.0..=1.0).contains(&w.priority) {
                    problems.push(format!("{at}: priority {} is outside 0–1", w.priority));
                }
                let empty = w.warning_categories.is_empty()
                    && w.warning_rules.is_empty()
                    && !w.failed_credits
                    && w.min_year_of_study.is_none()
                    && w.degree_levels.is_empty()
                    && w.activity_categories.is_empty();
                if empty {
                    problems.push(format!("{at}: sets no condition (it would match every student)"));
                }
                for text in [&w.reason_zh, &w.reason_en] {
                    if let Some(p) = unknown_placeholder(text) {
                        problems.push(format!("{at}: unknown placeholder {{{p}}} (use {})", PLACEHOLDERS.join(", ")));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(r)
        } else {
            Err(bad(file, problems.join("; ")))
        }
    }

    /// The resources that apply to a student, in file order.
    pub fn matching(&self, s: &Situation<'_>) -> Vec<Matched> {
        self.resources.iter().filter_map(|res| res.when.iter().find_map(|w| w.apply(res, s))).collect()
    }
}

fn unknown_placeholder(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Some(name.to_string());
        }
        rest = &after[close + 1..];
    }
    None
}

impl When {
    fn apply(&self, res: &Resource, s: &Situation<'_>) -> Option<Matched> {
        let mut warnings: Vec<&OpenWarning> = s.warnings.clone();
        if !self.warning_categories.is_empty() {
            warnings.retain(|w| self.warning_categories.contains(&w.category));
        }
        if !self.warning_rules.is_empty() {
            warnings.retain(|w| self.warning_rules.iter().any(|r| w.rule.starts_with(r.as_str())));
        }
        let wants_warning = !self.warning_categories.is_empty() || !self.warning_rules.is_empty();
        if wants_warning && warnings.is_empty() {
            return None;
        }
        if self.failed_credits && !s.failed_credits {
            return None;
        }
        if self.min_year_of_study.is_some_and(|y| s.year_of_study < y) {
            return None;
        }
        if !self.degree_levels.is_empty() && !self.degree_levels.iter().any(|d| d == s.degree) {
            return None;
        }
        let joined: Vec<&str> =
            s.joined.iter().filter(|(_, c)| self.activity_categories.iter().any(|x| x == c)).map(|x| x.0).collect();
        if !self.activity_categories.is_empty() && joined.is_empty() {
            return None;
        }
        let mut rules: Vec<&str> = warnings.iter().map(|w| w.rule.as_str()).collect();
        rules.sort_unstable();
        rules.dedup();
        let fill = |t: &str, sep: &str| {
            t.replace("{rules}", &rules.join(sep))
                .replace("{year}", &s.year_of_study.to_string())
                .replace("{activities}", &joined.iter().take(3).copied().collect::<Vec<_>>().join(sep))
        };
        let mut ids: Vec<String> = if wants_warning { warnings.iter().map(|w| w.id.clone()).collect() } else { vec![] };
        ids.sort();
        Some(Matched {
            id: res.id.clone(),
            priority: self.priority,
            reason_zh: fill(&self.reason_zh, "、"),
            reason_en: fill(&self.reason_en, ", "),
            warnings: ids,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_file_is_valid_and_matches_warnings_by_category() {
        let r = Resources::builtin().expect("built-in resources");
        let w = OpenWarning {
            id: "W000001".into(),
            category: "academic".into(),
            rule: "academic.failed_credits_term".into(),
        };
        let s = Situation { warnings: vec![&w], year_of_study: 2, degree: "undergraduate", ..Situation::default() };
        let m = r.matching(&s);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].id, "tutoring_centre");
        assert!(m[0].reason_en.contains("academic.failed_credits_term"));
        assert_eq!(m[0].warnings, vec!["W000001".to_string()]);
        // A senior undergraduate without warnings: the career centre, naming the year.
        let s = Situation { year_of_study: 4, degree: "undergraduate", ..Situation::default() };
        let m = r.matching(&s);
        assert_eq!(m.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), vec!["career_centre"]);
        assert!(m[0].reason_zh.contains("第4年"));
    }

    #[test]
    fn bad_files_list_every_problem() {
        let text = r#"
version = "x"
[[resource]]
id = "a"
title_zh = "a"
title_en = "a"
[[resource.when]]
warning_categories = ["academik"]
priority = 2.0
reason_zh = "{rule}"
reason_en = "ok"
[[resource]]
id = "a"
title_zh = "a"
title_en = "a"
"#;
        let e = Resources::parse(text, "f.toml").err().map(|e| e.to_string()).unwrap_or_default();
        for want in ["academik", "priority 2", "{rule}", "defined twice", "no [[resource.when]]"] {
            assert!(e.contains(want), "{want} in {e}");
        }
    }

    mod props {
        use proptest::prelude::*;

        use crate::recommend::resources::{Resources, BUILTIN};

        proptest! {
            #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
            #[test]
            fn any_resources_text_parses_or_is_refused(text in crate::proptext::file_text(BUILTIN)) {
                let _ = Resources::parse(&text, "fuzz.toml");
            }
        }
    }
}
