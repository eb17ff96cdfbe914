//! payload tests
