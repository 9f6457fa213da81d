//! The parallel part: workers generate and encode blocks of students; the blocks are
//! handed to the writer in student order, so the output does not depend on the number of
//! threads, and a bounded look-ahead keeps memory flat.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use super::dirty::{inject, Dirt, Entry};
use super::encode::{encode, Chunk};
use super::sim::Out;
use super::write::Writer;
use super::{seeded, student, Campus, GenerateError, GenerateOptions, Stream};
use crate::schema::{KindSpec, ALL_KINDS};

/// Students per block: fixed, so the dirty streams (one per block) do not depend on threads.
const BLOCK: usize = 64;

/// One encoded block: per kind the chunk and its dirty entries; truth lines.
struct Done {
    chunks: Vec<(Chunk, usize, Vec<Entry>)>,
    failure: String,
    distress: String,
}

fn make_block(c: &Campus, o: &GenerateOptions, dirt: &Dirt, b: usize) -> Done {
    let mut out = Out::new();
    let students = &c.people.students;
    for s in students.iter().skip(b * BLOCK).take(BLOCK) {
        student::simulate(c, s, &mut out);
    }
    let mut rng = seeded(o.seed, b as u64, Stream::Dirty);
    let chunks = ALL_KINDS
        .iter()
        .enumerate()
        .map(|(k, kind): (usize, &&'static KindSpec)| {
            if !kind.is_event() {
                return (encode(&out.rows[k], kind, o.format), 0, Vec::new());
            }
            let d = Dirt { force: dirt.force && b == 0, ..*dirt };
            let (rows, entries) = if o.dirty > 0.0 {
                inject(&out.rows[k], kind, &d, &mut rng)
            } else {
                (std::mem::take(&mut out.rows[k]), Vec::new())
            };
            (encode(&rows, kind, o.format), rows.len(), entries)
        })
        .collect();
    Done { chunks, failure: out.failure, distress: out.distress }
}

/// Runs the workers and writes their blocks in order; returns the truth lines.
pub(super) fn blocks(
    c: &Campus,
    o: &GenerateOptions,
    dirt: &Dirt,
    w: &mut Writer,
) -> Result<(String, String), GenerateError> {
    let n = c.people.students.len().div_ceil(BLOCK);
    let next = AtomicUsize::new(0);
    let written = (Mutex::new(0usize), Condvar::new());
    let ahead = 4 * o.threads.max(1);
    let (tx, rx) = mpsc::channel::<(usize, Done)>();
    let mut failure = String::new();
    let mut distress = String::new();
    std::thread::scope(|scope| -> Result<(), GenerateError> {
        for _ in 0..o.threads.max(1) {
            let tx = tx.clone();
            let (next, written) = (&next, &written);
            scope.spawn(move || loop {
                let b = next.fetch_add(1, Ordering::SeqCst);
                if b >= n {
                    break;
                }
                // Bounded look-ahead keeps memory flat while a slow block is pending.
                if let Ok(mut g) = written.0.lock() {
                    while b >= *g + ahead {
                        g = match written.1.wait(g) {
                            Ok(g) => g,
                            Err(_) => return,
                        };
                    }
                }
                if tx.send((b, make_block(c, o, dirt, b))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let result = drain(rx, n, w, &mut failure, &mut distress, &written);
        // Release workers waiting for their turn, also after a write error.
        if let Ok(mut g) = written.0.lock() {
            *g = usize::MAX / 2;
        }
        written.1.notify_all();
        result
    })?;
    Ok((failure, distress))
}

type Turn = (Mutex<usize>, Condvar);

fn drain(
    rx: mpsc::Receiver<(usize, Done)>,
    n: usize,
    w: &mut Writer,
    failure: &mut String,
    distress: &mut String,
    written: &Turn,
) -> Result<(), GenerateError> {
    let mut pending = BTreeMap::new();
    let mut want = 0;
    for (b, done) in rx.iter() {
        pending.insert(b, done);
        while let Some(done) = pending.remove(&want) {
            for (k, (chunk, rows, entries)) in done.chunks.into_iter().enumerate() {
                if ALL_KINDS[k].is_event() {
                    w.put(k, chunk, rows, &entries)?;
                }
            }
            failure.push_str(&done.failure);
            distress.push_str(&done.distress);
            want += 1;
            if let Ok(mut g) = written.0.lock() {
                *g = want;
            }
            written.1.notify_all();
        }
    }
    if want < n {
        return Err(GenerateError::Bug(format!("only {want} of {n} blocks were generated")));
    }
    Ok(())
}
