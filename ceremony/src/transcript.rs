//! The ceremony's human-readable transcript: one line per command, appended.
//!
//! ```text
//! # zkr-ceremony transcript: powers of tau over BN254 (snarkjs .ptau)
//! 2025-01-31T12:00:00Z new power=12 file="pot_0000.ptau" first-challenge=9e63...
//! 2025-01-31T12:05:00Z contribute number=1 name="alice" contribution-hash=3a1f... next-challenge=c0de... file="pot_0001.ptau"
//! 2025-01-31T12:09:00Z beacon number=2 name="final" contribution-hash=... next-challenge=... beacon=0102... iterations-exp=10 file="pot_0002.ptau"
//! 2025-01-31T12:10:00Z verify contributions=2 final-challenge=... file="pot_0002.ptau" result=ok
//! 2025-01-31T12:20:00Z prepare power=12 contributions=2 last-challenge=... file="pot_final.ptau"
//! ```
//!
//! Times are UTC; hashes are the 64-byte BLAKE2b values in hex (the
//! contribution hash is the one snarkjs prints as the "Contribution Response
//! Hash"); names are quoted with Rust string escapes. `verify` checks every
//! contribution the file holds against the `contribute`/`beacon` lines.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::ptau::format::{Contribution, ContributionKind};
use crate::ptau::verify::Report;

/// The first line of every transcript.
pub const TITLE: &str = "# zkr-ceremony transcript: powers of tau over BN254 (snarkjs .ptau)";

/// Why a transcript could not be used, or disagrees with the file.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// Reading or writing failed.
    #[error("transcript {path}: {source}")]
    Io {
        /// The transcript.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// A line is not in the transcript's format.
    #[error("transcript {path}, line {line}: {what}")]
    Parse {
        /// The transcript.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// The transcript and the file disagree.
    #[error("transcript {path}: {what}")]
    Mismatch {
        /// The transcript.
        path: PathBuf,
        /// Which contribution, expected and got.
        what: String,
    },
}

/// One line, as fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// UTC time, RFC 3339.
    pub time: String,
    /// new, contribute, beacon, prepare or verify.
    pub action: String,
    /// key=value fields in line order (quoted values keep their quotes).
    pub fields: Vec<(String, String)>,
}

impl Entry {
    /// An entry stamped with the current UTC time.
    pub fn now(action: &str) -> Self {
        Entry {
            time: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            action: action.to_string(),
            fields: Vec::new(),
        }
    }

    /// Adds a bare field (no spaces or quotes in `value`).
    pub fn field(mut self, key: &str, value: impl ToString) -> Self {
        self.fields.push((key.to_string(), value.to_string()));
        self
    }

    /// Adds a quoted text field.
    pub fn text(mut self, key: &str, value: &str) -> Self {
        self.fields.push((key.to_string(), format!("{value:?}")));
        self
    }

    /// The value of a field.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn line(&self) -> String {
        let mut out = format!("{} {}", self.time, self.action);
        for (k, v) in &self.fields {
            out.push(' ');
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
        out
    }

    fn parse(line: &str) -> Result<Self, String> {
        let mut tokens = tokens(line)?.into_iter();
        let time = tokens.next().ok_or("empty line")?;
        let action = tokens.next().ok_or("no action after the time")?;
        let mut fields = Vec::new();
        for token in tokens {
            let (k, v) = token
                .split_once('=')
                .ok_or_else(|| format!("field {token:?} is not key=value"))?;
            fields.push((k.to_string(), v.to_string()));
        }
        Ok(Entry {
            time,
            action,
            fields,
        })
    }
}

