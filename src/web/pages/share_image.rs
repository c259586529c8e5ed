//! Share-card previews: a 1200×630 PNG of a view's overview strip under its title, for Open
//! Graph and Twitter cards. The strip is the one the page shows, built by
//! [`overview::build`] from the same data and geometry; here it is drawn into an SVG card
//! with the colours written out (the page's strip takes them from the stylesheet, which an
//! image has not got), and rasterised on the server by `resvg`. Text is set in DejaVu Sans,
//! compiled into the binary (`assets/fonts/`, with its licence), so every server draws the
//! same picture whatever fonts it has.
//!
//! `GET /share/view.png?…` takes the parameters of `/`; `GET /events/{slug}/card.png` shows
//! the months around one event with its mark picked out. Both are cached per data version
//! by the response cache, like pages.

use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use resvg::{tiny_skia, usvg};

use super::dates::{DateView, thousands};
use super::overview::{self, Overview};
use super::share::{CARD_HEIGHT, CARD_WIDTH, event_view_query};
use crate::db::catalog::Catalog;
use crate::db::queries;
use crate::markdown::escape_html;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::params::{Segment, TimelineParams};

/// The family name of the bundled font, as the SVG asks for it.
const FONT_FAMILY: &str = "DejaVu Sans";

/// The bundled fonts, parsed once.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(include_bytes!("../../../assets/fonts/DejaVuSans.ttf").to_vec());
    db.load_font_data(include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf").to_vec());
    Arc::new(db)
});

/// Why a preview could not be drawn (a bug, never the reader's input: every text in the
/// SVG is escaped and every number is ours).
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the card's SVG does not parse: {0}")]
    Svg(#[from] usvg::Error),
    #[error("cannot allocate a {CARD_WIDTH}×{CARD_HEIGHT} canvas")]
    Canvas,
    #[error("cannot encode the PNG: {0}")]
    Png(String),
}

/// What a card shows.
pub struct Card<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    /// The site's address, printed in a corner.
    pub site: &'a str,
    pub overview: Option<&'a Overview>,
    /// The mark to pick out (an event's slug).
    pub highlight: Option<&'a str>,
}

/// The site's light colours, read from the stylesheet's first `:root` block (its light
/// scheme), so that the card keeps the pages' colours.
struct Palette {
    bg: &'static str,
    surface: &'static str,
    surface_2: &'static str,
    text: &'static str,
    text_2: &'static str,
    muted: &'static str,
    line: &'static str,
    line_strong: &'static str,
    accent: &'static str,
    era_bg: &'static str,
    era_fg: &'static str,
    highlight: &'static str,
}

static PALETTE: LazyLock<Palette> = LazyLock::new(|| Palette {
    bg: light_colour("bg"),
    surface: light_colour("surface"),
    surface_2: light_colour("surface-2"),
    text: light_colour("text"),
    text_2: light_colour("text-2"),
    muted: light_colour("muted"),
    line: light_colour("line"),
    line_strong: light_colour("line-strong"),
    accent: light_colour("accent"),
    era_bg: light_colour("tag-neutral-bg"),
    era_fg: light_colour("tag-neutral-fg"),
    highlight: light_colour("dot-military"),
});

/// The value of the custom property `--{name}` in the stylesheet's light scheme (black if
/// it is missing: a test holds every colour the card uses to the stylesheet).
fn light_colour(name: &str) -> &'static str {
    const STYLESHEET: &str = include_str!("../../../static/app.css");
    let light = STYLESHEET
        .split_once(":root")
        .and_then(|(_, rest)| rest.split_once('}'))
        .map_or("", |(block, _)| block);
    let key = format!("--{name}:");
    light
        .lines()
        .find_map(|line| line.trim().strip_prefix(key.as_str()))
        .map_or("#000000", |value| value.trim().trim_end_matches(';').trim())
}

