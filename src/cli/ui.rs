//! `smplan [--demo]`: opens the terminal UI on the registry (or on the demo cohort).

use super::{Ctx, fail};
use crate::domain::Patient;
use crate::protocol::Protocol;
use crate::store::{OpenOptions, Registry};
use crate::tui::{self, App, StatusKind, Theme};
use std::process::ExitCode;

/// The bundled demo cohort (see `examples/demo_cohort.rs` for how it was made), compiled
/// into the binary so `--demo` works from any directory.
const DEMO_FILES: [(&str, &str); 10] = [
    (
        "DEMO-01.json",
        include_str!("../../assets/demo/DEMO-01.json"),
    ),
    (
        "DEMO-02.json",
        include_str!("../../assets/demo/DEMO-02.json"),
    ),
    (
        "DEMO-03.json",
        include_str!("../../assets/demo/DEMO-03.json"),
    ),
    (
        "DEMO-04.json",
        include_str!("../../assets/demo/DEMO-04.json"),
    ),
    (
        "DEMO-05.json",
        include_str!("../../assets/demo/DEMO-05.json"),
    ),
    (
        "DEMO-06.json",
        include_str!("../../assets/demo/DEMO-06.json"),
    ),
    (
        "DEMO-07.json",
        include_str!("../../assets/demo/DEMO-07.json"),
    ),
    (
        "DEMO-08.json",
        include_str!("../../assets/demo/DEMO-08.json"),
    ),
    (
        "DEMO-09.json",
        include_str!("../../assets/demo/DEMO-09.json"),
    ),
    (
        "DEMO-10.json",
        include_str!("../../assets/demo/DEMO-10.json"),
    ),
];

/// The ten demo patients as bundled.
pub fn demo_cohort() -> Result<Vec<Patient>, String> {
    DEMO_FILES
        .iter()
        .map(|(name, text)| {
            serde_json::from_str(text).map_err(|e| format!("bundled demo file {name}: {e}"))
        })
        .collect()
}

/// What `--demo` puts into an empty demo registry: the ten bundled patients moved to `today`
/// and the patients in course dated from it (see [`crate::demo`]).
pub fn living_demo(today: chrono::NaiveDate, protocol: &Protocol) -> Result<Vec<Patient>, String> {
    crate::demo::living(demo_cohort()?, today, protocol)
}

pub fn run(ctx: &Ctx) -> ExitCode {
    // A clinic protocol that is refused opens the registry for reading only, with the
    // reason: the UI never plans or records with the built-in defaults in its place.
    let (protocol, refused) = match Protocol::load_for_writing(&ctx.data_dir) {
        Ok(p) => (p, None),
        Err(why) => (Protocol::builtin(), Some(why)),
    };
    // The UI lists summaries and reads a patient's whole record when it is opened.
    let opts = OpenOptions {
        summaries: true,
        ..ctx.open_options(refused.is_none(), &protocol)
    };
    let mut registry = match Registry::open(&ctx.data_dir, opts) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut notes = Vec::new();
    if ctx.demo && registry.is_empty() && registry.read_only_reason().is_none() {
        // First run of the demo: build it as of today and put it in through the store, like
        // any import.
        let cohort = match living_demo(ctx.today, &protocol) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let n = cohort.len();
        if let Err(e) = registry.import_batch(cohort, false) {
            return fail(format!(
                "could not set up the demo in {}: {e}",
                ctx.data_dir.display()
            ));
        }
        notes.push(format!(
            "demo: {n} synthetic patients, dated from today, copied into {} (your own registry is untouched)",
            ctx.data_dir.display()
        ));
    } else if ctx.demo {
        notes.push(format!("demo registry in {}", ctx.data_dir.display()));
    }
    let mut app = App::new(Box::new(registry), protocol, ctx.today, Theme::from_env());
    app.operator = ctx.operator.clone();
    if let Some(why) = refused {
        let why = tui::strings::protocol_refused(&why);
        app.set_status(StatusKind::Error, tui::strings::read_only_status(&why));
        app.read_only = Some(why);
    }
    if !notes.is_empty() && app.read_only.is_none() {
        app.set_status(StatusKind::Info, notes.join("; "));
    }
    match tui::run(app) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("the terminal UI stopped: {e}")),
    }
}
