//! The Plan tab's widgets (scalp map, dot preview) drawn into a `TestBackend`.
//!
//! Text snapshots pin the drawings at the sizes they get in an 80×24 and a 120×40 terminal;
//! the meaning that text alone does not prove (more dots at later sessions, the selected zone
//! marked without colour, no colour under `NO_COLOR`) is asserted cell by cell.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::widgets::Block;
use smplan::domain::*;
use smplan::protocol::{Protocol, generate_plan};
use smplan::tui::Theme;
use smplan::tui::widgets::dot_preview::DotPreview;
use smplan::tui::widgets::scalp_map::{self, ScalpMap};

use crate::widgets_common;
use widgets_common::{braille_dots, text};

const COLOR: Theme = Theme { color: true };
const NO_COLOR: Theme = Theme { color: false };

fn plan(zones: &[&str]) -> Plan {
    let mut p = Patient::new("P-001", Subtype::Androgenetic);
    p.fitzpatrick = Some(Fitzpatrick::new(3).unwrap());
    p.zones = zones
        .iter()
        .map(|z| AffectedZone {
            zone: z.to_string(),
            area_cm2: None,
        })
        .collect();
    generate_plan(&p, &Protocol::builtin()).0
}

/// A Norwood V pattern: hairline, front, mid-scalp and crown, and a strip scar.
fn norwood_plan() -> Plan {
    plan(&["hairline", "frontal", "mid_scalp", "vertex", "scar"])
}

fn map(w: u16, h: u16, plan: &Plan, session: usize, sel: Option<&str>, theme: Theme) -> Buffer {
    let protocol = Protocol::builtin();
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        f.render_widget(
            ScalpMap::new(&protocol, plan, session)
                .selected(sel)
                .theme(theme),
            f.area(),
        )
    })
    .unwrap();
    t.backend().buffer().clone()
}

fn preview(w: u16, h: u16, zone: &ZonePlan, session: usize, theme: Theme) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        f.render_widget(
            DotPreview::new(zone, session)
                .name("vertex / crown")
                .theme(theme)
                .block(Block::bordered().title("Dots")),
            f.area(),
        )
    })
    .unwrap();
    t.backend().buffer().clone()
}

/// Where a text first appears in the buffer.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    find_from(buf, needle, 0)
}

/// Where a text first appears in the buffer at or below row `from`.
fn find_from(buf: &Buffer, needle: &str, from: u16) -> Option<(u16, u16)> {
    let area = buf.area;
    for y in from..area.height {
        let row: Vec<&str> = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        for x in 0..area.width as usize {
            if row[x..].concat().starts_with(needle) {
                return Some((x as u16, y));
            }
        }
    }
    None
}

#[test]
fn scalp_map_snapshots_at_80x24_and_120x40_sizes() {
    let plan = norwood_plan();
    for s in 0..3 {
        let b = map(30, 14, &plan, s, Some("vertex"), COLOR);
        insta::assert_snapshot!(format!("scalp_map_30x14_s{}", s + 1), text(&b));
    }
    let b = map(60, 30, &plan, 1, Some("temporal_left"), COLOR);
    insta::assert_snapshot!("scalp_map_60x30_s2_unplanned_selected", text(&b));
    let b = map(40, 20, &plan, 2, Some("scar"), NO_COLOR);
    insta::assert_snapshot!("scalp_map_40x20_s3_no_color", text(&b));
}

/// The build-up is visible: the planned zones gain dots session by session, in proportion to
/// the planned density (30% → 70% → 100%), and the zones outside the plan stay empty.
#[test]
fn fill_follows_the_planned_density() {
    let plan = norwood_plan();
    let empty = Plan {
        start_date: None,
        session_dates: vec![],
        zones: vec![],
    };
    for (w, h) in [(30, 14), (60, 30)] {
        let outline = braille_dots(&map(w, h, &empty, 0, None, NO_COLOR));
        let fill: Vec<f64> = (0..3)
            .map(|s| f64::from(braille_dots(&map(w, h, &plan, s, None, NO_COLOR)) - outline))
            .collect();
        assert!(
            fill[0] > 0.0 && fill[0] < fill[1] && fill[1] < fill[2],
            "{w}x{h}: {fill:?}"
        );
        // Outline cells hide some fill, so the ratios are checked loosely.
        let r31 = fill[2] / fill[0];
        let r21 = fill[1] / fill[0];
        assert!((2.6..=4.0).contains(&r31), "{w}x{h}: S3/S1 = {r31:.2}");
        assert!((1.9..=2.8).contains(&r21), "{w}x{h}: S2/S1 = {r21:.2}");
    }
}

