//! The patient CSV of the contract (import and `export --format csv`): header row, free
//! column order, unknown columns refused, one row per patient, empty cell = not recorded.
//!
//! Reading goes through the `csv` crate into [`CsvRow`] (serde), every cell as text, so that
//! each cell is then parsed by the domain's own parsers and a bad one is reported as
//! `line N, column C: what is wrong and what is allowed`.
//!
//! The CSV holds a subset of a patient record. Importing with `--update` therefore changes
//! only the columns the file has, and keeps whatever the CSV cannot express (session details,
//! zone areas, plan, health screen, adverse-event severity...): exporting and re-importing
//! with `--update` changes nothing.

use crate::domain::text::printable;
use crate::domain::validate::{check_record_id, parse_date};
use crate::domain::{
    AdverseEvent, AdverseKind, AffectedZone, Classification, ConsentPart, ConsentStatus,
    Fitzpatrick, FollowUp, Patient, Pss, Session, Sex, Subtype, Timepoint, ValidationContext, Vds,
};
use crate::export::deidentify::{AGE_CAP, AGE_COLUMN, age_at_session1};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::str::FromStr;

/// The columns, in the order `export` writes them.
pub const COLUMNS: [&str; 26] = [
    "record_id",
    "name",
    "sex",
    "birth_date",
    "fitzpatrick",
    "subtype",
    "classification",
    "zones",
    "session1_date",
    "session2_date",
    "session3_date",
    "post_date",
    "vds_post",
    "vds_6m",
    "pss_post",
    "pss_6m",
    "m6_date",
    "adverse_events",
    "touch_up_dates",
    "m12_date",
    "vds_12m",
    "pss_12m",
    "m24_date",
    "vds_24m",
    "pss_24m",
    "data_use_consent",
];

/// Columns every file must have.
pub const REQUIRED: [&str; 2] = ["record_id", "subtype"];

/// A column import accepts besides [`COLUMNS`] but never stores: the age at session 1 that
/// de-identified exports write instead of `birth_date`. A registry keeps birth dates, not
/// ages, so the age is only checked (a whole number 0 to 90, and equal to the age computed
/// from `birth_date` and `session1_date` when the row has both); a de-identified file can
/// thus be imported into a new registry, and a wrong age in a hand-made file is not silently
/// dropped.
pub const READ_ONLY_AGE: &str = AGE_COLUMN;

/// One row as text; `None` is an empty cell or an absent column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRow {
    pub record_id: Option<String>,
    pub name: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub fitzpatrick: Option<String>,
    pub subtype: Option<String>,
    pub classification: Option<String>,
    pub zones: Option<String>,
    pub session1_date: Option<String>,
    pub session2_date: Option<String>,
    pub session3_date: Option<String>,
    pub post_date: Option<String>,
    pub vds_post: Option<String>,
    pub vds_6m: Option<String>,
    pub pss_post: Option<String>,
    pub pss_6m: Option<String>,
    pub m6_date: Option<String>,
    pub adverse_events: Option<String>,
    pub touch_up_dates: Option<String>,
    pub m12_date: Option<String>,
    pub vds_12m: Option<String>,
    pub pss_12m: Option<String>,
    pub m24_date: Option<String>,
    pub vds_24m: Option<String>,
    pub pss_24m: Option<String>,
    /// `yes`, `no` or empty (not recorded); `no` keeps the patient out of research outputs.
    pub data_use_consent: Option<String>,
    /// [`READ_ONLY_AGE`]: read and checked, never written by `export --format csv`.
    #[serde(default, skip_serializing)]
    pub age_at_session1: Option<String>,
}

/// One problem in the file. `line` 0 means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub line: u64,
    /// The column at fault; `None` for a whole row (or a record field no column holds,
    /// named in the message).
    pub column: Option<String>,
    pub message: String,
}

