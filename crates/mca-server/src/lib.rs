//! The Mobile CA HTTP server, as a library: [`app`] builds the router from
//! an [`AppState`], [`run`] serves it on a listener until a shutdown future
//! completes (so tests bind port 0 and stop it cleanly), [`wiring`] builds
//! the state from a [`Config`].
//!
//! Handlers are thin: they parse the request into domain values, call one
//! `mca-domain` service and shape the answer. Every error leaves as an RFC
//! 9457 problem document ([`error`]).
//!
//! # Layout
//! - [`config`]: layered configuration (defaults → TOML → `MCA_…`, `_FILE`
//!   secrets) and the commented example.
//! - [`error`]: [`ApiError`], the one error type of the HTTP edge.
//! - [`listener`]: TCP connections whose HTTP-parser refusals are
//!   problem documents too.
//! - [`extract`]: problem-shaped JSON extractor, the device-signed request
//!   extractor ([`Signed`]), the client address.
//! - [`state`]: the router's shared [`AppState`].
//! - [`routes`]: one module per group of routes.
//! - [`openapi`]: the OpenAPI 3.1 documents of the app API, the
//!   relying-party API, the review API and the operator API; [`docs_page`]
//!   renders them at `/api/docs`.
//! - [`sms`]: SMS gateway adapters (Aliyun).
//! - [`wiring`]: configuration → providers, key vault, CAs, services, state.
//! - [`background`]: issuance recovery at start-up, expiry reminders.
//! - [`webhooks`]: relying-party webhook delivery.
//! - [`app_assets`]: the phone app's files, embedded at build time.
//! - [`tls`]: HTTPS on the LAN, for trying the app from a real phone.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app_assets;
pub mod background;
pub mod config;
pub mod docs_page;
pub mod error;
pub mod extract;
pub mod listener;
pub mod openapi;
pub mod routes;
pub mod sms;
pub mod state;
pub mod tls;
pub mod webhooks;
pub mod wiring;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use config::Config;
pub use error::ApiError;
pub use extract::Signed;
pub use state::AppState;

use routes::{
    accounts, applications, catalogue, certificates, dev, devices, enterprises, health, identity,
    joins, keys, messages, operator, people, pki, renewals, review, rp, rp_app, seals,
};

/// The documented routes: the app API and the probes.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(accounts::send_code))
        .routes(routes!(accounts::login))
        .routes(routes!(accounts::put_password))
        .routes(routes!(accounts::reset_password))
        .routes(routes!(accounts::put_phone))
        .routes(routes!(identity::get_identity, identity::submit_identity))
        .routes(routes!(identity::start_face))
        .routes(routes!(identity::complete_face))
        .routes(routes!(devices::list))
        .routes(routes!(devices::remove))
        .routes(routes!(messages::list))
        .routes(routes!(messages::mark_read))
        .routes(routes!(catalogue::get))
        .routes(routes!(applications::form))
        .routes(routes!(applications::apply, applications::list))
        .routes(routes!(applications::get))
        .routes(routes!(applications::pay))
        .routes(routes!(applications::resubmit))
        .routes(routes!(applications::renew))
        .routes(routes!(enterprises::form))
        .routes(routes!(enterprises::claim))
        .routes(routes!(enterprises::seal_preview))
        .routes(routes!(enterprises::withdraw))
        .routes(routes!(enterprises::resubmit))
        .routes(routes!(enterprises::list))
        .routes(routes!(joins::lookup))
        .routes(routes!(joins::request_join, joins::join_requests))
        .routes(routes!(joins::letter))
        .routes(routes!(joins::seal))
        .routes(routes!(joins::resubmit_to_admin))
        .routes(routes!(people::members))
        .routes(routes!(people::remove_member))
        .routes(routes!(people::authorizations, people::grant))
        .routes(routes!(people::request_certificate))
        .routes(routes!(renewals::new_certificate))
        .routes(routes!(renewals::reapplication_letter))
        .routes(routes!(people::delete_authorization))
        .routes(routes!(people::invite))
        .routes(routes!(people::invitations))
        .routes(routes!(people::accept_invitation))
        .routes(routes!(keys::list))
        .routes(routes!(keys::start_download))
        .routes(routes!(keys::prove_possession))
        .routes(routes!(keys::complete_download))
        .routes(routes!(keys::begin_sign))
        .routes(routes!(keys::finish_sign))
        .routes(routes!(keys::begin_decrypt))
        .routes(routes!(keys::finish_decrypt))
        .routes(routes!(keys::begin_pin_change))
        .routes(routes!(keys::finish_pin_change))
        .routes(routes!(keys::start_reverification))
        .routes(routes!(keys::unlock))
        .routes(routes!(keys::rekey))
        .routes(routes!(keys::pay_recovery))
        .routes(routes!(certificates::list))
        .routes(routes!(certificates::get))
        .routes(routes!(seals::list))
        .routes(routes!(certificates::revoke))
        .routes(routes!(pki::crl))
        .routes(routes!(pki::ocsp_of))
        .routes(routes!(pki::ocsp))
        .routes(routes!(pki::chain))
        .routes(routes!(rp_app::scan))
        .routes(routes!(rp_app::refuse))
        .routes(routes!(rp_app::begin_step))
        .routes(routes!(rp_app::finish_step))
        .routes(routes!(rp_app::content_key))
}

