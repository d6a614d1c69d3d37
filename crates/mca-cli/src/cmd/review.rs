//! `mca review …`: the CA reviewers' command line (M1) over the review API
//! (`/api/review/v1`): log in, list the pending applications of the
//! reviewer's CA, look at the pictures, approve or reject with a reason;
//! and, for the operator, creating reviewer accounts.
//!
//! The login token is kept in `--dir` (default `./mca-review`,
//! `session.json`, 0600) with the server it belongs to.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::output::{given_or_read, print};
use super::server::runtime;

/// Options of every review command.
#[derive(Args)]
pub struct ReviewArgs {
    /// Where the login token is kept.
    #[arg(long, env = "MCA_REVIEW_DIR", default_value = "mca-review")]
    pub dir: PathBuf,
    /// The server; by default the one logged in to.
    #[arg(long)]
    pub server: Option<String>,
    /// The operation.
    #[command(subcommand)]
    pub command: ReviewCommand,
}

/// What a reviewer does.
#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Operator: create a reviewer account of a CA organization.
    AddReviewer {
        /// The CA's short name (e.g. ZJCA).
        #[arg(long)]
        ca: String,
        /// Login name (3–32 letters, digits, `_.-`).
        #[arg(long)]
        username: String,
        /// Name shown in the audit log.
        #[arg(long)]
        display_name: String,
        /// Password (standard input if omitted).
        #[arg(long)]
        password: Option<String>,
        /// File holding the operator token (else MCA_OPERATOR_TOKEN).
        #[arg(long)]
        operator_token_file: Option<PathBuf>,
    },
    /// Log in as a reviewer.
    Login {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Password (standard input if omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// The applications of the reviewer's CA waiting for review.
    List,
    /// One application (for an enterprise claim also the enterprise:
    /// name, credit code, masked legal-representative ID; for a join the
    /// authorization: permissions, whether the admin's seal verified);
    /// with --save, its form photo and signature, a claim's business
    /// licence, and a join's authorization letter and seal, are written
    /// into that directory.
    Show {
        /// Application id.
        id: String,
        /// Directory for the pictures.
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Approve: the applicant is told "请下载证书".
    Approve {
        /// Application id.
        id: String,
    },
    /// Reject with a reason: the applicant is told "证书申请失败" and may
    /// resubmit.
    Reject {
        /// Application id.
        id: String,
        /// Why (shown to the applicant).
        #[arg(long)]
        reason: String,
    },
}

const SESSION: &str = "session.json";

fn load_session(dir: &Path) -> anyhow::Result<Option<(String, String)>> {
    let path = dir.join(SESSION);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let v: Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} 已损坏", path.display()))?;
            let field = |k: &str| v[k].as_str().map(str::to_owned);
            Ok(field("server").zip(field("token")))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("无法读取文件 {}", path.display())),
    }
}

