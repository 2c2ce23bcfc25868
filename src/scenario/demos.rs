//! The built-in demo scenarios, embedded from `demos/*.toml`.

/// One built-in demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demo {
    /// The name to run it by: `pipetop run <name>`.
    pub name: &'static str,
    /// One line, for `pipetop demos`.
    pub description: &'static str,
    /// The TOML text of `demos/<name>.toml`.
    pub source: &'static str,
}

static DEMOS: [Demo; 10] = [
    Demo {
        name: "steady",
        description: "A five-stage analytics pipeline with headroom: what healthy looks like.",
        source: include_str!("../../demos/steady.toml"),
    },
    Demo {
        name: "burst",
        description: "A 10x burst hits the steady pipeline: enrich fills, backpressure walks upstream.",
        source: include_str!("../../demos/burst.toml"),
    },
    Demo {
        name: "bottleneck",
        description: "enrich is undersized (rho > 1) until more workers arrive at 20 s.",
        source: include_str!("../../demos/bottleneck.toml"),
    },
    Demo {
        name: "drop-policies",
        description: "The same burst under block, drop-newest, then drop-oldest: loss against latency.",
        source: include_str!("../../demos/drop-policies.toml"),
    },
    Demo {
        name: "unbounded-memory",
        description: "An unbounded queue behind a slow stage: RSS climbs until the memory cap stops the run.",
        source: include_str!("../../demos/unbounded-memory.toml"),
    },
    Demo {
        name: "cpu-bound",
        description: "Workers past the core count stop helping a CPU-bound (spin) stage; a sleep stage keeps scaling.",
        source: include_str!("../../demos/cpu-bound.toml"),
    },
    Demo {
        name: "failures",
        description: "Panicking workers restart, failed attempts retry, hopeless items dead-letter; nothing is lost.",
        source: include_str!("../../demos/failures.toml"),
    },
    Demo {
        name: "littles-law",
        description: "An M/M/c stage where measured waits match Little's law and Erlang C.",
        source: include_str!("../../demos/littles-law.toml"),
    },
    Demo {
        name: "diurnal",
        description: "The analytics pipeline under a day-shaped (sine) rate, three days in three minutes.",
        source: include_str!("../../demos/diurnal.toml"),
    },
    Demo {
        name: "backpressure-chain",
        description: "The last stage slows x5 at 5 s: backpressure climbs stage by stage to the source.",
        source: include_str!("../../demos/backpressure-chain.toml"),
    },
];

/// The name of the demo run when none is given.
pub const DEFAULT: &str = "steady";

/// Every built-in demo; the default first.
pub fn all() -> &'static [Demo] {
    &DEMOS
}

/// The demo called `name`.
pub fn find(name: &str) -> Option<&'static Demo> {
    DEMOS.iter().find(|d| d.name == name)
}