/// A zone drawn over another (the strip scar over the occipital zone) shows its own density.
#[test]
fn scar_over_occipital_shows_the_scar() {
    let outline = braille_dots(&map(60, 30, &plan(&[]), 2, None, NO_COLOR));
    let scar = braille_dots(&map(60, 30, &plan(&["scar"]), 2, None, NO_COLOR)) - outline;
    let both = braille_dots(&map(
        60,
        30,
        &plan(&["occipital", "scar"]),
        2,
        None,
        NO_COLOR,
    )) - outline;
    let occ = braille_dots(&map(60, 30, &plan(&["occipital"]), 2, None, NO_COLOR)) - outline;
    assert!(scar > 0);
    // The scar is filled at 55/75 of the occipital's density, so the pair has fewer dots than
    // the occipital alone, not the sum of both.
    assert!(both < occ, "both {both}, occipital alone {occ}");
    // An unplanned scar strip does not blank out the occipital zone under it: the occipital
    // alone fills the band as well, so it has more dots than the occipital without the band.
    let band_dots = occ - (both - scar);
    assert!(band_dots > scar, "band {band_dots}, scar {scar}");
}

#[test]
fn selection_is_marked_without_colour() {
    let plan = norwood_plan();
    for theme in [COLOR, NO_COLOR] {
        let b = map(40, 20, &plan, 1, Some("vertex"), theme);
        let (x, y) = find(&b, "VE").expect("vertex label");
        assert!(
            b[(x, y)]
                .modifier
                .contains(Modifier::REVERSED | Modifier::BOLD)
        );
        let (x, y) = find(&b, "MS").expect("mid-scalp label");
        assert!(!b[(x, y)].modifier.contains(Modifier::REVERSED));
    }
    // In colour the selected outline is highlighted too.
    let b = map(40, 20, &plan, 1, Some("vertex"), COLOR);
    assert!(b.content.iter().any(|c| c.fg == Color::Yellow));
    assert!(b.content.iter().any(|c| c.fg == Color::Gray));
}

