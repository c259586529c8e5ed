//! Static files, compiled into the binary and served under fingerprinted names
//! (`/static/app.3f2a9c1b04.css`): the name changes whenever the content does, so they can be
//! cached forever (the route's `CachePolicy::Immutable`) and a deploy never serves a stale stylesheet. Each is
//! compressed once, with brotli and gzip at their best settings, when first asked for, and
//! served in the best encoding the client accepts. Stylesheets are served minified (comments
//! and spaces dropped by the `minifier` crate, the tokenizer rustdoc uses for its own CSS):
//! the source keeps its comments for the people who edit it.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::params::Segment;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::AppError;

/// One embedded file.
pub struct Asset {
    /// The name templates ask for (`app.css`).
    pub logical: &'static str,
    /// The fingerprinted URL path (`/static/app.3f2a9c1b04.css`).
    pub url: String,
    /// What is served: the file, minified when it is a stylesheet.
    bytes: Cow<'static, [u8]>,
    content_type: &'static str,
    /// Brotli and gzip forms, made on first use (SVG and text compress; that is all there is).
    compressed: std::sync::OnceLock<Compressed>,
}

impl Asset {
    fn compressed(&self) -> &Compressed {
        self.compressed.get_or_init(|| Compressed::of(&self.bytes))
    }
}

struct Compressed {
    br: Vec<u8>,
    gzip: Vec<u8>,
}

impl Compressed {
    fn of(bytes: &[u8]) -> Compressed {
        use std::io::Write;
        let mut br = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
            // Writing to a Vec cannot fail.
            let _ = writer.write_all(bytes);
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = gz.write_all(bytes);
        let gzip = gz.finish().unwrap_or_default();
        Compressed { br, gzip }
    }
}

/// A file of `static/`, named once: its name, its bytes (built into the binary) and its
/// content type.
macro_rules! static_file {
    ($name:literal, $content_type:literal) => {
        (
            $name,
            include_bytes!(concat!("../../../static/", $name)).as_slice(),
            $content_type,
        )
    };
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        static_file!("app.css", "text/css; charset=utf-8"),
        static_file!("app.js", "text/javascript; charset=utf-8"),
        static_file!("embed.css", "text/css; charset=utf-8"),
        static_file!("embed.js", "text/javascript; charset=utf-8"),
        static_file!("favicon.svg", "image/svg+xml"),
    ]
    .into_iter()
    .map(|(logical, source, content_type)| {
        let bytes = if content_type.starts_with("text/css") {
            minified_css(logical, source)
        } else {
            Cow::Borrowed(source)
        };
        let digest = Sha256::digest(&bytes);
        let hash: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
        let url = match logical.rsplit_once('.') {
            Some((stem, ext)) => format!("/static/{stem}.{hash}.{ext}"),
            None => format!("/static/{logical}.{hash}"),
        };
        Asset {
            logical,
            url,
            bytes,
            content_type,
            compressed: std::sync::OnceLock::new(),
        }
    })
    .collect()
});

/// A stylesheet without its comments and spaces; the source as it is if it cannot be
/// tokenized (a test holds every stylesheet to minifying).
fn minified_css(logical: &str, source: &'static [u8]) -> Cow<'static, [u8]> {
    let minified = std::str::from_utf8(source)
        .map_err(|_| "not UTF-8")
        .and_then(minifier::css::minify)
        .and_then(|css| {
            let mut out = Vec::with_capacity(source.len());
            css.write(&mut out)
                .map_err(|_| "cannot write")
                .map(|()| out)
        });
    match minified {
        Ok(out) => Cow::Owned(out),
        Err(why) => {
            tracing::warn!(file = logical, why, "stylesheet served as written");
            Cow::Borrowed(source)
        }
    }
}

/// The fingerprinted URL of an embedded file. Unknown names are a programming error caught
/// by the tests; they yield a URL that 404s rather than a panic.
pub fn url(logical: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.logical == logical)
        .map(|a| a.url.as_str())
        .unwrap_or("/static/missing")
}

