//! TimelineJS, the newsroom timeline tool: its JSON file (`title`, `events[]`, `eras[]`)
//! and its Google-sheet template exported as CSV (`Year, Month, Day, … Headline, Text, …
//! Type, Group`). Dates are components (year, month, day) whose presence gives the
//! precision; texts are HTML, turned into plain text or conservative Markdown here (they are
//! sanitised again when rendered). The mapping is documented in `docs/dataset-format.md`.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use serde_json::Value;

use super::error::ImportProblem;
use super::tabular::{
    self, Header, ItemSource, Row, RowMapper, Yielded, ascii_slug, check_event, columns, fit_slug,
    fit_text, hand_on,
};
use super::{ConflictRecord, Input, Item, Located, MappingOptions, Notice, NoticeKind};
use crate::edtf::Edtf;
use crate::import::ImportError;
use crate::record::{
    Coordinates, EVENT_SLUG_MAX, EraRecord, EventRecord, Fatalities, FieldProblem, SHORT_SLUG_MAX,
    SourceRecord, TITLE_MAX, is_web_url,
};

/// The names of the three date components, for messages.
struct DateFields<'a> {
    year: &'a str,
    month: &'a str,
    day: &'a str,
}

/// A year as an EDTF date component: four digits, `-` before a negative year.
fn year4(y: i64) -> String {
    i32::try_from(y).map_or_else(|_| y.to_string(), crate::edtf::year_text)
}

/// Builds `YYYY`, `YYYY-MM` or `YYYY-MM-DD` from components; `None` when all are empty.
fn date_text(
    (year, month, day): (&str, &str, &str),
    fields: &DateFields<'_>,
) -> Result<Option<String>, FieldProblem> {
    let number = |field: &str, value: &str, range: std::ops::RangeInclusive<i64>, what: &str| {
        let parsed = value.parse::<i64>().ok().or_else(|| {
            value
                .parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e9)
                .map(|f| f as i64)
        });
        match parsed {
            Some(n) if range.contains(&n) => Ok(n),
            _ => Err(FieldProblem::new(field, value, format!("must be {what}"))),
        }
    };
    match (year, month, day) {
        ("", "", "") => Ok(None),
        ("", _, _) => Err(FieldProblem::new(
            fields.year,
            "",
            "is required when a month or day is given",
        )),
        // Years as TimelineJS writes them (`-3500` in its own templates), numbered as
        // JavaScript's dates and EDTF number them (0 is 1 BCE).
        (y, "", "") => {
            let y = number(fields.year, y, -9999..=9999, "a year from -9999 to 9999")?;
            Ok(Some(year4(y)))
        }
        (_, "", _) => Err(FieldProblem::new(
            fields.month,
            "",
            "is required when a day is given",
        )),
        (y, m, d) => {
            let y = number(fields.year, y, -9999..=9999, "a year from -9999 to 9999")?;
            let m = number(fields.month, m, 1..=12, "a month from 1 to 12")?;
            if d.is_empty() {
                return Ok(Some(format!("{}-{m:02}", year4(y))));
            }
            let d = number(fields.day, d, 1..=31, "a day from 1 to 31")?;
            let text = format!("{}-{m:02}-{d:02}", year4(y));
            crate::edtf::parse_filter_date(&text)
                .map_err(|e| FieldProblem::new(fields.day, d.to_string(), e.to_string()))?;
            Ok(Some(text))
        }
    }
}

/// The EDTF of a start and an optional end.
fn timeline_date(
    start: Option<String>,
    end: Option<String>,
    start_field: &str,
    end_field: &str,
) -> Result<Edtf, FieldProblem> {
    let Some(start) = start else {
        return Err(FieldProblem::new(
            start_field,
            "",
            "must give at least a year",
        ));
    };
    let text = match end {
        Some(end) if end != start => format!("{start}/{end}"),
        _ => start,
    };
    Edtf::parse(&text).map_err(|e| FieldProblem::new(end_field, text.as_str(), e.to_string()))
}

/// Turns TimelineJS HTML into Markdown: tags are dropped, paragraphs, line breaks and list
/// items kept, `http(s)` links written `[text](url)`, character references decoded.
pub fn html_to_markdown(html: &str) -> String {
    convert_html(html, true).join("\n\n")
}

/// Turns TimelineJS HTML into one line of plain text (for headlines and names).
pub fn html_to_text(html: &str) -> String {
    convert_html(html, false).join(" ")
}

/// The paragraphs of an HTML fragment, as Markdown (`links`) or plain text.
fn convert_html(html: &str, links: bool) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut link: Option<(usize, String)> = None;
    let mut skip_until: Option<&'static str> = None;
    let mut rest = html;
    let flush = |current: &mut String, paragraphs: &mut Vec<String>| {
        let text = current
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if !text.is_empty() {
            paragraphs.push(text);
        }
        current.clear();
    };
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some(until) = skip_until {
                if closing && name == until {
                    skip_until = None;
                }
                continue;
            }
            match name.as_str() {
                "script" | "style" if !closing => {
                    skip_until = Some(if name == "script" { "script" } else { "style" });
                }
                "p" | "div" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                | "blockquote" | "table" | "tr" => flush(&mut current, &mut paragraphs),
                // A line break inside a headline or name is a space: plain text is one line.
                "br" => current.push(if links { '\n' } else { ' ' }),
                "li" if !closing => {
                    current.push('\n');
                    if links {
                        current.push_str("- ");
                    }
                }
                "a" if !closing => {
                    link = attribute(tag, "href").map(|href| (current.len(), href));
                }
                "a" => {
                    if let Some((at, href)) = link.take()
                        && links
                        && is_web_url(&href)
                        && current.len() > at
                    {
                        current.insert(at, '[');
                        current.push_str(&format!("]({href})"));
                    }
                }
                _ => {}
            }
            continue;
        }
        if skip_until.is_some() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '&'
            && let Some((decoded, len)) = entity(rest)
        {
            current.push(decoded);
            rest = &rest[len..];
            continue;
        }
        current.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut current, &mut paragraphs);
    paragraphs
}

