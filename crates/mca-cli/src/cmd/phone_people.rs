//! `mca phone enterprise …` for the rest of D1, D2 and E1 (issue 12): the
//! admin grants a staff member another platform and invites people; a
//! staff member asks for another enterprise certificate; an invitee sees
//! and accepts invitations; a claimant withdraws an unpaid or rejected
//! claim. Each request is an application, paid with `mca phone pay` and
//! sealed by the admin with `seal`, like a join.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use mca_phone::Phone;
use serde_json::{Value, json};

use super::output::{beijing, print, str_of, table};
use super::phone_certs::{Choice, amount_of, option_for_years, resolve};

/// What may be authorized at a platform, as the server names it.
const PERMISSIONS: [&str; 5] = ["login", "sign", "seal", "encrypt", "decrypt"];

/// The admin's grants and invitations, staff requests, invitations.
#[derive(Subcommand)]
pub enum PeopleCommand {
    /// D2 新增授权 (admin): authorize a staff member at the chosen platform;
    /// they pay, then you seal the letter (`requests`, `seal`).
    Grant {
        /// The enterprise's id.
        #[arg(long)]
        enterprise: String,
        /// The staff member's user id (see `members`).
        #[arg(long)]
        user: String,
        /// What they may do there, comma-separated.
        #[arg(long, value_delimiter = ',', required = true, value_parser = PERMISSIONS)]
        permissions: Vec<String>,
        #[command(flatten)]
        choice: Choice,
    },
    /// E1 (staff): ask for another enterprise certificate at the chosen
    /// platform; pay it, then the admin seals it.
    RequestCertificate {
        /// The enterprise's id (see `list --json`).
        #[arg(long)]
        enterprise: String,
        /// What you ask to do there, comma-separated.
        #[arg(long, value_delimiter = ',', required = true, value_parser = PERMISSIONS)]
        permissions: Vec<String>,
        #[command(flatten)]
        choice: Choice,
    },
    /// D1 新增人员 (admin): invite a person by name and mobile number; the
    /// invitation waits for that phone's login.
    Invite {
        /// The enterprise's id.
        #[arg(long)]
        enterprise: String,
        /// Their name (their verified name must match to accept).
        #[arg(long)]
        name: String,
        /// Their mobile number.
        #[arg(long)]
        phone: String,
    },
    /// The open invitations of this phone's number.
    Invitations,
    /// Accept an invitation, asking for a certificate at the chosen
    /// platform; pay it, then the admin seals it.
    AcceptInvitation {
        /// The invitation's id (see `invitations`).
        #[arg(long)]
        invitation: String,
        /// What you ask to do there, comma-separated.
        #[arg(long, value_delimiter = ',', required = true, value_parser = PERMISSIONS)]
        permissions: Vec<String>,
        #[command(flatten)]
        choice: Choice,
    },
    /// D3 新增证书 (admin): another enterprise certificate at the chosen
    /// platform, with every permission; pay it, then seal its letter
    /// (`requests`, `seal`) with the enterprise certificate you hold.
    NewCertificate {
        /// The enterprise's id.
        #[arg(long)]
        enterprise: String,
        #[command(flatten)]
        choice: Choice,
    },
    /// D7 (admin): the letter to print, stamp and photograph for
    /// re-applying for an expired enterprise certificate (`mca phone cert
    /// renew ID --letter-photo FILE`).
    ReapplicationLetter {
        /// The expired signing certificate's id.
        id: String,
        /// Validity in years of the new certificate.
        #[arg(long, default_value_t = 1)]
        years: u64,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
    },
    /// Withdraw your unpaid or rejected claim of an enterprise.
    WithdrawClaim {
        /// The claim's application id.
        #[arg(long)]
        id: String,
    },
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn created(application: &Value, who: &str) {
    let id = str_of(application, "id");
    println!("{who}，申请编号: {id}");
    println!(
        "应付金额: {}，支付: mca phone pay {id}",
        amount_of(application)
    );
    println!("支付后由企业管理员确认并盖章，再经 CA 审核");
}

/// Runs one of these commands; `as_json` prints the server's JSON.
pub async fn run(phone: &Phone, command: PeopleCommand, as_json: bool) -> anyhow::Result<()> {
    match command {
        PeopleCommand::Grant {
            enterprise,
            user,
            permissions,
            choice,
        } => {
            let info = resolve(phone, &choice).await?;
            let application = phone
                .grant_authorization(&enterprise, &user, &info, &strs(&permissions))
                .await?;
            if as_json {
                return print(&application);
            }
            println!(
                "已为该人员新增授权，申请编号: {}；等待其支付后确认并盖章",
                str_of(&application, "id")
            );
        }
        PeopleCommand::RequestCertificate {
            enterprise,
            permissions,
            choice,
        } => {
            let info = resolve(phone, &choice).await?;
            let application = phone
                .request_enterprise_certificate(&enterprise, &info, &strs(&permissions))
                .await?;
            if as_json {
                return print(&application);
            }
            created(&application, "企业证书申请已创建");
        }
        PeopleCommand::NewCertificate { enterprise, choice } => {
            let info = resolve(phone, &choice).await?;
            let application = phone.new_enterprise_certificate(&enterprise, &info).await?;
            if as_json {
                return print(&application);
            }
            println!(
                "企业证书申请已创建，申请编号: {}",
                str_of(&application, "id")
            );
            println!(
                "应付金额: {}，支付后请用现有企业证书确认并盖章，再经 CA 审核",
                amount_of(&application)
            );
        }
        PeopleCommand::ReapplicationLetter { id, years, out } => {
            let option = option_for_years(phone, &id, years).await?;
            let pdf = phone.reapplication_letter(&id, &option).await?;
            std::fs::write(&out, pdf).with_context(|| format!("无法写入 {}", out.display()))?;
            println!(
                "授权书已保存到 {}：打印、加盖企业公章后拍照上传",
                out.display()
            );
        }
        PeopleCommand::Invite {
            enterprise,
            name,
            phone: number,
        } => {
            let invitation = phone.invite(&enterprise, &name, &number).await?;
            if as_json {
                return print(&invitation);
            }
            println!(
                "已邀请 {}（{}），该手机号登录后即可接受邀请",
                str_of(&invitation, "name"),
                str_of(&invitation, "phone_masked")
            );
        }
        PeopleCommand::Invitations => {
            let list = phone.invitations().await?;
            if as_json {
                return print(&list);
            }
            let rows: Vec<Vec<String>> = list
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| {
                    vec![
                        str_of(i, "enterprise_name").to_owned(),
                        str_of(i, "name").to_owned(),
                        beijing(&i["created_at"]),
                        str_of(i, "id").to_owned(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("没有待接受的企业邀请");
                return Ok(());
            }
            print!(
                "{}",
                table(&["企业", "受邀人", "邀请时间", "邀请编号"], &rows)
            );
        }
        PeopleCommand::AcceptInvitation {
            invitation,
            permissions,
            choice,
        } => {
            let info = resolve(phone, &choice).await?;
            let application = phone
                .accept_invitation(&invitation, &info, &strs(&permissions))
                .await?;
            if as_json {
                return print(&application);
            }
            created(&application, "已接受邀请，企业证书申请已创建");
        }
        PeopleCommand::WithdrawClaim { id } => {
            phone.withdraw_claim(&id).await?;
            if as_json {
                return print(&json!({ "withdrawn": id }));
            }
            println!("认领申请已撤回，该企业可重新认领");
        }
    }
    Ok(())
}
