//! `mca phone enterprise …`: claiming an enterprise (B1–B6) from the
//! command-line phone — the enterprise form, the claim, 重新申请 after a
//! rejection, and the user's enterprises. Joining one and the admin's
//! commands (C1–C4, D1, D2) are `phone_join`'s and the grants, staff
//! requests and invitations `phone_people`'s, in the same group.
//!
//! A claim is an application (subject `enterprise`), so it is paid
//! (`mca phone pay`) and downloaded (`mca phone download`) with the
//! personal commands; only what differs lives here. The certificate choice
//! is `phone_certs`' so both kinds of application are chosen alike.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use mca_phone::{EnterpriseInfo, Phone};
use serde_json::Value;

use super::output::{print, read_file, str_of, table, write_file};
use super::phone_certs::{Choice, amount_of, resolve};

/// The enterprise commands of the phone.
#[derive(Subcommand)]
pub enum EnterpriseCommand {
    /// Download the enterprise application form (B3) filled in with the
    /// enterprise, you as the person handling it and the certificate: to
    /// print, sign, stamp with the enterprise's seal and photograph.
    ClaimForm {
        #[command(flatten)]
        choice: Choice,
        #[command(flatten)]
        enterprise: EnterpriseFields,
        /// Where to write the PDF.
        #[arg(long, default_value = "enterprise-application-form.pdf")]
        out: PathBuf,
    },
    /// Show the seal found in the photo of the stamped form (B3), as the
    /// claim will keep it: check it before claiming, or photograph again.
    SealPreview {
        /// Photo of the signed form bearing the enterprise's seal (JPEG or
        /// PNG).
        #[arg(long)]
        form_photo: PathBuf,
        /// Where to write the seal picture (a transparent PNG).
        #[arg(long, default_value = "seal.png")]
        out: PathBuf,
    },
    /// Claim an enterprise (B1–B4): its details, the business licence and
    /// the signed, stamped form. Pay with `pay`; once the CA approves,
    /// `download` makes you the enterprise's admin.
    Claim {
        #[command(flatten)]
        choice: Choice,
        #[command(flatten)]
        enterprise: EnterpriseFields,
        #[command(flatten)]
        pictures: ClaimPictures,
    },
    /// After "证书申请失败": the claim with everything edited, submitted
    /// again (no new fee; the certificate choice stays as paid).
    ResubmitClaim {
        /// The claim's application id.
        id: String,
        #[command(flatten)]
        enterprise: EnterpriseFields,
        #[command(flatten)]
        pictures: ClaimPictures,
    },
    /// The enterprises you administer, work for, or are claiming.
    List,
    #[command(flatten)]
    Join(super::phone_join::JoinCommand),
    #[command(flatten)]
    People(super::phone_people::PeopleCommand),
}

/// What B1 asks about the enterprise.
#[derive(Args)]
pub struct EnterpriseFields {
    /// 企业名称, as on the business licence.
    #[arg(long)]
    name: String,
    /// 统一社会信用代码 (18 characters).
    #[arg(long)]
    credit_code: String,
    /// 法定代表人's name.
    #[arg(long)]
    legal_rep: String,
    /// The legal representative's 18-character resident ID number.
    #[arg(long)]
    legal_rep_id: String,
}

impl From<EnterpriseFields> for EnterpriseInfo {
    fn from(f: EnterpriseFields) -> Self {
        EnterpriseInfo {
            name: f.name,
            credit_code: f.credit_code,
            legal_representative: f.legal_rep,
            legal_representative_id_number: f.legal_rep_id,
        }
    }
}

/// The pictures of a claim (B3).
#[derive(Args)]
pub struct ClaimPictures {
    /// Photo of the business licence (营业执照; JPEG or PNG).
    #[arg(long)]
    licence: PathBuf,
    /// Photo of the signed form bearing the enterprise's seal (JPEG or
    /// PNG).
    #[arg(long)]
    form_photo: PathBuf,
}

