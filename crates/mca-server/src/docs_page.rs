//! The API viewer at `/api/docs`: every OpenAPI document the server
//! serves ([`crate::openapi::DOCUMENTS`]), rendered here as plain HTML —
//! operations with their parameters, bodies, responses and security, then
//! the schemas — so reading the API needs no script, no third-party origin
//! and no CDN. The page is static per build: rendered once, served with a
//! CSP that allows only its own stylesheet.

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;

use crate::openapi::{DOCUMENTS, Document};
use crate::state::AppState;

/// Where the viewer is served.
pub const PATH: &str = "/api/docs";
const STYLESHEET: &str = "/api/docs/docs.css";

/// Nothing but the page's own stylesheet: no script, no image, no frame,
/// no form, no other origin.
pub const CSP: &str = "default-src 'none'; style-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

const CSS: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;\
margin:0 auto;max-width:72rem;padding:1rem 2rem;color:#1b1f24;line-height:1.5}\
code{font-family:ui-monospace,monospace;background:#f3f4f6;padding:0 .2em}\
nav ul{padding-left:1.2rem}section{border-top:2px solid #d0d7de;margin-top:2rem}\
article{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}\
h3{margin:.3rem 0;font-size:1.05rem}table{border-collapse:collapse;width:100%;margin:.4rem 0}\
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.method{display:inline-block;min-width:4.5rem;font-weight:bold;\
text-transform:uppercase}.get{color:#0969da}.post{color:#1a7f37}.put{color:#9a6700}\
.delete{color:#cf222e}.desc{white-space:pre-wrap}";

/// The viewer's routes.
pub fn routes() -> Router<AppState> {
    let page = Arc::new(render(DOCUMENTS));
    Router::new()
        .route(
            PATH,
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::CONTENT_SECURITY_POLICY, CSP),
                        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                        (header::REFERRER_POLICY, "no-referrer"),
                    ],
                    page.as_ref().clone(),
                )
                    .into_response()
            }),
        )
        .route(
            STYLESHEET,
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                    ],
                    CSS,
                )
            }),
        )
}

/// Text for HTML, in element content and in quoted attributes.
fn esc(text: &str) -> String {
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

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The anchor of a schema of document `doc`.
fn schema_anchor(doc: &str, name: &str) -> String {
    format!("{doc}-schema-{}", esc(name))
}

/// A schema's type in a line: a link for a reference, `数组<…>` for an
/// array, the alternatives of a composition.
fn type_of(doc: &str, schema: &Value) -> String {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.rsplit('/').next().unwrap_or(target);
        return format!(
            "<a href=\"#{}\">{}</a>",
            schema_anchor(doc, name),
            esc(name)
        );
    }
    for (key, joiner) in [("allOf", " 且 "), ("oneOf", " 或 "), ("anyOf", " 或 ")] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<_> = parts.iter().map(|p| type_of(doc, p)).collect();
            return parts.join(joiner);
        }
    }
    let mut names: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => vec![],
    };
    if let Some(i) = names.iter().position(|t| t == "array") {
        let item = schema
            .get("items")
            .map_or_else(String::new, |s| type_of(doc, s));
        names[i] = format!("数组&lt;{item}&gt;");
    }
    let mut text = if names.is_empty() {
        "任意".to_owned()
    } else {
        names
            .iter()
            .map(|n| {
                if n.starts_with("数组") {
                    n.clone()
                } else {
                    esc(n)
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for key in ["format", "contentEncoding"] {
        if let Some(f) = schema.get(key).and_then(Value::as_str) {
            let _ = write!(text, " ({})", esc(f));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<_> = values.iter().map(|v| esc(&v.to_string())).collect();
        let _ = write!(text, "，取值 {}", values.join(" / "));
    }
    text
}

/// The whole page for `documents`.
pub fn render(documents: &[Document]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Mobile CA 接口文档</title>",
    );
    let _ = write!(
        out,
        "<link rel=\"stylesheet\" href=\"{STYLESHEET}\"></head><body>\
<h1>Mobile CA 接口文档</h1><p>本页由服务器根据各 OpenAPI 3.1 文档生成。\
错误均以 RFC 9457 问题文档（<code>application/problem+json</code>）返回。</p><nav><ul>"
    );
    let docs: Vec<(&Document, Value)> = documents
        .iter()
        .map(|d| (d, serde_json::to_value(d.openapi()).unwrap_or(Value::Null)))
        .collect();
    for (d, _) in &docs {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a>（<a href=\"{}\">OpenAPI JSON</a>）</li>",
            d.id,
            esc(d.title),
            d.url
        );
    }
    out.push_str("</ul></nav>");
    for (d, doc) in &docs {
        document(&mut out, d, doc);
    }
    out.push_str("</body></html>");
    out
}

fn document(out: &mut String, d: &Document, doc: &Value) {
    let info = &doc["info"];
    let _ = write!(
        out,
        "<section id=\"{}\"><h2>{}</h2><p><strong>{}</strong> 版本 {} · \
<a href=\"{}\">OpenAPI JSON</a></p><p class=\"desc\">{}</p><h3>接口</h3>",
        d.id,
        esc(d.title),
        esc(str_of(info, "title")),
        esc(str_of(info, "version")),
        d.url,
        esc(str_of(info, "description"))
    );
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                operation(out, d.id, method, path, op);
            }
        }
    }
    out.push_str("<h3>数据结构</h3>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            schema_block(out, d.id, name, schema);
        }
    }
    out.push_str("</section>");
}

