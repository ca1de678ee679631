//! Exit codes: 0 success, 1 failure, 2 bad input (invalid file, row or argument).

/// Marks an error as the user's bad input, so `main` exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;

/// The exit code for an error from `cli::run`: 2 for bad input (including ingest problems
/// and store row/conflict errors), 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if cause.is::<BadInput>() || cause.is::<crate::ingest::IngestError>() {
            if let Some(crate::ingest::IngestError::Io { .. }) = cause.downcast_ref() {
                return EXIT_FAILURE;
            }
            return EXIT_BAD_INPUT;
        }
        if let Some(e) = cause.downcast_ref::<crate::store::StoreError>() {
            use crate::store::StoreError::*;
            if matches!(
                e,
                Row { .. }
                    | Conflict { .. }
                    | AlreadyImported { .. }
                    | BadUrl(_)
                    | NotFound { .. }
                    | Invalid(_)
            ) {
                return EXIT_BAD_INPUT;
            }
        }
    }
    EXIT_FAILURE
}
