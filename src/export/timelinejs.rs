//! TimelineJS 3 JSON, the format its `Timeline` constructor loads: a title slide, the eras
//! of the exported conflicts that overlap the view, one slide per event.
//!
//! Field types follow Knight Lab's own published examples (`website/examples/houston/
//! timeline3.json` in the TimelineJS3 repository), which write every date part as a string
//! (`"year": "1963", "month": "8"`); its JSON documentation calls them numbers, and
//! TimelineJS reads both. Only the parts the EDTF value pins down are written (a month has no
//! `day`; a year, season, decade or century only its first `year`). `display_date` is written
//! only for an event imported with a label, `group` is the event's category (left out for
//! the importer's placeholder `event`, which means the file gave none), and the text is
//! HTML: headlines escaped, the summary and then the body rendered from Markdown and
//! sanitised (a slide's text is both: the importer takes its first paragraph as the summary).

use serde::Serialize;
use utoipa::ToSchema;

use super::dates::{known_parts, sides};
use super::text::html;
use super::{Document, ExportEvent, FormatWriter, Written};
use crate::edtf::Edtf;
use crate::record::EraRecord;

/// A TimelineJS 3 document (the JSON format its `Timeline` constructor loads).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJs {
    /// The title slide.
    pub title: TimelineJsTitle,
    /// The eras of the exported conflicts that overlap the view, drawn as bands.
    pub eras: Vec<TimelineJsEra>,
    /// One slide per event, in timeline order.
    pub events: Vec<TimelineJsEvent>,
}

/// The title slide.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsTitle {
    pub text: TimelineJsText,
}

/// A slide's text; TimelineJS renders both as HTML.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsText {
    pub headline: String,
    pub text: String,
}

/// An era's label, and its summary when it has one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsEraText {
    pub headline: String,
    /// The era's summary, rendered from Markdown and sanitised; absent when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A TimelineJS date: only the components the EDTF value pins down, as strings (see the
/// module note).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsDate {
    pub year: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
}

/// A source shown with the slide.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsMedia {
    pub url: String,
    pub caption: String,
    pub credit: String,
}

/// One event slide.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsEvent {
    pub start_date: TimelineJsDate,
    /// Only for intervals with a known end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<TimelineJsDate>,
    pub text: TimelineJsText,
    /// The first source with a URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<TimelineJsMedia>,
    /// The event's category (absent when the file it came from gave none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The date as its source labelled it, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_date: Option<String>,
    /// The event's slug.
    pub unique_id: String,
}

/// One era band.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineJsEra {
    pub start_date: TimelineJsDate,
    /// Absent for an era still open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<TimelineJsDate>,
    pub text: TimelineJsEraText,
}

/// The category the importers give an event whose file names none.
const PLACEHOLDER_CATEGORY: &str = "event";

/// Writes TimelineJS JSON, one event object after another.
#[derive(Default)]
pub struct TimelineJsWriter {
    first: bool,
}

impl FormatWriter for TimelineJsWriter {
    fn head(&mut self, text: &mut String, doc: &Document) -> Written {
        let title = TimelineJsTitle {
            text: TimelineJsText {
                headline: html(&doc.title),
                text: if doc.intro.is_empty() {
                    String::new()
                } else {
                    crate::markdown::render(&doc.intro)
                },
            },
        };
        let eras: Vec<TimelineJsEra> = doc.eras.iter().filter_map(era).collect();
        text.push_str("{\"title\":");
        text.push_str(&serde_json::to_string(&title)?);
        text.push_str(",\"eras\":");
        text.push_str(&serde_json::to_string(&eras)?);
        text.push_str(",\"events\":[");
        self.first = true;
        Ok(())
    }

    fn event(&mut self, text: &mut String, doc: &Document, event: &ExportEvent) -> Written {
        let Some(slide) = slide(doc, event) else {
            return Ok(());
        };
        if !self.first {
            text.push_str(",\n");
        }
        self.first = false;
        text.push_str(&serde_json::to_string(&slide)?);
        Ok(())
    }

