//! Inline SVG charts for the html profile. Hand-written because the profile must be one
//! self-contained file readable offline: chart crates either draw to bitmaps, pull in
//! font stacks, or emit JavaScript that loads from a CDN. Text is bilingual: `.zh` and
//! `.en` spans, one of which the page hides.

use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A label in both languages.
pub fn label(zh: &str, en: &str) -> String {
    format!("<tspan class=\"zh\">{}</tspan><tspan class=\"en\">{}</tspan>", esc(zh), esc(en))
}

/// A radar chart of up to five axes, values 0–100: the student's scores (filled) and
/// their percentile within major and cohort ×100 (dashed).
pub fn radar(axes: &[(String, String, Option<f64>, Option<f64>)]) -> String {
    let (cx, cy, r) = (160.0, 150.0, 100.0);
    let n = axes.len().max(3) as f64;
    let at = |i: usize, v: f64| {
        let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n;
        (cx + r * v / 100.0 * a.cos(), cy + r * v / 100.0 * a.sin())
    };
    let mut s = String::from(
        "<svg class=\"chart\" data-chart=\"radar\" viewBox=\"0 0 320 300\" width=\"320\" height=\"300\" \
         xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">",
    );
    for ring in [25.0, 50.0, 75.0, 100.0] {
        let pts: Vec<String> = (0..axes.len())
            .map(|i| {
                let (x, y) = at(i, ring);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(s, "<polygon points=\"{}\" fill=\"none\" stroke=\"#ddd\"/>", pts.join(" "));
    }
    for (i, (zh, en, _, _)) in axes.iter().enumerate() {
        let (x, y) = at(i, 100.0);
        let (lx, ly) = at(i, 118.0);
        let _ = write!(s, "<line x1=\"{cx}\" y1=\"{cy}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>");
        let _ = write!(
            s,
            "<text x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">{}</text>",
            ly + 4.0,
            label(zh, en)
        );
    }
    let poly = |vals: Vec<f64>, style: &str| {
        let pts: Vec<String> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (x, y) = at(i, v.clamp(0.0, 100.0));
                format!("{x:.1},{y:.1}")
            })
            .collect();
        format!("<polygon points=\"{}\" {style}/>", pts.join(" "))
    };
    s.push_str(&poly(
        axes.iter().map(|a| a.2.unwrap_or(0.0)).collect(),
        "fill=\"rgba(37,99,235,0.25)\" stroke=\"#2563eb\" stroke-width=\"2\" class=\"series\"",
    ));
    s.push_str(&poly(
        axes.iter().map(|a| a.3.unwrap_or(0.0) * 100.0).collect(),
        "fill=\"none\" stroke=\"#f59e0b\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\" class=\"series\"",
    ));
    s.push_str("</svg>");
    s
}

/// One line of a line chart.
pub struct Line<'a> {
    /// Values, one per x label (gaps where `None`).
    pub values: &'a [Option<f64>],
    /// Colour.
    pub colour: &'a str,
    /// Dashed.
    pub dashed: bool,
}

/// A small line chart over labelled x positions, with optional horizontal reference lines
/// (own baseline, cohort median).
pub fn lines(title: (&str, &str), xs: &[String], series: &[Line<'_>], refs: &[(f64, &str, &str, &str)]) -> String {
    let (w, h, left, right, top, bottom) = (360.0, 170.0, 40.0, 10.0, 22.0, 28.0);
    let all: Vec<f64> = series
        .iter()
        .flat_map(|l| l.values.iter().flatten().copied())
        .chain(refs.iter().map(|r| r.0))
        .filter(|v| v.is_finite())
        .collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let mut hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !hi.is_finite() || hi <= lo {
        hi = lo + 1.0;
    }
    let n = xs.len().max(2) as f64;
    let x = |i: usize| left + (w - left - right) * i as f64 / (n - 1.0);
    let y = |v: f64| top + (h - top - bottom) * (1.0 - (v - lo) / (hi - lo));
    let mut s = format!(
        "<svg class=\"chart\" data-chart=\"line\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"><text x=\"4\" y=\"14\" font-size=\"12\" \
         font-weight=\"600\">{}</text>",
        label(title.0, title.1)
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
        y(lo),
        w - right,
        y(lo),
        left - 4.0,
        y(lo) + 3.0,
        short(lo),
        left - 4.0,
        y(hi) + 3.0,
        short(hi)
    );
    for (i, lab) in xs.iter().enumerate() {
        if i == 0 || i + 1 == xs.len() || xs.len() <= 6 {
            // Weeks show as MM-DD; terms (2024-2025-1) in full, anchored inside the chart.
            let text = if lab.len() == 10 { lab.get(5..).unwrap_or(lab) } else { lab.as_str() };
            let anchor = match i {
                0 => "start",
                _ if i + 1 == xs.len() => "end",
                _ => "middle",
            };
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"{anchor}\">{}</text>",
                x(i),
                h - 10.0,
                esc(text)
            );
        }
    }
    for (v, colour, zh, en) in refs {
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"{colour}\" stroke-dasharray=\"3 3\"/>\
             <text x=\"{1:.1}\" y=\"{2:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"{colour}\">{3}</text>",
            y(*v),
            w - right,
            y(*v) - 2.0,
            label(zh, en)
        );
    }
    for l in series {
        let mut d = String::new();
        let mut pen = false;
        for (i, v) in l.values.iter().enumerate() {
            match v {
                Some(v) if v.is_finite() => {
                    let _ = write!(d, "{}{:.1},{:.1} ", if pen { "L" } else { "M" }, x(i), y(*v));
                    pen = true;
                    let _ = write!(s, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"{}\"/>", x(i), y(*v), l.colour);
                }
                _ => pen = false,
            }
        }
        if !d.is_empty() {
            let dash = if l.dashed { " stroke-dasharray=\"4 3\"" } else { "" };
            let _ = write!(
                s,
                "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash} class=\"series\"/>",
                d.trim_end(),
                l.colour
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn short(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radar_draws_both_polygons_and_every_axis_label() {
        let axes: Vec<_> = ["德", "智", "体", "美", "劳"]
            .iter()
            .map(|d| (d.to_string(), d.to_string(), Some(50.0), Some(0.5)))
            .collect();
        let s = radar(&axes);
        assert_eq!(s.matches("class=\"series\"").count(), 2);
        assert_eq!(s.matches("<text").count(), 5);
    }

    #[test]
    fn line_breaks_at_missing_weeks() {
        let xs: Vec<String> = (1..=4).map(|i| format!("2025-09-0{i}")).collect();
        let v = [Some(1.0), None, Some(2.0), Some(3.0)];
        let s = lines(("a", "a"), &xs, &[Line { values: &v, colour: "#000", dashed: false }], &[]);
        assert_eq!(s.matches('M').count(), 2, "{s}");
    }
}
