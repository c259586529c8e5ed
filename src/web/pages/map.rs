//! Server-drawn SVG maps of the South Caucasus: a place's locator on its page and the map
//! of the events in view beside the timeline. The base map is Natural Earth's 1:50m
//! countries (public domain), clipped and simplified by `scripts/basemap.mjs` into
//! `assets/map/south-caucasus.txt` and compiled in: no tiles, nothing fetched.
//! International borders are drawn as Natural Earth draws them; the former
//! Nagorno-Karabakh Autonomous Oblast is not outlined, since no open outline of it is
//! shipped by a package this project can depend on (an invented one would be a claim).

use crate::markdown::escape_html;

/// The map's box, in degrees: west, south, east, north (as `scripts/basemap.mjs`).
pub const BOUNDS: [f64; 4] = [43.0, 37.5, 51.0, 42.5];
/// Map units per degree of latitude.
const K: f64 = 100.0;
/// Longitudes are scaled by the cosine of 40° N.
const COS: f64 = 0.766_044_443_118_978;
/// The map's width and height in its units.
pub const WIDTH: f64 = (BOUNDS[2] - BOUNDS[0]) * K * COS;
pub const HEIGHT: f64 = (BOUNDS[3] - BOUNDS[1]) * K;

const BASE: &str = include_str!("../../../assets/map/south-caucasus.txt");

/// Where a point falls on the map, or `None` outside its box.
pub fn project(latitude: f64, longitude: f64) -> Option<(f64, f64)> {
    let [w, s, e, n] = BOUNDS;
    ((w..=e).contains(&longitude) && (s..=n).contains(&latitude))
        .then_some(((longitude - w) * K * COS, (n - latitude) * K))
}

/// The degrees at a point of the map (the inverse of [`project`]).
#[cfg(test)]
fn unproject(x: f64, y: f64) -> (f64, f64) {
    (BOUNDS[3] - y / K, BOUNDS[0] + x / (K * COS))
}

/// Country labels: name, longitude, latitude (inside the box, away from the dots).
const LABELS: [(&str, f64, f64); 6] = [
    ("Georgia", 44.0, 41.95),
    ("Armenia", 44.35, 40.45),
    ("Azerbaijan", 48.3, 40.75),
    ("Iran", 47.6, 38.1),
    ("Turkey", 43.3, 39.3),
    ("Russia", 46.9, 42.25),
];

fn base(out: &mut String) {
    out.push_str("<g class=\"map__land\">");
    for line in BASE.lines() {
        if let Some((name, d)) = line.split_once('\t') {
            out.push_str(&format!(
                "<path d=\"{d}\"><title>{}</title></path>",
                escape_html(name)
            ));
        }
    }
    out.push_str("</g><g class=\"map__labels\" aria-hidden=\"true\">");
    for (name, lon, lat) in LABELS {
        if let Some((x, y)) = project(lat, lon) {
            out.push_str(&format!("<text x=\"{x:.0}\" y=\"{y:.0}\">{name}</text>"));
        }
    }
    out.push_str("</g>");
}

fn open(out: &mut String, class: &str, label: &str) {
    out.push_str(&format!(
        "<svg class=\"map {class}\" viewBox=\"0 0 {WIDTH:.0} {HEIGHT:.0}\" role=\"group\" \
         aria-label=\"{}\" data-bounds=\"{},{},{},{}\">",
        escape_html(label),
        BOUNDS[0],
        BOUNDS[1],
        BOUNDS[2],
        BOUNDS[3],
    ));
    base(out);
}

const ATTRIBUTION: &str = "<p class=\"map__credit\">Base map: Natural Earth (public domain). \
    Borders as Natural Earth draws today's international borders.</p>";

/// A place to draw near another one.
pub trait NearPlace {
    /// Its label, link and coordinates.
    fn point(&self) -> Option<(&str, String, f64, f64)>;
}

