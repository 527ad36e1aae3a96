//! The dot preview: a small square of scalp (2 cm by default) with the pigment dots of one
//! zone at the density planned after the selected session, drawn from [`crate::dots`].
//!
//! Each zone keeps its own pattern (the seed comes from the zone id), so the preview does not
//! flicker when the screen is redrawn and the same zone looks the same from day to day.

use crate::domain::ZonePlan;
use crate::dots::{self, DotPattern};
use crate::tui::theme::Theme;
use crate::tui::widgets::panel::{self, theme_and_block};
use crate::tui::widgets::scalp_map::fmt_density;
use crate::tui::widgets::width;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::canvas::{Canvas, Points};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// Side of the previewed patch: big enough to hold a few hundred dots at 100%, small enough
/// that single dots stay apart at the braille resolution of a side panel.
pub const DEFAULT_SIDE_CM: f64 = 2.0;

/// The preview of one zone at one session.
#[derive(Debug, Clone)]
pub struct DotPreview<'a> {
    zone: &'a ZonePlan,
    name: &'a str,
    session: usize,
    side_cm: f64,
    theme: Theme,
    block: Option<Block<'a>>,
}

theme_and_block!(DotPreview);

impl<'a> DotPreview<'a> {
    /// `session` is 0-based (0 = session 1); the caption uses the zone id as its name until
    /// [`DotPreview::name`] gives the protocol's.
    pub fn new(zone: &'a ZonePlan, session: usize) -> Self {
        DotPreview {
            zone,
            name: &zone.zone,
            session,
            side_cm: DEFAULT_SIDE_CM,
            theme: Theme { color: true },
            block: None,
        }
    }
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = name;
        self
    }
    pub fn side_cm(mut self, side: f64) -> Self {
        self.side_cm = side;
        self
    }

    /// Planned density after the session, dots per cm².
    pub fn density(&self) -> f64 {
        self.zone.density_after(self.session)
    }

    /// The pattern shown: stable for the zone, at the session's density.
    pub fn pattern(&self) -> Result<DotPattern, dots::DotsError> {
        dots::generate(
            self.side_cm,
            self.side_cm,
            self.density(),
            dots::seed_from(&self.zone.zone),
        )
    }

    /// "vertex · session 2 · 52.5 dots/cm² · min spacing 1.0 mm".
    pub fn caption(&self) -> String {
        let head = format!(
            "{} · session {} · {} dots/cm²",
            self.name,
            self.session + 1,
            fmt_density(self.density())
        );
        match self.pattern() {
            Ok(p) => match p.min_spacing_cm {
                Some(r) => format!("{head} · min spacing {:.1} mm", r * 10.0),
                None if p.dots.is_empty() => format!("{head} · no dots planned"),
                None => head,
            },
            Err(e) => format!("{head} · {e}"),
        }
    }
}

/// The largest bordered box whose inside looks square on screen (a cell being about twice
/// as tall as it is wide) that fits in `area`, centred horizontally.
fn square(area: Rect) -> Rect {
    let inside_w = area.width.saturating_sub(2);
    let inside_h = area.height.saturating_sub(2);
    let w = inside_w.min(inside_h.saturating_mul(2));
    let h = w / 2;
    Rect {
        x: area.x + (area.width - (w + 2)) / 2,
        y: area.y,
        width: w + 2,
        height: h + 2,
    }
}

impl Widget for DotPreview<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner = panel::inside(self.block.as_ref(), area, buf);
        if inner.width < 4 || inner.height < 2 {
            return;
        }
        let caption = self.caption();
        let w = usize::from(inner.width);
        // Lines the wrapped caption takes: one more than the bare count when it wraps, as
        // word wrapping leaves the ends of lines short; at most three.
        let cw = width(&caption);
        let lines = if cw <= w {
            1
        } else {
            (cw.div_ceil(w) + 1).min(3)
        };
        let lines = (lines as u16).min(inner.height - 1);
        let patch_area = Rect {
            height: inner.height - lines,
            ..inner
        };
        let caption_area = Rect {
            y: inner.y + inner.height - lines,
            height: lines,
            ..inner
        };
        let pattern = self.pattern().ok();
        let color = if self.theme.color {
            Color::White
        } else {
            Color::Reset
        };
        let side = self.side_cm;
        let dots: &[(f64, f64)] = pattern.as_ref().map_or(&[], |p| p.dots.as_slice());
        Canvas::default()
            .marker(Marker::Braille)
            .block(Block::bordered().border_style(self.theme.dim()))
            .x_bounds([0.0, side])
            .y_bounds([0.0, side])
            .paint(|ctx| ctx.draw(&Points::new(dots, color)))
            .render(square(patch_area), buf);
        Paragraph::new(Line::from(caption))
            .style(Style::new())
            .wrap(Wrap { trim: true })
            .render(caption_area, buf);
    }
}
