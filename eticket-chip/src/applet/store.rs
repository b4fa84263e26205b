//! Where a chip's state persists. The applet builds the new state beside the
//! old one and asks its [`Store`] to commit it; only when the commit succeeds
//! does the applet swap to the new state. A failed or torn commit leaves the
//! old state in force, so a write happens whole or not at all.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::state::ChipState;
use crate::{Error, Result};

/// Persistent storage for a chip's state.
pub trait Store {
    /// Make `state` the committed state, atomically: after an error or a crash
    /// in the middle, the previously committed state must still load.
    fn commit(&mut self, state: &ChipState) -> Result<()>;
}

/// Keeps nothing beyond the applet's memory (in-process chips, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryStore;

impl Store for MemoryStore {
    fn commit(&mut self, _state: &ChipState) -> Result<()> {
        Ok(())
    }
}

/// A state file, replaced atomically: the new state is written to a temporary
/// file beside it, flushed to disk, renamed over the old file, and the
/// directory is flushed so the rename itself survives a power loss.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store for the state file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file a commit writes first.
    pub fn temp_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".tmp");
        self.path.with_file_name(name)
    }

    /// Load the committed state, or `None` when there is no state file yet. A
    /// leftover temporary file from a torn commit is ignored.
    pub fn load(&self) -> Result<Option<ChipState>> {
        match fs::read(&self.path) {
            Ok(bytes) => ChipState::from_bytes(&bytes).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io {
                during: "reading chip state",
                path: self.path.clone(),
                source,
            }),
        }
    }
}

impl Store for FileStore {
    fn commit(&mut self, state: &ChipState) -> Result<()> {
        let bytes = state.to_bytes()?;
        let temp = self.temp_path();
        let io = |during, path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io {
                during,
                path,
                source,
            }
        };
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .map_err(io("creating", &temp))?;
        file.write_all(&bytes).map_err(io("writing", &temp))?;
        file.sync_all().map_err(io("flushing", &temp))?;
        drop(file);
        fs::rename(&temp, &self.path).map_err(io("renaming over", &self.path))?;
        // From here the new state is the file's: a reload reads it. So the
        // commit has happened, whatever the directory flush says next;
        // reporting a failure here would make the applet keep the old state
        // in memory while the file holds the new one ("6581, state
        // unchanged" would be false). A failed flush only means the rename
        // might not survive a power loss before the system flushes it.
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let _best_effort = File::open(&dir).and_then(|d| d.sync_all());
        Ok(())
    }
}