#[test]
fn no_color_draws_no_colour_but_the_same_dots() {
    let plan = norwood_plan();
    let mono = map(40, 20, &plan, 2, Some("vertex"), NO_COLOR);
    let colour = map(40, 20, &plan, 2, Some("vertex"), COLOR);
    assert!(
        mono.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert_eq!(text(&mono), text(&colour));
}

#[test]
fn caption_fits_the_width_it_gets() {
    let plan = norwood_plan();
    let b = map(30, 14, &plan, 0, Some("vertex"), COLOR);
    assert_eq!(text(&b).lines().last().unwrap(), "S1/3 · VE 30% · 22.5/cm²");
    let b = map(60, 30, &plan, 2, Some("vertex"), COLOR);
    assert_eq!(
        text(&b).lines().last().unwrap(),
        "S3 of 3 · VE vertex / crown · 100% = 75 /cm²"
    );
    let b = map(60, 30, &plan, 0, Some("occipital"), COLOR);
    assert!(text(&b).ends_with("occipital (donor area) · not planned"));
}

#[test]
fn tiny_areas_draw_nothing_and_do_not_panic() {
    let nw = norwood_plan();
    for (w, h) in [(1, 1), (3, 2), (4, 3), (5, 20), (80, 3)] {
        map(w, h, &nw, 2, Some("vertex"), COLOR);
        preview(w, h, &nw.zones[0], 2, COLOR);
    }
    // A session the plan does not have draws outlines only.
    let outline = braille_dots(&map(30, 14, &plan(&[]), 0, None, NO_COLOR));
    assert_eq!(braille_dots(&map(30, 14, &nw, 7, None, NO_COLOR)), outline);
}

#[test]
fn map_helpers() {
    assert_eq!(scalp_map::abbreviation("temporal_left"), "TL");
    assert_eq!(scalp_map::abbreviation("vertex"), "VE");
    assert_eq!(scalp_map::abbreviation("mid-scalp"), "MS");
    let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    assert!(scalp_map::inside(&square, 0.5, 0.5));
    assert!(!scalp_map::inside(&square, 1.5, 0.5));
    assert!(!scalp_map::inside(&[], 0.0, 0.0));
    let z = &norwood_plan().zones[0];
    let l: Vec<f64> = (0..3).map(|s| scalp_map::fill_level(z, s, 75.0)).collect();
    assert!((l[0] - 0.3 * scalp_map::FILL_AT_TARGET).abs() < 1e-12);
    assert!((l[2] - scalp_map::FILL_AT_TARGET).abs() < 1e-12);
    assert_eq!(scalp_map::fill_level(z, 2, 0.0), 0.0);
    // A density above the protocol's 100% is drawn as 100%.
    assert!((scalp_map::fill_level(z, 2, 30.0) - scalp_map::FILL_AT_TARGET).abs() < 1e-12);
}

#[test]
fn dot_preview_snapshots() {
    let plan = norwood_plan();
    let vertex = plan.zones.iter().find(|z| z.zone == "vertex").unwrap();
    let b = preview(40, 20, vertex, 1, COLOR);
    insta::assert_snapshot!("dot_preview_40x20_s2", text(&b));
    let b = preview(60, 24, vertex, 2, NO_COLOR);
    insta::assert_snapshot!("dot_preview_60x24_s3_no_color", text(&b));
}

#[test]
fn dot_preview_shows_the_session_density() {
    let plan = norwood_plan();
    let vertex = plan.zones.iter().find(|z| z.zone == "vertex").unwrap();
    let dots: Vec<u32> = (0..3)
        .map(|s| braille_dots(&preview(40, 20, vertex, s, COLOR)))
        .collect();
    assert!(dots[0] < dots[1] && dots[1] < dots[2], "{dots:?}");
    // 2 cm × 2 cm at 22.5/cm² is 90 dots; at this resolution very few share a braille dot.
    assert!((80..=90).contains(&dots[0]), "{dots:?}");
    let p = DotPreview::new(vertex, 1).name("vertex / crown");
    assert_eq!(
        p.caption(),
        "vertex / crown · session 2 · 52.5 dots/cm² · min spacing 1.0 mm"
    );
    assert_eq!(p.pattern().unwrap().dots.len(), 210);
    let b = preview(40, 20, vertex, 1, COLOR);
    let words = text(&b)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("52.5 dots/cm² · min spacing 1.0 mm"),
        "{words}"
    );
    // Stable from frame to frame.
    assert_eq!(b, preview(40, 20, vertex, 1, COLOR));
    // A zone without dots this session says so.
    let mut none = vertex.clone();
    none.sessions[0].fraction = 0.0;
    assert!(
        DotPreview::new(&none, 0)
            .caption()
            .ends_with("no dots planned")
    );
    let mono = preview(40, 20, vertex, 1, NO_COLOR);
    assert!(mono.content.iter().all(|c| c.fg == Color::Reset));
}

#[test]
fn dot_preview_patch_looks_square() {
    let plan = norwood_plan();
    let b = preview(60, 24, &plan.zones[0], 2, COLOR);
    // The patch's frame (inside the outer block): a cell is about twice as tall as wide, so
    // a square inside is twice as many columns as rows.
    let top = find_from(&b, "┌", 1).unwrap();
    let mut right = top.0 + 1;
    while b[(right, top.1)].symbol() == "─" {
        right += 1;
    }
    let mut bottom = top.1 + 1;
    while b[(top.0, bottom)].symbol() == "│" {
        bottom += 1;
    }
    let (w, h) = (right - top.0 - 1, bottom - top.1 - 1);
    assert_eq!(w, 2 * h, "inside {w}×{h}");
}