impl NearPlace for crate::db::models::Place {
    fn point(&self) -> Option<(&str, String, f64, f64)> {
        Some((
            self.label.as_str(),
            format!("/places/{}", self.slug),
            self.latitude?,
            self.longitude?,
        ))
    }
}

/// A place's locator: the place as a ringed dot, the places near it as small linked dots.
/// `None` when it lies outside the map.
pub fn locator(
    latitude: f64,
    longitude: f64,
    label: &str,
    near: &[impl NearPlace],
) -> Option<String> {
    let (x, y) = project(latitude, longitude)?;
    let mut out = String::new();
    open(&mut out, "map--locator", &format!("Map: where {label} is"));
    for (name, url, lat, lon) in near.iter().filter_map(NearPlace::point) {
        if let Some((nx, ny)) = project(lat, lon) {
            out.push_str(&format!(
                "<a href=\"{url}\"><circle class=\"map__near\" cx=\"{nx:.1}\" cy=\"{ny:.1}\" r=\"4\"><title>{}</title></circle></a>",
                escape_html(name)
            ));
        }
    }
    out.push_str(&format!(
        "<circle class=\"map__here\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"7\"><title>{}</title></circle></svg>",
        escape_html(label)
    ));
    out.push_str(ATTRIBUTION);
    Some(out)
}

/// A place with events in the current view, for the timeline's map.
pub struct ViewPoint {
    pub slug: String,
    pub label: String,
    pub count: i64,
    pub latitude: f64,
    pub longitude: f64,
    /// The view's address narrowed to this place.
    pub url: String,
}

/// The map of the events in view: a circle per place, its area proportional to the
/// place's count, each a link to the view narrowed to it. `bbox` outlines the box the view
/// is filtered to, if any.
pub fn view_map(points: &[ViewPoint], bbox: Option<[f64; 4]>) -> String {
    let mut out = String::new();
    open(&mut out, "map--view", "Map of the events in view, by place");
    if let Some([w, s, e, n]) = bbox {
        let (x0, y0) = clamp_project(n, w);
        let (x1, y1) = clamp_project(s, e);
        out.push_str(&format!(
            "<rect class=\"map__bbox\" x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
            (x1 - x0).max(0.0),
            (y1 - y0).max(0.0)
        ));
    }
    let max = points.iter().map(|p| p.count).max().unwrap_or(1).max(1) as f64;
    // Largest first, so that small circles stay on top and reachable.
    let mut order: Vec<&ViewPoint> = points.iter().collect();
    order.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(&b.slug)));
    for p in order {
        let Some((x, y)) = project(p.latitude, p.longitude) else {
            continue;
        };
        let r = 4.0 + 16.0 * (p.count as f64 / max).sqrt();
        let events = if p.count == 1 { "event" } else { "events" };
        out.push_str(&format!(
            "<a class=\"map__place\" href=\"{}\" data-place=\"{}\" aria-label=\"{}: {} {events}\">\
             <circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\"/></a>",
            escape_html(&p.url),
            escape_html(&p.slug),
            escape_html(&p.label),
            p.count,
        ));
    }
    out.push_str("</svg>");
    out
}

fn clamp_project(latitude: f64, longitude: f64) -> (f64, f64) {
    let [w, s, e, n] = BOUNDS;
    project(latitude.clamp(s, n), longitude.clamp(w, e)).unwrap_or((0.0, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_round_trips_inside_the_box() {
        let (x, y) = project(39.76, 46.75).expect("Shusha is on the map");
        let (lat, lon) = unproject(x, y);
        assert!((lat - 39.76).abs() < 1e-9 && (lon - 46.75).abs() < 1e-9);
        assert_eq!(project(50.85, 4.35), None, "Brussels is not");
    }

    #[test]
    fn the_base_map_has_the_countries_of_the_region() {
        for name in [
            "Armenia",
            "Azerbaijan",
            "Georgia",
            "Iran",
            "Turkey",
            "Russia",
        ] {
            assert!(
                BASE.lines().any(|l| l.starts_with(&format!("{name}\t"))),
                "{name}"
            );
        }
    }
}
