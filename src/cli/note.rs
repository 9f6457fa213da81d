//! Free-text notes for the warnings commands: inline (`--note TEXT`), from standard input
//! (`--note -`) or from a file (`--note-file PATH`), so that a note about a student need
//! not sit in the shell's history.

use std::io::Read;
use std::path::Path;

use super::{usage, Failure};

/// The note given by `--note` / `--note-file` (clap keeps them exclusive), if any. A file
/// or standard input that cannot be read, or that holds only white space, is a usage
/// error naming where the note was read from (never what it says).
pub(super) fn read(inline: Option<&str>, file: Option<&Path>) -> Result<Option<String>, Failure> {
    let (text, from) = match (inline, file) {
        (Some("-"), _) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| usage(format!("cannot read the note from standard input: {e}"), "pipe UTF-8 text"))?;
            (s, "standard input (--note -)".to_string())
        }
        (Some(t), _) => (t.to_string(), "--note".to_string()),
        (None, Some(p)) => {
            let s = std::fs::read_to_string(p).map_err(|e| {
                usage(format!("cannot read --note-file {}: {e}", p.display()), "give a readable UTF-8 text file")
            })?;
            (s, format!("--note-file {}", p.display()))
        }
        (None, None) => return Ok(None),
    };
    let text = text.trim_end_matches(['\n', '\r']).to_string();
    if text.trim().is_empty() {
        return Err(usage(format!("the note from {from} is empty"), "write the note, or leave out --note"));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_note_is_read_and_an_empty_or_missing_one_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("note.txt");
        std::fs::write(&p, "谈话记录\n第二行\n").expect("write");
        assert_eq!(read(None, Some(&p)).ok().flatten().as_deref(), Some("谈话记录\n第二行"));
        assert_eq!(read(Some("inline"), None).ok().flatten().as_deref(), Some("inline"));
        assert!(read(None, None).ok().is_some_and(|n| n.is_none()));
        std::fs::write(&p, " \n\n").expect("write");
        let err = |r: Result<Option<String>, Failure>| match r {
            Err(Failure::Usage(e)) => e.to_string(),
            _ => String::from("no usage error"),
        };
        assert!(err(read(None, Some(&p))).contains("is empty"));
        assert!(err(read(None, Some(&dir.path().join("missing.txt")))).contains("cannot read --note-file"));
        assert!(err(read(Some(""), None)).contains("is empty"));
    }
}