/// The value of an attribute in a start tag, with entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))? + name.len() + 1;
    let value = tag.get(at..)?;
    let raw = match value.chars().next()? {
        q @ ('"' | '\'') => value[1..].split(q).next()?,
        _ => value.split([' ', '>']).next()?,
    };
    Some(html_to_text(raw))
}

/// Decodes a character reference at the start of `s`: the character and the bytes used.
fn entity(s: &str) -> Option<(char, usize)> {
    // Bytes, not a string slice: the twelfth byte may fall inside a character (`&amp; …`).
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "#39" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

/// The text without its last paragraph when that paragraph is only the link a TimelineJS
/// export adds to the page of the slide's event (`[Sources and details](…/events/{id})`):
/// the export's, not the event's.
fn without_back_link(markdown: &str, unique_id: &str) -> Option<String> {
    let (before, last) = match markdown.trim_end().rsplit_once("\n\n") {
        Some((before, last)) => (before, last),
        None => ("", markdown.trim_end()),
    };
    let url = last
        .strip_prefix(&format!("[{}](", crate::model::BACK_LINK_TEXT))?
        .strip_suffix(')')?;
    crate::model::is_event_page_url(url, unique_id).then(|| before.to_string())
}

/// Splits converted text into a summary (its first paragraph) and a body (the rest).
fn summary_and_body(markdown: String) -> (String, String) {
    match markdown.split_once("\n\n") {
        Some((first, rest)) => (first.to_string(), rest.to_string()),
        None => (markdown, String::new()),
    }
}

/// Gives every derived event slug of a file its own: `-2`, `-3`… on repeats.
#[derive(Default)]
struct SlugDeduper(HashSet<String>);

impl SlugDeduper {
    fn unique(&mut self, base: String) -> String {
        if self.0.insert(base.clone()) {
            return base;
        }
        (2..)
            .map(|n| {
                let suffix = format!("-{n}");
                format!("{}{suffix}", fit_slug(&base, EVENT_SLUG_MAX - suffix.len()))
            })
            .find(|candidate| self.0.insert(candidate.clone()))
            .unwrap_or(base)
    }
}

/// `unique_id` slugified, else `{start}-{headline}` (made unique within the file).
fn event_slug(unique_id: &str, headline: &str, date: &Edtf, seen: &mut SlugDeduper) -> String {
    let given = ascii_slug(unique_id);
    if !given.is_empty() {
        return fit_slug(&given, EVENT_SLUG_MAX);
    }
    let base = fit_slug(
        &ascii_slug(&format!(
            "{} {headline}",
            date.earliest_iso()
                .or_else(|| date.latest_iso())
                .unwrap_or_default()
        )),
        EVENT_SLUG_MAX,
    );
    seen.unique(base)
}

/// `group` slugified, or `event`.
fn category(group: &str) -> String {
    let slug = fit_slug(&ascii_slug(group), 60);
    if slug.is_empty() {
        "event".to_string()
    } else {
        slug
    }
}

/// A slide's `media.url` as a web address: as given when it is one, `https:` before a
/// protocol-relative `//host/…` (what TimelineJS's own examples use), a relative path
/// resolved against `--base-url` (as the browser showing the timeline would), and for an
/// embed (HTML such as a `<blockquote>` or `<iframe>`) the first web link it holds. Every
/// change, and media left out, is a [`Notice`] naming `field`.
fn media_url(
    url: &str,
    field: &str,
    base: Option<&url::Url>,
    notices: &mut Vec<Notice>,
) -> Option<String> {
    let url = url.trim();
    let mut notice =
        |kind: NoticeKind, detail: String| notices.push(Notice::new(kind, field, detail));
    let shown = ImportProblem::shorten(url);
    let absolute = |u: &str| match u.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => u.to_string(),
    };
    if url.is_empty() {
        return None;
    }
    if url.starts_with('<') {
        let mut rest = url;
        while let Some(start) = rest.find('<') {
            let tag_end = rest[start..].find('>').map_or(rest.len(), |e| start + e);
            let tag = &rest[start + 1..tag_end];
            if let Some(link) = attribute(tag, "href")
                .or_else(|| attribute(tag, "src"))
                .map(|u| absolute(&u))
                .filter(|u| is_web_url(u))
            {
                notice(
                    NoticeKind::MediaEmbedAsLink,
                    format!("an embed, kept as {link}"),
                );
                return Some(link);
            }
            rest = &rest[tag_end..];
            if rest.len() <= 1 {
                break;
            }
            rest = &rest[1..];
        }
        notice(
            NoticeKind::MediaNotWebDropped,
            format!("an embed without a web link, left out: {shown:?}"),
        );
        return None;
    }
    if let Some(rest) = url.strip_prefix("//") {
        let link = format!("https://{rest}");
        if is_web_url(&link) {
            notice(
                NoticeKind::MediaProtocolRelative,
                format!("{shown} read as {link}"),
            );
            return Some(link);
        }
    }
    if is_web_url(url) {
        return Some(url.to_string());
    }
    // A scheme (`data:`, `mailto:`, `javascript:`) before any `/`: not a path.
    let has_scheme = url
        .split_once(':')
        .is_some_and(|(scheme, _)| !scheme.is_empty() && !scheme.contains(['/', '?', '#']));
    if has_scheme || url.starts_with("//") {
        notice(
            NoticeKind::MediaNotWebDropped,
            format!("{shown:?} is not a web address, left out"),
        );
        return None;
    }
    match base.map(|b| b.join(url)) {
        Some(Ok(joined)) if is_web_url(joined.as_str()) => {
            let link = joined.to_string();
            notice(
                NoticeKind::MediaResolved,
                format!("{shown} resolved as {link}"),
            );
            Some(link)
        }
        Some(_) => {
            notice(
                NoticeKind::MediaNotWebDropped,
                format!("{shown:?} does not resolve against --base-url, left out"),
            );
            None
        }
        None => {
            notice(
                NoticeKind::MediaRelativeDropped,
                format!("{shown:?} left out (give --base-url to resolve it)"),
            );
            None
        }
    }
}

