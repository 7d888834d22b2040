//! Lambda payload → HTTP response, buffered and as a streaming prelude: never panics, and
//! what decodes is a response hyper can send.
#![no_main]

use lamux::response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    if let Ok(answer) = response::decode(payload) {
        check(answer.headers());
    }
    if let Ok(head) = response::decode_prelude(payload) {
        check(head.headers());
    }
});

fn check(headers: &http::HeaderMap) {
    for name in ["connection", "transfer-encoding", "keep-alive", "upgrade", "content-length"] {
        assert!(!headers.contains_key(name), "{name} passed through");
    }
    assert!(headers.len() <= response::MAX_HEADERS, "{} headers", headers.len());
}
