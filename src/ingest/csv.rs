//! CSV input of reports: header `id,lon,lat,kind,observed_at` (by name, any order, extra
//! columns ignored), strictly validated with the physical line of every problem.
//!
//! Large unquoted files are cut at line breaks and parsed in parallel with rayon; the chunks
//! are merged in file order, so the result is identical to a single-threaded parse.

use super::{
    IngestError, IngestOptions, Parsed, Problem, Rejected, check_lat, check_lon, file_problem,
    finish, invalid, parse_observed_at,
};
use crate::model::{Report, ReportKind};
use chrono::FixedOffset;
use csv::{ByteRecord, ReaderBuilder};
use rayon::prelude::*;

/// The columns a reports file must have.
pub const REPORT_COLUMNS: [&str; 5] = ["id", "lon", "lat", "kind", "observed_at"];

/// Below this many bytes a single thread is faster than splitting.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Where each required column sits in a row.
#[derive(Debug, Clone)]
struct Columns {
    /// For each field position, which required column it is (the inverse of `at`).
    role: Vec<Option<usize>>,
    names: Vec<String>,
}

/// What one chunk of rows parsed into.
#[derive(Default)]
struct ChunkOut {
    rows: Vec<Report>,
    lines: Vec<u64>,
    /// Absolute byte offset of each accepted row (to re-read a duplicate's raw fields).
    offsets: Vec<u64>,
    problems: Vec<Problem>,
    rejected: Vec<Rejected>,
}

/// Parses and validates a reports CSV (`file` is the name used in messages).
pub fn read_reports(
    bytes: &[u8],
    file: &str,
    opts: &IngestOptions,
) -> Result<Parsed<Report>, IngestError> {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let bytes = &bytes[bom..];
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(file_problem(file, 1, "-", "file is empty".into()));
    }
    let mut rdr = reader(bytes);
    let mut rec = ByteRecord::new();
    if let Err(e) = rdr.read_byte_record(&mut rec) {
        return Err(file_problem(
            file,
            1,
            "-",
            format!("unreadable header: {e}"),
        ));
    }
    let columns = header_columns(&rec, file)?;
    let body_start = rdr.position().byte() as usize;
    let body_line = rdr.position().line();
    let body = &bytes[body_start..];
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(file_problem(
            file,
            1,
            "-",
            "no data rows after the header".into(),
        ));
    }

    let chunks = split_chunks(body, body_line);
    let ctx = ChunkCtx {
        columns: &columns,
        tz: opts.tz,
        file,
        skip_invalid: opts.skip_invalid,
    };
    let outs: Vec<ChunkOut> = chunks
        .par_iter()
        .map(|&(start, end, line)| {
            ctx.parse_chunk(&body[start..end], line, (bom + body_start + start) as u64)
        })
        .collect();

    let n: usize = outs.iter().map(|o| o.rows.len()).sum();
    let mut all = ChunkOut {
        rows: Vec::with_capacity(n),
        lines: Vec::with_capacity(n),
        offsets: Vec::with_capacity(n),
        ..Default::default()
    };
    for o in outs {
        all.rows.extend(o.rows);
        all.lines.extend(o.lines);
        all.offsets.extend(o.offsets);
        all.problems.extend(o.problems);
        all.rejected.extend(o.rejected);
    }
    reject_duplicates(&mut all, file, opts.skip_invalid, bytes, bom);
    all.rejected.sort_by_key(|r| r.line);
    let parsed = Parsed {
        rows: all.rows,
        lines: all.lines,
        header: columns.names.clone(),
        rejected: all.rejected,
    };
    finish(all.problems, parsed, opts.skip_invalid)
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// Maps the header to column positions; every missing column is one problem on line 1.
fn header_columns(rec: &ByteRecord, file: &str) -> Result<Columns, IngestError> {
    let mut problems = Vec::new();
    let mut names = Vec::with_capacity(rec.len());
    for (i, field) in rec.iter().enumerate() {
        match std::str::from_utf8(field) {
            Ok(s) => names.push(s.trim().to_string()),
            Err(_) => {
                problems.push(problem(
                    file,
                    1,
                    &format!("#{}", i + 1),
                    "header is not valid UTF-8",
                ));
                names.push(String::from_utf8_lossy(field).trim().to_string());
            }
        }
    }
    let mut at = [usize::MAX; 5];
    for (c, want) in REPORT_COLUMNS.iter().enumerate() {
        let found: Vec<usize> = (0..names.len())
            .filter(|&i| names[i].eq_ignore_ascii_case(want))
            .collect();
        match found.as_slice() {
            [] => problems.push(problem(
                file,
                1,
                want,
                "missing column (the header must name id, lon, lat, kind, observed_at)",
            )),
            [i] => at[c] = *i,
            _ => problems.push(problem(file, 1, want, "column appears more than once")),
        }
    }
    if problems.is_empty() {
        let role = (0..names.len())
            .map(|i| at.iter().position(|&a| a == i))
            .collect();
        Ok(Columns { role, names })
    } else {
        Err(invalid(problems))
    }
}