/// A media link as a source (with its caption as the title and its credit as the
/// publisher), when it is or holds a web address (see [`media_url`]).
fn media_source(
    (url, caption, credit): (&str, &str, &str),
    field: &str,
    base: Option<&url::Url>,
    notices: &mut Vec<Notice>,
) -> Option<SourceRecord> {
    let url = media_url(url, field, base, notices)?;
    let caption = html_to_text(caption);
    let credit = html_to_text(credit);
    let title = [caption.as_str(), credit.as_str(), url.as_str()]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or(url.as_str())
        .to_string();
    Some(SourceRecord {
        title: fit_text(&title, 500),
        publisher: (!credit.is_empty()).then(|| fit_text(&credit, 500)),
        url: Some(url),
        published: None,
        note: None,
    })
}

/// The conflict a TimelineJS file's events go into: `--conflict`, else one named after the
/// title slide. The title also names a conflict created by `--conflict` without
/// `--conflict-name`.
fn conflict_item(mapping: &MappingOptions, title: Option<&str>, summary: &str) -> Option<Item> {
    let title = title.map(html_to_text).filter(|t| !t.is_empty());
    let slug = match &mapping.conflict {
        Some(slug) => slug.clone(),
        None => fit_slug(&ascii_slug(title.as_deref()?), SHORT_SLUG_MAX),
    };
    let name = mapping
        .conflict_name
        .clone()
        .or(title)
        .unwrap_or_else(|| slug.clone());
    Some(Item::ImpliedConflict {
        record: ConflictRecord {
            slug,
            name: fit_text(&name, 200),
            // The title slide's whole text: it describes the conflict.
            summary: html_to_markdown(summary),
            region: None,
        },
        rename: mapping.conflict_name.is_some(),
    })
}

fn missing_conflict(field: &str) -> FieldProblem {
    FieldProblem::new(
        field,
        "",
        "a title (headline) is needed to name the conflict; or use --conflict SLUG",
    )
}

// ---------------------------------------------------------------------------------------
// JSON

/// A JSON value as a trimmed string: strings as they are, numbers written out.
fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The date of a TimelineJS date object at `path` (such as `events[3].start_date`).
fn json_date(value: Option<&Value>, path: &str) -> Result<Option<String>, FieldProblem> {
    let Some(object) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    if !object.is_object() {
        return Err(FieldProblem::new(
            path,
            object.to_string(),
            "must be an object with year, month and day",
        ));
    }
    let (y, m, d) = (
        format!("{path}.year"),
        format!("{path}.month"),
        format!("{path}.day"),
    );
    date_text(
        (
            &text_of(object.get("year")),
            &text_of(object.get("month")),
            &text_of(object.get("day")),
        ),
        &DateFields {
            year: &y,
            month: &m,
            day: &d,
        },
    )
}

/// A JSON syntax error (or a failed read) as a problem naming its line.
fn json_problem(file: &str, e: &serde_json::Error) -> ImportProblem {
    ImportProblem {
        file: file.to_string(),
        line: Some(e.line()),
        field: String::new(),
        value: String::new(),
        message: format!("not valid JSON: {e}"),
    }
}

/// What the first pass over a file keeps: everything but the events, which it only counts.
#[derive(Default)]
struct JsonHead {
    title: Option<Value>,
    eras: Option<Value>,
    /// `Some(true)` for an `events` array, `Some(false)` for an `events` of another type.
    events_array: Option<bool>,
}

/// The root object, read keeping the title and eras and skipping the events.
struct HeadVisitor;

