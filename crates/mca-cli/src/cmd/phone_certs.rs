//! `mca phone …` for personal certificates (issue 5): apply, pay,
//! resubmit, download, sign, decrypt, PIN, unlock, forgotten PIN, recovery,
//! renewal, revocation.
//!
//! PINs, like passwords, may be given as options for scripting; left out
//! they are read from standard input.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use mca_phone::phone::Purpose;
use mca_phone::{CertificateInfo, Phone};
use serde_json::{Value, json};

use super::output::{
    given_or_read as pin, print, read_file, read_secret, str_of, write_file, yuan,
};

/// The certificate commands of the phone.
#[derive(Subcommand)]
pub enum CertCommand {
    /// Download the application form (申请表) filled in for a CA and
    /// validity, to print, sign and photograph (D4).
    ApplicationForm {
        #[command(flatten)]
        choice: Choice,
        /// Where to write the PDF.
        #[arg(long, default_value = "application-form.pdf")]
        out: PathBuf,
    },
    /// Apply for a personal certificate (D4): the photographed signed
    /// form and a handwritten signature (PNG; generated from the name if
    /// left out). Pay with `pay`.
    Apply {
        #[command(flatten)]
        choice: Choice,
        /// Photo of the signed application form (JPEG or PNG).
        #[arg(long)]
        form_photo: PathBuf,
        /// Handwritten signature (PNG).
        #[arg(long)]
        signature: Option<PathBuf>,
    },
    /// List the applications and their state.
    Applications,
    /// Pay an application's order; paid, it goes to CA review.
    Pay {
        /// Application id.
        id: String,
    },
    /// After "证书申请失败": new pictures, submitted again (no new fee).
    Resubmit {
        /// Application id.
        id: String,
        /// Photo of the signed application form.
        #[arg(long)]
        form_photo: PathBuf,
        /// Handwritten signature (PNG).
        #[arg(long)]
        signature: Option<PathBuf>,
    },
    /// Download an approved application's certificates over the air (M6)
    /// and set the certificate PIN.
    Download {
        /// Application id.
        id: String,
        /// The new PIN (standard input if omitted).
        #[arg(long)]
        pin: Option<String>,
    },
    /// The keys on this phone and at the server.
    Keys,
    /// One certificate with its issuing CA.
    Certificate {
        /// Certificate id (see `certificates`).
        id: String,
        /// Also write the certificate (PEM) here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sign with a key (two-party SM2, standard ID); prints the DER
    /// signature in hex.
    Sign {
        /// Key id (see `keys`).
        #[arg(long)]
        key: String,
        /// The text to sign.
        #[arg(long, conflicts_with = "input")]
        message: Option<String>,
        /// A file to sign.
        #[arg(long = "in")]
        input: Option<PathBuf>,
        /// Also write the DER signature here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The PIN (standard input if omitted).
        #[arg(long)]
        pin: Option<String>,
    },
    /// Open a GM/T 0010 digital envelope (EnvelopedData, DER) addressed to
    /// the key's encryption certificate (blinded two-party decryption).
    Decrypt {
        /// Key id.
        #[arg(long)]
        key: String,
        /// The envelope.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the content (standard output if omitted).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The PIN (standard input if omitted).
        #[arg(long)]
        pin: Option<String>,
    },
    /// Change the certificate PIN (I3): the old PIN and an SMS code.
    ChangePin {
        /// Key id.
        #[arg(long)]
        key: String,
        /// Current PIN.
        #[arg(long)]
        old: String,
        /// New PIN.
        #[arg(long)]
        new: String,
        #[command(flatten)]
        code: CodeArgs,
    },
    /// Unlock a key locked by 5 wrong PINs: SMS code + face check (§4).
    Unlock {
        /// Key id.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        check: Reverify,
    },
    /// Forgot the PIN (I3): SMS code + face check, new keys under a new
    /// PIN; the encryption key is re-split, old envelopes still open.
    ForgotPin {
        /// Key id.
        #[arg(long)]
        key: String,
        /// The new PIN.
        #[arg(long)]
        new_pin: Option<String>,
        #[command(flatten)]
        check: Reverify,
    },
    /// Recover a certificate on this (new) phone (G1): pay, SMS code,
    /// face check; the old phone's keys are reported lost and revoked.
    Recover {
        /// The key id on the old phone (see `keys`).
        #[arg(long)]
        key: String,
        /// The PIN on this phone.
        #[arg(long)]
        pin: Option<String>,
        #[command(flatten)]
        check: Reverify,
    },
    /// Renew a signing certificate near its end (D6), or apply again after
    /// it expired (D8): a new application to pay and review.
    Renew {
        /// Signing certificate id.
        id: String,
        /// Validity in years of the new certificate.
        #[arg(long, default_value_t = 1)]
        years: u64,
        /// D7 (the admin's expired enterprise certificate): the photo of
        /// the stamped re-application letter (`enterprise
        /// reapplication-letter`).
        #[arg(long)]
        letter_photo: Option<PathBuf>,
    },
    /// Revoke a certificate.
    Revoke {
        /// Certificate id.
        id: String,
        /// cessation_of_operation (default), key_compromise or
        /// affiliation_changed.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Which certificate: a CA of the catalogue and a validity.
#[derive(clap::Args)]
pub struct Choice {
    /// The CA's short name (e.g. ZJCA; see `catalogue`).
    #[arg(long)]
    ca: String,
    /// Validity in years.
    #[arg(long, default_value_t = 1)]
    years: u64,
    /// The trading platform's id (default: the catalogue's first platform).
    #[arg(long)]
    platform_id: Option<String>,
}

/// An SMS code: given, fetched (development), or sent and typed in.
#[derive(clap::Args)]
pub struct CodeArgs {
    /// The SMS code, if already received.
    #[arg(long)]
    code: Option<String>,
    /// Development servers only: fetch the code from /api/dev.
    #[arg(long)]
    dev_code: bool,
}

/// An SMS code and a fresh face check.
#[derive(clap::Args)]
pub struct Reverify {
    #[command(flatten)]
    code: CodeArgs,
    /// Development servers only: make the face check pass or fail.
    #[arg(long, value_parser = ["pass", "fail"])]
    dev_face: Option<String>,
}

/// The catalogue ids of a choice.
pub(super) async fn resolve(phone: &Phone, choice: &Choice) -> anyhow::Result<CertificateInfo> {
    let catalogue = phone.catalogue().await?;
    let list = |key: &str| catalogue[key].as_array().cloned().unwrap_or_default();
    let ca = list("ca_organizations")
        .into_iter()
        .find(|c| str_of(c, "short_name").eq_ignore_ascii_case(&choice.ca))
        .with_context(|| {
            format!(
                "目录中没有发证机构 {}（见 `mca phone catalogue`）",
                choice.ca
            )
        })?;
    let option = list("validity_options")
        .into_iter()
        .find(|v| v["ca_id"] == ca["id"] && v["years"].as_u64() == Some(choice.years))
        .with_context(|| format!("{} 不提供 {} 年期的证书", choice.ca, choice.years))?;
    let platform = list("platforms")
        .into_iter()
        .find(|p| {
            choice
                .platform_id
                .as_deref()
                .is_none_or(|id| str_of(p, "id") == id)
        })
        .context("目录中没有这个交易平台")?;
    Ok(CertificateInfo {
        province_id: str_of(&platform, "province_id").to_owned(),
        platform_id: str_of(&platform, "id").to_owned(),
        ca_id: str_of(&ca, "id").to_owned(),
        validity_option_id: str_of(&option, "id").to_owned(),
    })
}

/// An SMS code (certificate-key purpose) and a passed face check: the
/// reverification id and the code.
async fn reverify(phone: &Phone, check: Reverify) -> anyhow::Result<(String, String)> {
    let reverification = match check.dev_face.as_deref() {
        Some(outcome) => phone.reverify(Some(outcome == "pass")).await?,
        None => {
            let id = phone.reverify(None).await?;
            read_secret("请在手机上完成人脸识别，完成后按回车继续（输入 y）")?;
            id
        }
    };
    let code = sms_code(phone, Purpose::CertificateKey, check.code).await?;
    Ok((reverification, code))
}

/// The SMS code for `purpose`: as given, or sent to the account's number
/// and then fetched (development) or typed in.
async fn sms_code(phone: &Phone, purpose: Purpose, args: CodeArgs) -> anyhow::Result<String> {
    if let Some(code) = args.code {
        return Ok(code);
    }
    let number = phone
        .session()
        .map(|s| s.phone.clone())
        .context("尚未登录：请先运行 `mca phone login`")?;
    phone.send_code(&number, purpose).await?;
    eprintln!("验证码已发送至 {number}");
    if args.dev_code {
        Ok(phone.dev_code(&number).await?)
    } else {
        read_secret("验证码")
    }
}

fn print_key(key: &mca_phone::StoredKey) -> anyhow::Result<()> {
    let serial = |pem: &Option<String>| {
        pem.as_deref()
            .and_then(|p| mca_pki::cert::Certificate::from_pem(p).ok())
            .map(|c| hex::encode(c.serial()))
    };
    print(&json!({
        "key_id": key.key_id,
        "application_id": key.application_id,
        "signing_certificate_serial": serial(&key.signing_certificate),
        "encryption_certificate_serial": serial(&key.encryption_certificate),
    }))
}

/// What an application costs: its order's amount, else the fee.
pub(super) fn amount_of(application: &Value) -> String {
    let fen = application["order"]["amount_fen"]
        .as_i64()
        .or_else(|| application["fee_fen"].as_i64())
        .unwrap_or_default();
    yuan(fen)
}

/// `pay`: the amount first, so nobody pays without knowing how much.
async fn pay(phone: &Phone, id: &str, as_json: bool) -> anyhow::Result<()> {
    let amount = amount_of(&phone.application(id).await?);
    // With --json the amount goes to standard error: standard output stays
    // one JSON document.
    if as_json {
        eprintln!("应付金额: {amount}");
        return print(&phone.pay(id).await?);
    }
    println!("应付金额: {amount}");
    let paid = phone.pay(id).await?;
    match str_of(&paid, "state") {
        "submitted" => println!("已支付 {amount}，申请已提交 CA 审核"),
        // A join waits for the enterprise admin's seal before the CA.
        "awaiting_admin" => println!("已支付 {amount}，等待企业管理员确认并盖章"),
        state => println!(
            "支付结果: {}（申请状态 {state}）",
            str_of(&paid["order"], "state")
        ),
    }
    Ok(())
}

/// Runs a certificate command; `as_json` prints the server's JSON where
/// The id of the validity option of `years` at the CA of certificate `id`.
pub(crate) async fn option_for_years(
    phone: &Phone,
    id: &str,
    years: u64,
) -> anyhow::Result<String> {
    let detail = phone.certificate(id).await?;
    let catalogue = phone.catalogue().await?;
    let option = catalogue["validity_options"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["ca_id"] == detail["ca_id"] && v["years"].as_u64() == Some(years))
        .with_context(|| format!("该发证机构不提供 {years} 年期的证书"))?;
    Ok(str_of(option, "id").to_owned())
}

/// the text form is made for people.
pub async fn run(phone: &Phone, command: CertCommand, as_json: bool) -> anyhow::Result<()> {
    match command {
        CertCommand::ApplicationForm { choice, out } => {
            let info = resolve(phone, &choice).await?;
            write_file(&out, &phone.application_form(&info).await?)?;
            println!("申请表已保存到 {}，请打印、签字并拍照上传", out.display());
        }
        CertCommand::Apply {
            choice,
            form_photo,
            signature,
        } => {
            // Local files first: a missing photo fails before any request.
            let photo = read_file(&form_photo)?;
            let signature = signature.as_deref().map(read_file).transpose()?;
            let info = resolve(phone, &choice).await?;
            let application = phone.apply(&info, &photo, signature.as_deref()).await?;
            if as_json {
                print(&application)?;
            } else {
                let id = str_of(&application, "id");
                println!("申请已创建，申请编号: {id}");
                println!(
                    "应付金额: {}，支付: mca phone pay {id}",
                    amount_of(&application)
                );
            }
        }
        CertCommand::Applications => print(&phone.applications().await?)?,
        CertCommand::Pay { id } => pay(phone, &id, as_json).await?,
        CertCommand::Resubmit {
            id,
            form_photo,
            signature,
        } => {
            let photo = read_file(&form_photo)?;
            let signature = signature.as_deref().map(read_file).transpose()?;
            print(&phone.resubmit(&id, &photo, signature.as_deref()).await?)?;
        }
        CertCommand::Download { id, pin: given } => {
            let pin = pin(given, "设置证书PIN码")?;
            let key = phone.download(&id, &pin).await?;
            print_key(&key)?;
        }
        CertCommand::Keys => {
            let local: Vec<Value> = phone
                .state_dir()
                .keys()?
                .iter()
                .map(|k| json!({"key_id": k.key_id, "application_id": k.application_id}))
                .collect();
            print(&json!({ "on_this_phone": local, "at_server": phone.keys().await? }))?;
        }
        CertCommand::Certificate { id, out } => {
            let detail = phone.certificate(&id).await?;
            if let Some(out) = out {
                write_file(&out, str_of(&detail, "pem").as_bytes())?;
            }
            print(&detail)?;
        }
        CertCommand::Sign {
            key,
            message,
            input,
            out,
            pin: given,
        } => {
            let data = match (message, input) {
                (Some(m), None) => m.into_bytes(),
                (None, Some(path)) => read_file(&path)?,
                _ => bail!("请给出 --message 或 --in 之一"),
            };
            let pin = pin(given, "证书PIN码")?;
            let signature = phone.sign(&key, &pin, &data).await?;
            if let Some(out) = out {
                write_file(&out, &signature)?;
            }
            println!("{}", hex::encode(signature));
        }
        CertCommand::Decrypt {
            key,
            input,
            out,
            pin: given,
        } => {
            let envelope = read_file(&input)?;
            let pin = pin(given, "证书PIN码")?;
            let content = phone.open_envelope(&key, &pin, &envelope).await?;
            match out {
                Some(out) => write_file(&out, &content)?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&content)?;
                }
            }
        }
        CertCommand::ChangePin {
            key,
            old,
            new,
            code,
        } => {
            let code = sms_code(phone, Purpose::PinChange, code).await?;
            phone.change_pin(&key, &code, &old, &new).await?;
            println!("证书PIN码已修改");
        }
        CertCommand::Unlock { key, check } => {
            let (reverification, code) = reverify(phone, check).await?;
            phone.unlock(&key, &reverification, &code).await?;
            println!("证书密钥已解锁");
        }
        CertCommand::ForgotPin {
            key,
            new_pin,
            check,
        } => {
            let (reverification, code) = reverify(phone, check).await?;
            let pin = pin(new_pin, "新的证书PIN码")?;
            let key = phone
                .rekey(&key, &reverification, &code, None, &pin)
                .await?;
            print_key(&key)?;
        }
        CertCommand::Recover {
            key,
            pin: given,
            check,
        } => {
            let order = phone.pay_recovery().await?;
            let (reverification, code) = reverify(phone, check).await?;
            let pin = pin(given, "证书PIN码")?;
            let key = phone
                .rekey(&key, &reverification, &code, Some(&order), &pin)
                .await?;
            print_key(&key)?;
        }
        CertCommand::Renew {
            id,
            years,
            letter_photo,
        } => {
            let option = option_for_years(phone, &id, years).await?;
            let photo = match letter_photo {
                Some(path) => Some(
                    std::fs::read(&path).with_context(|| format!("无法读取 {}", path.display()))?,
                ),
                None => None,
            };
            let application = phone.renew(&id, &option, photo.as_deref()).await?;
            print(&application)?;
        }
        CertCommand::Revoke { id, reason } => {
            print(&phone.revoke(&id, reason.as_deref()).await?)?;
        }
    }
    Ok(())
}
