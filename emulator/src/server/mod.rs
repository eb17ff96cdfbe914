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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use tokio::sync::mpsc;

use super::clock::shift;
use super::cloudfront::Distribution;
use super::edge::OriginRequestTrigger;
use super::event::{HandlerResponse, InvokeEvent};
use super::policy::ResourcePolicy;
use super::tls::Tls;
use super::verify::Verifier;

pub use builder::{AuthType, EmulatorBuilder, DEFAULT_MAX_PAYLOAD_BYTES};
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
    received: Mutex<Vec<ReceivedRequest>>,
    function_host: String,
    distribution: Option<Distribution>,
    tls: Option<Tls>,
    trigger: Option<Arc<dyn OriginRequestTrigger>>,
    /// The distribution's `host:port` (the origin-request event's `distributionDomainName`).
    cloudfront_domain: String,
}

impl App {
    fn received(&self) -> MutexGuard<'_, Vec<ReceivedRequest>> {
        lock(&self.received)
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
