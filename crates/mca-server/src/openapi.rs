//! The OpenAPI 3.1 documents, generated from the handlers'
//! `#[utoipa::path]` annotations as they are mounted (so a route cannot be
//! served without being documented): the app API at `/api/openapi.json`,
//! the relying-party API at `/api/rp/openapi.json`, the CA review API at
//! `/api/review/openapi.json` and the operator API at
//! `/api/operator/openapi.json`. [`DOCUMENTS`] lists them for the viewer
//! (`/api/docs`).

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The document's fixed parts; paths are added by the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mobile CA app API",
        description = "The API the phone app uses. Every request after login carries \
`Authorization: Bearer <token>` and the device headers `x-mca-device` (device id), \
`x-mca-timestamp` (Unix seconds, ±300 s), `x-mca-nonce` (16–64 of [A-Za-z0-9_-], single use) \
and `x-mca-signature` (base64 of the device's ECDSA P-256 DER signature over \
`mca_crypto::device::request_payload(method, path_and_query, timestamp, nonce, body)`). \
Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`."
    ),
    modifiers(&DeviceSecurity),
    tags(
        (name = "accounts", description = "A1, A2, I1, I2"),
        (name = "identity", description = "A3 real-name verification"),
        (name = "devices", description = "Registered devices"),
        (name = "messages", description = "M3 inbox"),
        (name = "catalogue", description = "M2 catalogue"),
        (name = "certificates", description = "Certificates (gated by A3)"),
        (name = "enterprises", description = "B–E enterprises: claims (B1–B6)"),
        (name = "rp-sessions", description = "Relying-party sessions on the phone: scan, approve, refuse"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

/// Declares the `device` security requirement: the bearer token plus the
/// four device headers.
struct DeviceSecurity;

impl Modify for DeviceSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Bearer token from POST /sessions, plus the x-mca-device, x-mca-timestamp, \
x-mca-nonce and x-mca-signature headers",
                    ))
                    .build(),
            ),
        );
        for header in [
            "x-mca-device",
            "x-mca-timestamp",
            "x-mca-nonce",
            "x-mca-signature",
        ] {
            components.add_security_scheme(
                header,
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(header))),
            );
        }
    }
}

/// The fixed parts of the relying-party API document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mobile CA relying-party API",
        description = "The API business systems (trading platforms, bid-file tools, bid-opening halls) \
use to create QR sessions, collect their results and verify signatures. Every request carries \
`x-mca-rp-key` (key id), `x-mca-rp-timestamp` (Unix seconds, ±300 s), `x-mca-rp-nonce` \
(16–64 of [A-Za-z0-9_-], single use) and `x-mca-rp-signature` (lower-case hex of HMAC-SM3 under \
the API secret over `MCA-RP-REQUEST-V1\\n{METHOD}\\n{path and query}\\n{timestamp}\\n{nonce}\\n{hex SM3(body)}`). \
Binary values are lower-case hex, times Unix seconds. Errors are RFC 9457 problem documents \
(`application/problem+json`) with a stable `code`; clients ignore unknown fields."
    ),
    modifiers(&RpSecurity),
    tags(
        (name = "sessions", description = "QR sessions: create, long-poll, cancel"),
        (name = "verification", description = "M7: signatures, SignedData, seals"),
    )
)]
pub struct RpApiDoc;

/// Declares the `rp` security requirement: the four `x-mca-rp-…` headers.
struct RpSecurity;

impl Modify for RpSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "rp",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-mca-rp-key",
                "Key id; with x-mca-rp-timestamp, x-mca-rp-nonce and x-mca-rp-signature \
(HMAC-SM3 of the request, see the description)",
            ))),
        );
        for header in ["x-mca-rp-timestamp", "x-mca-rp-nonce", "x-mca-rp-signature"] {
            components.add_security_scheme(
                header,
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(header))),
            );
        }
    }
}

/// A bearer-token security scheme named `name`.
struct Bearer {
    name: &'static str,
    description: &'static str,
}

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                self.name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(self.description))
                        .build(),
                ),
            );
    }
}

const REVIEWER: Bearer = Bearer {
    name: "reviewer",
    description: "Token from POST /api/review/v1/sessions (8 hours)",
};

const OPERATOR: Bearer = Bearer {
    name: "operator",
    description: "The operator token of the server's configuration (`operator_token`)",
};

/// The fixed parts of the CA review API document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mobile CA review API",
        description = "The API of a CA organization's reviewers (M1): log in with a user name and \
password for a bearer token, list the pending applications of their CA with the applicant's \
pictures, approve, or reject with a reason. Errors are RFC 9457 problem documents \
(`application/problem+json`) with a stable `code`."
    ),
    modifiers(&REVIEWER),
    tags((name = "review", description = "M1 review of certificate applications"))
)]
pub struct ReviewApiDoc;

/// The fixed parts of the operator API document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mobile CA operator API",
        description = "The API of the service's operator: the catalogue (M2), the audit log (M4), \
reviewer accounts and revocation (M1), the register of relying parties. Every request carries \
`Authorization: Bearer <operator token>`. Errors are RFC 9457 problem documents \
(`application/problem+json`) with a stable `code`."
    ),
    modifiers(&OPERATOR),
    tags(
        (name = "catalogue", description = "M2 provinces, platforms, CA organizations, validity options"),
        (name = "audit", description = "M4 audit log"),
        (name = "reviewers", description = "M1 reviewer accounts"),
        (name = "certificates", description = "Revocation by the CA"),
        (name = "relying-parties", description = "Relying parties and their API keys"),
    )
)]
pub struct OperatorApiDoc;

/// A served OpenAPI document: where, and its title in the viewer.
pub struct Document {
    /// Short name, the anchor in the viewer.
    pub id: &'static str,
    /// Chinese title in the viewer.
    pub title: &'static str,
    /// Where the JSON is served.
    pub url: &'static str,
    /// The router whose routes the document describes.
    pub(crate) router: fn() -> OpenApiRouter<AppState>,
}

impl Document {
    /// The document, generated from its router.
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        (self.router)().split_for_parts().1
    }
}

/// Every OpenAPI document the server serves.
pub const DOCUMENTS: &[Document] = &[
    Document {
        id: "app",
        title: "手机应用接口",
        url: "/api/openapi.json",
        router: crate::documented,
    },
    Document {
        id: "rp",
        title: "业务系统（依赖方）接口",
        url: "/api/rp/openapi.json",
        router: crate::rp_documented,
    },
    Document {
        id: "review",
        title: "CA 审核接口",
        url: "/api/review/openapi.json",
        router: crate::review_documented,
    },
    Document {
        id: "operator",
        title: "运营管理接口",
        url: "/api/operator/openapi.json",
        router: crate::operator_documented,
    },
];