fn save_session(dir: &Path, server: &str, token: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    let path = dir.join(SESSION);
    let tmp = dir.join(format!(".{SESSION}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("无法创建文件 {}", tmp.display()))?;
    file.write_all(
        json!({ "server": server, "token": token })
            .to_string()
            .as_bytes(),
    )?;
    std::fs::rename(&tmp, &path).with_context(|| format!("无法写入文件 {}", path.display()))
}

/// One request; the JSON (or raw bytes) on success, the problem's title
/// and detail as the error otherwise.
async fn request(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> anyhow::Result<reqwest::Response> {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let response = req
        .send()
        .await
        .map_err(|e| mca_phone::PhoneError::Http(e.without_url().to_string()))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let problem: Value = response.json().await.unwrap_or(Value::Null);
    // The phone's rendering, so both command lines word a refusal alike.
    Err(mca_phone::PhoneError::from_problem(status, &problem).into())
}

async fn json_of(response: reqwest::Response) -> anyhow::Result<Value> {
    response.json().await.context("服务器的回答不是 JSON")
}

/// One Chinese line about an agent's authorization: the permissions asked
/// for and whether the admin's seal verified; `None` for other
/// applications.
fn authorization_summary(authorization: &Value) -> Option<String> {
    if authorization.is_null() {
        return None;
    }
    let seal = if authorization["seal"].is_null() {
        "未盖章"
    } else if authorization["seal_verified"] == true {
        "已验证"
    } else {
        "未通过"
    };
    Some(format!(
        "企业授权: 权限 {}，管理员盖章 {seal}",
        super::phone_join::permissions_label(&authorization["permissions"])
    ))
}

/// Runs a `mca review` command.
pub fn run(args: ReviewArgs) -> anyhow::Result<()> {
    runtime()?.block_on(run_async(args))
}

async fn run_async(args: ReviewArgs) -> anyhow::Result<()> {
    let stored = load_session(&args.dir)?;
    let server = args
        .server
        .clone()
        .or_else(|| stored.as_ref().map(|(s, _)| s.clone()))
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let server = server.trim_end_matches('/').to_owned();
    let token = || -> anyhow::Result<String> {
        match &stored {
            Some((s, t)) if *s == server => Ok(t.clone()),
            _ => bail!("尚未登录：请先运行 `mca review --server {server} login`"),
        }
    };
    let review = |path: &str| format!("{server}/api/review/v1{path}");
    match args.command {
        ReviewCommand::AddReviewer {
            ca,
            username,
            display_name,
            password,
            operator_token_file,
        } => {
            let operator = match operator_token_file {
                Some(path) => std::fs::read_to_string(&path)
                    .with_context(|| format!("无法读取文件 {}", path.display()))?
                    .trim()
                    .to_owned(),
                None => std::env::var("MCA_OPERATOR_TOKEN")
                    .context("请给出 --operator-token-file 或设置 MCA_OPERATOR_TOKEN")?,
            };
            let catalogue = json_of(
                request(
                    Method::GET,
                    &format!("{server}/api/app/v1/catalogue"),
                    None,
                    None,
                )
                .await?,
            )
            .await?;
            let ca_id = catalogue["ca_organizations"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| {
                    c["short_name"]
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(&ca))
                })
                .and_then(|c| c["id"].as_str())
                .with_context(|| format!("目录中没有发证机构 {ca}"))?
                .to_owned();
            let password = given_or_read(password, "审核员密码")?;
            let body = json!({
                "ca_id": ca_id, "username": username,
                "display_name": display_name, "password": password,
            });
            let url = format!("{server}/api/operator/v1/reviewers");
            print(
                &json_of(request(Method::POST, &url, Some(&operator), Some(body)).await?).await?,
            )?;
        }
        ReviewCommand::Login { username, password } => {
            let password = given_or_read(password, "密码")?;
            let body = json!({ "username": username, "password": password });
            let login =
                json_of(request(Method::POST, &review("/sessions"), None, Some(body)).await?)
                    .await?;
            let token = login["token"].as_str().context("服务器未返回登录令牌")?;
            save_session(&args.dir, &server, token)?;
            println!(
                "登录成功：{}",
                login["reviewer"]["display_name"]
                    .as_str()
                    .unwrap_or(&username)
            );
        }
        ReviewCommand::List => {
            let t = token()?;
            print(
                &json_of(request(Method::GET, &review("/applications"), Some(&t), None).await?)
                    .await?,
            )?;
        }
        ReviewCommand::Show { id, save } => {
            let t = token()?;
            let item = json_of(
                request(
                    Method::GET,
                    &review(&format!("/applications/{id}")),
                    Some(&t),
                    None,
                )
                .await?,
            )
            .await?;
            if let Some(dir) = save {
                std::fs::create_dir_all(&dir)?;
                // An enterprise claim is checked against its business
                // licence too; a personal application has none.
                let mut pictures = vec![
                    ("form-photo", &item["form_photo"]),
                    ("signature", &item["signature"]),
                ];
                if !item["enterprise"].is_null() {
                    pictures.push(("licence", &item["enterprise"]["licence"]));
                }
                let mut files: Vec<(String, &Value)> = pictures
                    .into_iter()
                    .map(|(name, link)| {
                        let ext = match link["content_type"].as_str() {
                            Some("image/jpeg") => "jpg",
                            _ => "png",
                        };
                        (format!("{name}.{ext}"), link)
                    })
                    .collect();
                // A join is checked against the letter and the admin's
                // seal over it; the seal is absent until the admin sealed.
                let authorization = &item["authorization"];
                if !authorization.is_null() {
                    files.push(("authorization-letter.pdf".into(), &authorization["letter"]));
                    if !authorization["seal"].is_null() {
                        files.push(("authorization-seal.p7s".into(), &authorization["seal"]));
                    }
                }
                for (file, link) in files {
                    let href = link["href"].as_str().context("服务器未返回图片链接")?;
                    let bytes = request(Method::GET, &format!("{server}{href}"), Some(&t), None)
                        .await?
                        .bytes()
                        .await?;
                    let path = dir.join(file);
                    super::output::write_file(&path, &bytes)?;
                    eprintln!("已保存 {}", path.display());
                }
            }
            // On standard error, like the saved files: standard output
            // stays one JSON document for scripts.
            if let Some(line) = authorization_summary(&item["authorization"]) {
                eprintln!("{line}");
            }
            print(&item)?;
        }
        ReviewCommand::Approve { id } => {
            let t = token()?;
            let url = review(&format!("/applications/{id}/approval"));
            print(&json_of(request(Method::POST, &url, Some(&t), None).await?).await?)?;
        }
        ReviewCommand::Reject { id, reason } => {
            let t = token()?;
            let url = review(&format!("/applications/{id}/rejection"));
            let body = json!({ "reason": reason });
            print(&json_of(request(Method::POST, &url, Some(&t), Some(body)).await?).await?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seal_is_shown_verified_failed_or_missing() {
        let summary = |seal: Value, verified: bool| {
            authorization_summary(&json!({
                "permissions": ["login", "sign"], "seal": seal, "seal_verified": verified,
            }))
            .unwrap()
        };
        let href = json!({"href": "/seal"});
        assert_eq!(
            summary(href.clone(), true),
            "企业授权: 权限 登录、签名，管理员盖章 已验证"
        );
        assert!(summary(href, false).ends_with("未通过"));
        assert!(summary(Value::Null, false).ends_with("未盖章"));
        assert_eq!(authorization_summary(&Value::Null), None);
    }
}
