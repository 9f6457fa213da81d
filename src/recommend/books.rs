//! Library books by CLC class (中图法). A class is what a reader's interest looks like at
//! the level a recommendation can act on ("more TP books"); the concrete book offered is
//! the one most borrowed in that class by similar readers — readers who also borrowed in
//! the class that explains the suggestion — else the class's most borrowed book.
//!
//! Classes are cut to their letters (`TP312.8` → `TP`, `I247.5` → `I`): finer classes
//! spread one interest over many sparse items.

use std::collections::{BTreeMap, HashMap};

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::people::People;
use super::RecommendError;
use crate::features::cols::{micros, strs};
use crate::schema::time::Micros;

/// Names of CLC main classes (and the T subclasses), Chinese and English.
const CLC_NAMES: &[(&str, &str, &str)] = &[
    ("A", "马列主义、毛泽东思想、邓小平理论", "Marxism, Mao Zedong Thought, Deng Xiaoping Theory"),
    ("B", "哲学、宗教", "philosophy and religion"),
    ("C", "社会科学总论", "social sciences"),
    ("D", "政治、法律", "politics and law"),
    ("E", "军事", "military science"),
    ("F", "经济", "economics"),
    ("G", "文化、科学、教育、体育", "culture, education and sports"),
    ("H", "语言、文字", "languages"),
    ("I", "文学", "literature"),
    ("J", "艺术", "art"),
    ("K", "历史、地理", "history and geography"),
    ("N", "自然科学总论", "natural sciences"),
    ("O", "数理科学和化学", "mathematics, physics and chemistry"),
    ("P", "天文学、地球科学", "astronomy and earth sciences"),
    ("Q", "生物科学", "biology"),
    ("R", "医药、卫生", "medicine and health"),
    ("S", "农业科学", "agriculture"),
    ("T", "工业技术", "engineering"),
    ("TB", "一般工业技术", "general engineering"),
    ("TH", "机械、仪表工业", "mechanical engineering"),
    ("TM", "电工技术", "electrical engineering"),
    ("TN", "无线电电子学、电信技术", "electronics and telecommunications"),
    ("TP", "自动化技术、计算机技术", "automation and computing"),
    ("TQ", "化学工业", "chemical engineering"),
    ("TU", "建筑科学", "architecture"),
    ("U", "交通运输", "transport"),
    ("V", "航空、航天", "aerospace"),
    ("X", "环境科学、安全科学", "environmental science"),
    ("Z", "综合性图书", "general works"),
];

/// The class a loan counts under: the leading letters of `clc_class`, upper-cased.
pub fn class_of(clc: &str) -> Option<String> {
    let letters: String = clc.trim().chars().take_while(char::is_ascii_alphabetic).collect();
    (!letters.is_empty()).then(|| letters.to_ascii_uppercase())
}

/// Display titles of a class (zh, en).
pub fn class_titles(class: &str) -> (String, String) {
    match CLC_NAMES.iter().find(|c| c.0 == class).or_else(|| CLC_NAMES.iter().find(|c| class.starts_with(c.0))) {
        Some((_, zh, en)) => (format!("{class} 类图书（{zh}）"), format!("CLC {class} books ({en})")),
        None => (format!("{class} 类图书"), format!("CLC {class} books")),
    }
}

/// Loans before the cut-off, by class.
#[derive(Debug, Default)]
pub struct Loans {
    /// Class names, sorted (the index is the item id).
    pub classes: Vec<String>,
    /// (reader, class, borrowed_at).
    pub triples: Vec<(u32, u32, Micros)>,
    /// (reader, class, book_id index).
    books: Vec<(u32, u32, u32)>,
    /// Book ids (index into it from `books`).
    book_ids: Vec<String>,
}

