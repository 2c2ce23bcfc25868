//! The built-in demo scenarios, embedded from `demos/*.toml`.

/// One built-in demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demo {
    pub name: &'static str,
    /// One line, for `pipetop demos`.
    pub description: &'static str,
    /// The TOML text of `demos/<name>.toml`.
    pub source: &'static str,
}

static DEMOS: [Demo; 4] = [
    Demo {
        name: "steady",
        description: "A five-stage analytics pipeline with headroom: what healthy looks like.",
        source: include_str!("../../demos/steady.toml"),
    },
    Demo {
        name: "burst",
        description: "Two bursts hit the steady pipeline: enrich fills, backpressure walks upstream.",
        source: include_str!("../../demos/burst.toml"),
    },
    Demo {
        name: "bottleneck",
        description: "enrich is undersized (rho > 1) until more workers arrive at 20 s.",
        source: include_str!("../../demos/bottleneck.toml"),
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