impl<'de> serde::de::Visitor<'de> for HeadVisitor {
    type Value = JsonHead;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a TimelineJS object with an `events` array")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonHead, A::Error> {
        let mut head = JsonHead::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "title" => head.title = Some(map.next_value()?),
                "eras" => head.eras = Some(map.next_value()?),
                "events" => head.events_array = Some(map.next_value::<IsArray>()?.0),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

/// Whether a value is an array, read without keeping any of it.
struct IsArray(bool);

impl<'de> serde::Deserialize<'de> for IsArray {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IsArray, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = IsArray;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<IsArray, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(IsArray(true))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<IsArray, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(IsArray(false))
            }
            fn visit_bool<E>(self, _: bool) -> Result<IsArray, E> {
                Ok(IsArray(false))
            }
            fn visit_i64<E>(self, _: i64) -> Result<IsArray, E> {
                Ok(IsArray(false))
            }
            fn visit_u64<E>(self, _: u64) -> Result<IsArray, E> {
                Ok(IsArray(false))
            }
            fn visit_f64<E>(self, _: f64) -> Result<IsArray, E> {
                Ok(IsArray(false))
            }
            fn visit_str<E>(self, _: &str) -> Result<IsArray, E> {
                Ok(IsArray(false))
            }
            fn visit_unit<E>(self) -> Result<IsArray, E> {
                Ok(IsArray(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// The root object read a second time, handing each event to `sink` as it is parsed, so
/// that only one event is in memory at a time. `sink` returns false to stop early.
struct EventsVisitor<'s> {
    sink: &'s mut dyn FnMut(usize, Value) -> bool,
}

impl<'de> serde::de::Visitor<'de> for EventsVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a TimelineJS object with an `events` array")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut done = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "events" && !done {
                map.next_value_seed(EventsSeed {
                    sink: &mut *self.sink,
                })?;
                done = true;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `events` array, element by element.
struct EventsSeed<'s> {
    sink: &'s mut dyn FnMut(usize, Value) -> bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for EventsSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for EventsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of slides")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(event) = seq.next_element::<Value>()? {
            if !(self.sink)(i, event) {
                return Err(serde::de::Error::custom("import stopped"));
            }
            i += 1;
        }
        Ok(())
    }
}

/// Counts the bytes read, for the progress line.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A TimelineJS JSON file read event by event.
///
/// Two passes over the input, on a thread of their own: the first keeps the title slide
/// and the eras and checks the syntax of the whole file while skipping the events (a
/// TimelineJS object may give `title` after `events`, and every event needs the conflict
/// the title names); the second parses one event at a time and hands it on through a
/// bounded channel. Memory stays flat however many events the file holds.
pub struct JsonSource {
    items: Receiver<Yielded>,
    read: Arc<AtomicU64>,
    size: Option<u64>,
}

impl Iterator for JsonSource {
    type Item = Yielded;
    fn next(&mut self) -> Option<Yielded> {
        self.items.recv().ok()
    }
}

impl ItemSource for JsonSource {
    fn progress(&self) -> (u64, Option<u64>) {
        (self.read.load(Ordering::Relaxed), self.size)
    }
}

/// Opens a TimelineJS JSON input for reading event by event (see [`JsonSource`]).
pub fn json_source(
    input: &Input,
    file_index: usize,
    mapping: &MappingOptions,
) -> Result<JsonSource, ImportError> {
    // Open once here so that a missing file is an error of the import, not a problem.
    let (first, size) = tabular::open_bytes(input)?;
    let (tx, rx) = std::sync::mpsc::sync_channel(1024);
    let read = Arc::new(AtomicU64::new(0));
    let progress = Arc::clone(&read);
    let input = input.clone();
    let mapping = mapping.clone();
    std::thread::spawn(move || {
        let send = |y: Yielded| tx.send(y).is_ok();
        read_json(&input, file_index, &mapping, first, &progress, &send);
    });
    Ok(JsonSource {
        items: rx,
        read,
        size,
    })
}

/// The two passes of [`JsonSource`], sending what they find to `send` (which returns false
/// once nobody listens).
fn read_json(
    input: &Input,
    file_index: usize,
    mapping: &MappingOptions,
    first: tabular::Bytes,
    read: &Arc<AtomicU64>,
    send: &dyn Fn(Yielded) -> bool,
) {
    let file = input.name.as_str();
    let problem = |p: FieldProblem| tabular::problem(file, None, p);
    let mut de = serde_json::Deserializer::from_reader(first);
    let head = match serde::Deserializer::deserialize_any(&mut de, HeadVisitor)
        .and_then(|head| de.end().map(|()| head))
    {
        Ok(head) => head,
        Err(e) if e.is_data() => {
            send(Err(vec![problem(FieldProblem::new(
                "events",
                "",
                "a TimelineJS file is an object with an `events` array",
            ))]));
            return;
        }
        Err(e) => {
            send(Err(vec![json_problem(file, &e)]));
            return;
        }
    };
    if head.events_array != Some(true) {
        send(Err(vec![problem(FieldProblem::new(
            "events",
            "",
            "a TimelineJS file is an object with an `events` array",
        ))]));
        return;
    }
    let located = |item| {
        Ok(Located {
            file_index,
            line: None,
            item,
        })
    };
    let title = head.title.as_ref();
    let headline = title
        .and_then(|t| t.pointer("/text/headline"))
        .and_then(Value::as_str);
    let title_text = title
        .and_then(|t| t.pointer("/text/text"))
        .and_then(Value::as_str)
        .unwrap_or("");
    // Without a conflict the file cannot import, but its events are still checked, so that
    // one run reports every problem.
    let conflict = match conflict_item(mapping, headline, title_text) {
        Some(Item::ImpliedConflict { record, rename }) => {
            let slug = record.slug.clone();
            if !send(located(Item::ImpliedConflict { record, rename })) {
                return;
            }
            slug
        }
        _ => {
            if !send(Err(vec![problem(missing_conflict("title.text.headline"))])) {
                return;
            }
            String::new()
        }
    };
    for yielded in era_items(file, file_index, &conflict, head.eras.as_ref()) {
        if !send(yielded) {
            return;
        }
    }
    drop(head);

    let second = match tabular::open_bytes(input) {
        Ok((bytes, _)) => bytes,
        Err(e) => {
            send(Err(vec![ImportProblem {
                file: file.to_string(),
                line: None,
                field: String::new(),
                value: String::new(),
                message: e.to_string(),
            }]));
            return;
        }
    };
    let mut seen = SlugDeduper::default();
    let slides = SlideFile {
        file,
        file_index,
        conflict: &conflict,
        base: mapping.base_url.as_ref(),
    };
    let mut sink = |i: usize, event: Value| {
        let mut notices = Vec::new();
        let yielded = event_item(&slides, i, &event, &mut seen, &mut notices);
        // What the slide lost or gained is reported only when it imports.
        if yielded.is_ok() {
            for notice in notices {
                if !send(located(Item::Notice(notice))) {
                    return false;
                }
            }
        }
        send(yielded)
    };
    let counted = Counting {
        inner: second,
        read: Arc::clone(read),
    };
    let mut de = serde_json::Deserializer::from_reader(counted);
    if let Err(e) = serde::Deserializer::deserialize_any(&mut de, EventsVisitor { sink: &mut sink })
        && !e.to_string().starts_with("import stopped")
    {
        // The first pass read the same bytes: only a file changed under the import gets here.
        send(Err(vec![json_problem(file, &e)]));
    }
}

