//! A secret that can be rotated without refusing what is still in flight: two generated
//! slots, the slot in use, and whether the other one is still accepted.
//!
//! CloudFormation never gives a NoEcho value back, so a rotation cannot move "the current
//! value" into "the previous value". Instead the deploy engine writes a new value into the
//! slot not in use, switches `Slot` to it and sets `Rotating`; the template then sends the
//! new value and accepts both. The next deployment clears `Rotating`.

use crate::template::{self, Expr};
use crate::tree::{Condition, Construct, Error, Parameter, RotatingSecretEntry, Scope};

/// A rotating secret in a stack.
#[derive(Debug, Clone)]
pub struct RotatingSecret {
    /// Where it was made: its parameters and conditions are children of this scope (their
    /// IDs are `ID`, `IDAlternate`, …), not of a scope of its own.
    scope: Scope,
    slots: [Parameter; 2],
    in_slot_1: Condition,
    rotating: Condition,
}

impl Construct for RotatingSecret {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl RotatingSecret {
    /// `ID` (slot 0), `IDAlternate` (slot 1), `IDSlot` and `IDRotating` in `scope`.
    pub fn new(scope: &impl Construct, id: &str, description: impl Into<String>) -> Result<Self, Error> {
        let description = description.into();
        let secret = |id: &str, description: String| {
            Parameter::new(
                scope,
                id,
                template::Parameter { no_echo: true, min_length: Some(32), ..template::Parameter::string(description) },
            )
        };
        let slots = [
            secret(id, description.clone())?,
            secret(&format!("{id}Alternate"), format!("{description} (the second slot, for rotations)"))?,
        ];
        let choice = |id: &str, description: &str, values: [&str; 2]| {
            Parameter::new(
                scope,
                id,
                template::Parameter {
                    default: Some(values[0].into()),
                    allowed_values: values.iter().map(|v| (*v).into()).collect(),
                    ..template::Parameter::string(description)
                },
            )
        };
        let slot =
            choice(&format!("{id}Slot"), "Which slot of the secret is in use; set by the deploy engine", ["0", "1"])?;
        let rotating = choice(
            &format!("{id}Rotating"),
            "Whether the slot not in use is still accepted (a rotation in progress); set by the deploy engine",
            ["false", "true"],
        )?;
        let in_slot_1 = Condition::new(scope, &format!("{id}InSlot1"), Expr::equals(slot.value(), Expr::str("1")))?;
        let rotating_on =
            Condition::new(scope, &format!("{id}IsRotating"), Expr::equals(rotating.value(), Expr::str("true")))?;
        let entry = RotatingSecretEntry {
            slots: [slots[0].logical_id().to_owned(), slots[1].logical_id().to_owned()],
            slot: slot.logical_id().to_owned(),
            rotating: rotating.logical_id().to_owned(),
        };
        scope.scope().add_rotating_secret(entry);
        Ok(Self { scope: scope.scope().clone(), slots, in_slot_1, rotating: rotating_on })
    }

    /// The value in use: what to send.
    pub fn current(&self) -> Expr {
        self.in_slot_1.select(self.slots[1].value(), self.slots[0].value())
    }

    /// The value of the other slot while a rotation is in progress, else empty: what to
    /// accept besides the current one.
    pub fn previous(&self) -> Expr {
        let other = self.in_slot_1.select(self.slots[0].value(), self.slots[1].value());
        self.rotating.select(other, Expr::str(""))
    }
}
