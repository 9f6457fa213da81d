//! Text strategies for the property tests of the file parsers: arbitrary text, and valid
//! files with a few lines or tokens changed, which reach far deeper into a parser.

use proptest::prelude::*;

/// One change to a file's text.
#[derive(Debug, Clone)]
enum Edit {
    /// Cut the text at this share of its length.
    Truncate(prop::sample::Index),
    /// Delete a line.
    DeleteLine(prop::sample::Index),
    /// Repeat a line.
    DuplicateLine(prop::sample::Index),
    /// Replace the value after the `=` of a line.
    Value(prop::sample::Index, String),
    /// Insert text at a character position.
    Insert(prop::sample::Index, String),
}

fn value() -> impl Strategy<Value = String> {
    let odd = prop::sample::select(vec![
        "-1",
        "1e309",
        "nan",
        "inf",
        "\"\"",
        "[]",
        "{}",
        "99999999999999999999",
        "\"２０２５年\"",
        "true",
    ]);
    prop_oneof![
        odd.prop_map(String::from),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:?}")),
        "\"[^\"\\\\]{0,12}\"",
        "[a-z_]{1,10}",
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<prop::sample::Index>().prop_map(Edit::Truncate),
        1 => any::<prop::sample::Index>().prop_map(Edit::DeleteLine),
        1 => any::<prop::sample::Index>().prop_map(Edit::DuplicateLine),
        3 => (any::<prop::sample::Index>(), value()).prop_map(|(i, v)| Edit::Value(i, v)),
        1 => (any::<prop::sample::Index>(), prop_oneof![".{0,6}", Just("\n[[".to_string()), Just("\"".to_string())])
            .prop_map(|(i, s)| Edit::Insert(i, s)),
    ]
}

fn apply(text: &str, e: &Edit) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    match e {
        Edit::Truncate(i) => {
            let chars: Vec<char> = text.chars().collect();
            return chars[..i.index(chars.len() + 1)].iter().collect();
        }
        Edit::DeleteLine(i) => {
            lines.remove(i.index(lines.len()));
        }
        Edit::DuplicateLine(i) => {
            let at = i.index(lines.len());
            lines.insert(at, lines[at].clone());
        }
        Edit::Value(i, v) => {
            let with_value: Vec<usize> = (0..lines.len()).filter(|&n| lines[n].contains('=')).collect();
            if let Some(&n) = with_value.get(i.index(with_value.len().max(1))) {
                let key = lines[n].split('=').next().unwrap_or_default().to_string();
                lines[n] = format!("{key}= {v}");
            }
        }
        Edit::Insert(i, s) => {
            let mut chars: Vec<char> = text.chars().collect();
            let at = i.index(chars.len() + 1);
            chars.splice(at..at, s.chars());
            return chars.into_iter().collect();
        }
    }
    lines.join("\n") + "\n"
}

/// `valid` with one to three edits.
pub fn mutated(valid: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(edit(), 1..=3)
        .prop_map(move |edits| edits.iter().fold(valid.to_string(), |t, e| apply(&t, e)))
}

/// Arbitrary text, TOML-looking text, or a mutation of `valid`.
pub fn file_text(valid: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => "([a-z_\\[\\]]{1,10} ?= ?[0-9a-z\"\\[\\]{}.,-]{0,10}\n){0,8}",
        4 => mutated(valid),
    ]
}
