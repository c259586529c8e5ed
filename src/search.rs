//! What a person types into the search box, turned into an FTS5 query that cannot be a
//! syntax error, and FTS5 snippets turned into HTML that can only contain `<mark>`.
//!
//! The query language is a small, forgiving subset of FTS5's:
//!
//! * words become quoted terms: `lachin` → `"lachin"` (so `AND`, `NEAR`, `:`, `^`, `(`
//!   inside a word are plain text, split by the tokenizer like any punctuation);
//! * a trailing `*` makes a prefix query: `peacekeep*` → `"peacekeep"*`;
//! * a double-quoted phrase stays a phrase: `"Lachin corridor"`; a `*` right after its
//!   closing quote makes its last word a prefix;
//! * a leading `-` (or a `NOT` before a word) excludes that word or phrase;
//! * `OR` (capitals) between two words or phrases matches either; `AND` is dropped (every
//!   word must match anyway);
//! * a word with no letter or digit (`*`, `-`, `((`, an emoji) is ignored and reported in
//!   [`FtsQuery::ignored`], and an unpaired `"` is ignored.
//!
//! The result is built only from quoted strings and operators placed here, so the user's
//! text never reaches FTS5's parser outside quotes.

/// Marks the start of a hit in `snippet()` output: a private-use character, so it cannot
/// be confused with markup and is never produced by HTML escaping.
pub const MARK_OPEN: char = '\u{E000}';
/// Marks the end of a hit in `snippet()` output.
pub const MARK_CLOSE: char = '\u{E001}';

/// A safe FTS5 `MATCH` expression, only obtainable from [`FtsQuery::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FtsQuery {
    expr: String,
    ignored: Vec<String>,
    all_of: Vec<Vec<QueryTerm>>,
    none_of: Vec<QueryTerm>,
}

/// One word or quoted phrase of a query, as typed: the index that answers the query splits
/// it into tokens with its own tokenizer (a phrase, or a hyphenated word, is then a run of
/// tokens that must follow each other in one field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryTerm {
    /// The word or the phrase's text, without quotes or the trailing `*`.
    pub text: String,
    /// Whether the last token is a prefix (`peacekeep*`).
    pub prefix: bool,
}

/// Why a search text gives no query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// No word with a letter or digit in it.
    #[error("has nothing searchable in it: give a word with letters or digits")]
    NothingSearchable,
    /// Only words to leave out (`-word`), none to look for.
    #[error("only excludes words; add a word to look for")]
    OnlyExclusions,
}

/// One term of the query as typed.
#[derive(Debug)]
struct Term {
    text: String,
    prefix: bool,
    negated: bool,
}

/// What the scanner sees.
#[derive(Debug)]
enum Token {
    Term(Term),
    Or,
    Not,
}

