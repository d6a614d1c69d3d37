//! Storage for Mobile CA (work in progress).
#![forbid(unsafe_code)]
