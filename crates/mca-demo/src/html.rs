//! Server-rendered pages: one layout, escaping, and the scan block that
//! mounts the widget. Plain strings, no template engine: the pages are few
//! and every interpolated value goes through [`esc`].

use axum::response::Html;
use base64::Engine;
use mca_rp_sdk::SealPicture;

/// HTML-escapes text for element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:0;background:#f4f6f9;color:#1d2733}
header{background:#b22222;color:#fff;padding:12px 24px}header a{color:#fff;margin-right:16px;text-decoration:none}
main{max-width:860px;margin:24px auto;background:#fff;padding:24px 32px;border-radius:6px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}.note{color:#5b6675;font-size:14px}
.ok{color:#1b7f3a}.err{color:#b22222}table{border-collapse:collapse}td,th{border:1px solid #d5dbe3;padding:6px 10px;text-align:left}
.mca-qr{display:inline-block;text-align:center;padding:12px;border:1px solid #d5dbe3;border-radius:6px}
.mca-qr-code[hidden]{display:none}textarea{width:100%;height:90px}pre{white-space:pre-wrap;background:#f4f6f9;padding:10px}
.seal{width:40mm;max-width:160px;height:auto}
";

/// A page of the demo platform.
pub fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} — 浙江省公共资源交易平台（演示）</title><style>{STYLE}</style></head>\
<body><header><strong>浙江省公共资源交易平台（演示）</strong>　\
<a href=\"/\">首页</a><a href=\"/dashboard\">交易平台</a><a href=\"/bidtool\">投标文件制作工具</a>\
<a href=\"/hall\">开标大厅</a></header><main><h1>{title}</h1>{body}</main></body></html>",
        title = esc(title),
    ))
}

/// The scan block: the widget polls `/scan/{id}/frame` and, once the
/// session ends `ok`, the page goes to `/scan/{id}/done`.
pub fn scan_block(scan_id: &str, what: &str) -> String {
    let id = esc(scan_id);
    format!(
        "<p>{what}</p><div id=\"scan\" data-scan=\"{id}\"></div>\
<p class=\"note\">请打开移动CA App扫描二维码，并在手机上确认。二维码每秒刷新，截图或转发无效。</p>\
<script type=\"module\">\
import {{ mount }} from '/static/mca-qr.js';\
mount(document.getElementById('scan'), {{ frameUrl: '/scan/{id}/frame', onState(s) {{\
 if (s.terminal && s.state === 'complete' && s.result === 'ok') location.assign('/scan/{id}/done');\
}} }});\
</script>",
        what = esc(what),
    )
}

/// The sealed tender announcement: who sealed it, the text, the picture of
/// the seal (from the verified `SES_Signature`, `signature`) and the
/// signature itself for download.
pub fn sealed_tender(name: &str, text: &str, signature: &[u8]) -> mca_rp_sdk::Result<String> {
    let picture = SealPicture::of_signature(signature)?;
    let image = match picture.data_url() {
        Some(url) => format!(
            "<p><img class=\"seal\" id=\"seal\" alt=\"电子印章\" src=\"{}\"></p>",
            esc(&url)
        ),
        None => String::new(),
    };
    let download = base64::engine::general_purpose::STANDARD.encode(signature);
    Ok(format!(
        "<p class=\"ok\">招标公告已由 {} 加盖电子签章，签章已验证（GB/T 38540）。</p>{image}<pre>{}</pre>\
<p><a id=\"signature\" download=\"招标公告.sig\" href=\"data:application/octet-stream;base64,{}\">下载电子签章数据</a></p>\
<p><a href=\"/dashboard\">返回</a></p>",
        esc(name),
        esc(text),
        download,
    ))
}

#[cfg(test)]
mod tests {
    /// No page text names an internal feature code such as （J2） or
    /// （K2 签章 + K3 数字信封）: the pages are for bidders, not for
    /// the requirements list.
    #[test]
    fn no_page_text_shows_a_feature_code() {
        let sources = [
            ("flows.rs", include_str!("flows.rs")),
            ("html.rs", include_str!("html.rs")),
            ("mca-qr.js", include_str!("../../../web/widget/mca-qr.js")),
        ];
        for (file, source) in sources {
            for (n, line) in source.lines().enumerate() {
                let code = line.trim_start().starts_with("//");
                let chars: Vec<char> = line.chars().collect();
                let found = chars.windows(3).any(|w| {
                    matches!(w[0], '（' | '，' | '、')
                        && ('A'..='M').contains(&w[1])
                        && w[2].is_ascii_digit()
                });
                assert!(code || !found, "{file}:{}: {line}", n + 1);
            }
        }
    }
}
