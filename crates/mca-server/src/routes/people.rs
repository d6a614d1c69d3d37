//! An enterprise's people (D1) and authorizations (D2, E1) in the app API:
//! the members, deleting a person, the authorizations with their history,
//! the admin's grant to a staff member, a staff member's request for
//! another enterprise certificate, deleting an authorization.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_domain::{AuthorizationId, EnterpriseId, InvitationId, PersonName, Phone, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::applications::CertificateInfoRequest;
use super::joins::{AuthorizationView, permissions};
use super::views::{ApplicationView, body_id, path_id, time};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// `POST /me/enterprises/{id}/invitations` (D1, admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// The person's name (their verified name must match to accept).
    pub name: String,
    /// Their mobile number: the invitation waits for its login.
    pub phone: String,
}

/// An open invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    /// The invitation.
    pub id: String,
    /// The enterprise inviting.
    pub enterprise_id: String,
    /// Its name.
    pub enterprise_name: String,
    /// The invited name.
    pub name: String,
    /// The invited phone, masked.
    pub phone_masked: String,
    /// `open` or `accepted`.
    pub state: String,
    /// Created, RFC 3339.
    pub created_at: String,
}

impl InvitationView {
    fn new(i: &mca_domain::store::Invitation, enterprise_name: &str) -> Self {
        InvitationView {
            id: i.id.to_string(),
            enterprise_id: i.enterprise_id.to_string(),
            enterprise_name: enterprise_name.to_owned(),
            name: i.name.as_str().to_owned(),
            phone_masked: i.phone.masked(),
            state: i.state.as_str().to_owned(),
            created_at: time(i.created_at),
        }
    }
}

/// `POST /me/enterprises/{id}/authorizations` (D2 新增授权, admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// The staff member to authorize (a `user_id` of the members list).
    pub user_id: String,
    /// The certificate info: its platform is the one authorized.
    #[serde(flatten)]
    pub info: CertificateInfoRequest,
    /// `login`, `sign`, `seal`, `encrypt`, `decrypt` (at least one).
    pub permissions: Vec<String>,
}

/// `POST /me/enterprises/{id}/certificate-requests` (E1, staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequestBody {
    /// The certificate info: its platform is the one to be authorized.
    #[serde(flatten)]
    pub info: CertificateInfoRequest,
    /// `login`, `sign`, `seal`, `encrypt`, `decrypt` (at least one).
    pub permissions: Vec<String>,
}

/// A member of an enterprise, as its admin sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// The member's user id.
    pub user_id: String,
    /// Their verified name.
    pub name: String,
    /// Their phone, masked.
    pub phone_masked: String,
    /// `admin` or `staff`.
    pub role: String,
    /// Since, RFC 3339.
    pub since: String,
}

/// D1: the enterprise's people (admin only).
#[utoipa::path(get, path = "/api/app/v1/me/enterprises/{id}/members", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), security(("device" = [])),
    responses((status = 200, body = Vec<MemberView>),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json")))]
pub async fn members(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let list = state
        .certs
        .enterprises
        .members(req.caller.user, enterprise)
        .await?;
    Ok(Json(
        list.iter()
            .map(|m| MemberView {
                user_id: m.membership.user_id.to_string(),
                name: m.name.clone(),
                phone_masked: m.phone_masked.clone(),
                role: m.membership.role.as_str().to_owned(),
                since: time(m.membership.created_at),
            })
            .collect(),
    ))
}

/// D1: deletes a person (not the admin): their authorizations end and
/// their enterprise certificates are revoked (affiliationChanged).
#[utoipa::path(delete, path = "/api/app/v1/me/enterprises/{id}/members/{user_id}", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise"), ("user_id" = String, Path, description = "The member")),
    security(("device" = [])),
    responses((status = 204),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn remove_member(
    State(state): State<AppState>,
    AppPath((id, user_id)): AppPath<(String, String)>,
    req: Signed<()>,
) -> Result<StatusCode, ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let user: UserId = path_id(&user_id)?;
    state
        .certs
        .enterprises
        .remove_member(req.caller.user, enterprise, user)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// D2: every authorization of the enterprise, deleted ones too (its
/// history), oldest first (admin only). List by platform or person on the
/// client.
#[utoipa::path(get, path = "/api/app/v1/me/enterprises/{id}/authorizations", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), security(("device" = [])),
    responses((status = 200, body = Vec<AuthorizationView>),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json")))]
pub async fn authorizations(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<Vec<AuthorizationView>>, ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let list = state
        .certs
        .enterprises
        .authorizations(req.caller.user, enterprise)
        .await?;
    Ok(Json(list.iter().map(AuthorizationView::from).collect()))
}

/// D2 新增授权: the admin authorizes a staff member on a platform: an
/// application (subject `agent`) of the staff member, who is told to pay
/// it; paid, it comes back to the admin to seal (`awaiting_admin`).
#[utoipa::path(post, path = "/api/app/v1/me/enterprises/{id}/authorizations", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), request_body = GrantRequest,
    security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member, or info not in the catalogue", body = Problem, content_type = "application/problem+json")))]
pub async fn grant(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<GrantRequest>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let holder: UserId = body_id(&req.body.user_id, "user_id")?;
    let (app, order) = state
        .certs
        .enterprises
        .grant(
            req.caller.user,
            enterprise,
            holder,
            req.body.info.parse()?,
            permissions(&req.body.permissions)?,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}

/// E1: a staff member asks for another enterprise certificate (another
/// platform or permissions): an application to pay, which then goes to
/// the admin to seal, like a join but without the admin's details.
#[utoipa::path(post, path = "/api/app/v1/me/enterprises/{id}/certificate-requests", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), request_body = CertificateRequestBody,
    security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 404, description = "Not staff of this enterprise, or info not in the catalogue", body = Problem, content_type = "application/problem+json")))]
