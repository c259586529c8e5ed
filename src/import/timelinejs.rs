//! TimelineJS, the newsroom timeline tool: its JSON file (`title`, `events[]`, `eras[]`)
//! and its Google-sheet template exported as CSV (`Year, Month, Day, … Headline, Text, …
//! Type, Group`). Dates are components (year, month, day) whose presence gives the
//! precision; texts are HTML, turned into plain text or conservative Markdown here (they are
//! sanitised again when rendered). The mapping is documented in `docs/dataset-format.md`.

use std::collections::HashSet;

use serde_json::Value;

use super::error::ImportProblem;
use super::record::{
    EVENT_SLUG_MAX, EraRecord, EventRecord, Fatalities, FieldProblem, SHORT_SLUG_MAX, SourceRecord,
    TITLE_MAX, is_web_url,
};
use super::tabular::{
    self, Header, Row, RowMapper, Yielded, ascii_slug, check_event, fit_slug, fit_text,
};
use super::{ConflictRecord, Input, Item, Located, MappingOptions};
use crate::edtf::Edtf;
use crate::import::ImportError;

/// The names of the three date components, for messages.
struct DateFields<'a> {
    year: &'a str,
    month: &'a str,
    day: &'a str,
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
        (y, "", "") => {
            let y = number(fields.year, y, 0..=9999, "a year from 0 to 9999")?;
            Ok(Some(format!("{y:04}")))
        }
        (_, "", _) => Err(FieldProblem::new(
            fields.month,
            "",
            "is required when a day is given",
        )),
        (y, m, d) => {
            let y = number(fields.year, y, 0..=9999, "a year from 0 to 9999")?;
            let m = number(fields.month, m, 1..=12, "a month from 1 to 12")?;
            if d.is_empty() {
                return Ok(Some(format!("{y:04}-{m:02}")));
            }
            let d = number(fields.day, d, 1..=31, "a day from 1 to 31")?;
            let text = format!("{y:04}-{m:02}-{d:02}");
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
                "br" => current.push('\n'),
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
    let end = s.get(..12.min(s.len()))?.find(';')?;
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
        &ascii_slug(&format!("{} {headline}", date.earliest().iso())),
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

/// A media link as a source, when it is a web address.
fn media_source(url: &str, caption: &str, credit: &str) -> Option<SourceRecord> {
    if !is_web_url(url) {
        return None;
    }
    let caption = html_to_text(caption);
    let credit = html_to_text(credit);
    let title = [caption.as_str(), credit.as_str(), url]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or(url);
    Some(SourceRecord {
        title: fit_text(title, 500),
        publisher: (!credit.is_empty()).then(|| fit_text(&credit, 500)),
        url: Some(url.to_string()),
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
            summary: summary_and_body(html_to_markdown(summary)).0,
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

/// Reads a whole TimelineJS JSON file into items (conflict, eras, events) and problems.
pub fn parse_json(
    file: &str,
    file_index: usize,
    text: &str,
    mapping: &MappingOptions,
) -> Vec<Yielded> {
    let problem = |p: FieldProblem| tabular::problem(file, None, p);
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return vec![Err(vec![ImportProblem {
                file: file.to_string(),
                line: Some(e.line()),
                field: String::new(),
                value: String::new(),
                message: format!("not valid JSON: {e}"),
            }])];
        }
    };
    let Some(events) = root.get("events").and_then(Value::as_array) else {
        return vec![Err(vec![problem(FieldProblem::new(
            "events",
            "",
            "a TimelineJS file is an object with an `events` array",
        ))])];
    };
    let located = |item| {
        Ok(Located {
            file_index,
            line: None,
            item,
        })
    };
    let mut out: Vec<Yielded> = Vec::with_capacity(events.len() + 1);
    let title = root.get("title");
    let headline = title
        .and_then(|t| t.pointer("/text/headline"))
        .and_then(Value::as_str);
    let title_text = title
        .and_then(|t| t.pointer("/text/text"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(Item::ImpliedConflict { record, rename }) =
        conflict_item(mapping, headline, title_text)
    else {
        return vec![Err(vec![problem(missing_conflict("title.text.headline"))])];
    };
    let conflict = record.slug.clone();
    out.push(located(Item::ImpliedConflict { record, rename }));

    let eras = root.get("eras").and_then(Value::as_array);
    for (i, era) in eras.into_iter().flatten().enumerate() {
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
                conflict: conflict.clone(),
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
            out.push(located(Item::Era(record)));
        } else {
            out.push(Err(found));
        }
    }

    let mut seen = SlugDeduper::default();
    for (i, event) in events.iter().enumerate() {
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
        let headline = html_to_text(&text_of(event.pointer("/text/headline")));
        let (summary, body) =
            summary_and_body(html_to_markdown(&text_of(event.pointer("/text/text"))));
        let label = [
            event.get("display_date"),
            event.pointer("/start_date/display_date"),
        ]
        .into_iter()
        .map(|v| html_to_text(&text_of(v)))
        .find(|s| !s.is_empty());
        let sources = media_source(
            &text_of(event.pointer("/media/url")),
            &text_of(event.pointer("/media/caption")),
            &text_of(event.pointer("/media/credit")),
        )
        .into_iter()
        .collect();
        let Some(date) = date else {
            out.push(Err(problems.into_iter().map(problem).collect()));
            continue;
        };
        let record = EventRecord {
            conflict: conflict.clone(),
            slug: event_slug(
                &text_of(event.get("unique_id")),
                &headline,
                &date,
                &mut seen,
            ),
            title: fit_text(&headline, TITLE_MAX),
            summary,
            body,
            date,
            label: label.map(|l| fit_text(&l, 100)),
            category: category(&text_of(event.get("group"))),
            place: None,
            coordinates: None,
            fatalities: Fatalities::default(),
            actors: Vec::new(),
            sources,
            links: Vec::new(),
            notable: false,
        };
        let json_field = |field: &str| -> Option<&'static str> {
            Some(match field {
                "slug" => "unique_id",
                "title" => "text.headline",
                "category" => "group",
                "label" => "display_date",
                "sources[0].url" => "media.url",
                "sources[0].title" => "media.caption",
                _ => return None,
            })
        };
        problems.extend(check_event(&record, json_field).into_iter().map(|mut p| {
            p.field = format!("{path}.{}", p.field);
            p
        }));
        if problems.is_empty() {
            out.push(located(Item::Event(Box::new(record))));
        } else {
            out.push(Err(problems.into_iter().map(problem).collect()));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Spreadsheet CSV

/// The template's columns, resolved from the header.
#[derive(Default)]
struct Columns {
    year: Option<usize>,
    month: Option<usize>,
    day: Option<usize>,
    end_year: Option<usize>,
    end_month: Option<usize>,
    end_day: Option<usize>,
    display_date: Option<usize>,
    headline: Option<usize>,
    text: Option<usize>,
    media: Option<usize>,
    media_credit: Option<usize>,
    media_caption: Option<usize>,
    kind: Option<usize>,
    group: Option<usize>,
}

/// Maps the rows of a TimelineJS sheet: events, eras (`Type` = era) and the title row.
pub struct SheetCsv {
    cols: Columns,
    conflict: Option<Item>,
    conflict_slug: Option<String>,
    seen: SlugDeduper,
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

fn sheet_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "title" | "slug" => "Headline",
        "category" => "Group",
        "label" => "Display Date",
        "sources[0].url" => "Media",
        "sources[0].title" => "Media Caption",
        _ => return None,
    })
}

impl RowMapper for SheetCsv {
    fn header(&mut self, h: &Header) -> Vec<FieldProblem> {
        self.cols = Columns {
            year: h.col("year"),
            month: h.col("month"),
            day: h.col("day"),
            end_year: h.col("end year"),
            end_month: h.col("end month"),
            end_day: h.col("end day"),
            display_date: h.col("display date"),
            headline: h.col("headline"),
            text: h.col("text"),
            media: h.col("media"),
            media_credit: h.col("media credit"),
            media_caption: h.col("media caption"),
            kind: h.col("type"),
            group: h.col("group"),
        };
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
        let record = EventRecord {
            conflict,
            slug: event_slug("", &headline, &date, &mut self.seen),
            title: fit_text(&headline, TITLE_MAX),
            summary,
            body,
            date,
            label: row
                .opt(c.display_date)
                .map(|l| fit_text(&html_to_text(l), 100)),
            category: category(row.get(c.group)),
            place: None,
            coordinates: None,
            fatalities: Fatalities::default(),
            actors: Vec::new(),
            sources: media_source(
                row.get(c.media),
                row.get(c.media_caption),
                row.get(c.media_credit),
            )
            .into_iter()
            .collect(),
            links: Vec::new(),
            notable: false,
        };
        let problems = check_event(&record, sheet_column);
        if problems.is_empty() {
            out.push(Item::Event(Box::new(record)));
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    //! Arbitrary cells of the sheet template, and arbitrary values in a JSON file's slides,
    //! never panic the readers; arbitrary HTML never panics the converters.

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::super::Format;
    use super::super::tabular::proptests::{cell, read_rows, read_text};

    const SHEET: [&str; 18] = [
        "Year",
        "Month",
        "Day",
        "Time",
        "End Year",
        "End Month",
        "End Day",
        "End Time",
        "Display Date",
        "Headline",
        "Text",
        "Media",
        "Media Credit",
        "Media Caption",
        "Media Thumbnail",
        "Type",
        "Group",
        "Background",
    ];

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
        fn arbitrary_sheet_rows_never_panic(
            rows in prop::collection::vec(prop::collection::vec(cell(), SHEET.len()), 1..4),
            fixed in any::<bool>(),
        ) {
            read_rows(Format::TimelinejsCsv, &SHEET, &rows, fixed.then_some("fuzz"))?;
        }

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
