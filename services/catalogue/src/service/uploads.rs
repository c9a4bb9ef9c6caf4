//! Files: chunked uploads sealed by their SHA-256, and reading a version's file back.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::membership_view::Lock;
use edu_contracts::catalogue::{
    CHUNK_BYTES, Chunk, FileChunk, FileRead, NewUpload, Upload, UploadFinish,
};
use edu_contracts::{Actor, Command};
use edu_db::idempotency;
use edu_domain::{Problem, UploadId, text};

use super::{CatalogueService, Result, readable, writer};
use crate::error::CatalogueError;
use crate::files::{Sealed, is_sha256};
use crate::store::{self, UploadRow};

impl CatalogueService {
    pub async fn begin_upload(&self, cmd: Command<NewUpload>) -> Result<Upload> {
        let file_name = text::required("file_name", &cmd.body.file_name, 200)?;
        if file_name.contains(['/', '\\']) {
            return Err(Problem::validation(
                "file_name",
                "file_name is a name, not a path",
                "file_name 不能包含路径",
            )
            .into());
        }
        let content_type = text::required("content_type", &cmd.body.content_type, 100)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "upload.begin",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let school = writer(conn, &cmd.actor, cmd.body.group_id).await?;
                let row = UploadRow {
                    id: UploadId::new(),
                    group_id: cmd.body.group_id,
                    school_id: school,
                    file_name: file_name.clone(),
                    content_type: content_type.clone(),
                    received: 0,
                    sha256: None,
                    finished: false,
                    created_at: Utc::now(),
                };
                store::insert_upload(conn, &row).await?;
                Ok(row.view())
            },
        )
        .await
    }

    /// The uploading school's open upload, locked (another school's is not found).
    async fn own_upload(
        conn: &mut AsyncPgConnection,
        actor: &Actor,
        id: UploadId,
    ) -> Result<UploadRow> {
        store::upload_for_update(conn, id)
            .await?
            .filter(|u| actor.school_id == Some(u.school_id))
            .ok_or(CatalogueError::UploadNotFound)
    }

    /// Appends a chunk at `offset`; a chunk already stored is accepted and changes nothing.
    pub async fn upload_chunk(&self, cmd: Command<Chunk>) -> Result<Upload> {
        let data = BASE64.decode(cmd.body.data.as_bytes()).map_err(|_| {
            Problem::validation("data", "data is not base64", "data 不是有效的 base64")
        })?;
        if data.len() > CHUNK_BYTES {
            return Err(Problem::validation(
                "data",
                "a chunk is at most 512 KiB",
                "单个分片最大 512 KiB",
            )
            .into());
        }
        let offset = cmd.body.offset;
        let end = offset.saturating_add(data.len() as u64);
        if end > self.max_file_bytes {
            return Err(CatalogueError::TooLarge(self.max_file_bytes));
        }
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let mut row = Self::own_upload(conn, &cmd.actor, cmd.body.upload_id).await?;
            if row.finished {
                return Err(CatalogueError::UploadState("the upload is finished"));
            }
            let received = u64::try_from(row.received).unwrap_or_default();
            if end <= received {
                return Ok(row.view());
            }
            if offset > received {
                return Err(CatalogueError::UploadState(
                    "a chunk starts after the bytes received so far",
                ));
            }
            self.files.write_chunk(row.id, offset, &data).await?;
            row.received = i64::try_from(end).unwrap_or(i64::MAX);
            store::set_received(conn, row.id, row.received).await?;
            Ok(row.view())
        })
        .await
    }

    /// Seals an upload: its bytes must have the declared SHA-256 and size.
    pub async fn finish_upload(&self, cmd: Command<UploadFinish>) -> Result<Upload> {
        let sha256 = cmd.body.sha256.to_ascii_lowercase();
        if !is_sha256(&sha256) {
            return Err(Problem::validation(
                "sha256",
                "sha256 is 64 hexadecimal characters",
                "sha256 必须是 64 位十六进制字符",
            )
            .into());
        }
        if cmd.body.size > self.max_file_bytes {
            return Err(CatalogueError::TooLarge(self.max_file_bytes));
        }
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let mut row = Self::own_upload(conn, &cmd.actor, cmd.body.upload_id).await?;
            if row.finished {
                return match row.sha256 == Some(sha256.clone()) {
                    true => Ok(row.view()),
                    false => Err(CatalogueError::UploadState("the upload is finished")),
                };
            }
            match self.files.seal(row.id, &sha256, cmd.body.size).await? {
                Sealed::Mismatch { sha256, size } => {
                    Err(CatalogueError::HashMismatch { sha256, size })
                }
                Sealed::Stored => {
                    store::finish_upload(conn, row.id, &sha256).await?;
                    row.sha256 = Some(sha256.clone());
                    row.finished = true;
                    Ok(row.view())
                }
            }
        })
        .await
    }

    /// A piece of a version's file, for whoever may see the resource (nobody outside the group).
    pub async fn read_file(&self, cmd: Command<FileRead>) -> Result<FileChunk> {
        let mut conn = self.conn().await?;
        let (row, _) = readable(&mut conn, &cmd.actor, cmd.body.resource_id, Lock::None).await?;
        let number = cmd.body.version.unwrap_or(row.latest_version);
        let version = store::version(&mut conn, row.id, number)
            .await?
            .ok_or(CatalogueError::VersionNotFound)?;
        drop(conn);
        let file = version.file().ok_or(CatalogueError::FileNotFound)?;
        let offset = cmd.body.offset;
        if offset > file.size {
            return Err(Problem::validation(
                "offset",
                "offset is beyond the end of the file",
                "offset 超出文件长度",
            )
            .into());
        }
        let len = usize::try_from(file.size - offset)
            .unwrap_or(CHUNK_BYTES)
            .min(CHUNK_BYTES);
        let data = self.files.read(&file.sha256, offset, len).await?;
        Ok(FileChunk {
            file,
            version: number,
            offset,
            data: BASE64.encode(data),
        })
    }
}
