//! `mca phone enterprise …` for joining an enterprise and for its admin
//! (issue 12, C1–C4, D1, D2): finding a claimed enterprise, asking to join
//! it with the admin's details, and — as the admin — the join requests,
//! the authorization letter and 确认并盖章, the people and the
//! authorizations, deleting either.
//!
//! Kept apart from `phone_enterprise` (the claim) so neither grows past a
//! screenful of commands; the commands appear under the same
//! `mca phone enterprise` group. A join is an application (subject
//! `agent`): it is paid with `mca phone pay` and, approved, downloaded
//! with `mca phone download`, like any other.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Subcommand;
use mca_phone::Phone;
use serde_json::{Value, json};

use super::output::{beijing, given_or_read as pin, print, str_of, table, write_file};
use super::phone_certs::{Choice, amount_of, resolve};

/// What a staff member may be authorized to do at a platform, as the
/// server names it.
const PERMISSIONS: [&str; 5] = ["login", "sign", "seal", "encrypt", "decrypt"];

/// Joining an enterprise, and what its admin does.
#[derive(Subcommand)]
pub enum JoinCommand {
    /// C1: find a claimed enterprise by its exact name and credit code (to
    /// join it).
    Lookup {
        /// 企业名称, exactly as registered.
        #[arg(long)]
        name: String,
        /// 统一社会信用代码.
        #[arg(long)]
        credit_code: String,
    },
    /// C2: ask to join an enterprise, naming its admin (their name and
    /// mobile number are the proof that you know them; 5 tries an hour),
    /// for a certificate acting for it at the chosen platform. Pay with
    /// `pay`; the admin then seals the authorization letter.
    Join {
        /// The enterprise's id (see `lookup`).
        #[arg(long)]
        enterprise: String,
        /// The admin's name.
        #[arg(long)]
        admin_name: String,
        /// The admin's mobile number.
        #[arg(long)]
        admin_phone: String,
        /// What you ask to do at the platform, comma-separated.
        #[arg(long, value_delimiter = ',', required = true, value_parser = PERMISSIONS)]
        permissions: Vec<String>,
        #[command(flatten)]
        choice: Choice,
    },
    /// C3 (admin): the join requests waiting for your seal.
    Requests {
        /// The enterprise's id (see `list --json`).
        #[arg(long)]
        enterprise: String,
    },
    /// The authorization letter (授权书, PDF) of an authorization: what
    /// `seal` signs, byte for byte.
    Letter {
        /// The authorization's id (see `requests`).
        #[arg(long)]
        authorization: String,
        /// Where to write the PDF.
        #[arg(long, default_value = "authorization-letter.pdf")]
        out: PathBuf,
    },
    /// C3 确认并盖章 (admin): sign the authorization letter with the
    /// enterprise certificate's key; the application goes to CA review.
    Seal {
        /// The authorization's id (see `requests`).
        #[arg(long)]
        authorization: String,
        /// The key of your enterprise certificate (see `keys`).
        #[arg(long)]
        key: String,
        /// The PIN (standard input if omitted).
        #[arg(long)]
        pin: Option<String>,
    },
    /// D1 (admin): the enterprise's people.
    Members {
        /// The enterprise's id.
        #[arg(long)]
        enterprise: String,
    },
    /// D1 (admin): delete a person; their enterprise certificates are
    /// revoked.
    RemoveMember {
        /// The enterprise's id.
        #[arg(long)]
        enterprise: String,
        /// The person's user id (see `members`).
        #[arg(long)]
        user: String,
    },
    /// D2 (admin): every authorization of the enterprise, deleted ones too.
    Authorizations {
        /// The enterprise's id.
        #[arg(long)]
        enterprise: String,
    },
    /// D2 (admin): delete an authorization; the certificates issued under
    /// it are revoked at once.
    DeleteAuthorization {
        /// The authorization's id (see `authorizations`).
        #[arg(long)]
        authorization: String,
    },
}

