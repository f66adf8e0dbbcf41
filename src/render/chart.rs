//! The chart for the report: requests per second per server (the front tier) and the
//! error rate, per analysis window, with the incident markers as labelled vertical lines.
//! SVG, drawn with plotters (no fonts needed: SVG text is rendered by the viewer).

use std::collections::BTreeMap;

use plotters::prelude::*;

use crate::time::{rfc3339, NANOS_PER_SEC};
use crate::timeline::Findings;

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(127, 127, 127),
];
const ERROR: RGBColor = RGBColor(214, 39, 40);
const MARK: RGBColor = RGBColor(255, 127, 14);

/// Draws the chart as an SVG document; `None` when there are no request windows.
pub fn svg(f: &Findings) -> Option<String> {
    let a = &f.analysis;
    let tier = a.tier.as_deref()?;
    if a.windows.is_empty() {
        return None;
    }
    let w = a.window_s;
    let (x0, x1) = (a.windows[0].start_s, a.windows.last()?.start_s + w);

    // Requests per window per server, the five busiest named, the rest as "others".
    let b = &f.run.buckets;
    let tier_id = (0..b.tiers.len() as u32).find(|t| b.tiers.name(*t) == tier)?;
    let mut per: BTreeMap<String, BTreeMap<i64, u64>> = BTreeMap::new();
    for (k, x) in b.map() {
        if k.tier != tier_id {
            continue;
        }
        let name = format!(
            "{}/{}",
            b.backends.name(k.backend),
            b.servers.name(k.server)
        );
        *per.entry(name)
            .or_default()
            .entry(k.second.div_euclid(w) * w)
            .or_default() += x.requests as u64;
    }
    let mut totals: Vec<(String, u64)> = per
        .iter()
        .map(|(n, m)| (n.clone(), m.values().sum()))
        .collect();
    totals.sort_by(|p, q| q.1.cmp(&p.1).then(p.0.cmp(&q.0)));
    let named: Vec<String> = totals.iter().take(5).map(|(n, _)| n.clone()).collect();
    let mut series: Vec<(String, BTreeMap<i64, u64>)> = Vec::new();
    let mut others: BTreeMap<i64, u64> = BTreeMap::new();
    for (name, m) in per {
        if named.contains(&name) {
            series.push((name, m));
        } else {
            for (t, n) in m {
                *others.entry(t).or_default() += n;
            }
        }
    }
    series.sort_by_key(|(n, _)| named.iter().position(|x| x == n));
    if !others.is_empty() {
        series.push(("others".into(), others));
    }
    let rate = |n: u64| n as f64 / w as f64;
    let ymax = series
        .iter()
        .flat_map(|(_, m)| m.values().map(|n| rate(*n)))
        .fold(1.0f64, f64::max)
        * 1.15;

    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (1200, 560)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let caption =
            format!("Requests per second by server and error rate, {w}s windows ({tier}), UTC");
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 20))
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d((x0..x1).with_key_points(ticks(x0, x1)), 0f64..ymax)
            .ok()?
            .set_secondary_coord(x0..x1, 0f64..100f64);
        let hhmm = |x: &i64| rfc3339(x * NANOS_PER_SEC, 0)[11..16].to_string();
        let hhmm_marker = hhmm;
        chart
            .configure_mesh()
            .x_label_formatter(&hhmm)
            .y_desc("requests per second")
            .x_desc(format!(
                "UTC, {} → {}",
                &rfc3339(x0 * NANOS_PER_SEC, 0)[..16],
                &rfc3339(x1 * NANOS_PER_SEC, 0)[..16]
            ))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .ok()?;
        chart
            .configure_secondary_axes()
            .y_desc("error rate (%)")
            .draw()
            .ok()?;
        for (i, (name, m)) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let points: Vec<(i64, f64)> = a
                .windows
                .iter()
                .map(|win| (win.start_s, rate(*m.get(&win.start_s).unwrap_or(&0))))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .ok()?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                });
        }
        let errors: Vec<(i64, f64)> = a
            .windows
            .iter()
            .map(|win| (win.start_s, win.error_rate * 100.0))
            .collect();
        chart
            .draw_secondary_series(LineSeries::new(errors, ERROR.stroke_width(2)))
            .ok()?
            .label("error rate (%, right axis)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], ERROR.stroke_width(3)));

        // Markers: labelled vertical lines, labels staggered so they do not overlap.
        for (n, inc) in f.incidents.iter().enumerate() {
            let mut marks = vec![
                ("impact start", inc.impact_start.ts),
                ("detected", inc.detected.ts),
                ("mitigated", inc.mitigated.ts),
                ("resolved", inc.resolved.ts),
            ];
            if let Some(t) = inc.trigger.first() {
                marks.push(("trigger", t.ts));
            }
            marks.sort_by_key(|m| m.1);
            for (k, (label, ts)) in marks.into_iter().enumerate() {
                let x = ts / NANOS_PER_SEC;
                if x < x0 || x > x1 {
                    continue;
                }
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, 0.0), (x, ymax)],
                        MARK.stroke_width(1),
                    )))
                    .ok()?;
                let y = ymax * (0.97 - 0.06 * k as f64);
                let text = if f.incidents.len() > 1 {
                    format!("{label} #{} {}", n + 1, hhmm_marker(&x))
                } else {
                    format!("{label} {}", hhmm_marker(&x))
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        text,
                        (x, y),
                        ("sans-serif", 13).into_font().color(&MARK),
                    )))
                    .ok()?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 13))
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    Some(out)
}

/// Axis ticks at round times: the smallest step that gives at most 12 of them.
fn ticks(x0: i64, x1: i64) -> Vec<i64> {
    const STEPS: [i64; 12] = [
        60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800,
    ];
    let step = STEPS
        .iter()
        .copied()
        .find(|s| (x1 - x0) / s <= 12)
        .unwrap_or(604_800);
    let first = (x0 + step - 1).div_euclid(step) * step;
    (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= x1)
        .collect()
}