    fn tail(&mut self, text: &mut String, _doc: &Document) -> Written {
        text.push_str("]}\n");
        Ok(())
    }
}

/// An event's slide.
pub fn slide(doc: &Document, event: &ExportEvent) -> Option<TimelineJsEvent> {
    let e = &event.record;
    let (start_date, end_date) = span(&e.date)?;
    // A slide's text is both the summary and the body (the importer splits it there).
    let mut text = crate::markdown::render(&e.summary);
    if !e.body.is_empty() {
        text.push_str(&crate::markdown::render(&e.body));
    }
    if let Some(url) = doc.event_url(&e.slug) {
        text.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            html(&url),
            crate::model::BACK_LINK_TEXT
        ));
    }
    let media = e
        .sources
        .iter()
        .find_map(|s| Some((s, s.url.as_deref()?)))
        .map(|(s, url)| TimelineJsMedia {
            url: url.to_string(),
            caption: html(&s.title),
            credit: html(s.publisher.as_deref().unwrap_or_default()),
        });
    Some(TimelineJsEvent {
        start_date,
        end_date,
        text: TimelineJsText {
            headline: html(&e.title),
            text,
        },
        media,
        group: (e.category != PLACEHOLDER_CATEGORY).then(|| e.category.clone()),
        display_date: e.label.as_deref().map(html),
        unique_id: e.slug.clone(),
    })
}

fn era(era: &EraRecord) -> Option<TimelineJsEra> {
    let (start_date, end_date) = span(&era.date)?;
    Some(TimelineJsEra {
        start_date,
        end_date,
        text: TimelineJsEraText {
            headline: html(&era.name),
            text: (!era.summary.trim().is_empty()).then(|| crate::markdown::render(&era.summary)),
        },
    })
}

/// The start and (for an interval with a known end) end of a date. An interval with an
/// open or unknown start begins at its end instead.
pub fn span(date: &Edtf) -> Option<(TimelineJsDate, Option<TimelineJsDate>)> {
    let (start, end) = sides(date);
    let part = |(side, day): (Edtf, crate::edtf::Day)| {
        let (year, month, day) = known_parts(&side, day);
        TimelineJsDate {
            year: year.to_string(),
            month: month.map(|m| m.to_string()),
            day: day.map(|d| d.to_string()),
        }
    };
    match (start.map(part), end.map(part)) {
        (Some(s), e) => Some((s, e)),
        (None, Some(e)) => Some((e, None)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(edtf: &str) -> (TimelineJsDate, Option<TimelineJsDate>) {
        span(&Edtf::parse(edtf).expect("edtf")).expect("span")
    }

    #[test]
    fn timelinejs_dates_keep_only_known_components() {
        let (start, end) = parsed("2023-03~");
        assert_eq!(
            (start.year.as_str(), start.month.as_deref(), start.day),
            ("2023", Some("3"), None)
        );
        assert!(end.is_none());
        let (start, end) = parsed("2024-04/2024-06-12");
        assert_eq!(start.day, None);
        let end = end.expect("end");
        assert_eq!(
            (end.month.as_deref(), end.day.as_deref()),
            (Some("6"), Some("12"))
        );
        let (start, end) = parsed("2022-10-06/..");
        assert_eq!(start.day.as_deref(), Some("6"));
        assert!(end.is_none());
        let (start, _) = parsed("../1985");
        assert_eq!(start.year, "1985");
        assert_eq!(parsed("199X").0.year, "1990");
    }

    #[test]
    fn years_0000_and_9999_are_dates_not_open_ends() {
        assert_eq!(parsed("0000").0.year, "0");
        let (start, end) = parsed("9998/9999");
        assert_eq!(
            (start.year.as_str(), end.map(|e| e.year)),
            ("9998", Some("9999".to_string()))
        );
    }
}
