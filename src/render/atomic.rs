//! Atomic output files: every output is written to a temporary file in the target's
//! directory and renamed over the target only when the whole command has succeeded, so a
//! failed run leaves no file behind (and an existing one untouched). `-` means stdout.

use std::fs;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// An output that becomes visible only on [`AtomicOutput::commit`]; dropping it without a
/// commit deletes the temporary file.
pub struct AtomicOutput {
    target: Target,
}

enum Target {
    Stdout(BufWriter<Stdout>),
    File {
        tmp: BufWriter<NamedTempFile>,
        path: PathBuf,
    },
}

impl AtomicOutput {
    /// Starts writing `path` (`-` = stdout, written through directly).
    pub fn create(path: &str) -> io::Result<Self> {
        if path == "-" {
            return Ok(AtomicOutput {
                target: Target::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
            });
        }
        let path = PathBuf::from(path);
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)?;
        Ok(AtomicOutput {
            target: Target::File {
                tmp: BufWriter::with_capacity(1 << 16, tmp),
                path,
            },
        })
    }

    /// The final path (`None` for stdout).
    pub fn path(&self) -> Option<&Path> {
        match &self.target {
            Target::Stdout(_) => None,
            Target::File { path, .. } => Some(path),
        }
    }

    /// Flushes and renames the temporary file over the target.
    pub fn commit(self) -> io::Result<()> {
        match self.target {
            Target::Stdout(mut w) => w.flush(),
            Target::File { tmp, path } => {
                let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_data()?;
                set_readable(tmp.path(), &path)?;
                tmp.persist(&path).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

/// Temporary files are private (0600); give the output the mode of the file it replaces, or
/// the usual 0644.
#[cfg(unix)]
fn set_readable(tmp: &Path, target: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(target)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    fs::set_permissions(tmp, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_readable(_tmp: &Path, _target: &Path) -> io::Result<()> {
    Ok(())
}

impl Write for AtomicOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Stdout(w) => w.write(buf),
            Target::File { tmp, .. } => tmp.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout(w) => w.write_all(buf),
            Target::File { tmp, .. } => tmp.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout(w) => w.flush(),
            Target::File { tmp, .. } => tmp.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_drop_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.geojson");
        fs::write(&target, "old").unwrap();
        {
            let mut o = AtomicOutput::create(target.to_str().unwrap()).unwrap();
            o.write_all(b"new").unwrap();
            assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        }
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut o = AtomicOutput::create(target.to_str().unwrap()).unwrap();
        o.write_all(b"new").unwrap();
        o.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