/// Least space between two labels of the axis, in pixels of the card.
const LABEL_GAP: f64 = 12.0;

/// Left edge and width of the strip inside the card.
const STRIP_X: f64 = 80.0;
const STRIP_W: f64 = 1040.0;
/// Top and bottom of the room for the strip, and how much taller than on the page it is
/// drawn at most (less when many era lanes make it tall).
const STRIP_Y: f64 = 346.0;
const STRIP_BOTTOM: f64 = 570.0;
const MAX_SCALE: f64 = 2.0;

fn pct(value: &str) -> f64 {
    value.trim_end_matches('%').parse::<f64>().unwrap_or(0.0)
}

fn x_of(value: &str) -> f64 {
    STRIP_X + pct(value).clamp(0.0, 100.0) / 100.0 * STRIP_W
}

fn w_of(value: &str) -> f64 {
    (pct(value).clamp(0.0, 100.0) / 100.0 * STRIP_W).max(1.0)
}

/// Vertical placement: the page's pixels, scaled to fit the card.
#[derive(Clone, Copy)]
struct Scale(f64);

impl Scale {
    fn of(ov: &Overview) -> Scale {
        let page_height = f64::from(ov.height.max(1));
        Scale(((STRIP_BOTTOM - STRIP_Y) / page_height).min(MAX_SCALE))
    }

    fn y(self, value: u32) -> f64 {
        STRIP_Y + f64::from(value) * self.0
    }

    fn len(self, value: f64) -> f64 {
        value * self.0
    }
}

/// Splits a title into at most `lines` lines of about `width` characters, on spaces, with
/// an ellipsis when it had to be cut.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut cut = false;
    for word in text.split_whitespace() {
        let fits =
            current.is_empty() || current.chars().count() + 1 + word.chars().count() <= width;
        if fits {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        } else {
            out.push(std::mem::take(&mut current));
            if out.len() == lines {
                cut = true;
                break;
            }
            current.push_str(word);
        }
    }
    if !current.is_empty() && out.len() < lines {
        out.push(current);
    }
    if let Some(last) = out.last_mut() {
        if last.chars().count() > width {
            *last = last.chars().take(width.saturating_sub(1)).collect();
            cut = true;
        }
        if cut {
            last.push('…');
        }
    }
    out
}

/// The card as SVG.
pub fn card_svg(card: &Card<'_>) -> String {
    let Palette {
        bg,
        accent,
        muted,
        text,
        text_2,
        surface,
        line,
        ..
    } = *PALETTE;
    let mut s = String::with_capacity(16 * 1024);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CARD_WIDTH}\" height=\"{CARD_HEIGHT}\" \
         viewBox=\"0 0 {CARD_WIDTH} {CARD_HEIGHT}\" font-family=\"{FONT_FAMILY}\">\
         <rect width=\"{CARD_WIDTH}\" height=\"{CARD_HEIGHT}\" fill=\"{bg}\"/>\
         <rect width=\"{CARD_WIDTH}\" height=\"10\" fill=\"{accent}\"/>\
         <text x=\"64\" y=\"84\" font-size=\"26\" font-weight=\"bold\" fill=\"{muted}\">conflict-timeline</text>"
    );
    let lines = wrap(card.title, 34, 2);
    let mut y = 160;
    for line in &lines {
        let _ = write!(
            s,
            "<text x=\"64\" y=\"{y}\" font-size=\"52\" font-weight=\"bold\" fill=\"{text}\">{}</text>",
            escape_html(line)
        );
        y += 62;
    }
    let subtitle = wrap(card.subtitle, 64, 1);
    if let Some(line) = subtitle.first() {
        let _ = write!(
            s,
            "<text x=\"64\" y=\"{}\" font-size=\"28\" fill=\"{text_2}\">{}</text>",
            y - 8,
            escape_html(line)
        );
    }
    let _ = write!(
        s,
        "<rect x=\"48\" y=\"326\" width=\"1104\" height=\"258\" rx=\"16\" fill=\"{surface}\" stroke=\"{line}\" stroke-width=\"2\"/>"
    );
    if let Some(ov) = card.overview {
        strip(&mut s, ov, card.highlight);
    }
    let _ = write!(
        s,
        "<text x=\"1136\" y=\"614\" font-size=\"20\" fill=\"{muted}\" text-anchor=\"end\">{}</text></svg>",
        escape_html(card.site)
    );
    s
}

