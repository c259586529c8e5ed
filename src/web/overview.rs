//! The overview strip above the timeline: an SVG drawn on the server, so it shows without
//! JavaScript. It holds a time axis whose ticks adapt to the span, era bands, and either a
//! mark per event or, where marks would crowd, a histogram computed in SQL. A thin context
//! strip of the whole chronology shows where the current view lies. Links beside it zoom
//! and pan with plain GET requests; the script in `static/app.js` adds dragging and wheel
//! zoom on top.
//!
//! Geometry: x positions are percentages of the SVG's width (an SVG without a viewBox
//! resolves `x="12.5%"` against its own width), so the strip stretches to any screen while
//! text and strokes keep their size, with no inline style (the CSP forbids it).

use super::dates::{month_name, thousands};
use super::params::TimelineParams;
use crate::db::models::Era;
use crate::db::queries::{self, EventFilter, Mark};
use crate::edtf::{Day, Edtf};

/// Above this many events in view, draw a histogram instead of individual marks.
pub const MARK_LIMIT: u32 = 300;
/// Histogram buckets across the strip.
const BUCKETS: u32 = 120;
/// Rows of marks, to keep neighbours from hiding each other.
const MARK_ROWS: usize = 3;
const LANE_HEIGHT: u32 = 18;
const MARK_ROW_HEIGHT: u32 = 14;
const HISTOGRAM_HEIGHT: u32 = 44;
const AXIS_HEIGHT: u32 = 24;

/// Everything the template needs to draw the strip and its controls.
pub struct Overview {
    /// A sentence describing the strip, for screen readers.
    pub description: String,
    pub height: u32,
    pub eras: Vec<EraBand>,
    pub marks: Vec<MarkShape>,
    pub bars: Vec<Bar>,
    /// True when the strip shows a histogram rather than marks.
    pub dense: bool,
    pub ticks: Vec<Tick>,
    pub axis_y: u32,
    pub plot_top: u32,
    pub plot_bottom: u32,
    pub nav: Navigation,
    pub context: ContextStrip,
    /// The view as ISO days, for the script.
    pub first_iso: String,
    pub last_iso: String,
    pub data_first_iso: String,
    pub data_last_iso: String,
}

/// An era drawn as a band.
pub struct EraBand {
    pub x: String,
    pub width: String,
    pub y: u32,
    pub text_y: u32,
    pub name: String,
    pub clip_id: String,
    pub show_label: bool,
}

/// One event's mark: a bar over its span, or a tick for a short event.
pub struct MarkShape {
    pub slug: String,
    pub tip: String,
    pub x: String,
    /// Some(width) for a bar; None for a point (drawn as a short vertical line).
    pub width: Option<String>,
    pub y: u32,
    pub y2: u32,
    /// Approximate or uncertain dates are drawn with soft, dashed edges.
    pub fuzzy: bool,
    pub start_iso: String,
    pub end_iso: String,
}

/// A histogram bar.
pub struct Bar {
    pub x: String,
    pub width: String,
    pub y: u32,
    pub height: u32,
    pub tip: String,
}

/// A tick on the time axis.
pub struct Tick {
    pub x: String,
    pub label: String,
}

/// Plain links that move the view: they work without JavaScript.
pub struct Navigation {
    pub zoom_in: String,
    pub zoom_out: Option<String>,
    pub earlier: Option<String>,
    pub later: Option<String>,
    pub all: Option<String>,
}

/// The whole chronology in miniature, with the current view highlighted.
pub struct ContextStrip {
    pub bars: Vec<Bar>,
    pub highlight_x: String,
    pub highlight_width: String,
}

/// A closed range of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub first: Day,
    pub last: Day,
}

impl Span {
    fn days(self) -> i64 {
        i64::from(self.last.0) - i64::from(self.first.0) + 1
    }

    /// Position of a day as a percentage of the span (may fall outside 0-100).
    fn pct(self, day: i64) -> f64 {
        (day - i64::from(self.first.0)) as f64 * 100.0 / self.days() as f64
    }
}

fn pct(v: f64) -> String {
    format!("{:.3}%", v.clamp(-1.0, 101.0))
}

/// The view's span: the filter's bounds where given, the data's elsewhere, widened to whole
/// years when the data decides.
pub fn view_span(params: &TimelineParams, data: Span) -> Span {
    let first = params.filter.from.unwrap_or_else(|| year_start(data.first));
    let last = params.filter.to.unwrap_or_else(|| year_end(data.last));
    if first <= last {
        Span { first, last }
    } else {
        Span { first, last: first }
    }
}

fn year_start(day: Day) -> Day {
    Day::from_ymd(day.year(), 1, 1).unwrap_or(day)
}

fn year_end(day: Day) -> Day {
    Day::from_ymd(day.year(), 12, 31).unwrap_or(day)
}

