//! Where the bytes of resource files live. The catalogue talks to a [`FileStore`]: chunks of
//! an upload are staged, the finished upload is checked against its declared SHA-256 and
//! size and then kept by its hash (content-addressed, so identical files are stored once and
//! a stored file never changes). The default is a local directory; an object store can take
//! its place behind the same trait.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use edu_domain::UploadId;
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// What sealing an upload found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealed {
    /// The bytes have the declared hash and size; they are now stored under the hash.
    Stored,
    /// They do not: nothing was stored.
    Mismatch { sha256: String, size: u64 },
}

/// The storage of resource files.
pub trait FileStore: Send + Sync + 'static {
    /// Writes `data` at `offset` of an upload's staging area (anything after it is cut).
    fn write_chunk<'a>(
        &'a self,
        upload: UploadId,
        offset: u64,
        data: &'a [u8],
    ) -> BoxFuture<'a, std::io::Result<()>>;

    /// Hashes the staged upload; stores it under its hash if it matches `sha256` and `size`.
    fn seal<'a>(
        &'a self,
        upload: UploadId,
        sha256: &'a str,
        size: u64,
    ) -> BoxFuture<'a, std::io::Result<Sealed>>;

    /// Reads at most `len` bytes of a stored file from `offset`.
    fn read<'a>(
        &'a self,
        sha256: &'a str,
        offset: u64,
        len: usize,
    ) -> BoxFuture<'a, std::io::Result<Vec<u8>>>;
}

/// Whether `s` is a lowercase hex SHA-256 (also what keeps paths inside the store).
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, what.to_owned())
}

/// Files in a local directory: `staging/<upload id>` while uploading, `objects/<sha256>`
/// once sealed.
#[derive(Debug, Clone)]
pub struct LocalFileStore {
    root: PathBuf,
}

impl LocalFileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn staging(&self, upload: UploadId) -> PathBuf {
        self.root.join("staging").join(upload.to_string())
    }

    fn object(&self, sha256: &str) -> std::io::Result<PathBuf> {
        if !is_sha256(sha256) {
            return Err(invalid("not a sha256"));
        }
        Ok(self.root.join("objects").join(&sha256[..2]).join(sha256))
    }
}

async fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((hex, size))
}

impl FileStore for LocalFileStore {
    fn write_chunk<'a>(
        &'a self,
        upload: UploadId,
        offset: u64,
        data: &'a [u8],
    ) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            let path = self.staging(upload);
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(&path)
                .await?;
            file.set_len(offset).await?;
            file.seek(SeekFrom::Start(offset)).await?;
            file.write_all(data).await?;
            file.sync_data().await
        })
    }

    fn seal<'a>(
        &'a self,
        upload: UploadId,
        sha256: &'a str,
        size: u64,
    ) -> BoxFuture<'a, std::io::Result<Sealed>> {
        Box::pin(async move {
            let staged = self.staging(upload);
            if tokio::fs::metadata(&staged).await.is_err() {
                // An empty upload never wrote a chunk.
                self.write_chunk(upload, 0, &[]).await?;
            }
            let (actual, actual_size) = hash_file(&staged).await?;
            if actual != sha256 || actual_size != size {
                return Ok(Sealed::Mismatch {
                    sha256: actual,
                    size: actual_size,
                });
            }
            let target = self.object(sha256)?;
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            // Same name, same content: renaming over an existing object changes nothing.
            tokio::fs::rename(&staged, &target).await?;
            Ok(Sealed::Stored)
        })
    }

    fn read<'a>(
        &'a self,
        sha256: &'a str,
        offset: u64,
        len: usize,
    ) -> BoxFuture<'a, std::io::Result<Vec<u8>>> {
        Box::pin(async move {
            let mut file = tokio::fs::File::open(self.object(sha256)?).await?;
            file.seek(SeekFrom::Start(offset)).await?;
            let mut buf = Vec::with_capacity(len);
            file.take(len as u64).read_to_end(&mut buf).await?;
            Ok(buf)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(data: &[u8]) -> String {
        Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[tokio::test]
    async fn chunks_are_sealed_by_hash_and_read_back() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("edu-files-{}", UploadId::new()));
        let store = LocalFileStore::new(&dir);
        let upload = UploadId::new();
        store.write_chunk(upload, 0, b"hello ").await?;
        store.write_chunk(upload, 6, b"world").await?;
        // A resent chunk rewrites the same bytes.
        store.write_chunk(upload, 6, b"world").await?;
        let wrong = store.seal(upload, &sha(b"nope"), 11).await?;
        assert!(matches!(wrong, Sealed::Mismatch { size: 11, .. }));
        let digest = sha(b"hello world");
        assert_eq!(store.seal(upload, &digest, 11).await?, Sealed::Stored);
        assert_eq!(store.read(&digest, 6, 100).await?, b"world".to_vec());
        assert!(store.read("../../etc/passwd", 0, 10).await.is_err());
        tokio::fs::remove_dir_all(&dir).await
    }
}