impl CellError {
    fn new(line: u64, column: &str, message: impl Into<String>) -> Self {
        CellError {
            line,
            column: Some(column.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One problem, one line: what came from the file is shown escaped.
        let message = printable(&self.message, false);
        match (self.line, &self.column) {
            (0, _) => f.write_str(&message),
            (l, Some(c)) => write!(f, "line {l}, column {}: {message}", printable(c, false)),
            (l, None) => write!(f, "line {l}: {message}"),
        }
    }
}

/// A parsed file: its columns, its rows with their line numbers, and the rows' problems of
/// shape or encoding (kept so that they are reported with every other bad cell).
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub columns: Vec<String>,
    pub rows: Vec<(u64, CsvRow)>,
    pub problems: Vec<CellError>,
}

impl CsvFile {
    pub fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }
}

/// Reads a whole file. An empty file or a bad header is refused at once; problems of the rows
/// (encoding, number of cells) are kept in [`CsvFile::problems`].
pub fn read(bytes: &[u8]) -> Result<CsvFile, Vec<CellError>> {
    let mut shape = Shape::default();
    shape.take(bytes);
    let mut reader = Reader::open(shape, bytes)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for mut r in reader.by_ref() {
        problems.append(&mut r.problems);
        if let Some(row) = r.row {
            rows.push((r.line, row));
        }
    }
    Ok(CsvFile {
        columns: reader.columns,
        rows,
        problems,
    })
}

/// What reading a file needs to know of it as a whole before its first row: whether it is
/// blank, and whether its lines end with CR alone (classic Mac). Taken a piece at a time, so
/// that a file of any size is scanned without being held ([`Shape::scan`]).
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    has_cr: bool,
    has_lf: bool,
    blank: bool,
    /// Bytes seen so far (to skip a byte-order mark at the start).
    seen: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            has_cr: false,
            has_lf: false,
            blank: true,
            seen: 0,
        }
    }
}

impl Shape {
    /// Takes the next piece of the file.
    pub fn take(&mut self, piece: &[u8]) {
        let mut body = piece;
        if self.seen == 0 {
            body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        }
        self.seen += piece.len() as u64;
        self.has_cr |= body.contains(&b'\r');
        self.has_lf |= body.contains(&b'\n');
        self.blank &= body.iter().all(u8::is_ascii_whitespace);
    }

    /// Scans a whole file, a block at a time.
    pub fn scan(mut source: impl std::io::Read) -> std::io::Result<Shape> {
        let mut shape = Shape::default();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => return Ok(shape),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            shape.take(&buf[..n]);
        }
    }

    /// Classic Mac line ends (CR alone): the csv crate splits the rows but counts lines by LF,
    /// so every problem would be reported at line 1. Such a file is read with LF line ends.
    fn cr_only(&self) -> bool {
        self.has_cr && !self.has_lf
    }
}

/// The bytes of a file as the CSV parser reads them: without a byte-order mark, and with CR
/// line ends made LF in a file of CR-only lines (see [`Shape`]).
struct Prepared<R> {
    inner: R,
    cr_only: bool,
    started: bool,
    /// The first bytes, read to look for a byte-order mark, still to be passed on.
    head: Vec<u8>,
}

impl<R: std::io::Read> std::io::Read for Prepared<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.started {
            self.started = true;
            let mut head = [0u8; 3];
            let mut got = 0;
            while got < 3 {
                let n = self.inner.read(&mut head[got..])?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            if &head[..got] != b"\xEF\xBB\xBF" {
                self.head = head[..got].to_vec();
            }
        }
        let n = if self.head.is_empty() {
            self.inner.read(buf)?
        } else {
            let n = self.head.len().min(buf.len());
            buf[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            n
        };
        self.fix(&mut buf[..n]);
        Ok(n)
    }
}

/// `source` without a byte-order mark at its start (the JSON import's reader).
pub fn without_bom<R: std::io::Read>(source: R) -> impl std::io::Read {
    Prepared {
        inner: source,
        cr_only: false,
        started: false,
        head: Vec::new(),
    }
}

impl<R> Prepared<R> {
    fn fix(&self, bytes: &mut [u8]) {
        if self.cr_only {
            for b in bytes.iter_mut().filter(|b| **b == b'\r') {
                *b = b'\n';
            }
        }
    }
}

/// A CSV file read a row at a time: its header checked at [`Reader::open`], then each row
/// (with its line number) or the problems of that row, in file order. A file of any size is
/// read this way without being held (`smplan import` reads it twice: to check it against
/// the registry, then under the lock to write it).
pub struct Reader<R: std::io::Read> {
    pub columns: Vec<String>,
    rdr: ::csv::Reader<Prepared<R>>,
    headers: ::csv::StringRecord,
    record: ::csv::ByteRecord,
}

