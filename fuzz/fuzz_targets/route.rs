//! Host → target: never panics, and every target it yields routes back to itself.
#![no_main]

use lamux::route::{FunctionRule, Routes};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input<'a> {
    fixed_function: Option<&'a str>,
    suffix: &'a str,
    host: &'a str,
}

fuzz_target!(|input: Input<'_>| {
    // The only suffixes --domain-suffix accepts: dot-separated labels of letters, digits, '-'.
    let label = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !input.suffix.trim_start_matches('.').split('.').all(label) {
        return;
    }
    let rule = input.fixed_function.map_or(FunctionRule::FromHost, |name| FunctionRule::Fixed(name.to_owned()));
    let routes = Routes::new(rule.clone(), input.suffix);
    let Ok(target) = routes.resolve(input.host) else { return };
    assert!(!target.alias.is_empty() && target.alias.bytes().all(|b| b.is_ascii_alphanumeric()), "{target:?}");
    let label = match rule {
        FunctionRule::FromHost => {
            assert!(target.function.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "{target:?}");
            format!("{}-{}", target.alias, target.function)
        }
        FunctionRule::Fixed(_) => target.alias.clone(),
    };
    let again = routes.resolve(&format!("{label}.{}", routes.suffix()));
    assert_eq!(again.as_ref(), Ok(&target), "{input:?}");
});