/// Cuts `body` into `(start, end, first line)` pieces at line breaks. Quoted fields may hold
/// line breaks and a lone `\r` ends a line too, so such files stay in one piece.
fn split_chunks(body: &[u8], first_line: u64) -> Vec<(usize, usize, u64)> {
    let pieces = rayon::current_num_threads() * 4;
    if body.len() < PARALLEL_MIN_BYTES
        || pieces <= 1
        || memchr::memchr2(b'"', b'\r', body).is_some()
    {
        return vec![(0, body.len(), first_line)];
    }
    let target = body.len() / pieces;
    let mut out = Vec::with_capacity(pieces);
    let (mut start, mut line) = (0usize, first_line);
    while start < body.len() {
        let mut end = (start + target).min(body.len());
        if end < body.len() {
            end = memchr::memchr(b'\n', &body[end - 1..]).map_or(body.len(), |i| end + i);
        }
        out.push((start, end, line));
        line += memchr::memchr_iter(b'\n', &body[start..end]).count() as u64;
        start = end;
    }
    out
}

struct ChunkCtx<'a> {
    columns: &'a Columns,
    tz: FixedOffset,
    file: &'a str,
    skip_invalid: bool,
}

impl ChunkCtx<'_> {
    fn parse_chunk(&self, chunk: &[u8], first_line: u64, first_byte: u64) -> ChunkOut {
        // Rows are ~60 bytes in practice; reserving avoids regrowing million-row vectors.
        let guess = chunk.len() / 48 + 16;
        let mut out = ChunkOut {
            rows: Vec::with_capacity(guess),
            lines: Vec::with_capacity(guess),
            offsets: Vec::with_capacity(guess),
            ..Default::default()
        };
        let mut rdr = reader(chunk);
        let mut rec = ByteRecord::new();
        loop {
            let line_before = rdr.position().line();
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    // Only I/O and UTF-8 errors exist for a flexible byte reader; stop here.
                    out.problems.push(problem(
                        self.file,
                        first_line + line_before - 1,
                        "-",
                        &e.to_string(),
                    ));
                    break;
                }
            }
            let pos = rec
                .position()
                .expect("records read from a reader have a position");
            // After a CRLF the reader's position sits on the `\n` and its line count lags
            // behind: count the line breaks the record starts with.
            let lead = chunk[pos.byte() as usize..]
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .filter(|&&b| b == b'\n')
                .count() as u64;
            let line = first_line + pos.line() - 1 + lead;
            match self.parse_row(&rec) {
                Ok(r) => {
                    out.rows.push(r);
                    out.lines.push(line);
                    out.offsets.push(first_byte + pos.byte());
                }
                Err(errs) => self.reject(&mut out, line, &rec, errs),
            }
        }
        out
    }

    fn reject(&self, out: &mut ChunkOut, line: u64, rec: &ByteRecord, errs: Vec<(String, String)>) {
        if self.skip_invalid {
            out.rejected.push(Rejected {
                line,
                fields: lossy_fields(rec),
                reason: reason(&errs),
            });
        }
        for (col, msg) in errs {
            out.problems.push(problem(self.file, line, &col, &msg));
        }
    }

    fn parse_row(&self, rec: &ByteRecord) -> Result<Report, Vec<(String, String)>> {
        let width = self.columns.names.len();
        if rec.len() != width {
            return Err(vec![(
                "-".into(),
                format!("expected {width} fields, found {}", rec.len()),
            )]);
        }
        let mut errs = Vec::new();
        let mut text = [""; 5];
        for (i, field) in rec.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) => {
                    if let Some(c) = self.columns.role[i] {
                        // Undo the spreadsheet escape of our own exports.
                        text[c] = crate::render::csv_cell::unescape(s.trim());
                    }
                }
                Err(_) => errs.push((self.columns.names[i].clone(), "not valid UTF-8".into())),
            }
        }
        let [id, lon, lat, kind, at] = text;
        if !errs.iter().any(|(c, _)| c.eq_ignore_ascii_case("id"))
            && let Err(m) = super::limits::check_id(id)
        {
            errs.push(("id".into(), m));
        }
        let lon = number(lon, "lon", &mut errs);
        let lat = number(lat, "lat", &mut errs);
        let range = [lon.and_then(check_lon), lat.and_then(check_lat)];
        for (col, msg) in range.into_iter().flatten() {
            errs.push((col.into(), msg));
        }
        let kind = match kind.parse::<ReportKind>() {
            Ok(k) => Some(k),
            Err(e) => {
                errs.push(("kind".into(), e.to_string()));
                None
            }
        };
        let observed_at = match parse_observed_at(at, self.tz) {
            Ok(t) => Some(t),
            Err(e) => {
                errs.push(("observed_at".into(), e));
                None
            }
        };
        match (lon, lat, kind, observed_at) {
            (Some(lon), Some(lat), Some(kind), Some(observed_at)) if errs.is_empty() => {
                Ok(Report {
                    id: id.to_string(),
                    lon,
                    lat,
                    kind,
                    observed_at,
                })
            }
            _ => Err(errs),
        }
    }
}

