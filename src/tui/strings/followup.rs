//! The followup screen's words.

/// Asked first when a score of a treated patient is cleared.
pub fn confirm_clear_score(score: &str, timepoint: &str, value: &str) -> Vec<String> {
    vec![
        format!("Clear the {score} {timepoint} score ({value}) of a treated patient?"),
        "The statistics no longer count it; the audit log keeps the old value, and u puts it back."
            .into(),
    ]
}
