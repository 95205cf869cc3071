# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A notification command that only records how it was called: argv, chosen environment, time."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence

DEFAULT_ENV_PREFIXES = ("NAGIOS_", "SIPGATE_", "NOTIFY_")

SCRIPT = '''\
#!{python}
"""Appends one JSON line per call to {records}: argv, the environment under {prefixes}, and the time."""
import fcntl
import json
import os
import sys
import time

record = {{
    "time": time.time(),
    "argv": sys.argv[1:],
    "env": {{name: value for name, value in os.environ.items() if name.startswith({prefixes})}},
}}
# Engines run notifications in parallel: one writer at a time keeps every line whole.
with open({records}, "a", encoding="utf-8") as records:
    fcntl.flock(records, fcntl.LOCK_EX)
    records.write(json.dumps(record) + "\\n")
'''


def write_recorder(script_path: Path, records_path: Path, env_prefixes: Sequence[str] = DEFAULT_ENV_PREFIXES) -> Path:
    """Write the recording command to ``script_path`` (executable); it appends to ``records_path``."""
    script_path.parent.mkdir(parents=True, exist_ok=True)
    script_path.write_text(SCRIPT.format(
        python=sys.executable, records=repr(str(records_path)), prefixes=repr(tuple(env_prefixes)),
    ), encoding="utf-8")
    script_path.chmod(0o755)
    return script_path


def read_records(records_path: Path) -> List[Dict[str, Any]]:
    """Every call recorded so far, oldest first."""
    try:
        text = records_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    # A line still being written has no newline yet: leave it for the next look.
    return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


def options(argv: Sequence[str]) -> Dict[str, str]:
    """Short options with their values (``["-t", "PROBLEM", "-l", "web01"]``), as the stock mail script reads them."""
    if len(argv) % 2:
        raise ValueError(f"not option/value pairs: {argv!r}")
    return dict(zip(argv[::2], argv[1::2]))
