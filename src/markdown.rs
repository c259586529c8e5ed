//! Markdown bodies rendered to HTML that is safe to embed: event text is untrusted input
//! (it arrives through imports), so the rendered HTML always passes through a sanitiser
//! with a small allow-list, and links may only point to http(s) URLs.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "em",
        "strong",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "a",
        "br",
        "h3",
        "h4",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "del",
        "sup",
        "sub",
    ]
    .into_iter()
    .collect();
    sanitiser(tags)
});

/// A sanitiser keeping `tags`, links only to web addresses, each link marked as one the
/// project does not vouch for.
fn sanitiser(tags: HashSet<&'static str>) -> ammonia::Builder<'static> {
    let schemes: HashSet<&str> = ["http", "https"].into_iter().collect();
    let mut builder = ammonia::Builder::new();
    builder
        .tags(tags)
        .url_schemes(schemes)
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_relative(ammonia::UrlRelative::Deny);
    builder
}

/// Renders Markdown to sanitised HTML. Raw HTML in the input is escaped or removed, never
/// passed through; headings are demoted so a body cannot break the page's outline.
pub fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        }),
        pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(level)) => {
            pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(demote(level)))
        }
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    SANITISER.clean(&unsafe_html).to_string()
}

/// The tags an inline rendering keeps: a summary sits inside one `<p>` (a card's, the event
/// page's), so blocks are unwrapped rather than nested in it.
static INLINE_SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    sanitiser(
        ["em", "strong", "code", "a", "br", "del", "sup", "sub"]
            .into_iter()
            .collect(),
    )
});

/// Whether `text` could hold Markdown (or HTML) at all; most summaries are plain sentences,
/// which are escaped without running the parser and the sanitiser.
fn may_hold_markup(text: &str) -> bool {
    text.contains(['[', ']', '*', '_', '`', '<', '>', '&', '\\', '~', '#', '\n'])
        || text.contains("http")
}

/// Renders a summary's Markdown (links, emphasis, code, line breaks) to sanitised inline
/// HTML, for a place that is already a paragraph: paragraphs become line breaks, other
/// blocks give up their tags and keep their text. Plain text comes back escaped.
pub fn render_inline(markdown: &str) -> String {
    if !may_hold_markup(markdown) {
        return escape_html(markdown);
    }
    let mut first = true;
    // A link to anything but a web address is its text alone (the sanitiser would keep an
    // `<a>` without `href`, which reads as a link that goes nowhere).
    let mut dropped_link = false;
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).filter_map(|event| {
        use pulldown_cmark::{Event, Tag, TagEnd};
        match event {
            Event::Start(Tag::Link { ref dest_url, .. })
                if !(dest_url.starts_with("https://") || dest_url.starts_with("http://")) =>
            {
                dropped_link = true;
                None
            }
            Event::End(TagEnd::Link) if dropped_link => {
                dropped_link = false;
                None
            }
            Event::Start(Tag::Paragraph) => {
                let was_first = first;
                first = false;
                (!was_first).then(|| Event::Html("<br><br>".into()))
            }
            Event::End(TagEnd::Paragraph) => None,
            // Raw HTML in a summary is text, as everywhere else.
            Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
            other => Some(other),
        }
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    INLINE_SANITISER.clean(unsafe_html.trim_end()).to_string()
}

/// A summary's Markdown as plain text (link texts without their addresses, no markup), for
/// places that take text only: meta descriptions, share cards, JSON-LD.
pub fn plain_text(markdown: &str) -> String {
    if !may_hold_markup(markdown) {
        return markdown.to_string();
    }
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::Paragraph | Tag::Item) if !out.is_empty() => out.push(' '),
            Event::End(TagEnd::Paragraph) => {}
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Body headings sit under the page's h1 and the section's h2.
fn demote(level: pulldown_cmark::HeadingLevel) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel::*;
    match level {
        H1 | H2 | H3 => H3,
        _ => H4,
    }
}

/// `text` with the characters HTML gives meaning to (`& < > " '`) replaced by references,
/// for fields that other programs insert as HTML (TimelineJS headlines, dates and
/// captions) and for text placed in hand-built HTML. The one HTML escaper outside the
/// templates: the `html-escape` crate's, safe in text and in quoted attribute values.
pub fn escape_html(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{plain_text, render, render_inline};

    #[test]
    fn a_summary_renders_its_links_inline_and_sanitised() {
        assert_eq!(
            render_inline("Take [Ada Lovelace](https://example.org/ada): *first*."),
            "Take <a href=\"https://example.org/ada\" rel=\"noopener noreferrer nofollow\">Ada Lovelace</a>: <em>first</em>."
        );
        let hostile = render_inline("[x](javascript:alert(1)) <script>alert(1)</script>");
        assert!(!hostile.contains("javascript:"), "{hostile}");
        assert!(
            hostile.starts_with("x "),
            "a link to nowhere is its text: {hostile}"
        );
        assert!(!hostile.contains("<script"), "{hostile}");
        assert_eq!(render_inline("Fuzuli & Jabrayil"), "Fuzuli &amp; Jabrayil");
        assert_eq!(render_inline("One.\n\nTwo."), "One.<br><br>Two.");
    }

    #[test]
    fn a_summary_as_plain_text_keeps_link_texts() {
        assert_eq!(
            plain_text("Take [Ada Lovelace](https://example.org/ada): *first*."),
            "Take Ada Lovelace: first."
        );
    }

    #[test]
    fn renders_paragraphs_and_emphasis() {
        assert_eq!(render("Hello *world*"), "<p>Hello <em>world</em></p>\n");
    }

    #[test]
    fn strips_script_and_event_handlers() {
        let html = render("<script>alert(1)</script><img src=x onerror=alert(1)> ok");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn drops_javascript_links_but_keeps_https_links() {
        let html = render("[bad](javascript:alert(1)) [good](https://example.org/)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(r#"href="https://example.org/""#), "{html}");
    }

    #[test]
    fn demotes_headings_below_the_page_outline() {
        assert!(render("# Title").starts_with("<h3>"));
    }
}
