//! The link order file (symbol-order.txt, read by build.rs) holds what scripts/symbol-order.sh
//! writes: linker symbol names, sorted and each once, nothing callgrind prints for code it has
//! no name for.

#[test]
fn the_symbol_order_file_is_sorted_symbol_names() {
    let text = include_str!("../symbol-order.txt");
    let names: Vec<&str> = text.lines().collect();
    assert!(
        names.len() > 100,
        "{} names: made by a profile?",
        names.len()
    );
    for name in &names {
        let symbol = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.$@".contains(c));
        assert!(
            symbol && !name.is_empty() && !name.starts_with("0x"),
            "not a symbol name: {name:?}"
        );
    }
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "sorted, each once (LC_ALL=C sort -u)"
    );
}
