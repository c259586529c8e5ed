//! `GET /embed?…`: any view of the timeline made to sit in another site's `<iframe>`: the
//! overview strip, the first events of the view and a link to open it here. It takes every
//! parameter of `/` and `theme=` (`light`, `dark`, or `auto`: the reader's system setting).
//!
//! Only this route may be framed: it answers with its own Content-Security-Policy
//! (`frame-ancestors *`), which the security-header layer sees and then leaves out
//! `X-Frame-Options` (see [`crate::web::http::middleware::allows_framing`]). The page sets no cookie and has no form, so a
//! host page can do nothing through it but read. Links open in a new browsing context
//! (`<base target="_blank">`): the rest of the site refuses to be framed, so following a
//! link inside the frame would show the browser's refusal instead of the page. The strip's
//! own links (zoom, earlier, later) stay inside the frame, on `/embed`.
//!
//! `static/embed.js` tells the host page the frame's height with `postMessage` (the message
//! is documented in the README); without it the frame scrolls inside the height the host
//! gave it.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::dates::thousands;
use super::overview::{self, Overview};
use super::timeline::EventCard;
use crate::db::models::EventSummary;
use crate::markdown::escape_html;
use crate::web::AppState;
use crate::web::http::assets;
use crate::web::http::error::AppError;
use crate::web::http::params::{ParamProblem, RawParams, TimelineParams};

/// The site's policy with one change: any page may frame this one.
pub const EMBED_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors *";

/// Events listed in the frame; the rest of the view is one link away.
pub const EMBED_EVENTS: u32 = 50;

/// The colour scheme asked for with `theme=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// The reader's system setting (`prefers-color-scheme`).
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// Reads `theme=`; absent or empty is [`Theme::Auto`].
    pub fn parse(raw: &RawParams) -> Result<Theme, ParamProblem> {
        match raw.single("theme")? {
            None | Some("auto") => Ok(Theme::Auto),
            Some("light") => Ok(Theme::Light),
            Some("dark") => Ok(Theme::Dark),
            Some(other) => Err(ParamProblem::new(
                "theme",
                other,
                "is not a theme: use light, dark or auto",
            )),
        }
    }

    /// The value of `<html data-theme>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedPage {
    title: String,
    heading: String,
    theme: &'static str,
    css_url: &'static str,
    embed_css_url: &'static str,
    embed_js_url: &'static str,
    icon_url: &'static str,
    /// The same view on the site, absolute.
    open_url: String,
    count_text: String,
    problems: Vec<ParamProblem>,
    overview: Option<Overview>,
    events: Vec<EventCard>,
    /// How many events of the view are not listed in the frame.
    more: i64,
}

/// `GET /embed`.
pub async fn show_embed(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let raw = RawParams::parse(query.as_deref());
    let (mut params, theme) = match &raw {
        Ok(raw) => {
            let mut params = TimelineParams::from_raw(raw);
            let theme = Theme::parse(raw).unwrap_or_else(|problem| {
                params.problems.push(problem);
                Theme::Auto
            });
            (params, theme)
        }
        Err(problem) => (
            TimelineParams {
                problems: vec![problem.clone()],
                ..TimelineParams::default()
            },
            Theme::Auto,
        ),
    };
    // The frame shows the first events of a view; paging happens on the site.
    params.after = None;
    params.page = None;

    let catalog = state.catalog().await?;
    let heading = catalog.view_name(&params.conflicts);
    let public = &state.config.public_url;
    let mut page = EmbedPage {
        title: format!("{heading} · embedded timeline"),
        heading,
        theme: theme.as_str(),
        css_url: assets::url("app.css"),
        embed_css_url: assets::url("embed.css"),
        embed_js_url: assets::url("embed.js"),
        icon_url: assets::url("favicon.svg"),
        open_url: format!("{public}{}", params.url()),
        count_text: String::new(),
        problems: params.problems.clone(),
        overview: None,
        events: Vec::new(),
        more: 0,
    };
    if !params.problems.is_empty() {
        let html = page.render()?;
        return Ok(frameable(
            (StatusCode::BAD_REQUEST, Html(html)).into_response(),
        ));
    }

    let db = state.reader().await;
    let matching = db.count_events(&params.filter).await?;
    let total = catalog.total;
    let summaries = if params.filter.text.is_some() {
        db.search_events(&params.filter, 0, EMBED_EVENTS).await?
    } else {
        db.list_events(&params.filter, None, EMBED_EVENTS).await?
    };
    page.events = summaries.iter().map(card).collect();
    page.more = (matching - page.events.len() as i64).max(0);
    page.count_text = format!("{} of {} events", thousands(matching), thousands(total));
    if let Some((first, last)) = catalog.span {
        let eras = catalog.eras_of(&params.conflicts);
        let data = overview::Span { first, last };
        let mut ov = overview::build(&db, &params, &eras, data, matching).await?;
        keep_navigation_in_frame(&mut ov);
        page.overview = Some(ov);
    }
    Ok(frameable(Html(page.render()?).into_response()))
}

