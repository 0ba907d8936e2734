"""Replace a file's contents so that readers see the old or the new bytes, never half."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

TEMPORARY_SUFFIX = ".cioguard-tmp"


def default_mode() -> int:
    """Return the permission bits a new file gets from the user's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def replace_file(path: Path, data: bytes, *, mode: int | None = None,
                 sync: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    A symbolic link is kept and its target replaced. The file keeps its
    permission bits; a new file gets ``mode``, or the umask's default.
    With ``sync``, the bytes reach the disk before the rename, for files a
    user would lose work over. Raises OSError; the temporary file is removed.
    """
    target = Path(os.path.realpath(path))
    if target.exists():
        mode = stat.S_IMODE(target.stat().st_mode)
    elif mode is None:
        mode = default_mode()
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if sync:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
