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
/// The lowest arrival rate, items per second (one item in about 11.6
/// days): below it the gap between arrivals leaves what the engine's
/// nanosecond clock holds.
pub const MIN_RATE: f64 = 1e-6;
/// The longest duration a scenario or the command line may give (100
/// years): engine time is nanoseconds in 64 bits, which wrap at 584 years.
pub const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 86_400);
/// The largest slowdown factor a stage may be given.
pub const MAX_SLOWDOWN: f64 = 1000.0;
