//! The loopback servers: the function URL endpoint and the optional
//! CloudFront distribution in front of it.
//!
//! One job per file, so "what does Lambda answer when X" is found by name:
//!
//! * `builder`: [`EmulatorBuilder`], [`AuthType`] and the defaults; `start` checks the
//!   configuration and binds the listeners.
//! * `handle`: the running [`Emulator`], its addresses, records and shutdown.
//! * `record`: what is recorded of each request ([`ReceivedRequest`], [`RequestOutcome`]).
//! * `connection`: the listeners, the accept loop, TLS handshakes and serving HTTP/1.1 with
//!   hyper, dispatching to an endpoint.
//! * `streaming`: a streaming function's body, chunk by chunk.
//! * `pipeline`: the function URL endpoint: buffer the request, decide, refuse or invoke,
//!   record.
//! * `decide`: the order of checks (host, payload size, authentication, policies).
//! * `invoke`: the payload format 2.0 event and what the function's answer becomes.
//! * `answer`: the answers themselves: Lambda's error bodies, `Date`, hyper responses.
//! * `cloudfront_edge`: the CloudFront viewer side: its own refusals, the origin-request
//!   trigger, OAC signing and the hop to the function URL.

mod answer;
mod builder;
mod cloudfront_edge;
mod connection;
mod decide;
mod handle;
mod invoke;
mod pipeline;
mod record;
mod streaming;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use super::clock::shift;
use super::cloudfront::Distribution;
use super::edge::OriginRequestTrigger;
use super::event::{HandlerResponse, InvokeEvent};
use super::policy::ResourcePolicy;
use super::tls::Tls;
use super::verify::Verifier;

pub use builder::{
    AuthType, EmulatorBuilder, DEFAULT_BODY_IDLE_TIMEOUT, DEFAULT_BODY_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_RECORD_BODY_LIMIT,
    DEFAULT_RECORD_LIMIT,
};
pub use handle::Emulator;
pub use record::{ReceivedRequest, RequestOutcome};

type Handler = Arc<dyn Fn(&InvokeEvent) -> HandlerResponse + Send + Sync + 'static>;

/// The chunk receivers of streamed responses whose head the handler has returned, by request id.
type StreamSlots = Arc<Mutex<HashMap<String, mpsc::Receiver<Vec<u8>>>>>;

/// What every connection task shares: the configuration `start` settled, the handler and the
/// record of received requests.
struct App {
    region: String,
    service: String,
    function_arn: String,
    function_account: String,
    auth_type: AuthType,
    verifier: Verifier,
    policy: ResourcePolicy,
    require_invoke_function: bool,
    max_payload_bytes: usize,
    clock_offset_secs: i64,
    handler: Handler,
    streams: Option<StreamSlots>,
    /// The last `record_limit` requests, oldest first.
    received: Mutex<VecDeque<ReceivedRequest>>,
    record_limit: usize,
    record_body_limit: usize,
    /// Connections each endpoint serves at once.
    max_connections: usize,
    body_idle_timeout: Duration,
    body_timeout: Duration,
    function_host: String,
    distribution: Option<Distribution>,
    tls: Option<Tls>,
    trigger: Option<Arc<dyn OriginRequestTrigger>>,
    /// The distribution's `host:port` (the origin-request event's `distributionDomainName`).
    cloudfront_domain: String,
}

impl App {
    fn received(&self) -> MutexGuard<'_, VecDeque<ReceivedRequest>> {
        lock(&self.received)
    }

    /// Records `request`, its body cut to `record_body_limit` bytes, pushing out the oldest
    /// records past `record_limit`.
    fn record(&self, mut request: ReceivedRequest) {
        if self.record_limit == 0 {
            return;
        }
        request.body.truncate(self.record_body_limit);
        // The body may have been read into a much larger allocation.
        request.body.shrink_to_fit();
        request.body_truncated = request.body.len() < request.body_len;
        let mut received = self.received();
        while received.len() >= self.record_limit {
            received.pop_front();
        }
        received.push_back(request);
    }

    fn now(&self) -> SystemTime {
        shift(SystemTime::now(), self.clock_offset_secs)
    }
}

/// Locks `mutex`, also after a panic while it was held (the data stays usable).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