/// The eras of a TimelineJS file, each an item or its problems.
fn era_items(file: &str, file_index: usize, conflict: &str, eras: Option<&Value>) -> Vec<Yielded> {
    let problem = |p: FieldProblem| tabular::problem(file, None, p);
    let mut out = Vec::new();
    for (i, era) in eras
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = format!("eras[{i}]");
        let name = html_to_text(&text_of(era.pointer("/text/headline")));
        let date =
            json_date(era.get("start_date"), &format!("{path}.start_date")).and_then(|start| {
                let end = json_date(era.get("end_date"), &format!("{path}.end_date"))?;
                timeline_date(
                    start,
                    end,
                    &format!("{path}.start_date"),
                    &format!("{path}.end_date"),
                )
            });
        let slug = fit_slug(&ascii_slug(&name), SHORT_SLUG_MAX);
        let record = match date {
            Ok(date) => EraRecord {
                conflict: conflict.to_string(),
                slug: if slug.is_empty() {
                    format!("era-{}", i + 1)
                } else {
                    slug
                },
                name: fit_text(&name, 200),
                date,
                summary: html_to_markdown(&text_of(era.pointer("/text/text"))),
            },
            Err(p) => {
                out.push(Err(vec![problem(p)]));
                continue;
            }
        };
        let found: Vec<ImportProblem> = record
            .check()
            .into_iter()
            .map(|mut p| {
                p.field = format!(
                    "{path}.{}",
                    if p.field == "name" {
                        "text.headline"
                    } else {
                        &p.field
                    }
                );
                problem(p)
            })
            .collect();
        if found.is_empty() {
            out.push(Ok(Located {
                file_index,
                line: None,
                item: Item::Era(record),
            }));
        } else {
            out.push(Err(found));
        }
    }
    out
}

/// What every slide of a file shares: the file's name and index, its conflict, and
/// `--base-url`.
struct SlideFile<'a> {
    file: &'a str,
    file_index: usize,
    conflict: &'a str,
    base: Option<&'a url::Url>,
}

/// Record fields reported under the JSON field they come from (below the event's path).
const JSON_FIELD: &[(&str, &str)] = &[
    ("slug", "unique_id"),
    ("title", "text.headline"),
    ("category", "group"),
    ("label", "display_date"),
    ("sources[0].url", "media.url"),
    ("sources[0].title", "media.caption"),
];

