//! `mca rp …`: the operator's register of relying parties (issue 6) over
//! the operator API (`/api/operator/v1/relying-parties`): register one
//! (its key id and secret are printed once), list, rotate its key, disable
//! it. The operator token comes from `--operator-token-file` or
//! `MCA_OPERATOR_TOKEN`, never from an argument (it would show in `ps`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::output::print;
use super::server::runtime;

/// Options of every `mca rp` command.
#[derive(Args)]
pub struct RpArgs {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// File holding the operator token (else MCA_OPERATOR_TOKEN).
    #[arg(long)]
    pub operator_token_file: Option<PathBuf>,
    /// The operation.
    #[command(subcommand)]
    pub command: RpCommand,
}

/// What the operator does with relying parties.
#[derive(Subcommand)]
pub enum RpCommand {
    /// Register a relying party; prints its key id and secret (shown once).
    Add {
        /// The name the app shows, e.g. 浙江省公共资源交易平台.
        #[arg(long)]
        name: String,
        /// Operations it may request: auth, sign, cert, decrypt, confirm
        /// (comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        operations: Vec<String>,
        /// The catalogue's trading platform it is (for enterprise
        /// authorizations).
        #[arg(long)]
        platform_id: Option<String>,
        /// A webhook URL (https://, or http://localhost for development);
        /// repeat for several.
        #[arg(long = "callback-url")]
        callback_urls: Vec<String>,
    },
    /// Every registered relying party.
    List,
    /// A new key id and secret; the previous keys keep working for a day.
    Rotate {
        /// Relying party id.
        id: String,
    },
    /// Disable: its requests and its sessions' scans are refused.
    Disable {
        /// Relying party id.
        id: String,
    },
}

fn operator_token(file: Option<&PathBuf>) -> anyhow::Result<String> {
    let token = match file {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => std::env::var("MCA_OPERATOR_TOKEN")
            .context("give --operator-token-file or MCA_OPERATOR_TOKEN")?,
    };
    let token = token.trim();
    if token.is_empty() {
        bail!("the operator token is empty");
    }
    Ok(token.to_owned())
}

/// One operator request; the JSON on success, the problem's title and
/// detail as the error otherwise.
async fn request(
    method: Method,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let mut req = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let response = req.send().await.context("cannot reach the server")?;
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    let title = value["title"].as_str().unwrap_or("请求失败");
    match value["detail"].as_str() {
        Some(detail) => bail!("{title}: {detail} (HTTP {})", status.as_u16()),
        None => bail!("{title} (HTTP {})", status.as_u16()),
    }
}

/// Runs a `mca rp` command.
pub fn run(args: RpArgs) -> anyhow::Result<()> {
    let token = operator_token(args.operator_token_file.as_ref())?;
    let base = format!(
        "{}/api/operator/v1/relying-parties",
        args.server.trim_end_matches('/')
    );
    runtime()?.block_on(async move {
        let answer = match args.command {
            RpCommand::Add {
                name,
                operations,
                platform_id,
                callback_urls,
            } => {
                let body = json!({
                    "display_name": name,
                    "platform_id": platform_id,
                    "operations": operations.iter().map(|o| o.trim()).collect::<Vec<_>>(),
                    "callback_urls": callback_urls,
                });
                let registered = request(Method::POST, &base, &token, Some(body)).await?;
                eprintln!("请妥善保存 key_id 与 secret：secret 仅显示这一次。");
                registered
            }
            RpCommand::List => request(Method::GET, &base, &token, None).await?,
            RpCommand::Rotate { id } => {
                let url = format!("{base}/{id}/rotation");
                let rotated = request(Method::POST, &url, &token, None).await?;
                eprintln!("新密钥仅显示这一次；旧密钥在 24 小时内仍然有效。");
                rotated
            }
            RpCommand::Disable { id } => {
                request(Method::POST, &format!("{base}/{id}/disable"), &token, None).await?
            }
        };
        print(&answer)
    })
}