impl<R: std::io::Read> Reader<R> {
    /// Reads and checks the header. `shape` is the whole file's (see [`Shape`]).
    pub fn open(shape: Shape, source: R) -> Result<Reader<R>, Vec<CellError>> {
        if shape.blank {
            return Err(vec![CellError {
                line: 0,
                column: None,
                message: format!(
                    "the file is empty; the first line must name the columns (at least {})",
                    REQUIRED.join(" and ")
                ),
            }]);
        }
        let prepared = Prepared {
            inner: source,
            cr_only: shape.cr_only(),
            started: false,
            head: Vec::new(),
        };
        let mut rdr = ::csv::ReaderBuilder::new().from_reader(prepared);
        let mut errors = Vec::new();
        let header_bytes = rdr.byte_headers().map_err(|e| vec![csv_error(&e)])?.clone();
        let headers = ::csv::StringRecord::from_byte_record(header_bytes).map_err(|e| {
            vec![CellError {
                line: 1,
                column: None,
                message: format!(
                    "the header's column {} is not UTF-8 text; save the file as UTF-8 (in Excel: \"CSV UTF-8\")",
                    e.utf8_error().field() + 1
                ),
            }]
        })?;
        let columns: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
        if let [only] = columns.as_slice() {
            let sep = [(';', "semicolons"), ('\t', "tabs")]
                .into_iter()
                .find(|(c, _)| only.split(*c).any(|part| REQUIRED.contains(&part.trim())));
            if let Some((_, name)) = sep {
                return Err(vec![CellError {
                    line: 1,
                    column: None,
                    message: format!(
                        "the columns are separated by {name}, not commas; save the file as \
                         comma-separated CSV (in Excel: \"CSV UTF-8 (Comma delimited)\")"
                    ),
                }]);
            }
        }
        for (i, c) in columns.iter().enumerate() {
            let lower = c.to_lowercase();
            let known = |name: &str| COLUMNS.contains(&name) || name == READ_ONLY_AGE;
            if !known(c) && known(&lower) {
                errors.push(CellError::new(
                    1,
                    c,
                    format!("unknown column; column names are lower case: {lower}"),
                ));
            } else if !known(c) {
                errors.push(CellError::new(
                    1,
                    c,
                    format!(
                        "unknown column; allowed columns: {} (and {READ_ONLY_AGE}, checked but not stored)",
                        COLUMNS.join(", ")
                    ),
                ));
            } else if columns[..i].contains(c) {
                errors.push(CellError::new(1, c, "this column appears twice"));
            }
        }
        for r in REQUIRED {
            if !columns.iter().any(|c| c == r) {
                errors.push(CellError::new(
                    1,
                    r,
                    "required column is missing from the header",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Reader {
            headers: ::csv::StringRecord::from(columns.clone()),
            columns,
            rdr,
            record: ::csv::ByteRecord::new(),
        })
    }

    pub fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }
}

/// One row as [`Reader`] reads it: its line, the row (unless it cannot be read at all) and
/// the problems of its shape or encoding (a row with a cell that is not UTF-8 is still
/// planned, so that its other cells are checked too).
#[derive(Debug)]
pub struct ReadRow {
    pub line: u64,
    pub row: Option<CsvRow>,
    pub problems: Vec<CellError>,
}

impl<R: std::io::Read> Iterator for Reader<R> {
    type Item = ReadRow;

    fn next(&mut self) -> Option<ReadRow> {
        let rec = &mut self.record;
        match self.rdr.read_byte_record(rec) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => {
                // A row that cannot be read (unequal length...) is reported; reading goes on
                // with the next one, as the csv crate's record iterator does.
                let problem = csv_error(&e);
                return Some(ReadRow {
                    line: problem.line,
                    row: None,
                    problems: vec![problem],
                });
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let mut problems = Vec::new();
        // Decode cell by cell, so one bad cell is named and the others still checked.
        let mut cells = Vec::with_capacity(rec.len());
        for (i, raw) in rec.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(t) => cells.push(t.to_string()),
                Err(_) => {
                    let col = self.columns.get(i).map(String::as_str).unwrap_or("?");
                    problems.push(CellError::new(
                        line,
                        col,
                        "is not UTF-8 text; save the file as UTF-8 (in Excel: \"CSV UTF-8\")",
                    ));
                    cells.push(String::from_utf8_lossy(raw).into_owned());
                }
            }
        }
        let row = match ::csv::StringRecord::from(cells).deserialize::<CsvRow>(Some(&self.headers))
        {
            Ok(row) => Some(row),
            Err(e) => {
                problems.push(CellError {
                    line,
                    column: None,
                    message: format!("cannot be read ({e})"),
                });
                None
            }
        };
        Some(ReadRow {
            line,
            row,
            problems,
        })
    }
}

fn csv_error(e: &::csv::Error) -> CellError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "this row has {len} cells but the header has {expected_len}; check for a missing or extra comma, or quote cells that contain commas"
        ),
        _ => format!("cannot be read as CSV ({e})"),
    };
    CellError {
        line: line.max(1),
        column: None,
        message,
    }
}

