//! Chunked uploads, until they are sealed into a version's file.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::catalogue::Upload;
use edu_domain::{GroupId, SchoolId, UploadId};

use crate::schema::uploads;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
pub struct UploadRow {
    pub id: UploadId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub file_name: String,
    pub content_type: String,
    pub received: i64,
    pub sha256: Option<String>,
    pub finished: bool,
    pub created_at: DateTime<Utc>,
}

impl UploadRow {
    pub fn view(&self) -> Upload {
        Upload {
            id: self.id,
            group_id: self.group_id,
            school_id: self.school_id,
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            received: u64::try_from(self.received).unwrap_or_default(),
            sha256: self.sha256.clone(),
            finished: self.finished,
        }
    }
}

pub async fn insert_upload(conn: &mut AsyncPgConnection, row: &UploadRow) -> QueryResult<()> {
    diesel::insert_into(uploads::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upload_for_update(
    conn: &mut AsyncPgConnection,
    id: UploadId,
) -> QueryResult<Option<UploadRow>> {
    uploads::table
        .find(id.0)
        .select(UploadRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn set_received(conn: &mut AsyncPgConnection, id: UploadId, n: i64) -> QueryResult<()> {
    diesel::update(uploads::table.find(id.0))
        .set(uploads::received.eq(n))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn finish_upload(
    conn: &mut AsyncPgConnection,
    id: UploadId,
    sha256: &str,
) -> QueryResult<()> {
    diesel::update(uploads::table.find(id.0))
        .set((uploads::sha256.eq(sha256), uploads::finished.eq(true)))
        .execute(conn)
        .await
        .map(|_| ())
}