/// One TimelineJS slide (`events[i]`) as an event or its problems, and what it lost or
/// gained (into `notices`).
fn event_item(
    at: &SlideFile<'_>,
    i: usize,
    event: &Value,
    seen: &mut SlugDeduper,
    notices: &mut Vec<Notice>,
) -> Yielded {
    let &SlideFile {
        file,
        file_index,
        conflict,
        base,
    } = at;
    let problem = |p: FieldProblem| tabular::problem(file, None, p);
    let path = format!("events[{i}]");
    let mut problems = Vec::new();
    let start = json_date(event.get("start_date"), &format!("{path}.start_date"))
        .map_err(|p| problems.push(p))
        .ok()
        .flatten();
    let end = json_date(event.get("end_date"), &format!("{path}.end_date"))
        .map_err(|p| problems.push(p))
        .ok()
        .flatten();
    let date = if problems.is_empty() {
        timeline_date(
            start,
            end,
            &format!("{path}.start_date"),
            &format!("{path}.end_date"),
        )
        .map_err(|p| problems.push(p))
        .ok()
    } else {
        None
    };
    let html = text_of(event.pointer("/text/text"));
    let headline = html_to_text(&text_of(event.pointer("/text/headline")));
    let mut markdown = html_to_markdown(&html);
    if let Some(id) = event.get("unique_id").and_then(Value::as_str)
        && let Some(kept) = without_back_link(&markdown, id)
    {
        notices.push(Notice::new(
            NoticeKind::BackLinkDropped,
            format!("{path}.text.text"),
            format!(
                "\"{}\" link to the exporting site's page of {id}",
                crate::model::BACK_LINK_TEXT
            ),
        ));
        markdown = kept;
    }
    let (summary, body) = summary_and_body(markdown);
    let label = [
        event.get("display_date"),
        event.pointer("/start_date/display_date"),
    ]
    .into_iter()
    .map(|v| html_to_text(&text_of(v)))
    .find(|s| !s.is_empty());
    let sources = media_source(
        (
            &text_of(event.pointer("/media/url")),
            &text_of(event.pointer("/media/caption")),
            &text_of(event.pointer("/media/credit")),
        ),
        &format!("{path}.media.url"),
        base,
        notices,
    )
    .into_iter()
    .collect();
    // Not in TimelineJS's schema: optional `place`, `latitude` and `longitude` keys.
    let place = event
        .get("place")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| fit_text(p, 300));
    let degrees = |key: &str, problems: &mut Vec<FieldProblem>| match event.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(n) => Some(n),
            None => {
                problems.push(FieldProblem::new(
                    format!("{path}.{key}"),
                    v.to_string(),
                    "must be a number of degrees",
                ));
                None
            }
        },
    };
    let coordinates = match (
        degrees("latitude", &mut problems),
        degrees("longitude", &mut problems),
    ) {
        (Some(latitude), Some(longitude)) => Some(Coordinates {
            latitude,
            longitude,
        }),
        (None, None) => None,
        (lat, _) => {
            let (field, other) = if lat.is_some() {
                ("longitude", "latitude")
            } else {
                ("latitude", "longitude")
            };
            problems.push(FieldProblem::new(
                format!("{path}.{field}"),
                "",
                format!("is required when {other} is given"),
            ));
            None
        }
    };
    let Some(date) = date else {
        return Err(problems.into_iter().map(problem).collect());
    };
    if !problems.is_empty() {
        return Err(problems.into_iter().map(problem).collect());
    }
    let title = if headline.is_empty() {
        let title = derived_title(&html_to_text(&html), label.as_deref(), &date);
        notices.push(derived_notice(&format!("{path}.text.headline"), &title));
        title
    } else {
        fit_text(&headline, TITLE_MAX)
    };
    let record = EventRecord {
        conflict: conflict.to_string(),
        slug: event_slug(&text_of(event.get("unique_id")), &headline, &date, seen),
        title,
        summary,
        body,
        date,
        label: label.map(|l| fit_text(&l, 100)),
        category: category(&text_of(event.get("group"))),
        place,
        places: Vec::new(),
        notable: false,
        formerly: Vec::new(),
        coordinates,
        fatalities: Fatalities::default(),
        actors: Vec::new(),
        sources,
        links: Vec::new(),
    };
    problems.extend(check_event(&record, JSON_FIELD).into_iter().map(|mut p| {
        p.field = format!("{path}.{}", p.field);
        p
    }));
    if problems.is_empty() {
        Ok(Located {
            file_index,
            line: None,
            item: Item::Event(Box::new(record)),
        })
    } else {
        Err(problems.into_iter().map(problem).collect())
    }
}

/// The report's word on a title [`derived_title`] made.
fn derived_notice(field: &str, title: &str) -> Notice {
    Notice::new(
        NoticeKind::TitleDerived,
        field,
        format!("no headline, titled {title:?}"),
    )
}

/// The title of a slide without a headline (TimelineJS allows them): the first words of
/// its text, else its display date, else its date in words, in square brackets, the
/// cataloguer's mark for a title supplied rather than found.
fn derived_title(text: &str, label: Option<&str>, date: &Edtf) -> String {
    const WORDS: usize = 12;
    let words: Vec<&str> = text.split_whitespace().collect();
    let text = if words.is_empty() {
        label.map_or_else(|| date.words(), str::to_string)
    } else if words.len() > WORDS {
        format!("{}…", words[..WORDS].join(" "))
    } else {
        words.join(" ")
    };
    fit_text(&format!("[{text}]"), TITLE_MAX)
}

// ---------------------------------------------------------------------------------------
// Spreadsheet CSV

columns! {
    /// The template's columns, resolved from the header.
    struct Columns {
        year: "year",
        month: "month",
        day: "day",
        end_year: "end year",
        end_month: "end month",
        end_day: "end day",
        display_date: "display date",
        headline: "headline",
        text: "text",
        media: "media",
        media_credit: "media credit",
        media_caption: "media caption",
        kind: "type",
        group: "group",
        /// Not in Knight Lab's template: optional columns for the event's place.
        place: "place",
        latitude: "latitude",
        longitude: "longitude",
    }
}

/// Record fields reported under the sheet column they come from.
const SHEET_COLUMN: &[(&str, &str)] = &[
    ("title", "Headline"),
    ("slug", "Headline"),
    ("category", "Group"),
    ("label", "Display Date"),
    ("sources[0].url", "Media"),
    ("sources[0].title", "Media Caption"),
];

/// Maps the rows of a TimelineJS sheet: events, eras (`Type` = era) and the title row.
pub struct SheetCsv {
    cols: Columns,
    conflict: Option<Item>,
    conflict_slug: Option<String>,
    seen: SlugDeduper,
    /// `--base-url`, for relative media paths.
    base_url: Option<url::Url>,
}

