//! `mca phone …`: the command-line phone. Its state (device key, session,
//! PIN-masked key shares) lives in `--dir` (default `./mca-phone`), files
//! 0600; every request is signed by the device key exactly as the app
//! signs it. The certificate commands are in `phone_certs`, the enterprise
//! ones in `phone_enterprise`.
//!
//! Secrets (codes, passwords) may be given as options for scripting; when
//! left out they are read from standard input, so they need not appear in
//! the shell history or the process list.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mca_phone::Phone;
use mca_phone::phone::Purpose;
use serde_json::Value;

use super::output::{beijing, given_or_read, print, read_secret, str_of, table, yuan};
use super::server::runtime;

/// Options of every phone command.
#[derive(Args)]
pub struct PhoneArgs {
    /// The phone's state directory.
    #[arg(long, env = "MCA_PHONE_DIR", default_value = "mca-phone")]
    pub dir: PathBuf,
    /// The server; by default the one of the stored session, else
    /// http://127.0.0.1:8080.
    #[arg(long, env = "MCA_PHONE_SERVER")]
    pub server: Option<String>,
    /// Print the server's JSON instead of text (lists, details, results).
    #[arg(long, global = true)]
    pub json: bool,
    /// The operation.
    #[command(subcommand)]
    pub command: PhoneCommand,
}

