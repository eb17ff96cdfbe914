//! The crate's one integration-test binary. Shared helpers live in `support`.

mod support;

mod strategies;

mod differential;

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

#[cfg(feature = "emulator")]
mod properties;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod no_panic;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod load;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod faults;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod secrets;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod examples;

#[cfg(all(feature = "emulator", feature = "rustls", feature = "middleware"))]
mod tls;

#[cfg(all(feature = "tower", feature = "emulator"))]
mod tower;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod leaks;

#[cfg(all(feature = "middleware", feature = "emulator"))]
mod intent;

#[cfg(all(feature = "middleware", feature = "emulator", feature = "aws-config"))]
mod proxy;
