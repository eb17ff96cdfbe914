//! The services' futures: boxed for signing (the credentials cache may refresh), forwarded
//! for OAC.

use super::{LayerError, SigningResponseBody};
use crate::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
/// The future of [`SigningService`](crate::tower::SigningService).
pub(super) type SigningFuture<ResB, E> = Pin<
    Box<
        dyn Future<Output = Result<http::Response<SigningResponseBody<ResB>>, LayerError<E>>>
            + Send,
    >,
>;

pin_project_lite::pin_project! {
    /// The future of [`OacService`](crate::tower::OacService): the inner service's future, or the crate's error when the
    /// request was refused before sending.
    ///
    /// ```
    /// use lambda_url_signer::Error;
    /// use lambda_url_signer::tower::{LayerError, OacService};
    /// use tower::{Service as _, ServiceExt as _};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let inner = tower::service_fn(|_r: http::Request<String>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// });
    /// let mut service = OacService::new(inner);
    /// let get_with_body = http::Request::get("https://example.com/").body("x".to_owned())?;
    /// let future: lambda_url_signer::tower::OacFuture<_> = service.ready().await?.call(get_with_body);
    /// assert!(matches!(future.await, Err(LayerError::Signing(Error::BodyNotAllowed { .. }))));
    /// # Ok(()) }
    /// ```
    pub struct OacFuture<F> {
        #[pin]
        pub(super) state: OacState<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = OacStateProj]
    pub(super) enum OacState<F> {
        Inner { #[pin] future: F },
        Refused { error: Option<Error> },
    }
}

impl<F> fmt::Debug for OacFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OacFuture").finish_non_exhaustive()
    }
}

impl<F, T, E> Future for OacFuture<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, LayerError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            OacStateProj::Inner { future } => future.poll(cx).map_err(LayerError::Inner),
            // Polled again after it completed: it never completes again.
            OacStateProj::Refused { error } => match error.take() {
                Some(error) => Poll::Ready(Err(LayerError::Signing(error))),
                None => Poll::Pending,
            },
        }
    }
}
