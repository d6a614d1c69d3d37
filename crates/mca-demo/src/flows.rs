//! The demo platform's routes. Each scan flow has two halves: a page that
//! creates a Mobile CA session and mounts the widget, and `/scan/{id}/done`
//! which collects the result, verifies it with the SDK and does what the
//! scan was for.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mca_rp_sdk::sessions::{
    AuthPurpose, Envelope, EnvelopeKind, ExpectedHolder, OpeningWindow, SignItem, SignItemKind,
};
use mca_rp_sdk::{Created, Signed, UserCertificate, unix_now};
use serde::Deserialize;

use crate::html::{esc, page, scan_block, sealed_tender};
use crate::{Action, Bid, BrowserSession, Demo, Scan};

const COOKIE: &str = "mca_demo";
const WIDGET: &str = include_str!("../../../web/widget/mca-qr.js");

/// The router of the demo platform.
pub fn router(demo: Demo) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/static/mca-qr.js", get(widget))
        .route("/login", get(login_page).post(login_password))
        .route("/logout", get(logout))
        .route("/dashboard", get(dashboard))
        .route("/bind", get(bind))
        .route("/tender/seal", post(seal_tender))
        .route("/bidtool", get(bidtool))
        .route("/bidtool/bid", post(make_bid))
        .route("/bidtool/confirm/{bid}", get(confirm_upload))
        .route("/hall", get(hall))
        .route("/hall/open/{bid}", get(open_bid))
        .route("/scan/{id}/frame", get(frame))
        .route("/scan/{id}/done", get(done))
        .with_state(demo)
}

/// A failure shown as a page (the cause in words, never a secret).
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = format!(
            "<p class=\"err\">{}</p><p><a href=\"/\">返回首页</a></p>",
            esc(&self.0)
        );
        (StatusCode::BAD_REQUEST, page("操作失败", &body)).into_response()
    }
}

type Page = Result<Response, Failure>;

/// The browser's cookie, or a new one to set.
fn cookie(headers: &HeaderMap) -> (String, bool) {
    let found = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_owned)
        })
        .find(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    match found {
        Some(c) => (c, false),
        None => (
            hex::encode(mca_crypto::rand::bytes::<16>().unwrap_or_default()),
            true,
        ),
    }
}

fn with_cookie(mut response: Response, value: &str, new: bool) -> Response {
    if new {
        let set = format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Ok(v) = set.parse() {
            response.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    response
}

async fn browser(demo: &Demo, id: &str) -> BrowserSession {
    demo.memory
        .lock()
        .await
        .browsers
        .get(id)
        .cloned()
        .unwrap_or_default()
}

async fn update(demo: &Demo, id: &str, f: impl FnOnce(&mut BrowserSession)) {
    let mut memory = demo.memory.lock().await;
    f(memory.browsers.entry(id.to_owned()).or_default());
}

/// Registers a created session as a pending scan of `browser`.
async fn pending(
    demo: &Demo,
    created: &Created,
    browser: &str,
    action: Action,
) -> Result<(), Failure> {
    let scan = Scan {
        session_id: created.session_id.clone(),
        frames: created.frames()?,
        browser: browser.to_owned(),
        action,
    };
    demo.memory
        .lock()
        .await
        .scans
        .insert(created.session_id.clone(), scan);
    Ok(())
}

fn challenge() -> Result<Vec<u8>, Failure> {
    Ok(mca_rp_sdk::sessions::random_challenge()?.to_vec())
}

async fn widget() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        WIDGET,
    )
}

async fn home() -> Html<String> {
    page(
        "欢迎",
        "<p>本站演示电子招投标平台如何接入移动CA：用手机上的证书扫码登录、签章、制作与解密投标文件，无需CA锁。</p>\
<ul><li><a href=\"/login\">交易平台登录</a>（密码登录或扫码登录）</li>\
<li><a href=\"/dashboard\">交易平台</a>：扫码绑定证书、招标公告签章</li>\
<li><a href=\"/bidtool\">投标文件制作工具</a>：扫码认证、投标文件签章、生成加密投标文件、上传确认</li>\
<li><a href=\"/hall\">开标大厅</a>：扫码登录、扫码解密投标文件</li></ul>\
<p class=\"note\">演示账号：bidder1（张三）、bidder2（赵六）、企业账号 ent1（杭州示例科技有限公司，经办人王五），密码 Demo-2026</p>",
    )
}

