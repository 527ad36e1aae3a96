//! The sessions screen's words.
