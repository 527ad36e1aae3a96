//! The agenda's words.

pub const AGENDA: &str = "Agenda ";
pub const FROM: &str = "from ";
pub const FROM_HINT: &str = "Enter sets the first day, Esc cancels";
pub const KEYS_HINT: &str =
    "←/→ first day · t today · d type a date · +/- range · Enter opens the patient";
pub const EMPTY: &str = "Nothing due and nothing overdue in this range.";
pub const EMPTY_HINT: &str = "Press + for a longer range, or ← to start earlier.";
pub const HEADER: [&str; 5] = ["Status", "Due", "Record", "Name", "Item"];
pub const WINDOW: &str = "Window";
pub fn window(from: &str, to: &str) -> String {
    format!("{from} to {to}")
}
pub fn on_day(d: &str) -> String {
    format!("on {d} only (windows open that day)")
}
pub fn range(from: &str, to: &str, days: u32) -> String {
    let s = if days == 1 { "" } else { "s" };
    format!("{from} to {to} ({days} day{s})")
}
pub fn range_items(range: &str, n: usize, overdue: usize) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{range}: {n} item{s}, {overdue} overdue")
}
pub fn from_refused(e: &str) -> String {
    format!("from date: {e}")
}
