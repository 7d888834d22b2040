//! Test support: a header map from name and value pairs, in order (repeats kept).

use http::{HeaderMap, HeaderName};

/// Name and value pairs, as a test writes them.
pub type Pairs<'a> = &'a [(&'a str, &'a str)];

pub fn headers(pairs: Pairs<'_>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(HeaderName::from_bytes(name.as_bytes()).expect("name"), value.parse().expect("value"));
    }
    map
}
