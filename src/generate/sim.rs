//! One student's simulation state and the emitters that turn events into rows. Every
//! emitter drops an event that falls in the student's lost-contact spell or outside the
//! window, so those rules hold for every kind in one place.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{Calendar, Local, DAY};
use super::people::Student;
use super::rows::{Form, Rows};
use super::{Campus, K};

/// Rows of one block of students, per kind, plus their truth lines.
#[derive(Debug)]
pub struct Out {
    /// Rows per kind, indexed by [`K`].
    pub rows: Vec<Rows>,
    /// academic_failure.csv lines.
    pub failure: String,
    /// distress.csv lines.
    pub distress: String,
}

impl Out {
    /// Empty rows for every kind.
    pub fn new() -> Out {
        Out {
            rows: crate::schema::ALL_KINDS.iter().map(|k| Rows::new(k.columns.len())).collect(),
            failure: String::new(),
            distress: String::new(),
        }
    }
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

/// A student being simulated.
pub struct Sim<'a> {
    /// The campus.
    pub c: &'a Campus,
    /// The student.
    pub s: &'a Student,
    /// The student's own random stream.
    pub rng: ChaCha8Rng,
    /// Where rows go.
    pub out: &'a mut Out,
    /// Per-kind counters for ids.
    n: [u64; 18],
    /// Card balance in cents.
    pub balance: i64,
    /// End of the last network session (one device at a time).
    pub net_busy: Local,
    /// The term of the day being simulated.
    pub term: Option<super::calendar::Term>,
    /// Its courses (class curriculum plus elective).
    pub courses: Vec<usize>,
    /// Activity tastes, drawn when first needed.
    pub taste: Option<super::taste::Taste>,
}

impl<'a> Sim<'a> {
    /// A fresh simulation of `s`.
    pub fn new(c: &'a Campus, s: &'a Student, rng: ChaCha8Rng, out: &'a mut Out) -> Sim<'a> {
        let mut sim =
            Sim { c, s, rng, out, n: [0; 18], balance: 0, net_busy: 0, term: None, courses: Vec::new(), taste: None };
        sim.balance = sim.rng.random_range(2_000..30_000);
        sim
    }

    /// The calendar.
    pub fn cal(&self) -> &'a Calendar {
        &self.c.cal
    }

    /// Whether an event at `t` may be written: inside the window and not in a spell.
    pub fn ok(&self, t: Local) -> bool {
        t >= self.c.window.0 && t < self.c.window.1 && !self.s.traits.silent(t)
    }

    /// Whether a record at `t` (any time, also before the window) may be written.
    pub fn ok_any(&self, t: Local) -> bool {
        t < self.c.window.1 && !self.s.traits.silent(t)
    }

    fn form(&mut self, offset: u8, zulu: u8) -> Form {
        Form::pick(self.rng.random(), offset, zulu)
    }

    /// Starts a row of kind `k` with its id column; returns the rows to continue.
    pub fn start(&mut self, k: K, prefix: &str) -> &mut Rows {
        self.n[k as usize] += 1;
        let n = self.n[k as usize];
        let idx = u64::from(self.s.idx);
        let r = &mut self.out.rows[k as usize];
        r.id(prefix, idx, n);
        r
    }

    /// A card transaction.
    pub fn card(&mut self, t: Local, cents: i64, kind: &str, cat: &str, merchant: &str, loc: &str) {
        if !self.ok(t) {
            return;
        }
        let form = self.form(20, 10);
        let (cal, sid) = (self.cal(), self.s.id.as_str());
        let r = self.start(K::Card, "T");
        r.s(sid).ts(cal, t, form).money(cents).s(kind).s(cat);
        if merchant.is_empty() {
            r.null()
        } else {
            r.s(merchant)
        };
        r.s(loc);
    }

