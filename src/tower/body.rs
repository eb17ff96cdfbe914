//! The response body of [`SigningService`](super::SigningService).

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
pin_project_lite::pin_project! {
    /// The response body of [`SigningService`](crate::tower::SigningService): the inner service's body, passed through
    /// frame by frame, or — for a 403 whose body the layer read to look for a clock-skew
    /// rejection — those bytes.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http_body::Body as _;
    /// use lambda_url_signer::tower::SigningResponseBody;
    ///
    /// fn check(body: &SigningResponseBody<http_body_util::Full<Bytes>>) -> bool {
    ///     body.is_end_stream()
    /// }
    /// # let _ = check;
    /// ```
    pub struct SigningResponseBody<B> {
        #[pin]
        state: ResponseState<B>,
    }
}

pin_project_lite::pin_project! {
    #[project = ResponseStateProj]
    enum ResponseState<B> {
        Inner { #[pin] body: B },
        Read { bytes: Option<Bytes> },
    }
}

impl<B> SigningResponseBody<B> {
    pub(super) fn passed(body: B) -> Self {
        SigningResponseBody {
            state: ResponseState::Inner { body },
        }
    }

    pub(super) fn read(bytes: Bytes) -> Self {
        SigningResponseBody {
            state: ResponseState::Read {
                bytes: (!bytes.is_empty()).then_some(bytes),
            },
        }
    }
}

impl<B> fmt::Debug for SigningResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            ResponseState::Inner { .. } => "inner",
            ResponseState::Read { .. } => "read",
        };
        f.debug_struct("SigningResponseBody")
            .field("state", &state)
            .finish()
    }
}

impl<B> Body for SigningResponseBody<B>
where
    B: Body,
    B::Data: From<Bytes>,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        match self.project().state.project() {
            ResponseStateProj::Inner { body } => body.poll_frame(cx),
            ResponseStateProj::Read { bytes } => {
                Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b.into()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.state {
            ResponseState::Inner { body } => body.is_end_stream(),
            ResponseState::Read { bytes } => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.state {
            ResponseState::Inner { body } => body.size_hint(),
            ResponseState::Read { bytes } => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
        }
    }
}
