//! Refused pictures say why: each reason (size, format, pixels, corrupt,
//! blank) is a 422 `invalid_upload` problem with a `reason` member and a
//! Chinese `detail` stating the real limit; nothing is stored. The OpenAPI
//! document states the same limits, from the same constants.

mod support;

use base64::Engine;
use mca_phone::phone::APP;
use mca_phone::{Phone, Tamper};
use mca_store::scratch::Scratch;
use reqwest::Method;
use serde_json::{Value, json};
use support::TestServer;

fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|_| rgba).collect();
        writer.write_image_data(&data).unwrap();
    }
    out
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The first platform's province, ZJCA, its first validity option.
async fn info(phone: &Phone) -> Value {
    let cat = phone.catalogue().await.unwrap();
    let ca = cat["ca_organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["short_name"] == "ZJCA")
        .unwrap()
        .clone();
    let option = cat["validity_options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["ca_id"] == ca["id"])
        .unwrap()
        .clone();
    let platform = &cat["platforms"][0];
    json!({
        "province_id": platform["province_id"],
        "platform_id": platform["id"],
        "ca_id": ca["id"],
        "validity_option_id": option["id"],
    })
}

#[tokio::test]
async fn each_refusal_says_why() {
    let scratch = Scratch::sqlite().await.unwrap();
    let server = TestServer::start_with_cas(&scratch.db).await;
    let phone = server.registered("13800138000").await;
    phone
        .submit_identity("张三", "11010519491231002X")
        .await
        .unwrap();
    phone.verify_face(Some(true)).await.unwrap();
    let info = info(&phone).await;
    let photo = png(600, 800, [240, 200, 240, 255]);
    let ink = png(300, 100, [0, 0, 0, 255]);
    let mut truncated = photo.clone();
    truncated.truncate(truncated.len() - 20);
    let jpeg_header = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    let mut too_large = vec![0xFF, 0xD8, 0xFF];
    too_large.resize(mca_forms::form_photo::MAX_UPLOAD_BYTES + 512 * 1024, 0);

    let cases: [(&[u8], &[u8], &str, &str); 6] = [
        (
            &too_large,
            &ink,
            "too_large",
            "申请书照片过大：10.5 MB，上限 10 MB",
        ),
        (
            b"GIF89a......",
            &ink,
            "unsupported_format",
            "申请书照片格式不支持：仅接受 JPEG 或 PNG",
        ),
        (
            &png(599, 800, [240, 240, 240, 255]),
            &ink,
            "bad_dimensions",
            "申请书照片尺寸不符：599×800 像素，须在 600×600 至 8192×8192 像素之间，且总像素不超过 25000000",
        ),
        (&truncated, &ink, "corrupt", "申请书照片已损坏，无法读取"),
        (
            &photo,
            &jpeg_header,
            "unsupported_format",
            "签名图片格式不支持：仅接受 PNG",
        ),
        (
            &photo,
            &png(300, 100, [255, 255, 255, 255]),
            "blank",
            "签名图片是空白的，请重新签名",
        ),
    ];
    for (form_photo, signature, reason, detail) in cases {
        let mut body = info.clone();
        body["form_photo"] = json!(b64(form_photo));
        body["signature"] = json!(b64(signature));
        let reply = phone
            .client()
            .signed_raw(
                Method::POST,
                &format!("{APP}/me/applications"),
                Some(serde_json::to_vec(&body).unwrap()),
                Tamper::default(),
            )
            .await
            .unwrap();
        let p = &reply.body;
        assert_eq!(
            (reply.status, p["code"].as_str(), p["reason"].as_str()),
            (422, Some("invalid_upload"), Some(reason)),
            "{p}"
        );
        assert_eq!(p["type"], "urn:mca:problem:invalid_upload");
        assert_eq!(p["title"], "上传的图片不符合要求");
        assert_eq!(p["detail"], detail);
    }
    // Nothing was stored; the right pictures still go through.
    assert_eq!(phone.applications().await.unwrap(), json!([]));
    let mut body = info.clone();
    body["form_photo"] = json!(b64(&photo));
    body["signature"] = json!(b64(&ink));
    let reply = phone
        .client()
        .signed_raw(
            Method::POST,
            &format!("{APP}/me/applications"),
            Some(serde_json::to_vec(&body).unwrap()),
            Tamper::default(),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 201, "{}", reply.body);
    server.finish(scratch).await;
}

#[tokio::test]
async fn the_openapi_states_the_checked_limits() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let doc: Value = server
        .http()
        .get(format!("{}/api/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fields = &doc["components"]["schemas"]["PicturesRequest"]["properties"];
    for (field, limits) in [
        ("form_photo", &mca_forms::form_photo::LIMITS),
        ("signature", &mca_forms::signature_image::LIMITS),
    ] {
        let description = fields[field]["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(&limits.describe()),
            "{field}: {description}"
        );
    }
    let form_photo = fields["form_photo"]["description"].as_str().unwrap();
    assert!(form_photo.contains("JPEG or PNG; at most 10 MB (10485760 bytes); 600×600"));
    let required = doc["components"]["schemas"]["PicturesRequest"]["required"].clone();
    assert_eq!(required, json!(["form_photo"]));
    server.finish(scratch).await;
}