/// The overview strip, from the page's geometry: x as a share of the width, y in the
/// page's pixels (scaled).
fn strip(s: &mut String, ov: &Overview, highlight: Option<&str>) {
    let Palette {
        era_bg,
        era_fg,
        surface_2,
        accent,
        highlight: highlight_colour,
        line_strong,
        muted,
        ..
    } = *PALETTE;
    let scale = Scale::of(ov);
    let y_of = |v: u32| scale.y(v);
    let font = scale.len(10.5).max(12.0);
    for era in &ov.eras {
        let (x, w, y) = (x_of(&era.x), w_of(&era.width), y_of(era.y));
        let band = scale.len(16.0);
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{band:.1}\" rx=\"6\" fill=\"{era_bg}\"/>"
        );
        // About 0.6 em a character: a label that would overflow its band is cut rather
        // than clipped mid-glyph.
        let room = ((w - 16.0) / (font * 0.6)).floor().max(0.0) as usize;
        if !era.labels.is_empty() && room >= 4 && band >= 14.0 {
            let label = wrap(&era.name, room, 1);
            if let Some(label) = label.first() {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font:.1}\" fill=\"{era_fg}\">{}</text>",
                    x + 10.0,
                    y + band / 2.0 + font * 0.36,
                    escape_html(label)
                );
            }
        }
    }
    let (top, bottom) = (y_of(ov.plot_top), y_of(ov.axis_y.saturating_sub(2)));
    let _ = write!(
        s,
        "<rect x=\"{STRIP_X}\" y=\"{top:.1}\" width=\"{STRIP_W}\" height=\"{:.1}\" fill=\"{surface_2}\"/>",
        bottom - top
    );
    for b in &ov.bars {
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{accent}\"/>",
            x_of(&b.x),
            y_of(b.y),
            w_of(&b.width),
            scale.len(f64::from(b.height))
        );
    }
    // The picked-out mark last, so that nothing covers it.
    let (picked, others): (Vec<_>, Vec<_>) = ov
        .marks
        .iter()
        .partition(|m| highlight.is_some_and(|h| h == m.slug));
    for (m, colour, weight) in others
        .into_iter()
        .map(|m| (m, accent, 3.0))
        .chain(picked.into_iter().map(|m| (m, highlight_colour, 6.0)))
    {
        let opacity = if m.fuzzy { 0.55 } else { 1.0 };
        let (y, y2) = (y_of(m.y), y_of(m.y2));
        match &m.width {
            Some(w) => {
                let _ = write!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{colour}\" opacity=\"{opacity}\"/>",
                    x_of(&m.x),
                    w_of(w),
                    y2 - y
                );
            }
            None => {
                let x = x_of(&m.x);
                let _ = write!(
                    s,
                    "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"{weight}\" stroke-linecap=\"round\" opacity=\"{opacity}\"/>"
                );
            }
        }
    }
    let axis = y_of(ov.axis_y);
    let _ = write!(
        s,
        "<line x1=\"{STRIP_X}\" x2=\"{:.1}\" y1=\"{axis:.1}\" y2=\"{axis:.1}\" stroke=\"{line_strong}\" stroke-width=\"2\"/>",
        STRIP_X + STRIP_W
    );
    let xs: Vec<f64> = ov.ticks.iter().map(|t| x_of(&t.x)).collect();
    let places = label_places(
        xs.iter()
            .copied()
            .zip(ov.ticks.iter().map(|t| t.label.as_str())),
    );
    for ((t, x), place) in ov.ticks.iter().zip(xs).zip(places) {
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{axis:.1}\" y2=\"{:.1}\" stroke=\"{line_strong}\" stroke-width=\"2\"/>",
            axis + 10.0,
        );
        if let Some((label_x, anchor)) = place {
            let _ = write!(
                s,
                "<text x=\"{label_x:.1}\" y=\"{:.1}\" font-size=\"19\" fill=\"{muted}\" text-anchor=\"{anchor}\">{}</text>",
                axis + 34.0,
                escape_html(&t.label)
            );
        }
    }
}

