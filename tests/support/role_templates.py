# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notifier role's templates rendered outside a play, so engine tests run the very definitions the role writes.

Only the filters those templates use are provided, as Ansible defines them (``quote`` is shell quoting,
``to_json`` JSON); tests/role renders the same templates through Ansible itself.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import jinja2

from .ansible_runner import REPO_ROOT

ROLE_TEMPLATES = REPO_ROOT / "roles" / "notifier" / "templates"


def render_role_template(name: str, **variables: Any) -> str:
    """``roles/notifier/templates/<name>`` with ``variables``; an undefined variable is an error."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROLE_TEMPLATES)), trim_blocks=True,
                                     keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    environment.filters.update({"quote": shlex.quote, "to_json": json.dumps})
    return environment.get_template(name).render(ansible_managed="managed by the test", **variables)
