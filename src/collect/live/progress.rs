//! Progress of live collection: one bar per tenant and API family with pages,
//! bytes and the page rate, on stderr when it is a terminal; nothing otherwise
//! (pipelines read the log instead).

use crate::raw::Side;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

pub struct Progress {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<(Side, String), ProgressBar>>,
}

/// A handle on one bar (a no-op when progress is off).
pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn page(&self, bytes: usize) {
        if let Some(b) = &self.0 {
            b.inc(1);
            b.set_message(format!("{:.1} MB", bytes_so_far(b, bytes)));
        }
    }
}

/// Bytes are kept in the bar's length field, which a spinner does not show.
fn bytes_so_far(b: &ProgressBar, bytes: usize) -> f64 {
    let total = b.length().unwrap_or(0) + bytes as u64;
    b.set_length(total);
    total as f64 / 1_000_000.0
}

impl Progress {
    pub fn new(wanted: bool) -> Progress {
        let multi = (wanted && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress {
            multi,
            bars: Mutex::new(HashMap::new()),
        }
    }

    pub fn bar(&self, side: Side, family: &str) -> Bar {
        let Some(multi) = &self.multi else {
            return Bar(None);
        };
        let Ok(mut bars) = self.bars.lock() else {
            return Bar(None);
        };
        let b = bars
            .entry((side, family.to_string()))
            .or_insert_with(|| {
                let style = ProgressStyle::with_template(
                    "{spinner} {prefix:<22} {pos:>7} pages  {per_sec:>12}  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
                let b = multi.add(ProgressBar::new_spinner().with_style(style));
                b.set_prefix(format!("{} {family}", side.as_str()));
                b.set_length(0);
                b.enable_steady_tick(std::time::Duration::from_millis(200));
                b
            })
            .clone();
        Bar(Some(b))
    }

    pub fn finish(&self) {
        if let Ok(bars) = self.bars.lock() {
            for b in bars.values() {
                b.finish();
            }
        }
    }
}
