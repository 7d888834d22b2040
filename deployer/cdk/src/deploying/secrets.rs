//! The secrets a deployment generates: what each parameter gets in a change set, and the
//! two-step rotation of a [`crate::constructs::secret::RotatingSecret`]. Pure, but for
//! `new_secret`.

use crate::error::Result;

/// What a rotating secret's parameter gets in a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    Keep,
    NewSecret,
    Value(String),
}

/// The parameters of a rotating secret ([`crate::constructs::secret::RotatingSecret`]) for one change set.
/// `described` is a parameter's deployed value (`None` for a stack to create, or a stack
/// deployed before the parameter existed).
/// - first deploy: both slots get a value, slot 0 is in use, no rotation;
/// - `rotate`: the slot not in use gets a new value and is put in use, and the other one
///   stays accepted (`Rotating` true);
/// - otherwise a rotation in progress ends: CloudFormation finished the last deployment only
///   once the distribution reported `Deployed`, so every edge sends the new value.
///   `finish` says the caller expects one, and is an error without it.
pub(crate) fn rotation(
    entry: &crate::tree::RotatingSecretEntry,
    described: impl Fn(&str) -> Option<String>,
    rotate: bool,
    finish: bool,
) -> Result<Vec<(String, Slot)>> {
    let [first, second] = &entry.slots;
    let current = if described(&entry.slot).as_deref() == Some("1") { 1 } else { 0 };
    let rotating = described(&entry.rotating).as_deref() == Some("true");
    ensure!(!(rotate && finish), "a rotation is started or finished, not both at once");
    ensure!(
        !finish || rotating,
        "no rotation of {first} is in progress: nothing to finish (`up --rotate-origin-secret` starts one)"
    );
    let kept = |key: &str| if described(key).is_some() { Slot::Keep } else { Slot::NewSecret };
    let mut out = vec![(first.clone(), kept(first)), (second.clone(), kept(second))];
    if rotate {
        let next = 1 - current;
        out[next].1 = Slot::NewSecret;
        out.push((entry.slot.clone(), Slot::Value(next.to_string())));
        out.push((entry.rotating.clone(), Slot::Value("true".to_owned())));
    } else {
        out.push((entry.slot.clone(), Slot::Value(current.to_string())));
        out.push((entry.rotating.clone(), Slot::Value("false".to_owned())));
    }
    Ok(out)
}

/// What `up` says about a rotating secret; nothing when it stays as it is.
pub(crate) fn rotation_notes(
    entry: &crate::tree::RotatingSecretEntry,
    described: impl Fn(&str) -> Option<String>,
    rotate: bool,
) -> Vec<String> {
    let name = &entry.slots[0];
    if described(name).is_none() {
        return vec![format!("    {name}: a new secret")];
    }
    if rotate {
        return vec![format!(
            "    {name}: a new secret (rotated); the previous one stays accepted until the next `up`, which drops it"
        )];
    }
    if described(&entry.rotating).as_deref() == Some("true") {
        return vec![format!("    {name}: the rotation finishes; the previous secret is no longer accepted")];
    }
    Vec::new()
}

/// What a generated secret's parameter gets in a change set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretValue {
    /// `UsePreviousValue`: the deployed stack has one.
    Keep,
    /// A first value.
    New,
    /// A new value replacing the deployed one.
    Rotate,
}

/// `described`: the stack describes this parameter. A stack whose create change set never
/// ran (`REVIEW_IN_PROGRESS`, `creates_stack`) may describe it, but it has no previous value:
/// `UsePreviousValue` there fails, so it gets a new one.
pub(crate) fn secret_value(creates_stack: bool, described: bool, rotate: bool) -> SecretValue {
    match (!creates_stack && described, rotate) {
        (false, _) => SecretValue::New,
        (true, false) => SecretValue::Keep,
        (true, true) => SecretValue::Rotate,
    }
}

/// 32 bytes from the operating system's generator, as 64 hex digits.
pub(crate) fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("cannot generate a secret: {err}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> crate::tree::RotatingSecretEntry {
        crate::tree::RotatingSecretEntry {
            slots: ["S".into(), "SAlternate".into()],
            slot: "SSlot".into(),
            rotating: "SRotating".into(),
        }
    }

    /// Issue 20: a rotation refused every request from edges that still sent the old
    /// value. It takes two steps now, and the secrets are never read back.
    #[test]
    fn a_rotation_keeps_the_old_secret_accepted_until_the_next_deploy() {
        let deployed = |slot: &'static str, rotating: &'static str| {
            move |key: &str| match key {
                "S" | "SAlternate" => Some("****".to_owned()),
                "SSlot" => Some(slot.to_owned()),
                "SRotating" => Some(rotating.to_owned()),
                _ => None,
            }
        };
        let value = |v: &str| Slot::Value(v.to_owned());
        let plan = |described: &dyn Fn(&str) -> Option<String>, rotate, finish| {
            rotation(&entry(), described, rotate, finish)
                .map(|p| p.into_iter().map(|(_, slot)| slot).collect::<Vec<_>>())
        };
        // The first deploy: two fresh slots, slot 0 in use.
        assert_eq!(
            plan(&|_| None, false, false).expect("plan"),
            [Slot::NewSecret, Slot::NewSecret, value("0"), value("false")]
        );
        // Step 1: a new value in slot 1, put in use; slot 0 stays accepted.
        assert_eq!(
            plan(&deployed("0", "false"), true, false).expect("plan"),
            [Slot::Keep, Slot::NewSecret, value("1"), value("true")]
        );
        // Step 2, the next up or --finish-rotation: the old value goes.
        for finish in [false, true] {
            assert_eq!(
                plan(&deployed("1", "true"), false, finish).expect("plan"),
                [Slot::Keep, Slot::Keep, value("1"), value("false")]
            );
        }
        // The rotation after that writes slot 0.
        assert_eq!(
            plan(&deployed("1", "false"), true, false).expect("plan"),
            [Slot::NewSecret, Slot::Keep, value("0"), value("true")]
        );
        assert!(plan(&deployed("0", "false"), false, true).is_err(), "nothing to finish");
        // A stack from before the second slot: it gets one.
        let legacy = |key: &str| (key == "S").then(|| "****".to_owned());
        assert_eq!(
            plan(&legacy, false, false).expect("plan"),
            [Slot::Keep, Slot::NewSecret, value("0"), value("false")]
        );
        assert_eq!(plan(&legacy, true, false).expect("plan"), [Slot::Keep, Slot::NewSecret, value("1"), value("true")]);
    }

    /// Issue 20: a create that never ran left REVIEW_IN_PROGRESS, and the next `up` sent
    /// `UsePreviousValue` for a value that was never deployed.
    #[test]
    fn a_secret_is_kept_only_when_a_deployed_stack_has_it() {
        assert_eq!(secret_value(true, true, false), SecretValue::New, "REVIEW_IN_PROGRESS");
        assert_eq!(secret_value(true, true, true), SecretValue::New, "REVIEW_IN_PROGRESS, rotating");
        assert_eq!(secret_value(true, false, false), SecretValue::New, "no stack yet");
        assert_eq!(secret_value(false, true, false), SecretValue::Keep);
        assert_eq!(secret_value(false, true, true), SecretValue::Rotate);
        assert_eq!(secret_value(false, false, true), SecretValue::New, "a secret added later");
    }
}
