//! Catalogue editing (M2) in the operator API: the whole catalogue, and
//! create, update and delete of each kind of entry.
//!
//! Entries are sent as the domain's JSON without `id`: the server assigns
//! ids on create and takes them from the path on update. Their documented
//! shapes are the app API's catalogue views, which are the same JSON.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_domain::catalogue::CatalogueView;
use mca_domain::store::{CaOrganization, Province, TradingPlatform, ValidityOption};
use mca_domain::{CaId, PlatformId, ProvinceId, ValidityOptionId};
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Operator;
use crate::error::{ApiError, Problem};
use crate::extract::{AppJson, AppPath};
use crate::routes::catalogue::{
    CaView, CatalogueResponse, PlatformView, ProvinceView, ValidityView,
};
use crate::state::AppState;

/// The catalogue routes of the operator API.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalogue))
        .routes(routes!(create_province))
        .routes(routes!(update_province, delete_province))
        .routes(routes!(create_platform))
        .routes(routes!(update_platform, delete_platform))
        .routes(routes!(create_ca))
        .routes(routes!(update_ca, delete_ca))
        .routes(routes!(create_validity))
        .routes(routes!(update_validity, delete_validity))
}

/// The whole catalogue, as the app sees it.
#[utoipa::path(get, path = "/api/operator/v1/catalogue", tag = "catalogue",
    security(("operator" = [])),
    responses((status = 200, body = CatalogueResponse),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn catalogue(
    _: Operator,
    State(state): State<AppState>,
) -> Result<Json<CatalogueView>, ApiError> {
    Ok(Json(state.services.catalogue.all().await?))
}

/// The JSON entry with `id` set, as the domain type; a body that already
/// names an id is refused (ids are the server's).
fn entry<T: DeserializeOwned>(body: Value, id: &str) -> Result<T, ApiError> {
    let Value::Object(mut fields) = body else {
        return Err(ApiError::bad_json("须为 JSON 对象"));
    };
    if fields.contains_key("id") {
        return Err(ApiError::bad_json("id 由服务器分配"));
    }
    fields.insert("id".into(), Value::String(id.to_owned()));
    serde_json::from_value(Value::Object(fields)).map_err(|e| ApiError::bad_json(e.to_string()))
}

fn parse_id<T: DeserializeOwned>(id: &str) -> Result<T, ApiError> {
    serde_json::from_value(Value::String(id.to_owned())).map_err(|_| ApiError::not_found())
}

/// Create, update and delete handlers for one kind of catalogue entry,
/// documented at `$collection` (create) and `$item` (update, delete) with
/// `$view` as the entry's shape.
macro_rules! catalogue_crud {
    ($create:ident, $update:ident, $delete:ident, $ty:ty, $id:ty, $view:ty,
     $collection:tt, $item:tt,
     $svc_create:ident, $svc_update:ident, $svc_delete:ident) => {
        /// Creates an entry; the body is the entry without `id`.
        #[utoipa::path(post, path = $collection, tag = "catalogue",
            request_body(content = $view, description = "The entry without `id`"),
            security(("operator" = [])),
            responses((status = 201, body = $view),
                (status = 400, description = "Malformed, or names an id", body = Problem, content_type = "application/problem+json"),
                (status = 401, body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "already_exists", body = Problem, content_type = "application/problem+json"),
                (status = 422, body = Problem, content_type = "application/problem+json")))]
        async fn $create(
            _: Operator,
            State(state): State<AppState>,
            AppJson(body): AppJson<Value>,
        ) -> Result<(StatusCode, Json<$ty>), ApiError> {
            let item: $ty = entry(body, &<$id>::new().to_string())?;
            state.services.catalogue.$svc_create(&item).await?;
            Ok((StatusCode::CREATED, Json(item)))
        }

        /// Replaces an entry; the body is the entry without `id`.
        #[utoipa::path(put, path = $item, tag = "catalogue",
            params(("id" = String, Path)),
            request_body(content = $view, description = "The entry without `id`"),
            security(("operator" = [])),
            responses((status = 200, body = $view),
                (status = 400, body = Problem, content_type = "application/problem+json"),
                (status = 401, body = Problem, content_type = "application/problem+json"),
                (status = 404, body = Problem, content_type = "application/problem+json"),
                (status = 422, body = Problem, content_type = "application/problem+json")))]
        async fn $update(
            _: Operator,
            State(state): State<AppState>,
            AppPath(id): AppPath<String>,
            AppJson(body): AppJson<Value>,
        ) -> Result<Json<$ty>, ApiError> {
            parse_id::<$id>(&id)?;
            let item: $ty = entry(body, &id)?;
            state.services.catalogue.$svc_update(&item).await?;
            Ok(Json(item))
        }

        /// Deletes an entry nothing refers to.
        #[utoipa::path(delete, path = $item, tag = "catalogue",
            params(("id" = String, Path)), security(("operator" = [])),
            responses((status = 204, description = "Deleted"),
                (status = 401, body = Problem, content_type = "application/problem+json"),
                (status = 404, body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "in_use", body = Problem, content_type = "application/problem+json")))]
        async fn $delete(
            _: Operator,
            State(state): State<AppState>,
            AppPath(id): AppPath<String>,
        ) -> Result<StatusCode, ApiError> {
            state
                .services
                .catalogue
                .$svc_delete(parse_id::<$id>(&id)?)
                .await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

catalogue_crud!(
    create_province,
    update_province,
    delete_province,
    Province,
    ProvinceId,
    ProvinceView,
    "/api/operator/v1/provinces",
    "/api/operator/v1/provinces/{id}",
    create_province,
    update_province,
    delete_province
);
catalogue_crud!(
    create_platform,
    update_platform,
    delete_platform,
    TradingPlatform,
    PlatformId,
    PlatformView,
    "/api/operator/v1/platforms",
    "/api/operator/v1/platforms/{id}",
    create_platform,
    update_platform,
    delete_platform
);
catalogue_crud!(
    create_ca,
    update_ca,
    delete_ca,
    CaOrganization,
    CaId,
    CaView,
    "/api/operator/v1/ca-organizations",
    "/api/operator/v1/ca-organizations/{id}",
    create_ca,
    update_ca,
    delete_ca
);
catalogue_crud!(
    create_validity,
    update_validity,
    delete_validity,
    ValidityOption,
    ValidityOptionId,
    ValidityView,
    "/api/operator/v1/validity-options",
    "/api/operator/v1/validity-options/{id}",
    create_validity_option,
    update_validity_option,
    delete_validity_option
);
