//! A search index built for ranked retrieval (`tantivy`: BM25 over block-compressed
//! postings), derived from SQLite's searchable text, for the searches the full-text table
//! answers slowly at scale.
//!
//! SQLite's FTS5 table stays the store of record for searching: the import keeps it in
//! step, it answers while this index is missing or stale, and it gives the marked extracts
//! of a page of results. What it does slowly is what a search page asks first: the best 20
//! of a word found in half a million events (FTS5 scores every hit before sorting) and the
//! set of all the hits (to count them, facet them and draw them on the strip), both of
//! which take it seconds at a million events. This index gives the set of hits as event
//! ids in milliseconds (postings read block by block, no row visited), and the best
//! matches by BM25 with column weights like FTS5's `bm25()` weights.
//!
//! The text indexed is the view `event_search_doc`, the same the FTS5 table is built from,
//! split by a tokenizer made to split as FTS5's `unicode61 remove_diacritics 2` does (runs
//! of letters and digits, lower-cased, accents folded), so that a query finds the same
//! events either way: the tests compare the two on every kind of query. Ranking differs in
//! detail (per-field BM25 here, FTS5's combined bm25 there); the hits do not.
//!
//! The index lives in a folder beside the database (`<file>.search`), tagged with the data
//! version it was built from. A server opens it when it is at the current version and
//! otherwise builds a new one in the background from a read-only connection, answering
//! from FTS5 meanwhile; a folder it cannot write means no index, never a wrong answer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::index::SegmentId;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScorer, EmptyQuery, EnableScoring, Explanation, Occur,
    PhrasePrefixQuery, PhraseQuery, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    LowerCaser, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{
    DocId, DocSet, Index, IndexReader, ReloadPolicy, Score, Searcher, SegmentReader, TERMINATED,
    TantivyDocument,
};

use crate::search::{FtsQuery, QueryTerm};

/// The searchable columns of `event_search_doc`, in its order, with the weight a hit in
/// each counts for (the same as the FTS5 ranking's `bm25()` weights).
const COLUMNS: [(&str, Score); 5] = [
    ("title", 10.0),
    ("summary", 4.0),
    ("body", 1.0),
    ("actors", 3.0),
    ("place", 3.0),
];

/// The tokenizer's name in the index's schema.
const TOKENIZER: &str = "unicode61";

/// Most terms a prefix inside a phrase (`"lachin corr"*`) expands to. A prefix on its own
/// (`corr*`) is a range of the term dictionary and has no such limit.
const PREFIX_EXPANSIONS: u32 = 10_000;

/// Most whole words a query's prefixes are replaced by for marking extracts.
pub const MARKED_WORDS: usize = 64;

/// Memory for the build's indexing buffers. Small on purpose: the build runs beside a
/// serving process, and a bigger buffer only means fewer segments to merge.
const BUILD_BUFFER_BYTES: usize = 64 * 1024 * 1024;

/// Why the index could not be opened or built (the server then searches with FTS5).
#[derive(Debug, thiserror::Error)]
pub enum TextIndexError {
    #[error("cannot read the events for the search index: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("the search index folder {}: {source}", .path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the search index is at data version {found:?}, the database at {wanted}")]
    Stale { found: Option<i64>, wanted: i64 },
    #[error("more events than the search index can number ({0})")]
    TooMany(i64),
    #[error("the search index build could not run: {0}")]
    Join(String),
}

/// The fields of the schema.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    text: [Field; 5],
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // The event id: a fast field, to turn each hit into an event, and indexed, so that a
    // document can be found by it.
    let id = builder.add_u64_field("id", FAST | INDEXED);
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    let text = COLUMNS.map(|(name, _)| builder.add_text_field(name, options.clone()));
    (builder.build(), Fields { id, text })
}

/// Splits text as FTS5's `unicode61 remove_diacritics 2` does: runs of letters and digits,
/// lower-cased, with the combining marks of each letter's canonical decomposition dropped
/// (`Şuşa` → `susa`), and nothing else folded (`ə` stays `ə`, as it does in FTS5, where a
/// general ASCII folding would make `Xankendi` find here what it does not find there).
fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(RemoveDiacritics)
        .build()
}