/// The cells of one row being turned into a patient, and the problems found so far.
struct Cells<'a> {
    columns: &'a [String],
    line: u64,
    errors: Vec<CellError>,
}

impl Cells<'_> {
    /// `None`: the file has no such column (leave the value alone); `Some(None)`: the cell
    /// is empty (not recorded); `Some(Some(text))`.
    fn get<'v>(&self, column: &str, value: &'v Option<String>) -> Option<Option<&'v str>> {
        if !self.columns.iter().any(|c| c == column) {
            return None;
        }
        Some(value.as_deref().filter(|v| !v.trim().is_empty()))
    }

    /// Parses a present cell, recording the parser's message on failure.
    fn parse<T>(
        &mut self,
        column: &str,
        text: Option<&str>,
        f: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match f(text?) {
            Ok(v) => Some(v),
            Err(m) => {
                self.errors.push(CellError::new(self.line, column, m));
                None
            }
        }
    }

    /// A column of the file applied to `target`: absent column keeps it, empty cell clears it.
    fn set<T>(
        &mut self,
        target: &mut Option<T>,
        column: &str,
        value: &Option<String>,
        f: impl Fn(&str) -> Result<T, String>,
    ) {
        if let Some(text) = self.get(column, value) {
            *target = self.parse(column, text, f);
        }
    }
}

/// Builds the patient of one row, on top of `base` (the registry's version, when updating).
/// Columns the file does not have leave `base` as it is; an empty cell clears the value.
/// Returns the patient (bad cells left unset) and the bad cells.
pub fn apply_row(
    file: &CsvFile,
    line: u64,
    row: &CsvRow,
    base: Option<&Patient>,
) -> (Patient, Vec<CellError>) {
    apply_row_of(&file.columns, line, row, base)
}

