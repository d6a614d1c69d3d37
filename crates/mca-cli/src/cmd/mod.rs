//! One module per command group.

pub mod ca;
pub mod catalogue;
pub mod config;
pub mod lan;
pub mod output;
pub mod phone;
pub mod phone_certs;
pub mod phone_enterprise;
pub mod phone_join;
pub mod phone_people;
pub mod review;
pub mod rp;
pub mod server;
pub mod up;
