//! [`SignableBody`] for the body types of `http-body-util`.

use crate::SignableBody;
use bytes::Bytes;

#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
impl SignableBody for http_body_util::Full<Bytes> {
    /// A `Full` gives its bytes up only by value; cloning it clones the `Bytes` handle (a
    /// reference count), not the data.
    fn buffered_bytes(&self) -> Option<impl AsRef<[u8]> + '_> {
        Some(self.clone().into_inner().unwrap_or_default())
    }

    fn try_clone(&self) -> Option<Self> {
        Some(self.clone())
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
impl SignableBody for http_body_util::Empty<Bytes> {
    fn buffered_bytes(&self) -> Option<impl AsRef<[u8]> + '_> {
        Some(&[][..])
    }

    fn try_clone(&self) -> Option<Self> {
        Some(*self)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
impl<S> SignableBody for http_body_util::StreamBody<S> {}
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
impl<D, E> SignableBody for http_body_util::combinators::BoxBody<D, E> {}
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
impl<D, E> SignableBody for http_body_util::combinators::UnsyncBoxBody<D, E> {}

#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
impl<L: SignableBody, R: SignableBody> SignableBody for http_body_util::Either<L, R> {
    fn buffered_bytes(&self) -> Option<impl AsRef<[u8]> + '_> {
        match self {
            http_body_util::Either::Left(body) => body.buffered_bytes().map(Side::Left),
            http_body_util::Either::Right(body) => body.buffered_bytes().map(Side::Right),
        }
    }

    fn try_clone(&self) -> Option<Self> {
        match self {
            http_body_util::Either::Left(body) => {
                body.try_clone().map(http_body_util::Either::Left)
            }
            http_body_util::Either::Right(body) => {
                body.try_clone().map(http_body_util::Either::Right)
            }
        }
    }
}

/// The bytes of either side of an `Either`, as one type.
enum Side<L, R> {
    Left(L),
    Right(R),
}

impl<L: AsRef<[u8]>, R: AsRef<[u8]>> AsRef<[u8]> for Side<L, R> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Side::Left(bytes) => bytes.as_ref(),
            Side::Right(bytes) => bytes.as_ref(),
        }
    }
}