/// Drops combining marks after canonical decomposition (NFD), token by token.
#[derive(Clone)]
struct RemoveDiacritics;

impl TokenFilter for RemoveDiacritics {
    type Tokenizer<T: Tokenizer> = RemoveDiacriticsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RemoveDiacriticsFilter<T> {
        RemoveDiacriticsFilter { tokenizer }
    }
}

#[derive(Clone)]
struct RemoveDiacriticsFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for RemoveDiacriticsFilter<T> {
    type TokenStream<'a> = RemoveDiacriticsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RemoveDiacriticsStream {
            tail: self.tokenizer.token_stream(text),
        }
    }
}

struct RemoveDiacriticsStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for RemoveDiacriticsStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if !token.text.is_ascii() {
            use unicode_normalization::UnicodeNormalization;
            use unicode_normalization::char::is_combining_mark;
            token.text = token
                .text
                .nfd()
                .filter(|c| !is_combining_mark(*c))
                .collect();
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The folder beside the database that holds its search index.
pub fn folder_for(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".search");
    db.with_file_name(name)
}

/// The search index of one data version.
pub struct TextIndex {
    version: i64,
    /// The searcher of the index as opened (the index never changes once built).
    searcher: Searcher,
    /// Each segment's event ids by document, read once from the `id` fast field: a hit's
    /// event is then one array read rather than a column decoded for every hit.
    ids: Vec<Arc<[u32]>>,
    /// Where each event id is, by id: its document's number counted across the segments
    /// in order (see `segment_starts`); `u32::MAX` for none. One number rather than a
    /// (segment, document) pair: 4 bytes an event instead of 8.
    docs_by_id: Vec<u32>,
    /// The number of each segment's first document in that count.
    segment_starts: Vec<u32>,
    /// The least and greatest event id of each segment.
    id_ranges: Vec<(u32, u32)>,
    fields: Fields,
    /// One more than the largest event id (for sizing sets of ids).
    id_bound: u32,
}

impl TextIndex {
    /// The data version the index was built from.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Opens the index in `folder` if it was built at `version`.
    pub fn open(folder: &Path, version: i64) -> Result<TextIndex, TextIndexError> {
        let index = Index::open_in_dir(folder)?;
        let found = index
            .load_metas()?
            .payload
            .and_then(|p| p.parse::<Payload>().ok());
        let Some(payload) = found.filter(|p| p.version == version) else {
            return Err(TextIndexError::Stale {
                found: found.map(|p| p.version),
                wanted: version,
            });
        };
        Self::ready(index, version, payload.id_bound)
    }

