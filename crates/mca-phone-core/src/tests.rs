//! Machines driven against mca-crypto's server side (no HTTP).
