//! What lamux can route, checked where a stack is defined: alias patterns, and the
//! `ALIAS-FUNCTION` label of a host, by lamux's own router. Pure.

/// lamux's alias rule for a host's first label (letters and digits; `-` separates alias and
/// function), in lower case, as hosts arrive: an alias or glob that no host can name is
/// refused. Globs may use `*` and `?`.
pub fn alias_pattern(pattern: &str) -> Result<(), &'static str> {
    if pattern.is_empty() {
        return Err("is empty");
    }
    if !pattern.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'*' || b == b'?') {
        return Err("can never match an alias lamux routes: lower-case letters and digits only (`-` separates \
                    alias and function in a host name)");
    }
    Ok(())
}

/// The shortest alias a host can carry: checking a function name with it checks the name.
pub const SHORTEST_ALIAS: &str = "a";

/// A `Fn::Sub` function name whose `${...}` parts are known only at deploy time: its
/// literal parts must already be what lamux routes.
pub fn sub_literals(template: &str) -> Result<(), String> {
    let mut parts = template.split("${");
    let first = parts.next().unwrap_or_default();
    let rest = parts.map(|part| part.split_once('}').map_or("", |(_, literal)| literal));
    match std::iter::once(first).chain(rest).flat_map(str::chars).find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-')) {
        Some(c) => {
            Err(format!("function_name {template:?} has {c:?}; lamux routes lower-case letters, digits and '-'"))
        }
        None => Ok(()),
    }
}

/// Whether lamux can route `ALIAS-FUNCTION.SUFFIX` to `function` at `alias`, by lamux's own
/// router, within one 63-character DNS label.
pub fn route(suffix: &str, function: &str, alias: &str) -> Result<(), String> {
    let label = format!("{alias}-{function}");
    if label.len() > 63 {
        return Err(format!("{label} is {} characters; a DNS label holds 63", label.len()));
    }
    if label.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("{label} has upper-case letters; host names arrive in lower case"));
    }
    let routes = lamux::route::Routes::new(lamux::route::FunctionRule::FromHost, suffix);
    match routes.resolve(&format!("{label}.{suffix}")) {
        Ok(target) if target.function == function && target.alias == alias => Ok(()),
        Ok(target) => Err(format!("{label}.{suffix} routes to {}:{}", target.function, target.alias)),
        Err(err) => Err(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_patterns_lamux_can_never_match_are_refused() {
        for good in ["live", "pr*", "v?", "pr42", "*"] {
            assert!(alias_pattern(good).is_ok(), "{good}");
        }
        for bad in ["pr-*", "Live", "", "pr_1", "live "] {
            assert!(alias_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn routes_are_checked_by_lamuxs_router() {
        assert!(route("example.com", "echo", "live").is_ok());
        assert!(route("example.com", "my-app", "pr7").is_ok());
        let long = "f".repeat(60);
        assert!(route("example.com", &long, "live").expect_err("64").contains("63"));
        assert!(route("example.com", "Echo", "live").expect_err("case").contains("upper-case"));
        assert!(route("example.com", "echo", "pr-7").is_err(), "pr-7-echo routes to 7-echo at pr");
        assert!(route("example.com", "echo_fn", "live").is_err());
        assert!(sub_literals("${AWS::StackName}-echo").is_ok());
        assert!(sub_literals("${AWS::StackName}-Echo").expect_err("E").contains("'E'"));
    }
}
