//! What a command tells its user: a few human lines on stderr (unless `--quiet`), one JSON
//! summary on stdout with `--json`, spinners for slow steps on a terminal, and the atomic
//! commit of every output file at the very end.

use crate::render::atomic::AtomicOutput;
use crate::render::geojson::write_collection;
use anyhow::{Context, Result};
use geojson::Feature;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value, json};
use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Output options of every subcommand, declared once so that they mean the same everywhere:
/// `--quiet` silences progress and human messages (errors and the data a command exists to
/// print still appear), `--json` prints one JSON object on stdout instead of text (the
/// summary of a file-writing command, the data of a listing one). Global, so they may follow a
/// nested subcommand (`hotspot db status --json`); `tests` in `cli/mod.rs` checks every
/// subcommand takes them.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct OutputArgs {
    /// No progress and no messages (errors are still printed).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Print one JSON object on stdout (a summary: counts, timings, output paths; or the
    /// listed data).
    #[arg(long, global = true)]
    pub json: bool,
}

/// Collects the summary of a run and prints human messages.
pub struct Reporter {
    args: OutputArgs,
    started: Instant,
    summary: Map<String, Value>,
    timings: Map<String, Value>,
    outputs: Map<String, Value>,
    /// Set when a data output goes to stdout: the JSON summary then goes to stderr.
    stdout_taken: bool,
}

impl Reporter {
    pub fn new(command: &str, args: OutputArgs) -> Self {
        let mut summary = Map::new();
        summary.insert("command".into(), command.into());
        Reporter {
            args,
            started: Instant::now(),
            summary,
            timings: Map::new(),
            outputs: Map::new(),
            stdout_taken: false,
        }
    }

    /// Human message on stderr unless `--quiet` or `--json`.
    pub fn say(&self, msg: impl AsRef<str>) {
        if !self.args.quiet && !self.args.json {
            eprintln!("{}", msg.as_ref());
        }
    }

    pub fn quiet(&self) -> bool {
        self.args.quiet || self.args.json
    }

    /// Records a summary field.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.summary.insert(key.into(), value.into());
    }

    /// Times `f` as step `name` (milliseconds in the summary).
    pub fn time<T>(&mut self, name: &str, f: impl FnOnce(&Self) -> T) -> T {
        let t = Instant::now();
        let progress = Progress::start(self, name);
        let out = f(self);
        progress.finish();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        self.timings
            .insert(name.into(), json!((ms * 10.0).round() / 10.0));
        out
    }

    /// Records an output path under `role` (e.g. `out`, `labels`).
    pub fn output(&mut self, role: &str, path: &str) {
        if path == "-" {
            self.stdout_taken = true;
        }
        self.outputs.insert(role.into(), path.into());
    }

    /// Prints the JSON summary (with `--json`) once everything is committed.
    pub fn finish(mut self) {
        let ms = self.started.elapsed().as_secs_f64() * 1e3;
        self.timings
            .insert("total".into(), json!((ms * 10.0).round() / 10.0));
        if self.args.json {
            self.summary
                .insert("timings_ms".into(), Value::Object(self.timings));
            self.summary
                .insert("outputs".into(), Value::Object(self.outputs));
            let text = Value::Object(self.summary).to_string();
            if self.stdout_taken {
                eprintln!("{text}");
            } else {
                println!("{text}");
            }
        }
    }
}

/// A spinner for a step that takes more than a second; only on a terminal and not quiet.
pub struct Progress {
    done: Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

impl Progress {
    pub fn start(reporter: &Reporter, label: &str) -> Self {
        if reporter.quiet() || !std::io::stderr().is_terminal() {
            return Progress { done: None };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let label = label.to_string();
        let handle = std::thread::spawn(move || {
            if rx.recv_timeout(Duration::from_secs(1)).is_ok() {
                return;
            }
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(label);
            bar.enable_steady_tick(Duration::from_millis(100));
            let _ = rx.recv();
            bar.finish_and_clear();
        });
        Progress {
            done: Some((tx, handle)),
        }
    }

    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((tx, handle)) = self.done.take() {
            let _ = tx.send(());
            let _ = handle.join();
        }
    }
}

/// Opens an output (temporary until committed).
pub fn create(path: &str) -> Result<AtomicOutput> {
    AtomicOutput::create(path).with_context(|| format!("cannot write {path}"))
}

/// Streams features into `out`; returns how many were written.
pub fn write_features(
    out: &mut AtomicOutput,
    features: impl IntoIterator<Item = Feature>,
) -> Result<usize> {
    Ok(write_collection(out, features)?)
}

/// Makes every output visible, only once the whole command has succeeded.
pub fn commit_all(outputs: impl IntoIterator<Item = Option<AtomicOutput>>) -> Result<()> {
    for o in outputs.into_iter().flatten() {
        let name = o
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "-".into());
        o.commit().with_context(|| format!("cannot write {name}"))?;
    }
    Ok(())
}
