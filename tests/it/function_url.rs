//! function_url tests