/// What the phone does.
#[derive(Subcommand)]
pub enum PhoneCommand {
    /// Log in with an SMS code (A1); the first login registers the account.
    /// Without --code, a code is requested and then read from standard
    /// input, or with --dev-code read from a development server.
    Login {
        /// Mainland mobile number.
        #[arg(long)]
        phone: String,
        /// The SMS code, if already received.
        #[arg(long)]
        code: Option<String>,
        /// Development servers only: fetch the code from /api/dev.
        #[arg(long)]
        dev_code: bool,
    },
    /// Log in with the password (A2).
    LoginPassword {
        /// Mainland mobile number.
        #[arg(long)]
        phone: String,
        /// The password (read from standard input if omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// Set the first password (A2).
    SetPassword {
        /// 6–20 digits, letters, symbols (standard input if omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// Change the password (I2).
    ChangePassword {
        /// Current password.
        #[arg(long)]
        old: String,
        /// New password.
        #[arg(long)]
        new: String,
    },
    /// Forgot password: reset it with an SMS code (I2).
    ForgotPassword {
        /// The account's number.
        #[arg(long)]
        phone: String,
        /// New password.
        #[arg(long)]
        new: String,
        /// The SMS code, if already received.
        #[arg(long)]
        code: Option<String>,
        /// Development servers only: fetch the code from /api/dev.
        #[arg(long)]
        dev_code: bool,
    },
    /// Change the phone number, confirmed by a code sent to the new one (I1).
    ChangePhone {
        /// The new number.
        #[arg(long)]
        phone: String,
        /// The SMS code, if already received.
        #[arg(long)]
        code: Option<String>,
        /// Development servers only: fetch the code from /api/dev.
        #[arg(long)]
        dev_code: bool,
    },
    /// Real-name verification (A3): name, ID number, face verification.
    VerifyIdentity {
        /// Name as on the ID card.
        #[arg(long)]
        name: String,
        /// 18-character resident ID number.
        #[arg(long)]
        id_number: String,
        /// Development servers only: make the face check pass or fail.
        #[arg(long, value_parser = ["pass", "fail"])]
        dev_face: Option<String>,
    },
    /// Show the real-name verification state.
    Identity,
    /// List this account's devices.
    Devices,
    /// Remove a device; its requests are refused from then on.
    RemoveDevice {
        /// Device id (see `devices`).
        id: String,
    },
    /// Show the inbox (M3).
    Messages,
    /// Mark a message read.
    ReadMessage {
        /// Message id (see `messages`).
        id: String,
    },
    /// Show the catalogue: provinces, platforms, CAs, prices (M2).
    Catalogue,
    /// List certificates (needs real-name verification).
    Certificates,
    /// Show the stored session (never the token).
    Status,
    /// Scan a relying party's QR code (the link text): shows who asks
    /// what; then approve with a key and its PIN, or refuse.
    Scan {
        /// The QR text (`mca://qr?…`).
        #[arg(long)]
        link: String,
        /// Approve (with `--key`, or the only key on this phone; `--pin`, or
        /// type it).
        #[arg(long, conflicts_with = "refuse")]
        approve: bool,
        /// Refuse: the session ends `user_refused`.
        #[arg(long)]
        refuse: bool,
        /// Key id (see `keys`); by default the only key on this phone.
        #[arg(long)]
        key: Option<String>,
        /// The certificate PIN (prompted when missing).
        #[arg(long)]
        pin: Option<String>,
    },
    /// Approve the session of the last `scan` (no new QR needed; after a
    /// wrong PIN, run it again with the right one).
    Approve {
        /// Key id (see `keys`); by default the only key on this phone.
        #[arg(long)]
        key: Option<String>,
        /// The certificate PIN (prompted when missing).
        #[arg(long)]
        pin: Option<String>,
    },
    /// Refuse the session of the last `scan`.
    Refuse,
    #[command(flatten)]
    Certificate(super::phone_certs::CertCommand),
    /// Enterprises (B–D): the claim form, claim, resubmit a rejected
    /// claim, list; look up and join one; the admin's join requests,
    /// authorization letters and seal, people and authorizations.
    #[command(subcommand)]
    Enterprise(super::phone_enterprise::EnterpriseCommand),
}

/// Runs a `mca phone` command.
pub fn run(args: PhoneArgs) -> anyhow::Result<()> {
    runtime()?.block_on(run_async(args))
}

fn open(args: &PhoneArgs) -> anyhow::Result<Phone> {
    let stored = mca_phone::StateDir::open(&args.dir)?.session()?;
    let server = match (&args.server, stored) {
        (Some(server), _) => server.clone(),
        (None, Some(session)) => session.server,
        (None, None) => "http://127.0.0.1:8080".to_owned(),
    };
    Ok(Phone::open(&args.dir, &server)?)
}

/// The code for `phone`: given, fetched from a development server, or typed.
async fn code_for(
    phone: &Phone,
    number: &str,
    purpose: Purpose,
    code: Option<String>,
    dev: bool,
) -> anyhow::Result<String> {
    if let Some(code) = code {
        return Ok(code);
    }
    phone.send_code(number, purpose).await?;
    eprintln!("验证码已发送至 {number}");
    if dev {
        return Ok(phone.dev_code(number).await?);
    }
    read_secret("验证码")
}

/// The catalogue as people read it: where certificates are used, and what
/// each CA offers at which price.
fn print_catalogue(catalogue: &Value) {
    let list = |key: &str| catalogue[key].as_array().cloned().unwrap_or_default();
    let provinces = list("provinces");
    let province = |id: &str| {
        provinces
            .iter()
            .find(|p| str_of(p, "id") == id)
            .map(|p| str_of(p, "name").to_owned())
            .unwrap_or_default()
    };
    let platforms: Vec<Vec<String>> = list("platforms")
        .iter()
        .map(|p| {
            vec![
                province(str_of(p, "province_id")),
                str_of(p, "name").to_owned(),
            ]
        })
        .collect();
    println!("交易平台\n{}", table(&["省份", "平台"], &platforms));
    let cas = list("ca_organizations");
    let offers: Vec<Vec<String>> = list("validity_options")
        .iter()
        .map(|v| {
            let ca = cas.iter().find(|c| c["id"] == v["ca_id"]);
            let ca_field = |k: &str| ca.map(|c| str_of(c, k).to_owned()).unwrap_or_default();
            vec![
                ca_field("short_name"),
                ca_field("name"),
                format!("{} 年", v["years"]),
                yuan(v["price_fen"].as_i64().unwrap_or_default()),
            ]
        })
        .collect();
    print!(
        "证书价格\n{}",
        table(&["CA", "发证机构", "有效期", "价格"], &offers)
    );
    println!("申请: mca phone apply --ca <CA> [--years <年>] --form-photo <申请表照片>");
}

/// The inbox, newest first, times in Beijing time.
fn print_messages(messages: &Value) {
    let messages = messages.as_array().cloned().unwrap_or_default();
    if messages.is_empty() {
        println!("没有消息");
    }
    for m in &messages {
        let unread = if m["read_at"].is_null() {
            "[未读] "
        } else {
            ""
        };
        println!(
            "{unread}{}  {}\n  {}\n  消息编号: {}",
            beijing(&m["created_at"]),
            str_of(m, "title"),
            str_of(m, "body"),
            str_of(m, "id")
        );
    }
}

async fn run_async(args: PhoneArgs) -> anyhow::Result<()> {
    let mut phone = open(&args)?;
    let as_json = args.json;
    match args.command {
        PhoneCommand::Login {
            phone: number,
            code,
            dev_code,
        } => {
            let code = code_for(&phone, &number, Purpose::Login, code, dev_code).await?;
            let registered = phone.login_with_code(&number, &code).await?;
            println!(
                "{}",
                if registered {
                    "注册成功，已登录"
                } else {
                    "登录成功"
                }
            );
        }
        PhoneCommand::LoginPassword {
            phone: number,
            password,
        } => {
            let password = given_or_read(password, "密码")?;
            phone.login_with_password(&number, &password).await?;
            println!("登录成功");
        }
        PhoneCommand::SetPassword { password } => {
            let password = given_or_read(password, "新密码")?;
            phone.set_password(&password).await?;
            println!("密码已设置");
        }
        PhoneCommand::ChangePassword { old, new } => {
            phone.change_password(&old, &new).await?;
            println!("密码已修改");
        }
        PhoneCommand::ForgotPassword {
            phone: number,
            new,
            code,
            dev_code,
        } => {
            let code = code_for(&phone, &number, Purpose::ResetPassword, code, dev_code).await?;
            phone.reset_password(&number, &code, &new).await?;
            println!("密码已重置");
        }
        PhoneCommand::ChangePhone {
            phone: number,
            code,
            dev_code,
        } => {
            let code = code_for(&phone, &number, Purpose::ChangePhone, code, dev_code).await?;
            phone.change_phone(&number, &code).await?;
            println!("手机号已更换为 {number}");
        }
        PhoneCommand::VerifyIdentity {
            name,
            id_number,
            dev_face,
        } => {
            phone.submit_identity(&name, &id_number).await?;
            let session = phone.start_face().await?;
            match dev_face.as_deref() {
                Some(outcome) => {
                    let id = session["session_id"]
                        .as_str()
                        .context("服务器未返回人脸识别会话编号")?;
                    phone.dev_decide_face(id, outcome == "pass").await?;
                }
                None => {
                    eprintln!(
                        "请在浏览器中完成人脸识别: {}",
                        session["url"].as_str().unwrap_or("")
                    );
                    read_secret("完成后按回车继续（输入 y）")?;
                }
            }
            print(&phone.face_result().await?)?;
        }
        PhoneCommand::Identity => print(&phone.identity().await?)?,
        PhoneCommand::Devices => print(&phone.devices().await?)?,
        PhoneCommand::RemoveDevice { id } => {
            phone.remove_device(&id).await?;
            println!("设备已删除");
        }
        PhoneCommand::Messages => {
            let messages = phone.messages().await?;
            if as_json {
                print(&messages)?;
            } else {
                print_messages(&messages);
            }
        }
        PhoneCommand::ReadMessage { id } => phone.read_message(&id).await?,
        PhoneCommand::Catalogue => {
            let catalogue = phone.catalogue().await?;
            if as_json {
                print(&catalogue)?;
            } else {
                print_catalogue(&catalogue);
            }
        }
        PhoneCommand::Certificates => print(&phone.certificates().await?)?,
        PhoneCommand::Scan {
            link,
            approve,
            refuse,
            key,
            pin,
        } => scan(&phone, &link, approve, refuse, key, pin).await?,
        PhoneCommand::Approve { key, pin } => {
            let s = last_scan(&phone)?;
            approve(&phone, &s, key, pin).await?;
        }
        PhoneCommand::Refuse => {
            let s = last_scan(&phone)?;
            let done = phone.refuse(&s.session_id).await;
            forget_scan(&phone);
            print_done(&done?);
        }
        PhoneCommand::Status => match phone.session() {
            Some(s) => println!(
                "server {}\nphone {}\nuser {}\ndevice {}",
                s.server, s.phone, s.user_id, s.device_id
            ),
            None => println!("未登录 (state: {})", args.dir.display()),
        },
        PhoneCommand::Certificate(command) => {
            super::phone_certs::run(&phone, command, as_json).await?
        }
        PhoneCommand::Enterprise(command) => {
            super::phone_enterprise::run(&phone, command, as_json).await?
        }
    }
    Ok(())
}

/// `mca phone scan`: what the session asks, then the user's answer.
async fn scan(
    phone: &Phone,
    link: &str,
    approve: bool,
    refuse: bool,
    key: Option<String>,
    pin: Option<String>,
) -> anyhow::Result<()> {
    let s = phone.scan(link).await?;
    let operation = match (s.operation.as_str(), s.purpose.as_deref()) {
        ("auth", Some("bind")) => "扫码绑定",
        ("auth", _) => "扫码登录",
        ("sign", _) => "签名",
        ("cert", _) => "提供加密证书",
        ("decrypt", _) => "开标解密",
        ("confirm", _) => "确认上传回执",
        _ => "未知操作",
    };
    println!("业务系统: {}", s.relying_party);
    println!("操作: {operation}");
    for (i, item) in s.items.iter().chain(&s.envelopes).enumerate() {
        match item.digest_text() {
            Some(sm3) => println!(
                "  {}. {}（{}，SM3 {sm3}）",
                i + 1,
                item.label,
                item.kind_label()
            ),
            None => println!("  {}. {}（{}）", i + 1, item.label, item.kind_label()),
        }
    }
    if let (Some(name), Some(receipt)) = (&s.file_name, &s.receipt_number) {
        println!("  文件: {name}  回执号: {receipt}");
    }
    if let Some(ip) = &s.end_user_ip {
        println!("  请求来自: {ip}");
    }
    if refuse {
        print_done(&phone.refuse(&s.session_id).await?);
        return Ok(());
    }
    // Kept until the session ends, so a wrong PIN can be retried with
    // `mca phone approve` (the claimed session cannot be scanned again
    // from a stale frame).
    let path = phone.state_dir().path().join(LAST_SCAN);
    std::fs::write(&path, serde_json::to_vec(&s)?)
        .with_context(|| format!("无法写入 {}", path.display()))?;
    if approve {
        return self::approve(phone, &s, key, pin).await;
    }
    println!(
        "会话: {} (用 `mca phone approve` 或 `mca phone refuse` 答复)",
        s.session_id
    );
    Ok(())
}

/// Approves `s` with `key` (or the only key): a wrong PIN keeps the
/// session for another `mca phone approve`; any other end forgets it.
async fn approve(
    phone: &Phone,
    s: &mca_phone::rp::Scanned,
    key: Option<String>,
    pin: Option<String>,
) -> anyhow::Result<()> {
    let key = match key {
        Some(k) => k,
        None => phone.only_key()?,
    };
    let pin = match pin {
        Some(p) => p,
        None => read_secret("证书PIN码")?,
    };
    match phone.approve(s, &key, &pin).await {
        // The detail says how many attempts are left.
        Err(e) if e.code() == Some("wrong_pin") => {
            bail!("{e}；请用 `mca phone approve` 输入正确的PIN码重试")
        }
        // Unreachable server: the session may still be going on.
        Err(e @ mca_phone::PhoneError::Http(_)) => Err(e.into()),
        Err(e) => {
            forget_scan(phone);
            Err(e.into())
        }
        Ok(done) => {
            forget_scan(phone);
            print_done(&done);
            Ok(())
        }
    }
}

/// The claimed session a `scan` kept for `approve` / `refuse`.
const LAST_SCAN: &str = "last-scan.json";

fn last_scan(phone: &Phone) -> anyhow::Result<mca_phone::rp::Scanned> {
    let path = phone.state_dir().path().join(LAST_SCAN);
    let bytes =
        std::fs::read(&path).context("没有已扫描的会话：请先运行 `mca phone scan --link …`")?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} 已损坏", path.display()))
}

/// The session ended (or cannot go on): one answer per scan.
fn forget_scan(phone: &Phone) {
    let _ = std::fs::remove_file(phone.state_dir().path().join(LAST_SCAN));
}

fn print_done(done: &mca_phone::rp::Approved) {
    println!(
        "结果: {} {}",
        done.state,
        done.result.as_deref().unwrap_or_default()
    );
}
