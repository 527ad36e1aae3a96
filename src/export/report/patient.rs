//! A patient's treatment summary: intake, triage, the plan per zone and session, the sessions
//! as performed, follow-up scores, adverse events and a timeline.

use super::{ReportContext, num, or_dash, yes_no};
use crate::domain::{Patient, Timepoint, Triage};
use crate::export::doc::Doc;
use chrono::NaiveDate;

/// A patient's treatment summary to print for the treatment room or the file.
pub fn patient_report(p: &Patient, ctx: &ReportContext) -> Doc {
    let title = match &p.name {
        Some(n) => format!("Treatment summary: {} ({})", n, p.record_id),
        None => format!("Treatment summary: {}", p.record_id),
    };
    let mut d = Doc::new(title);
    d.para(format!(
        "Record {} · {} alopecia · sessions done {} · as of {}",
        p.record_id,
        p.subtype(),
        p.sessions_done(),
        ctx.today
    ));
    intake(&mut d, p, ctx);
    screen(&mut d, p, ctx);
    plan(&mut d, p, ctx);
    sessions(&mut d, p, ctx);
    follow_ups(&mut d, p);
    adverse(&mut d, p);
    timeline(&mut d, p);
    if let Some(n) = &p.notes {
        d.h2("Notes");
        d.para(n.clone());
    }
    d
}

fn intake(d: &mut Doc, p: &Patient, ctx: &ReportContext) {
    d.h2("Intake");
    let mut rows: Vec<(&str, String)> = vec![("record id", p.record_id.clone())];
    if let Some(n) = &p.name {
        rows.push(("name", n.clone()));
    }
    rows.push(("sex", or_dash(p.sex.map(|s| s.label()))));
    let age = p
        .birth_date
        .map(|b| match p.age_on(ctx.today) {
            Some(a) => format!("{b} (age {a})"),
            None => b.to_string(),
        })
        .unwrap_or_else(|| "—".into());
    rows.push(("date of birth", age));
    rows.push((
        "Fitzpatrick type",
        or_dash(p.fitzpatrick.map(|f| f.roman())),
    ));
    rows.push(("hair colour", or_dash(p.hair_colour.map(|h| h.label()))));
    rows.push((
        "grey hair",
        or_dash(p.grey_percent.map(|g| format!("{g}%"))),
    ));
    rows.push(("subtype", p.subtype().to_string()));
    rows.push((
        "classification",
        or_dash(p.alopecia.classification.as_ref()),
    ));
    if let Some(s) = &p.alopecia.scar {
        rows.push((
            "scar activity",
            or_dash(s.activity.map(crate::domain::Activity::id)),
        ));
        rows.push((
            "months stable",
            or_dash(s.months_stable.map(|m| m.to_string())),
        ));
        rows.push((
            "scar texture",
            or_dash(s.texture.map(crate::domain::Texture::id)),
        ));
    }
    let zones: Vec<String> = p
        .zones
        .iter()
        .map(|z| match z.area_cm2 {
            Some(a) => format!("{} ({} cm²)", ctx.zone(&z.zone), num(a)),
            None => ctx.zone(&z.zone),
        })
        .collect();
    rows.push((
        "zones",
        if zones.is_empty() {
            "—".into()
        } else {
            zones.join(", ")
        },
    ));
    if let Some(e) = &p.expectations {
        rows.push(("expectations", e.clone()));
    }
    let c = &p.consent;
    rows.push((
        "consent",
        format!(
            "treatment {}, photographs {}, data use {}",
            c.treatment.describe(),
            c.photographs.describe(),
            c.data_use.describe(),
        ),
    ));
    d.table(
        &["item", "value"],
        &[],
        rows.into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect(),
    );
}

fn screen(d: &mut Doc, p: &Patient, ctx: &ReportContext) {
    d.h2("Health screen and triage");
    let t = p.triage(ctx.protocol.screen_rules());
    let mut items = vec![format!("Screened: {}", or_dash(p.screen.date))];
    let yes: Vec<String> = p
        .screen
        .answers
        .iter()
        .filter(|(_, y)| **y)
        .map(|(id, _)| {
            ctx.protocol
                .screen_items()
                .iter()
                .find(|i| &i.id == id)
                .map(|i| i.label.clone())
                .unwrap_or_else(|| format!("{id} (not in the protocol)"))
        })
        .collect();
    items.push(format!(
        "Answered yes: {}",
        if yes.is_empty() {
            "none".into()
        } else {
            yes.join(", ")
        }
    ));
    let reasons = match t.reasons() {
        r if r.is_empty() => String::new(),
        r => format!(": {r}"),
    };
    items.push(format!("Triage: {}{}", t.headline(), reasons));
    if let Some(c) = &p.clearance {
        let note = c
            .note
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        items.push(format!("Clearance: {} on {}{}", c.by, c.date, note));
    } else if t.triage == Triage::ClearanceNeeded {
        items.push("Clearance: not yet recorded; no session may be recorded before it".into());
    }
    d.list(items);
    d.note("Triage is decision support from the clinic protocol's screen items, not a guideline.");
}

