//! What every widget of this folder shares: the `theme` and `block` setters, and drawing the
//! optional block to find the area inside it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Widget};

/// Draws `block` if there is one and returns the area inside it (all of `area` if not).
pub(crate) fn inside(block: Option<&Block>, area: Rect, buf: &mut Buffer) -> Rect {
    match block {
        Some(b) => {
            let inner = b.inner(area);
            b.clone().render(area, buf);
            inner
        }
        None => area,
    }
}

/// The `theme` and `block` builder methods of a widget with fields `theme: Theme` and
/// `block: Option<Block<'a>>`.
macro_rules! theme_and_block {
    ($ty:ident) => {
        impl<'a> $ty<'a> {
            /// Colours, or none under `NO_COLOR`.
            pub fn theme(mut self, theme: $crate::tui::theme::Theme) -> Self {
                self.theme = theme;
                self
            }
            /// A frame and title around the widget.
            pub fn block(mut self, block: ratatui::widgets::Block<'a>) -> Self {
                self.block = Some(block);
                self
            }
        }
    };
}
pub(crate) use theme_and_block;