/// Where each tick's label goes on the axis (x and text anchor), from the ticks' x and
/// labels: beside its tick, or ending at it where it would run off the panel's right edge;
/// `None` for a label that would overlap the one before (its tick stays), as the page's
/// axis leaves out labels that collide.
fn label_places<'t>(
    ticks: impl Iterator<Item = (f64, &'t str)>,
) -> Vec<Option<(f64, &'static str)>> {
    let mut labels_end = f64::NEG_INFINITY;
    ticks
        .map(|(x, label)| {
            let width = label.chars().count() as f64 * 19.0 * 0.6;
            let (label_x, anchor, left) = if x + 4.0 + width > STRIP_X + STRIP_W + 24.0 {
                (x - 4.0, "end", x - 4.0 - width)
            } else {
                (x + 4.0, "start", x + 4.0)
            };
            if left < labels_end + LABEL_GAP {
                return None;
            }
            labels_end = left + width;
            Some((label_x, anchor))
        })
        .collect()
}

/// Rasterises a card to PNG.
pub fn render_png(card: &Card<'_>) -> Result<Vec<u8>, CardError> {
    let svg = card_svg(card);
    let options = usvg::Options {
        fontdb: Arc::clone(&FONTS),
        font_family: FONT_FAMILY.to_string(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&svg, &options)?;
    let mut pixmap = tiny_skia::Pixmap::new(CARD_WIDTH, CARD_HEIGHT).ok_or(CardError::Canvas)?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|err| CardError::Png(err.to_string()))
}

/// Renders off the async threads (a card takes milliseconds of CPU) and answers it.
async fn png_response(
    title: String,
    subtitle: String,
    site: String,
    overview: Option<Overview>,
    highlight: Option<String>,
) -> Result<Response, AppError> {
    let png = tokio::task::spawn_blocking(move || {
        render_png(&Card {
            title: &title,
            subtitle: &subtitle,
            site: &site,
            overview: overview.as_ref(),
            highlight: highlight.as_deref(),
        })
    })
    .await
    .map_err(|err| {
        tracing::error!(%err, "the share-card task failed");
        AppError::Internal
    })?
    .map_err(|err| {
        tracing::error!(%err, "cannot draw a share card");
        AppError::Internal
    })?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))],
        png,
    )
        .into_response())
}

fn site_name(public_url: &str) -> String {
    public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest)
        .to_string()
}

async fn view_overview(
    state: &AppState,
    catalog: &Catalog,
    params: &TimelineParams,
    matching: i64,
) -> Result<Option<Overview>, AppError> {
    let Some((first, last)) = catalog.span else {
        return Ok(None);
    };
    let eras = catalog.eras_of(&params.conflicts);
    let data = overview::Span { first, last };
    Ok(Some(
        overview::build(&state.reader().await, params, &eras, data, matching).await?,
    ))
}

