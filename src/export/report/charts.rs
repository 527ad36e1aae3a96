//! The case-series report's figures as SVG, drawn with `plotters` (its SVG backend): the
//! touch-up-free curves by subtype and the VDS-over-time lines. Both draw from the summary
//! (`stats::summary::Durability`), the same numbers as the tables beside them.
//!
//! Subtypes differ by colour (Okabe–Ito blue and vermillion, safe for colour-blind readers)
//! and by line style (solid, dashed), so a grey printout still tells them apart. The SVG is
//! inline in the HTML report (no file beside it, no external reference).

use crate::domain::Subtype;
use crate::stats::summary::{Durability, VDS_TIMEPOINTS};
use plotters::prelude::*;

const WIDTH: u32 = 560;
const HEIGHT: u32 = 340;
const AGA: RGBColor = RGBColor(0, 114, 178);
const SCAR: RGBColor = RGBColor(213, 94, 0);
/// Individual patients' lines drawn per subtype at most; beyond that the chart shows the
/// means only (a registry of thousands would be a solid block).
pub const MAX_PATIENT_LINES: usize = 200;

fn style(s: Subtype) -> (RGBColor, bool) {
    match s {
        Subtype::Androgenetic => (AGA, false),
        Subtype::Scarring => (SCAR, true),
    }
}

/// The SVG fit to sit inline in HTML: the namespace attribute (a URL, which the HTML parser
/// does not need) dropped, and a role and label for screen readers.
fn inline(svg: String, label: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            "<svg ",
            &format!(
                "<svg role=\"img\" aria-label=\"{}\" ",
                crate::export::doc::html(label)
            ),
            1,
        )
}

type Coords =
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Coords>;
type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// One chart: a white frame of [`WIDTH`] × [`HEIGHT`] with axes over `x` and `y`, what
/// `body` draws (the mesh with its labels, then the series), the legend at the lower left;
/// inline SVG labelled `label`, or `None` when plotters failed.
fn svg_chart(
    label: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_label_area: u32,
    body: impl FnOnce(&mut Chart<'_, '_>) -> Drawn,
) -> Option<String> {
    let mut svg = String::new();
    let drawn: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(x, y)?;
        body(&mut chart)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(150, 150, 150))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    drawn.ok()?;
    Some(inline(svg, label))
}

/// A line of `pts`, solid or dashed.
fn line(
    chart: &mut Chart<'_, '_>,
    pts: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
    dashed: bool,
    label: String,
) -> Drawn {
    let st = color.stroke_width(width);
    let legend = move |(x, y): (i32, i32)| {
        PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(width))
    };
    if dashed {
        chart
            .draw_series(DashedLineSeries::new(pts, 7, 4, st))?
            .label(label)
            .legend(legend);
    } else {
        chart
            .draw_series(LineSeries::new(pts, st))?
            .label(label)
            .legend(legend);
    }
    Ok(())
}

/// The Kaplan–Meier curves of touch-up-free time by subtype (censorings ticked); `None`
/// when no patient has session 3 recorded.
pub fn touch_up_free(d: &Durability) -> Option<String> {
    let groups: Vec<(Subtype, &crate::stats::survival::KaplanMeier)> =
        [Subtype::Androgenetic, Subtype::Scarring]
            .into_iter()
            .filter_map(|s| d.curves.get(s.id()).filter(|k| k.n > 0).map(|k| (s, k)))
            .collect();
    if groups.is_empty() {
        return None;
    }
    let last = groups
        .iter()
        .filter_map(|(_, k)| k.steps.last().map(|s| s.days))
        .max()
        .unwrap_or(0);
    let max_t = (last.max(365) as f64 * 1.02).ceil();
    let label = "Touch-up-free time by subtype, Kaplan-Meier curves";
    svg_chart(label, 0.0..max_t, 0.0..1.0, 48, |chart| {
        chart
            .configure_mesh()
            .x_desc("days since session 3")
            .y_desc("touch-up-free (Kaplan-Meier)")
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        for (s, km) in &groups {
            let (color, dashed) = style(*s);
            line(
                chart,
                km.staircase(),
                color,
                2,
                dashed,
                format!("{} (n = {}, {} touch-ups)", s.id(), km.n, km.events),
            )?;
            chart.draw_series(
                km.censor_marks()
                    .into_iter()
                    .map(|(x, y)| PathElement::new(vec![(x, y - 0.015), (x, y + 0.015)], color)),
            )?;
        }
        Ok(())
    })
}