/// The OpenAPI document of the app API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().split_for_parts().1
}

/// The relying-party API, documented apart from the app API (relying
/// parties generate clients from it).
fn rp_documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::RpApiDoc::openapi())
        .routes(routes!(rp::create))
        .routes(routes!(rp::get))
        .routes(routes!(rp::cancel))
        .routes(routes!(rp::verify_signature))
        .routes(routes!(rp::verify_signed_data))
        .routes(routes!(rp::verify_seal))
}

/// The OpenAPI document of the relying-party API.
pub fn rp_openapi() -> utoipa::openapi::OpenApi {
    rp_documented().split_for_parts().1
}

/// The CA review API (`/api/review/v1`), documented apart.
fn review_documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ReviewApiDoc::openapi()).merge(review::routes())
}

/// The OpenAPI document of the CA review API.
pub fn review_openapi() -> utoipa::openapi::OpenApi {
    review_documented().split_for_parts().1
}

/// The operator API (`/api/operator/v1`), documented apart.
fn operator_documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::OperatorApiDoc::openapi()).merge(operator::routes())
}

/// The OpenAPI document of the operator API.
pub fn operator_openapi() -> utoipa::openapi::OpenApi {
    operator_documented().split_for_parts().1
}

/// The whole router on `state`, with the phone app embedded in the binary.
pub fn app(state: AppState) -> Router {
    app_with(state, app_assets::AppAssets::embedded())
}

/// The whole router on `state`, with the phone app's files `assets`.
pub fn app_with(state: AppState, assets: app_assets::AppAssets) -> Router {
    let mut router = Router::new();
    for document in openapi::DOCUMENTS {
        let (routes, doc) = (document.router)().split_for_parts();
        let doc = Arc::new(doc);
        router = router.merge(routes).route(
            document.url,
            get(move || async move { axum::Json(doc.as_ref().clone()) }),
        );
    }
    let mut router = router
        .merge(docs_page::routes())
        .merge(routes::phone_app::routes(assets));
    if state.dev.is_some() {
        router = router.nest("/api/dev", dev::routes());
    }
    router
        .fallback(|| async {
            ApiError::new(axum::http::StatusCode::NOT_FOUND, "no_route", "未找到")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "不支持该请求方法",
            )
        })
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(axum::middleware::map_response(error::ensure_problem))
        .layer(axum::middleware::from_fn(api_no_store))
        // Spans carry method and path only: no headers (tokens), no bodies.
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Every answer under `/api/` is personal or changes from one request to
/// the next (codes, keys, sessions): no cache, shared or the browser's,
/// may keep it. Outside the problem layer, so error documents carry it too.
async fn api_no_store(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if is_api {
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Serves `router` on `listener` until `shutdown` completes, then lets
/// in-flight requests finish.
pub async fn run(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener::ProblemListener(listener),
        router.into_make_service_with_connect_info::<listener::Peer>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Completes on Ctrl-C or SIGTERM: the shutdown future of `mca serve`.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