    /// A purchase, with a top-up first when the balance runs low.
    pub fn buy(&mut self, t: Local, cents: i64, cat: &str, merchant: &str, loc: &str) {
        if !self.ok(t) {
            return;
        }
        if self.balance < cents + 500 {
            let top = if self.s.traits.hardship { [5_000, 5_000, 10_000] } else { [10_000, 20_000, 30_000] };
            let amount = top[self.rng.random_range(0..3)];
            let before = t - self.rng.random_range(60..1_800);
            self.card(before, amount, "top_up", "other", "TOPUP-APP", "移动端充值");
            self.balance += amount;
        }
        let merchant = if self.rng.random::<f32>() < 0.01 { "" } else { merchant };
        self.card(t, cents, "purchase", cat, merchant, loc);
        self.balance -= cents;
        if self.rng.random::<f32>() < 0.004 {
            let later = t + self.rng.random_range(120..5_400);
            self.card(later, cents, "refund", cat, merchant, loc);
            self.balance += cents;
        }
    }

    /// A gate, dorm, library, gym or teaching-building event.
    pub fn access(&mut self, t: Local, place_type: &str, place: &str, dir: &str) {
        if !self.ok(t) {
            return;
        }
        let form = self.form(70, 10);
        let (cal, sid) = (self.cal(), self.s.id.as_str());
        let r = self.start(K::Access, "AE");
        r.s(sid).ts(cal, t, form).s(place_type).s(place).s(dir);
    }

    /// A Wi-Fi session; dropped when it overlaps the previous one (one device).
    pub fn net(&mut self, a: Local, b: Local) {
        let b = b.min(self.c.window.1 - 1);
        if a < self.net_busy || b < a || !self.ok(a) || !self.ok(b) {
            return;
        }
        self.net_busy = b + 1;
        let form = self.form(20, 60);
        let bytes = (b - a) * self.rng.random_range(2_000..60_000);
        let empty = self.rng.random::<f32>() < 0.03;
        let out = bytes / self.rng.random_range(5..30);
        let (cal, sid) = (self.cal(), self.s.id.as_str());
        let r = self.start(K::Network, "NS");
        r.s(sid).ts(cal, a, form).ts(cal, b, form);
        if empty {
            r.null().null();
        } else {
            r.int(bytes).int(out);
        }
    }

    /// An attendance record.
    pub fn attendance(&mut self, t: Local, course: &str, status: &str) {
        if !self.ok(t) {
            return;
        }
        let form = self.form(50, 5);
        let (cal, sid) = (self.cal(), self.s.id.as_str());
        let r = self.start(K::Attendance, "AT");
        r.s(sid).s(course).ts(cal, t, form).s(status);
    }

    /// An LMS event.
    pub fn lms(&mut self, t: Local, course: &str, kind: &str, clicks: i64) {
        if !self.ok(t) {
            return;
        }
        let form = self.form(30, 50);
        let (cal, sid) = (self.cal(), self.s.id.as_str());
        let r = self.start(K::Learning, "LE");
        r.s(sid).s(course).ts(cal, t, form).s(kind).int(clicks);
    }

    /// A uniformly random time between two hours (fractional) of a day.
    pub fn between(&mut self, day: i32, lo_h: f64, hi_h: f64) -> Local {
        let lo = (lo_h * 3600.0) as i64;
        let hi = ((hi_h * 3600.0) as i64).max(lo + 1);
        i64::from(day) * DAY + self.rng.random_range(lo..hi)
    }

    /// A roughly normal time (mean hour, spread in minutes) of a day, within bounds.
    pub fn around(&mut self, day: i32, mean_h: f64, sd_min: f64, lo_h: f64, hi_h: f64) -> Local {
        let z: f64 = (0..4).map(|_| self.rng.random::<f64>()).sum::<f64>() - 2.0;
        let h = (mean_h + z * 1.7 * sd_min / 60.0).clamp(lo_h, hi_h);
        i64::from(day) * DAY + (h * 3600.0) as i64 + self.rng.random_range(0..60)
    }

    /// A Bernoulli draw.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    /// A timestamp form for the slower kinds.
    pub fn pick_form(&mut self, offset: u8, zulu: u8) -> Form {
        self.form(offset, zulu)
    }
}
