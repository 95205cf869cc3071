# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the collection's sipgate API helper and loading it as the package ``sipgate_api``.

The helper files import each other relatively (``from .sms_encoding import ...``), so they must be
loaded as a package. A synthetic package whose ``__path__`` is the folder found lets that work the
same in a checkout and on a monitoring host, without Ansible.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path
from typing import Optional

PACKAGE_NAME = "sipgate_api"
HELPER_DIR_VARIABLE = "SIPGATE_SMS_HELPER_DIR"
MARKER = "sms_fitting.py"


class HelperNotFound(ImportError):
    """The helper files are nowhere to be found: the installation is incomplete."""


def candidate_dirs(package_dir: Path) -> list:
    """Where the helper may be: the environment's choice, deployed beside us, or a checkout."""
    candidates = []
    if os.environ.get(HELPER_DIR_VARIABLE):
        candidates.append(Path(os.environ[HELPER_DIR_VARIABLE]))
    lib = package_dir.parent
    candidates += [lib / "module_utils", lib / PACKAGE_NAME]
    if len(lib.parents) > 2:
        # roles/notifier/files in a checkout of the collection
        candidates.append(lib.parents[2] / "plugins" / "module_utils")
    return candidates


def find_helper_dir(package_dir: Optional[Path] = None) -> Path:
    here = package_dir or Path(__file__).resolve().parent
    for folder in candidate_dirs(here):
        if (folder / MARKER).is_file():
            return folder.resolve()
    raise HelperNotFound("the sipgate API helper ({0} and its siblings) is not in any of: {1}; reinstall the notifier or set {2}".format(
        MARKER, ", ".join(str(folder) for folder in candidate_dirs(here)), HELPER_DIR_VARIABLE))


def load_helper(package_dir: Optional[Path] = None) -> types.ModuleType:
    """The package ``sipgate_api`` (registered once); its modules import lazily, as used."""
    if PACKAGE_NAME in sys.modules:
        return sys.modules[PACKAGE_NAME]
    folder = find_helper_dir(package_dir)
    package = types.ModuleType(PACKAGE_NAME, "The sipgate API helper, loaded from {0}".format(folder))
    package.__path__ = [str(folder)]
    package.__package__ = PACKAGE_NAME
    sys.modules[PACKAGE_NAME] = package
    return package
