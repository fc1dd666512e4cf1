//! Prometheus metrics at `/metrics`: request counts by route and status, and a latency histogram.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

const BUCKETS_MS: [f64; 10] = [0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 1000.0];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency_buckets: [u64; BUCKETS_MS.len()],
    latency_count: u64,
    latency_sum_ms: f64,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, ms: f64) {
        let mut m = self.inner.lock().expect("metrics lock");
        *m.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                m.latency_buckets[i] += 1;
            }
        }
        m.latency_count += 1;
        m.latency_sum_ms += ms;
    }

    pub fn render(&self) -> String {
        let m = self.inner.lock().expect("metrics lock");
        let mut out = String::new();
        out.push_str("# HELP pc_http_requests_total HTTP requests by method, route and status.\n# TYPE pc_http_requests_total counter\n");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(out, "pc_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP pc_http_request_duration_seconds Request latency.\n# TYPE pc_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            let _ = writeln!(
                out,
                "pc_http_request_duration_seconds_bucket{{le=\"{}\"}} {}",
                b / 1000.0,
                m.latency_buckets[i]
            );
        }
        let _ = writeln!(
            out,
            "pc_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            m.latency_count
        );
        let _ = writeln!(
            out,
            "pc_http_request_duration_seconds_sum {}",
            m.latency_sum_ms / 1000.0
        );
        let _ = writeln!(
            out,
            "pc_http_request_duration_seconds_count {}",
            m.latency_count
        );
        out
    }
}
