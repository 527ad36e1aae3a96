//! Text from outside (a cell, a file name, a record id) made safe to print in a message.
//!
//! A CSV cell or a crafted file name may hold a newline (which would forge a second line of
//! the message), a carriage return or an escape sequence (which a terminal obeys: colours, a
//! cleared screen, a changed title) or a bidirectional override (which shows text in another
//! order than it is). Messages show such characters escaped, as Rust's `escape_debug` writes
//! them (`\n`, `\u{1b}`), and leave every printable letter as it is (`王小明`, `Müller`).

use std::borrow::Cow;

/// Whether `c` is shown escaped: control characters (C0, DEL, C1) and the invisible format
/// characters that reorder or hide text.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `s` with every control or format character escaped; `keep_newlines` leaves `\n` alone, for
/// a message of several lines each already escaped.
pub fn printable(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let escape = |c: char| hidden(c) && !(keep_newlines && c == '\n');
    if !s.chars().any(escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The key under which two record ids name the same file on a case- and
/// normalisation-insensitive file system (macOS APFS, Windows NTFS): `SMP-a` and `smp-A`, or
/// `Müller` typed with a combined or a separate accent. A registry copied to such a disk would
/// see one of them overwrite the other, so smplan refuses the second one everywhere.
pub fn file_name_key(id: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    id.nfc().flat_map(char::to_lowercase).collect()
}

/// `bytes` as lowercase hexadecimal, two digits a byte (a SHA-256 digest, a key): one
/// allocation, where `format!("{b:02x}")` per byte made 33 (the audit chain hashes every
/// line of the log).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_two_lowercase_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(super::hex(&[]), "");
        let all: Vec<u8> = (0..=255).collect();
        let slow: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(super::hex(&all), slow);
    }

    use super::{file_name_key, printable};

    #[test]
    fn ids_differing_in_case_or_accent_form_share_a_key() {
        assert_eq!(file_name_key("SMP-a"), file_name_key("smp-A"));
        assert_eq!(file_name_key("M\u{fc}ller"), file_name_key("MU\u{308}LLER"));
        assert_ne!(file_name_key("SMP-1"), file_name_key("SMP-2"));
    }

    #[test]
    fn control_and_format_characters_are_escaped_and_letters_kept() {
        assert_eq!(printable("SMP-1", false), "SMP-1");
        assert_eq!(printable("王小明 Müller", false), "王小明 Müller");
        assert_eq!(printable("a\nb", false), "a\\nb");
        assert_eq!(printable("a\nb", true), "a\nb");
        assert_eq!(
            printable("\x1b[2J\r\t\u{7f}", true),
            "\\u{1b}[2J\\r\\t\\u{7f}"
        );
        assert_eq!(printable("x\u{202E}y\u{85}", false), "x\\u{202e}y\\u{85}");
    }
}
