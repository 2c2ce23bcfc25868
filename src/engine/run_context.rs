//! What every thread of a running pipeline shares: the clock, the channel to
//! the sampler, the flush interval and the abort flag.

use std::sync::Arc;

use crossbeam_channel::Sender;

use super::clock::Clock;
use super::stage_shared::AbortFlag;
use crate::metrics::recorder::Flush;

#[derive(Clone)]
pub struct RunContext {
    pub clock: Clock,
    pub flushes: Sender<Flush>,
    pub flush_every_ns: u64,
    pub abort: Arc<AbortFlag>,
}