async fn login_page(
    State(demo): State<Demo>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Page {
    let (id, new) = cookie(&headers);
    let challenge = challenge()?;
    let ip = peer.ip().to_string();
    let created = demo
        .client
        .create_auth(AuthPurpose::Login, &challenge, Some(&ip), None)
        .await?;
    pending(
        &demo,
        &created,
        &id,
        Action::Login {
            challenge,
            hall: false,
        },
    )
    .await?;
    let body = format!(
        "<h2>密码登录</h2><form method=\"post\" action=\"/login\">\
<p><label>用户名 <input name=\"username\" autocomplete=\"username\"></label></p>\
<p><label>密码 <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p>\
<p><button type=\"submit\">登录</button></p></form>\
<h2>扫码登录</h2>{}",
        scan_block(&created.session_id, "使用移动CA扫码登录交易平台")
    );
    Ok(with_cookie(page("登录", &body).into_response(), &id, new))
}

#[derive(Deserialize)]
struct PasswordLogin {
    username: String,
    password: String,
}

async fn login_password(
    State(demo): State<Demo>,
    headers: HeaderMap,
    Form(form): Form<PasswordLogin>,
) -> Page {
    let (id, new) = cookie(&headers);
    let ok = demo
        .memory
        .lock()
        .await
        .accounts
        .get(&form.username)
        .is_some_and(|a| a.password == form.password);
    if !ok {
        return Err(Failure("用户名或密码错误".into()));
    }
    update(&demo, &id, |b| b.account = Some(form.username)).await;
    Ok(with_cookie(
        Redirect::to("/dashboard").into_response(),
        &id,
        new,
    ))
}

async fn logout(State(demo): State<Demo>, headers: HeaderMap) -> Redirect {
    let (id, _) = cookie(&headers);
    demo.memory.lock().await.browsers.remove(&id);
    Redirect::to("/")
}

fn notice(b: &BrowserSession) -> String {
    b.notice
        .as_deref()
        .map(|n| format!("<p class=\"ok\">{}</p>", esc(n)))
        .unwrap_or_default()
}

async fn dashboard(State(demo): State<Demo>, headers: HeaderMap) -> Page {
    let (id, _) = cookie(&headers);
    let b = browser(&demo, &id).await;
    let Some(username) = b.account.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    let account = demo.memory.lock().await.accounts.get(&username).cloned();
    let Some(account) = account else {
        return Ok(Redirect::to("/login").into_response());
    };
    update(&demo, &id, |b| b.notice = None).await;
    let binding = match (&account.holder, &account.enterprise) {
        (Some(_), Some((name, code))) => format!(
            "企业账号：{}（统一社会信用代码 {}），已绑定企业证书",
            esc(name),
            esc(code)
        ),
        (Some(h), None) => format!("已绑定证书持有人 {}", esc(&mca_rp_sdk::mask_id_number(h))),
        (None, _) => "尚未绑定证书。<a href=\"/bind\">扫码绑定证书</a>".into(),
    };
    let body = format!(
        "{notice}<p id=\"welcome\">欢迎，{name}（{user}）。<a href=\"/logout\">退出</a></p><p>{binding}</p>\
<h2>招标公告签章</h2><form method=\"post\" action=\"/tender/seal\">\
<textarea name=\"text\">某某市政道路工程施工招标公告：招标人为某某市建设局，投标截止时间为开标当日9时30分。</textarea>\
<p><button type=\"submit\">扫码签章</button></p></form>",
        notice = notice(&b),
        name = esc(&account.display_name),
        user = esc(&account.username),
    );
    Ok(page("交易平台", &body).into_response())
}

async fn bind(State(demo): State<Demo>, headers: HeaderMap) -> Page {
    let (id, _) = cookie(&headers);
    let Some(username) = browser(&demo, &id).await.account else {
        return Ok(Redirect::to("/login").into_response());
    };
    let account = demo.memory.lock().await.accounts.get(&username).cloned();
    let Some(account) = account else {
        return Ok(Redirect::to("/login").into_response());
    };
    // The account's holder goes with the request: Mobile CA refuses
    // another person's certificate (or another enterprise's) before
    // anything is signed.
    let holder = ExpectedHolder {
        name: account.display_name,
        credit_code: account.enterprise.map(|(_, code)| code),
    };
    let challenge = challenge()?;
    let created = demo.client.create_bind(&challenge, holder, None).await?;
    pending(
        &demo,
        &created,
        &id,
        Action::Bind {
            challenge,
            username,
        },
    )
    .await?;
    Ok(page(
        "扫码绑定证书",
        &scan_block(&created.session_id, "扫码将证书绑定到当前账号"),
    )
    .into_response())
}

#[derive(Deserialize)]
struct TenderForm {
    text: String,
}

async fn seal_tender(
    State(demo): State<Demo>,
    headers: HeaderMap,
    Form(form): Form<TenderForm>,
) -> Page {
    let (id, _) = cookie(&headers);
    if browser(&demo, &id).await.account.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    let items = vec![SignItem::seal("招标公告", form.text.as_bytes())];
    let created = demo.client.create_sign(items, None).await?;
    pending(&demo, &created, &id, Action::SealTender { text: form.text }).await?;
    Ok(page(
        "招标公告签章",
        &scan_block(&created.session_id, "扫码为招标公告加盖电子签章"),
    )
    .into_response())
}

async fn bidtool(State(demo): State<Demo>, headers: HeaderMap) -> Page {
    let (id, new) = cookie(&headers);
    let b = browser(&demo, &id).await;
    let Some((holder, name, _)) = b.bidder.clone() else {
        let challenge = challenge()?;
        let created = demo.client.create_cert(&challenge, None).await?;
        pending(&demo, &created, &id, Action::BidAuth { challenge }).await?;
        let body = scan_block(&created.session_id, "扫码认证投标人，并获取加密证书");
        return Ok(with_cookie(
            page("投标文件制作工具", &body).into_response(),
            &id,
            new,
        ));
    };
    update(&demo, &id, |b| b.notice = None).await;
    let bids = demo.memory.lock().await.bids.clone();
    let rows: String = bids
        .iter()
        .enumerate()
        .filter(|(_, bid)| bid.holder == holder)
        .map(|(i, bid)| {
            let state = if bid.confirmed {
                "已确认".to_owned()
            } else {
                format!("<a href=\"/bidtool/confirm/{i}\">扫码确认上传回执</a>")
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{state}</td></tr>",
                esc(&bid.file_name),
                esc(&bid.receipt)
            )
        })
        .collect();
    let body = format!(
        "{notice}<p>投标人：{name}</p>\
<h2>生成投标文件（签章并加密）</h2><form method=\"post\" action=\"/bidtool/bid\">\
<p><label>文件名 <input name=\"file_name\" value=\"某某公司投标文件.txt\"></label></p>\
<textarea name=\"document\">投标报价：人民币壹佰贰拾叁万肆仟伍佰陆拾柒元整（¥1,234,567.00）；工期：180日历天。</textarea>\
<p><button type=\"submit\">扫码签章并生成投标文件</button></p></form>\
<h2>已上传的投标文件</h2><table><tr><th>文件</th><th>回执编号</th><th>状态</th></tr>{rows}</table>",
        notice = notice(&b),
        name = esc(&name),
    );
    Ok(page("投标文件制作工具", &body).into_response())
}

#[derive(Deserialize)]
struct BidForm {
    file_name: String,
    document: String,
}

async fn make_bid(State(demo): State<Demo>, headers: HeaderMap, Form(form): Form<BidForm>) -> Page {
    let (id, _) = cookie(&headers);
    let Some((_, _, encryption)) = browser(&demo, &id).await.bidder else {
        return Ok(Redirect::to("/bidtool").into_response());
    };
    let document = form.document.into_bytes();
    let items = vec![
        SignItem::seal("投标文件签章", &document),
        SignItem::signed_data_detached("投标文件签名", &document),
    ];
    let created = demo.client.create_sign(items, None).await?;
    let action = Action::SealBid {
        file_name: form.file_name,
        document,
        encryption,
    };
    pending(&demo, &created, &id, action).await?;
    Ok(page(
        "投标文件签章",
        &scan_block(&created.session_id, "扫码为投标文件签章并签名"),
    )
    .into_response())
}

async fn confirm_upload(
    State(demo): State<Demo>,
    headers: HeaderMap,
    Path(bid): Path<usize>,
) -> Page {
    let (id, _) = cookie(&headers);
    let Some((holder, _, _)) = browser(&demo, &id).await.bidder else {
        return Ok(Redirect::to("/bidtool").into_response());
    };
    let found = demo.memory.lock().await.bids.get(bid).cloned();
    let Some(found) = found.filter(|b| b.holder == holder) else {
        return Err(Failure("没有这份投标文件".into()));
    };
    let file_hash = mca_crypto::sm3::sm3(&found.envelope).to_vec();
    let created = demo
        .client
        .create_confirm(&found.file_name, &file_hash, &found.receipt, None)
        .await?;
    pending(
        &demo,
        &created,
        &id,
        Action::ConfirmUpload { bid, file_hash },
    )
    .await?;
    Ok(page(
        "确认上传回执",
        &scan_block(&created.session_id, "扫码确认投标文件上传回执"),
    )
    .into_response())
}

async fn hall(
    State(demo): State<Demo>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Page {
    let (id, new) = cookie(&headers);
    let b = browser(&demo, &id).await;
    let Some((holder, name)) = b.hall.clone() else {
        let challenge = challenge()?;
        let ip = peer.ip().to_string();
        let created = demo
            .client
            .create_auth(AuthPurpose::Login, &challenge, Some(&ip), None)
            .await?;
        pending(
            &demo,
            &created,
            &id,
            Action::Login {
                challenge,
                hall: true,
            },
        )
        .await?;
        let body = scan_block(&created.session_id, "扫码登录开标大厅");
        return Ok(with_cookie(
            page("开标大厅", &body).into_response(),
            &id,
            new,
        ));
    };
    update(&demo, &id, |b| b.notice = None).await;
    let bids = demo.memory.lock().await.bids.clone();
    let rows: String = bids
        .iter()
        .enumerate()
        .filter(|(_, bid)| bid.holder == holder)
        .map(|(i, bid)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td><a href=\"/hall/open/{i}\">扫码解密</a></td></tr>",
                esc(&bid.file_name),
                esc(&bid.receipt)
            )
        })
        .collect();
    let body = format!(
        "{notice}<p>投标人：{name}</p><h2>本人的投标文件</h2>\
<table><tr><th>文件</th><th>回执编号</th><th>开标</th></tr>{rows}</table>",
        notice = notice(&b),
        name = esc(&name),
    );
    Ok(page("开标大厅", &body).into_response())
}