impl Loans {
    /// Reads `library_loans` before the cut-off (rows without a class are left out).
    pub async fn load(
        ctx: &SessionContext,
        tables: &[String],
        people: &People,
        cut: Micros,
    ) -> Result<Loans, RecommendError> {
        let mut raw: Vec<(u32, String, String, Micros)> = Vec::new();
        if tables.iter().any(|t| t == "library_loans") {
            let sql = "SELECT student_id, book_id, clc_class, borrowed_at FROM library_loans";
            let mut stream = ctx.sql(sql).await?.execute_stream().await?;
            while let Some(b) = stream.try_next().await? {
                let (sid, book, clc, at) =
                    (strs(&b, "student_id")?, strs(&b, "book_id")?, strs(&b, "clc_class")?, micros(&b, "borrowed_at")?);
                for i in 0..b.num_rows() {
                    if clc.is_null(i) || at.value(i) >= cut {
                        continue;
                    }
                    let (Some(u), Some(class)) = (people.index(sid.get(i)), class_of(clc.get(i))) else { continue };
                    raw.push((u, class, book.get(i).to_string(), at.value(i)));
                }
            }
        }
        let mut classes: Vec<String> = raw.iter().map(|r| r.1.clone()).collect();
        classes.sort();
        classes.dedup();
        let mut book_index: HashMap<String, u32> = HashMap::new();
        let mut l = Loans::default();
        for (u, class, book, at) in raw {
            let c = classes.binary_search(&class).unwrap_or(0) as u32;
            let next = book_index.len() as u32;
            let b = *book_index.entry(book.clone()).or_insert_with(|| {
                l.book_ids.push(book);
                next
            });
            l.triples.push((u, c, at));
            l.books.push((u, c, b));
        }
        l.classes = classes;
        Ok(l)
    }

    /// Per (explaining class, suggested class): the book most borrowed in the suggested
    /// class by readers who also borrowed in the explaining one; per class (key `None`):
    /// its most borrowed book. Ties go to the smaller book id.
    pub fn top_books(&self) -> TopBooks {
        let mut by_reader: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
        for &(u, c, b) in &self.books {
            by_reader.entry(u).or_default().push((c, b));
        }
        let mut pair: HashMap<(u32, u32, u32), u32> = HashMap::new();
        let mut any: HashMap<(u32, u32), u32> = HashMap::new();
        for loans in by_reader.values_mut() {
            loans.sort_unstable();
            loans.dedup();
            let mut classes: Vec<u32> = loans.iter().map(|x| x.0).collect();
            classes.dedup();
            for &(c, b) in loans.iter() {
                *any.entry((c, b)).or_default() += 1;
                for &from in classes.iter().filter(|&&f| f != c) {
                    *pair.entry((from, c, b)).or_default() += 1;
                }
            }
        }
        let ids = &self.book_ids;
        let better = |n: u32, b: u32, cur: Option<&(u32, u32)>| {
            cur.is_none_or(|&(m, o)| n > m || (n == m && ids[b as usize] < ids[o as usize]))
        };
        let mut top: HashMap<(Option<u32>, u32), (u32, u32)> = HashMap::new();
        for ((from, c, b), n) in pair {
            let key = (Some(from), c);
            if better(n, b, top.get(&key)) {
                top.insert(key, (n, b));
            }
        }
        for ((c, b), n) in any {
            let key = (None, c);
            if better(n, b, top.get(&key)) {
                top.insert(key, (n, b));
            }
        }
        TopBooks { top: top.into_iter().map(|(k, (n, b))| (k, (ids[b as usize].clone(), n))).collect() }
    }
}

/// Books to name for class suggestions; see [`Loans::top_books`].
#[derive(Debug, Default)]
pub struct TopBooks {
    top: HashMap<(Option<u32>, u32), (String, u32)>,
}

impl TopBooks {
    /// The book for suggesting `class` because of `from` (falling back to the class's
    /// most borrowed), with how many readers borrowed it.
    pub fn get(&self, from: Option<u32>, class: u32) -> Option<&(String, u32)> {
        from.and_then(|f| self.top.get(&(Some(f), class))).or_else(|| self.top.get(&(None, class)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_cut_to_their_letters() {
        assert_eq!(class_of("TP312.8").as_deref(), Some("TP"));
        assert_eq!(class_of(" i247.5").as_deref(), Some("I"));
        assert_eq!(class_of("312"), None);
        assert_eq!(class_titles("TP").1, "CLC TP books (automation and computing)");
        assert!(class_titles("TS").0.starts_with("TS 类图书（工业技术"));
        assert_eq!(class_titles("W").1, "CLC W books");
    }
}
