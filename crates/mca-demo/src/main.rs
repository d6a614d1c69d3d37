//! `mca-demo`: the demo e-tendering platform on its own. `mca up` starts
//! it beside the server; run it alone against any Mobile CA server with
//! the relying-party credentials `mca rp add` printed:
//!
//! ```text
//! MCA_DEMO_SERVER=http://127.0.0.1:8080 MCA_DEMO_RP_ID=… MCA_DEMO_KEY_ID=… \
//! MCA_DEMO_SECRET_FILE=rp-secret MCA_DEMO_LISTEN=127.0.0.1:8090 mca-demo
//! ```

#![forbid(unsafe_code)]

use anyhow::Context;
use mca_demo::{Demo, DemoConfig};

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set"))
}

fn main() {
    if let Err(e) = run() {
        eprintln!("mca-demo: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let secret = match std::env::var("MCA_DEMO_SECRET_FILE") {
        Ok(path) => std::fs::read_to_string(&path)
            .with_context(|| format!("reading {path}"))?
            .trim()
            .to_owned(),
        Err(_) => var("MCA_DEMO_SECRET")?,
    };
    let config = DemoConfig {
        server: var("MCA_DEMO_SERVER")?.trim_end_matches('/').to_owned(),
        rp_id: var("MCA_DEMO_RP_ID")?,
        key_id: var("MCA_DEMO_KEY_ID")?,
        secret_hex: secret,
        cas: std::env::var("MCA_DEMO_CAS")
            .unwrap_or_else(|_| "zjca,itruschina".into())
            .split(',')
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let listen = std::env::var("MCA_DEMO_LISTEN").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let demo = Demo::new(config)?;
    tokio::runtime::Runtime::new()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        eprintln!("demo platform on http://{listen}/");
        mca_demo::run(demo, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(())
    })
}
