//! Everything the recommender knows as of D, read and fitted once: the students, the
//! activity series and who joined them, the library classes and who borrowed in them,
//! the two item-based CF models, popularity per college and cohort, open warnings, term
//! results and the peer-mentor pairing. Ranking a student is then cheap ([`super::suggest`]).

use std::collections::{BTreeMap, HashMap};

use super::books::{Loans, TopBooks};
use super::cf::{CfParams, Interactions, ItemCf};
use super::mentor::{self, Story, TermRow};
use super::people::People;
use super::resources::OpenWarning;
use super::series::{self, Catalogue, Next};
use super::{cut_off, RecommendError, RecommendOptions};
use crate::schema::time::Micros;
use crate::store::Store;
use crate::warnings::db::{Filter, OpsDb, OPEN};

/// One kind's fitted data (activity series or book classes).
pub struct Items {
    /// Item names (series names, CLC classes).
    pub names: Vec<String>,
    /// Who joined what before D.
    pub m: Interactions,
    /// Item-based CF.
    pub cf: ItemCf,
    /// Distinct students per item.
    pub campus: Vec<u32>,
    /// The same per (college, cohort).
    pub groups: HashMap<(u32, i32), Vec<u32>>,
    /// Items that may be suggested.
    pub allowed: Vec<bool>,
}

impl Items {
    fn fit(names: Vec<String>, m: Interactions, people: &People, params: CfParams, allowed: Vec<bool>) -> Items {
        let cf = ItemCf::fit(&m, params, Some(&people.group_keys()));
        let campus = m.popularity();
        let groups = super::ranking::group_counts(&m, people);
        Items { names, m, cf, campus, groups, allowed }
    }
}

/// The recommender's state as of D.
pub struct Model {
    pub(super) as_of: i32,
    pub(super) cut: Micros,
    pub(super) tz: chrono_tz::Tz,
    pub(super) opts: RecommendOptions,
    pub(super) people: People,
    pub(super) acts: Items,
    /// Category of each series.
    pub(super) category: Vec<String>,
    /// Next session of each series at or after D.
    pub(super) next: Vec<Option<Next>>,
    pub(super) books: Items,
    pub(super) top_books: TopBooks,
    /// Open warnings per student.
    pub(super) warnings: Vec<Vec<OpenWarning>>,
    /// Failed credits in a term before D, per student.
    pub(super) failed: Vec<bool>,
    /// Peer mentor per mentee.
    pub(super) mentors: BTreeMap<u32, Story>,
}

impl Model {
    /// Reads the store as of D and fits. With `only`, fails early with
    /// [`RecommendError::UnknownStudent`] when that student is not in `students`.
    pub async fn build(
        store: &Store,
        as_of: i32,
        tz: chrono_tz::Tz,
        opts: &RecommendOptions,
        only: Option<&str>,
    ) -> Result<Model, RecommendError> {
        let ctx = store.session().await?;
        let tables = store.table_names();
        let people = People::load(&ctx, &tables).await?;
        if let Some(id) = only {
            if people.index(id).is_none() {
                return Err(RecommendError::UnknownStudent(id.to_string()));
            }
        }
        let cut = cut_off(as_of, tz);

        let cat = Catalogue::load(&ctx, &tables).await?;
        let triples = series::participations(&ctx, &tables, &cat, &people, cut).await?;
        let m = Interactions::from_triples(people.len(), cat.names.len(), triples);
        let running = cat.running(cut);
        let next = cat.next_sessions(cut);
        let Catalogue { names, category, .. } = cat;
        let acts = Items::fit(names, m, &people, opts.cf, running);

        let loans = Loans::load(&ctx, &tables, &people, cut).await?;
        let top_books = loans.top_books();
        let b = Interactions::from_triples(people.len(), loans.classes.len(), loans.triples.clone());
        let all = vec![true; loans.classes.len()];
        let books = Items::fit(loans.classes, b, &people, opts.book_cf, all);

        let warnings = open_warnings(store, &people, cut)?;
        let terms = mentor::load_terms(&ctx, &tables, &people, as_of).await?;
        let failed: Vec<bool> = terms.iter().map(|t| t.iter().any(|r: &TermRow| r.failed > 0.0)).collect();
        let mentees: Vec<u32> = (0..people.len())
            .filter(|&u| people.active[u] && (failed[u] || warnings[u].iter().any(|w| w.category == "academic")))
            .map(|u| u as u32)
            .collect();
        let mentors = mentor::assign(&people, &terms, &mentees);
        Ok(Model {
            as_of,
            cut,
            tz,
            opts: opts.clone(),
            people,
            acts,
            category,
            next,
            books,
            top_books,
            warnings,
            failed,
            mentors,
        })
    }

    /// The students.
    pub fn people(&self) -> &People {
        &self.people
    }

    /// Active students without participation before D.
    pub fn cold_start(&self) -> usize {
        (0..self.people.len()).filter(|&u| self.people.active[u] && self.acts.m.rows[u].is_empty()).count()
    }

    /// Activity series known.
    pub fn series_count(&self) -> usize {
        self.acts.names.len()
    }

    /// Book classes known.
    pub fn class_count(&self) -> usize {
        self.books.names.len()
    }
}

/// Warnings open now and raised by D (created at or before D 00:00), per student. A
/// store without the operational database has none.
fn open_warnings(store: &Store, people: &People, cut: Micros) -> Result<Vec<Vec<OpenWarning>>, RecommendError> {
    let mut out = vec![Vec::new(); people.len()];
    if !OpsDb::exists(store.root()) {
        return Ok(out);
    }
    let db = OpsDb::open(store.root())?;
    let filter = Filter { statuses: OPEN.iter().map(|s| s.to_string()).collect(), ..Filter::default() };
    for w in db.list(&filter)? {
        if w.created_at > cut {
            continue;
        }
        if let Some(u) = people.index(&w.student_id) {
            out[u as usize].push(OpenWarning { id: w.warning_id, category: w.category, rule: w.rule });
        }
    }
    for list in &mut out {
        list.sort_by(|a, b| a.id.cmp(&b.id));
    }
    Ok(out)
}