fn permission_label(name: &str) -> &str {
    match name {
        "login" => "登录",
        "sign" => "签名",
        "seal" => "签章",
        "encrypt" => "加密",
        "decrypt" => "解密",
        other => other,
    }
}

/// A JSON list of permission names in Chinese, `、`-separated.
pub(super) fn permissions_label(list: &Value) -> String {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|p| permission_label(p.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("、")
}

fn authorization_state(state: &str) -> &str {
    match state {
        "pending" => "待生效",
        "active" => "生效中",
        "deleted" => "已删除",
        "superseded" => "已续期",
        other => other,
    }
}

fn role_label(role: &str) -> &str {
    match role {
        "admin" => "管理员",
        "staff" => "办事人员",
        other => other,
    }
}

/// Platform id → name, from the catalogue: the API answers ids, people
/// read names.
async fn platform_names(phone: &Phone) -> anyhow::Result<HashMap<String, String>> {
    let catalogue = phone.catalogue().await?;
    Ok(catalogue["platforms"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (str_of(p, "id").to_owned(), str_of(p, "name").to_owned()))
        .collect())
}

/// A platform's name, or its id when the catalogue no longer has it.
fn platform_of<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map_or(id, String::as_str)
}

fn rows(list: &Value, row: impl Fn(&Value) -> Vec<String>) -> Vec<Vec<String>> {
    list.as_array().into_iter().flatten().map(row).collect()
}

