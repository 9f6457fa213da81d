//! Reading on its own thread: the file is tokenised and decoded into records while the
//! calling thread checks the previous ones, so that on two cores reading overlaps with
//! checking (and Parquet encoding runs on a third task).

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::thread::JoinHandle;

use super::record::Record;
use super::source::Source;
use super::IngestError;

/// Records handed over at a time: large enough to make the hand-over cheap.
const CHUNK: usize = 2048;

type Chunk = Result<Vec<Record>, IngestError>;

/// Records read ahead by a reader thread.
pub struct Prefetch {
    rx: Receiver<Chunk>,
    recycle: SyncSender<Vec<Record>>,
    current: Vec<Record>,
    pos: usize,
    reader: Option<JoinHandle<Source>>,
    source: Option<Source>,
}

impl Prefetch {
    /// Starts reading `source` on a new thread.
    pub fn start(source: Source) -> Self {
        let (tx, rx) = sync_channel::<Chunk>(4);
        let (recycle, spare) = sync_channel::<Vec<Record>>(8);
        let reader = std::thread::spawn(move || read_ahead(source, tx, spare));
        Prefetch { rx, recycle, current: Vec::new(), pos: 0, reader: Some(reader), source: None }
    }

    /// Moves the next record into `rec` (its old contents are recycled); false at the end.
    pub fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        if self.pos >= self.current.len() {
            let used = std::mem::take(&mut self.current);
            let _ = self.recycle.try_send(used);
            self.current = match self.rx.recv() {
                Ok(chunk) => chunk?,
                Err(_) => return Ok(false),
            };
            self.pos = 0;
            if self.current.is_empty() {
                return Ok(false);
            }
        }
        std::mem::swap(rec, &mut self.current[self.pos]);
        self.pos += 1;
        Ok(true)
    }

    /// The reader, once every record has been taken.
    pub fn source(&mut self) -> Result<&Source, IngestError> {
        if let Some(handle) = self.reader.take() {
            let source = handle.join().map_err(|_| IngestError::Internal("reader thread panicked".into()))?;
            self.source = Some(source);
        }
        self.source.as_ref().ok_or_else(|| IngestError::Internal("reader thread gone".into()))
    }
}

fn read_ahead(mut source: Source, tx: SyncSender<Chunk>, spare: Receiver<Vec<Record>>) -> Source {
    loop {
        let mut chunk = match spare.try_recv() {
            Ok(c) => c,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::new(),
        };
        chunk.resize_with(CHUNK, Record::default);
        let mut filled = 0;
        let mut failed = None;
        while filled < CHUNK {
            match source.next(&mut chunk[filled]) {
                Ok(true) => filled += 1,
                Ok(false) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        chunk.truncate(filled);
        let end = filled < CHUNK;
        let sent = match failed {
            Some(e) => tx.send(Err(e)),
            None => tx.send(Ok(chunk)),
        };
        // Stop at the end, on an error, or when the consumer has gone.
        if end || sent.is_err() {
            return source;
        }
    }
}
