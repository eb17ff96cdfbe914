//! middleware tests
