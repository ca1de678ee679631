//! Embedded SQLite backend (default `sqlite://hotspot.db`).
use super::Result;

pub struct SqliteStore {}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self> {
        let _ = url;
        todo!()
    }
}
