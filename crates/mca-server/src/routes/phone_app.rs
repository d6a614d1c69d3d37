//! `/app/`: the phone app (issue 11), from [`AppAssets`].
//!
//! Every answer under `/app/` carries the strict policy below: scripts,
//! styles and everything fetched come from this origin only (the wasm is
//! compiled with `'wasm-unsafe-eval'`, nothing is ever `eval`ed), no
//! inline script or style, no framing, no forms posted anywhere; the
//! camera (scanning) is allowed to this origin only.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::app_assets::{self, AppAssets};
use crate::error::ApiError;

/// Where the app is served.
pub const PATH: &str = "/app/";

/// The Content-Security-Policy of the app.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
media-src 'self' blob: mediastream:; worker-src 'self'; manifest-src 'self'; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/// What `/app/` shows when the binary was built without the app.
const NOT_BUILT: &str = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>手机应用尚未构建</title></head><body>\
<h1>手机应用尚未构建</h1>\
<p>本服务器在构建时没有找到 <code>web/app/dist</code>。请在代码仓库根目录运行：</p>\
<pre>scripts/build-app</pre>\
<p>然后重新构建并启动服务器（<code>scripts/up</code> 会自动完成这两步）。</p>\
</body></html>\n";

/// The routes of the app over `assets`.
pub fn routes<S: Clone + Send + Sync + 'static>(assets: AppAssets) -> Router<S> {
    let index = assets.clone();
    Router::new()
        .route("/app", get(|| async { Redirect::permanent(PATH) }))
        .route(PATH, get(move || async move { file(&index, "index.html") }))
        .route(
            "/app/{*path}",
            get(move |Path(path): Path<String>| async move { file(&assets, &path) }),
        )
}

fn file(assets: &AppAssets, path: &str) -> Response {
    let mut response = if !assets.is_built() && path == "index.html" {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            NOT_BUILT,
        )
            .into_response()
    } else {
        match assets.get(path) {
            Some(bytes) => (
                [
                    (header::CONTENT_TYPE, app_assets::media_type(path)),
                    (header::CACHE_CONTROL, app_assets::cache_control(path)),
                ],
                bytes.clone(),
            )
                .into_response(),
            None => ApiError::new(StatusCode::NOT_FOUND, "no_route", "未找到").into_response(),
        }
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self)"),
    );
    response
}