fn plan(d: &mut Doc, p: &Patient, ctx: &ReportContext) {
    d.h2("Plan");
    let Some(plan) = &p.plan else {
        d.para("No plan drafted yet.");
        return;
    };
    let dates: Vec<String> = plan
        .session_dates
        .iter()
        .enumerate()
        .map(|(i, dt)| format!("session {}: {}", i + 1, or_dash(*dt)))
        .collect();
    if !dates.is_empty() {
        d.para(format!("Planned dates — {}", dates.join("; ")));
    }
    let n = plan
        .zones
        .iter()
        .map(|z| z.sessions.len())
        .max()
        .unwrap_or(0);
    let mut header: Vec<String> = ["zone", "needle", "depth mm", "area cm²", "target FU/cm²"]
        .map(String::from)
        .to_vec();
    for s in 1..=n {
        header.push(format!("session {s}"));
    }
    let rows = plan
        .zones
        .iter()
        .map(|z| {
            let mark = |f: &str| if z.overridden.contains(f) { "*" } else { "" };
            let mut r = vec![
                ctx.zone(&z.zone),
                format!("{}{}", z.needle, mark("needle")),
                format!(
                    "{}–{}{}",
                    num(z.depth_min_mm),
                    num(z.depth_max_mm),
                    mark("depth")
                ),
                format!("{}{}", num(z.area_cm2), mark("area_cm2")),
                format!("{}{}", num(z.target_density), mark("target_density")),
            ];
            for (i, s) in z.sessions.iter().enumerate() {
                r.push(format!(
                    "{:.0}%{} · {} imp. · shade {}{}",
                    s.fraction * 100.0,
                    mark(&format!("fraction.{}", i + 1)),
                    s.impressions,
                    s.shade,
                    mark(&format!("shade.{}", i + 1)),
                ));
            }
            r.resize(header.len(), String::new());
            r
        })
        .collect();
    let header_refs: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
    d.table(&header_refs, &["area cm²", "target FU/cm²"], rows);
    d.note(
        "Each session cell: cumulative share of the target density, planned impressions \
         (area × density × (fₛ − fₛ₋₁)) and pigment shade. * = set by hand, not by the protocol.",
    );
}

fn sessions(d: &mut Doc, p: &Patient, ctx: &ReportContext) {
    d.h2("Sessions performed");
    if p.sessions.is_empty() {
        d.para("No session recorded yet.");
        return;
    }
    let mut list: Vec<_> = p.sessions.iter().collect();
    list.sort_by_key(|s| s.number);
    for s in list {
        d.h3(format!("Session {} — {}", s.number, s.date));
        let mut facts = Vec::new();
        if let Some(o) = &s.operator {
            facts.push(format!("operator {o}"));
        }
        if let Some(v) = &s.pigment_shade {
            facts.push(format!("shade {v}"));
        }
        if let Some(v) = &s.pigment_lot {
            facts.push(format!("lot {v}"));
        }
        if let Some(v) = s.pigment_expiry {
            facts.push(format!("expiry {v}"));
        }
        if let Some(v) = s.duration_min {
            facts.push(format!("{v} min"));
        }
        if !facts.is_empty() {
            d.para(facts.join(" · "));
        }
        if !s.zones.is_empty() {
            let rows = s
                .zones
                .iter()
                .map(|z| {
                    vec![
                        ctx.zone(&z.zone),
                        or_dash(z.needle.as_ref()),
                        or_dash(z.density_reached.map(num)),
                        or_dash(z.depth_mm.map(num)),
                        or_dash(z.bleeding.map(yes_no)),
                    ]
                })
                .collect();
            d.table(
                &["zone", "needle", "density FU/cm²", "depth mm", "bleeding"],
                &["density FU/cm²", "depth mm"],
                rows,
            );
        }
        if s.zones.iter().any(|z| z.bleeding == Some(true)) {
            d.note(
                "Bleeding observed: the zero-bleeding rule says the needle went too deep there.",
            );
        }
        if let Some(n) = &s.notes {
            d.para(format!("Notes: {n}"));
        }
        if !s.photos.is_empty() {
            d.para(format!("Photographs: {}", s.photos.join(", ")));
        }
    }
}

