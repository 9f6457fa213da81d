//! Small inline SVG charts for the leaders' and admins' pages, drawn on the server so the
//! pages need no script and no network: stacked weekly bars, lines with gaps, and
//! horizontal stacked bars. Labels come in the page's language; all text is escaped.

use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One series of a chart: its label, colour and values (one per x position).
pub struct Series<T> {
    /// Legend label.
    pub label: String,
    /// CSS colour.
    pub colour: &'static str,
    /// Values.
    pub values: Vec<T>,
}

const W: f64 = 360.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 22.0;

fn open(kind: &str, h: f64, title: &str) -> String {
    format!(
        "<svg class=\"chart\" data-chart=\"{kind}\" viewBox=\"0 0 {W} {h}\" width=\"100%\" \
         xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>\
         <text x=\"4\" y=\"14\" font-size=\"12\" font-weight=\"600\">{t}</text>",
        t = esc(title)
    )
}

fn legend<T>(s: &mut String, series: &[Series<T>], y: f64) {
    let mut x = LEFT;
    for l in series {
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"10\">{}</text>",
            y - 8.0,
            l.colour,
            x + 12.0,
            esc(&l.label)
        );
        x += 18.0 + 6.5 * l.label.chars().count().max(2) as f64;
    }
}

/// Weekly x labels: the first, the last and a few between (`MM-DD` of the Monday).
fn x_labels(s: &mut String, xs: &[String], x: impl Fn(usize) -> f64, y: f64) {
    let step = xs.len().div_ceil(6).max(1);
    for (i, lab) in xs.iter().enumerate() {
        if i % step == 0 || i + 1 == xs.len() {
            let text = if lab.len() == 10 { lab.get(5..).unwrap_or(lab) } else { lab.as_str() };
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
                x(i),
                esc(text)
            );
        }
    }
}

fn y_axis(s: &mut String, top: f64, bottom: f64, hi: f64, unit: &str) {
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{bottom:.1}\" x2=\"{:.1}\" y2=\"{bottom:.1}\" stroke=\"#999\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\">0</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\">{}{}</text>",
        W - RIGHT,
        LEFT - 3.0,
        bottom + 3.0,
        LEFT - 3.0,
        top + 6.0,
        short(hi),
        esc(unit)
    );
}

fn short(v: f64) -> String {
    if v >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Stacked bars, one per x position (weeks), one segment per series.
pub fn stacked_bars(title: &str, xs: &[String], series: &[Series<u64>]) -> String {
    let h = 190.0;
    let (bottom, top) = (h - 42.0, TOP + 8.0);
    let totals: Vec<u64> =
        (0..xs.len()).map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0)).sum()).collect();
    let hi = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = (W - LEFT - RIGHT) / xs.len().max(1) as f64;
    let x = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let mut s = open("stacked-bars", h, title);
    y_axis(&mut s, top, bottom, hi, "");
    for i in 0..xs.len() {
        let mut base = bottom;
        for l in series {
            let v = l.values.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let bh = (bottom - top) * v as f64 / hi;
            base -= bh;
            let _ = write!(
                s,
                "<rect class=\"bar\" x=\"{:.1}\" y=\"{base:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {v}</title></rect>",
                x(i) - slot * 0.35,
                slot * 0.7,
                l.colour,
                esc(xs.get(i).map(String::as_str).unwrap_or("")),
                esc(&l.label)
            );
        }
    }
    x_labels(&mut s, xs, x, bottom + 12.0);
    legend(&mut s, series, h - 8.0);
    s.push_str("</svg>");
    s
}

/// Lines over x positions (weeks), with gaps where a value is missing.
pub fn lines(title: &str, xs: &[String], series: &[Series<Option<f64>>], unit: &str) -> String {
    let h = 180.0;
    let (bottom, top) = (h - 42.0, TOP + 8.0);
    let hi =
        series.iter().flat_map(|l| l.values.iter().flatten().copied()).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let hi = if hi > 0.0 { hi } else { 1.0 };
    let n = xs.len().max(2) as f64;
    let x = |i: usize| LEFT + 6.0 + (W - LEFT - RIGHT - 12.0) * i as f64 / (n - 1.0);
    let y = |v: f64| bottom - (bottom - top) * (v / hi).clamp(0.0, 1.0);
    let mut s = open("lines", h, title);
    y_axis(&mut s, top, bottom, hi, unit);
    for l in series {
        let mut d = String::new();
        let mut pen = false;
        for (i, v) in l.values.iter().enumerate() {
            match v {
                Some(v) if v.is_finite() => {
                    let _ = write!(d, "{}{:.1},{:.1} ", if pen { "L" } else { "M" }, x(i), y(*v));
                    pen = true;
                    let _ =
                        write!(s, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{}\"/>", x(i), y(*v), l.colour);
                }
                _ => pen = false,
            }
        }
        if !d.is_empty() {
            let _ = write!(
                s,
                "<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
                d.trim_end(),
                l.colour
            );
        }
    }
    x_labels(&mut s, xs, x, bottom + 12.0);
    legend(&mut s, series, h - 8.0);
    s.push_str("</svg>");
    s
}

/// Horizontal stacked bars, one row per label (e.g. open cases per counsellor).
pub fn hbars(title: &str, rows: &[(String, Vec<u64>)], series: &[Series<()>]) -> String {
    let row_h = 18.0;
    let h = TOP + 14.0 + row_h * rows.len().max(1) as f64 + 22.0;
    let left = 70.0;
    let hi = rows.iter().map(|r| r.1.iter().sum::<u64>()).max().unwrap_or(0).max(1) as f64;
    let mut s = open("hbars", h, title);
    for (i, (label, parts)) in rows.iter().enumerate() {
        let y = TOP + 8.0 + row_h * i as f64;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            y + 11.0,
            esc(label)
        );
        let mut x = left;
        for (j, v) in parts.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let w = (W - left - 30.0) * *v as f64 / hi;
            let colour = series.get(j).map_or("#64748b", |l| l.colour);
            let _ = write!(
                s,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
                row_h - 5.0
            );
            x += w;
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            x + 3.0,
            y + 11.0,
            parts.iter().sum::<u64>()
        );
    }
    legend(&mut s, series, h - 6.0);
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_draw_one_mark_per_value_and_escape_text() {
        let xs = vec!["2025-09-08".to_string(), "2025-09-15".to_string()];
        let bars = stacked_bars(
            "<b>",
            &xs,
            &[
                Series { label: "red".into(), colour: "#dc2626", values: vec![1, 0] },
                Series { label: "yellow".into(), colour: "#eab308", values: vec![2, 3] },
            ],
        );
        assert_eq!(bars.matches("<rect class=\"bar\"").count(), 3, "zero segments are not drawn");
        assert!(bars.contains("&lt;b&gt;") && !bars.contains("<b>"));
        let l = lines("t", &xs, &[Series { label: "p90".into(), colour: "#000", values: vec![None, Some(2.0)] }], "h");
        assert_eq!(l.matches("<circle").count(), 1);
        let hb = hbars("t", &[("C1".into(), vec![2, 1])], &[]);
        assert_eq!(hb.matches("<rect class=\"bar\"").count(), 2);
    }
}
