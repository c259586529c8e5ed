//! Citations of an event or of the whole dataset, in the forms researchers paste: plain
//! text (on the event page, with the permalink and the access date), BibTeX, RIS and
//! CSL-JSON. Each names the dataset, its data version and, for an event, the sources the
//! record cites.
//!
//! Routes: `/events/{slug}/cite.{bib,ris,json}` and `/cite.{bib,ris,json}`. A citation
//! carries the day it was downloaded (`urldate`, `Y2`, `accessed`), so these answers are
//! `no-store`: a copy kept by a cache would carry another day.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::dates::{DateView, month_name};
use crate::db::queries;
use crate::edtf::Day;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::params::Segment;

/// Who the citations name as author: the project, as a body.
pub const PUBLISHER: &str = "conflict-timeline";

/// A source an event record cites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitedSource {
    pub title: String,
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
}

impl CitedSource {
    /// `Publisher, "Title" (date), URL`.
    fn words(&self) -> String {
        let mut out = String::new();
        if let Some(p) = &self.publisher {
            out.push_str(p);
            out.push_str(", ");
        }
        out.push('“');
        out.push_str(&self.title);
        out.push('”');
        if let Some(d) = &self.published {
            out.push_str(&format!(" ({})", DateView::new(d, None).words));
        }
        if let Some(u) = &self.url {
            out.push_str(", ");
            out.push_str(u);
        }
        out
    }
}

/// What is cited: an event record or the dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Event,
    Dataset,
}

/// Everything a citation says, whatever its format.
#[derive(Clone, Debug)]
pub struct Citation {
    pub kind: Kind,
    /// The citation key: `conflict-timeline-{slug}`, or `conflict-timeline` for the dataset.
    pub key: String,
    pub title: String,
    /// For an event: when it happened, in words (part of the title as cited).
    pub event_date: Option<String>,
    /// The dataset's name ("Nagorno-Karabakh conflict").
    pub dataset: String,
    /// The data version: the count of imports that changed the data.
    pub version: i64,
    /// Absolute permanent address.
    pub url: String,
    /// When the record (or the data) last changed, `YYYY-MM-DD`.
    pub issued: Option<Day>,
    pub accessed: Day,
    pub sources: Vec<CitedSource>,
    /// For the dataset: how many events it holds.
    pub events: Option<i64>,
}

/// Today, in UTC.
pub fn today() -> Day {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Day((secs / 86_400) as i32)
}

/// A day in words: "3 December 2026".
pub fn day_words(day: Day) -> String {
    let (y, m, d) = day.ymd();
    format!("{d} {} {y}", month_name(m))
}

/// The `YYYY-MM-DD` start of a stored timestamp (`2026-12-03T08:00:00Z`).
fn day_of_timestamp(timestamp: &str) -> Option<Day> {
    let date = timestamp.get(..10)?;
    let mut parts = date.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    Day::from_ymd(y, m, d)
}

impl Citation {
    /// The title as cited: an event's title with its date.
    pub fn full_title(&self) -> String {
        match &self.event_date {
            Some(date) => format!("{} ({date})", self.title),
            None => self.title.clone(),
        }
    }

    /// Where the record sits and what it rests on, in one sentence or two.
    pub fn note(&self) -> String {
        let mut note = match self.kind {
            Kind::Event => format!(
                "Event record in the conflict-timeline dataset “{}”, data version {}.",
                self.dataset, self.version
            ),
            Kind::Dataset => format!(
                "Dataset “{}”, data version {}{}.",
                self.dataset,
                self.version,
                self.events
                    .map(|n| format!(", {n} events"))
                    .unwrap_or_default()
            ),
        };
        if !self.sources.is_empty() {
            let list: Vec<String> = self.sources.iter().map(CitedSource::words).collect();
            note.push_str(" Sources: ");
            note.push_str(&list.join("; "));
            note.push('.');
        }
        note
    }

