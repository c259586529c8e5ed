//! The overview strip above the timeline: an SVG drawn on the server, so it shows without
//! JavaScript. It holds a time axis whose ticks adapt from decades to days, era bands with
//! their names, and a mark per event (a bar over its span, a tick for a short one), each a
//! link to the event, with as many titles as fit drawn beside their marks in lanes. Where
//! marks would crowd (more than [`MARK_LIMIT`] in view) a histogram computed in SQL stands
//! in for them, with the titles of the most notable events of the range over it. A thin
//! context strip of the whole chronology shows where the current view lies. Links beside it
//! zoom and pan with plain GET requests; `static/app.js` adds dragging, wheel and keys.
//!
//! Geometry: x positions are percentages of the SVG's width (an SVG without a viewBox
//! resolves `x="12.5%"` against its own width), so the strip stretches to any screen while
//! text keeps its size, with no inline style (the CSP forbids it). Labels are pixels wide,
//! so they are laid out once for each of a few strip widths ([`WIDTHS`]), each at the
//! narrowest width of its class: two labels apart at that width are further apart at any
//! wider one (their anchors move apart, their widths stay), so a container query picks the
//! set for the strip's width and no two labels of it ever meet.

use super::dates::{month_name, thousands};
use super::layout::isolate;
use super::text_metrics;
use crate::db::models::Era;
use crate::db::queries::Mark;
use crate::db::queries::marks::{LabelSample, RankedMark};
use crate::db::queries::{self, EventFilter};
use crate::edtf::{Day, Edtf};
use crate::web::http::params::TimelineParams;

/// Above this many events in view, draw a histogram instead of individual marks.
pub const MARK_LIMIT: u32 = 300;
/// Histogram buckets across the strip.
const BUCKETS: u32 = 120;
/// Rows of marks, to keep neighbours from hiding each other.
const MARK_ROWS: usize = 3;
const ERA_LANE_HEIGHT: u32 = 20;
/// Most lanes of era bands.
const ERA_LANES: usize = 3;
const MARK_ROW_HEIGHT: u32 = 14;
const HISTOGRAM_HEIGHT: u32 = 42;
const AXIS_HEIGHT: u32 = 22;
/// Lanes of titles above the marks.
pub const LABEL_LANES: u32 = 4;
const LABEL_LANE_HEIGHT: u32 = 16;
/// Font size of titles, era names and tick labels, in CSS pixels (the stylesheet agrees).
pub const LABEL_FONT_PX: f64 = 11.0;
/// Room between a mark and its title, and the least gap between two titles in a lane.
const LABEL_PAD: f64 = 4.0;
const LABEL_GAP: f64 = 8.0;

/// The strip widths labels are laid out for: (class, narrowest width in CSS pixels of the
/// strip the class is shown at, longest title in pixels). The stylesheet's container
/// queries switch at the same widths.
pub const WIDTHS: [(&str, f64, f64); 3] = [
    ("s", 280.0, 150.0),
    ("m", 600.0, 220.0),
    ("l", 960.0, 260.0),
];

/// Everything the template needs to draw the strip and its controls.
pub struct Overview {
    /// A sentence describing the strip, for screen readers.
    pub description: String,
    pub height: u32,
    pub eras: Vec<EraBand>,
    pub marks: Vec<MarkShape>,
    pub leaders: Vec<Leader>,
    pub bars: Vec<Bar>,
    /// True when the strip shows a histogram rather than marks.
    pub dense: bool,
    pub ticks: Vec<Tick>,
    pub axis_y: u32,
    pub plot_top: u32,
    pub nav: Navigation,
    pub context: ContextStrip,
    /// The view as ISO days, for the script.
    pub first_iso: String,
    pub last_iso: String,
    pub data_first_iso: String,
    pub data_last_iso: String,
}

