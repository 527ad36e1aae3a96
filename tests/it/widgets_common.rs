//! Reading a drawn `TestBackend` buffer, for the widget tests.

#![allow(dead_code)]

use ratatui::buffer::Buffer;

/// The buffer as text, one line per row, trailing spaces cut (colour and emphasis dropped).
pub fn text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| row(buf, y).concat().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The symbols of row `y`, one per cell.
pub fn row(buf: &Buffer, y: u16) -> Vec<&str> {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

/// Braille dots raised in the buffer (each braille cell holds up to 8).
pub fn braille_dots(buf: &Buffer) -> u32 {
    buf.content
        .iter()
        .filter_map(|c| c.symbol().chars().next())
        .filter(|ch| ('\u{2800}'..='\u{28FF}').contains(ch))
        .map(|ch| (ch as u32 - 0x2800).count_ones())
        .sum()
}