    fn ready(index: Index, version: i64, id_bound: u32) -> Result<TextIndex, TextIndexError> {
        index.tokenizers().register(TOKENIZER, analyzer());
        let (_, fields) = schema();
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut ids: Vec<Arc<[u32]>> = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("id")?.first_or_default_col(0);
            ids.push(
                (0..segment.max_doc())
                    .map(|doc| u32::try_from(column.get_val(doc)).unwrap_or(u32::MAX))
                    .collect::<Vec<u32>>()
                    .into(),
            );
        }
        let id_ranges = ids
            .iter()
            .map(|ids| {
                let low = ids.iter().copied().min().unwrap_or(0);
                (low, ids.iter().copied().max().unwrap_or(low))
            })
            .collect();
        let mut docs_by_id = vec![u32::MAX; id_bound as usize];
        let mut segment_starts = Vec::with_capacity(ids.len());
        let mut start = 0u32;
        for ids in &ids {
            segment_starts.push(start);
            for (doc, &id) in ids.iter().enumerate() {
                if let Some(slot) = docs_by_id.get_mut(id as usize) {
                    *slot = start + doc as u32;
                }
            }
            start += ids.len() as u32;
        }
        Ok(TextIndex {
            version,
            searcher,
            docs_by_id,
            segment_starts,
            id_ranges,
            ids,
            fields,
            id_bound,
        })
    }

    /// Builds the index of the database open on `conn` into `folder` (replacing whatever is
    /// there), tagged with `version`. The connection must not be inside a transaction.
    pub fn build(
        conn: &Connection,
        folder: &Path,
        version: i64,
    ) -> Result<TextIndex, TextIndexError> {
        let fresh = sibling(folder, "new");
        remove_folder(&fresh)?;
        std::fs::create_dir_all(&fresh).map_err(|source| TextIndexError::Folder {
            path: fresh.clone(),
            source,
        })?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(&fresh, schema)?;
        index.tokenizers().register(TOKENIZER, analyzer());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, BUILD_BUFFER_BYTES)?;
        let mut max_id = 0i64;
        conn.execute_batch("BEGIN")?;
        let read = (|| -> Result<(), TextIndexError> {
            let mut stmt = conn
                .prepare("SELECT id, title, summary, body, actors, place FROM event_search_doc")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                max_id = max_id.max(id);
                let mut doc = TantivyDocument::default();
                doc.add_u64(fields.id, id.max(0) as u64);
                for (i, field) in fields.text.iter().enumerate() {
                    let text: Option<String> = row.get(i + 1)?;
                    if let Some(text) = text.filter(|t| !t.is_empty()) {
                        doc.add_text(*field, text);
                    }
                }
                writer.add_document(doc)?;
            }
            Ok(())
        })();
        // A read transaction: ending it cannot lose anything.
        let end = conn.execute_batch("ROLLBACK");
        read?;
        end?;
        let id_bound = u32::try_from(max_id + 1).map_err(|_| TextIndexError::TooMany(max_id))?;
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&Payload { version, id_bound }.to_string());
        commit.commit()?;
        writer.wait_merging_threads()?;
        drop(index);
        // In place of the old folder: readers of the old index keep their open files.
        remove_folder(folder)?;
        std::fs::rename(&fresh, folder).map_err(|source| TextIndexError::Folder {
            path: folder.to_path_buf(),
            source,
        })?;
        Self::ready(Index::open_in_dir(folder)?, version, id_bound)
    }

    /// The ids of every event `query` matches, as a set.
    pub fn matching_ids(&self, query: &FtsQuery) -> Result<HitIds, TextIndexError> {
        let query = self.query(query);
        Ok(self
            .searcher
            .search(&*query, &IdsCollector { index: self })?)
    }

    /// Most `limit` event ids `query` matches, best first, after skipping `offset`;
    /// only events `keep` accepts (by id) when it is given.
    pub fn best(
        &self,
        query: &FtsQuery,
        keep: Option<&mut dyn Iterator<Item = i64>>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<i64>, TextIndexError> {
        Ok(self.best_and_all(query, keep, offset, limit, false)?.0)
    }

    /// [`TextIndex::best`] and, in the same pass over the postings, every hit's event id
    /// ([`TextIndex::matching_ids`], whatever `keep` says): a page of results needs both,
    /// and a phrase costs its positions read once rather than twice.
    pub fn best_and_hits(
        &self,
        query: &FtsQuery,
        keep: Option<&mut dyn Iterator<Item = i64>>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<i64>, HitIds), TextIndexError> {
        let (best, all) = self.best_and_all(query, keep, offset, limit, true)?;
        Ok((best, all.unwrap_or_default()))
    }

    fn best_and_all(
        &self,
        query: &FtsQuery,
        keep: Option<&mut dyn Iterator<Item = i64>>,
        offset: usize,
        limit: usize,
        all: bool,
    ) -> Result<(Vec<i64>, Option<HitIds>), TextIndexError> {
        let text = self.query(query);
        let searcher = &self.searcher;
        let ids = IdsCollector { index: self };
        // TopDocs takes at least one: asked for none, it takes one and drops it.
        let top = TopDocs::with_limit(limit.max(1))
            .and_offset(offset)
            .order_by_score();
        let (hits, every) = match keep {
            None if !all => (searcher.search(&*text, &top)?, None),
            None => {
                let (hits, every) = searcher.search(&*text, &(top, ids))?;
                (hits, Some(every))
            }
            Some(keep) => {
                // The best among the kept events: the text query intersected with the kept
                // documents (scoring only those); every hit of the text alone, if asked, in
                // a pass of its own.
                let among = BooleanQuery::new(vec![
                    (Occur::Must, text.box_clone()),
                    (Occur::Must, Box::new(self.among(keep))),
                ]);
                let hits = searcher.search(&among, &top)?;
                let every = if all {
                    Some(searcher.search(&*text, &ids)?)
                } else {
                    None
                };
                (hits, every)
            }
        };
        let best = hits
            .into_iter()
            .take(limit)
            .filter_map(|(_, a)| self.ids.get(a.segment_ord as usize)?.get(a.doc_id as usize))
            .map(|&id| i64::from(id))
            .collect();
        Ok((best, every))
    }

    /// The documents of the given events, segment by segment, as a query that matches
    /// them and scores nothing.
    fn among(&self, ids: &mut dyn Iterator<Item = i64>) -> Among {
        // In id order, the lookups walk `docs_by_id` from one end to the other instead of
        // jumping about it (the ids come in timeline order), and each segment's documents,
        // numbered in id order when the index was built, come out sorted or nearly. A set
        // of bits puts them in id order without a sort, in an eighth of a byte an event
        // (1.25 MB at ten million) rather than 8 bytes a kept event.
        let mut kept = HitIds::with_bound(self.id_bound);
        for id in ids {
            if let Ok(id) = u32::try_from(id) {
                kept.insert(id);
            }
        }
        let mut docs: Vec<Vec<DocId>> = vec![Vec::new(); self.ids.len()];
        for id in kept.iter() {
            let Some(&at) = self
                .docs_by_id
                .get(id as usize)
                .filter(|&&at| at != u32::MAX)
            else {
                continue;
            };
            let segment = self.segment_starts.partition_point(|&s| s <= at) - 1;
            if let Some(list) = docs.get_mut(segment) {
                list.push(at - self.segment_starts[segment]);
            }
        }
        let mut by_segment = HashMap::new();
        for (segment, mut list) in docs.into_iter().enumerate() {
            list.sort_unstable();
            let id = self.searcher.segment_reader(segment as u32).segment_id();
            by_segment.insert(id, Arc::new(list));
        }
        Among {
            docs: Arc::new(by_segment),
        }
    }

    /// The query for marking hits in the extracts of events already known to match (FTS5's
    /// `snippet()` on a page of results): its words and phrases, with each one-word prefix
    /// replaced by the words of the index that start with it (at most [`MARKED_WORDS`]
    /// in all). FTS5 reads the whole of a short prefix's postings for every row it marks,
    /// seconds at a million events; whole words it looks up row by row. `None` when
    /// nothing is left to mark.
    pub fn marking(&self, query: &FtsQuery) -> Result<Option<FtsQuery>, TextIndexError> {
        let searcher = &self.searcher;
        let mut failed = None;
        let marking = query.for_marking(|term| {
            let [token] = tokens(&term.text).try_into().ok()?;
            let mut words: Vec<String> = Vec::new();
            'segments: for segment in searcher.segment_readers() {
                for &field in &self.fields.text {
                    let inverted = match segment.inverted_index(field) {
                        Ok(inverted) => inverted,
                        Err(err) => {
                            failed = Some(err);
                            return None;
                        }
                    };
                    let Ok(mut stream) =
                        inverted.terms().range().ge(token.as_bytes()).into_stream()
                    else {
                        continue;
                    };
                    while stream.advance() {
                        let key = stream.key();
                        if !key.starts_with(token.as_bytes()) {
                            break;
                        }
                        if let Ok(word) = std::str::from_utf8(key)
                            && !words.iter().any(|w| w == word)
                        {
                            words.push(word.to_string());
                            if words.len() >= MARKED_WORDS {
                                break 'segments;
                            }
                        }
                    }
                }
            }
            Some(words)
        });
        match failed {
            Some(err) => Err(err.into()),
            None => Ok(marking),
        }
    }

    /// One more than the largest event id the index holds.
    pub fn id_bound(&self) -> u32 {
        self.id_bound
    }

    /// The query as the index runs it: every group of [`FtsQuery::all_of`] required,
    /// each term in any of the columns, weighted; the exclusions forbidden.
    fn query(&self, query: &FtsQuery) -> Box<dyn Query> {
        let groups = query.all_of();
        if let [group] = groups
            && query.none_of().is_empty()
        {
            // One group alone stays one flat union of terms, which the index ranks with
            // block-max WAND (skipping blocks that cannot reach the best so far) instead
            // of scoring every hit.
            return self.any_of(group);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = groups
            .iter()
            .map(|group| (Occur::Must, self.any_of(group)))
            .collect();
        for term in query.none_of() {
            clauses.push((Occur::MustNot, self.any_of(std::slice::from_ref(term))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Any of the words or phrases, in any of the columns, weighted by column.
    fn any_of(&self, terms: &[QueryTerm]) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in terms {
            let tokens = tokens(&term.text);
            if tokens.is_empty() {
                // FTS5 matches nothing for a phrase without tokens.
                continue;
            }
            for (&field, (_, weight)) in self.fields.text.iter().zip(COLUMNS) {
                let terms: Vec<tantivy::Term> = tokens
                    .iter()
                    .map(|t| tantivy::Term::from_field_text(field, t))
                    .collect();
                let query: Box<dyn Query> = match (terms.len(), term.prefix) {
                    (1, false) => Box::new(TermQuery::new(
                        terms[0].clone(),
                        IndexRecordOption::WithFreqs,
                    )),
                    (_, true) => {
                        let mut q = PhrasePrefixQuery::new(terms);
                        q.set_max_expansions(PREFIX_EXPANSIONS);
                        Box::new(q)
                    }
                    (_, false) => Box::new(PhraseQuery::new(terms)),
                };
                clauses.push((Occur::Should, Box::new(BoostQuery::new(query, weight))));
            }
        }
        if clauses.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

/// The tokens of a query term, split and folded as the indexed text was.
fn tokens(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// What the index's commit records: the data version and the id bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Payload {
    version: i64,
    id_bound: u32,
}

impl std::fmt::Display for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "version={};id_bound={}", self.version, self.id_bound)
    }
}

impl std::str::FromStr for Payload {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (v, b) = s.split_once(';').ok_or(())?;
        let version = v
            .strip_prefix("version=")
            .ok_or(())?
            .parse()
            .map_err(|_| ())?;
        let id_bound = b
            .strip_prefix("id_bound=")
            .ok_or(())?
            .parse()
            .map_err(|_| ())?;
        Ok(Payload { version, id_bound })
    }
}

/// `folder` with `.suffix` added to its name.
fn sibling(folder: &Path, suffix: &str) -> PathBuf {
    let mut name = folder.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    folder.with_file_name(name)
}

fn remove_folder(path: &Path) -> Result<(), TextIndexError> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(TextIndexError::Folder {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A query matching given documents of each segment, with no score of its own (see
/// [`TextIndex::among`]).
#[derive(Clone)]
struct Among {
    docs: Arc<HashMap<SegmentId, Arc<Vec<DocId>>>>,
}

impl std::fmt::Debug for Among {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Among({} segments)", self.docs.len())
    }
}

impl Query for Among {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for Among {
    fn scorer(&self, reader: &SegmentReader, _: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = self
            .docs
            .get(&reader.segment_id())
            .cloned()
            .unwrap_or_default();
        Ok(Box::new(ConstScorer::new(
            SortedDocs { docs, cursor: 0 },
            0.0,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let kept = self
            .docs
            .get(&reader.segment_id())
            .is_some_and(|d| d.binary_search(&doc).is_ok());
        if kept {
            Ok(Explanation::new("among the kept events", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(
                "not among the kept events".to_string(),
            ))
        }
    }
}

/// Ascending, distinct documents of one segment as a [`DocSet`].
struct SortedDocs {
    docs: Arc<Vec<DocId>>,
    cursor: usize,
}

impl DocSet for SortedDocs {
    fn advance(&mut self) -> DocId {
        self.cursor = (self.cursor + 1).min(self.docs.len());
        self.doc()
    }

    /// Gallops from the cursor (1, 2, 4… ahead), then searches the last step: an
    /// intersection seeks a little ahead most of the time, and a binary search of all the
    /// rest each time cost a dozen cache misses a seek.
    fn seek(&mut self, target: DocId) -> DocId {
        let rest = &self.docs[self.cursor..];
        let mut bound = 1;
        while bound < rest.len() && rest[bound] < target {
            bound *= 2;
        }
        let from = bound / 2;
        let upto = (bound + 1).min(rest.len());
        self.cursor += from + rest[from..upto].partition_point(|&d| d < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.cursor).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.cursor) as u32
    }
}

/// The event ids of a search's hits, one bit per id up to the index's largest: a fixed
/// eighth of a byte per event (1.25 MB at ten million events) however many hits there
/// are, where a list of a common word's hits takes tens of megabytes.
#[derive(Default)]
pub struct HitIds {
    words: Vec<u64>,
}

impl HitIds {
    fn with_bound(id_bound: u32) -> HitIds {
        HitIds {
            words: vec![0; (id_bound as usize).div_ceil(64)],
        }
    }

    /// Adds `id`; an id beyond the set's words is left out.
    fn insert(&mut self, id: u32) {
        if let Some(word) = self.words.get_mut(id as usize / 64) {
            *word |= 1 << (id % 64);
        }
    }

    /// Adds the bits of a segment's hits (see [`SegmentIds`]).
    fn add(&mut self, (first, words): SegmentBits) {
        let at = first as usize / 64;
        for (a, b) in self.words.iter_mut().skip(at).zip(words) {
            *a |= b;
        }
    }

    /// The ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &word)| {
            let base = i as u32 * 64;
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    base + bit
                })
            })
        })
    }
}

