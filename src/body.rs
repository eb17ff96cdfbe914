//! What the signer needs to know of a request body: its bytes, when they are in memory.

/// A request body that can be signed: its bytes when it holds them in memory, read without
/// consuming it, and a copy for the one attempt re-sent after a clock-skew rejection.
///
/// [`Signer::sign`](crate::Signer::sign) hashes a buffered body itself; a stream needs its
/// hash given ([`Signer::sign_with_hash`](crate::Signer::sign_with_hash), or a [`PayloadHash`](crate::PayloadHash)
/// request extension for the tower layer).
///
/// # Design
///
/// The tower layer keeps the request body type `B`, so it cannot buffer a stream (that would
/// turn `B` into another type) and must learn from `B` itself whether its bytes are at hand.
/// That is this trait, with defaults that say "a stream": `buffered_bytes` returns `None` and
/// `try_clone` returns `None`. So one bound serves both cases:
///
/// - a buffered body ([`String`], [`Vec<u8>`], `bytes::Bytes`, `&'static [u8]`,
///   `&'static str`, `()`, and with the `tower` feature `http_body_util::Full` and `Empty`) is
///   hashed, checked against the [`PayloadLimit`](crate::PayloadLimit), and cloned for a skew
///   retry;
/// - a stream (with the `tower` feature `http_body_util::StreamBody`, `BoxBody`,
///   `UnsyncBoxBody`, or your own type with an empty `impl SignableBody for MyBody {}`) passes
///   through untouched when its hash is given, and fails with
///   [`Error::StreamingBody`](crate::Error::StreamingBody) before sending when it is not. A
///   stream is sent once: a clock-skew 403 reaches the caller instead of a retry.
///
/// `http_body_util::Either` asks its current side. A body type from another crate that is not
/// listed here (hyper's `Incoming`, say) cannot implement this trait outside this crate; box it
/// with `BodyExt::boxed` (a stream) or collect it into `Full<Bytes>` first.
///
/// The alternative designs were worse: a bound on `Clone + AsRef<[u8]>` would shut out every
/// stream, even with a declared hash, and two implementations (buffered / streaming) would
/// overlap for any body type that could be both.
///
/// ```
/// use lambda_url_signer::SignableBody;
///
/// let json = br#"{"id":1}"#.to_vec();
/// assert_eq!(json.buffered_bytes().as_ref().map(|b| b.as_ref()), Some(&b"{\"id\":1}"[..]));
/// assert_eq!(json.try_clone(), Some(json.clone()));
///
/// // A body type of your own that streams: its bytes are out of reach.
/// struct Upload;
/// impl SignableBody for Upload {}
/// assert!(Upload.buffered_bytes().is_none());
/// assert!(Upload.try_clone().is_none());
/// ```
pub trait SignableBody: Sized {
    /// The body's bytes if it holds them in memory, without consuming it; `None` (the default)
    /// for a stream, whose hash must then be given.
    fn buffered_bytes(&self) -> Option<impl AsRef<[u8]> + '_> {
        None::<&[u8]>
    }

    /// A copy of the body for re-sending the request once after a clock-skew rejection; `None`
    /// (the default) when the body cannot be sent twice.
    fn try_clone(&self) -> Option<Self> {
        None
    }
}

/// Buffered bodies: the bytes are the value itself, and a copy is a clone.
macro_rules! buffered {
    ($($ty:ty),* $(,)?) => {$(
        impl SignableBody for $ty {
            fn buffered_bytes(&self) -> Option<impl AsRef<[u8]> + '_> {
                Some(<$ty as AsRef<[u8]>>::as_ref(self))
            }

            fn try_clone(&self) -> Option<Self> {
                Some(self.clone())
            }
        }
    )*};
}

buffered!(
    Vec<u8>,
    String,
    &'static [u8],
    &'static str,
    std::sync::Arc<[u8]>,
    Box<[u8]>,
);

#[cfg(any(feature = "reqwest", feature = "tower"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "reqwest", feature = "tower"))))]
buffered!(bytes::Bytes);

impl SignableBody for () {
    fn buffered_bytes(&self) -> Option<impl AsRef<[u8]> + '_> {
        Some(&[][..])
    }

    fn try_clone(&self) -> Option<Self> {
        Some(())
    }
}