/// Builds the overview of a view.
pub async fn build(
    db: &queries::Reader<'_>,
    params: &TimelineParams,
    eras: &[Era],
    data: Span,
    in_view: i64,
) -> Result<Overview, sqlx::Error> {
    let view = view_span(params, data);
    let lanes = lay_out_eras(eras, view);
    let lane_count = lanes
        .iter()
        .map(|b| b.y / LANE_HEIGHT + 1)
        .max()
        .unwrap_or(0);
    let plot_top = lane_count * LANE_HEIGHT + 4;
    let dense = in_view > i64::from(MARK_LIMIT);
    let plot_height = if dense {
        HISTOGRAM_HEIGHT
    } else {
        MARK_ROW_HEIGHT * MARK_ROWS as u32
    };
    let plot_bottom = plot_top + plot_height;
    let axis_y = plot_bottom + 2;

    let filter = EventFilter {
        from: Some(view.first),
        to: Some(view.last),
        ..params.filter.clone()
    };
    let (marks, bars) = if dense {
        let counts = db
            .histogram(&filter, view.first, view.last, BUCKETS)
            .await?;
        (
            Vec::new(),
            histogram_bars(&counts, view, plot_top, plot_height),
        )
    } else {
        let rows = db.marks(&filter, MARK_LIMIT).await?;
        (lay_out_marks(&rows, view, plot_top), Vec::new())
    };

    let whole = Span {
        first: year_start(data.first),
        last: year_end(data.last),
    };
    let context_counts = queries::histogram(
        db.pool,
        &EventFilter::default(),
        whole.first,
        whole.last,
        BUCKETS,
    )
    .await?;
    let context = ContextStrip {
        bars: histogram_bars(&context_counts, whole, 0, 14),
        highlight_x: pct(whole.pct(i64::from(view.first.0))),
        highlight_width: pct(
            whole.pct(i64::from(view.last.0) + 1) - whole.pct(i64::from(view.first.0))
        ),
    };

    let description = describe(view, in_view, dense, &lanes);
    Ok(Overview {
        description,
        height: axis_y + AXIS_HEIGHT,
        eras: lanes,
        marks,
        bars,
        dense,
        ticks: ticks(view),
        axis_y,
        plot_top,
        plot_bottom,
        nav: navigation(params, view, whole),
        context,
        first_iso: view.first.iso(),
        last_iso: view.last.iso(),
        data_first_iso: whole.first.iso(),
        data_last_iso: whole.last.iso(),
    })
}

fn describe(view: Span, in_view: i64, dense: bool, eras: &[EraBand]) -> String {
    let mut text = format!(
        "Overview from {} to {}: {} {}",
        words(view.first),
        words(view.last),
        thousands(in_view),
        if in_view == 1 { "event" } else { "events" },
    );
    if dense {
        text.push_str(", drawn as a histogram of how many events start in each period");
    }
    if !eras.is_empty() {
        let names: Vec<&str> = eras.iter().map(|e| e.name.as_str()).collect();
        text.push_str(&format!("; eras shown: {}", names.join(", ")));
    }
    text.push('.');
    text
}

fn words(day: Day) -> String {
    let (y, m, d) = day.ymd();
    format!("{d} {} {y}", month_name(m))
}

/// Era bands in as few lanes as they need without overlapping.
fn lay_out_eras(eras: &[Era], view: Span) -> Vec<EraBand> {
    let mut lane_ends: Vec<f64> = Vec::new();
    let mut bands = Vec::new();
    for era in eras
        .iter()
        .filter(|e| e.start_day <= view.last.0 && e.end_day >= view.first.0)
    {
        let start = view.pct(i64::from(era.start_day)).max(0.0);
        let end = view.pct(i64::from(era.end_day) + 1).min(100.0);
        let lane = match lane_ends.iter().position(|&e| e <= start) {
            Some(lane) => lane,
            None => {
                lane_ends.push(0.0);
                lane_ends.len() - 1
            }
        };
        lane_ends[lane] = end;
        let y = lane as u32 * LANE_HEIGHT;
        bands.push(EraBand {
            x: pct(start),
            width: pct(end - start),
            y,
            text_y: y + 13,
            name: era.name.clone(),
            clip_id: format!("era-clip-{}", era.id),
            show_label: end - start >= 4.0,
        });
    }
    bands
}