impl FtsQuery {
    /// Parses search text as described in the module documentation.
    pub fn parse(input: &str) -> Result<FtsQuery, SearchError> {
        let (tokens, mut ignored) = scan(input);
        let mut groups: Vec<Vec<Term>> = Vec::new();
        let mut negatives: Vec<Term> = Vec::new();
        let mut pending_or = false;
        let mut pending_not = false;
        for token in tokens {
            match token {
                Token::Or => pending_or = !groups.is_empty(),
                Token::Not => pending_not = true,
                Token::Term(mut term) => {
                    term.negated |= pending_not;
                    pending_not = false;
                    if !term.text.chars().any(char::is_alphanumeric) {
                        ignored.push(term.text);
                        continue;
                    }
                    if term.negated {
                        negatives.push(term);
                        pending_or = false;
                        continue;
                    }
                    match groups.last_mut() {
                        Some(group) if pending_or => group.push(term),
                        _ => groups.push(vec![term]),
                    }
                    pending_or = false;
                }
            }
        }
        if groups.is_empty() {
            return Err(if negatives.is_empty() {
                SearchError::NothingSearchable
            } else {
                SearchError::OnlyExclusions
            });
        }
        let positive = groups
            .iter()
            .map(|group| match group.as_slice() {
                [one] => quote(one),
                more => format!(
                    "({})",
                    more.iter().map(quote).collect::<Vec<_>>().join(" OR ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        // FTS5's NOT is binary, so exclusions hang off the positive part, explicitly grouped.
        let expr = if negatives.is_empty() {
            positive
        } else {
            format!(
                "({positive}) NOT ({})",
                negatives.iter().map(quote).collect::<Vec<_>>().join(" OR ")
            )
        };
        ignored.retain(|s| !s.trim().is_empty());
        let plain = |t: &Term| QueryTerm {
            text: t.text.clone(),
            prefix: t.prefix,
        };
        Ok(FtsQuery {
            expr,
            ignored,
            all_of: groups
                .iter()
                .map(|group| group.iter().map(plain).collect())
                .collect(),
            none_of: negatives.iter().map(plain).collect(),
        })
    }

    /// The expression to bind to `MATCH`.
    pub fn as_str(&self) -> &str {
        &self.expr
    }

    /// The query's structure: every group must match, a group matching when any of its
    /// terms does (FTS5's `AND` of `OR`s, as [`FtsQuery::as_str`] writes it).
    pub fn all_of(&self) -> &[Vec<QueryTerm>] {
        &self.all_of
    }

    /// The terms an event must not match.
    pub fn none_of(&self) -> &[QueryTerm] {
        &self.none_of
    }

    /// A query that marks the hits in extracts of events already known to match: any of
    /// the query's words and phrases (the exclusions dropped: a matching event has none
    /// of them), with each term `expand` gives words for replaced by those whole words.
    /// `None` when nothing is left to mark.
    pub fn for_marking(
        &self,
        mut expand: impl FnMut(&QueryTerm) -> Option<Vec<String>>,
    ) -> Option<FtsQuery> {
        let mut terms: Vec<Term> = Vec::new();
        for term in self.all_of.iter().flatten() {
            let expanded = if term.prefix { expand(term) } else { None };
            match expanded {
                Some(words) => terms.extend(words.into_iter().map(|text| Term {
                    text,
                    prefix: false,
                    negated: false,
                })),
                None => terms.push(Term {
                    text: term.text.clone(),
                    prefix: term.prefix,
                    negated: false,
                }),
            }
        }
        if terms.is_empty() {
            return None;
        }
        let expr = terms.iter().map(quote).collect::<Vec<_>>().join(" OR ");
        let plain = |t: &Term| QueryTerm {
            text: t.text.clone(),
            prefix: t.prefix,
        };
        Some(FtsQuery {
            expr,
            ignored: Vec::new(),
            all_of: vec![terms.iter().map(plain).collect()],
            none_of: Vec::new(),
        })
    }

    /// Pieces of the input left out because nothing in them can be searched (`((`, `🙂`, an
    /// unpaired quote), for telling the reader.
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }
}

/// Splits the input into terms and operators. Returns the tokens and the ignored pieces.
fn scan(input: &str) -> (Vec<Token>, Vec<String>) {
    // Control characters mean nothing in a search; treat them as spaces.
    let chars: Vec<char> = input
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    // An odd number of quotes: the last one has no partner and is ignored.
    let quotes: Vec<usize> = (0..chars.len()).filter(|&i| chars[i] == '"').collect();
    let unpaired = (quotes.len() % 2 == 1).then(|| quotes[quotes.len() - 1]);
    let is_quote = |i: usize| chars[i] == '"' && Some(i) != unpaired;

    let mut tokens = Vec::new();
    let mut ignored = Vec::new();
    if unpaired.is_some() {
        ignored.push("\"".to_string());
    }
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() || Some(i) == unpaired {
            i += 1;
            continue;
        }
        let mut negated = false;
        if chars[i] == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            negated = true;
            i += 1;
        }
        if is_quote(i) {
            // A phrase: everything up to the partner quote (which exists: quotes pair up).
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && !is_quote(end) {
                end += 1;
            }
            let text: String = chars[start..end].iter().collect();
            i = (end + 1).min(chars.len());
            let mut prefix = false;
            while i < chars.len() && chars[i] == '*' {
                prefix = true;
                i += 1;
            }
            tokens.push(Token::Term(Term {
                text,
                prefix,
                negated,
            }));
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !is_quote(i) && Some(i) != unpaired {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if !negated {
            match word.as_str() {
                "OR" => {
                    tokens.push(Token::Or);
                    continue;
                }
                "AND" => continue,
                "NOT" => {
                    tokens.push(Token::Not);
                    continue;
                }
                _ => {}
            }
        }
        let prefix = word.ends_with('*');
        let text = word.trim_end_matches('*').to_string();
        if text.is_empty() {
            ignored.push(word);
            continue;
        }
        tokens.push(Token::Term(Term {
            text,
            prefix,
            negated,
        }));
    }
    (tokens, ignored)
}

/// An FTS5 string: double quotes, with any quote inside doubled.
fn quote(term: &Term) -> String {
    let mut out = String::with_capacity(term.text.len() + 3);
    out.push('"');
    out.push_str(&term.text.replace('"', "\"\""));
    out.push('"');
    if term.prefix {
        out.push('*');
    }
    out
}

/// Turns `snippet()` or `highlight()` output made with [`MARK_OPEN`] and [`MARK_CLOSE`] into
/// HTML: all text escaped, each hit wrapped in `<mark>`. The marks are always balanced and
/// never nested, even if the stored text itself contains the private-use sentinels.
pub fn highlighted_html(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 32);
    let mut open = false;
    let mut run = String::new();
    for c in snippet.chars() {
        match c {
            MARK_OPEN if !open => {
                out.push_str(&crate::markdown::escape_html(&std::mem::take(&mut run)));
                out.push_str("<mark>");
                open = true;
            }
            MARK_CLOSE if open => {
                out.push_str(&crate::markdown::escape_html(&std::mem::take(&mut run)));
                out.push_str("</mark>");
                open = false;
            }
            MARK_OPEN | MARK_CLOSE => {}
            c => run.push(c),
        }
    }
    out.push_str(&crate::markdown::escape_html(&run));
    if open {
        out.push_str("</mark>");
    }
    out
}

/// Whether `snippet()` output contains a hit.
pub fn has_hit(snippet: &str) -> bool {
    snippet.contains(MARK_OPEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marking_replaces_prefixes_by_their_words_and_drops_exclusions() {
        let q = FtsQuery::parse("corr* \"lachin road\" OR shusha -ceasefire").expect("query");
        let words =
            |t: &QueryTerm| (t.text == "corr").then(|| vec!["corridor".into(), "corridors".into()]);
        let m = q.for_marking(words).expect("something to mark");
        assert_eq!(
            m.as_str(),
            "\"corridor\" OR \"corridors\" OR \"lachin road\" OR \"shusha\""
        );
        // A prefix the index has no word for marks nothing; a query left with nothing gives
        // no marking query at all.
        let q = FtsQuery::parse("zz*").expect("query");
        assert_eq!(q.for_marking(|_| Some(Vec::new())), None);
        // A prefix left as it is (a phrase prefix) stays a prefix.
        let q = FtsQuery::parse("\"nagorno kara\"*").expect("query");
        assert_eq!(
            q.for_marking(|_| None).expect("kept").as_str(),
            "\"nagorno kara\"*"
        );
    }

    fn expr(input: &str) -> String {
        FtsQuery::parse(input)
            .map(|q| q.as_str().to_string())
            .unwrap_or_else(|e| format!("error: {e:?}"))
    }

    #[test]
    fn words_become_quoted_terms_that_must_all_match() {
        assert_eq!(expr("lachin"), r#""lachin""#);
        assert_eq!(expr("  Lachin   corridor "), r#""Lachin" AND "corridor""#);
    }

    #[test]
    fn a_trailing_star_is_a_prefix_query() {
        assert_eq!(expr("peacekeep*"), r#""peacekeep"*"#);
        assert_eq!(expr("peacekeep***"), r#""peacekeep"*"#);
    }

    #[test]
    fn quoted_phrases_stay_phrases() {
        assert_eq!(expr(r#""Lachin corridor""#), r#""Lachin corridor""#);
        assert_eq!(
            expr(r#"blockade "Lachin corr"*"#),
            r#""blockade" AND "Lachin corr"*"#
        );
    }

    #[test]
    fn minus_and_not_exclude() {
        assert_eq!(
            expr("peacekeepers -killed"),
            r#"("peacekeepers") NOT ("killed")"#
        );
        assert_eq!(
            expr(r#"ceasefire NOT "trilateral statement" -1994"#),
            r#"("ceasefire") NOT ("trilateral statement" OR "1994")"#
        );
    }

    #[test]
    fn or_joins_neighbours_and_and_is_implicit() {
        assert_eq!(
            expr("Shusha OR Shushi war"),
            r#"("Shusha" OR "Shushi") AND "war""#
        );
        assert_eq!(expr("Shusha AND war"), r#""Shusha" AND "war""#);
        assert_eq!(expr("OR war OR"), r#""war""#);
        assert_eq!(expr("war or peace"), r#""war" AND "or" AND "peace""#);
    }

    #[test]
    fn operators_inside_words_are_plain_text() {
        assert_eq!(expr("title:lachin"), r#""title:lachin""#);
        assert_eq!(expr("NEAR(a b)"), r#""NEAR(a" AND "b)""#);
        assert_eq!(expr("^start"), r#""^start""#);
    }

    #[test]
    fn nothing_searchable_is_an_error() {
        for input in [
            "", "   ", "*", "-", "((", "🙂", "\"", "\"\"", "AND", "OR", "- * (",
        ] {
            assert_eq!(
                FtsQuery::parse(input),
                Err(SearchError::NothingSearchable),
                "{input:?}"
            );
        }
        assert_eq!(FtsQuery::parse("-lachin"), Err(SearchError::OnlyExclusions));
    }

    #[test]
    fn ignored_pieces_are_reported() {
        let q = FtsQuery::parse("lachin 🙂 (( \"corridor").expect("query");
        assert_eq!(q.as_str(), r#""lachin" AND "corridor""#);
        assert_eq!(q.ignored(), ["\"", "🙂", "(("]);
    }

    #[test]
    fn highlights_escape_text_and_balance_marks() {
        let s = format!("a <b> & {MARK_OPEN}hit{MARK_CLOSE} \"x\"");
        assert_eq!(
            highlighted_html(&s),
            "a &lt;b&gt; &amp; <mark>hit</mark> &quot;x&quot;"
        );
        let broken = format!("{MARK_CLOSE}{MARK_OPEN}{MARK_OPEN}x");
        assert_eq!(highlighted_html(&broken), "<mark>x</mark>");
    }

    mod against_fts5 {
        //! Every query this module builds runs on a real FTS5 table with the project's
        //! tokenizer, whatever the input.

        use super::super::FtsQuery;
        use proptest::prelude::*;
        use sqlx::{Connection, SqliteConnection};

        async fn table() -> SqliteConnection {
            let mut conn = SqliteConnection::connect("sqlite::memory:")
                .await
                .expect("memory db");
            sqlx::query(
                "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')",
            )
            .execute(&mut conn)
            .await
            .expect("fts5 table");
            sqlx::query("INSERT INTO t VALUES ('Lachin corridor', 'Peacekeepers (and) \"others\" NEAR here: 🙂')")
                .execute(&mut conn)
                .await
                .expect("row");
            conn
        }

        fn run(inputs: Vec<String>) -> Result<(), TestCaseError> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut conn = table().await;
                for input in inputs {
                    if let Ok(q) = FtsQuery::parse(&input) {
                        let result =
                            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM t WHERE t MATCH ?1")
                                .bind(q.as_str())
                                .fetch_one(&mut conn)
                                .await;
                        prop_assert!(result.is_ok(), "{input:?} → {:?}: {result:?}", q.as_str());
                    }
                }
                Ok(())
            })
        }

        #[test]
        fn known_awkward_inputs_run() {
            let inputs = [
                "\"",
                "*",
                "AND",
                "-",
                "((",
                "🙂",
                "a:b",
                "<script>",
                "NEAR(a b, 3)",
                "a OR",
                "NOT",
                "-\"\"",
                "\"a\"*b",
                "x*y*",
                "Ⓐ",
                "é́́",
                "a\u{0}b",
                "\"*\"*",
                "- -a b",
                "^",
                "a^b",
                "'",
                "{a b}",
                "a+b",
                "title:x",
                "OR OR a",
                "NOT NOT a b",
            ];
            run(inputs.iter().map(|s| s.to_string()).collect()).expect("all run");
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn any_text_gives_a_query_that_runs(
                inputs in prop::collection::vec(
                    prop_oneof![
                        any::<String>(),
                        "[ a-zA-Z0-9\"*()\\-:^+{}]{0,40}",
                        "((AND|OR|NOT|NEAR|\"|\\*|-|lachin|peace|🙂|\\(|\\)|:) ?){0,12}",
                    ],
                    1..8,
                )
            ) {
                run(inputs)?;
            }
        }
    }
}