/// Splits on spaces, keeping "quoted strings" (with backslash escapes) whole.
fn tokens(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '\\' if quoted => {
                cur.push(c);
                cur.push(chars.next().ok_or("line ends inside an escape")?);
            }
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quoted value".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// A transcript file.
#[derive(Debug, Clone)]
pub struct Transcript {
    path: PathBuf,
}

impl Transcript {
    /// The transcript at `path` (created on the first append).
    pub fn at(path: &Path) -> Self {
        Transcript {
            path: path.to_path_buf(),
        }
    }

    /// The default transcript of a `.ptau` file: `<file>.transcript`.
    pub fn default_for(ptau: &Path) -> PathBuf {
        PathBuf::from(format!("{}.transcript", ptau.display()))
    }

    /// The transcript's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self) -> impl FnOnce(std::io::Error) -> TranscriptError + '_ {
        move |source| TranscriptError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends one entry (writing the title line first in a new file).
    pub fn append(&self, entry: &Entry) -> Result<(), TranscriptError> {
        let fresh = !self.path.exists();
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(self.io())?;
        let mut text = String::new();
        if fresh {
            text.push_str(TITLE);
            text.push('\n');
        }
        text.push_str(&entry.line());
        text.push('\n');
        f.write_all(text.as_bytes()).map_err(self.io())?;
        f.sync_all().map_err(self.io())
    }

    /// Every entry, in order (comment and blank lines skipped).
    pub fn entries(&self) -> Result<Vec<Entry>, TranscriptError> {
        let text = std::fs::read_to_string(&self.path).map_err(self.io())?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|(i, l)| {
                Entry::parse(l).map_err(|what| TranscriptError::Parse {
                    path: self.path.clone(),
                    line: i + 1,
                    what,
                })
            })
            .collect()
    }

    /// Checks that every contribution of a verified file is recorded with
    /// its number, kind, name and contribution hash, and that the transcript
    /// records no contribution the file lacks.
    pub fn check(&self, report: &Report) -> Result<(), TranscriptError> {
        let mismatch = |what: String| TranscriptError::Mismatch {
            path: self.path.clone(),
            what,
        };
        let mut recorded: BTreeMap<usize, Vec<Entry>> = BTreeMap::new();
        for entry in self.entries()? {
            if entry.action != "contribute" && entry.action != "beacon" {
                continue;
            }
            let number = entry
                .get("number")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| {
                    mismatch(format!(
                        "{} line at {} has no valid number",
                        entry.action, entry.time
                    ))
                })?;
            recorded.entry(number).or_default().push(entry);
        }
        for c in &report.contributions {
            let label = Contribution::label(c.number, c.name.as_deref());
            let entries = recorded.get(&c.number).ok_or_else(|| {
                mismatch(format!("contribution {label} is not in the transcript"))
            })?;
            let hash = hex::encode(c.response_hash);
            let action = match c.kind {
                ContributionKind::Random => "contribute",
                ContributionKind::Beacon { .. } => "beacon",
            };
            let name = c.name.as_deref().map(|n| format!("{n:?}"));
            let matches = |e: &Entry| {
                e.action == action
                    && e.get("contribution-hash") == Some(hash.as_str())
                    && e.get("name") == name.as_deref()
            };
            if !entries.iter().any(matches) {
                let got: Vec<String> = entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{} name={} contribution-hash={}",
                            e.action,
                            e.get("name").unwrap_or("(none)"),
                            e.get("contribution-hash").unwrap_or("(none)")
                        )
                    })
                    .collect();
                return Err(mismatch(format!(
                    "contribution {label}: expected {action} name={} contribution-hash={hash}, transcript has {}",
                    name.as_deref().unwrap_or("(none)"),
                    got.join("; ")
                )));
            }
        }
        let count = report.contributions.len();
        if let Some((&number, _)) = recorded.range(count + 1..).next() {
            return Err(mismatch(format!(
                "transcript records contribution #{number}, the file has {count} contribution(s)"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_with_quoted_names() {
        let e = Entry::now("contribute")
            .field("number", 3)
            .text("name", "Zoë \"the\" tester")
            .field("x", "ab");
        let parsed = Entry::parse(&e.line()).expect("line parses");
        assert_eq!(parsed, e);
        assert_eq!(parsed.get("name"), Some("\"Zoë \\\"the\\\" tester\""));
    }
}
