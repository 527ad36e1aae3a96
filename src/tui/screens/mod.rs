//! One module per screen: its state, how actions change it, and how it is drawn.

pub mod followup;
pub mod form;
pub mod intake;
pub mod new_patient;
pub mod patients;
pub mod plan;
pub mod sessions;
pub mod workspace;
