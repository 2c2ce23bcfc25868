//! The built-in demo scenarios, embedded from `demos/*.toml`.

/// One built-in demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demo {
    /// The name to run it by: `pipetop run <name>`.
    pub name: &'static str,
    /// The TOML text of `demos/<name>.toml`.
    pub source: &'static str,
}

impl Demo {
    /// Where the demo's text came from, as its errors name it.
    pub fn origin(&self) -> String {
        format!("demos/{}.toml", self.name)
    }

    /// One line, for `pipetop demos`: the scenario's own `description`.
    pub fn description(&self) -> String {
        super::parse(self.source, &self.origin())
            .map(|s| s.description)
            .unwrap_or_default()
    }
}

/// The demo `demos/<name>.toml`, embedded.
macro_rules! demo {
    ($name:literal) => {
        Demo {
            name: $name,
            source: include_str!(concat!("../../demos/", $name, ".toml")),
        }
    };
}

static DEMOS: [Demo; 11] = [
    demo!("steady"),
    demo!("burst"),
    demo!("bottleneck"),
    demo!("drop-policies"),
    demo!("unbounded-memory"),
    demo!("cpu-bound"),
    demo!("failures"),
    demo!("littles-law"),
    demo!("diurnal"),
    demo!("backpressure-chain"),
    demo!("slow-motion"),
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
