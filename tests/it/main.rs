//! The crate's one integration-test binary. Shared helpers live in `support`.

mod support;

mod credentials;
mod function_url;
mod payload;
mod signer;
mod vectors;

#[cfg(feature = "emulator")]
mod emulator;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod middleware;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod invoke;
