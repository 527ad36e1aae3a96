//! The new patient dialog's words.

pub const TITLE: &str = "New patient";
pub const RECORD_ID: &str = "Record id";
pub const SUBTYPE: &str = "Subtype";
pub const ID_HINT: &str = "The study id names the patient's file; letters, digits, - _ . only.";
pub const ID_EMPTY: &str = "Record id: type the patient's study id (letters, digits, - _ .)";
/// The domain's message about an id, said with the dialog's label.
pub fn id_refused(why: &str) -> String {
    format!("Record id: {}", why.replace("record_id is", "it is"))
}
pub fn id_case_taken(id: &str, other: &str) -> String {
    format!(
        "Record id: {id} differs from {other} only in letter case or accents; both would be one file on some disks; choose another id"
    )
}
pub fn id_taken(id: &str) -> String {
    format!("Record id: {id} is already in the registry; choose another id")
}
