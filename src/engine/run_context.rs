//! What every thread of a running pipeline shares: the clock, the channel to
//! the sampler, the flush interval, the abort flag and the controller's
//! wake-up on thread exits.

use std::sync::Arc;

use crossbeam_channel::Sender;

use super::clock::Clock;
use super::spawn::Spawner;
use super::stage_shared::AbortFlag;
use crate::metrics::recorder::Flush;

#[derive(Clone)]
pub struct RunContext {
    pub clock: Clock,
    pub flushes: Sender<Flush>,
    pub flush_every_ns: u64,
    pub abort: Arc<AbortFlag>,
    /// Where [`ExitNotice`](super::thread_exit::ExitNotice)s wake the controller.
    pub exits: Sender<()>,
    /// Starts worker and source threads.
    pub spawner: Spawner,
}