    /// Plain text for pasting into a paper.
    pub fn plain_text(&self) -> String {
        let container = match self.kind {
            Kind::Event => format!(
                " In: {} (dataset, data version {}).",
                self.dataset, self.version
            ),
            Kind::Dataset => format!(" Dataset, data version {}.", self.version),
        };
        format!(
            "{PUBLISHER}. “{}”.{container} {} (accessed {}).",
            self.full_title(),
            self.url,
            day_words(self.accessed)
        )
    }

    /// A BibTeX `@misc` entry (also read by biblatex: `url`, `urldate`, `version`, `date`).
    pub fn bibtex(&self) -> String {
        let mut fields: Vec<(&str, String)> = vec![
            // Double braces: a corporate author, not a family name.
            ("author", format!("{{{}}}", bib_escape(PUBLISHER))),
            ("title", format!("{{{}}}", bib_escape(&self.full_title()))),
            ("howpublished", format!("\\url{{{}}}", bib_url(&self.url))),
        ];
        if let Some(issued) = self.issued {
            let (y, m, _) = issued.ymd();
            fields.push(("year", y.to_string()));
            fields.push((
                "month",
                MONTH_MACROS[(m as usize).saturating_sub(1) % 12].to_string(),
            ));
            fields.push(("date", issued.iso()));
        }
        fields.push(("version", self.version.to_string()));
        fields.push(("organization", bib_escape(PUBLISHER)));
        fields.push(("url", bib_url(&self.url)));
        fields.push(("urldate", self.accessed.iso()));
        fields.push(("note", bib_escape(&self.note())));
        let mut out = format!("@misc{{{},\n", self.key);
        for (name, value) in fields {
            // Month macros (`dec`) are bare words; everything else is braced.
            if name == "month" {
                out.push_str(&format!("  {name} = {value},\n"));
            } else {
                out.push_str(&format!("  {name} = {{{value}}},\n"));
            }
        }
        out.push_str("}\n");
        out
    }

    /// A RIS record (`TY` to `ER`, CRLF line ends, as the format's readers expect).
    pub fn ris(&self) -> String {
        let mut lines: Vec<(&str, String)> = vec![
            (
                "TY",
                match self.kind {
                    Kind::Event => "ELEC",
                    Kind::Dataset => "DATA",
                }
                .to_string(),
            ),
            ("AU", PUBLISHER.to_string()),
            ("TI", self.full_title()),
        ];
        if self.kind == Kind::Event {
            lines.push(("T2", self.dataset.clone()));
        }
        if let Some(issued) = self.issued {
            let (y, m, d) = issued.ymd();
            lines.push(("PY", format!("{y:04}")));
            lines.push(("DA", format!("{y:04}/{m:02}/{d:02}")));
        }
        let (y, m, d) = self.accessed.ymd();
        lines.push(("Y2", format!("{y:04}/{m:02}/{d:02}")));
        lines.push(("ET", format!("data version {}", self.version)));
        lines.push(("PB", PUBLISHER.to_string()));
        lines.push(("UR", self.url.clone()));
        lines.push(("N1", self.note()));
        lines.push(("ID", self.key.clone()));
        let mut out = String::new();
        for (tag, value) in lines {
            out.push_str(tag);
            out.push_str("  - ");
            out.push_str(&one_line(&value));
            out.push_str("\r\n");
        }
        out.push_str("ER  - \r\n");
        out
    }

    /// A CSL-JSON array of one item.
    pub fn csl_json(&self) -> serde_json::Value {
        let date_parts = |day: Day| {
            let (y, m, d) = day.ymd();
            serde_json::json!({ "date-parts": [[y, m, d]] })
        };
        let mut item = serde_json::json!({
            "id": self.key,
            "type": match self.kind { Kind::Event => "webpage", Kind::Dataset => "dataset" },
            "title": self.full_title(),
            "author": [{ "literal": PUBLISHER }],
            "publisher": PUBLISHER,
            "version": self.version.to_string(),
            "URL": self.url,
            "accessed": date_parts(self.accessed),
            "note": self.note(),
        });
        if self.kind == Kind::Event {
            item["container-title"] = self.dataset.clone().into();
        }
        if let Some(issued) = self.issued {
            item["issued"] = date_parts(issued);
        }
        serde_json::Value::Array(vec![item])
    }
}