/// An era drawn as a band, a link to its range.
pub struct EraBand {
    pub x: String,
    pub width: String,
    pub y: u32,
    pub name: String,
    /// The accessible name: the era's name and dates.
    pub full: String,
    pub url: String,
    /// The name as it fits the band at each strip width (absent where nothing fits).
    pub labels: Vec<TextVariant>,
}

/// A piece of text drawn for one class of strip widths.
pub struct TextVariant {
    pub class: &'static str,
    pub text: String,
    /// Its measured width in pixels, which the SVG holds it to.
    pub length: String,
    pub x: String,
    pub y: u32,
    /// Anchored at its end (left of its mark) rather than its start.
    pub end: bool,
}

/// One event's mark: a bar over its span, or a tick for a short event, with its titles.
pub struct MarkShape {
    pub slug: String,
    pub href: String,
    /// Date and full title: the link's accessible name and tooltip.
    pub tip: String,
    pub x: String,
    /// Some(width) for a bar; None for a point (drawn as a short vertical line).
    pub width: Option<String>,
    pub y: u32,
    pub y2: u32,
    /// Approximate or uncertain dates are drawn with soft, dashed edges.
    pub fuzzy: bool,
    /// A most-notable event drawn over a histogram.
    pub notable: bool,
    pub start_iso: String,
    pub end_iso: String,
    pub labels: Vec<TextVariant>,
}

/// The thin line from a title down to its mark.
pub struct Leader {
    pub class: &'static str,
    pub x: String,
    pub y1: u32,
    pub y2: u32,
}

/// A histogram bar.
pub struct Bar {
    pub x: String,
    pub width: String,
    pub y: u32,
    pub height: u32,
    pub tip: String,
}

