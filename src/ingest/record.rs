//! One input record, decoded to text and mapped onto the kind's contract columns.

/// A record as read from any format, before validation. Cell texts live in one buffer
/// that is reused from record to record, so reading allocates nothing per cell.
#[derive(Debug, Default)]
pub struct Record {
    /// Physical line where the record starts (header = 1); `None` for Parquet.
    pub line: Option<u64>,
    /// Byte offset where the csv reader found the record (CSV only), for its line.
    pub byte: Option<u64>,
    /// 1-based data row number.
    pub row: u64,
    /// Decoded text of the cells.
    pub buf: String,
    /// Per contract column: the cell's span in `buf`; `None` = absent or null.
    pub cells: Vec<Option<(u32, u32)>>,
    /// Set when the row itself cannot be read (`bad_row`): what was wrong.
    pub bad: Option<&'static str>,
    /// Original text with personal-data columns blanked, filled only when needed.
    pub raw: String,
    /// CSV: every physical field's span in `buf`, in file order.
    pub phys: Vec<(u32, u32)>,
    /// NDJSON: the decoded line.
    pub text: String,
}

impl Record {
    /// Resets for the next record with `n` contract columns.
    pub fn clear(&mut self, n: usize) {
        self.buf.clear();
        self.cells.clear();
        self.cells.resize(n, None);
        self.bad = None;
        self.byte = None;
        self.raw.clear();
        self.phys.clear();
        self.text.clear();
    }

    /// The text of contract column `i`; `None` when absent or null.
    pub fn cell(&self, i: usize) -> Option<&str> {
        let (s, e) = self.cells.get(i).copied().flatten()?;
        self.buf.get(s as usize..e as usize)
    }

    /// Appends a cell's text for contract column `i`.
    pub fn push_cell(&mut self, i: usize, text: &str) {
        let start = self.buf.len() as u32;
        self.buf.push_str(text);
        if let Some(slot) = self.cells.get_mut(i) {
            *slot = Some((start, self.buf.len() as u32));
        }
    }
}
