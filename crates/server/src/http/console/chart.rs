//! Bar charts as inline SVG, drawn on the server (no script, no chart library), scaled to the
//! page's width by their `viewBox` (readable on a phone).
//!
//! [`stacked_bars`], money: one bar
//! group per category (`g.bar`, its `data-category` and `data-total-cents`), one segment per
//! series with an amount there (`rect`, its `data-series` and `data-cents`), positive amounts
//! stacked up from zero and negative ones (refunds beyond charges) down from it. Every group and
//! segment has a `<title>` (the tooltip and what a screen reader reads), the chart a title and a
//! description listing each category's total; the legend is a list beside it. Amounts are cents,
//! shown in yuan.
//!
//! [`count_bars`], counts per category (customers associated per month): one `g.bar` per
//! category (`data-category`, `data-count`), its count written above it. [`status_bars`],
//! counts per status (orders by status): horizontal bars, one `g.bar` per status
//! (`data-status`, `data-count`), the label on the left so long names fit a narrow screen.
//! Both have a title, a description listing every figure and a `<title>` per bar.

use maud::{html, Markup};
use pc_domain::Money;

use super::layout::yuan;

/// One series: its key (`data-series`), its label, and an amount (cents) per category.
pub(super) struct Series<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub values: &'a [i64],
}

/// Distinct colours, taken in turn by the series (largest first gets the first).
const PALETTE: [&str; 10] = [
    "#c7000b", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#0a7d8c", "#e16f24", "#57606a",
    "#cf222e", "#6e7781",
];

const W: f64 = 760.0;
const H: f64 = 300.0;
const LEFT: f64 = 92.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A step of 1, 2 or 5 times a power of ten (in cents, at least 1 yuan) that divides `span`
/// into at most about `ticks` parts.
fn nice_step(span: i64, ticks: i64) -> i64 {
    step_from(span, ticks, 100)
}

