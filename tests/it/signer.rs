//! signer tests
