//! `/metrics` in the Prometheus text format: requests by route and status, latency
//! histograms by route, and what the schedule and notifications report.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The service's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Requests by matched route, method and status.
    pub requests: IntCounterVec,
    /// Request latency by matched route (seconds).
    pub latency: HistogramVec,
    /// Nightly runs by outcome (`ok`, `failed`).
    pub nights: IntCounterVec,
    /// Duration of the last nightly run (seconds).
    pub night_seconds: prometheus::Gauge,
    /// Failed notification deliveries.
    pub notify_failures: IntCounter,
    /// Requests being served.
    pub in_flight: IntGauge,
}

impl Metrics {
    /// A fresh registry.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("radar".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by matched route, method and status"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by matched route")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]),
            &["route"],
        )?;
        let nights = IntCounterVec::new(Opts::new("nightly_runs_total", "Nightly runs by outcome"), &["outcome"])?;
        let night_seconds =
            prometheus::Gauge::new("nightly_last_duration_seconds", "Duration of the last nightly run")?;
        let notify_failures =
            IntCounter::new("notification_failures_total", "Notification deliveries that failed (each attempt)")?;
        let in_flight = IntGauge::new("http_requests_in_flight", "Requests being served")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(nights.clone()))?;
        registry.register(Box::new(night_seconds.clone()))?;
        registry.register(Box::new(notify_failures.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        Ok(Metrics { registry, requests, latency, nights, night_seconds, notify_failures, in_flight })
    }

    /// The registry, for metrics other parts add.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
