# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What configparser read from the settings file, kept until the file changes.

Importing configparser costs a run about 6 ms (it brings re, enum and collections): as much as
everything else an alert that is deduplicated or held needs. So its values are kept in the state
directory, in ``settings.cache.json``, under the file's path and identity (device, inode, size,
modification and change times, mode and owner): a file that changed in any way is read again.

- The token is never kept there: a run that sends reads it from the settings file.
- A file changed less than RACY_SECONDS before it was looked at is not kept: a second change
  within the same tick of the file system's clock (up to 2 s on some) could leave its size and
  times as they were. Its change time counts, which no one can set back.
- The cache is looked for where the state directory is before the file is read
  (SIPGATE_SMS_STATE_DIR, else the default), and kept only when the settings lead there: a file
  that names another state directory (without SIPGATE_SMS_STATE_DIR) is read on every run.

A cache that cannot be read or written is no error: the file is read as without one.
"""

from __future__ import annotations

import os

from sipgate_api.state_file import StateFileError, read_unlocked, write_atomically  # pylint: disable=import-error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

CACHE_FILE = "settings.cache.json"
RACY_SECONDS = 2.0
# The setting that is never kept; whether the file gives one is.
SECRET = "token"
# How many settings files one state directory keeps values of (one, as a rule).
MAX_FILES = 8


def identity(info: os.stat_result) -> list:
    """What changes whenever the file does: a new file, new content, new times, new mode or owner."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode, info.st_uid]


def _entries(state_dir: str) -> dict:
    try:
        data = read_unlocked(os.path.join(state_dir, CACHE_FILE), {})
    except (OSError, StateFileError):
        return {}
    return data if isinstance(data, dict) else {}


def lookup(state_dir: str, path: str, info: os.stat_result) -> Optional[dict]:
    """The file's values as last read (without the token, with ``token_given``), or None when the file is new to the cache."""
    entry = _entries(state_dir).get(path)
    if not isinstance(entry, dict) or entry.get("identity") != identity(info):
        return None
    values, token_given = entry.get("values"), entry.get("token_given")
    if not isinstance(values, dict) or SECRET in values or not isinstance(token_given, bool):
        return None
    if not all(isinstance(key, str) and isinstance(value, str) for key, value in values.items()):
        return None
    return {"values": values, "token_given": token_given}


def remember(state_dir: str, path: str, info: os.stat_result, values: dict, looked_at: float) -> None:
    """Keep the file's ``values`` (all but the token) for the next run, unless it had just changed when its status
    ``info`` was taken (``looked_at``: the time just before)."""
    if looked_at - info.st_ctime < RACY_SECONDS:
        return
    entries = _entries(state_dir)
    entries.pop(path, None)
    while len(entries) >= MAX_FILES:
        entries.pop(next(iter(entries)))
    entries[path] = {"identity": identity(info), "values": {key: value for key, value in values.items() if key != SECRET},
                     "token_given": bool(values.get(SECRET, "").strip())}
    try:
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        write_atomically(os.path.join(state_dir, CACHE_FILE), entries)
    except (OSError, StateFileError):
        pass  # the next run reads the file again