/// [`apply_row`] for a file with these columns.
pub fn apply_row_of(
    columns: &[String],
    line: u64,
    row: &CsvRow,
    base: Option<&Patient>,
) -> (Patient, Vec<CellError>) {
    let mut c = Cells {
        columns,
        line,
        errors: Vec::new(),
    };
    let record_id = row.record_id.clone().unwrap_or_default();
    if let Err(m) = check_record_id(&record_id) {
        c.errors.push(CellError::new(line, "record_id", m));
    }
    let subtype = match c.get("subtype", &row.subtype).flatten() {
        Some(t) => c.parse("subtype", Some(t), Subtype::from_str),
        None => {
            c.errors.push(CellError::new(
                line,
                "subtype",
                "is empty; required: androgenetic or scarring",
            ));
            None
        }
    };
    let mut p = match base {
        Some(b) => b.clone(),
        None => Patient::new(record_id, subtype.unwrap_or(Subtype::Androgenetic)),
    };
    if let Some(s) = subtype {
        p.alopecia.subtype = s;
    }
    c.set(&mut p.name, "name", &row.name, |t| Ok(t.to_string()));
    c.set(&mut p.sex, "sex", &row.sex, Sex::from_str);
    c.set(&mut p.birth_date, "birth_date", &row.birth_date, parse_date);
    c.set(
        &mut p.fitzpatrick,
        "fitzpatrick",
        &row.fitzpatrick,
        Fitzpatrick::from_str,
    );
    c.set(
        &mut p.alopecia.classification,
        "classification",
        &row.classification,
        |t| Ok(Classification::parse(t)),
    );
    if let Some(text) = c.get("zones", &row.zones) {
        let old = std::mem::take(&mut p.zones);
        for z in text.unwrap_or("").split(';').map(str::trim) {
            if z.is_empty() {
                continue;
            }
            let area_cm2 = old.iter().find(|o| o.zone == z).and_then(|o| o.area_cm2);
            p.zones.push(AffectedZone {
                zone: z.to_string(),
                area_cm2,
            });
        }
    }
    let session_cells = [&row.session1_date, &row.session2_date, &row.session3_date];
    for (i, value) in session_cells.into_iter().enumerate() {
        let number = i as u8 + 1;
        let column = format!("session{number}_date");
        let Some(text) = c.get(&column, value) else {
            continue;
        };
        match text {
            Some(t) => {
                if let Some(date) = c.parse(&column, Some(t), parse_date) {
                    match p.sessions.iter_mut().find(|s| s.number == number) {
                        Some(s) => s.date = date,
                        None => p.sessions.push(Session::new(number, date)),
                    }
                }
            }
            None => p.sessions.retain(|s| s.number != number),
        }
    }
    p.sessions.sort_by_key(|s| s.number);
    let follow_ups = [
        (
            Timepoint::Post,
            ["post_date", "vds_post", "pss_post"],
            [&row.post_date, &row.vds_post, &row.pss_post],
        ),
        (
            Timepoint::M6,
            ["m6_date", "vds_6m", "pss_6m"],
            [&row.m6_date, &row.vds_6m, &row.pss_6m],
        ),
        (
            Timepoint::Months(12),
            ["m12_date", "vds_12m", "pss_12m"],
            [&row.m12_date, &row.vds_12m, &row.pss_12m],
        ),
        (
            Timepoint::Months(24),
            ["m24_date", "vds_24m", "pss_24m"],
            [&row.m24_date, &row.vds_24m, &row.pss_24m],
        ),
    ];
    for (tp, [dc, vc, pc], [date, vds, pss]) in follow_ups {
        let mut f = p
            .follow_up(tp)
            .cloned()
            .unwrap_or_else(|| FollowUp::new(tp));
        c.set(&mut f.date, dc, date, parse_date);
        c.set(&mut f.vds, vc, vds, Vds::from_str);
        c.set(&mut f.pss, pc, pss, Pss::from_str);
        p.follow_ups.retain(|x| x.timepoint != tp);
        if f != FollowUp::new(tp) {
            p.follow_ups.push(f);
        }
    }
    p.follow_ups.sort_by_key(|f| f.timepoint);
    if let Some(text) = c.get("adverse_events", &row.adverse_events) {
        p.adverse_events =
            merge_events(parse_adverse_events(text.unwrap_or("")), &p.adverse_events);
    }
    if let Some(text) = c.get("touch_up_dates", &row.touch_up_dates) {
        touch_up_dates(&mut c, text.unwrap_or(""), &mut p);
    }
    if let Some(text) = c.get("data_use_consent", &row.data_use_consent)
        && let Some(status) = c.parse(
            "data_use_consent",
            Some(text.unwrap_or("")),
            ConsentStatus::from_csv_cell,
        )
        && status != p.consent.data_use.status
    {
        // The CSV has no consent date: a changed answer keeps none (an unchanged one keeps
        // the date the registry has).
        p.consent.data_use = ConsentPart { status, date: None };
    }
    if let Some(Some(text)) = c.get(READ_ONLY_AGE, &row.age_at_session1) {
        check_age(&mut c, text, &p);
    }
    (p, c.errors)
}