/// Gathers the event id of every hit, segment by segment, without scoring. Each segment
/// sets bits only over the range of ids it holds (segments hold runs of ids, as the
/// index is built in id order), so that the segments' sets together take about one set.
struct IdsCollector<'a> {
    index: &'a TextIndex,
}

/// A segment's hits: bits over the ids from `first` (a multiple of 64) on.
struct SegmentIds {
    ids: Arc<[u32]>,
    first: u32,
    words: Vec<u64>,
}

impl Collector for IdsCollector<'_> {
    type Fruit = HitIds;
    type Child = SegmentIds;

    fn for_segment(&self, ord: u32, _: &SegmentReader) -> tantivy::Result<SegmentIds> {
        let ids: Arc<[u32]> = self
            .index
            .ids
            .get(ord as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(Vec::new()));
        let (low, high) = self
            .index
            .id_ranges
            .get(ord as usize)
            .copied()
            .unwrap_or((0, 0));
        Ok(SegmentIds::new(ids, low, high))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentBits>) -> tantivy::Result<HitIds> {
        let mut all = HitIds::with_bound(self.index.id_bound);
        for segment in fruits {
            all.add(segment);
        }
        Ok(all)
    }
}

/// What a segment gives: the first id its bits stand for, and the bits.
type SegmentBits = (u32, Vec<u64>);

