//! The followup screen's words.
