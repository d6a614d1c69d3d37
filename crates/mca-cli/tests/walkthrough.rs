//! The walk-through `mca up` prints, done as a new user does it (issue
//! 10.17): `mca up` on ports that are not the defaults, then every command
//! it printed, in order, pasted into a shell in the same directory —
//! `<…>` replaced by what an earlier command printed, the QR link read from
//! the demo platform's page. Each must succeed, or fail with the reason its
//! `# 报错:` comment gives. Along the way the readable output of issue
//! 10.18: the catalogue's prices in 元, `apply` printing the application id,
//! `pay` the amount before paying.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use support::*;

/// The welcome text of a starting `mca up`, up to its last line.
fn welcome(server: &mut Server) -> String {
    let stdout = server.0.stdout.take().unwrap();
    let mut text = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if line.starts_with("Stop with Ctrl-C") {
            break;
        }
    }
    text
}

/// The commands of the welcome text: lines starting with `mca`, `alias` or
/// `curl`, continuation lines joined; each with its comment, if any.
fn commands(welcome: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = welcome.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if !["mca ", "alias mca=", "curl "]
            .iter()
            .any(|p| line.starts_with(p))
        {
            continue;
        }
        let mut command = line.to_owned();
        while command.ends_with('\\') {
            command.pop();
            command.push(' ');
            command.push_str(lines.next().unwrap().trim());
        }
        let (command, comment) = match command.split_once(" # ") {
            Some((c, comment)) => (c.trim().to_owned(), comment.trim().to_owned()),
            None => (command, String::new()),
        };
        out.push((command, comment));
    }
    out
}

/// `line` in `sh` in `dir`, with `mca` as the alias the welcome defined.
fn shell(dir: &std::path::Path, mca: &str, line: &str) -> Output {
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir)
        .arg("-c")
        .arg(format!("mca() {{ '{mca}' \"$@\"; }}; {line}"))
        .stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("MCA_") {
            cmd.env_remove(name);
        }
    }
    cmd.output().unwrap()
}

/// What follows `label` on a line of `text`.
fn after<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.split_once(label).map(|(_, rest)| rest.trim()))
        .and_then(|rest| rest.split_whitespace().next())
}

#[test]
fn every_command_mca_up_prints_works_as_printed_on_other_ports() {
    let dir = temp_dir("walkthrough");
    let [port, demo_port] = free_ports();
    let mut cmd = mca(&dir);
    cmd.args(["up", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--demo-listen", &format!("127.0.0.1:{demo_port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = Server(cmd.spawn().unwrap());
    let printed_text = welcome(&mut server);
    wait_listening(port);
    wait_listening(demo_port);
    let demo = printed_text
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', '.']))
        .find(|w| w.starts_with("http://") && w.ends_with("/login"))
        .expect("the welcome says where to scan")
        .trim_end_matches("/login")
        .to_owned();
    assert!(demo.ends_with(&format!(":{demo_port}")), "{demo}");

    // The form photo the walk-through asks for: any picture of the form.
    png(&dir.join("photo.jpg"), 600, 800, [235, 235, 220, 255]);

    let commands = commands(&printed_text);
    assert!(commands.len() > 15, "{printed_text}");
    let mut mca_path = String::new();
    let (mut application, mut key) = (None::<String>, None::<String>);
    let mut seen = Vec::new();
    for (command, comment) in commands {
        if let Some(path) = command.strip_prefix("alias mca=") {
            mca_path = path.to_owned();
            continue;
        }
        let mut line = command.clone();
        if line.contains("<application-id>") {
            line = line.replace(
                "<application-id>",
                application.as_deref().expect("apply ran"),
            );
        }
        if line.contains("<key-id>") {
            line = line.replace("<key-id>", key.as_deref().expect("download ran"));
        }
        if line.contains("'<mca://qr?…>'") {
            // Open the login page, read the QR as the widget draws it.
            let browser = Browser::new(&demo);
            let (_, link) = browser.link(&browser.get("/login"));
            line = line.replace("'<mca://qr?…>'", &format!("'{link}'"));
        }
        assert!(!line.contains('<'), "a placeholder nothing printed: {line}");
        let out = shell(&dir, &mca_path, &line);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        match comment.strip_prefix("报错:") {
            Some(reason) => {
                assert!(!out.status.success(), "{command} should fail: {stdout}");
                assert!(stderr.contains(reason.trim()), "{command}: {stderr}");
            }
            None => assert!(
                out.status.success(),
                "{command}\nstdout: {stdout}\nstderr: {stderr}"
            ),
        }
        if command.starts_with("mca phone apply") {
            application = after(&stdout, "申请编号:").map(str::to_owned);
        }
        if command.starts_with("mca phone download") {
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            key = v["key_id"].as_str().map(str::to_owned);
        }
        seen.push((command, stdout));
    }

    let printed = |prefix: &str| {
        seen.iter()
            .find(|(c, _)| c.starts_with(prefix))
            .map(|(_, out)| out.clone())
            .unwrap_or_else(|| panic!("no `{prefix}` in the walk-through"))
    };
    // Prices in 元 in a table, not the API's fen.
    let catalogue = printed("mca phone catalogue");
    assert!(
        catalogue.contains("ZJCA") && catalogue.contains(".00 元"),
        "{catalogue}"
    );
    assert!(!catalogue.contains("price_fen"), "{catalogue}");
    // The amount is shown before the payment is made.
    let pay = printed("mca phone pay");
    let (due, paid) = (pay.find("应付金额").unwrap(), pay.find("已支付").unwrap());
    assert!(due < paid, "{pay}");
    let approved = printed("mca phone approve");
    assert!(
        approved.contains("结果: complete"),
        "the scan-login completed: {approved}"
    );
}