impl SegmentIds {
    /// For a segment whose documents have the ids `ids` (by document), from `low` to
    /// `high`.
    fn new(ids: Arc<[u32]>, low: u32, high: u32) -> SegmentIds {
        let first = low / 64 * 64;
        SegmentIds {
            ids,
            first,
            words: vec![0; ((high + 1).saturating_sub(first) as usize).div_ceil(64)],
        }
    }
}

impl SegmentCollector for SegmentIds {
    type Fruit = SegmentBits;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for &doc in docs {
            if let Some(&id) = self.ids.get(doc as usize)
                && let Some(bit) = id.checked_sub(self.first)
                && let Some(word) = self.words.get_mut(bit as usize / 64)
            {
                *word |= 1 << (bit % 64);
            }
        }
    }

    fn harvest(self) -> SegmentBits {
        (self.first, self.words)
    }
}

/// Opens the index of the database at `path` if it is at `version`, or builds it, on a
/// thread of its own with a read-only connection.
pub async fn open_or_build(path: &Path, version: i64) -> Result<TextIndex, TextIndexError> {
    let path = path.to_path_buf();
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("search-index".to_string())
        .spawn(move || {
            let folder = folder_for(&path);
            let built = TextIndex::open(&folder, version).or_else(|_| {
                let conn = Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.execute_batch("PRAGMA cache_size = -8192")?;
                // The version is read again inside the build's own snapshot: an import that
                // landed since the caller read it gives an index tagged with the older version,
                // which is then never used, rather than newer rows under an older tag.
                let seen = snapshot_version(&conn)?;
                if seen != version {
                    return Err(TextIndexError::Stale {
                        found: Some(seen),
                        wanted: version,
                    });
                }
                TextIndex::build(&conn, &folder, version)
            });
            let _ = done.send(built);
        })
        .map_err(|e| TextIndexError::Join(e.to_string()))?;
    result
        .await
        .map_err(|e| TextIndexError::Join(e.to_string()))?
}