/// Runs a join or admin command; `as_json` prints the server's JSON where
/// the text form is made for people.
pub async fn run(phone: &Phone, command: JoinCommand, as_json: bool) -> anyhow::Result<()> {
    match command {
        JoinCommand::Lookup { name, credit_code } => {
            let found = phone.enterprise_lookup(&name, &credit_code).await?;
            if as_json {
                return print(&found);
            }
            let id = str_of(&found, "id");
            println!(
                "找到企业: {}（{}），企业编号: {id}",
                str_of(&found, "name"),
                str_of(&found, "credit_code")
            );
            println!(
                "申请加入: mca phone enterprise join --enterprise {id} --admin-name 管理员姓名 --admin-phone 管理员手机号 --permissions login,sign --ca 发证机构简称"
            );
        }
        JoinCommand::Join {
            enterprise,
            admin_name,
            admin_phone,
            permissions,
            choice,
        } => {
            let info = resolve(phone, &choice).await?;
            let permissions: Vec<&str> = permissions.iter().map(String::as_str).collect();
            let application = phone
                .join_enterprise(&enterprise, &admin_name, &admin_phone, &info, &permissions)
                .await?;
            if as_json {
                return print(&application);
            }
            let id = str_of(&application, "id");
            println!("加入企业申请已创建，申请编号: {id}");
            println!(
                "应付金额: {}，支付: mca phone pay {id}",
                amount_of(&application)
            );
            println!("支付后由企业管理员确认并盖章，再经 CA 审核");
        }
        JoinCommand::Requests { enterprise } => {
            let list = phone.join_requests(&enterprise).await?;
            if as_json {
                return print(&list);
            }
            let names = platform_names(phone).await?;
            let rows = rows(&list, |r| {
                let a = &r["authorization"];
                vec![
                    str_of(r, "applicant_name").to_owned(),
                    str_of(r, "applicant_phone_masked").to_owned(),
                    platform_of(&names, str_of(a, "platform_id")).to_owned(),
                    permissions_label(&a["permissions"]),
                    str_of(a, "id").to_owned(),
                ]
            });
            if rows.is_empty() {
                println!("没有等待盖章的加入企业申请");
                return Ok(());
            }
            print!(
                "{}",
                table(&["申请人", "手机号", "交易平台", "权限", "授权编号"], &rows)
            );
            println!(
                "查看授权书: mca phone enterprise letter --authorization 授权编号；确认并盖章: mca phone enterprise seal --authorization 授权编号 --key 企业证书密钥"
            );
        }
        JoinCommand::Letter { authorization, out } => {
            let pdf = phone.authorization_letter(&authorization).await?;
            write_file(&out, &pdf)?;
            // The SM3 lets the admin see that `seal` signs these bytes.
            let sm3 = hex::encode(mca_crypto::sm3::sm3(&pdf));
            if as_json {
                return print(&json!({ "out": out, "sm3": sm3 }));
            }
            println!("授权书已保存到 {}（SM3 {sm3}）", out.display());
        }
        JoinCommand::Seal {
            authorization,
            key,
            pin: given,
        } => {
            let pin = pin(given, "证书PIN码")?;
            let sealed = phone.seal_authorization(&authorization, &key, &pin).await?;
            if as_json {
                return print(&sealed);
            }
            println!(
                "已确认并盖章（授权书 SM3 {}），申请已提交 CA 审核",
                str_of(&sealed, "letter_sm3")
            );
        }
        JoinCommand::Members { enterprise } => {
            let list = phone.enterprise_members(&enterprise).await?;
            if as_json {
                return print(&list);
            }
            let rows = rows(&list, |m| {
                vec![
                    str_of(m, "name").to_owned(),
                    str_of(m, "phone_masked").to_owned(),
                    role_label(str_of(m, "role")).to_owned(),
                    beijing(&m["since"]),
                    str_of(m, "user_id").to_owned(),
                ]
            });
            print!(
                "{}",
                table(&["姓名", "手机号", "角色", "加入时间", "用户编号"], &rows)
            );
        }
        JoinCommand::RemoveMember { enterprise, user } => {
            phone.remove_member(&enterprise, &user).await?;
            if as_json {
                return print(&json!({ "removed": user }));
            }
            println!("已删除该人员，其企业证书已吊销");
        }
        JoinCommand::Authorizations { enterprise } => {
            let list = phone.enterprise_authorizations(&enterprise).await?;
            if as_json {
                return print(&list);
            }
            let names = platform_names(phone).await?;
            // Holders by name where they are still members; a deleted
            // person is shown by user id, the history keeps them.
            let members = phone.enterprise_members(&enterprise).await?;
            let holders: HashMap<&str, &str> = members
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| (str_of(m, "user_id"), str_of(m, "name")))
                .collect();
            let rows = rows(&list, |a| {
                let user = str_of(a, "user_id");
                vec![
                    str_of(a, "id").to_owned(),
                    holders.get(user).copied().unwrap_or(user).to_owned(),
                    platform_of(&names, str_of(a, "platform_id")).to_owned(),
                    permissions_label(&a["permissions"]),
                    authorization_state(str_of(a, "state")).to_owned(),
                ]
            });
            print!(
                "{}",
                table(&["授权编号", "持有人", "交易平台", "权限", "状态"], &rows)
            );
        }
        JoinCommand::DeleteAuthorization { authorization } => {
            phone.delete_authorization(&authorization).await?;
            if as_json {
                return print(&json!({ "deleted": authorization }));
            }
            println!("授权已删除，依该授权签发的企业证书已吊销");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_roles_and_permissions_in_chinese() {
        assert_eq!(authorization_state("pending"), "待生效");
        assert_eq!(authorization_state("active"), "生效中");
        assert_eq!(authorization_state("deleted"), "已删除");
        assert_eq!(role_label("staff"), "办事人员");
        assert_eq!(
            permissions_label(&json!(["login", "sign", "seal"])),
            "登录、签名、签章"
        );
    }

    #[test]
    fn an_unknown_platform_shows_its_id() {
        let names = HashMap::from([("p1".to_owned(), "浙江省公共资源交易中心".to_owned())]);
        assert_eq!(platform_of(&names, "p1"), "浙江省公共资源交易中心");
        assert_eq!(platform_of(&names, "p2"), "p2");
    }
}