/// The visits' months on the x axis (post = 0).
fn months(i: usize) -> f64 {
    match VDS_TIMEPOINTS[i] {
        crate::domain::Timepoint::Post => 0.0,
        crate::domain::Timepoint::Months(m) => f64::from(m),
    }
}

/// Each patient's VDS over the visits (thin lines, up to [`MAX_PATIENT_LINES`] per
/// subtype) under the mean of each subtype with its 95% interval; `None` with no VDS.
pub fn vds_over_time(d: &Durability) -> Option<String> {
    if d.vds_lines.is_empty() {
        return None;
    }
    let label = "VDS at each visit, each patient and the mean by subtype";
    svg_chart(label, -1.0..25.0, 0.0..10.0, 40, |chart| {
        chart
            .configure_mesh()
            .x_desc("months after the course (0 = post)")
            .y_desc("VDS (0-10)")
            // A tick every month, labelled at the visits.
            .x_labels(27)
            .x_label_formatter(&|v| {
                let m = v.round();
                if (v - m).abs() < 1e-6 && [0.0, 6.0, 12.0, 24.0].contains(&m) {
                    format!("{m:.0}")
                } else {
                    String::new()
                }
            })
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        for s in [Subtype::Androgenetic, Subtype::Scarring] {
            let (color, _) = style(s);
            let lines = d
                .vds_lines
                .iter()
                .filter(|l| l.subtype == s)
                .take(MAX_PATIENT_LINES);
            for l in lines {
                let pts: Vec<(f64, f64)> = l
                    .vds
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.map(|v| (months(i), v)))
                    .collect();
                chart.draw_series(LineSeries::new(pts, color.mix(0.18).stroke_width(1)))?;
            }
        }
        for s in [Subtype::Androgenetic, Subtype::Scarring] {
            let (color, dashed) = style(s);
            let Some(points) = d.vds_over_time.get(s.id()) else {
                continue;
            };
            let means: Vec<(f64, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.desc.mean.map(|m| (months(i), m)))
                .collect();
            if means.is_empty() {
                continue;
            }
            let n: Vec<String> = points.iter().map(|p| p.desc.n.to_string()).collect();
            line(
                chart,
                means.clone(),
                color,
                3,
                dashed,
                format!("{} mean, 95% CI (n per visit: {})", s.id(), n.join(", ")),
            )?;
            chart.draw_series(means.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
            chart.draw_series(points.iter().enumerate().filter_map(|(i, p)| {
                let ci = p.desc.ci95?;
                let x = months(i);
                Some(PathElement::new(
                    vec![(x, ci.low.max(0.0)), (x, ci.high.min(10.0))],
                    color.stroke_width(2),
                ))
            }))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Protocol;
    use chrono::NaiveDate;

    fn summary() -> crate::stats::Summary {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let ps = crate::synth::registry(300, 5, today, &Protocol::builtin());
        crate::stats::summarize(&ps)
    }

    #[test]
    fn curves_are_svg_with_both_subtypes_and_no_external_reference() {
        let s = summary();
        let svg = touch_up_free(&s.durability).unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..80]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("http"), "no URL in an inline figure");
        let n = s.durability.touch_up_free["scarring"].n;
        assert!(
            svg.contains(&format!("scarring (n = {n}")),
            "the legend names n"
        );
        assert!(svg.contains("androgenetic (n = "));
        // Curves drawn as paths/polylines in the subtype colours.
        assert!(svg.contains("#0072B2") && svg.contains("#D55E00"));
        let svg = vds_over_time(&s.durability).unwrap();
        assert!(svg.contains("VDS (0-10)") && !svg.contains("http"));
    }

    #[test]
    fn nothing_to_draw_gives_no_figure() {
        let s = crate::stats::summarize(&[]);
        assert_eq!(touch_up_free(&s.durability), None);
        assert_eq!(vds_over_time(&s.durability), None);
    }
}
