//! Drawing seat maps: SVG and ANSI terminal.

/// Colours for seat types without their own, chosen to be told apart
/// (Okabe–Ito, which also works for the common colour-vision deficiencies).
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999",
];

/// The palette colour for the n-th seat type.
pub fn palette_colour(n: usize) -> &'static str {
    PALETTE[n % PALETTE.len()]
}
