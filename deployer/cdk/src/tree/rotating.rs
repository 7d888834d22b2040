//! What the deploy engine needs of a rotating secret
//! ([`RotatingSecret`](crate::constructs::secret::RotatingSecret)): its parameters.

/// The parameters of one rotating secret, for the deploy engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotatingSecretEntry {
    /// The two NoEcho slots, `0` and `1`.
    pub slots: [String; 2],
    /// `0` or `1`: the slot in use.
    pub slot: String,
    /// `true` while the slot not in use is still accepted.
    pub rotating: String,
}
