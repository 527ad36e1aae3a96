//! Files exchanged with other programs: the patient CSV of the contract.

pub mod csv;