impl ClaimPictures {
    /// Both files' bytes, read before any request so a missing photo
    /// fails without touching the server.
    fn read(&self) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
        Ok((read_file(&self.licence)?, read_file(&self.form_photo)?))
    }
}

fn state_label(state: &str) -> &str {
    match state {
        "claiming" => "认领中",
        "claimed" => "已认领",
        other => other,
    }
}

fn role_label(role: &Value) -> &str {
    match role.as_str() {
        Some("admin") => "管理员",
        Some("staff") => "办事人员",
        Some(other) => other,
        // The claimant has no role until the certificate is downloaded.
        None => "—",
    }
}

fn print_enterprises(list: &Value) {
    let rows: Vec<Vec<String>> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            vec![
                str_of(e, "name").to_owned(),
                str_of(e, "credit_code").to_owned(),
                state_label(str_of(e, "state")).to_owned(),
                role_label(&e["role"]).to_owned(),
                // What the join and admin commands take as --enterprise.
                str_of(e, "id").to_owned(),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!(
            "没有企业：认领企业用 `mca phone enterprise claim`，加入企业用 `mca phone enterprise lookup` 和 `join`"
        );
        return;
    }
    print!(
        "{}",
        table(
            &["企业名称", "统一社会信用代码", "状态", "角色", "企业编号"],
            &rows
        )
    );
}

/// Runs an enterprise command; `as_json` prints the server's JSON where
/// the text form is made for people.
pub async fn run(phone: &Phone, command: EnterpriseCommand, as_json: bool) -> anyhow::Result<()> {
    match command {
        EnterpriseCommand::ClaimForm {
            choice,
            enterprise,
            out,
        } => {
            let info = resolve(phone, &choice).await?;
            let pdf = phone
                .enterprise_claim_form(&info, &enterprise.into())
                .await?;
            write_file(&out, &pdf)?;
            println!(
                "企业申请表已保存到 {}，请打印、签字并加盖企业公章后拍照上传",
                out.display()
            );
        }
        EnterpriseCommand::SealPreview { form_photo, out } => {
            let photo = read_file(&form_photo)?;
            let seal = phone.seal_preview(&photo).await?;
            write_file(&out, &seal)?;
            println!(
                "印章图片已保存到 {}，请确认印章完整清晰后再认领",
                out.display()
            );
        }
        EnterpriseCommand::Claim {
            choice,
            enterprise,
            pictures,
        } => {
            let (licence, form) = pictures.read()?;
            let info = resolve(phone, &choice).await?;
            let application = phone
                .claim_enterprise(&info, &enterprise.into(), &licence, &form)
                .await?;
            if as_json {
                return print(&application);
            }
            let id = str_of(&application, "id");
            println!("认领申请已创建，申请编号: {id}");
            println!(
                "应付金额: {}，支付: mca phone pay {id}",
                amount_of(&application)
            );
            println!("审核通过后下载证书，即成为企业管理员: mca phone download {id}");
        }
        EnterpriseCommand::ResubmitClaim {
            id,
            enterprise,
            pictures,
        } => {
            let (licence, form) = pictures.read()?;
            let application = phone
                .resubmit_claim(&id, &enterprise.into(), &licence, &form)
                .await?;
            if as_json {
                return print(&application);
            }
            println!(
                "认领申请已重新提交 CA 审核（第 {} 次提交）",
                application["submissions"]
            );
        }
        EnterpriseCommand::List => {
            let list = phone.enterprises().await?;
            if as_json {
                print(&list)?;
            } else {
                print_enterprises(&list);
            }
        }
        EnterpriseCommand::Join(command) => {
            return super::phone_join::run(phone, command, as_json).await;
        }
        EnterpriseCommand::People(command) => {
            return super::phone_people::run(phone, command, as_json).await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_shows_states_and_roles_in_chinese() {
        assert_eq!(state_label("claiming"), "认领中");
        assert_eq!(state_label("claimed"), "已认领");
        assert_eq!(role_label(&json!("admin")), "管理员");
        assert_eq!(role_label(&json!("staff")), "办事人员");
        assert_eq!(role_label(&Value::Null), "—");
    }
}
