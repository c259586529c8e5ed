//! What an import changed or left out of what it was given, said per kind with a count and
//! a line for each occurrence: nothing a file holds is dropped or rewritten without a word.
//!
//! Importers (row mappers, the TimelineJS reader, the checks every event passes) emit a
//! [`Notice`] as an item of its own ([`super::Item::Notice`]), so it travels with the line
//! or JSON path it came from; the import gathers them into an [`ImportReport`], which the
//! [`super::ImportSummary`] carries and the command line prints.

use std::collections::BTreeMap;
use std::fmt;

/// How many occurrences of one kind the report lists before it only counts the rest.
pub const MAX_LISTED_PER_KIND: usize = 20;

/// A kind of change an import made to what it was given, or of thing it left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeKind {
    /// A media path that is not a web address, with no `--base-url` to resolve it against.
    MediaRelativeDropped,
    /// Media that is neither a web address nor an embed holding one (`data:`, a bare word).
    MediaNotWebDropped,
    /// A relative media path resolved against `--base-url`.
    MediaResolved,
    /// A protocol-relative `//host/…` media address given `https:`.
    MediaProtocolRelative,
    /// An HTML embed (`<blockquote>`, `<iframe>`) kept as the first web link it holds.
    MediaEmbedAsLink,
    /// A slide without a headline, titled from its text, display date or date.
    TitleDerived,
    /// Fatality figures whose low estimate exceeds the high one, kept as published.
    LowAboveHigh,
    /// An event of a source's list of deletions that the database does not hold.
    DeletionNotHere,
    /// The link a TimelineJS export adds to each slide, back to the event's page on the
    /// site that exported it: left out, since it is the export's, not the event's.
    BackLinkDropped,
}

impl NoticeKind {
    /// The report's line for `count` of this kind ("3 media dropped: relative path without
    /// --base-url").
    pub fn headline(self, count: usize) -> String {
        // The words after the noun, with their own leading separator.
        let (one, many, what) = match self {
            NoticeKind::MediaRelativeDropped => (
                "medium",
                "media",
                " dropped: relative path without --base-url",
            ),
            NoticeKind::MediaNotWebDropped => {
                ("medium", "media", " dropped: not a web address or embed")
            }
            NoticeKind::MediaResolved => ("medium", "media", " resolved against --base-url"),
            NoticeKind::MediaProtocolRelative => {
                ("medium", "media", " protocol-relative (//…), read as https")
            }
            NoticeKind::MediaEmbedAsLink => ("embed", "embeds", " kept as a web link"),
            NoticeKind::TitleDerived => ("title", "titles", " derived from text or date"),
            NoticeKind::LowAboveHigh => ("row", "rows", ": low > high kept as published"),
            NoticeKind::DeletionNotHere => (
                "deleted event",
                "deleted events",
                " not in the database (nothing to remove)",
            ),
            NoticeKind::BackLinkDropped => (
                "link",
                "links",
                " back to the exporting site's event page left out",
            ),
        };
        let noun = if count == 1 { one } else { many };
        format!("{count} {noun}{what}")
    }

    /// A stable name for machines (logs, tests): `media-relative-dropped`, …
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::MediaRelativeDropped => "media-relative-dropped",
            NoticeKind::MediaNotWebDropped => "media-not-web-dropped",
            NoticeKind::MediaResolved => "media-resolved",
            NoticeKind::MediaProtocolRelative => "media-protocol-relative",
            NoticeKind::MediaEmbedAsLink => "media-embed-as-link",
            NoticeKind::TitleDerived => "title-derived",
            NoticeKind::LowAboveHigh => "low-above-high",
            NoticeKind::DeletionNotHere => "deletion-not-here",
            NoticeKind::BackLinkDropped => "back-link-dropped",
        }
    }
}

/// One change or omission, as an importer finds it (where it is comes with the item).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The source's own column or JSON path (`high`, `events[3].media.url`).
    pub field: String,
    /// What was there, and what became of it, in a few words.
    pub detail: String,
}

impl Notice {
    pub fn new(kind: NoticeKind, field: impl Into<String>, detail: impl Into<String>) -> Self {
        Notice {
            kind,
            field: field.into(),
            detail: detail.into(),
        }
    }
}

/// One occurrence, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeLine {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line, where known (CSV); JSON names its place in `field`.
    pub line: Option<usize>,
    pub field: String,
    pub detail: String,
}

impl fmt::Display for NoticeLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::error::write_place(f, &self.file, self.line, &self.field)?;
        write!(f, ": {}", self.detail)
    }
}

/// Every occurrence of one kind: how many, and the first [`MAX_LISTED_PER_KIND`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindReport {
    pub count: usize,
    pub listed: Vec<NoticeLine>,
}

/// What an import changed or left out, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    kinds: BTreeMap<NoticeKind, KindReport>,
}

impl ImportReport {
    /// Records one occurrence.
    pub fn push(&mut self, file: &str, line: Option<usize>, notice: Notice) {
        let kind = self.kinds.entry(notice.kind).or_default();
        kind.count += 1;
        if kind.listed.len() < MAX_LISTED_PER_KIND {
            kind.listed.push(NoticeLine {
                file: file.to_string(),
                line,
                field: notice.field,
                detail: notice.detail,
            });
        }
    }

    /// Nothing was changed or left out.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// How many of a kind.
    pub fn count(&self, kind: NoticeKind) -> usize {
        self.kinds.get(&kind).map_or(0, |k| k.count)
    }

    /// Each kind with its occurrences, in a fixed order.
    pub fn kinds(&self) -> impl Iterator<Item = (NoticeKind, &KindReport)> {
        self.kinds.iter().map(|(k, r)| (*k, r))
    }

    /// The report as lines of text: per kind its headline, then a line per listed
    /// occurrence, indented, and how many more there were.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (kind, report) in self.kinds() {
            out.push(kind.headline(report.count));
            out.extend(report.listed.iter().map(|l| format!("  {l}")));
            if report.count > report.listed.len() {
                out.push(format!(
                    "  … and {} more",
                    report.count - report.listed.len()
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_count_each_kind_in_words() {
        for (kind, count, headline) in [
            (
                NoticeKind::MediaRelativeDropped,
                3,
                "3 media dropped: relative path without --base-url",
            ),
            (
                NoticeKind::LowAboveHigh,
                7,
                "7 rows: low > high kept as published",
            ),
            (
                NoticeKind::LowAboveHigh,
                1,
                "1 row: low > high kept as published",
            ),
            (
                NoticeKind::TitleDerived,
                2,
                "2 titles derived from text or date",
            ),
        ] {
            assert_eq!(kind.headline(count), headline);
        }
    }

    #[test]
    fn a_report_counts_every_occurrence_and_lists_the_first() {
        let mut report = ImportReport::default();
        for line in 0..(MAX_LISTED_PER_KIND + 5) {
            report.push(
                "ged.csv",
                Some(line + 2),
                Notice::new(NoticeKind::LowAboveHigh, "high", "low 18 > high 17"),
            );
        }
        assert_eq!(
            report.count(NoticeKind::LowAboveHigh),
            MAX_LISTED_PER_KIND + 5
        );
        let lines = report.lines();
        assert_eq!(lines[0], "25 rows: low > high kept as published");
        assert_eq!(lines[1], "  ged.csv:2: high: low 18 > high 17");
        assert_eq!(lines.last().map(String::as_str), Some("  … and 5 more"));
    }
}
