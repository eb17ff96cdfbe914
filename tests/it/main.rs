//! The crate's one integration-test binary. Shared helpers live in `support`.

mod support;

mod strategies;

mod differential;

mod credentials;
mod function_url;
mod payload;
mod signer;
mod vectors;

mod emulator;

#[cfg(feature = "middleware")]
mod middleware;

mod properties;

#[cfg(feature = "middleware")]
mod no_panic;

#[cfg(feature = "middleware")]
mod load;

#[cfg(feature = "middleware")]
mod faults;

#[cfg(feature = "middleware")]
mod secrets;

#[cfg(all(feature = "rustls", feature = "middleware"))]
mod tls;

#[cfg(feature = "tower")]
mod tower;

#[cfg(feature = "middleware")]
mod leaks;

#[cfg(feature = "middleware")]
mod intent;