fn number(s: &str, col: &str, errs: &mut Vec<(String, String)>) -> Option<f64> {
    match s.parse::<f64>() {
        Ok(v) => Some(v),
        Err(_) => {
            errs.push((col.into(), format!("{s:?} is not a number")));
            None
        }
    }
}

/// Flags every repeated id (the first occurrence stays); under `skip_invalid` the repeats
/// move to the rejected rows with their raw fields re-read from the file.
fn reject_duplicates(all: &mut ChunkOut, file: &str, skip_invalid: bool, bytes: &[u8], bom: usize) {
    let mut first: foldhash::HashMap<&str, u64> =
        foldhash::HashMap::with_capacity_and_hasher(all.rows.len(), Default::default());
    let mut dup = Vec::new();
    for (i, r) in all.rows.iter().enumerate() {
        if let Some(&l) = first.get(r.id.as_str()) {
            dup.push((i, l));
        } else {
            first.insert(&r.id, all.lines[i]);
        }
    }
    if dup.is_empty() {
        return;
    }
    let mut keep = vec![true; all.rows.len()];
    for &(i, first_line) in &dup {
        let msg = format!(
            "duplicate id {:?} (first on line {first_line})",
            all.rows[i].id
        );
        all.problems.push(problem(file, all.lines[i], "id", &msg));
        if skip_invalid {
            keep[i] = false;
            let start = all.offsets[i] as usize - bom;
            let mut rec = ByteRecord::new();
            let _ = reader(&bytes[start..]).read_byte_record(&mut rec);
            all.rejected.push(Rejected {
                line: all.lines[i],
                fields: lossy_fields(&rec),
                reason: format!("id: {msg}"),
            });
        }
    }
    if skip_invalid {
        let mut k = keep.iter();
        all.rows.retain(|_| *k.next().unwrap());
        let mut k = keep.iter();
        all.lines.retain(|_| *k.next().unwrap());
    }
}