/// Marks in up to [`MARK_ROWS`] rows, each placed in the first row where it does not touch
/// the previous mark.
fn lay_out_marks(rows: &[Mark], view: Span, top: u32) -> Vec<MarkShape> {
    let mut row_ends = [f64::NEG_INFINITY; MARK_ROWS];
    rows.iter()
        .map(|m| {
            let start = view.pct(i64::from(m.start_day));
            let end = view.pct(i64::from(m.end_day) + 1);
            let date = Edtf::parse(&m.edtf).ok();
            let words = m
                .date_label
                .clone()
                .or_else(|| date.as_ref().map(Edtf::words))
                .unwrap_or_else(|| m.edtf.clone());
            let fuzzy = date
                .as_ref()
                .is_some_and(|d| d.is_approximate() || d.is_uncertain());
            let x = start.max(0.0);
            let row = row_ends
                .iter()
                .position(|&e| e + 0.4 <= x)
                .unwrap_or_else(|| {
                    row_ends
                        .iter()
                        .enumerate()
                        .min_by(|a, b| a.1.total_cmp(b.1))
                        .map_or(0, |(i, _)| i)
                });
            let bar = end - start >= 0.6;
            row_ends[row] = if bar { end.min(100.0) } else { x };
            let y = top + row as u32 * MARK_ROW_HEIGHT + 2;
            MarkShape {
                slug: m.slug.clone(),
                tip: format!("{words}: {}", m.title),
                x: pct(x),
                width: bar.then(|| pct(end.min(100.0) - x)),
                y,
                y2: y + MARK_ROW_HEIGHT - 4,
                fuzzy,
                start_iso: Day(m.start_day).iso(),
                end_iso: Day(m.end_day).iso(),
            }
        })
        .collect()
}

fn histogram_bars(counts: &[(i64, i64)], span: Span, top: u32, height: u32) -> Vec<Bar> {
    let max = counts.iter().map(|&(_, c)| c).max().unwrap_or(0).max(1);
    let width = 100.0 / f64::from(BUCKETS);
    let bucket_days = span.days() as f64 / f64::from(BUCKETS);
    counts
        .iter()
        .filter(|&&(bucket, count)| count > 0 && (0..i64::from(BUCKETS)).contains(&bucket))
        .map(|&(bucket, count)| {
            // Square-root scale: a single event stays visible next to a busy month.
            let h = ((count as f64 / max as f64).sqrt() * f64::from(height))
                .round()
                .max(2.0) as u32;
            let first = Day(span.first.0 + (bucket as f64 * bucket_days) as i32);
            let last = Day(span.first.0 + ((bucket + 1) as f64 * bucket_days) as i32 - 1);
            Bar {
                x: pct(bucket as f64 * width),
                width: pct(width * 0.85),
                y: top + height - h,
                height: h,
                tip: format!(
                    "{} {} starting {} – {}",
                    thousands(count),
                    if count == 1 { "event" } else { "events" },
                    words(first),
                    words(last.max(first)),
                ),
            }
        })
        .collect()
}

/// Tick steps from finest to coarsest; the first that yields fewer than 12 ticks is used.
#[derive(Clone, Copy)]
enum Step {
    Days(i32),
    Months(i32),
    Years(i32),
}

const STEPS: [Step; 11] = [
    Step::Days(1),
    Step::Days(7),
    Step::Months(1),
    Step::Months(3),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(20),
    Step::Years(50),
    Step::Years(100),
];

