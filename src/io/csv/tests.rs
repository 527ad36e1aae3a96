use super::*;
use crate::domain::{DEFAULT_ZONE_IDS, Severity};
use chrono::NaiveDate;

fn zones() -> Vec<String> {
    DEFAULT_ZONE_IDS.map(String::from).to_vec()
}

fn plan(text: &str, existing: &[Patient], update: bool) -> Result<Vec<Patient>, Vec<String>> {
    let file =
        read(text.as_bytes()).map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>())?;
    let z = zones();
    let ctx = ValidationContext {
        today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        known_zones: &z,
    };
    plan_import(
        &file,
        |id| existing.iter().find(|p| p.record_id == id),
        update,
        &ctx,
    )
    .map_err(|e| e.iter().map(|e| e.to_string()).collect())
}

fn one_error(text: &str) -> String {
    let e = plan(text, &[], false).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    e[0].clone()
}

#[test]
fn header_problems_name_the_column_and_what_is_allowed() {
    let e = one_error("record_id,subtype,vds_6mo\nA,scarring,1\n");
    assert!(
        e.starts_with("line 1, column vds_6mo: unknown column; allowed columns: record_id"),
        "{e}"
    );
    let e = one_error("record_id,name\nA,x\n");
    assert_eq!(
        e,
        "line 1, column subtype: required column is missing from the header"
    );
    let e = one_error("record_id,subtype,subtype\nA,scarring,scarring\n");
    assert!(e.contains("appears twice"), "{e}");
}

#[test]
fn empty_file_and_header_without_rows() {
    assert!(one_error("").contains("the file is empty"));
    assert!(one_error(" \n\n").contains("the file is empty"));
    assert!(one_error("record_id,subtype\n").contains("no patient rows"));
}

#[test]
fn every_bad_cell_is_reported_with_its_line() {
    let text = "record_id,subtype,sex,fitzpatrick,vds_post,pss_6m,birth_date,zones,session1_date,session2_date\n\
                A,scarring,female,7,10.5,4,2030-01-01,crown,2025-01-10,2025-01-03\n\
                B,other,F,II,9,3,1990-02-30,,,\n";
    let e = plan(text, &[], false).unwrap_err();
    let want = [
        "line 2, column sex: 'female' is not a sex code; allowed: F, M or X",
        "line 2, column fitzpatrick: 7 is not a Fitzpatrick type",
        "line 2, column vds_post: 10.5 is outside 0..10",
        "line 2, column pss_6m: 4 is outside 0..3",
        "line 2, column birth_date: 2030-01-01 is in the future",
        "line 2, column zones: 'crown' is not a zone of the protocol; allowed: hairline",
        "line 2, column session1_date: 2025-01-10 is before the birth date 2030-01-01",
        "line 2, column session2_date: 2025-01-03 is before the birth date",
        "line 2, column session2_date: 2025-01-03 is before session 1",
        "line 3, column subtype: 'other' is not a subtype; allowed: androgenetic or scarring",
        "line 3, column birth_date: 1990-02-30 is not a real date",
    ];
    for w in want {
        assert!(
            e.iter().any(|x| x.starts_with(w)),
            "missing {w:?} in {e:#?}"
        );
    }
    assert_eq!(e.len(), want.len(), "{e:#?}");
}

#[test]
fn quoted_multi_line_cells_keep_their_line_numbers() {
    let text = "record_id,subtype,name\nA,scarring,\"two\nlines\"\nB,alien,x\n";
    let e = plan(text, &[], false).unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("line 4, column subtype"), "{e:?}");
}

#[test]
fn duplicates_and_existing_records() {
    let e = plan("record_id,subtype\nA,scarring\nA,scarring\n", &[], false).unwrap_err();
    assert_eq!(
        e,
        vec!["line 3, column record_id: 'A' is already on line 2; each patient takes one row"]
    );
    let a = Patient::new("A", Subtype::Scarring);
    let e = plan(
        "record_id,subtype\nA,scarring\n",
        std::slice::from_ref(&a),
        false,
    )
    .unwrap_err();
    assert!(
        e[0].contains("already in the registry; import with --update"),
        "{e:?}"
    );
    assert!(plan("record_id,subtype\nA,scarring\n", &[a], true).is_ok());
}

#[test]
fn non_utf8_cells_and_ragged_rows() {
    let bytes = b"record_id,subtype,name\nA,scarring,\xff\xfe\nB,scarring\n";
    let file = read(bytes).unwrap();
    let msgs: Vec<String> = file.problems.iter().map(|e| e.to_string()).collect();
    assert!(
        msgs[0].starts_with("line 2, column name: is not UTF-8 text"),
        "{msgs:?}"
    );
    assert!(
        msgs[1].starts_with("line 3: this row has 2 cells but the header has 3"),
        "{msgs:?}"
    );
    let bad_header = read(b"record_id,sub\xfftype\n").unwrap_err();
    assert!(bad_header[0].to_string().contains("not UTF-8"));
}

