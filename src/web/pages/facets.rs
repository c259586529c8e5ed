//! Facets of the timeline: category, actor, place and conflict, each with the most frequent
//! values of the current view, their counts, and a link that adds or removes the value.
//!
//! Values of one facet combine with OR and different facets with AND, so a facet's counts
//! are taken over the view *without its own filter* (disjunctive faceting): a reader who
//! picked one category still sees how many events the other categories would add.
//!
//! Counting is bounded. The whole collection's counts come from the `facet_count`
//! aggregate; a filtered view is counted by the in-memory event index whatever its size
//! ([`crate::db::event_index`]: an AND and a popcount per value), and where the index cannot
//! answer (a search) it is counted live only when it holds at most [`LIVE_COUNT_LIMIT`]
//! events. Larger filtered views list the collection's most frequent
//! values without counts, and the page says so, rather than scan a million rows per request.

use crate::db::catalog::Catalog;
use crate::db::queries::{self, EventFilter, Facet, Reader};
use crate::web::http::params::TimelineParams;

/// Largest view whose facet values are counted per request.
pub const LIVE_COUNT_LIMIT: i64 = 10_000;

/// Values listed per facet (active ones are always listed as well).
pub const VALUES_SHOWN: u32 = 8;

/// One facet as the page shows it.
pub struct FacetView {
    /// The URL parameter (`category`, …).
    pub key: &'static str,
    pub heading: &'static str,
    pub values: Vec<FacetLink>,
    /// False when the view is too large to count: values are listed without counts.
    pub counted: bool,
}

/// One value of a facet.
pub struct FacetLink {
    /// What the URL parameter takes.
    pub value: String,
    pub label: String,
    /// Events of the view (widened by this facet's OR) with this value, when counted.
    pub count: Option<i64>,
    /// The view with this value added, or removed when active.
    pub href: String,
    pub active: bool,
    /// The link makes a combination of filters (the view is already narrowed): crawlers
    /// are asked not to follow it, as combinations multiply without end.
    pub nofollow: bool,
}

/// The facets of the view `params` describes; `matching` is how many events it holds.
/// Facets with a single value and no active filter are left out: they narrow nothing.
pub async fn build(
    db: &Reader<'_>,
    catalog: &Catalog,
    params: &TimelineParams,
    matching: i64,
) -> Result<Vec<FacetView>, sqlx::Error> {
    let mut out = Vec::new();
    for facet in Facet::ALL {
        let view = facet_view(db, catalog, params, facet, matching).await?;
        let active = view.values.iter().any(|v| v.active);
        if active || view.values.len() > 1 {
            out.push(view);
        }
    }
    Ok(out)
}

async fn facet_view(
    db: &Reader<'_>,
    catalog: &Catalog,
    params: &TimelineParams,
    facet: Facet,
    matching: i64,
) -> Result<FacetView, sqlx::Error> {
    let pool = db.pool;
    let nofollow = narrowed(params);
    let active = facet.values_in(&params.filter);
    let wider = facet.widen(&params.filter);
    let (values, counted) = if wider == EventFilter::default() {
        (catalog.facet_totals(facet, VALUES_SHOWN), true)
    } else if db.counts_cheaply(&wider) {
        (db.facet_counts(&wider, facet, VALUES_SHOWN).await?, true)
    } else {
        let size = if active.is_empty() {
            matching
        } else {
            db.count_events(&wider).await?
        };
        if size <= LIVE_COUNT_LIMIT {
            (db.facet_counts(&wider, facet, VALUES_SHOWN).await?, true)
        } else {
            (catalog.facet_totals(facet, VALUES_SHOWN), false)
        }
    };
    let mut links: Vec<FacetLink> = values
        .into_iter()
        .map(|v| FacetLink {
            href: params.toggled_url(facet.key(), &v.value),
            count: counted.then_some(v.count),
            active: active.contains(&v.value),
            nofollow,
            label: v.label,
            value: v.value,
        })
        .collect();
    // Active values stay listed (and removable) even when they are not among the most
    // frequent; their labels come from the aggregate, and they go without a count.
    let missing: Vec<String> = active
        .iter()
        .filter(|a| !links.iter().any(|l| &&l.value == a))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let known = queries::facet_totals_of(pool, facet, &missing).await?;
        for value in missing {
            let label = known
                .iter()
                .find(|k| k.value == value)
                .map_or_else(|| value.clone(), |k| k.label.clone());
            links.push(FacetLink {
                href: params.toggled_url(facet.key(), &value),
                count: None,
                label,
                value,
                active: true,
                nofollow,
            });
        }
    }
    Ok(FacetView {
        key: facet.key(),
        heading: heading(facet),
        values: links,
        counted,
    })
}

/// Whether the view already has a facet value or a search, so that a facet link adds a
/// combination.
pub fn narrowed(params: &TimelineParams) -> bool {
    !params.q.is_empty()
        || Facet::ALL
            .iter()
            .any(|f| !f.values_in(&params.filter).is_empty())
}

fn heading(facet: Facet) -> &'static str {
    match facet {
        Facet::Category => "Category",
        Facet::Actor => "Actor",
        Facet::Conflict => "Conflict",
        Facet::Place => "Place",
    }
}