/// A tick on the time axis, drawn for the strip widths in `classes`.
pub struct Tick {
    pub x: String,
    pub label: String,
    pub classes: String,
    pub length: String,
    /// The label sits before its tick (at the right edge).
    pub end: bool,
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

fn px(v: f64) -> String {
    format!("{v:.1}")
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
    let bands = lay_out_eras(eras, view);
    let era_lanes = bands
        .iter()
        .map(|b| b.y / ERA_LANE_HEIGHT + 1)
        .max()
        .unwrap_or(0);
    let label_top = era_lanes * ERA_LANE_HEIGHT + 2;
    let plot_top = label_top + LABEL_LANES * LABEL_LANE_HEIGHT + 4;
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
    let (mut shapes, bars, ranked) = if dense {
        let counts = db
            .histogram(&filter, view.first, view.last, BUCKETS)
            .await?;
        let best = db
            .notable_marks(
                &params.filter,
                &LabelSample {
                    first: view.first,
                    last: view.last,
                    slices: 24,
                    sample: 40,
                    limit: 40,
                },
            )
            .await?;
        let shapes = best
            .iter()
            .map(|m| notable_shape(&m.mark, view, plot_top, plot_bottom))
            .collect();
        (
            shapes,
            histogram_bars(&counts, view, plot_top, plot_height),
            best,
        )
    } else {
        let rows = db.ranked_marks(&filter, MARK_LIMIT).await?;
        (lay_out_marks(&rows, view, plot_top), Vec::new(), rows)
    };
    let leaders = lay_out_labels(&ranked, &mut shapes, view, label_top, plot_top);

    let whole = Span {
        first: year_start(data.first),
        last: year_end(data.last),
    };
    let context_counts = db
        .histogram(&EventFilter::default(), whole.first, whole.last, BUCKETS)
        .await?;
    let context = ContextStrip {
        bars: histogram_bars(&context_counts, whole, 0, 14),
        highlight_x: pct(whole.pct(i64::from(view.first.0))),
        highlight_width: pct(
            whole.pct(i64::from(view.last.0) + 1) - whole.pct(i64::from(view.first.0))
        ),
    };

    let description = describe(view, in_view, dense, &bands);
    Ok(Overview {
        description,
        height: axis_y + AXIS_HEIGHT,
        eras: bands,
        marks: shapes,
        leaders,
        bars,
        dense,
        ticks: ticks(view),
        axis_y,
        plot_top,
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
        text.push_str(
            ", drawn as a histogram of how many events start in each period, with the most notable labelled",
        );
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

/// Era bands in as few lanes as they need without overlapping, each named as far as its
/// band has room at each strip width.
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
            // Beyond a few lanes the bands would push the events down: the era is left to
            // the list of eras beside the timeline and to the strip's description.
            None if lane_ends.len() >= ERA_LANES => continue,
            None => {
                lane_ends.push(0.0);
                lane_ends.len() - 1
            }
        };
        lane_ends[lane] = end;
        let y = lane as u32 * ERA_LANE_HEIGHT;
        let words = Edtf::parse(&era.edtf)
            .map(|d| d.words())
            .unwrap_or_else(|_| era.edtf.clone());
        let labels = WIDTHS
            .iter()
            .filter_map(|&(class, min_width, _)| {
                let room = (end - start) / 100.0 * min_width - 10.0;
                let text = text_metrics::shorten(&era.name, room, LABEL_FONT_PX)?;
                Some(TextVariant {
                    class,
                    length: px(text_metrics::width(&text, LABEL_FONT_PX)),
                    text: isolate(&text),
                    x: pct(start),
                    y: y + 12,
                    end: false,
                })
            })
            .collect();
        bands.push(EraBand {
            x: pct(start),
            width: pct(end - start),
            y,
            full: isolate(&format!("Era: {}, {words}", era.name)),
            name: era.name.clone(),
            url: super::timeline::era_url(era),
            labels,
        });
    }
    bands
}

fn date_words(m: &Mark) -> (String, bool) {
    let date = Edtf::parse(&m.edtf).ok();
    let words = m
        .date_label
        .clone()
        .or_else(|| date.as_ref().map(Edtf::words))
        .unwrap_or_else(|| m.edtf.clone());
    let fuzzy = date
        .as_ref()
        .is_some_and(|d| d.is_approximate() || d.is_uncertain());
    (words, fuzzy)
}

/// Marks in up to [`MARK_ROWS`] rows, each placed in the first row where it does not touch
/// the previous mark.
fn lay_out_marks(rows: &[RankedMark], view: Span, top: u32) -> Vec<MarkShape> {
    let mut row_ends = [f64::NEG_INFINITY; MARK_ROWS];
    rows.iter()
        .map(|RankedMark { mark: m, .. }| {
            let start = view.pct(i64::from(m.start_day));
            let end = view.pct(i64::from(m.end_day) + 1);
            let (words, fuzzy) = date_words(m);
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
                href: format!("/events/{}", m.slug),
                tip: format!("{words}: {}", isolate(&m.title)),
                x: pct(x),
                width: bar.then(|| pct(end.min(100.0) - x)),
                y,
                y2: y + MARK_ROW_HEIGHT - 4,
                fuzzy,
                notable: false,
                start_iso: Day(m.start_day).iso(),
                end_iso: Day(m.end_day).iso(),
                labels: Vec::new(),
            }
        })
        .collect()
}

/// A notable event over a histogram: a line across the plot at its first day.
fn notable_shape(m: &Mark, view: Span, top: u32, bottom: u32) -> MarkShape {
    let (words, fuzzy) = date_words(m);
    MarkShape {
        slug: m.slug.clone(),
        href: format!("/events/{}", m.slug),
        tip: format!("{words}: {}", isolate(&m.title)),
        x: pct(view.pct(i64::from(m.start_day)).max(0.0)),
        width: None,
        y: top,
        y2: bottom,
        fuzzy,
        notable: true,
        start_iso: Day(m.start_day).iso(),
        end_iso: Day(m.end_day).iso(),
        labels: Vec::new(),
    }
}

