//! Renderings of a (masked) profile: text for the terminal, one self-contained html page
//! with its charts, and JSON (the document itself).

pub mod html;
pub mod svg;
pub mod text;

/// A number with at most `d` decimals, `–` when absent.
pub fn num(v: Option<f64>, d: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.d$}"),
        _ => "–".into(),
    }
}

/// A 0–1 share as a percentage.
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{:.0}%", x * 100.0),
        _ => "–".into(),
    }
}

/// A masked value for display.
pub fn shown(m: &super::doc::Masked) -> String {
    match (&m.value, m.masked) {
        (Some(v), _) => v.clone(),
        (None, true) => "（受限 restricted）".into(),
        (None, false) => "–".into(),
    }
}