/// Which encoding to send, from `Accept-Encoding`: brotli, then gzip, else identity.
/// A coding with `q=0` is refused, as RFC 9110 says.
fn pick_encoding(accept: &str) -> Option<&'static str> {
    let accepts = |coding: &str| {
        accept.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
    };
    if accepts("br") {
        Some("br")
    } else if accepts("gzip") {
        Some("gzip")
    } else {
        None
    }
}

/// `GET /static/{file}`.
pub async fn serve_asset(
    Segment(file): Segment,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let path = format!("/static/{file}");
    let asset = ASSETS
        .iter()
        .find(|a| a.url == path)
        .ok_or(AppError::NotFound("file"))?;
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, encoding): (&'static [u8], Option<&'static str>) = match pick_encoding(accept) {
        Some("br") => (asset.compressed().br.as_slice(), Some("br")),
        Some(_) => (asset.compressed().gzip.as_slice(), Some("gzip")),
        None => (&asset.bytes, None),
    };
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body,
    )
        .into_response();
    if let Some(encoding) = encoding {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        assert_eq!(pick_encoding("gzip, deflate, br"), Some("br"));
        assert_eq!(pick_encoding("gzip"), Some("gzip"));
        assert_eq!(pick_encoding("br;q=0, gzip;q=0.5"), Some("gzip"));
        assert_eq!(pick_encoding("identity"), None);
        assert_eq!(pick_encoding(""), None);
    }

    #[test]
    fn compressed_forms_decompress_to_the_file() {
        use std::io::Read;
        for asset in ASSETS.iter() {
            let mut out = Vec::new();
            brotli::Decompressor::new(asset.compressed().br.as_slice(), 4096)
                .read_to_end(&mut out)
                .expect("brotli");
            assert_eq!(out, *asset.bytes, "{}", asset.logical);
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(asset.compressed().gzip.as_slice())
                .read_to_end(&mut out)
                .expect("gzip");
            assert_eq!(out, *asset.bytes, "{}", asset.logical);
            assert!(
                asset.compressed().br.len() < asset.bytes.len(),
                "{}",
                asset.logical
            );
        }
    }

    /// The stylesheets as served: smaller than their sources and the same rules, i.e. the
    /// same braces once the comments are gone.
    #[test]
    fn stylesheets_are_served_minified_with_every_rule() {
        let sources = [
            ("app.css", include_str!("../../../static/app.css")),
            ("embed.css", include_str!("../../../static/embed.css")),
        ];
        for (name, source) in sources {
            let asset = ASSETS.iter().find(|a| a.logical == name).expect("asset");
            assert!(matches!(asset.bytes, Cow::Owned(_)), "{name} not minified");
            let served = std::str::from_utf8(&asset.bytes).expect("UTF-8");
            assert!(
                served.len() * 10 < source.len() * 9,
                "{name}: {}",
                served.len()
            );
            let mut code = String::new();
            let mut rest = source;
            while let Some((before, after)) = rest.split_once("/*") {
                code.push_str(before);
                rest = after.split_once("*/").map_or("", |(_, a)| a);
            }
            code.push_str(rest);
            for brace in ['{', '}'] {
                assert_eq!(
                    served.matches(brace).count(),
                    code.matches(brace).count(),
                    "{name}: {brace}"
                );
            }
            for kept in ["@media print", "@container", "prefers-color-scheme"] {
                assert_eq!(served.contains(kept), code.contains(kept), "{name}: {kept}");
            }
        }
    }

    #[test]
    fn every_asset_has_a_fingerprinted_url() {
        for name in ["app.css", "app.js", "embed.css", "embed.js", "favicon.svg"] {
            let u = url(name);
            assert!(u.starts_with("/static/"), "{u}");
            assert_ne!(u, "/static/missing");
            assert_eq!(u.matches('.').count(), 2, "{u}");
        }
    }
}