impl SheetCsv {
    /// A mapper for a sheet whose title row (found beforehand) is `title`.
    pub fn new(mapping: &MappingOptions, title: Option<(String, String)>) -> Self {
        let (headline, text) = title.unzip();
        let conflict = conflict_item(mapping, headline.as_deref(), text.as_deref().unwrap_or(""));
        let conflict_slug = match &conflict {
            Some(Item::ImpliedConflict { record, .. }) => Some(record.slug.clone()),
            _ => None,
        };
        SheetCsv {
            cols: Columns::default(),
            conflict,
            conflict_slug,
            seen: SlugDeduper::default(),
            base_url: mapping.base_url.clone(),
        }
    }

    fn dates(&self, row: &Row<'_>) -> Result<Edtf, FieldProblem> {
        let c = &self.cols;
        let start = date_text(
            (row.get(c.year), row.get(c.month), row.get(c.day)),
            &DateFields {
                year: "Year",
                month: "Month",
                day: "Day",
            },
        )?;
        let end = date_text(
            (
                row.get(c.end_year),
                row.get(c.end_month),
                row.get(c.end_day),
            ),
            &DateFields {
                year: "End Year",
                month: "End Month",
                day: "End Day",
            },
        )?;
        timeline_date(start, end, "Year", "End Year")
    }
}

/// Finds the title row of a sheet (`Type` = title): its headline and text.
pub fn find_title(input: &Input) -> Result<Option<(String, String)>, ImportError> {
    let (bytes, _) = tabular::open_bytes(input)?;
    let mut reader = tabular::csv_reader(bytes);
    let Ok(names) = reader.headers() else {
        return Ok(None);
    };
    let header = Header::new(names.iter());
    let (Some(kind), Some(headline)) = (header.col("type"), header.col("headline")) else {
        return Ok(None);
    };
    let text = header.col("text");
    let mut record = csv::StringRecord::new();
    // Errors are reported by the real pass; here they only end the search.
    while let Ok(true) = reader.read_record(&mut record) {
        if record
            .get(kind)
            .is_some_and(|k| k.trim().eq_ignore_ascii_case("title"))
        {
            let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").to_string();
            return Ok(Some((get(Some(headline)), get(text))));
        }
    }
    Ok(None)
}

impl RowMapper for SheetCsv {
    fn header(&mut self, h: &Header) -> Vec<FieldProblem> {
        self.cols = Columns::find(h);
        let mut problems = h.missing(&["Year", "Headline"]);
        if problems.is_empty() && self.conflict.is_none() && self.conflict_slug.is_none() {
            problems.push(missing_conflict("Type"));
        }
        problems
    }

