//! support tests
