//! The one error type of the HTTP layer and its JSON rendering
//! (`{"error": "...", "request_id": "...", "details": [{"line", "column", "message"}]}`).
//!
//! Error policy: a 4xx message is written for the caller and names what to fix; a 5xx
//! message is generic. The detail of a 5xx (database text, which may quote SQL, values or
//! the server's configuration) goes only to the log, next to the request id that the
//! answer carries, so an operator can find it and a client learns nothing about the
//! database.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::ingest::{IngestError, Problem};
use crate::store::StoreError;

/// One row-level problem of an upload, as the web map shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub line: u64,
    pub column: String,
    pub message: String,
}

impl From<&Problem> for ErrorDetail {
    fn from(p: &Problem) -> Self {
        ErrorDetail {
            line: p.line,
            column: p.column.clone(),
            message: p.message.clone(),
        }
    }
}

/// Body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    /// The id of this request in the server log (also the `x-request-id` header).
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
    /// The query parameter at fault, when one value was refused (`format`, `f`, `names`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The values that parameter accepts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
}

/// Errors of the HTTP layer; each maps to one status code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or an unknown or revoked one (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The token's role is too low (403).
    #[error("{0}")]
    Forbidden(String),
    /// A query parameter or body is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// A query parameter's value is not one of a closed list (400, with the parameter and
    /// the list in the body so a client can show them).
    #[error("parameter {parameter}: {message}")]
    BadValue {
        parameter: String,
        message: String,
        accepted: Vec<String>,
    },
    #[error("{0}")]
    NotFound(String),
    /// The same id or file already exists (409).
    #[error("{0}")]
    Conflict(String),
    /// Well-formed but invalid content, with row-level details (422).
    #[error("{message}")]
    Unprocessable {
        message: String,
        details: Vec<ErrorDetail>,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The database does not answer (503); the text is logged, never sent.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected server-side failure (500); the text is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// `If-Match` names a version that is no longer current (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// `If-Match` is required and missing (428).
    #[error("{0}")]
    PreconditionRequired(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) | ApiError::BadValue { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
        }
    }

    /// What the caller is told: the message for 4xx, a generic sentence for 5xx.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Unavailable(_) => {
                "service unavailable: the database did not answer; try again later".into()
            }
            ApiError::Internal(_) => "internal error".into(),
            other => other.to_string(),
        }
    }

    pub fn bad_param(name: &str, message: impl std::fmt::Display) -> Self {
        ApiError::BadRequest(format!("parameter {name}: {message}"))
    }

    /// `parameter` has value `given`, which is not one of `accepted`.
    pub fn bad_value(parameter: &str, given: &str, accepted: &[&str]) -> Self {
        ApiError::BadValue {
            parameter: parameter.into(),
            message: format!("{given:?}: accepted values: {}", accepted.join(", ")),
            accepted: accepted.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let request_id = super::access_log::request_id();
        if status.is_server_error() {
            tracing::error!(request_id = %request_id, error = %self, "request failed");
        }
        let details = match &self {
            ApiError::Unprocessable { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        let (parameter, accepted) = match &self {
            ApiError::BadValue {
                parameter,
                accepted,
                ..
            } => (Some(parameter.clone()), accepted.clone()),
            _ => (None, Vec::new()),
        };
        let body = ErrorBody {
            error: self.public_message(),
            request_id,
            details,
            parameter,
            accepted,
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hotspot\""),
            );
        } else if status == StatusCode::FORBIDDEN {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hotspot\", error=\"insufficient_scope\""),
            );
        }
        resp
    }
}

/// Every store error by name (no `_` arm): a new variant does not compile until it is given
/// a status here.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            StoreError::Conflict { row, ref id } => ApiError::Unprocessable {
                message: e.to_string(),
                details: vec![ErrorDetail {
                    line: row as u64 + 2,
                    column: "id".into(),
                    message: format!("duplicate id {id:?}"),
                }],
            },
            StoreError::Row { row, ref message } => ApiError::Unprocessable {
                details: vec![ErrorDetail {
                    line: row as u64 + 2,
                    column: "-".into(),
                    message: message.clone(),
                }],
                message: e.to_string(),
            },
            StoreError::AlreadyImported { .. } => ApiError::Conflict(e.to_string()),
            StoreError::Invalid(m) => ApiError::BadRequest(m),
            StoreError::Stale { .. } => ApiError::PreconditionFailed(e.to_string()),
            StoreError::Database(_) | StoreError::Interrupted { .. } => {
                ApiError::Unavailable(e.to_string())
            }
            StoreError::BadUrl(_) | StoreError::Migrate(_) | StoreError::Backup(_) => {
                ApiError::Internal(e.to_string())
            }
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Invalid { problems, total } => ApiError::Unprocessable {
                message: format!("invalid input: {total} problem(s), nothing was stored"),
                details: problems.iter().map(ErrorDetail::from).collect(),
            },
            IngestError::Io { .. } => ApiError::BadRequest(e.to_string()),
        }
    }
}

impl From<crate::analysis::AnalysisError> for ApiError {
    fn from(e: crate::analysis::AnalysisError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::ops::OpsError> for ApiError {
    fn from(e: crate::ops::OpsError) -> Self {
        use crate::lifecycle::LifecycleError;
        use crate::ops::OpsError;
        match e {
            OpsError::Parameter { name, message } => ApiError::bad_param(name, message),
            OpsError::NotFound(m) => ApiError::NotFound(m),
            OpsError::Analysis(e) => e.into(),
            OpsError::Lifecycle(LifecycleError::UnknownArea(id)) => {
                ApiError::NotFound(format!("area {id:?} not found"))
            }
            OpsError::Lifecycle(e @ LifecycleError::Parameter { .. }) => {
                ApiError::BadRequest(e.to_string())
            }
            OpsError::Store(e) => e.into(),
            OpsError::Io(e) => ApiError::Internal(format!("writing the answer: {e}")),
            OpsError::Chart(e) => ApiError::Unprocessable {
                message: e.to_string(),
                details: vec![],
            },
            OpsError::Briefing(e) => ApiError::Internal(e.to_string()),
            OpsError::Format(e) => ApiError::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_tell_the_client_nothing_about_the_database() {
        let e: ApiError = StoreError::Database(sqlx::Error::Protocol(
            "expected CopyOutResponse, got ReadyForQuery at postgres://u:pw@db".into(),
        ))
        .into();
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let public = e.public_message();
        assert!(
            !public.contains("Copy") && !public.contains("pw"),
            "{public}"
        );
        let e: ApiError =
            StoreError::Migrate(sqlx::migrate::MigrateError::VersionMissing(2)).into();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.public_message(), "internal error");
    }

    #[test]
    fn client_errors_keep_their_message() {
        let e: ApiError = StoreError::Stale {
            what: "plan",
            id: "7".into(),
            expected: 1,
            current: 2,
        }
        .into();
        assert_eq!(e.status(), StatusCode::PRECONDITION_FAILED);
        assert!(
            e.public_message().contains("version 1"),
            "{}",
            e.public_message()
        );
        let e: ApiError =
            StoreError::Invalid("parameter from: 0000-01-01 is outside".into()).into();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert!(e.public_message().starts_with("parameter from"));
    }
}
