//! Where connleak may write, and how: every file it writes (`--fix`,
//! `--write-baseline`, `--output`, a report) goes through here.
//!
//! The checked code may come from anyone, and a pull request can add
//! symbolic links: `connleak-baseline.json -> ~/.bashrc`, or a folder
//! `reports -> /etc`. So a write is allowed only when its file lies inside
//! the repository (the git work tree around the current folder, or that
//! folder outside git) and no symbolic link inside the repository stands
//! on its path, the file itself included. The new bytes go to a fresh file
//! beside the target (created exclusively, so no link is followed) that is
//! then renamed over it: a reader never sees half a file, and the rename
//! replaces a path, never writes through one. `--fix` also hands in the
//! text it read, and a file that changed since is left alone.
//!
//! Owns no output format and no analysis: callers pass bytes.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The folder writes must stay in: the git work tree that holds `start`,
/// or `start` itself when it is in none; canonical.
pub fn repository_root(start: &Path) -> Result<PathBuf, String> {
    let start = absolute(start)?;
    let start = fs::canonicalize(&start)
        .map_err(|error| format!("cannot resolve {}: {error}", start.display()))?;
    let toplevel = Command::new("git")
        .arg("-C")
        .arg(&start)
        // A repository's configuration must not make git run anything.
        .args(["-c", "core.fsmonitor=false", "rev-parse", "--show-toplevel"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .output();
    match toplevel {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            let root = PathBuf::from(text.trim_end_matches(['\n', '\r']));
            fs::canonicalize(&root)
                .map_err(|error| format!("cannot resolve {}: {error}", root.display()))
        }
        // No git, or not in a repository: the folder itself bounds writes.
        _ => Ok(start),
    }
}

/// Checks that `path` may be written inside `root` (canonical, as
/// [`repository_root`] gives it), and returns it as an absolute path.
pub fn check_target(path: &Path, root: &Path) -> Result<PathBuf, String> {
    let target = absolute(path)?;
    let shown = path.display();
    if target.file_name().is_none()
        || matches!(target.components().next_back(), Some(Component::ParentDir))
    {
        return Err(format!("{shown}: not a file name"));
    }
    // Every step of the path as written, the file included: a link among
    // them that lives inside the repository is the checked code's doing.
    for step in target.ancestors() {
        let is_link = fs::symlink_metadata(step).is_ok_and(|meta| meta.file_type().is_symlink());
        if is_link && lies_inside(step, root) {
            let what = if step == target {
                String::from("a symbolic link")
            } else {
                format!("its folder {} is a symbolic link", step.display())
            };
            return Err(format!(
                "{shown}: {what}; connleak does not write through links inside the repository"
            ));
        }
    }
    let parent = target.parent().unwrap_or(Path::new("/"));
    let real_parent = fs::canonicalize(parent)
        .map_err(|error| format!("{shown}: cannot use folder {}: {error}", parent.display()))?;
    if !real_parent.starts_with(root) {
        return Err(format!(
            "{shown}: outside the repository ({}); connleak writes only inside it \
             (redirect standard output to write elsewhere)",
            root.display()
        ));
    }
    if let Ok(meta) = fs::symlink_metadata(&target) {
        if !meta.file_type().is_file() {
            return Err(format!("{shown}: exists and is not a regular file"));
        }
    }
    Ok(real_parent.join(target.file_name().unwrap_or_default()))
}

/// Writes `bytes` to `path` inside `root`, replacing the file whole.
pub fn write_file(path: &Path, bytes: &[u8], root: &Path) -> Result<(), String> {
    let target = check_target(path, root)?;
    replace(&target, bytes).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Replaces the text of an existing file inside `root` with `new`, only if
/// it still holds `expected`: `--fix` must not overwrite edits made since
/// the file was read.
pub fn rewrite_file(path: &Path, expected: &str, new: &str, root: &Path) -> Result<(), String> {
    let target = check_target(path, root)?;
    let current =
        fs::read(&target).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    // Reading strips a byte-order mark; compare the text as it was checked,
    // and keep the mark.
    let mark = "\u{feff}".as_bytes();
    let (had_mark, text) = match current.strip_prefix(mark) {
        Some(text) => (true, text),
        None => (false, current.as_slice()),
    };
    if text != expected.as_bytes() {
        return Err(format!(
            "{}: changed since it was checked; not fixed (run again)",
            path.display()
        ));
    }
    let mut bytes = Vec::with_capacity(new.len() + 3);
    if had_mark {
        bytes.extend_from_slice(mark);
    }
    bytes.extend_from_slice(new.as_bytes());
    replace(&target, &bytes).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Whether a path's own location (its parent folder, resolved) lies inside
/// `root`.
fn lies_inside(path: &Path, root: &Path) -> bool {
    let Some(parent) = path.parent() else {
        return false;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    fs::canonicalize(parent).is_ok_and(|real| real.starts_with(root))
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .map_err(|error| format!("cannot read the current folder: {error}"))
    }
}

/// Writes a fresh file beside `target` and renames it over `target`,
/// keeping the old file's permissions.
fn replace(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let permissions = fs::metadata(target).ok().map(|meta| meta.permissions());
    let mut attempt = 0u32;
    let (temporary, mut file) = loop {
        let candidate = folder.join(format!(".{name}.connleak-{}-{attempt}", std::process::id()));
        // `create_new` fails on anything already there, a link included.
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| match permissions {
            Some(permissions) => fs::set_permissions(&temporary, permissions),
            None => Ok(()),
        })
        .and_then(|()| fs::rename(&temporary, target));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_inside_and_refuses_links_and_the_outside() {
        let outside = tempfile::tempdir().expect("temporary folder");
        let repo = tempfile::tempdir().expect("temporary folder");
        let root = fs::canonicalize(repo.path()).expect("canonical");
        fs::create_dir(root.join("reports")).expect("folder");

        write_file(&root.join("reports/a.json"), b"{}", &root).expect("inside is fine");
        assert_eq!(
            fs::read(root.join("reports/a.json")).expect("written"),
            b"{}"
        );

        let secret = outside.path().join("secret");
        fs::write(&secret, "keep").expect("secret");
        std::os::unix::fs::symlink(&secret, root.join("link.json")).expect("link");
        let error = write_file(&root.join("link.json"), b"x", &root).expect_err("a link");
        assert!(error.contains("symbolic link"), "{error}");
        std::os::unix::fs::symlink(outside.path(), root.join("out")).expect("folder link");
        let error =
            write_file(&root.join("out/new.json"), b"x", &root).expect_err("through a link");
        assert!(error.contains("symbolic link"), "{error}");
        let error = write_file(&outside.path().join("x.json"), b"x", &root).expect_err("outside");
        assert!(error.contains("outside the repository"), "{error}");
        assert_eq!(fs::read_to_string(&secret).expect("secret"), "keep");
        assert!(!outside.path().join("new.json").exists());
    }

    #[test]
    fn rewrite_refuses_a_file_changed_since_it_was_read() {
        let repo = tempfile::tempdir().expect("temporary folder");
        let root = fs::canonicalize(repo.path()).expect("canonical");
        let file = root.join("a.rs");
        fs::write(&file, "fn a() {}\n").expect("write");
        let error = rewrite_file(&file, "fn b() {}\n", "fn c() {}\n", &root).expect_err("changed");
        assert!(error.contains("changed since"), "{error}");
        rewrite_file(&file, "fn a() {}\n", "fn c() {}\n", &root).expect("unchanged");
        assert_eq!(fs::read_to_string(&file).expect("read"), "fn c() {}\n");
    }
}
