"""Creating files inside an output folder without following links planted there.

An output folder may be shared or prepared by someone else: a ``.lock``, a ``.tmp`` or ``.partial/`` that
is a symbolic link would make a plain ``open(..., "w")`` truncate or overwrite a file elsewhere. Every file
ingroup creates in an output folder is created here: new files exclusively (``O_EXCL``, which never follows
a link), files it reopens with ``O_NOFOLLOW``, and a link where ingroup writes is refused with a clear
error. Failures of the file system (a read-only folder, a full disk, a name too long) become
:class:`IngroupError` naming the path, so the CLI prints one line instead of a traceback.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import IngroupError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def os_error(exc: OSError, path: str | Path | None = None, doing: str = "write") -> IngroupError:
    """An OSError as one line a user can act on: what, where, why."""
    where = str(path if path is not None else (exc.filename or "?"))
    if exc.errno == errno.ELOOP:
        why = "it is a symbolic link; ingroup does not write through links in an output folder"
    elif exc.errno == errno.ENOSPC:
        why = "no space left on the device (what was written before is kept)"
    elif exc.errno == errno.ENAMETOOLONG:
        why = "the path is too long for the file system"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST) and doing == "create the folder":
        why = "a file of that name is in the way; --out must be a folder"
    else:
        why = exc.strerror or str(exc)
    return IngroupError(f"cannot {doing}: {why}", file=where)


def ensure_dir(path: str | Path) -> Path:
    """``path`` as an existing folder (created if needed); a file in the way is a clear error."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, p, "create the folder") from None
    if not p.is_dir():
        raise IngroupError("cannot create the folder: a file of that name is in the way; --out must be a folder",
                           file=str(p))
    return p


def ensure_subdir(parent: Path, name: str) -> Path:
    """A folder ingroup keeps inside an output folder (``.partial/``): refused if it is a link."""
    p = parent / name
    if p.is_symlink():
        raise IngroupError("it is a symbolic link; ingroup does not write through links in an output folder",
                           file=str(p))
    return ensure_dir(p)


def open_new(path: str | Path, *, binary: bool = False) -> IO:
    """A new file, created exclusively: an existing file or a link of that name is never written."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o644)
    except FileExistsError:  # the caller decides what an existing file means (a transcript: kept, refused)
        raise
    except OSError as exc:
        raise os_error(exc, p) from None
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding="utf-8")


def open_lock(path: str | Path) -> int:
    """A lock file's descriptor, opened without following a link and without truncating anything."""
    p = Path(path)
    try:
        return os.open(p, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644)
    except OSError as exc:
        raise os_error(exc, p) from None


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Replace ``path`` with ``data`` at once (a reader sees the old file or the new one). The temporary file
    gets a fresh random name (``mkstemp`` creates it exclusively), so a planted ``.tmp`` is never written
    through; ``os.replace`` replaces a link at ``path`` itself, never its target."""
    p = Path(path)
    ensure_dir(p.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    except OSError as exc:
        raise os_error(exc, p) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise os_error(exc, p) from None
    return p


@contextmanager
def folder_locked(out: str | Path, *, shared: bool) -> Iterator[None]:
    """Hold ``<out>/.lock`` while writing transcripts into ``out``. A sweep holds it alone (its resume moves
    unfinished transcripts of its plan aside, which must not be another process's live ones); ``run``
    shares it with other runs (their run ids never collide) but not with a sweep. The lock dies with its
    process, even on SIGKILL."""
    import fcntl

    folder = ensure_dir(out)
    fd = open_lock(folder / ".lock")
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngroupError(f"another ingroup {'sweep' if shared else 'process'} is writing to {folder}; "
                               "wait for it or use another --out") from None
        yield
    finally:
        os.close(fd)
