//! The one error type of the HTTP layer and its JSON rendering
//! (`{"error": "...", "details": [{"line", "column", "message"}]}`, documented in /api/openapi.json).

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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
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
    /// The database does not answer (503).
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn bad_param(name: &str, message: impl std::fmt::Display) -> Self {
        ApiError::BadRequest(format!("parameter {name}: {message}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let details = match &self {
            ApiError::Unprocessable { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: self.to_string(),
            details,
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
            StoreError::Database(_) => ApiError::Unavailable(e.to_string()),
            // BadUrl, Migrate and variants added later: a server-side problem.
            #[allow(unreachable_patterns)]
            _ => ApiError::Internal(e.to_string()),
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
        }
    }
}