/// The `touch_up_dates` cell: `;`-separated dates. A touch-up already in the record on one
/// of these dates keeps its detail (reason, zones, lot); one on a date the cell no longer
/// lists is removed, as an empty cell clears any other value.
fn touch_up_dates(c: &mut Cells<'_>, text: &str, p: &mut Patient) {
    let mut dates = Vec::new();
    for part in text.split(';').map(str::trim).filter(|t| !t.is_empty()) {
        match parse_date(part) {
            Ok(d) if dates.contains(&d) => c.errors.push(CellError::new(
                c.line,
                "touch_up_dates",
                format!("{d} is listed twice; list each touch-up date once"),
            )),
            Ok(d) => dates.push(d),
            Err(m) => c.errors.push(CellError::new(
                c.line,
                "touch_up_dates",
                format!("{m} (touch-up dates are YYYY-MM-DD separated by ;)"),
            )),
        }
    }
    let old = std::mem::take(&mut p.touch_ups);
    for d in dates {
        let t = old
            .iter()
            .find(|t| t.date() == d)
            .cloned()
            .unwrap_or_else(|| crate::domain::TouchUp::new(0, d));
        p.touch_ups.push(t);
    }
    p.renumber_touch_ups();
}

/// The [`READ_ONLY_AGE`] cell: a whole number of years 0 to [`AGE_CAP`], equal to the age the
/// row's birth date and session 1 give when it has both.
fn check_age(c: &mut Cells<'_>, text: &str, p: &Patient) {
    let t = text.trim();
    let Some(age) = t.parse::<u32>().ok().filter(|a| *a <= AGE_CAP) else {
        c.errors.push(CellError::new(
            c.line,
            READ_ONLY_AGE,
            format!(
                "'{t}' is not an age; allowed: a whole number of years 0 to {AGE_CAP} \
                 ({AGE_CAP} = {AGE_CAP} or older)"
            ),
        ));
        return;
    };
    if let (Some(expected), Some(born), Some(s1)) =
        (age_at_session1(p), p.birth_date, p.session_date(1))
        && expected != age
    {
        c.errors.push(CellError::new(
            c.line,
            READ_ONLY_AGE,
            format!(
                "{age} does not agree with birth_date {born} and session1_date {s1} \
                 (age {expected}); correct one of them or leave {READ_ONLY_AGE} empty"
            ),
        ));
    }
}

/// Why a de-identified file never updates a registry, after `shape` (what gave it away).
pub fn deidentified_update_refusal(shape: &str) -> String {
    format!(
        "{shape}, so it is a de-identified export: its record ids are pseudonyms and its dates \
         are shifted, and --update would add its patients a second time under the pseudonyms \
         or overwrite true dates with shifted ones; nothing was changed. Import it without \
         --update into a new data directory instead"
    )
}

/// A de-identified export: it has the age column instead of `birth_date` (its dates are
/// shifted and its names removed).
pub fn is_deidentified(file: &CsvFile) -> bool {
    file.has(READ_ONLY_AGE) && !file.has("birth_date")
}

/// The `adverse_events` cell: `;`-separated adverse-event ids (`infection; patchy_fading`);
/// text that is not an id is kept as an `other` event with the text as its description
/// (neighbouring pieces of such text stay together), so nothing a clinic typed is lost and
/// export then import gives it back. `none` means no events.
pub fn parse_adverse_events(cell: &str) -> Vec<AdverseEvent> {
    let t = cell.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    let mut out: Vec<AdverseEvent> = Vec::new();
    let mut text: Vec<&str> = Vec::new();
    let flush = |text: &mut Vec<&str>, out: &mut Vec<AdverseEvent>| {
        let joined = text.join(";");
        let joined = joined.trim();
        if !joined.is_empty() {
            let mut e = AdverseEvent::new(AdverseKind::Other);
            e.description = Some(joined.to_string());
            out.push(e);
        }
        text.clear();
    };
    for piece in t.split(';') {
        match piece.parse::<AdverseKind>() {
            Ok(kind) if !piece.trim().is_empty() => {
                flush(&mut text, &mut out);
                out.push(AdverseEvent::new(kind));
            }
            _ => text.push(piece),
        }
    }
    flush(&mut text, &mut out);
    out
}