/// Places titles in [`LABEL_LANES`] lanes for each strip width, most notable first: each
/// title goes beside its mark (after it, or before it near the right edge) in the lowest
/// lane where it meets no other, shortened when the whole title does not fit; a title that
/// finds no room is left to the mark's tooltip. `ranked[i]` is the event of `shapes[i]`.
/// Returns the leader lines from each title down to the plot.
fn lay_out_labels(
    ranked: &[RankedMark],
    shapes: &mut [MarkShape],
    view: Span,
    label_top: u32,
    plot_top: u32,
) -> Vec<Leader> {
    let mut order: Vec<usize> = (0..ranked.len().min(shapes.len())).collect();
    order.sort_by(|&a, &b| {
        ranked[b]
            .notability
            .cmp(&ranked[a].notability)
            .then(ranked[a].mark.start_day.cmp(&ranked[b].mark.start_day))
    });
    let mut leaders = Vec::new();
    for &(class, width, longest) in &WIDTHS {
        let mut lanes: Vec<Vec<(f64, f64)>> = vec![Vec::new(); LABEL_LANES as usize];
        for &i in &order {
            let m = &ranked[i].mark;
            let anchor = view.pct(i64::from(m.start_day)).clamp(0.0, 100.0);
            let x = anchor / 100.0 * width;
            let Some(placed) = place_label(&m.title, x, width, longest, &mut lanes) else {
                continue;
            };
            let (text, lane, end) = placed;
            let baseline = label_top + (LABEL_LANES - lane) * LABEL_LANE_HEIGHT - 4;
            leaders.push(Leader {
                class,
                x: pct(anchor),
                y1: baseline + 2,
                y2: plot_top,
            });
            shapes[i].labels.push(TextVariant {
                class,
                length: px(text_metrics::width(&text, LABEL_FONT_PX)),
                text: isolate(&text),
                x: pct(anchor),
                y: baseline,
                end,
            });
        }
    }
    leaders
}

/// Finds room for a title whose mark is `x` pixels into a strip `width` wide: the lane,
/// the text as drawn and whether it sits before the mark. Tries the whole title (up to
/// `longest` pixels), then shorter cuts.
fn place_label(
    title: &str,
    x: f64,
    width: f64,
    longest: f64,
    lanes: &mut [Vec<(f64, f64)>],
) -> Option<(String, u32, bool)> {
    for max in [longest, longest * 0.6, 64.0] {
        let Some(text) = text_metrics::shorten(title, max, LABEL_FONT_PX) else {
            continue;
        };
        let w = text_metrics::width(&text, LABEL_FONT_PX) + LABEL_PAD;
        let (lo, hi, end) = if x + w <= width {
            (x, x + w, false)
        } else if x - w >= 0.0 {
            (x - w, x, true)
        } else {
            continue;
        };
        for (lane, taken) in lanes.iter_mut().enumerate() {
            let free = taken
                .iter()
                .all(|&(a, b)| hi + LABEL_GAP <= a || lo >= b + LABEL_GAP);
            if free {
                taken.push((lo, hi));
                return Some((text, lane as u32, end));
            }
        }
    }
    None
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

/// Tick steps from finest to coarsest; for each strip width the finest whose labels do not
/// meet is used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Days(i32),
    Weeks,
    Months(u32),
    Years(i32),
}

const STEPS: [Step; 15] = [
    Step::Days(1),
    Step::Days(2),
    Step::Weeks,
    Step::Months(1),
    Step::Months(3),
    Step::Months(6),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(20),
    Step::Years(50),
    Step::Years(100),
    Step::Years(500),
    Step::Years(1000),
];

/// Room between a tick and its label.
const TICK_PAD: f64 = 3.0;