async fn open_bid(State(demo): State<Demo>, headers: HeaderMap, Path(bid): Path<usize>) -> Page {
    let (id, _) = cookie(&headers);
    let Some((holder, _)) = browser(&demo, &id).await.hall else {
        return Ok(Redirect::to("/hall").into_response());
    };
    let found = demo.memory.lock().await.bids.get(bid).cloned();
    let Some(found) = found.filter(|b| b.holder == holder) else {
        return Err(Failure("没有这份投标文件".into()));
    };
    // The hall's ephemeral key: the content key comes back encrypted to it.
    let key = mca_crypto::sm2::SecretKey::generate()?;
    let now = unix_now();
    let window = OpeningWindow {
        not_before: now - 60,
        not_after: now + 30 * 60,
    };
    let envelopes = vec![Envelope {
        label: found.file_name.clone(),
        kind: EnvelopeKind::EnvelopedData,
        data: found.envelope.clone(),
    }];
    let created = demo
        .client
        .create_decrypt(envelopes, key.public_key(), window, None)
        .await?;
    pending(&demo, &created, &id, Action::OpenBid { bid, key }).await?;
    Ok(page(
        "开标解密",
        &scan_block(
            &created.session_id,
            "开标时间已到，请扫码解密本人的投标文件",
        ),
    )
    .into_response())
}

