//! How the answers of a route may be stored and reused: the [`CachePolicy`] a route is
//! given in the route table (see [`super::caching`], which turns it into headers).

/// How long pages, API answers and exports may be reused before revalidating.
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=60";
/// Errors, health probes, shed requests: always asked afresh.
pub const NO_STORE: &str = "no-store";
/// Files whose address holds a digest of their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// How the answers of a route may be stored and reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Never stored: probes, redirects, and every error whatever its route says. The
    /// policy of anything that has none.
    NoStore,
    /// A function of the address and the data: validated by the data version's ETag,
    /// reused for a minute, compressed, and kept in the server's response cache.
    FollowsData,
    /// As [`CachePolicy::FollowsData`], but too large to keep in memory (the exports):
    /// never in the response cache.
    Download,
    /// The address holds a digest of the content (static files): reused for a year,
    /// never revalidated, sent precompressed by its handler.
    Immutable,
}

impl CachePolicy {
    pub(super) fn cache_control(self) -> &'static str {
        match self {
            CachePolicy::NoStore => NO_STORE,
            CachePolicy::FollowsData | CachePolicy::Download => PAGE_CACHE_CONTROL,
            CachePolicy::Immutable => IMMUTABLE,
        }
    }

    pub(super) fn follows_data(self) -> bool {
        matches!(self, CachePolicy::FollowsData | CachePolicy::Download)
    }

    /// Whether the response cache keeps answers under this policy.
    pub fn keeps(self) -> bool {
        self == CachePolicy::FollowsData
    }
}
