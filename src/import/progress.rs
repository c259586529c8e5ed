//! The progress line of a long import: rows read, rate, share of the file and time left,
//! rewritten in place on stderr a few times a second. Only drawn when asked (the command
//! line asks when stderr is a terminal), so logs and pipes stay clean.

use std::io::Write;
use std::time::{Duration, Instant};

/// How often the line is redrawn at most.
const REDRAW: Duration = Duration::from_millis(200);

/// Counts rows and redraws the line now and then.
pub struct Progress {
    enabled: bool,
    started: Instant,
    last: Instant,
    rows: u64,
    drawn: bool,
}

impl Progress {
    /// A progress line, drawn only if `enabled`.
    pub fn new(enabled: bool) -> Self {
        let now = Instant::now();
        Progress {
            enabled,
            started: now,
            last: now,
            rows: 0,
            drawn: false,
        }
    }

    /// Counts one item of `file`; `(done, total)` are the bytes read and the file's size.
    pub fn tick(&mut self, file: &str, (done, total): (u64, Option<u64>)) {
        self.rows += 1;
        // Looking at the clock for every row would cost more than the rest of this.
        if !self.enabled || !self.rows.is_multiple_of(512) {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last) < REDRAW {
            return;
        }
        self.last = now;
        let elapsed = now.duration_since(self.started).as_secs_f64().max(1e-3);
        let mut line = format!(
            "\r{file}: {} rows, {}/s",
            self.rows,
            (self.rows as f64 / elapsed).round() as u64
        );
        if let Some(total) = total.filter(|t| *t > 0 && done > 0) {
            let share = (done as f64 / total as f64).min(1.0);
            let left = elapsed * (1.0 - share) / share;
            line.push_str(&format!(
                ", {:.0}%, about {} s left",
                share * 100.0,
                left.ceil()
            ));
        }
        // Clear to the end of the line: the new text may be shorter than the last.
        line.push_str("\x1b[K");
        let mut err = std::io::stderr().lock();
        // A progress line that cannot be drawn is not worth failing an import for.
        let _ = err.write_all(line.as_bytes());
        let _ = err.flush();
        self.drawn = true;
    }

    /// Ends the line, if one was drawn.
    pub fn finish(&mut self) {
        if self.drawn {
            let elapsed = self.started.elapsed().as_secs_f64();
            eprintln!("\r{} rows in {elapsed:.1} s\x1b[K", self.rows);
            self.drawn = false;
        }
    }
}
