//! What a page needs to be shared and embedded: the "Embed or share this view" control
//! (`templates/_share.html`: the link, the iframe snippet, copy buttons), the Open Graph and
//! Twitter card tags with their generated preview image (see [`super::share_image`]), and
//! the oEmbed discovery link (see [`super::oembed`]).

use super::embed::iframe_snippet;
use crate::edtf::Day;
use crate::web::http::params::TimelineParams;

/// Width and height of every preview image, the size Open Graph consumers expect.
pub const CARD_WIDTH: u32 = 1200;
pub const CARD_HEIGHT: u32 = 630;

/// Height of the frame in a pasted snippet before the frame reports its own.
pub const SNIPPET_HEIGHT: u32 = 600;

/// Open Graph and Twitter card metadata of a page.
#[derive(Clone, Debug)]
pub struct ShareMeta {
    /// `website` for views, `article` for events.
    pub og_type: &'static str,
    pub title: String,
    pub description: String,
    /// Absolute address of the page.
    pub url: String,
    /// Absolute address of the preview PNG.
    pub image: String,
    pub image_width: u32,
    pub image_height: u32,
    pub image_alt: String,
}

/// The "Embed or share" control of a page.
#[derive(Clone, Debug)]
pub struct ShareView {
    pub heading: &'static str,
    /// Absolute address of the page.
    pub link: String,
    /// The `<iframe>` to paste.
    pub snippet: String,
    /// The embed view itself, to preview.
    pub embed_url: String,
}

/// The oEmbed address for a page of this site.
pub fn oembed_url(public_url: &str, page_url: &str) -> String {
    let query =
        serde_urlencoded::to_string([("url", page_url), ("format", "json")]).unwrap_or_default();
    format!("{public_url}/oembed?{query}")
}

fn with_query(base: String, query: &str) -> String {
    if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    }
}

/// What differs between sharing a view and sharing an event.
struct Shared {
    og_type: &'static str,
    heading: &'static str,
    /// Absolute address of the page.
    link: String,
    /// Absolute address of the preview PNG, and its alternative text.
    image: String,
    image_alt: String,
}

/// The card metadata, the control and the oEmbed address of a page whose embed and preview
/// show the view `query`.
fn share(
    public_url: &str,
    query: &str,
    title: &str,
    description: &str,
    page: Shared,
) -> (ShareMeta, ShareView, String) {
    let oembed = oembed_url(public_url, &page.link);
    let meta = ShareMeta {
        og_type: page.og_type,
        title: title.to_string(),
        description: description.chars().take(300).collect(),
        url: page.link.clone(),
        image: page.image,
        image_width: CARD_WIDTH,
        image_height: CARD_HEIGHT,
        image_alt: page.image_alt,
    };
    let view = ShareView {
        heading: page.heading,
        snippet: iframe_snippet(public_url, query, title, None, SNIPPET_HEIGHT),
        embed_url: with_query("/embed".to_string(), query),
        link: page.link,
    };
    (meta, view, oembed)
}

/// What a timeline view shares: its address (first page), the embed of the same view, and
/// a preview of its strip.
pub fn for_view(
    public_url: &str,
    params: &TimelineParams,
    title: &str,
    description: &str,
) -> (ShareMeta, ShareView, String) {
    let query = params.view_query();
    let page = Shared {
        og_type: "website",
        heading: "Embed or share this view",
        link: format!("{public_url}{}", params.url()),
        image: with_query(format!("{public_url}/share/view.png"), &query),
        image_alt: format!("Overview strip of {title}"),
    };
    share(public_url, &query, title, description, page)
}

/// The months an event covers, as the `from`/`to` of a view (`from=2020-09&to=2020-11`):
/// what an event's embed and preview show around it. A long or open-ended event shows its
/// first year.
pub fn event_view_query(start_day: i32, end_day: i32) -> String {
    let end_day = end_day.clamp(start_day, start_day.saturating_add(365));
    let (y1, m1, _) = Day(start_day).ymd();
    let (y2, m2, _) = Day(end_day).ymd();
    format!("from={y1:04}-{m1:02}&to={y2:04}-{m2:02}")
}

/// What an event page shares: its permalink, the embed of the months it covers, and a
/// preview of that strip under its title.
pub fn for_event(
    public_url: &str,
    slug: &str,
    title: &str,
    description: &str,
    start_day: i32,
    end_day: i32,
) -> (ShareMeta, ShareView, String) {
    let page = Shared {
        og_type: "article",
        heading: "Embed or share this event",
        link: format!("{public_url}/events/{slug}"),
        image: format!("{public_url}/events/{slug}/card.png"),
        image_alt: format!("{title}, on the overview strip of the months around it"),
    };
    let query = event_view_query(start_day, end_day);
    share(public_url, &query, title, description, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_embedded_with_the_months_it_covers() {
        let start = Day::from_ymd(2020, 9, 27).map_or(0, |d| d.0);
        let end = Day::from_ymd(2020, 11, 10).map_or(0, |d| d.0);
        assert_eq!(event_view_query(start, end), "from=2020-09&to=2020-11");
        assert_eq!(event_view_query(start, start), "from=2020-09&to=2020-09");
    }

    #[test]
    fn the_oembed_address_encodes_the_page() {
        assert_eq!(
            oembed_url("https://t.example", "https://t.example/?from=2020&to=2021"),
            "https://t.example/oembed?url=https%3A%2F%2Ft.example%2F%3Ffrom%3D2020%26to%3D2021&format=json"
        );
    }
}
