//! The scalp map: a top-down head with every zone of the protocol outlined and filled by its
//! planned density for the selected session, so stepping through the sessions shows the
//! build-up (30% → 70% → 100% by default).
//!
//! The fill is drawn with braille dots lit by ordered dithering (a 4×4 Bayer matrix), so the
//! share of lit dots is the zone's planned density over the protocol's 100% target. Density is
//! therefore read from the dots themselves, with or without colour (`NO_COLOR`); the selected
//! zone's label is reversed and bold for the same reason.

use crate::domain::{Plan, ZonePlan};
use crate::protocol::{Protocol, ZoneDef};
use crate::tui::theme::Theme;
use crate::tui::widgets::panel::{self, theme_and_block};
use crate::tui::widgets::{truncate, width};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::canvas::{Canvas, Context, Line, Painter, Shape};
use ratatui::widgets::{Block, Widget};

/// Share of a zone's braille dots lit at 100% of the protocol target. Below 1 so the outline
/// and the label stay readable over a full zone, and so 70% and 100% remain distinguishable.
pub const FILL_AT_TARGET: f64 = 0.75;

/// 4×4 Bayer matrix: lighting the dots whose threshold is below the level spreads any level
/// evenly over the zone instead of filling it from one side.
const BAYER: [[u8; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];

/// The head drawn around the zones (the protocol's map is in -1..1, face towards +y).
const HEAD_CENTRE_Y: f64 = -0.06;
const HEAD_RX: f64 = 0.90;
const HEAD_RY: f64 = 1.02;
/// The part of the map that must stay visible, before the aspect ratio is corrected.
const VIEW_X: [f64; 2] = [-1.02, 1.02];
const VIEW_Y: [f64; 2] = [-1.12, 1.14];

/// Share of a zone's dots to light for `session` (0-based): the planned density after that
/// session over `reference` (the protocol's 100% target), times [`FILL_AT_TARGET`]. Densities
/// above the reference are drawn as the reference.
pub fn fill_level(zone: &ZonePlan, session: usize, reference: f64) -> f64 {
    if !(reference.is_finite() && reference > 0.0) {
        return 0.0;
    }
    (zone.density_after(session) / reference).clamp(0.0, 1.0) * FILL_AT_TARGET
}

/// A short label for a zone id that fits the map at 80×24: the initials of a compound id
/// (`temporal_left` → `TL`), else its first two letters (`vertex` → `VE`).
pub fn abbreviation(id: &str) -> String {
    let parts: Vec<&str> = id
        .split(['_', '-', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let s: String = if parts.len() > 1 {
        parts.iter().filter_map(|p| p.chars().next()).collect()
    } else {
        id.chars().take(2).collect()
    };
    s.to_uppercase()
}

/// Even–odd ray casting: is `(x, y)` inside the closed polygon?
pub fn inside(poly: &[[f64; 2]], x: f64, y: f64) -> bool {
    let mut hit = false;
    let mut j = poly.len().wrapping_sub(1);
    for (i, a) in poly.iter().enumerate() {
        let b = poly[j];
        if (a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0] {
            hit = !hit;
        }
        j = i;
    }
    hit
}

/// The map of one plan at one session.
#[derive(Debug, Clone)]
pub struct ScalpMap<'a> {
    protocol: &'a Protocol,
    plan: &'a Plan,
    session: usize,
    selected: Option<&'a str>,
    theme: Theme,
    block: Option<Block<'a>>,
}

theme_and_block!(ScalpMap);

impl<'a> ScalpMap<'a> {
    /// `session` is 0-based (0 = session 1).
    pub fn new(protocol: &'a Protocol, plan: &'a Plan, session: usize) -> Self {
        ScalpMap {
            protocol,
            plan,
            session,
            selected: None,
            theme: Theme { color: true },
            block: None,
        }
    }
    /// The zone id to highlight.
    pub fn selected(mut self, zone: Option<&'a str>) -> Self {
        self.selected = zone;
        self
    }

    fn zone_plan(&self, id: &str) -> Option<&'a ZonePlan> {
        self.plan.zones.iter().find(|z| z.zone == id)
    }

    fn colour(&self, c: Color) -> Color {
        if self.theme.color { c } else { Color::Reset }
    }

    /// The legend under the map, longest first: the session and the selected zone's
    /// figures; the renderer uses the first that fits.
    pub fn captions(&self) -> Vec<String> {
        let s = self.session + 1;
        let of = self.plan.zones.iter().map(|z| z.sessions.len()).max();
        let (long, short) = match of {
            Some(n) => (format!("S{s} of {n}"), format!("S{s}/{n}")),
            None => (format!("S{s}"), format!("S{s}")),
        };
        let Some(id) = self.selected else {
            return vec![format!("{long} · fill = planned density"), short];
        };
        let abbr = abbreviation(id);
        let name = self.protocol.zone(id).map_or(id, |z| z.name.as_str());
        match self
            .zone_plan(id)
            .and_then(|z| Some((z, z.sessions.get(self.session)?)))
        {
            Some((z, p)) => {
                let pct = format!("{:.0}%", p.fraction * 100.0);
                let d = fmt_density(z.density_after(self.session));
                vec![
                    format!("{long} · {abbr} {name} · {pct} = {d} /cm²"),
                    format!("{short} · {abbr} {pct} · {d}/cm²"),
                    format!("{short} {abbr} {pct}"),
                ]
            }
            None => vec![
                format!("{long} · {abbr} {name} · not planned"),
                format!("{short} · {abbr} not planned"),
            ],
        }
    }
}

/// `52.5`, `75`: one decimal only when there is one.
pub fn fmt_density(d: f64) -> String {
    let r = (d * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Canvas bounds that contain `VIEW_X` × `VIEW_Y` and keep the head round, taking a terminal
/// cell as twice as tall as it is wide.
fn bounds(area: Rect) -> ([f64; 2], [f64; 2]) {
    let (w, h) = (
        f64::from(area.width.max(1)),
        2.0 * f64::from(area.height.max(1)),
    );
    let (vw, vh) = (VIEW_X[1] - VIEW_X[0], VIEW_Y[1] - VIEW_Y[0]);
    let scale = (vw / w).max(vh / h);
    let (cx, cy) = ((VIEW_X[0] + VIEW_X[1]) / 2.0, (VIEW_Y[0] + VIEW_Y[1]) / 2.0);
    let (hx, hy) = (scale * w / 2.0, scale * h / 2.0);
    ([cx - hx, cx + hx], [cy - hy, cy + hy])
}

/// The dithered fill of every planned zone: each braille dot belongs to the last planned zone
/// (in protocol order) whose outline holds it, so a planned scar drawn over the occipital zone
/// shows the scar's density.
struct ZoneFill<'z> {
    zones: Vec<(&'z [[f64; 2]], f64)>,
    resolution: (usize, usize),
    color: Color,
}

impl Shape for ZoneFill<'_> {
    fn draw(&self, painter: &mut Painter) {
        let (rx, ry) = self.resolution;
        if rx < 2 || ry < 2 {
            return;
        }
        let (xb, yb) = painter.bounds();
        let (xb, yb) = (*xb, *yb);
        for j in 0..ry {
            let y = yb[1] - j as f64 * (yb[1] - yb[0]) / (ry - 1) as f64;
            for i in 0..rx {
                let x = xb[0] + i as f64 * (xb[1] - xb[0]) / (rx - 1) as f64;
                let Some(level) = self
                    .zones
                    .iter()
                    .rev()
                    .find(|(poly, _)| inside(poly, x, y))
                    .map(|z| z.1)
                else {
                    continue;
                };
                let threshold = (f64::from(BAYER[j % 4][i % 4]) + 0.5) / 16.0;
                if threshold < level {
                    painter.paint(i, j, self.color);
                }
            }
        }
    }
}

fn polygon(ctx: &mut Context, pts: &[[f64; 2]], color: Color) {
    for (i, a) in pts.iter().enumerate() {
        let b = pts[(i + 1) % pts.len()];
        ctx.draw(&Line::new(a[0], a[1], b[0], b[1], color));
    }
}

/// Points of an ellipse arc from angle `t0` to `t1` (radians), for outline polygons.
fn arc(cx: f64, cy: f64, rx: f64, ry: f64, t0: f64, t1: f64, steps: usize) -> Vec<[f64; 2]> {
    (0..=steps)
        .map(|k| {
            let t = t0 + (t1 - t0) * k as f64 / steps as f64;
            [cx + rx * t.cos(), cy + ry * t.sin()]
        })
        .collect()
}

fn open_path(ctx: &mut Context, pts: &[[f64; 2]], color: Color) {
    for w in pts.windows(2) {
        ctx.draw(&Line::new(w[0][0], w[0][1], w[1][0], w[1][1], color));
    }
}

/// Head outline, nose (the face is at the top) and ears.
fn head(ctx: &mut Context, color: Color) {
    use std::f64::consts::{FRAC_PI_2, PI, TAU};
    polygon(
        ctx,
        &arc(0.0, HEAD_CENTRE_Y, HEAD_RX, HEAD_RY, 0.0, TAU, 48),
        color,
    );
    let top = HEAD_CENTRE_Y + HEAD_RY;
    open_path(
        ctx,
        &[[-0.09, top - 0.03], [0.0, top + 0.11], [0.09, top - 0.03]],
        color,
    );
    // Ears: half-ellipses on the sides, a little in front of the middle as seen from above.
    for (x, t0) in [(-HEAD_RX, FRAC_PI_2), (HEAD_RX, -FRAC_PI_2)] {
        open_path(ctx, &arc(x, 0.08, 0.09, 0.17, t0, t0 + PI, 8), color);
    }
}

impl Widget for ScalpMap<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner = panel::inside(self.block.as_ref(), area, buf);
        if inner.width < 4 || inner.height < 3 {
            return;
        }
        let map = Rect {
            height: inner.height - 1,
            ..inner
        };
        let caption_row = Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        };
        let (xb, yb) = bounds(map);
        let reference = self.protocol.density.target_fu_per_cm2;
        let zones: Vec<(&ZoneDef, Option<f64>)> = self
            .protocol
            .zones
            .items
            .iter()
            .map(|z| {
                let level = self
                    .zone_plan(&z.id)
                    .map(|p| fill_level(p, self.session, reference));
                (z, level)
            })
            .collect();
        let fill = ZoneFill {
            // Only planned zones claim dots: a zone outside the plan drawn over a planned one
            // (an untreated scar strip over a treated occipital zone) must not blank it out.
            zones: zones
                .iter()
                .filter_map(|(z, l)| Some((z.outline.as_slice(), (*l)?)))
                .collect(),
            resolution: (usize::from(map.width) * 2, usize::from(map.height) * 4),
            color: self.colour(Color::Gray),
        };
        let outline = self.colour(Color::White);
        let highlight = self.colour(Color::Yellow);
        let selected = self.selected;
        let label_style = self.theme.dim();
        let selected_style = self.theme.selected();
        // Where a label of `n` cells starts so that it is centred on `(x, y)` and stays inside.
        let cols = f64::from(map.width.saturating_sub(1).max(1));
        let unit = (xb[1] - xb[0]) / cols;
        let place = |x: f64, n: usize| -> f64 {
            let centre = ((x - xb[0]) / unit).round();
            let start = (centre - (n / 2) as f64).clamp(0.0, (cols - n as f64 + 1.0).max(0.0));
            xb[0] + (start + 0.5) * unit
        };
        let canvas = Canvas::default()
            .marker(Marker::Braille)
            .x_bounds(xb)
            .y_bounds(yb)
            .paint(|ctx| {
                ctx.draw(&fill);
                head(ctx, outline);
                for (z, _) in &zones {
                    if Some(z.id.as_str()) != selected {
                        polygon(ctx, &z.outline, outline);
                    }
                }
                if let Some(z) = zones.iter().find(|(z, _)| Some(z.id.as_str()) == selected) {
                    polygon(ctx, &z.0.outline, highlight);
                }
                for (z, level) in &zones {
                    let text = abbreviation(&z.id);
                    let is_sel = Some(z.id.as_str()) == selected;
                    let style = if is_sel {
                        selected_style
                    } else if level.is_some() {
                        Style::new()
                    } else {
                        label_style
                    };
                    let x = place(z.label_at[0], text.chars().count());
                    ctx.print(x, z.label_at[1], TextLine::from(Span::styled(text, style)));
                }
            });
        canvas.render(map, buf);
        let room = usize::from(caption_row.width);
        let captions = self.captions();
        let fits = captions.iter().find(|c| width(c) <= room);
        let caption = fits
            .cloned()
            .unwrap_or_else(|| truncate(&captions[0], room));
        buf.set_string(caption_row.x, caption_row.y, caption, Style::new());
    }
}