pub async fn request_certificate(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<CertificateRequestBody>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let (app, order) = state
        .certs
        .enterprises
        .request_certificate(
            req.caller.user,
            enterprise,
            req.body.info.parse()?,
            permissions(&req.body.permissions)?,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}

/// D2: deletes an authorization: from now on the holder's certificate
/// does not serve its platform (`not_authorized_for_platform`).
#[utoipa::path(delete, path = "/api/app/v1/me/authorizations/{id}", tag = "enterprises",
    params(("id" = String, Path, description = "The authorization")), security(("device" = [])),
    responses((status = 204),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Deleted already", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_authorization(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<StatusCode, ApiError> {
    let id: AuthorizationId = path_id(&id)?;
    state
        .certs
        .enterprises
        .delete_authorization(req.caller.user, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// D1 新增人员: invites a person by name and phone (admin only). An
/// existing account is told by message at once; otherwise the invitation
/// waits for that phone's first login (`GET /me/invitations`).
#[utoipa::path(post, path = "/api/app/v1/me/enterprises/{id}/invitations", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), request_body = InviteRequest,
    security(("device" = [])),
    responses((status = 201, body = InvitationView),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_member`, or `already_exists` (one open invitation per phone)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_name` or `invalid_phone`", body = Problem, content_type = "application/problem+json")))]
pub async fn invite(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<InviteRequest>,
) -> Result<(StatusCode, Json<InvitationView>), ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let name = PersonName::parse(&req.body.name)?;
    let phone = Phone::parse(&req.body.phone)?;
    let (invitation, enterprise_name) = state
        .certs
        .enterprises
        .invite(req.caller.user, enterprise, &name, &phone)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationView::new(&invitation, &enterprise_name)),
    ))
}

/// The open invitations of the caller's phone.
#[utoipa::path(get, path = "/api/app/v1/me/invitations", tag = "enterprises",
    security(("device" = [])), responses((status = 200, body = Vec<InvitationView>)))]
pub async fn invitations(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<InvitationView>>, ApiError> {
    let list = state.certs.enterprises.invitations(req.caller.user).await?;
    Ok(Json(
        list.iter()
            .map(|(i, name)| InvitationView::new(i, name))
            .collect(),
    ))
}

/// Accepts an invitation of the caller's phone (their verified name must
/// be the invited one) with the certificate info and permissions asked
/// for: an application (subject `agent`) to pay, then sealed by the admin.
#[utoipa::path(post, path = "/api/app/v1/me/invitations/{id}/acceptance", tag = "enterprises",
    params(("id" = String, Path, description = "The invitation")), request_body = CertificateRequestBody,
    security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 404, description = "No open invitation of this phone and name", body = Problem, content_type = "application/problem+json")))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<CertificateRequestBody>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let id: InvitationId = path_id(&id)?;
    let (app, order) = state
        .certs
        .enterprises
        .accept_invitation(
            req.caller.user,
            id,
            req.body.info.parse()?,
            permissions(&req.body.permissions)?,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}
