//! A Lambda instruction set: what a function runs on, and what its code is built for.

/// A Lambda instruction set (`Architectures`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
pub enum Architecture {
    /// `x86_64`
    #[value(name = "x86_64")]
    #[serde(rename = "x86_64")]
    X86_64,
    /// `arm64`
    #[value(name = "arm64")]
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name Lambda uses in `Architectures` and layer compatibility.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }
}