const MONTH_MACROS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Escapes text for a braced BibTeX field: TeX's special characters become commands, so
/// no title can unbalance the braces or start a macro.
pub fn bib_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '%' => out.push_str("\\%"),
            '&' => out.push_str("\\&"),
            '$' => out.push_str("\\$"),
            '#' => out.push_str("\\#"),
            '_' => out.push_str("\\_"),
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\~{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A URL for a verbatim BibTeX field: the characters that would end or unbalance it are
/// percent-encoded (they mean the same in a URL).
fn bib_url(url: &str) -> String {
    url.replace('%', "%25")
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace('\\', "%5C")
        .replace(' ', "%20")
}

/// A RIS value is one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The dataset's name: its only conflict's, or a general one.
async fn dataset_name(state: &AppState) -> Result<String, AppError> {
    Ok(state.catalog().await?.view_name(&[]))
}

/// The citation of one event, or 404.
pub async fn event_citation(state: &AppState, slug: &str) -> Result<Citation, AppError> {
    let event = queries::event_by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound("event"))?;
    let e = &event.summary;
    let conflicts = queries::conflicts(&state.db).await?;
    let dataset = conflicts
        .iter()
        .find(|c| c.id == e.conflict_id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| crate::db::catalog::MANY_CONFLICTS.to_string());
    let sources = queries::sources_of(&state.db, e.id).await?;
    let date = DateView::new(&e.edtf, e.date_label.as_deref());
    Ok(Citation {
        kind: Kind::Event,
        key: format!("{PUBLISHER}-{}", e.slug),
        title: e.title.clone(),
        event_date: Some(date.words),
        dataset,
        version: queries::dataset_version(&state.db).await?,
        url: format!("{}/events/{}", state.config.public_url, e.slug),
        issued: day_of_timestamp(&event.updated_at),
        accessed: today(),
        sources: sources
            .into_iter()
            .map(|s| CitedSource {
                title: s.title,
                publisher: s.publisher,
                url: s.url.filter(|u| crate::model::is_web_url(u)),
                published: s.published,
            })
            .collect(),
        events: None,
    })
}

/// The citation of the dataset as a whole.
pub async fn dataset_citation(state: &AppState) -> Result<Citation, AppError> {
    let name = dataset_name(state).await?;
    let updated = queries::last_updated(&state.db).await?;
    Ok(Citation {
        kind: Kind::Dataset,
        key: PUBLISHER.to_string(),
        title: format!("{PUBLISHER}: {name}"),
        event_date: None,
        dataset: name,
        version: queries::dataset_version(&state.db).await?,
        url: format!("{}/", state.config.public_url),
        issued: updated.as_deref().and_then(day_of_timestamp),
        accessed: today(),
        sources: Vec::new(),
        events: Some(queries::total_events(&state.db).await?),
    })
}

/// The formats a citation is served in.
#[derive(Clone, Copy, Debug)]
enum Format {
    Bib,
    Ris,
    Json,
}

