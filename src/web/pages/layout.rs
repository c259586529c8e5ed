//! What every page's frame (`base.html`) needs: title, asset URLs, share metadata.

use crate::web::http::assets;

/// Shared page frame data.
#[derive(Clone, Debug)]
pub struct Layout {
    pub title: String,
    pub description: Option<String>,
    /// `<meta name="robots">`, for views crawlers should not index (searches, facet
    /// combinations, later pages): each is one of a great many addresses.
    pub robots: Option<&'static str>,
    /// Absolute canonical URL, where the page has one.
    pub canonical: Option<String>,
    /// `<link rel="alternate">` targets (JSON and other formats of the same view).
    pub alternates: Vec<Alternate>,
    /// Absolute address of this page's oEmbed answer (discovery link), if it has one.
    pub oembed: Option<String>,
    /// Open Graph and Twitter card metadata, if the page can be shared.
    pub share: Option<super::share::ShareMeta>,
    pub css_url: &'static str,
    pub js_url: &'static str,
    pub icon_url: &'static str,
    /// The page has a timeline strip the skip links lead to.
    pub has_timeline: bool,
}

/// Another representation of the same view.
#[derive(Clone, Debug)]
pub struct Alternate {
    pub href: String,
    pub media_type: &'static str,
    pub title: &'static str,
}

impl Layout {
    /// A frame with a title and the asset URLs.
    pub fn new(title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            description: None,
            robots: None,
            canonical: None,
            alternates: Vec::new(),
            oembed: None,
            share: None,
            css_url: assets::url("app.css"),
            js_url: assets::url("app.js"),
            icon_url: assets::url("favicon.svg"),
            has_timeline: false,
        }
    }
}

/// Wraps text that may hold right-to-left letters or bidi controls (a title such as
/// `Safe\u{202E}gnp.exe`) in first-strong isolates, so that it cannot reorder what is shown
/// around it where HTML elements cannot isolate it: the document title, SVG text, tooltips.
pub fn isolate(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}