/// The data version as the pages compute it, read on a plain connection.
fn snapshot_version(conn: &Connection) -> Result<i64, TextIndexError> {
    let (count, at): (i64, Option<String>) = conn.query_row(
        "SELECT version, imported_at FROM dataset_version WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(super::combined_version(count, at.as_deref()))
}

impl super::derived::Derived for TextIndex {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The current search index of a server, opened or rebuilt in the background when the data
/// changes.
pub type TextIndexCell = super::derived::DerivedCell<TextIndex>;

/// An empty cell for the search index.
pub fn cell() -> TextIndexCell {
    TextIndexCell::new("search index", "searching with SQLite")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The hits of segments holding runs of ids, merged, give back every id found,
        /// once each and ascending.
        #[test]
        fn hit_ids_give_back_every_id_found(
            found in prop::collection::btree_set(0u32..1_000, 0..300),
            split in 1u32..1_000,
        ) {
            let mut all = HitIds::with_bound(1_000);
            for (low, high) in [(0, split - 1), (split, 999)] {
                // Document d of the segment is the event low + d.
                let ids: Arc<[u32]> = (low..=high).collect::<Vec<u32>>().into();
                let mut segment = SegmentIds::new(ids, low, high);
                let docs: Vec<DocId> = found.range(low..=high).map(|&id| id - low).collect();
                segment.collect_block(&docs);
                all.add(segment.harvest());
            }
            let want: Vec<u32> = found.into_iter().collect();
            prop_assert_eq!(all.iter().collect::<Vec<u32>>(), want);
        }

        /// Seeking gives the first document at or after the target, as a search of the
        /// whole list would, for any rising run of targets.
        #[test]
        fn sorted_docs_seek_to_the_first_document_not_before_the_target(
            docs in prop::collection::btree_set(0u32..5_000, 0..400),
            steps in prop::collection::vec(0u32..200, 1..60),
        ) {
            let docs: Vec<DocId> = docs.into_iter().collect();
            let mut set = SortedDocs { docs: Arc::new(docs.clone()), cursor: 0 };
            let mut target = 0;
            for step in steps {
                target += step;
                if set.doc() >= target {
                    continue; // A seek never goes back.
                }
                let expected = docs.iter().copied().find(|&d| d >= target).unwrap_or(TERMINATED);
                prop_assert_eq!(set.seek(target), expected);
            }
        }
    }
}