    fn row(&mut self, row: &Row<'_>, out: &mut Vec<Item>) -> Result<(), Vec<FieldProblem>> {
        let c = &self.cols;
        if let Some(item) = self.conflict.take() {
            out.push(item);
        }
        let conflict = self.conflict_slug.clone().unwrap_or_default();
        let kind = row.get(c.kind).to_ascii_lowercase();
        if kind == "title" {
            return Ok(());
        }
        let headline = html_to_text(row.get(c.headline));
        let date = self.dates(row).map_err(|p| vec![p])?;
        if kind == "era" {
            let slug = fit_slug(&ascii_slug(&headline), SHORT_SLUG_MAX);
            let record = EraRecord {
                conflict,
                slug: if slug.is_empty() {
                    format!("era-{}", row.line)
                } else {
                    slug
                },
                name: fit_text(&headline, 200),
                date,
                summary: html_to_markdown(row.get(c.text)),
            };
            let problems: Vec<FieldProblem> = record
                .check()
                .into_iter()
                .map(|mut p| {
                    p.field = "Headline".to_string();
                    p
                })
                .collect();
            if !problems.is_empty() {
                return Err(problems);
            }
            out.push(Item::Era(record));
            return Ok(());
        }
        let (summary, body) = summary_and_body(html_to_markdown(row.get(c.text)));
        let label = row
            .opt(c.display_date)
            .map(|l| fit_text(&html_to_text(l), 100));
        let mut notices = Vec::new();
        let title = if headline.is_empty() {
            let title = derived_title(&html_to_text(row.get(c.text)), label.as_deref(), &date);
            notices.push(derived_notice("Headline", &title));
            title
        } else {
            fit_text(&headline, TITLE_MAX)
        };
        let mut problems = Vec::new();
        let coordinates = tabular::parse_coordinates(
            ("Latitude", row.get(c.latitude)),
            ("Longitude", row.get(c.longitude)),
            &mut problems,
        );
        if !problems.is_empty() {
            return Err(problems);
        }
        let record = EventRecord {
            conflict,
            slug: event_slug("", &headline, &date, &mut self.seen),
            title,
            summary,
            body,
            date,
            label,
            category: category(row.get(c.group)),
            place: row.opt(c.place).map(|p| fit_text(p, 300)),
            coordinates,
            fatalities: Fatalities::default(),
            actors: Vec::new(),
            sources: media_source(
                (
                    row.get(c.media),
                    row.get(c.media_caption),
                    row.get(c.media_credit),
                ),
                "Media",
                self.base_url.as_ref(),
                &mut notices,
            )
            .into_iter()
            .collect(),
            links: Vec::new(),
            places: Vec::new(),
            notable: false,
            formerly: Vec::new(),
        };
        let problems = check_event(&record, SHEET_COLUMN);
        if problems.is_empty() {
            out.extend(notices.into_iter().map(Item::Notice));
        }
        hand_on(record, problems, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exports_own_back_link_is_left_out() {
        let text = "First.\n\nSecond.\n\n[Sources and details](https://example.org/events/talks)";
        assert_eq!(
            without_back_link(text, "talks").as_deref(),
            Some("First.\n\nSecond.")
        );
        assert_eq!(
            without_back_link("[Sources and details](https://x.org/events/talks)", "talks")
                .as_deref(),
            Some("")
        );
        // Another event's page, another text, or a link that is not last: the author's.
        assert_eq!(without_back_link(text, "other-talks"), None);
        assert_eq!(
            without_back_link("See [the page](https://example.org/events/talks)", "talks"),
            None
        );
        assert_eq!(
            without_back_link(
                "[Sources and details](https://example.org/events/talks)\n\nMore.",
                "talks"
            ),
            None
        );
        assert_eq!(
            without_back_link("[Sources and details](javascript:x/events/talks)", "talks"),
            None
        );
    }

    #[test]
    fn html_becomes_paragraphs_and_markdown_links() {
        let html = "<p>Fighting in <b>Şuşa</b> &amp; Shushi.</p><p>See <a href=\"https://example.org/a\">the report</a>.<br>Second line</p><script>alert(1)</script>";
        assert_eq!(
            html_to_markdown(html),
            "Fighting in Şuşa & Shushi.\n\nSee [the report](https://example.org/a).\nSecond line"
        );
        assert_eq!(
            html_to_text("<i>Xankəndi</i>  &#8211; talks"),
            "Xankəndi – talks"
        );
        assert_eq!(
            html_to_text("mG. &amp; LeQA…]"),
            "mG. & LeQA…]",
            "a reference decoded when a character of several bytes follows it closely"
        );
        assert_eq!(html_to_text("&quot;Ünité&quot;"), "\"Ünité\"");
        assert_eq!(
            html_to_markdown("<a href=\"javascript:alert(1)\">x</a>"),
            "x",
            "only web links are kept as links"
        );
    }

    #[test]
    fn date_components_give_the_precision() {
        let f = DateFields {
            year: "y",
            month: "m",
            day: "d",
        };
        assert_eq!(date_text(("2020", "", ""), &f), Ok(Some("2020".into())));
        assert_eq!(date_text(("2020", "9", ""), &f), Ok(Some("2020-09".into())));
        assert_eq!(
            date_text(("2020", "9", "27"), &f),
            Ok(Some("2020-09-27".into()))
        );
        assert_eq!(date_text(("", "", ""), &f), Ok(None));
        assert_eq!(
            date_text(("2020", "13", ""), &f).map_err(|p| p.field),
            Err("m".into())
        );
        assert_eq!(
            date_text(("2020", "", "3"), &f).map_err(|p| p.field),
            Err("m".into())
        );
        assert_eq!(
            date_text(("2021", "2", "29"), &f).map_err(|p| p.field),
            Err("d".into())
        );
    }
}

#[cfg(test)]
mod proptests {
    //! Arbitrary values in a JSON file's slides never panic the reader (arbitrary cells of
    //! the sheet template: `tabular::proptests`); arbitrary HTML never panics the converters.

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::super::Format;
    use super::super::tabular::proptests::{cell, read_text};

    /// A JSON value where a date component, a headline or a URL is expected.
    fn json_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            cell().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            "[0-9]{1,4}".prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
            Just(json!([])),
            Just(json!({})),
        ]
    }

    /// A slide from twelve arbitrary values (kept in a `Vec`, so that generating it needs
    /// little stack).
    fn slide(v: &[Value]) -> Value {
        let date = |i: usize| json!({ "year": v[i], "month": v[i + 1], "day": v[i + 2] });
        let mut slide = json!({
            "start_date": date(0),
            "text": { "headline": v[6], "text": v[7] },
            "media": { "url": v[8], "caption": v[9], "credit": v[10] },
            "group": v[11],
            "unique_id": v[6],
            "display_date": v[9],
        });
        if v[11].as_bool() != Some(false) {
            slide["end_date"] = date(3);
        }
        slide
    }

    fn slides(max: usize) -> impl Strategy<Value = Vec<Vec<Value>>> {
        prop::collection::vec(prop::collection::vec(json_value(), 12), 0..max)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_json_slides_never_panic(
            events in slides(4),
            eras in slides(2),
            title in slides(2),
            fixed in any::<bool>(),
        ) {
            let events: Vec<Value> = events.iter().map(|v| slide(v)).collect();
            let eras: Vec<Value> = eras.iter().map(|v| slide(v)).collect();
            let mut file = json!({ "events": events, "eras": eras });
            if let Some(title) = title.first() {
                file["title"] = slide(title);
            }
            read_text(Format::TimelinejsJson, file.to_string(), fixed.then_some("fuzz"))?;
        }

        #[test]
        fn arbitrary_json_text_never_panics(text in ".{0,200}") {
            read_text(Format::TimelinejsJson, text, Some("fuzz"))?;
        }

        #[test]
        fn arbitrary_html_never_panics(html in "(<[/a-zA-Z!]{0,8}( [a-z]{1,5}(=\"[^\"]{0,12}\")?)?>|&[a-z#0-9]{0,8};?|[^<&]{0,12}){0,12}") {
            let markdown = super::html_to_markdown(&html);
            let _ = super::html_to_text(&html);
            let _ = crate::markdown::render(&markdown);
        }
    }
}
