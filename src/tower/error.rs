//! What the tower services fail with.

use crate::Error;
use std::fmt;
/// What the tower layers' services fail with: this crate's [`Error`](crate::Error) before anything was sent,
/// the inner service's error, or a failure reading a 403's body for clock-skew detection.
///
/// Get the crate's error back with [`LayerError::signing_error`](crate::tower::LayerError::signing_error) (or a `match`); a retry policy
/// outside the layer matches on [`LayerError::Inner`](crate::tower::LayerError::Inner) to retry transport failures only.
///
/// ```
/// use lambda_url_signer::Error;
/// use lambda_url_signer::tower::LayerError;
///
/// let error: LayerError<std::io::Error> = LayerError::Signing(Error::StreamingBody);
/// assert!(matches!(error.signing_error(), Some(Error::StreamingBody)));
/// assert!(error.to_string().contains("stream"));
/// let inner: LayerError<std::io::Error> = LayerError::Inner(std::io::ErrorKind::TimedOut.into());
/// assert!(inner.signing_error().is_none());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum LayerError<E> {
    /// The request was not sent: hashing, the payload limit, credentials or signing failed.
    Signing(Error),
    /// The inner service failed.
    Inner(E),
    /// Reading the body of a possible clock-skew 403 failed (the inner body's error, boxed).
    ResponseBody(Box<dyn std::error::Error + Send + Sync>),
}

impl<E> LayerError<E> {
    /// The crate's error, if that is what this is.
    ///
    /// ```
    /// # use lambda_url_signer::Error;
    /// # use lambda_url_signer::tower::LayerError;
    /// let error: LayerError<()> = LayerError::Signing(Error::NoCredentials);
    /// assert!(error.signing_error().is_some());
    /// ```
    pub fn signing_error(&self) -> Option<&Error> {
        match self {
            LayerError::Signing(error) => Some(error),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for LayerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerError::Signing(error) => fmt::Display::fmt(error, f),
            LayerError::Inner(error) => fmt::Display::fmt(error, f),
            LayerError::ResponseBody(_) => f.write_str("reading the response body failed"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for LayerError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LayerError::Signing(error) => error.source(),
            LayerError::Inner(error) => error.source(),
            LayerError::ResponseBody(error) => Some(error.as_ref()),
        }
    }
}