/// [`nice_step`] from a smallest step of `least` (1 for counts).
fn step_from(span: i64, ticks: i64, least: i64) -> i64 {
    let ticks = ticks.max(1);
    let raw = ((span + ticks - 1) / ticks).max(1);
    let mut mag: i64 = least;
    loop {
        for m in [1, 2, 5] {
            if m * mag >= raw {
                return m * mag;
            }
        }
        mag = mag.saturating_mul(10);
    }
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// The chart: `id` names it (its title's and description's ids derive from it).
pub(super) fn stacked_bars(
    id: &str,
    title: &str,
    categories: &[String],
    series: &[Series],
    empty_note: &str,
) -> Markup {
    stacked_bars_sized(id, title, categories, categories, series, empty_note, W)
}

/// [`stacked_bars`] on a canvas `w` wide (the narrower, the larger its text on a phone), the
/// axis showing `labels` (short) under the bars, the titles `categories` (full).
pub(super) fn stacked_bars_sized(
    id: &str,
    title: &str,
    categories: &[String],
    labels: &[String],
    series: &[Series],
    empty_note: &str,
    w: f64,
) -> Markup {
    let n = categories.len();
    // Each category's stacks above and below zero.
    let up: Vec<i64> = (0..n)
        .map(|i| series.iter().map(|s| s.values[i].max(0)).sum())
        .collect();
    let down: Vec<i64> = (0..n)
        .map(|i| series.iter().map(|s| s.values[i].min(0)).sum())
        .collect();
    let totals: Vec<i64> = (0..n)
        .map(|i| series.iter().map(|s| s.values[i]).sum())
        .collect();
    let (hi, lo) = (
        up.iter().copied().max().unwrap_or(0),
        down.iter().copied().min().unwrap_or(0),
    );
    let step = nice_step(hi - lo, 5);
    let top = ((hi + step - 1).div_euclid(step) * step).max(if lo < 0 { 0 } else { step });
    let bottom = lo.div_euclid(step) * step;
    let plot_h = H - TOP - BOTTOM;
    let plot_w = w - LEFT - RIGHT;
    let y = |v: i64| TOP + (top - v) as f64 * plot_h / (top - bottom) as f64;
    let slot = plot_w / n.max(1) as f64;
    let bar_w = slot * 0.62;
    let ticks: Vec<i64> = (0..)
        .map(|k| bottom + k * step)
        .take_while(|v| *v <= top)
        .collect();
    let desc: Vec<String> = categories
        .iter()
        .zip(&totals)
        .map(|(c, t)| format!("{c}: {}", yuan(Money::from_cents(*t))))
        .collect();
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    html! {
        figure.chart #(id) {
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w} {H}")) role="img"
                aria-labelledby=(format!("{title_id} {desc_id}")) {
                title #(title_id) { (title) }
                desc #(desc_id) { (desc.join("; ")) }
                g.axis {
                    @for v in &ticks {
                        line x1=(px(LEFT)) x2=(px(w - RIGHT)) y1=(px(y(*v))) y2=(px(y(*v)))
                            stroke=(if *v == 0 { "#8f959e" } else { "#e5e6eb" }) stroke-width="1" {}
                        text x=(px(LEFT - 6.0)) y=(px(y(*v) + 4.0)) text-anchor="end" font-size="11" fill="#646a73" {
                            (yuan(Money::from_cents(*v)))
                        }
                    }
                }
                @for (i, cat) in categories.iter().enumerate() {
                    @let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
                    g.bar data-category=(cat) data-total-cents=(totals[i]) {
                        title { (cat) ": " (yuan(Money::from_cents(totals[i]))) }
                        @let (mut above, mut below) = (0i64, 0i64);
                        @for (k, s) in series.iter().enumerate() {
                            @let v = s.values[i];
                            @if v != 0 {
                                @let (from, to) = if v > 0 { above += v; (above - v, above) } else { below += v; (below - v, below) };
                                @let (y0, y1) = (y(from.max(to)), y(from.min(to)));
                                rect x=(px(x)) y=(px(y0)) width=(px(bar_w)) height=(px((y1 - y0).max(0.5)))
                                    fill=(colour(k)) data-series=(s.key) data-cents=(v) {
                                    title { (cat) " · " (s.label) ": " (yuan(Money::from_cents(v))) }
                                }
                            }
                        }
                        text x=(px(LEFT + slot * i as f64 + slot / 2.0)) y=(px(H - BOTTOM + 16.0))
                            text-anchor="middle" font-size="11" fill="#646a73" { (labels.get(i).unwrap_or(cat)) }
                    }
                }
            }
            figcaption {
                @if series.is_empty() {
                    p.muted { (empty_note) }
                } @else {
                    ul.legend {
                        @for (k, s) in series.iter().enumerate() {
                            li data-series=(s.key) {
                                svg width="12" height="12" aria-hidden="true" { rect width="12" height="12" fill=(colour(k)) {} }
                                " " (s.label)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The small charts' canvas: narrower than the money chart's, so its text stays legible when a
/// phone scales it down.
const SW: f64 = 420.0;

/// A vertical bar per category with its count: `labels` are what the axis shows under each bar
/// (short), `categories` what the titles and the description say (full).
pub(super) fn count_bars(
    id: &str,
    title: &str,
    categories: &[String],
    labels: &[String],
    counts: &[i64],
) -> Markup {
    const H: f64 = 220.0;
    const LEFT: f64 = 34.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 26.0;
    let n = counts.len();
    let hi = counts.iter().copied().max().unwrap_or(0);
    let step = step_from(hi, 4, 1);
    let top = ((hi + step - 1).div_euclid(step) * step).max(step);
    let plot_h = H - TOP - BOTTOM;
    let y = |v: i64| TOP + (top - v) as f64 * plot_h / top as f64;
    let slot = (SW - LEFT - RIGHT) / n.max(1) as f64;
    let bar_w = slot * 0.64;
    let desc: Vec<String> = categories
        .iter()
        .zip(counts)
        .map(|(c, v)| format!("{c}: {v}"))
        .collect();
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    html! {
        figure.chart #(id) {
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {SW} {H}")) role="img"
                aria-labelledby=(format!("{title_id} {desc_id}")) {
                title #(title_id) { (title) }
                desc #(desc_id) { (desc.join("; ")) }
                g.axis {
                    @for v in (0..=top).step_by(step as usize) {
                        line x1=(px(LEFT)) x2=(px(SW - RIGHT)) y1=(px(y(v))) y2=(px(y(v)))
                            stroke=(if v == 0 { "#8f959e" } else { "#e5e6eb" }) stroke-width="1" {}
                        text x=(px(LEFT - 5.0)) y=(px(y(v) + 4.0)) text-anchor="end" font-size="11" fill="#646a73" { (v) }
                    }
                }
                @for (i, v) in counts.iter().enumerate() {
                    @let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
                    @let cat = categories.get(i).map(String::as_str).unwrap_or("");
                    g.bar data-category=(cat) data-count=(v) {
                        title { (cat) ": " (v) }
                        @if *v > 0 {
                            rect x=(px(x)) y=(px(y(*v))) width=(px(bar_w)) height=(px(y(0) - y(*v))) fill=(colour(1)) {}
                            text x=(px(x + bar_w / 2.0)) y=(px(y(*v) - 3.0)) text-anchor="middle" font-size="10" fill="#1f2329" { (v) }
                        }
                        text x=(px(x + bar_w / 2.0)) y=(px(H - BOTTOM + 15.0)) text-anchor="middle" font-size="11" fill="#646a73" {
                            (labels.get(i).map(String::as_str).unwrap_or(cat))
                        }
                    }
                }
            }
        }
    }
}

/// One horizontal bar of [`status_bars`]: its key (`data-status`), its label and its count.
pub(super) struct Bar<'a> {
    pub key: String,
    pub label: &'a str,
    pub count: i64,
}

/// A horizontal bar per status, its label on the left and its count at the bar's end.
pub(super) fn status_bars(id: &str, title: &str, bars: &[Bar]) -> Markup {
    const SW: f64 = 360.0;
    const ROW: f64 = 30.0;
    const LABEL: f64 = 120.0;
    const TOP: f64 = 6.0;
    let h = TOP * 2.0 + ROW * bars.len().max(1) as f64;
    let hi = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let plot_w = SW - LABEL - RIGHT - 40.0;
    let desc: Vec<String> = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.count))
        .collect();
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    html! {
        figure.chart #(id) {
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {SW} {h}")) role="img"
                aria-labelledby=(format!("{title_id} {desc_id}")) {
                title #(title_id) { (title) }
                desc #(desc_id) { (desc.join("; ")) }
                @for (i, b) in bars.iter().enumerate() {
                    @let y0 = TOP + ROW * i as f64;
                    @let w = plot_w * b.count as f64 / hi as f64;
                    g.bar data-status=(b.key) data-count=(b.count) {
                        title { (b.label) ": " (b.count) }
                        text x=(px(LABEL - 8.0)) y=(px(y0 + ROW / 2.0 + 4.0)) text-anchor="end" font-size="13" fill="#1f2329" { (b.label) }
                        rect x=(px(LABEL)) y=(px(y0 + 5.0)) width=(px(w.max(1.0))) height=(px(ROW - 10.0)) fill=(colour(i)) {}
                        text x=(px(LABEL + w.max(1.0) + 5.0)) y=(px(y0 + ROW / 2.0 + 4.0)) font-size="13" fill="#646a73" { (b.count) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_yuan() {
        assert_eq!(nice_step(0, 5), 100);
        assert_eq!(nice_step(3500, 5), 1000);
        assert_eq!(nice_step(123_456, 5), 50_000);
        assert_eq!(nice_step(1_000_000, 5), 200_000);
    }

    #[test]
    fn count_steps_are_whole() {
        assert_eq!(step_from(0, 4, 1), 1);
        assert_eq!(step_from(7, 4, 1), 2);
        assert_eq!(step_from(130, 4, 1), 50);
    }

    #[test]
    fn counts_and_statuses_have_a_bar_each() {
        let cats = vec!["2026-10".to_string(), "2026-11".to_string()];
        let short = vec!["10".to_string(), "11".to_string()];
        let out = count_bars("n", "t", &cats, &short, &[3, 0]).into_string();
        assert_eq!(out.matches("<g class=\"bar\"").count(), 2);
        assert!(out.contains(r#"data-category="2026-10" data-count="3""#));
        assert_eq!(out.matches("<rect").count(), 1, "no bar for a zero");
        assert!(out.contains("<desc id=\"n-desc\">2026-10: 3; 2026-11: 0</desc>"));
        let bars = [
            Bar {
                key: "6".into(),
                label: "Pending payment",
                count: 2,
            },
            Bar {
                key: "5".into(),
                label: "Completed",
                count: 0,
            },
        ];
        let out = status_bars("s", "t", &bars).into_string();
        assert!(out.contains(r#"data-status="6" data-count="2""#));
        assert!(out.contains("Completed: 0"));
    }

    #[test]
    fn one_group_per_category_and_refunds_go_down() {
        let cats = vec!["2026-10".to_string(), "2026-11".to_string()];
        let a = [3500, 0];
        let b = [-1000, 990];
        let s = [
            Series {
                key: "a",
                label: "A",
                values: &a,
            },
            Series {
                key: "b",
                label: "B",
                values: &b,
            },
        ];
        let out = stacked_bars("c", "t", &cats, &s, "none").into_string();
        assert_eq!(out.matches("<g class=\"bar\"").count(), 2);
        assert!(out.contains(r#"data-category="2026-10" data-total-cents="2500""#));
        assert!(out.contains(r#"data-category="2026-11" data-total-cents="990""#));
        assert_eq!(out.matches("<rect x=").count(), 3, "no segment for a zero");
        assert!(out.contains("2026-10 · B: -¥10.00"));
        assert!(out.contains(r#"<li data-series="b">"#));
    }
}
