//! credentials tests
