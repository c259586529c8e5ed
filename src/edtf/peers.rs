//! The parser against the test suites of other EDTF implementations.
//!
//! `tests/fixtures/edtf_peers.csv` holds the valid and invalid strings that three public
//! implementations test (python-edtf, edtf.js, edtf-validate), each row naming the
//! repository and file it came from, what the peer says (`peer`), what this parser does
//! (`ours`), the first and last day where the peer states them (`..` for a missing end),
//! and, wherever `ours` differs from `peer` or the bounds differ from the peer's, a `note`
//! saying why (a point the specification leaves open, a level 2 feature we reject, or the
//! superseded 2012 draft syntax).

use super::Edtf;

const TABLE: &str = include_str!("../../tests/fixtures/edtf_peers.csv");

#[derive(Debug, serde::Deserialize)]
struct Row {
    input: String,
    peer: String,
    ours: String,
    earliest: String,
    latest: String,
    repository: String,
    path: String,
    note: String,
}

fn rows() -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new().from_reader(TABLE.as_bytes());
    reader
        .deserialize()
        .collect::<Result<Vec<Row>, _>>()
        .unwrap_or_else(|e| panic!("edtf_peers.csv: {e}"))
}

#[test]
fn the_parser_agrees_with_the_peer_table() {
    let rows = rows();
    assert!(rows.len() > 200, "{} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let parsed = Edtf::parse(&row.input);
        let verdict = if parsed.is_ok() { "valid" } else { "invalid" };
        if verdict != row.ours {
            failures.push(format!(
                "{:?} ({}): table says ours = {}, parser says {verdict} ({:?})",
                row.input, row.repository, row.ours, parsed
            ));
            continue;
        }
        if let Ok(v) = &parsed {
            let iso = |d: Option<String>| d.unwrap_or_else(|| "..".to_owned());
            for (bound, ours, table) in [
                ("earliest", iso(v.earliest_iso()), &row.earliest),
                ("latest", iso(v.latest_iso()), &row.latest),
            ] {
                if !table.is_empty() && ours != *table {
                    failures.push(format!("{:?}: {bound} {ours} (table {table})", row.input));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_difference_from_a_peer_is_explained() {
    for row in rows() {
        assert!(
            matches!(row.peer.as_str(), "valid" | "invalid"),
            "{:?}: peer {:?}",
            row.input,
            row.peer
        );
        assert!(
            !row.repository.is_empty() && !row.path.is_empty(),
            "{:?}",
            row.input
        );
        if row.peer != row.ours {
            assert!(
                !row.note.is_empty(),
                "{:?} differs from {} without a note",
                row.input,
                row.repository
            );
        }
    }
}

#[test]
fn at_least_two_peers_are_represented() {
    let rows = rows();
    let mut repos: Vec<&str> = rows.iter().map(|r| r.repository.as_str()).collect();
    repos.sort_unstable();
    repos.dedup();
    assert!(repos.len() >= 2, "{repos:?}");
}
