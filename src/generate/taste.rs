//! Activity tastes: why students join the series they join. Each student has a latent
//! taste over six interest themes (tech, arts, sports, service, career, language — they
//! cut across the contract's categories) and a few favourite series, drawn from the
//! student's own stream ([`Stream::Taste`]). A series' appeal to a student is
//! `sqrt(popularity) × taste of its themes × college fit × year fit`: a series that
//! appeals to the student's college is 4× likelier (one that appeals to other colleges
//! only half as likely), and seniors lean 3× to career events. The taste per theme is
//! `E³` with `E` exponential, so most students have one dominant interest.
//! The weekly choice of which activity to join is weighted strongly toward the
//! favourites (×25–75) and mildly toward appeal (its square root) otherwise.
//!
//! The choice draws from this separate stream, so the life stream (how many activities
//! a student joins, and every other record kind) is unchanged by it.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::activities::Activity;
use super::calendar::Term;
use super::people::{Degree, Student};
use super::series::{Series, SERIES, THEMES};
use super::{seeded, Campus, Stream};

/// How much more a favourite is chosen than a series of the same appeal.
const FAVOURITE_BOOST: f64 = 25.0;

/// A student's activity preferences and the stream their weekly choices come from.
pub struct Taste {
    /// Weight of each series in the weekly choice.
    weight: Vec<f64>,
    /// The theme the student cares for most.
    top: usize,
    rng: ChaCha8Rng,
}

impl Taste {
    /// Draws the tastes of student `s`.
    pub fn draw(c: &Campus, s: &Student) -> Taste {
        let mut rng = seeded(c.seed, u64::from(s.idx), Stream::Taste);
        let class = &c.people.classes[s.class];
        let senior = class.degree != Degree::Under || Term::around(c.cal.start).semester_of(class.cohort) >= 7;
        // Latent taste per theme: heavy-tailed, so most students care mostly for one.
        let taste: Vec<f64> = THEMES
            .iter()
            .map(|_| {
                let u: f64 = rng.random();
                (-(1.0 - u).ln()).powi(3)
            })
            .collect();
        let appeal = |sr: &Series| {
            let college = if sr.colleges.is_empty() {
                1.0
            } else if sr.colleges.contains(&class.college) {
                4.0
            } else {
                0.5
            };
            let year = if senior && sr.category == "career" { 3.0 } else { 1.0 };
            let themes = sr.themes.iter().map(|&t| taste[t]).sum::<f64>() / sr.themes.len().max(1) as f64;
            f64::from(sr.popularity).sqrt() * themes * college * year
        };
        let base: Vec<f64> = SERIES.iter().map(appeal).collect();
        let top = (0..taste.len()).max_by(|a, b| taste[*a].total_cmp(&taste[*b])).unwrap_or(0);
        let mut weight: Vec<f64> = base.iter().map(|b| b.sqrt()).collect();
        // Favourites: 2–5 series drawn by appeal, without replacement.
        let n = rng.random_range(2..=5);
        let mut left = base.clone();
        for _ in 0..n {
            let total: f64 = left.iter().sum();
            if total <= 0.0 {
                break;
            }
            let mut x = rng.random::<f64>() * total;
            let mut pick = left.len() - 1;
            for (k, w) in left.iter().enumerate() {
                if x < *w {
                    pick = k;
                    break;
                }
                x -= w;
            }
            let strength = 1.0 + 2.0 * rng.random::<f64>();
            weight[pick] = weight[pick].max(1.0) * FAVOURITE_BOOST * strength;
            left[pick] = 0.0;
        }
        Taste { weight, top, rng }
    }

    /// The theme (index into `THEMES`) the student cares for most.
    pub fn top_theme(&self) -> usize {
        self.top
    }

    /// A Bernoulli draw from the taste stream.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    /// The activity (index into `acts`) joined from a week's `range` (not empty).
    pub fn choose(&mut self, acts: &[Activity], range: std::ops::Range<usize>) -> usize {
        let total: f64 = range.clone().map(|i| self.weight[acts[i].series]).sum();
        let mut x = self.rng.random::<f64>() * total;
        for i in range.clone() {
            let w = self.weight[acts[i].series];
            if x < w {
                return i;
            }
            x -= w;
        }
        range.end.saturating_sub(1)
    }
}