/// An event as the timeline's card template shows it.
fn card(e: &EventSummary) -> EventCard {
    EventCard::new(e)
}

/// The strip's zoom and pan links lead to `/?…`, which refuses to be framed: inside the
/// frame they lead to the same view on `/embed` (target `_self`, see the template).
fn keep_navigation_in_frame(ov: &mut Overview) {
    let nav = &mut ov.nav;
    for url in [
        Some(&mut nav.zoom_in),
        nav.zoom_out.as_mut(),
        nav.earlier.as_mut(),
        nav.later.as_mut(),
        nav.all.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        *url = in_frame(url);
    }
}

/// `/?q` → `/embed?q`, `/` → `/embed`; other addresses are left alone.
fn in_frame(url: &str) -> String {
    match url.strip_prefix('/') {
        Some(rest) if rest.is_empty() || rest.starts_with('?') => format!("/embed{rest}"),
        _ => url.to_string(),
    }
}

/// Marks a response as one other sites may frame.
fn frameable(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(EMBED_CONTENT_SECURITY_POLICY),
    );
    response
}

/// The `<iframe>` a host page pastes to show the embed of `view_query` (a query string of
/// `/`, possibly empty), `width` pixels wide (the full column when `None`).
pub fn iframe_snippet(
    public_url: &str,
    view_query: &str,
    title: &str,
    width: Option<u32>,
    height: u32,
) -> String {
    let src = if view_query.is_empty() {
        format!("{public_url}/embed")
    } else {
        format!("{public_url}/embed?{view_query}")
    };
    let width = width.map_or_else(|| "100%".to_string(), |w| w.to_string());
    format!(
        "<iframe src=\"{}\" width=\"{width}\" height=\"{height}\" title=\"{}\" \
         loading=\"lazy\" style=\"border:0;max-width:100%\"></iframe>",
        escape_html(&src),
        escape_html(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    use crate::web::http::middleware::allows_framing;

    #[test]
    fn strip_links_stay_in_the_frame() {
        assert_eq!(in_frame("/?from=2020&to=2021"), "/embed?from=2020&to=2021");
        assert_eq!(in_frame("/"), "/embed");
        assert_eq!(in_frame("/events/x"), "/events/x");
    }

    #[test]
    fn only_a_policy_open_to_any_ancestor_allows_framing() {
        let mut headers = HeaderMap::new();
        assert!(!allows_framing(&headers));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(crate::web::http::middleware::CONTENT_SECURITY_POLICY),
        );
        assert!(!allows_framing(&headers));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(EMBED_CONTENT_SECURITY_POLICY),
        );
        assert!(allows_framing(&headers));
    }

    #[test]
    fn the_snippet_escapes_its_attributes() {
        let s = iframe_snippet("https://t.example", "from=2020&q=a\"b", "A <b>", None, 600);
        assert!(s.contains("src=\"https://t.example/embed?from=2020&amp;q=a&quot;b\""));
        assert!(s.contains("title=\"A &lt;b&gt;\""));
        assert!(s.contains("width=\"100%\""));
    }
}