/// The ticks of one step over the view: (day, label).
fn step_ticks(view: Span, step: Step) -> Vec<(Day, String)> {
    let mut out = Vec::new();
    if let Step::Days(n) = step
        && view.days() / i64::from(n) > 400
    {
        return out;
    }
    let (y0, m0, _) = view.first.ymd();
    match step {
        Step::Days(n) => {
            let mut d = view.first.0;
            while d <= view.last.0 {
                let (y, m, dd) = Day(d).ymd();
                let label = if out.is_empty() || (m == 1 && dd <= n as u32) {
                    format!("{dd} {} {y}", &month_name(m)[..3])
                } else {
                    format!("{dd} {}", &month_name(m)[..3])
                };
                out.push((Day(d), label));
                d += n;
            }
        }
        Step::Weeks => {
            if view.days() > 7 * 400 {
                return out;
            }
            // Mondays: 1970-01-05 (day 4) was one.
            let mut d = view.first.0 + (4 - view.first.0).rem_euclid(7);
            while d <= view.last.0 {
                let (y, m, dd) = Day(d).ymd();
                let label = if out.is_empty() {
                    format!("{dd} {} {y}", &month_name(m)[..3])
                } else {
                    format!("{dd} {}", &month_name(m)[..3])
                };
                out.push((Day(d), label));
                d += 7;
            }
        }
        Step::Months(n) => {
            if view.days() > 31 * 400 * i64::from(n) {
                return out;
            }
            let (mut y, mut m) = (y0, m0);
            // Start at the first boundary on or after the view's first day, on a multiple of n.
            while (m - 1) % n != 0 || Day::from_ymd(y, m, 1).is_some_and(|d| d < view.first) {
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
            while let Some(day) = Day::from_ymd(y, m, 1) {
                if day > view.last {
                    break;
                }
                let label = if out.is_empty() || m == 1 {
                    format!("{} {y}", &month_name(m)[..3])
                } else {
                    month_name(m)[..3].to_string()
                };
                out.push((day, label));
                for _ in 0..n {
                    (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                }
            }
        }
        Step::Years(n) => {
            if view.days() > 366 * 400 * i64::from(n) {
                return out;
            }
            let mut y = y0 + (n - y0.rem_euclid(n)) % n;
            if Day::from_ymd(y, 1, 1).is_some_and(|d| d < view.first) {
                y += n;
            }
            while let Some(day) = Day::from_ymd(y, 1, 1) {
                if day > view.last {
                    break;
                }
                out.push((day, y.to_string()));
                y += n;
            }
        }
    }
    out
}

/// Whether the labels of a step keep apart on a strip `width` pixels wide.
fn step_fits(view: Span, ticks: &[(Day, String)], width: f64) -> bool {
    !ticks.is_empty()
        && ticks.windows(2).all(|pair| {
            let a = view.pct(i64::from(pair[0].0.0)) / 100.0 * width;
            let b = view.pct(i64::from(pair[1].0.0)) / 100.0 * width;
            a + TICK_PAD + text_metrics::width(&pair[0].1, LABEL_FONT_PX) + 12.0 <= b
        })
}

/// The axis's ticks: for each strip width, the finest step whose labels keep apart (a tick
/// whose label would run past the right edge is drawn without it).
fn ticks(view: Span) -> Vec<Tick> {
    let mut chosen: Vec<(Step, &str, f64)> = Vec::new();
    for &(class, width, _) in &WIDTHS {
        // A few ticks read better than a ruler: at most about one per 80 px.
        let most = ((width / 80.0).floor() as usize).max(6);
        let step = STEPS
            .into_iter()
            .find(|&step| {
                let ticks = step_ticks(view, step);
                ticks.len() < most && step_fits(view, &ticks, width)
            })
            .unwrap_or(Step::Years(1000));
        chosen.push((step, class, width));
    }
    let mut out: Vec<Tick> = Vec::new();
    // Each class draws its own ticks: a tick shared by two classes could not be shown for
    // one and hidden for the other by a single container query.
    for &(step, class, width) in &chosen {
        // Where the previous label ends, in pixels at the class's narrowest width.
        let mut previous_end = f64::NEG_INFINITY;
        for (day, label) in step_ticks(view, step) {
            let at = view.pct(i64::from(day.0));
            let x = at / 100.0 * width;
            let w = text_metrics::width(&label, LABEL_FONT_PX);
            // After its tick, or before it at the right edge, or not at all where it would
            // meet the previous label.
            let (shown, end) = if x + TICK_PAD + w <= width {
                (true, false)
            } else {
                (x - TICK_PAD - w >= previous_end + 8.0, true)
            };
            if shown && !end {
                previous_end = x + TICK_PAD + w;
            }
            out.push(Tick {
                x: pct(at),
                label: if shown { label } else { String::new() },
                classes: format!("tick--{class}"),
                length: px(w),
                end,
            });
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

    /// The tick labels drawn on the widest strip.
    fn labels(first: Day, last: Day) -> Vec<String> {
        ticks(Span { first, last })
            .into_iter()
            .filter(|t| t.classes.split(' ').any(|c| c == "tick--l"))
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

    fn ranked(slug: &str, title: &str, start: Day, notability: i64) -> RankedMark {
        RankedMark {
            id: 0,
            mark: Mark {
                slug: slug.to_string(),
                title: title.to_string(),
                edtf: start.iso(),
                date_label: None,
                start_day: start.0,
                end_day: start.0,
            },
            notability,
        }
    }

    /// The box of a title at a strip width, in pixels, as the browser draws it: anchored at
    /// its mark, 4 px away, as long as its measured width.
    fn label_box(l: &TextVariant, width: f64) -> (f64, f64, u32) {
        let at: f64 = l.x.trim_end_matches('%').parse::<f64>().expect("pct") / 100.0 * width;
        let w: f64 = l.length.parse().expect("length");
        if l.end {
            (at - 4.0 - w, at - 4.0, l.y)
        } else {
            (at + 4.0, at + 4.0 + w, l.y)
        }
    }

    #[test]
    fn titles_never_meet_at_any_width_of_their_class_and_notable_ones_come_first() {
        let view = Span {
            first: day(2020, 1, 1),
            last: day(2020, 12, 31),
        };
        // A crowded year: 200 events, some on the same day, a few flagged.
        let mut seed = 7u64;
        let rows: Vec<RankedMark> = (0..200)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let offset = (seed >> 33) % 366;
                let words = 2 + (seed >> 20) % 9;
                let title: Vec<&str> = (0..words).map(|_| "Ceasefire").collect();
                let notability = if i % 40 == 0 {
                    1_000_000
                } else {
                    (seed >> 40) as i64 % 50
                };
                ranked(
                    &format!("e{i}"),
                    &title.join(" "),
                    Day(view.first.0 + offset as i32),
                    notability,
                )
            })
            .collect();
        let mut sorted = rows.clone();
        sorted.sort_by_key(|m| m.mark.start_day);
        let mut shapes = lay_out_marks(&sorted, view, 100);
        lay_out_labels(&sorted, &mut shapes, view, 40, 100);
        for &(class, min_width, _) in &WIDTHS {
            let labels: Vec<(&TextVariant, i64)> = shapes
                .iter()
                .zip(&sorted)
                .flat_map(|(s, m)| {
                    s.labels
                        .iter()
                        .filter(|l| l.class == class)
                        .map(move |l| (l, m.notability))
                })
                .collect();
            assert!(labels.len() >= 5, "{class}: some titles placed");
            // Every flagged event found room before any other.
            let flagged = labels.iter().filter(|(_, n)| *n >= 1_000_000).count();
            assert_eq!(flagged, 5, "{class}: every flagged event is labelled");
            for width in [min_width, min_width * 1.3, min_width * 2.0] {
                for (i, (a, _)) in labels.iter().enumerate() {
                    let (a0, a1, ay) = label_box(a, width);
                    assert!(
                        a0 >= 0.0 && a1 <= width + 0.01,
                        "{class} at {width}: inside"
                    );
                    for (b, _) in &labels[i + 1..] {
                        let (b0, b1, by) = label_box(b, width);
                        assert!(
                            ay != by || a1 <= b0 || b1 <= a0,
                            "{class} at {width}: {} meets {}",
                            a.text,
                            b.text
                        );
                    }
                }
            }
        }
    }
}
