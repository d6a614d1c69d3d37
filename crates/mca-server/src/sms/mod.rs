//! SMS gateway adapters behind the domain's `SmsSender` interface.
//!
//! - [`aliyun`]: Aliyun SMS's signed RPC API.

pub mod aliyun;
