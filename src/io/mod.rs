//! Files exchanged with other programs: the patient CSV of the contract, and the JSON export
//! read back.

pub mod csv;
pub mod json;