/// The widget's poll: the session's state and, while unscanned, the
/// current frame. Only the scan's own browser may poll it.
async fn frame(State(demo): State<Demo>, headers: HeaderMap, Path(scan): Path<String>) -> Response {
    let (id, _) = cookie(&headers);
    let frames = {
        let memory = demo.memory.lock().await;
        match memory.scans.get(&scan) {
            Some(s) if s.browser == id => s.frames.clone(),
            _ => return (StatusCode::GONE, Json(mca_rp_sdk::widget_gone())).into_response(),
        }
    };
    let body = match demo.client.collect(&scan, None, 0).await {
        Ok(view) => mca_rp_sdk::widget_frame(&view, &frames, unix_now()),
        Err(e) if e.is_gone() => {
            return (StatusCode::GONE, Json(mca_rp_sdk::widget_gone())).into_response();
        }
        Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The holder key of a certificate and the name to show: an enterprise
/// certificate (admin's or staff's) is the enterprise's (`ent:` + credit
/// code), shown as the person and the enterprise; a personal one is the
/// resident ID, else the CN.
fn holder_of(cert: &UserCertificate) -> (String, String) {
    let name = cert.common_name().unwrap_or_else(|| "证书持有人".into());
    if let Some(code) = cert.credit_code() {
        let enterprise = cert.organization().unwrap_or_default();
        let shown = if enterprise == name {
            name
        } else {
            format!("{name}（{enterprise}）")
        };
        return (format!("ent:{code}"), shown);
    }
    let key = cert.resident_id().unwrap_or_else(|| name.clone());
    (key, name)
}

/// A finished scan: collect, verify, act, go where the flow continues.
async fn done(State(demo): State<Demo>, headers: HeaderMap, Path(scan): Path<String>) -> Page {
    let (id, _) = cookie(&headers);
    let Some(pending) = demo.memory.lock().await.scans.remove(&scan) else {
        return Err(Failure("扫码会话不存在或已处理".into()));
    };
    if pending.browser != id {
        return Err(Failure("扫码会话不属于当前浏览器".into()));
    }
    let view = demo.client.collect(&pending.session_id, None, 0).await?;
    let Some(completion) = view.ok_completion() else {
        let text = view
            .hint
            .map(|h| h.message)
            .unwrap_or_else(|| "操作未完成".into());
        return Err(Failure(text));
    };
    let verifier = demo.client.verifier(demo.anchors().await?.clone());
    let session = pending.session_id.as_str();
    match pending.action {
        Action::Login { challenge, hall } => {
            let cert = verifier.verify_auth(completion, session, AuthPurpose::Login, &challenge)?;
            let (holder, name) = holder_of(&cert);
            if hall {
                update(&demo, &id, |b| b.hall = Some((holder, name))).await;
                return Ok(Redirect::to("/hall").into_response());
            }
            // 证书登录: the bound account, or one created for the holder.
            let username = {
                let mut memory = demo.memory.lock().await;
                let bound = memory
                    .accounts
                    .values()
                    .find(|a| a.holder.as_deref() == Some(holder.as_str()))
                    .map(|a| a.username.clone());
                bound.unwrap_or_else(|| {
                    let username = format!("cert-{}", &cert.serial_hex()[..8]);
                    memory.accounts.insert(
                        username.clone(),
                        crate::Account {
                            username: username.clone(),
                            display_name: name.clone(),
                            password: hex::encode(
                                mca_crypto::rand::bytes::<16>().unwrap_or_default(),
                            ),
                            holder: Some(holder.clone()),
                            enterprise: None,
                        },
                    );
                    username
                })
            };
            update(&demo, &id, |b| {
                b.account = Some(username);
                b.notice = Some(format!("{name} 已扫码登录"));
            })
            .await;
            Ok(Redirect::to("/dashboard").into_response())
        }
        Action::Bind {
            challenge,
            username,
        } => {
            let cert = verifier.verify_auth(completion, session, AuthPurpose::Bind, &challenge)?;
            let (holder, name) = holder_of(&cert);
            if let Some(account) = demo.memory.lock().await.accounts.get_mut(&username) {
                account.holder = Some(holder);
            }
            update(&demo, &id, |b| {
                b.notice = Some(format!("已绑定 {name} 的证书"))
            })
            .await;
            Ok(Redirect::to("/dashboard").into_response())
        }
        Action::SealTender { text } => {
            let signed = [Signed {
                kind: SignItemKind::Seal,
                content: text.as_bytes(),
            }];
            let cert = verifier.verify_sign(completion, &signed)?;
            let (_, name) = holder_of(&cert);
            Ok(page(
                "签章完成",
                &sealed_tender(&name, &text, completion_bytes(completion, 0))?,
            )
            .into_response())
        }
        Action::BidAuth { challenge } => {
            let verified = verifier.verify_cert(completion, session, &challenge)?;
            let (holder, name) = holder_of(&verified.signer);
            let encryption = verified.encryption.to_der().to_vec();
            update(&demo, &id, |b| {
                b.bidder = Some((holder, name.clone(), encryption));
                b.notice = Some(format!("投标人 {name} 已认证，已获取加密证书"));
            })
            .await;
            Ok(Redirect::to("/bidtool").into_response())
        }
        Action::SealBid {
            file_name,
            document,
            encryption,
        } => {
            let signed = [
                Signed {
                    kind: SignItemKind::Seal,
                    content: &document,
                },
                Signed {
                    kind: SignItemKind::SignedDataDetached,
                    content: &document,
                },
            ];
            let cert = verifier.verify_sign(completion, &signed)?;
            let (holder, name) = holder_of(&cert);
            // K3: the bid file is the document enveloped to the bidder's
            // own encryption certificate, with its SignedData beside it.
            let envelope = mca_rp_sdk::envelope::seal(&document, &encryption)?;
            let signed_data = completion_bytes(completion, 1).to_vec();
            let mut memory = demo.memory.lock().await;
            let receipt = format!("ZJ-{}-{:04}", unix_now(), memory.bids.len() + 1);
            memory.bids.push(Bid {
                holder,
                bidder_name: name,
                file_name,
                signed_data,
                envelope,
                receipt: receipt.clone(),
                confirmed: false,
            });
            if let Some(b) = memory.browsers.get_mut(&id) {
                b.notice = Some(format!("投标文件已签章、加密并上传，回执编号 {receipt}"));
            }
            Ok(Redirect::to("/bidtool").into_response())
        }
        Action::ConfirmUpload { bid, file_hash } => {
            let (file_name, receipt) = {
                let memory = demo.memory.lock().await;
                let b = memory
                    .bids
                    .get(bid)
                    .ok_or_else(|| Failure("没有这份投标文件".into()))?;
                (b.file_name.clone(), b.receipt.clone())
            };
            verifier.verify_confirm(completion, session, &file_name, &file_hash, &receipt)?;
            let mut memory = demo.memory.lock().await;
            if let Some(b) = memory.bids.get_mut(bid) {
                b.confirmed = true;
            }
            if let Some(b) = memory.browsers.get_mut(&id) {
                b.notice = Some(format!("回执 {receipt} 已确认"));
            }
            Ok(Redirect::to("/bidtool").into_response())
        }
        Action::OpenBid { bid, key } => {
            let keys = mca_rp_sdk::open_content_keys(&key, completion)?;
            let found = demo.memory.lock().await.bids.get(bid).cloned();
            let found = found.ok_or_else(|| Failure("没有这份投标文件".into()))?;
            let content_key = keys.first().ok_or_else(|| Failure("没有内容密钥".into()))?;
            let document = mca_rp_sdk::envelope::open_with_key(&found.envelope, content_key)?;
            let body = format!(
                "<p class=\"ok\">投标文件已解密（{}，回执 {}）。</p><pre id=\"opened\">{}</pre><p><a href=\"/hall\">返回</a></p>",
                esc(&found.file_name),
                esc(&found.receipt),
                esc(&String::from_utf8_lossy(&document))
            );
            Ok(page("开标结果", &body).into_response())
        }
    }
}

/// The bytes of the `i`-th item result.
fn completion_bytes(done: &mca_rp_sdk::sessions::Completion, i: usize) -> &[u8] {
    use mca_rp_sdk::sessions::ItemResult;
    match done.items.get(i) {
        Some(
            ItemResult::Signature(b)
            | ItemResult::SignedData(b)
            | ItemResult::Seal(b)
            | ItemResult::ContentKey(b),
        ) => b,
        None => &[],
    }
}
