//! Issue 20's property: replaying the kept changes backwards from today's rows gives back
//! every earlier import's rows exactly. Random sequences of small datasets (edits of every
//! field, additions, removals with `--replace`, renames by `formerly`, links between events
//! and to removed ones) are imported one after another; each import's rows (the
//! `event_version` view) are kept; then the changes are undone from the last revision to
//! the first and the rows compared with each snapshot.

use std::collections::BTreeMap;

use conflict_timeline::db;
use conflict_timeline::import::{self, ImportOptions};
use proptest::prelude::*;
use serde_json::Value;

use crate::harness::text_input;

const SLUGS: usize = 7;
const WORDS: [&str; 6] = [
    "talks",
    "ceasefire",
    "shelling",
    "summit",
    "blockade",
    "accord",
];
const DATES: [&str; 5] = [
    "2001-01-01",
    "2001-02",
    "2001",
    "2001-03-04/2001-03-09",
    "2002~",
];
const ACTORS: [&str; 3] = ["Armenia", "Azerbaijan", "Russia"];
const RELS: [&str; 3] = ["follows", "responds-to", "related"];

/// One event of a dataset, by small indexes into the tables above.
#[derive(Clone, Debug)]
struct Ev {
    present: bool,
    title: usize,
    summary: usize,
    date: usize,
    place: Option<usize>,
    actors: Vec<usize>,
    sources: usize,
    link: Option<(usize, usize)>,
    formerly: Option<usize>,
    notable: bool,
    deaths: Option<u8>,
}

fn event() -> impl Strategy<Value = Ev> {
    (
        (
            any::<bool>(),
            0..WORDS.len(),
            0..WORDS.len(),
            0..DATES.len(),
        ),
        (
            prop::option::of(0..3usize),
            prop::sample::subsequence(vec![0usize, 1, 2], 0..=3),
            0..3usize,
            prop::option::of((0..RELS.len(), 0..SLUGS)),
        ),
        (
            prop::option::weighted(0.3, 0..SLUGS),
            any::<bool>(),
            prop::option::of(0..5u8),
        ),
    )
        .prop_map(
            |(
                (present, title, summary, date),
                (place, actors, sources, link),
                (formerly, notable, deaths),
            )| Ev {
                present,
                title,
                summary,
                date,
                place,
                actors,
                sources,
                link,
                formerly,
                notable,
                deaths,
            },
        )
}

/// A dataset (one entry per slug) and whether it is imported with `--replace`.
fn dataset() -> impl Strategy<Value = (Vec<Ev>, bool)> {
    (prop::collection::vec(event(), SLUGS), any::<bool>())
}

fn toml((events, _): &(Vec<Ev>, bool)) -> String {
    let mut text = String::from(
        "format = \"conflict-timeline/1\"\n[[conflicts]]\nslug = \"c\"\nname = \"C\"\n",
    );
    for (i, e) in events.iter().enumerate().filter(|(_, e)| e.present) {
        text.push_str(&format!(
            "\n[[events]]\nslug = \"e{i}\"\ndate = \"{}\"\ntitle = \"The {} of {i}\"\n\
             summary = \"Reports of {} and {}.\"\ncategory = \"political\"\nnotable = {}\n",
            DATES[e.date], WORDS[e.title], WORDS[e.summary], WORDS[e.title], e.notable
        ));
        if let Some(place) = e.place {
            text.push_str(&format!("place = \"Town {place}\"\n"));
        }
        let actors: Vec<String> = e
            .actors
            .iter()
            .map(|a| format!("\"{}\"", ACTORS[*a]))
            .collect();
        text.push_str(&format!("actors = [{}]\n", actors.join(", ")));
        if let Some(former) = e.formerly.filter(|f| *f != i) {
            text.push_str(&format!("formerly = [\"e{former}\"]\n"));
        }
        if let Some(deaths) = e.deaths {
            text.push_str(&format!("fatalities = {{ best = {deaths} }}\n"));
        }
        for s in 0..e.sources {
            text.push_str(&format!(
                "[[events.sources]]\ntitle = \"Report {s} on {}\"\nurl = \"https://example.org/{i}/{s}\"\n",
                WORDS[e.summary]
            ));
        }
        if let Some((rel, target)) = e.link
            && target != i
            && events[target].present
        {
            text.push_str(&format!(
                "[[events.links]]\nrel = \"{}\"\nevent = \"e{target}\"\n",
                RELS[rel]
            ));
        }
    }
    text
}

type Rows = BTreeMap<i64, Value>;

async fn rows(pool: &sqlx::SqlitePool) -> Rows {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, version FROM event_version")
        .fetch_all(pool)
        .await
        .expect("versions");
    rows.into_iter()
        .map(|(id, v)| (id, serde_json::from_str(&v).expect("json")))
        .collect()
}

async fn replay_matches(datasets: Vec<(Vec<Ev>, bool)>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("replay.db");
    let pool = db::open_read_write(&path).await.expect("open");
    db::migrate(&pool, &path).await.expect("migrate");
    // Snapshot k: the rows after import k (0: before any).
    let mut snapshots = vec![Rows::new()];
    for (k, data) in datasets.iter().enumerate() {
        let options = ImportOptions {
            replace: data.1,
            check_only: false,
        };
        let text = toml(data);
        import::import(&pool, &[text_input(&format!("{k}.toml"), &text)], options)
            .await
            .map_err(|e| TestCaseError::fail(format!("import {k}: {e}\n{text}")))?;
        snapshots.push(rows(&pool).await);
    }

    let revisions: Vec<i64> = sqlx::query_scalar("SELECT id FROM import_revision ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("revisions");
    prop_assert_eq!(revisions.len(), datasets.len());
    let tombstones: BTreeMap<i64, Value> =
        sqlx::query_as::<_, (i64, String)>("SELECT event_id, last_version FROM event_removed")
            .fetch_all(&pool)
            .await
            .expect("tombstones")
            .into_iter()
            .map(|(id, v)| (id, serde_json::from_str(&v).expect("json")))
            .collect();
    let mut state = snapshots.last().cloned().unwrap_or_default();
    for (k, revision) in revisions.iter().enumerate().rev() {
        let changes: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT event_id, kind, previous FROM event_change_json WHERE revision_id = ?1 ORDER BY id DESC",
        )
        .bind(revision)
        .fetch_all(&pool)
        .await
        .expect("changes");
        for (id, kind, previous) in changes {
            match kind.as_str() {
                "added" => {
                    prop_assert!(state.remove(&id).is_some(), "added {} is there", id);
                }
                "removed" => {
                    let last = tombstones.get(&id).cloned();
                    prop_assert!(last.is_some(), "tombstone of {}", id);
                    prop_assert!(state.insert(id, last.unwrap_or_default()).is_none());
                }
                _ => {
                    let previous: serde_json::Map<String, Value> =
                        serde_json::from_str(previous.as_deref().unwrap_or("{}")).expect("json");
                    prop_assert!(!previous.is_empty(), "a change keeps something");
                    let Some(Value::Object(row)) = state.get_mut(&id) else {
                        return Err(TestCaseError::fail(format!("changed {id} is there")));
                    };
                    for (field, value) in previous {
                        prop_assert!(row.contains_key(&field), "{} is a field", field);
                        row.insert(field, value);
                    }
                }
            }
        }
        prop_assert_eq!(&state, &snapshots[k], "the rows before import {}", k);
    }
    pool.close().await;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn replaying_the_changes_backwards_gives_back_every_import(
        datasets in prop::collection::vec(dataset(), 1..5)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(replay_matches(datasets))?;
    }
}