fn answer(citation: &Citation, format: Format, stem: &str) -> Response {
    let (body, media_type, ext) = match format {
        Format::Bib => (
            citation.bibtex(),
            "application/x-bibtex; charset=utf-8",
            "bib",
        ),
        Format::Ris => (
            citation.ris(),
            "application/x-research-info-systems; charset=utf-8",
            "ris",
        ),
        Format::Json => (
            format!("{:#}\n", citation.csl_json()),
            "application/vnd.citationstyles.csl+json; charset=utf-8",
            "json",
        ),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{stem}.{ext}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn event_answer(state: &AppState, slug: &str, format: Format) -> Result<Response, AppError> {
    let citation = event_citation(state, slug).await?;
    Ok(answer(&citation, format, slug))
}

/// `GET /events/{slug}/cite.bib`.
pub async fn event_bib(
    State(state): State<AppState>,
    Segment(slug): Segment,
) -> Result<Response, AppError> {
    event_answer(&state, &slug, Format::Bib).await
}

/// `GET /events/{slug}/cite.ris`.
pub async fn event_ris(
    State(state): State<AppState>,
    Segment(slug): Segment,
) -> Result<Response, AppError> {
    event_answer(&state, &slug, Format::Ris).await
}

/// `GET /events/{slug}/cite.json`.
pub async fn event_json(
    State(state): State<AppState>,
    Segment(slug): Segment,
) -> Result<Response, AppError> {
    event_answer(&state, &slug, Format::Json).await
}

/// `GET /cite.bib`.
pub async fn dataset_bib(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(answer(
        &dataset_citation(&state).await?,
        Format::Bib,
        PUBLISHER,
    ))
}

/// `GET /cite.ris`.
pub async fn dataset_ris(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(answer(
        &dataset_citation(&state).await?,
        Format::Ris,
        PUBLISHER,
    ))
}

/// `GET /cite.json`.
pub async fn dataset_json(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(answer(
        &dataset_citation(&state).await?,
        Format::Json,
        PUBLISHER,
    ))
}

/// What the event page shows under "Cite this event".
pub struct CiteView {
    pub text: String,
    /// The access date as written in `text`, for the script that brings it up to the
    /// reader's day when the page comes from a cache.
    pub accessed_iso: String,
    pub accessed_words: String,
    pub bib_url: String,
    pub ris_url: String,
    pub json_url: String,
}

impl CiteView {
    pub fn new(citation: &Citation, slug: &str) -> CiteView {
        CiteView {
            text: citation.plain_text(),
            accessed_iso: citation.accessed.iso(),
            accessed_words: day_words(citation.accessed),
            bib_url: format!("/events/{slug}/cite.bib"),
            ris_url: format!("/events/{slug}/cite.ris"),
            json_url: format!("/events/{slug}/cite.json"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Citation {
        Citation {
            kind: Kind::Event,
            key: "conflict-timeline-x".into(),
            title: "50% of {braces} & $money_#1^~\\".into(),
            event_date: Some("19–20 September 2023".into()),
            dataset: "Test".into(),
            version: 3,
            url: "https://t.example/events/x".into(),
            issued: Day::from_ymd(2026, 12, 1),
            accessed: Day::from_ymd(2026, 12, 3).unwrap_or(Day(0)),
            sources: vec![CitedSource {
                title: "A report".into(),
                publisher: Some("TASS".into()),
                url: Some("https://t.example/a?b=1&c={2}".into()),
                published: Some("2023-09-21".into()),
            }],
            events: None,
        }
    }

    #[test]
    fn tex_specials_are_escaped() {
        assert_eq!(
            bib_escape("50% {a} & $b_#1^~\\"),
            "50\\% \\{a\\} \\& \\$b\\_\\#1\\^{}\\~{}\\textbackslash{}"
        );
    }

    #[test]
    fn the_plain_text_names_the_permalink_and_the_access_date() {
        let text = sample().plain_text();
        assert!(text.contains("https://t.example/events/x"), "{text}");
        assert!(text.contains("(accessed 3 December 2026)"), "{text}");
        assert!(text.contains("data version 3"), "{text}");
    }

    #[test]
    fn ris_lines_are_tagged_and_the_record_ends() {
        let ris = sample().ris();
        assert!(ris.starts_with("TY  - ELEC\r\n"));
        assert!(ris.ends_with("ER  - \r\n"));
        assert!(ris.contains("Y2  - 2026/12/03\r\n"));
    }
}