fn follow_ups(d: &mut Doc, p: &Patient) {
    d.h2("Follow-up scores");
    if p.follow_ups.is_empty() {
        d.para("No follow-up recorded yet.");
        return;
    }
    let last = p.last_session_date();
    let rows = p
        .follow_ups
        .iter()
        .map(|f| {
            let after = match (f.date, last) {
                (Some(fd), Some(l)) => (fd - l).num_days().to_string(),
                _ => "—".into(),
            };
            vec![
                f.timepoint.label(),
                or_dash(f.date),
                after,
                or_dash(f.vds),
                or_dash(f.pss.map(|s| format!("{} ({})", s.value(), s.label()))),
                or_dash(f.assessor.as_ref()),
            ]
        })
        .collect();
    d.table(
        &[
            "timepoint",
            "date",
            "days after last session",
            "VDS 0–10",
            "PSS 0–3",
            "assessor",
        ],
        &["days after last session", "VDS 0–10"],
        rows,
    );
    if let (Some(post), Some(m6)) = (p.vds_at(Timepoint::Post), p.vds_at(Timepoint::M6)) {
        let retention = if post > 0.0 {
            format!("; retention {:.0}% (VDS 6 m / VDS post)", 100.0 * m6 / post)
        } else {
            String::new()
        };
        d.para(format!(
            "Fading ΔVDS = {} (post minus 6 months){retention}.",
            num(post - m6)
        ));
    }
}

fn adverse(d: &mut Doc, p: &Patient) {
    d.h2("Adverse events");
    if p.adverse_events.is_empty() {
        d.para("None recorded.");
        return;
    }
    let rows = p
        .adverse_events
        .iter()
        .map(|a| {
            vec![
                a.kind.label().to_string(),
                or_dash(a.severity.map(|s| s.id())),
                or_dash(a.resolved.map(yes_no)),
                or_dash(a.onset),
                or_dash(a.session),
                a.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    d.table(
        &[
            "type",
            "severity",
            "resolved",
            "onset",
            "after session",
            "description",
        ],
        &[],
        rows,
    );
}

fn timeline(d: &mut Doc, p: &Patient) {
    d.h2("Timeline");
    let mut events: Vec<(NaiveDate, u8, String)> = Vec::new();
    if let Some(x) = p.screen.date {
        events.push((x, 0, "health screen".into()));
    }
    // One line per date and answer: a consent signed at once is one event.
    let mut consent: Vec<(NaiveDate, &str, Vec<&str>)> = Vec::new();
    for (part, what) in [
        (p.consent.treatment, "treatment"),
        (p.consent.photographs, "photographs"),
        (p.consent.data_use, "data use"),
    ] {
        if let (Some(x), true) = (part.date, part.is_recorded()) {
            let status = part.status.label();
            match consent.iter_mut().find(|(d, s, _)| *d == x && *s == status) {
                Some((_, _, parts)) => parts.push(what),
                None => consent.push((x, status, vec![what])),
            }
        }
    }
    for (x, status, parts) in consent {
        let parts = match parts.as_slice() {
            [one] => one.to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            [] => continue,
        };
        events.push((x, 1, format!("consent to {parts} {status}")));
    }
    if let Some(c) = &p.clearance {
        events.push((c.date, 2, "physician clearance".into()));
    }
    if let Some(plan) = &p.plan {
        for (i, x) in plan.session_dates.iter().enumerate() {
            let n = i as u8 + 1;
            if let (Some(x), None) = (x, p.session(n)) {
                events.push((*x, 3, format!("session {n} planned")));
            }
        }
    }
    for s in &p.sessions {
        events.push((s.date, 4, format!("session {} performed", s.number)));
    }
    for f in &p.follow_ups {
        if let Some(x) = f.date {
            events.push((x, 5, format!("follow-up {}", f.timepoint.label())));
        }
    }
    for a in &p.adverse_events {
        if let Some(x) = a.onset {
            events.push((x, 6, format!("adverse event: {}", a.kind.label())));
        }
    }
    if events.is_empty() {
        d.para("No dated events yet.");
        return;
    }
    events.sort();
    let day0 = p.session_date(1);
    let rows = events
        .into_iter()
        .map(|(x, _, what)| {
            let day = day0
                .map(|s| format!("{:+}", (x - s).num_days()))
                .unwrap_or_else(|| "—".into());
            vec![x.to_string(), day, what]
        })
        .collect();
    d.table(&["date", "day", "event"], &["day"], rows);
    d.note("Day counts from session 1 (day +0).");
}