#[test]
fn a_byte_order_mark_and_blank_lines_are_accepted() {
    let p = plan("\u{feff}record_id,subtype\n\nA,scarring\n", &[], false).unwrap();
    assert_eq!(p[0].record_id, "A");
}

#[test]
fn adverse_event_text_round_trips() {
    let ev = parse_adverse_events("infection; itching, mild; settled;patchy_fading");
    let kinds: Vec<_> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            AdverseKind::Infection,
            AdverseKind::Other,
            AdverseKind::PatchyFading
        ]
    );
    assert_eq!(ev[1].description.as_deref(), Some("itching, mild; settled"));
    let text = format_adverse_events(&ev);
    assert_eq!(parse_adverse_events(&text), ev);
    assert!(parse_adverse_events("none").is_empty());
    assert!(parse_adverse_events("  ").is_empty());
}

#[test]
fn update_changes_only_the_files_columns_and_keeps_what_csv_cannot_hold() {
    let mut a = Patient::new("A", Subtype::Androgenetic);
    a.name = Some("Old".into());
    a.notes = Some("kept".into());
    a.zones.push(AffectedZone {
        zone: "vertex".into(),
        area_cm2: Some(42.0),
    });
    let mut s = Session::new(1, NaiveDate::from_ymd_opt(2025, 1, 6).unwrap());
    s.pigment_lot = Some("LOT-7".into());
    a.sessions.push(s);
    let mut ev = AdverseEvent::new(AdverseKind::Infection);
    ev.severity = Some(Severity::Mild);
    a.adverse_events.push(ev);
    let text = "record_id,subtype,name,zones,session1_date,adverse_events\nA,androgenetic,New,vertex;hairline,2025-01-07,infection\n";
    let p = plan(text, std::slice::from_ref(&a), true)
        .unwrap()
        .remove(0);
    assert_eq!(p.name.as_deref(), Some("New"));
    assert_eq!(p.notes.as_deref(), Some("kept"));
    assert_eq!(p.zones[0].area_cm2, Some(42.0));
    assert_eq!(p.zones[1].zone, "hairline");
    assert_eq!(p.sessions[0].pigment_lot.as_deref(), Some("LOT-7"));
    assert_eq!(
        p.sessions[0].date,
        NaiveDate::from_ymd_opt(2025, 1, 7).unwrap()
    );
    assert_eq!(p.adverse_events[0].severity, Some(Severity::Mild));
    // The record's own export re-imported with --update changes nothing.
    let mut out = Vec::new();
    write(&mut out, [&p]).unwrap();
    let again = plan(
        std::str::from_utf8(&out).unwrap(),
        std::slice::from_ref(&p),
        true,
    )
    .unwrap();
    assert_eq!(again[0], p);
    // An empty cell clears the value.
    let p2 = plan(
        "record_id,subtype,name,session1_date\nA,androgenetic,,\n",
        &[p],
        true,
    )
    .unwrap();
    assert_eq!(p2[0].name, None);
    assert!(p2[0].sessions.is_empty());
}

#[test]
fn rows_round_trip_through_text() {
    let text = "record_id,name,sex,birth_date,fitzpatrick,subtype,classification,zones,session1_date,session2_date,session3_date,post_date,vds_post,vds_6m,pss_post,pss_6m,m6_date,adverse_events,touch_up_dates,m12_date,vds_12m,pss_12m,m24_date,vds_24m,pss_24m,data_use_consent\n\
C-1,\"张伟, \"\"Wei\"\"\",M,1980-01-02,4,androgenetic,Norwood III-vertex,hairline;vertex,2025-01-06,2025-01-13,2025-01-20,2025-01-20,9.5,8,3,2,2025-07-21,,2025-09-01;2025-11-10,2025-12-20,7.5,2,,,,yes\n\
C-2,Ann,F,,,scarring,lichen planopilaris,scar,2025-02-03,,,,,,,,,infection;blue tinge,,,,,,,,no\n\
C-3,,,,,scarring,,,,,,,,,,,,,,,,,,,,\n";
    let ps = plan(text, &[], false).unwrap();
    let mut out = Vec::new();
    write(&mut out, &ps).unwrap();
    assert_eq!(std::str::from_utf8(&out).unwrap(), text);
}

/// A de-identified export carries `age_at_session1` instead of `birth_date`; importing it
/// into a new registry works (the age is checked, not stored: a registry keeps birth dates).
#[test]
fn age_at_session1_is_accepted_as_a_checked_read_only_column() {
    let ps = plan(
        "record_id,subtype,age_at_session1,session1_date\nA,scarring,44,2025-03-01\nB,scarring,,\n",
        &[],
        false,
    )
    .unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].birth_date, None);
    // Consistent with the birth date: accepted.
    let ok = "record_id,subtype,birth_date,age_at_session1,session1_date\n\
              A,scarring,1980-06-01,44,2025-03-01\n\
              B,scarring,1920-01-01,90,2025-03-01\n";
    assert_eq!(plan(ok, &[], false).unwrap().len(), 2);
}

