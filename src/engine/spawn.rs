//! Starting the engine's threads, behind a seam: the OS by default, or
//! whatever a test puts in [`RunOptions::spawner`](super::RunOptions) to
//! see what the engine does when the OS says no.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

/// What a thread runs.
pub type ThreadBody = Box<dyn FnOnce() + Send + 'static>;

/// Starts a named thread, or says why it could not.
pub trait Spawn: Send + Sync {
    /// Starts `body` on a new thread called `name`.
    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<JoinHandle<()>>;
}

/// The OS's threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsThreads;

impl Spawn for OsThreads {
    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<JoinHandle<()>> {
        std::thread::Builder::new().name(name).spawn(body)
    }
}

/// The spawner a run uses; cheap to clone.
#[derive(Clone)]
pub struct Spawner(Arc<dyn Spawn>);

impl Spawner {
    /// A spawner that asks `spawn`.
    pub fn new(spawn: impl Spawn + 'static) -> Self {
        Self(Arc::new(spawn))
    }

    /// Starts `body` on a new thread called `name`.
    pub fn spawn(
        &self,
        name: String,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<JoinHandle<()>> {
        self.0.spawn(name, Box::new(body))
    }
}

impl Default for Spawner {
    fn default() -> Self {
        Self::new(OsThreads)
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Spawner")
    }
}
