//! Bearer-token access control.
//!
//! Tokens are 256 random bits printed once as 64 hex characters; the store keeps only their
//! sha256, so a leaked database does not leak usable tokens. Roles are ordered
//! viewer < analyst < admin ([`Role`]). A missing, unknown or revoked token is a 401, a valid
//! token with too low a role a 403; both carry `WWW-Authenticate: Bearer`. With `--open`,
//! requests without a token act as an anonymous viewer.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use crate::store::Role;

/// Who is calling, as resolved from the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `None` for an anonymous caller (only possible with `--open`).
    pub role: Option<Role>,
    pub name: String,
}

impl Caller {
    /// Fails with 401 (anonymous) or 403 (too low a role) unless the caller has `needed`.
    pub fn require(&self, needed: Role) -> Result<Role, ApiError> {
        match self.role {
            None => Err(ApiError::Unauthorized(
                "missing bearer token (Authorization: Bearer <token>)".into(),
            )),
            Some(r) if r >= needed => Ok(r),
            Some(r) => Err(ApiError::Forbidden(format!(
                "role {} may not do this; {} needed",
                r.as_str(),
                needed.as_str()
            ))),
        }
    }
}

/// A fresh token: 32 bytes from the OS-seeded CSPRNG, hex encoded (64 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The hex sha256 under which a token is stored.
///
/// ```
/// assert_eq!(
///     hotspot::server::auth::token_hash("abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Resolves the caller; an invalid token is an error even with `--open`, so that a typo is not
/// silently downgraded to anonymous access.
pub async fn resolve(state: &AppState, authorization: Option<&str>) -> Result<Caller, ApiError> {
    let Some(value) = authorization else {
        return Ok(Caller {
            role: state.config.open.then_some(Role::Viewer),
            name: "anonymous".into(),
        });
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized("Authorization must be `Bearer <token>`".into()))?;
    let record = state.store.token_by_hash(&token_hash(token)).await?;
    match record {
        Some(r) if !r.revoked => Ok(Caller {
            role: Some(r.role),
            name: r.name,
        }),
        Some(_) => Err(ApiError::Unauthorized("token revoked".into())),
        None => Err(ApiError::Unauthorized("unknown token".into())),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = match parts.headers.get(header::AUTHORIZATION) {
            Some(v) => Some(
                v.to_str()
                    .map_err(|_| ApiError::Unauthorized("Authorization is not ASCII".into()))?,
            ),
            None => None,
        };
        let caller = resolve(state, auth).await?;
        super::access_log::set_role(caller.role.map_or("anonymous", Role::as_str));
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_hex_and_distinct() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn roles_are_ordered_and_checked() {
        let viewer = Caller {
            role: Some(Role::Viewer),
            name: "v".into(),
        };
        assert!(viewer.require(Role::Viewer).is_ok());
        assert!(matches!(
            viewer.require(Role::Analyst),
            Err(ApiError::Forbidden(_))
        ));
        let anon = Caller {
            role: None,
            name: "anonymous".into(),
        };
        assert!(matches!(
            anon.require(Role::Viewer),
            Err(ApiError::Unauthorized(_))
        ));
        assert_eq!("ADMIN".parse::<Role>().ok(), Some(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }
}