#[test]
fn age_at_session1_must_be_a_whole_number_that_agrees_with_birth_date() {
    let e = one_error(
        "record_id,subtype,birth_date,age_at_session1,session1_date\nA,scarring,1980-06-01,45,2025-03-01\n",
    );
    assert_eq!(
        e,
        "line 2, column age_at_session1: 45 does not agree with birth_date 1980-06-01 and \
         session1_date 2025-03-01 (age 44); correct one of them or leave age_at_session1 empty"
    );
    for bad in ["44.5", "-1", "91", "old"] {
        let e = one_error(&format!(
            "record_id,subtype,age_at_session1\nA,scarring,{bad}\n"
        ));
        assert_eq!(
            e,
            format!(
                "line 2, column age_at_session1: '{bad}' is not an age; allowed: a whole \
                 number of years 0 to 90 (90 = 90 or older)"
            )
        );
    }
}

/// A de-identified file carries pseudonyms and shifted dates: `--update` refuses the whole
/// file by its shape, whether or not its ids are in the registry (a pseudonym never is, so an
/// update would add every patient a second time).
#[test]
fn a_deidentified_file_never_updates() {
    let existing = [Patient::new("A", Subtype::Scarring)];
    for ids in [("A", "B"), ("S0123456789abcdef", "Sfedcba9876543210")] {
        let text = format!(
            "record_id,subtype,age_at_session1\n{},scarring,40\n{},scarring,41\n",
            ids.0, ids.1
        );
        let e = plan(&text, &existing, true).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(
                "this file has age_at_session1 and no birth_date, so it is a de-identified export"
            ),
            "{e:?}"
        );
        // Without --update, into a registry that lacks the ids, it imports.
        if ids.0 != "A" {
            assert_eq!(plan(&text, &existing, false).unwrap().len(), 2);
        }
    }
}

/// Excel in much of Europe saves "CSV" with semicolons: say so in one sentence instead of
/// one unknown column and two missing ones.
#[test]
fn a_semicolon_or_tab_separated_file_is_named_as_such() {
    for (sep, name) in [(";", "semicolons"), ("\t", "tabs")] {
        let e = one_error(&format!("record_id{sep}subtype\nA{sep}scarring\n"));
        assert_eq!(
            e,
            format!(
                "line 1: the columns are separated by {name}, not commas; save the file as \
                 comma-separated CSV (in Excel: \"CSV UTF-8 (Comma delimited)\")"
            )
        );
    }
}

#[test]
fn a_column_name_in_the_wrong_case_is_pointed_at() {
    let e = plan("Record_ID,subtype\nA,scarring\n", &[], false).unwrap_err();
    assert_eq!(
        e[0],
        "line 1, column Record_ID: unknown column; column names are lower case: record_id"
    );
}

#[test]
fn data_use_consent_column_is_three_valued() {
    use crate::domain::{ConsentPart, ConsentStatus};
    let ps = plan(
        "record_id,subtype,data_use_consent\nA,androgenetic,yes\nB,scarring,no\nC,scarring,\n",
        &[],
        false,
    )
    .unwrap();
    let status: Vec<_> = ps.iter().map(|p| p.consent.data_use.status).collect();
    assert_eq!(
        status,
        [
            ConsentStatus::Given,
            ConsentStatus::Refused,
            ConsentStatus::NotRecorded
        ]
    );
    let e = one_error("record_id,subtype,data_use_consent\nA,androgenetic,maybe\n");
    assert_eq!(
        e,
        "line 2, column data_use_consent: 'maybe' is not a consent answer; allowed: yes, no or empty (not recorded)"
    );
    // --update: an unchanged answer keeps the registry's date; a changed one has none (the
    // CSV carries no date); a file without the column leaves the consent as it is.
    let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let mut a = Patient::new("A", Subtype::Androgenetic);
    a.consent.data_use = ConsentPart::given(day);
    let same = plan(
        "record_id,subtype,data_use_consent\nA,androgenetic,yes\n",
        &[a.clone()],
        true,
    )
    .unwrap();
    assert_eq!(same[0].consent.data_use, ConsentPart::given(day));
    let withdrawn = plan(
        "record_id,subtype,data_use_consent\nA,androgenetic,no\n",
        &[a.clone()],
        true,
    )
    .unwrap();
    assert_eq!(
        withdrawn[0].consent.data_use,
        ConsentPart {
            status: ConsentStatus::Refused,
            date: None
        }
    );
    let absent = plan("record_id,subtype\nA,androgenetic\n", &[a.clone()], true).unwrap();
    assert_eq!(absent[0].consent.data_use, ConsentPart::given(day));
}