/// Keeps the details (severity, resolved, onset...) of events the registry already has when
/// the CSV names the same event again.
fn merge_events(parsed: Vec<AdverseEvent>, existing: &[AdverseEvent]) -> Vec<AdverseEvent> {
    let mut used = vec![false; existing.len()];
    parsed
        .into_iter()
        .map(|e| {
            let found = existing.iter().enumerate().position(|(i, x)| {
                !used[i]
                    && x.kind == e.kind
                    && (e.kind != AdverseKind::Other || x.description == e.description)
            });
            match found {
                Some(i) => {
                    used[i] = true;
                    existing[i].clone()
                }
                None => e,
            }
        })
        .collect()
}

/// The `adverse_events` cell of a record (see [`parse_adverse_events`]).
pub fn format_adverse_events(events: &[AdverseEvent]) -> String {
    let parts: Vec<String> = events
        .iter()
        .map(|e| match (&e.kind, &e.description) {
            (AdverseKind::Other, Some(d)) if !d.trim().is_empty() => d.clone(),
            (k, _) => k.id().to_string(),
        })
        .collect();
    parts.join(";")
}

/// Turns every row into a patient, checked against the file and the registry: duplicate
/// ids, ids already present without `update`, each cell, and the whole-record rules. Either
/// every row is good, or every problem is returned.
pub fn plan_import<'a>(
    file: &CsvFile,
    existing: impl Fn(&str) -> Option<&'a Patient>,
    update: bool,
    ctx: &ValidationContext,
) -> Result<Vec<Patient>, Vec<CellError>> {
    let mut planner = Planner::new(&file.columns, update)?;
    let mut errors = file.problems.clone();
    let mut patients = Vec::new();
    for (line, row) in &file.rows {
        match planner.row(*line, row, |id| existing(id).cloned(), ctx) {
            Ok(p) => patients.push(p),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if let Err(e) = planner.finish(errors.is_empty()) {
        return Err(vec![e]);
    }
    if errors.is_empty() {
        Ok(patients)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The rules of [`plan_import`] a row at a time, for a file read a row at a time
/// ([`Reader`]): what it keeps across rows is each record id and its line.
pub struct Planner<'c> {
    columns: &'c [String],
    update: bool,
    seen: HashMap<Box<str>, u64>,
    rows: u64,
}

impl<'c> Planner<'c> {
    /// Refuses at once what no row can fix: `--update` with a de-identified file.
    pub fn new(columns: &'c [String], update: bool) -> Result<Planner<'c>, Vec<CellError>> {
        let has = |c: &str| columns.iter().any(|x| x == c);
        if update && has(READ_ONLY_AGE) && !has("birth_date") {
            return Err(vec![CellError {
                line: 0,
                column: None,
                message: deidentified_update_refusal(&format!(
                    "this file has {READ_ONLY_AGE} and no birth_date"
                )),
            }]);
        }
        Ok(Planner {
            columns,
            update,
            seen: HashMap::new(),
            rows: 0,
        })
    }

    /// The patient of one row, on top of the registry's record (`existing`, asked only for
    /// an id the file has not used yet), or the row's problems.
    pub fn row(
        &mut self,
        line: u64,
        row: &CsvRow,
        existing: impl FnOnce(&str) -> Option<Patient>,
        ctx: &ValidationContext,
    ) -> Result<Patient, Vec<CellError>> {
        self.rows += 1;
        let id = row.record_id.clone().unwrap_or_default();
        let mut base = None;
        if !id.is_empty() {
            if let Some(first) = self.seen.get(id.as_str()) {
                return Err(vec![CellError::new(
                    line,
                    "record_id",
                    format!("'{id}' is already on line {first}; each patient takes one row"),
                )]);
            }
            self.seen.insert(id.as_str().into(), line);
            base = existing(&id);
            if base.is_some() && !self.update {
                return Err(vec![CellError::new(
                    line,
                    "record_id",
                    format!("'{id}' is already in the registry; import with --update to change it"),
                )]);
            }
        }
        let (p, bad_cells) = apply_row_of(self.columns, line, row, base.as_ref());
        // Whole-record rules too, except where a bad cell already explains the problem (a
        // date that did not parse makes the order of the dates meaningless).
        let bad: Vec<&str> = bad_cells
            .iter()
            .filter_map(|e| e.column.as_deref())
            .collect();
        let date_failed = bad.iter().any(|c| c.ends_with("_date"));
        let mut errors = bad_cells.clone();
        for inv in p.validate(ctx) {
            let f = inv.field.as_str();
            if f == "record_id" || bad.contains(&f) || (date_failed && f.ends_with("_date")) {
                continue;
            }
            let column = COLUMNS.contains(&f);
            errors.push(CellError {
                line,
                column: column.then(|| inv.field.clone()),
                message: if column {
                    inv.message
                } else {
                    format!("{}: {}", inv.field, inv.message)
                },
            });
        }
        match errors.is_empty() {
            true => Ok(p),
            false => Err(errors),
        }
    }

    /// Room for `rows` more record ids (when the number of rows is known).
    pub fn reserve(&mut self, rows: usize) {
        self.seen.reserve(rows);
    }

    /// Rows planned so far.
    pub fn rows(&self) -> usize {
        usize::try_from(self.rows).unwrap_or(usize::MAX)
    }

    /// After the last row: a file with a header and no rows is refused (when nothing else
    /// was wrong with it).
    pub fn finish(&self, no_other_problem: bool) -> Result<(), CellError> {
        if self.rows == 0 && no_other_problem {
            return Err(CellError {
                line: 0,
                column: None,
                message: "the file has a header but no patient rows".to_string(),
            });
        }
        Ok(())
    }
}

/// The row of a patient (what the CSV can hold of it).
pub fn to_row(p: &Patient) -> CsvRow {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let fu = |tp: Timepoint| p.follow_up(tp);
    let zones: Vec<&str> = p.zones.iter().map(|z| z.zone.as_str()).collect();
    let events = format_adverse_events(&p.adverse_events);
    CsvRow {
        record_id: Some(p.record_id.clone()),
        name: p.name.clone(),
        sex: p.sex.map(|s| s.code().to_string()),
        birth_date: date(p.birth_date),
        fitzpatrick: p.fitzpatrick.map(|f| f.number().to_string()),
        subtype: Some(p.subtype().id().to_string()),
        classification: p.alopecia.classification.as_ref().map(|c| c.to_string()),
        zones: (!zones.is_empty()).then(|| zones.join(";")),
        session1_date: date(p.session_date(1)),
        session2_date: date(p.session_date(2)),
        session3_date: date(p.session_date(3)),
        post_date: date(fu(Timepoint::Post).and_then(|f| f.date)),
        vds_post: fu(Timepoint::Post)
            .and_then(|f| f.vds)
            .map(|v| v.to_string()),
        vds_6m: fu(Timepoint::M6).and_then(|f| f.vds).map(|v| v.to_string()),
        pss_post: fu(Timepoint::Post)
            .and_then(|f| f.pss)
            .map(|v| v.to_string()),
        pss_6m: fu(Timepoint::M6).and_then(|f| f.pss).map(|v| v.to_string()),
        m6_date: date(fu(Timepoint::M6).and_then(|f| f.date)),
        adverse_events: (!events.is_empty()).then_some(events),
        touch_up_dates: (!p.touch_ups.is_empty()).then(|| {
            let d: Vec<String> = p.touch_up_dates().iter().map(|d| d.to_string()).collect();
            d.join(";")
        }),
        m12_date: date(fu(Timepoint::Months(12)).and_then(|f| f.date)),
        vds_12m: fu(Timepoint::Months(12))
            .and_then(|f| f.vds)
            .map(|v| v.to_string()),
        pss_12m: fu(Timepoint::Months(12))
            .and_then(|f| f.pss)
            .map(|v| v.to_string()),
        m24_date: date(fu(Timepoint::Months(24)).and_then(|f| f.date)),
        vds_24m: fu(Timepoint::Months(24))
            .and_then(|f| f.vds)
            .map(|v| v.to_string()),
        pss_24m: fu(Timepoint::Months(24))
            .and_then(|f| f.pss)
            .map(|v| v.to_string()),
        data_use_consent: p.consent.data_use.status.csv_cell().map(str::to_string),
        age_at_session1: None,
    }
}

/// Writes the header and one row per patient.
pub fn write<W: Write>(
    out: W,
    patients: impl IntoIterator<Item = impl std::borrow::Borrow<Patient>>,
) -> Result<(), ::csv::Error> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    w.write_record(COLUMNS)?;
    for p in patients {
        w.serialize(to_row(p.borrow()))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests;
