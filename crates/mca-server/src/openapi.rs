//! The OpenAPI 3.1 document of the app API, generated from the handlers'
//! `#[utoipa::path]` annotations as they are mounted (so a route cannot be
//! served without being documented), served at `/api/openapi.json`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
