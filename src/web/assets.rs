//! Static files, compiled into the binary and served under fingerprinted names
//! (`/static/app.3f2a9c1b04.css`): the name changes whenever the content does, so they can be
//! cached forever (`immutable`) and a deploy never serves a stale stylesheet.

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
    bytes: &'static [u8],
    content_type: &'static str,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        (
            "app.css",
            include_bytes!("../../static/app.css").as_slice(),
            "text/css; charset=utf-8",
        ),
        (
            "app.js",
            include_bytes!("../../static/app.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        (
            "favicon.svg",
            include_bytes!("../../static/favicon.svg").as_slice(),
            "image/svg+xml",
        ),
    ]
    .into_iter()
    .map(|(logical, bytes, content_type)| {
        let digest = Sha256::digest(bytes);
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
        }
    })
    .collect()
});

/// The fingerprinted URL of an embedded file. Unknown names are a programming error caught
/// by the tests; they yield a URL that 404s rather than a panic.
pub fn url(logical: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.logical == logical)
        .map(|a| a.url.as_str())
        .unwrap_or("/static/missing")
}

/// `GET /static/{file}`.
pub async fn serve_asset(Segment(file): Segment) -> Result<Response, AppError> {
    let path = format!("/static/{file}");
    let asset = ASSETS
        .iter()
        .find(|a| a.url == path)
        .ok_or(AppError::NotFound("file"))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_fingerprinted_url() {
        for name in ["app.css", "app.js", "favicon.svg"] {
            let u = url(name);
            assert!(u.starts_with("/static/"), "{u}");
            assert_ne!(u, "/static/missing");
            assert_eq!(u.matches('.').count(), 2, "{u}");
        }
    }
}