fn lossy_fields(rec: &ByteRecord) -> Vec<String> {
    rec.iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

fn reason(errs: &[(String, String)]) -> String {
    errs.iter()
        .map(|(c, m)| format!("{c}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn problem(file: &str, line: u64, column: &str, message: &str) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        column: column.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> IngestOptions {
        IngestOptions::default()
    }

    fn problems(src: &str) -> Vec<String> {
        match read_reports(src.as_bytes(), "r.csv", &opts()) {
            Err(IngestError::Invalid { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn columns_by_name_in_any_order_with_extras() {
        let src = "kind,extra,observed_at,lat,id,lon\nSALE,x,2025-01-02,16.46,a,107.59\n";
        let p = read_reports(src.as_bytes(), "r.csv", &opts()).unwrap();
        assert_eq!(p.rows.len(), 1);
        let r = &p.rows[0];
        assert_eq!((r.id.as_str(), r.lon, r.lat), ("a", 107.59, 16.46));
        assert_eq!(r.kind, ReportKind::Sale);
        assert_eq!(p.lines, vec![2]);
    }

    #[test]
    fn bom_crlf_and_quoted_multiline_fields_count_physical_lines() {
        let src = "\u{feff}id,lon,lat,kind,observed_at,note\r\n\
                   a,107.5,16.4,use,2025-01-01,\"two\r\nlines\"\r\n\
                   \"b,1\",107.5,16.4,sale,2025-01-01T10:00:00,x\r\n\
                   c,107.5,99,sale,2025-01-01,x\r\n";
        let p = read_reports(
            src.as_bytes(),
            "r.csv",
            &IngestOptions {
                skip_invalid: true,
                ..opts()
            },
        )
        .unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[1].id, "b,1");
        assert_eq!(p.lines, vec![2, 4]);
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(p.rejected[0].line, 5);
        assert_eq!(p.rejected[0].fields[2], "99");
        assert!(
            p.rejected[0]
                .reason
                .starts_with("lat: 99 is not a latitude")
        );
    }

    #[test]
    fn every_problem_has_file_line_and_column() {
        let src = "id,lon,lat,kind,observed_at\n\
                   a,107.5,16,use,2025-01-01\n\
                   b,107.5,16,heroin,2025-01-01\n\
                   c,107.5,16,use,2025-02-30\n\
                   a,107.5,16,use,2025-01-01\n\
                   e,107.5,16,use\n\
                   ,107.5,16,use,2025-01-01\n\
                   g,abc,NaN,use,2025-01-01\n\
                   h,107.5,91,use,2025-01-01\n";
        let p = problems(src);
        assert!(
            p[0].starts_with("r.csv:3: kind: unknown value \"heroin\""),
            "{}",
            p[0]
        );
        assert!(p[1].starts_with("r.csv:4: observed_at: \"2025-02-30\" is not a date"));
        assert_eq!(p[2], "r.csv:5: id: duplicate id \"a\" (first on line 2)");
        assert_eq!(p[3], "r.csv:6: -: expected 5 fields, found 4");
        assert_eq!(p[4], "r.csv:7: id: empty id");
        assert_eq!(p[5], "r.csv:8: lon: \"abc\" is not a number");
        assert_eq!(p[6], "r.csv:8: lat: NaN is not a latitude in [-90, 90]");
        assert_eq!(p[7], "r.csv:9: lat: 91 is not a latitude in [-90, 90]");
        assert_eq!(p.len(), 8);
    }

    #[test]
    fn file_level_problems() {
        assert_eq!(problems(""), vec!["r.csv:1: -: file is empty"]);
        assert_eq!(
            problems("id,lon,kind,observed_at\na,1,use,2025-01-01\n"),
            vec![
                "r.csv:1: lat: missing column (the header must name id, lon, lat, kind, observed_at)"
            ]
        );
        assert_eq!(
            problems("id,lon,lat,kind,observed_at\n"),
            vec!["r.csv:1: -: no data rows after the header"]
        );
    }

    #[test]
    fn invalid_utf8_is_reported_per_column() {
        let mut src = b"id,lon,lat,kind,observed_at\n".to_vec();
        src.extend_from_slice(b"a\xff,107,16,use,2025-01-01\n");
        match read_reports(&src, "r.csv", &opts()) {
            Err(IngestError::Invalid { problems, total }) => {
                assert_eq!(total, 1);
                assert_eq!(problems[0].to_string(), "r.csv:2: id: not valid UTF-8");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_twenty_problems_are_kept_but_all_counted() {
        let mut src = String::from("id,lon,lat,kind,observed_at\n");
        for i in 0..25 {
            src.push_str(&format!("{i},200,16,use,2025-01-01\n"));
        }
        match read_reports(src.as_bytes(), "r.csv", &opts()) {
            Err(e @ IngestError::Invalid { .. }) => {
                let text = e.to_string();
                assert!(text.ends_with("… and 5 more problems"), "{text}");
                assert_eq!(text.lines().count(), 21);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn skip_invalid_rejects_duplicates_with_raw_fields() {
        let src = "id,lon,lat,kind,observed_at\na,1,2,use,2025-01-01\na,3,4,sale,2025-01-01\n";
        let p = read_reports(
            src.as_bytes(),
            "r.csv",
            &IngestOptions {
                skip_invalid: true,
                ..opts()
            },
        )
        .unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(
            p.rejected[0].fields,
            vec!["a", "3", "4", "sale", "2025-01-01"]
        );
        assert_eq!(p.rejected[0].line, 3);
    }

    proptest::proptest! {
        /// Whatever valid reports are written as CSV (any column order, CRLF or LF, quoted
        /// ids) are read back exactly, each with its line.
        #[test]
        fn valid_reports_round_trip(
            rows in proptest::collection::vec(
                ("[a-zA-Z0-9 ,\"-]{1,8}", -180.0f64..180.0, -90.0f64..90.0, 0usize..5, 0i64..2_000_000_000),
                1..30,
            ),
            crlf in proptest::bool::ANY,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut src = format!("observed_at,kind,lat,id,lon{eol}");
            let mut want = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (i, (id, lon, lat, k, secs)) in rows.into_iter().enumerate() {
                let id = format!("{}{i}", id.trim());
                if !seen.insert(id.clone()) {
                    continue;
                }
                let (lon, lat) = ((lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6);
                let at = chrono::DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
                let kind = ReportKind::ALL[k];
                let quoted = format!("\"{}\"", id.replace('"', "\"\""));
                src.push_str(&format!(
                    "{},{},{lat},{quoted},{lon}{eol}",
                    at.format("%Y-%m-%dT%H:%M:%S"),
                    kind.as_str().to_uppercase()
                ));
                want.push(Report { id, lon, lat, kind, observed_at: at });
            }
            let p = read_reports(src.as_bytes(), "r.csv", &opts()).unwrap();
            let lines: Vec<u64> = (2..2 + want.len() as u64).collect();
            proptest::prop_assert_eq!(p.rows, want);
            proptest::prop_assert_eq!(p.lines, lines);
        }
    }

    #[test]
    fn parallel_chunks_match_a_single_pass() {
        let mut src = String::from("id,lon,lat,kind,observed_at\n");
        let mut n = 0;
        while src.len() < 3 * PARALLEL_MIN_BYTES {
            let lat = if n % 1000 == 7 {
                95.0
            } else {
                16.0 + n as f64 * 1e-6
            };
            src.push_str(&format!("r{n},107.5,{lat},use,2025-01-01T10:00:00\n"));
            n += 1;
        }
        let o = IngestOptions {
            skip_invalid: true,
            ..opts()
        };
        let p = read_reports(src.as_bytes(), "r.csv", &o).unwrap();
        // Adding a quote forces the single-threaded path.
        let quoted = src.replacen("r0,", "\"r0\",", 1);
        let q = read_reports(quoted.as_bytes(), "r.csv", &o).unwrap();
        assert!(split_chunks(src.as_bytes(), 2).len() > 1 || rayon::current_num_threads() == 1);
        assert_eq!(p.rows, q.rows);
        assert_eq!(p.lines, q.lines);
        assert_eq!(p.rejected.len(), q.rejected.len());
        assert_eq!(p.rejected[0].line, 9);
        assert_eq!(p.lines[100], 103);
    }
}
