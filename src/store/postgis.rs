//! PostgreSQL + PostGIS backend for servers.
use super::Result;

pub struct PostgisStore {}

impl PostgisStore {
    pub async fn open(url: &str) -> Result<Self> {
        let _ = url;
        todo!()
    }
}
