//! The README's smallest complete program is `examples/readme.rs`, which the test build
//! compiles: the two stay the same text.

#[test]
fn the_readme_shows_examples_readme_rs_verbatim() {
    let readme = include_str!("../../../README.md");
    let program = include_str!("../examples/readme.rs");
    assert!(readme.contains(&format!("```rust\n{program}```")), "README's program differs from examples/readme.rs");
}
