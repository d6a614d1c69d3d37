//! The router: one module per group of routes.
//!
//! - [`health`]: `/healthz`, `/readyz`.
//! - [`accounts`], [`identity`], [`devices`], [`messages`], [`catalogue`]:
//!   the app API under `/api/app/v1`, documented in OpenAPI.
//! - [`applications`], [`keys`], [`certificates`]: personal certificates
//!   in the app API (issue 5), with the shared shapes in [`views`].
//! - [`enterprises`]: claiming an enterprise (B) in the app API; a claim
//!   is an application, paid, reviewed and downloaded like the others.
//! - [`joins`]: joining an enterprise (C): query, request, the admin's
//!   requests, the letter and its seal.
//! - [`people`]: an enterprise's people (D1) and authorizations (D2, E1).
//! - [`renewals`]: the admin's new enterprise certificate (D3) and the
//!   re-application letter of an expired one (D7).
//! - [`pki`]: CRL, OCSP and CA chains at the URLs in the certificates.
//! - [`review`]: the CA reviewers' API under `/api/review/v1`.
//! - [`rp`]: the relying-party API under `/api/rp/v1`, with its own
//!   OpenAPI document.
//! - [`rp_app`]: the phone's side of relying-party sessions in the app
//!   API (scan, refuse, approve step by step).
//! - [`operator`]: the operator API under `/api/operator/v1`.
//! - [`dev`]: development endpoints under `/api/dev`, development mode only.
//! - [`phone_app`]: the phone app's files under `/app/`.

pub mod accounts;
pub mod applications;
pub mod catalogue;
pub mod certificates;
pub mod dev;
pub mod devices;
pub mod enterprises;
pub mod health;
pub mod identity;
pub mod joins;
pub mod keys;
pub mod messages;
pub mod operator;
pub mod people;
pub mod phone_app;
pub mod pki;
pub mod renewals;
pub mod review;
pub mod rp;
pub mod rp_app;
pub mod seals;
pub mod views;