fn operation(out: &mut String, doc: &str, method: &str, path: &str, op: &Value) {
    let _ = write!(
        out,
        "<article><h3><span class=\"method {m}\">{m}</span> <code>{p}</code></h3>",
        m = esc(method),
        p = esc(path)
    );
    for key in ["summary", "description"] {
        let text = str_of(op, key);
        if !text.is_empty() && (key == "summary" || text != str_of(op, "summary")) {
            let _ = write!(out, "<p class=\"desc\">{}</p>", esc(text));
        }
    }
    if let Some(security) = op["security"].as_array() {
        let names: Vec<_> = security
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|o| o.keys())
            .map(|k| format!("<code>{}</code>", esc(k)))
            .collect();
        let _ = write!(out, "<p>认证：{}</p>", names.join("、"));
    }
    if let Some(params) = op["parameters"].as_array() {
        out.push_str("<p>参数</p><table><tr><th>名称</th><th>位置</th><th>必填</th><th>类型</th><th>说明</th></tr>");
        for p in params {
            let place = match str_of(p, "in") {
                "path" => "路径",
                "query" => "查询",
                "header" => "请求头",
                "cookie" => "Cookie",
                other => other,
            };
            let required = if p["required"].as_bool() == Some(true) {
                "是"
            } else {
                "否"
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{required}</td><td>{}</td><td>{}</td></tr>",
                esc(str_of(p, "name")),
                esc(place),
                type_of(doc, &p["schema"]),
                esc(str_of(p, "description"))
            );
        }
        out.push_str("</table>");
    }
    if let Some(body) = op.get("requestBody") {
        let _ = write!(out, "<p>请求体 {}</p>", esc(str_of(body, "description")));
        contents(out, doc, &body["content"]);
    }
    out.push_str("<p>响应</p><table><tr><th>状态</th><th>说明</th><th>内容</th></tr>");
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>",
            esc(status),
            esc(str_of(response, "description"))
        );
        contents(out, doc, &response["content"]);
        out.push_str("</td></tr>");
    }
    out.push_str("</table></article>");
}

/// Each media type of a `content` map with its schema.
fn contents(out: &mut String, doc: &str, content: &Value) {
    for (media, body) in content.as_object().into_iter().flatten() {
        let _ = write!(
            out,
            "<div><code>{}</code>：{}</div>",
            esc(media),
            type_of(doc, &body["schema"])
        );
    }
}

fn schema_block(out: &mut String, doc: &str, name: &str, schema: &Value) {
    let _ = write!(
        out,
        "<article id=\"{}\"><h3><code>{}</code> {}</h3>",
        schema_anchor(doc, name),
        esc(name),
        type_of(doc, &without_properties(schema))
    );
    let description = str_of(schema, "description");
    if !description.is_empty() {
        let _ = write!(out, "<p class=\"desc\">{}</p>", esc(description));
    }
    let mut objects = vec![schema];
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        objects.extend(parts);
    }
    for object in objects {
        let Some(properties) = object["properties"].as_object() else {
            continue;
        };
        let required: Vec<&str> = object["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        out.push_str("<table><tr><th>字段</th><th>类型</th><th>必填</th><th>说明</th></tr>");
        for (field, property) in properties {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(field),
                type_of(doc, property),
                if required.contains(&field.as_str()) {
                    "是"
                } else {
                    "否"
                },
                esc(str_of(property, "description"))
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</article>");
}

/// A schema's own type, without the properties listed in its table (an
/// `allOf` of an object and references shows just the references).
fn without_properties(schema: &Value) -> Value {
    let mut copy = schema.clone();
    if let Some(parts) = copy.get_mut("allOf").and_then(Value::as_array_mut) {
        parts.retain(|p| p.get("$ref").is_some());
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn types_read_in_a_line() {
        let t = |v: Value| type_of("app", &v);
        assert_eq!(
            t(serde_json::json!({"$ref": "#/components/schemas/Problem"})),
            "<a href=\"#app-schema-Problem\">Problem</a>"
        );
        assert_eq!(
            t(serde_json::json!({"type": ["string", "null"]})),
            "string | null"
        );
        assert_eq!(
            t(
                serde_json::json!({"type": "array", "items": {"type": "integer", "format": "int64"}})
            ),
            "数组&lt;integer (int64)&gt;"
        );
    }
}
