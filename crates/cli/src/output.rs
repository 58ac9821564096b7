//! Every file weft writes: its path checked before any work is done, its bytes written whole
//! or not at all.
//!
//! A file is written through a temporary file in the same folder, flushed, synced and renamed
//! over the target, so that a full disk or a killed process leaves the old file as it was and
//! two writers never splice. Only a regular file (or nothing) is replaced: a symbolic link, a
//! device or a folder at the path is refused, not replaced.

use anyhow::{bail, Context, Result};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Refuses `path` as a file to write, before any work: it must be a regular file or not
/// exist, in a folder that exists and in which a file can be created.
pub fn check_file(path: &Path) -> Result<()> {
    replaceable(path)?;
    check_folder(folder_of(path))
}

/// Refuses to replace what is at `path` unless it is a regular file (or nothing).
fn replaceable(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => bail!(
            "cannot write {}: it is {}; weft only replaces regular files",
            path.display(),
            kind(&meta)
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => bail!("cannot write {}: {e}", path.display()),
    }
}

/// Makes `dir` a folder files can be written in (creating it if needed), before any work.
pub fn check_dir(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(meta) if meta.file_type().is_symlink() && dir.is_dir() => {}
        Ok(meta) => bail!(
            "cannot write into {}: it is {}, not a folder",
            dir.display(),
            kind(&meta)
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?,
        Err(e) => bail!("cannot write into {}: {e}", dir.display()),
    }
    check_folder(dir)
}

/// Writes `bytes` to `path` whole or not at all (see the [module documentation](self)).
/// The folder is not probed first (callers check paths before their work, with
/// [`check_file`]); creating the temporary file in it is the test.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    replaceable(path)?;
    let dir = folder_of(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".weft-");
    // Readable as a file made by `File::create` is (the umask applies), not only by its owner.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let failed = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
    let mut tmp = builder.tempfile_in(dir).map_err(failed)?;
    tmp.write_all(bytes).map_err(failed)?;
    tmp.flush().map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    // The rename itself made durable; a folder that cannot be synced loses nothing written.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A file name in `dir` for `stem` + `suffix` that no earlier call with the same `taken` gave:
/// two scenarios whose names agree get `stem-2`, `stem-3`, ... instead of one overwriting the
/// other.
pub fn unique_in(
    dir: &Path,
    stem: &str,
    suffix: &str,
    taken: &mut std::collections::HashSet<String>,
) -> PathBuf {
    let mut name = format!("{stem}{suffix}");
    let mut n = 1;
    while !taken.insert(name.clone()) {
        n += 1;
        name = format!("{stem}-{n}{suffix}");
    }
    dir.join(name)
}

/// The folder a file at `path` is in.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Whether a file can be created in `dir`: tried with a temporary file, removed at once.
fn check_folder(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!("cannot write into {}: no such folder", dir.display());
    }
    tempfile::Builder::new()
        .prefix(".weft-")
        .tempfile_in(dir)
        .map(drop)
        .with_context(|| format!("cannot write into {}", dir.display()))
}

/// What a non-regular file is, in words.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_file() {
        return "a regular file";
    }
    if t.is_dir() {
        return "a folder";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_what_is_not_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let e = write(dir.path(), b"x").unwrap_err().to_string();
        assert!(e.contains("it is a folder"), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            let e = write(&link, b"x").unwrap_err().to_string();
            assert!(e.contains("a symbolic link"), "{e}");
            assert_eq!(std::fs::read(&path).unwrap(), b"two");
            let e = check_file(Path::new("/dev/null")).unwrap_err().to_string();
            assert!(e.contains("a device"), "{e}");
        }
        let e = check_file(&dir.path().join("no/such/t.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such folder"), "{e}");
    }

    #[test]
    fn names_that_agree_are_made_unique() {
        let mut taken = Default::default();
        let dir = Path::new("d");
        let a = unique_in(dir, "x", ".trace.json", &mut taken);
        let b = unique_in(dir, "x", ".trace.json", &mut taken);
        let c = unique_in(dir, "x", ".trace.json", &mut taken);
        assert_eq!(
            [a, b, c],
            ["d/x.trace.json", "d/x-2.trace.json", "d/x-3.trace.json"].map(PathBuf::from)
        );
    }
}