fn ticks(view: Span) -> Vec<Tick> {
    let days = view.days();
    let step = STEPS
        .into_iter()
        .find(|step| {
            let approx = match step {
                Step::Days(n) => days / i64::from(*n),
                Step::Months(n) => days / (30 * i64::from(*n)),
                Step::Years(n) => days / (365 * i64::from(*n)),
            };
            approx < 12
        })
        .unwrap_or(Step::Years(1000));
    let (y0, m0, _) = view.first.ymd();
    let mut out = Vec::new();
    let mut push = |day: Day, label: String| {
        if day >= view.first && day <= view.last {
            out.push(Tick {
                x: pct(view.pct(i64::from(day.0))),
                label,
            });
        }
    };
    match step {
        Step::Days(n) => {
            let mut d = view.first.0;
            while d <= view.last.0 {
                let (y, m, dd) = Day(d).ymd();
                push(Day(d), format!("{dd} {} {y}", &month_name(m)[..3]));
                d += n;
            }
        }
        Step::Months(n) => {
            let (mut y, mut m) = (y0, m0);
            // Start at the first boundary on or after the view's first day, on a multiple of n.
            while (m - 1) % n as u32 != 0 || Day::from_ymd(y, m, 1).is_some_and(|d| d < view.first)
            {
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
            while let Some(day) = Day::from_ymd(y, m, 1) {
                if day > view.last {
                    break;
                }
                push(day, format!("{} {y}", &month_name(m)[..3]));
                for _ in 0..n {
                    (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                }
            }
        }
        Step::Years(n) => {
            let mut y = y0 + (n - y0.rem_euclid(n)) % n;
            if Day::from_ymd(y, 1, 1).is_some_and(|d| d < view.first) {
                y += n;
            }
            while let Some(day) = Day::from_ymd(y, 1, 1) {
                if day > view.last {
                    break;
                }
                push(day, y.to_string());
                y += n;
            }
        }
    }
    out
}

/// Rounds a computed range to whole years or months when it is long enough that days would
/// be noise, and writes it as `from`/`to` values.
fn range_values(first: Day, last: Day) -> (String, String) {
    let days = i64::from(last.0) - i64::from(first.0) + 1;
    if days >= 3 * 365 {
        (
            format!("{:04}", first.year()),
            format!("{:04}", last.year()),
        )
    } else if days >= 90 {
        let (y1, m1, _) = first.ymd();
        let (y2, m2, _) = last.ymd();
        (format!("{y1:04}-{m1:02}"), format!("{y2:04}-{m2:02}"))
    } else {
        (first.iso(), last.iso())
    }
}

fn url_for(params: &TimelineParams, first: Day, last: Day) -> String {
    let (from, to) = range_values(first, last);
    let mut p = params.clone();
    p.from = from;
    p.to = to;
    p.after = None;
    format!("/?{}", p.view_query())
}

fn clamp_day(day: i64) -> Day {
    Day(day.clamp(i64::from(Day::MIN.0), i64::from(Day::MAX.0)) as i32)
}

fn navigation(params: &TimelineParams, view: Span, whole: Span) -> Navigation {
    let first = i64::from(view.first.0);
    let last = i64::from(view.last.0);
    let days = view.days();
    let centre = (first + last) / 2;
    let quarter = (days / 4).max(1);
    let zoom_in = url_for(
        params,
        clamp_day(centre - quarter),
        clamp_day(centre + quarter.max(1) - 1),
    );
    let covers_all = view.first <= whole.first && view.last >= whole.last;
    let zoom_out = (!covers_all).then(|| {
        let (a, b) = (centre - days, centre + days);
        if a <= i64::from(whole.first.0) && b >= i64::from(whole.last.0) {
            all_url(params)
        } else {
            url_for(params, clamp_day(a), clamp_day(b))
        }
    });
    let earlier = (view.first > whole.first)
        .then(|| url_for(params, clamp_day(first - days), clamp_day(first - 1)));
    let later = (view.last < whole.last)
        .then(|| url_for(params, clamp_day(last + 1), clamp_day(last + days)));
    let filtered_by_date = !params.from.is_empty() || !params.to.is_empty();
    Navigation {
        zoom_in,
        zoom_out,
        earlier,
        later,
        all: filtered_by_date.then(|| all_url(params)),
    }
}

fn all_url(params: &TimelineParams) -> String {
    let mut p = params.clone();
    p.from.clear();
    p.to.clear();
    p.after = None;
    let q = p.view_query();
    if q.is_empty() {
        "/".to_string()
    } else {
        format!("/?{q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::from_ymd(y, m, d).expect("day")
    }

    fn labels(first: Day, last: Day) -> Vec<String> {
        ticks(Span { first, last })
            .into_iter()
            .map(|t| t.label)
            .collect()
    }

    #[test]
    fn ticks_adapt_to_the_span() {
        assert_eq!(
            labels(day(1988, 1, 1), day(2025, 12, 31)),
            [
                "1990", "1995", "2000", "2005", "2010", "2015", "2020", "2025"
            ]
        );
        assert_eq!(
            labels(day(1900, 1, 1), day(2025, 12, 31)).len(),
            7,
            "every twenty years"
        );
        assert_eq!(
            labels(day(2020, 1, 1), day(2020, 12, 31))
                .first()
                .map(String::as_str),
            Some("Jan 2020")
        );
        assert_eq!(
            labels(day(2020, 1, 1), day(2020, 12, 31)).len(),
            4,
            "quarters"
        );
        assert_eq!(labels(day(2023, 9, 15), day(2023, 9, 24)).len(), 10, "days");
        assert_eq!(
            labels(day(2015, 1, 1), day(2024, 12, 31)).len(),
            10,
            "yearly"
        );
    }

    #[test]
    fn positions_are_percentages_of_the_span() {
        let s = Span {
            first: day(2000, 1, 1),
            last: day(2000, 1, 10),
        };
        assert_eq!(pct(s.pct(i64::from(day(2000, 1, 6).0))), "50.000%");
    }

    #[test]
    fn long_computed_ranges_round_to_years_or_months() {
        assert_eq!(
            range_values(day(1990, 3, 5), day(2000, 6, 1)),
            ("1990".into(), "2000".into())
        );
        assert_eq!(
            range_values(day(2020, 3, 5), day(2020, 9, 1)),
            ("2020-03".into(), "2020-09".into())
        );
        assert_eq!(
            range_values(day(2020, 3, 5), day(2020, 3, 9)),
            ("2020-03-05".into(), "2020-03-09".into())
        );
    }
}
