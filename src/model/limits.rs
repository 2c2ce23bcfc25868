//! The limits a pipeline is held to, wherever it comes from (a scenario, a
//! library program, a key): the scenario checks, the engine and the
//! dashboard read them here.

/// The most workers one stage may have.
pub const MAX_WORKERS: usize = 1024;
/// The largest bounded queue a stage may have.
pub const MAX_QUEUE: usize = 10_000_000;
/// The longest name a scenario or a stage may have, in characters: every
/// name must fit the dashboard's boxes and table.
pub const MAX_NAME_CHARS: usize = 64;
/// The largest slowdown factor a stage may be given.
pub const MAX_SLOWDOWN: f64 = 1000.0;
