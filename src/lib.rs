//! smplan: plan and follow scalp micropigmentation treatment at a clinic workstation, and
//! measure how well the pigment holds.
//!
//! The crate is a functional core with a thin shell: [`domain`] is plain data and rules,
//! `store` alone touches patient files, `tui` draws the terminal UI, `main.rs` parses the
//! command line.

#![deny(clippy::unwrap_used)]

pub mod cli;
pub mod demo;
pub mod domain;
pub mod dots;
pub mod export;
pub mod io;
pub mod oom;
pub mod par;
pub mod protocol;
pub mod stats;
pub mod store;
pub mod synth;
pub mod tui;