/// `GET /share/view.png?…`: the preview of a timeline view.
pub async fn view_card(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let mut params = TimelineParams::parse(query.as_deref());
    if !params.problems.is_empty() {
        return Err(AppError::BadRequest(std::mem::take(&mut params.problems)));
    }
    params.after = None;
    let catalog = state.catalog().await?;
    let title = catalog.view_name(&params.conflicts);
    let matching = state.reader().await.count_events(&params.filter).await?;
    let range = match (params.from.as_str(), params.to.as_str()) {
        ("", "") => "The whole chronology".to_string(),
        (from, "") => format!("From {from} on"),
        ("", to) => format!("Up to {to}"),
        (from, to) => format!("From {from} to {to}"),
    };
    let mut subtitle = format!(
        "{range} · {} {}",
        thousands(matching),
        if matching == 1 { "event" } else { "events" }
    );
    if !params.q.is_empty() {
        subtitle.push_str(&format!(" matching “{}”", params.q));
    }
    let overview = view_overview(&state, &catalog, &params, matching).await?;
    png_response(
        title,
        subtitle,
        site_name(&state.config.public_url),
        overview,
        None,
    )
    .await
}

/// `GET /events/{slug}/card.png`: the preview of an event page.
pub async fn event_card(
    State(state): State<AppState>,
    Segment(slug): Segment,
) -> Result<Response, AppError> {
    let event = queries::event_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound("event"))?;
    let e = &event.summary;
    let params = TimelineParams::parse(Some(&event_view_query(e.start_day, e.end_day)));
    let matching = state.reader().await.count_events(&params.filter).await?;
    let overview = view_overview(&state, &*state.catalog().await?, &params, matching).await?;
    let date = DateView::new(&e.edtf, e.date_label.as_deref());
    let subtitle = match &e.place {
        Some(place) => format!("{} · {place}", date.words),
        None => date.words,
    };
    png_response(
        e.title.clone(),
        subtitle,
        site_name(&state.config.public_url),
        overview,
        Some(e.slug.clone()),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_takes_every_colour_from_the_stylesheet() {
        let p = &*PALETTE;
        for colour in [
            p.bg,
            p.surface,
            p.surface_2,
            p.text,
            p.text_2,
            p.muted,
            p.line,
            p.line_strong,
            p.accent,
            p.era_bg,
            p.era_fg,
            p.highlight,
        ] {
            assert!(
                colour.len() == 7 && colour.starts_with('#') && colour != "#000000",
                "{colour:?} is not a colour of the stylesheet's light scheme"
            );
        }
        assert_eq!(p.bg, "#f7f6f2", "the light background, not the dark one");
        assert_eq!(p.highlight, "#b8432f");
    }

    #[test]
    fn axis_labels_that_would_collide_are_left_out() {
        let end = STRIP_X + STRIP_W;
        let places = label_places(
            [
                (STRIP_X, "Nov 2020"),
                (STRIP_X + 35.0, "2 Nov"),
                (STRIP_X + 280.0, "9 Nov"),
                (end - 30.0, "30 Nov"),
            ]
            .into_iter(),
        );
        assert_eq!(places[0], Some((STRIP_X + 4.0, "start")));
        assert_eq!(places[1], None, "it would overlap 'Nov 2020'");
        assert_eq!(places[2], Some((STRIP_X + 284.0, "start")));
        assert_eq!(
            places[3],
            Some((end - 34.0, "end")),
            "near the right edge the label ends at its tick"
        );
    }

    #[test]
    fn titles_wrap_on_words_and_are_cut_with_an_ellipsis() {
        assert_eq!(wrap("a short title", 34, 2), ["a short title"]);
        assert_eq!(
            wrap("one two three four", 9, 2),
            ["one two", "three…"],
            "cut after two lines"
        );
        assert_eq!(wrap("abcdefghijkl", 5, 1), ["abcd…"]);
    }

    #[test]
    fn a_card_without_data_still_renders_at_its_size() {
        let png = render_png(&Card {
            title: "A <title> & more",
            subtitle: "nothing yet",
            site: "t.example",
            overview: None,
            highlight: None,
        })
        .expect("renders");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("a PNG");
        assert_eq!(
            (reader.info().width, reader.info().height),
            (CARD_WIDTH, CARD_HEIGHT)
        );
    }
}
