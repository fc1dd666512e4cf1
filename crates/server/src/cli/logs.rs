//! Where log lines go: standard error, written in batches by a thread of its own.
//!
//! A request formats its line and appends it to a shared buffer under a mutex: no system call and,
//! unlike a channel to a writer thread, no wake-up per line. The writer thread sleeps until a line
//! arrives in an empty buffer, waits [`GATHER`] for more, then writes everything gathered in one
//! `write`. Under load that is one wake-up and one system call per [`GATHER`], whatever the rate.
//! (A channel woke the writer for nearly every line when the server waited on PostgreSQL between
//! requests: 14% of the server's CPU in the P1 profile on PostgreSQL, `bench/README.md`.)
//!
//! Nothing is dropped: past [`HIGH_WATER`] bytes waiting, the request that appends writes the
//! batch itself. Order is kept: a batch is taken and written under one lock ([`Shared::out`]), so
//! two batches never interleave. [`Guard`]'s drop writes what is left; a process killed outright
//! loses at most the last [`GATHER`] of lines, as it would lose a channel's queue.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the writer gathers lines after the first one arrives.
const GATHER: Duration = Duration::from_millis(20);

/// Bytes waiting past which the appending request writes the batch itself.
const HIGH_WATER: usize = 4 << 20;

struct Shared {
    /// Lines not yet written, and whether the writer should stop.
    pending: Mutex<(Vec<u8>, bool)>,
    arrived: Condvar,
    /// Held while a batch is taken and written: batches leave in the order they were gathered.
    out: Mutex<Box<dyn Write + Send>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves bytes, never a broken invariant: go on.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Takes what is pending and writes it, under `out`. True when the writer should stop.
    fn flush(&self) -> bool {
        let mut out = lock(&self.out);
        let (batch, stop) = {
            let mut p = lock(&self.pending);
            (std::mem::take(&mut p.0), p.1)
        };
        if !batch.is_empty() {
            // A log line that cannot be written has nowhere else to go.
            let _ = out.write_all(&batch);
            let _ = out.flush();
        }
        stop
    }
}

/// The `MakeWriter` given to `tracing_subscriber`: cheap to clone, one per process.
#[derive(Clone)]
pub(crate) struct Logs(Arc<Shared>);

/// Stops the writer thread and writes what is left when dropped (at the end of `cli::run`).
pub(crate) struct Guard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread over `out` (standard error in the server).
pub(crate) fn start(out: Box<dyn Write + Send>) -> (Logs, Guard) {
    let shared = Arc::new(Shared {
        pending: Mutex::new((Vec::with_capacity(64 << 10), false)),
        arrived: Condvar::new(),
        out: Mutex::new(out),
    });
    let s = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || loop {
            {
                let mut p = lock(&s.pending);
                while p.0.is_empty() && !p.1 {
                    p = s.arrived.wait(p).unwrap_or_else(PoisonError::into_inner);
                }
                if !p.1 {
                    drop(p);
                    std::thread::sleep(GATHER);
                }
            }
            if s.flush() {
                // Lines appended after the last take are written by the guard.
                break;
            }
        })
        .ok();
    (Logs(shared.clone()), Guard { shared, thread })
}

impl Drop for Guard {
    fn drop(&mut self) {
        lock(&self.shared.pending).1 = true;
        self.shared.arrived.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.shared.flush();
    }
}

/// One event's writer: appends to the pending buffer.
pub(crate) struct Line<'a>(&'a Shared);

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let full = {
            let mut p = lock(&self.0.pending);
            let was_empty = p.0.is_empty();
            p.0.extend_from_slice(buf);
            if was_empty {
                self.0.arrived.notify_one();
            }
            p.0.len() >= HIGH_WATER
        };
        if full {
            self.0.flush();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` whose bytes the test can read.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn line(logs: &Logs, text: &str) {
        use tracing_subscriber::fmt::MakeWriter;
        logs.make_writer().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn lines_arrive_in_order_within_a_gather_and_all_at_drop() {
        let sink = Sink::default();
        let (logs, guard) = start(Box::new(sink.clone()));
        line(&logs, "one\n");
        line(&logs, "two\n");
        // Written by the thread, without the guard, soon after.
        let mut waited = Duration::ZERO;
        while lock(&sink.0).len() < 8 && waited < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
            waited += Duration::from_millis(5);
        }
        assert_eq!(&*lock(&sink.0), b"one\ntwo\n");
        // From several threads at once, then the guard: every line, each whole.
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let logs = logs.clone();
                std::thread::spawn(move || {
                    for i in 0..500 {
                        line(&logs, &format!("t{t} line {i}\n"));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(lock(&sink.0).clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2 + 4 * 500);
        for t in 0..4 {
            let mine: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with(&format!("t{t} ")))
                .collect();
            let want: Vec<String> = (0..500).map(|i| format!("t{t} line {i}")).collect();
            assert_eq!(mine, want, "each thread's lines whole and in its order");
        }
    }

    #[test]
    fn past_the_high_water_mark_the_appender_writes() {
        let sink = Sink::default();
        let (logs, guard) = start(Box::new(sink.clone()));
        let big = "x".repeat(HIGH_WATER);
        line(&logs, &big);
        // Written at once by the appending call, not after a gather.
        assert!(lock(&sink.0).len() >= HIGH_WATER);
        drop(guard);
    }
}
