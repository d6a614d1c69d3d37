//! `mca ca …`: certificate authority administration (M1, M2). The logic
//! lives in `mca_pki::ca`; this module reads options and prints.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};
use mca_pki::cert::Certificate;
use mca_pki::keystore;

#[derive(Subcommand)]
pub enum CaCommand {
    /// 创建 CA 机构的根 CA、签发 CA 与印章制作证书（私钥加密保存）。
    Init(InitArgs),
    /// 显示 CA 目录中的证书；给出口令时同时检查私钥。
    Show(ShowArgs),
}

#[derive(Args)]
pub struct InitArgs {
    /// CA organization name (O of every CA certificate).
    #[arg(long)]
    org: String,
    /// Directory to create; existing files are never overwritten.
    #[arg(long)]
    dir: PathBuf,
    /// CRL distribution point URL written into issued certificates.
    #[arg(long)]
    crl_url: Option<String>,
    /// OCSP responder URL written into issued certificates.
    #[arg(long)]
    ocsp_url: Option<String>,
    /// Root CA validity in days.
    #[arg(long, default_value_t = Lifetimes::default().root_days)]
    root_days: u32,
    /// Issuing CA validity in days.
    #[arg(long, default_value_t = Lifetimes::default().issuing_days)]
    issuing_days: u32,
    /// Seal-maker certificate validity in days.
    #[arg(long, default_value_t = Lifetimes::default().seal_days)]
    seal_days: u32,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

/// The key passphrase: from a file or `MCA_CA_PASSPHRASE`, never an argument
/// (command lines are visible to other users).
#[derive(Args)]
pub struct PassphraseArgs {
    /// File whose first line is the passphrase.
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

impl PassphraseArgs {
    fn read(&self) -> anyhow::Result<Option<String>> {
        if let Some(path) = &self.passphrase_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("无法读取口令文件 {}", path.display()))?;
            let line = text.lines().next().unwrap_or("").to_owned();
            return Ok(Some(line));
        }
        Ok(std::env::var("MCA_CA_PASSPHRASE").ok())
    }
}

pub fn run(command: CaCommand) -> anyhow::Result<()> {
    match command {
        CaCommand::Init(a) => init(a),
        CaCommand::Show(a) => show(a),
    }
}

/// Shortest passphrase accepted for CA keys.
const MIN_PASSPHRASE: usize = 12;

fn init(a: InitArgs) -> anyhow::Result<()> {
    let Some(pass) = a.passphrase.read()? else {
        bail!("需要口令：--passphrase-file 或环境变量 MCA_CA_PASSPHRASE");
    };
    if pass.chars().count() < MIN_PASSPHRASE {
        bail!("口令至少 {MIN_PASSPHRASE} 个字符");
    }
    let config = CaConfig {
        organization: a.org,
        crl_url: a.crl_url,
        ocsp_url: a.ocsp_url,
    };
    let lifetimes = Lifetimes {
        root_days: a.root_days,
        issuing_days: a.issuing_days,
        seal_days: a.seal_days,
    };
    let ca = CaHierarchy::create(config, lifetimes).context("创建 CA 失败")?;
    ca.save(&a.dir, pass.as_bytes(), keystore::DEFAULT_ROUNDS)
        .context("保存 CA 失败")?;
    println!("已创建 CA：{}", a.dir.display());
    print_certs(&[ca.root(), ca.issuing(), ca.seal_maker()]);
    Ok(())
}

fn show(a: ShowArgs) -> anyhow::Result<()> {
    if let Some(pass) = a.passphrase.read()? {
        let ca = CaHierarchy::load(&a.dir, pass.as_bytes()).context("加载 CA 失败")?;
        print_certs(&[ca.root(), ca.issuing(), ca.seal_maker()]);
        println!("私钥：已解密并与证书匹配");
        return Ok(());
    }
    let mut certs = Vec::new();
    for f in ["root.pem", "issuing.pem", "seal.pem"] {
        let path = a.dir.join(f);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("无法读取 {}", path.display()))?;
        certs.push(
            Certificate::from_pem(&text).with_context(|| format!("{} 无效", path.display()))?,
        );
    }
    print_certs(&certs.iter().collect::<Vec<_>>());
    Ok(())
}

fn print_certs(certs: &[&Certificate]) {
    for (label, c) in ["根 CA", "签发 CA", "印章制作"].iter().zip(certs) {
        let (nb, na) = c.validity();
        println!("{label}: {}", c.subject());
        println!("  序列号: {}", hex(c.serial()));
        println!("  有效期: {nb} — {na}");
        println!("  SM3 指纹: {}", hex(&mca_crypto::sm3::sm3(c.to_der())));
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mca-cli-ca-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn init_args(dir: &std::path::Path, pass_file: &std::path::Path, org: &str) -> InitArgs {
        InitArgs {
            org: org.into(),
            dir: dir.to_path_buf(),
            crl_url: Some("http://ca.example.cn/crl".into()),
            ocsp_url: None,
            root_days: 3650,
            issuing_days: 1825,
            seal_days: 365,
            passphrase: PassphraseArgs {
                passphrase_file: Some(pass_file.to_path_buf()),
            },
        }
    }

    #[test]
    fn init_show_and_bad_inputs() {
        let base = scratch();
        let good = base.join("good.txt");
        std::fs::write(&good, "a-long-enough-passphrase\n").unwrap();
        let short = base.join("short.txt");
        std::fs::write(&short, "short\n").unwrap();
        let dir = base.join("ca");

        let err = init(init_args(&dir, &short, "测试CA")).unwrap_err();
        assert!(format!("{err:#}").contains("口令至少"));
        assert!(!dir.exists(), "nothing written on a refused passphrase");
        assert!(init(init_args(&dir, &base.join("missing.txt"), "测试CA")).is_err());
        assert!(init(init_args(&dir, &good, "  ")).is_err());

        init(init_args(&dir, &good, "测试CA")).unwrap();
        let key_before = std::fs::read(dir.join("root.key.json")).unwrap();
        // A second init never overwrites keys.
        assert!(init(init_args(&dir, &good, "别的CA")).is_err());
        assert_eq!(
            std::fs::read(dir.join("root.key.json")).unwrap(),
            key_before
        );

        let show_args = |file: Option<PathBuf>| ShowArgs {
            dir: dir.clone(),
            passphrase: PassphraseArgs {
                passphrase_file: file,
            },
        };
        show(show_args(Some(good.clone()))).unwrap();
        let wrong = base.join("wrong.txt");
        std::fs::write(&wrong, "not-the-passphrase-at-all\n").unwrap();
        let err = show(show_args(Some(wrong))).unwrap_err();
        assert!(format!("{err:#}").contains("wrong passphrase"));
        let err = show(ShowArgs {
            dir: base.join("nowhere"),
            passphrase: PassphraseArgs {
                passphrase_file: Some(good),
            },
        });
        assert!(err.is_err());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
