//! Interop with an independent SM2 implementation (Python `gmssl`), driven
//! by `scripts/test`:
//!
//! ```sh
//! cargo run -p mca-crypto --example interop -- emit  > ours.json
//! python3 interop/check_sm2.py ours.json theirs.json   # gmssl checks ours, makes its own
//! cargo run -p mca-crypto --example interop -- check theirs.json
//! ```
//!
//! `emit` writes two-party and plain signatures, ciphertexts, and key pairs
//! for gmssl to encrypt to; `check` verifies gmssl's signatures and decrypts
//! gmssl's ciphertexts with our code. Exits non-zero on any mismatch.

use mca_crypto::sm2::{Ciphertext, Point, SecretKey, Signature};
use mca_crypto::twoparty::{phone, server};
use serde_json::{Value, json};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("emit") => emit(),
        Some("check") if args.len() == 3 => check(&args[2]),
        _ => Err("usage: interop emit | interop check FILE".into()),
    };
    if let Err(e) = result {
        eprintln!("interop: {e}");
        std::process::exit(1);
    }
}

/// gmssl 3.2.2 strips every leading '0' and '4' of a public key that starts
/// with "04" (`str.lstrip("04")`), so hand it only keys it can parse.
fn gmssl_safe(p: &Point) -> bool {
    !hex::encode(p.x()).starts_with("04")
}

fn emit() -> Result<(), String> {
    const DEVICE: &[u8] = b"interop-device-secret";
    let mut signatures = Vec::new();
    while signatures.len() < 50 {
        let (keygen, request) = phone::KeyGeneration::start().map_err(|e| e.to_string())?;
        let (mut key, response) =
            server::generate_signing_key(&request).map_err(|e| e.to_string())?;
        let (masked, p) = keygen
            .finish(&response, b"123456", DEVICE)
            .map_err(|e| e.to_string())?;
        if !gmssl_safe(&p) {
            continue;
        }
        for i in 0..5 {
            let msg = format!("两方签名 interop {} {i}", signatures.len());
            let (session, challenge) = key.begin_sign(msg.as_bytes()).map_err(|e| e.to_string())?;
            let share = masked
                .unmask(b"123456", DEVICE)
                .map_err(|e| e.to_string())?;
            let partial = share.sign(&p, &challenge).map_err(|e| e.to_string())?;
            // Refresh is not applied here, so the same share keeps working.
            let signed = key
                .finish_sign(session, &partial)
                .map_err(|e| e.to_string())?;
            signatures.push(sig_json(
                "two_party",
                &p,
                msg.as_bytes(),
                signed.signature.signature(),
            ));
        }
    }
    let mut ciphertexts = Vec::new();
    let mut recipients = Vec::new();
    while ciphertexts.len() < 10 {
        let key = SecretKey::generate().map_err(|e| e.to_string())?;
        if !gmssl_safe(key.public_key()) {
            continue;
        }
        let msg = format!("plain signature {}", signatures.len());
        let sig = key.sign(msg.as_bytes()).map_err(|e| e.to_string())?;
        signatures.push(sig_json("plain", key.public_key(), msg.as_bytes(), &sig));
        let plaintext = format!("数字信封内容密钥 {}", ciphertexts.len());
        let ct = mca_crypto::sm2::encrypt(key.public_key(), plaintext.as_bytes())
            .map_err(|e| e.to_string())?;
        ciphertexts.push(json!({
            "private_key": hex::encode(&key.to_bytes()[..]),
            "public_key": key.public_key().to_hex(),
            "plaintext": hex::encode(plaintext.as_bytes()),
            "c1c3c2": hex::encode(ct.to_c1c3c2()),
            "der": hex::encode(ct.to_der()),
        }));
        recipients.push(json!({
            "private_key": hex::encode(&key.to_bytes()[..]),
            "public_key": key.public_key().to_hex(),
        }));
    }
    let out =
        json!({ "signatures": signatures, "ciphertexts": ciphertexts, "recipients": recipients });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn sig_json(kind: &str, p: &Point, msg: &[u8], sig: &Signature) -> Value {
    json!({
        "kind": kind,
        "public_key": p.to_hex(),
        "message": hex::encode(msg),
        "signature_raw": hex::encode(sig.to_raw()),
        "signature_der": hex::encode(sig.to_der()),
    })
}

fn field<'a>(v: &'a Value, k: &str) -> Result<&'a str, String> {
    v[k].as_str().ok_or_else(|| format!("missing field {k}"))
}

fn bytes(v: &Value, k: &str) -> Result<Vec<u8>, String> {
    hex::decode(field(v, k)?).map_err(|e| format!("{k}: {e}"))
}

fn check(path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let theirs: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let (mut sigs, mut cts) = (0, 0);
    for s in theirs["signatures"].as_array().ok_or("no signatures")? {
        let p = Point::from_hex(field(s, "public_key")?).map_err(|e| e.to_string())?;
        let sig = Signature::from_raw(&bytes(s, "signature_raw")?).map_err(|e| e.to_string())?;
        let msg = bytes(s, "message")?;
        p.verify(&msg, &sig)
            .map_err(|e| format!("gmssl signature #{sigs}: {e}"))?;
        let mut tampered = msg.clone();
        tampered.push(0);
        if p.verify(&tampered, &sig).is_ok() {
            return Err("a tampered message verified".into());
        }
        sigs += 1;
    }
    for c in theirs["ciphertexts"].as_array().ok_or("no ciphertexts")? {
        let key = SecretKey::from_bytes(&bytes(c, "private_key")?).map_err(|e| e.to_string())?;
        let ct = Ciphertext::from_c1c3c2(&bytes(c, "c1c3c2")?).map_err(|e| e.to_string())?;
        let plain = ct
            .decrypt(&key)
            .map_err(|e| format!("gmssl ciphertext #{cts}: {e}"))?;
        if plain[..] != bytes(c, "plaintext")?[..] {
            return Err(format!("gmssl ciphertext #{cts} decrypted to other bytes"));
        }
        cts += 1;
    }
    if sigs == 0 || cts == 0 {
        return Err("nothing to check".into());
    }
    println!("interop: verified {sigs} gmssl signatures and decrypted {cts} gmssl ciphertexts");
    Ok(())
}
