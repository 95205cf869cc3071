# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lets tasks write ``message:`` for the module's ``msg`` option.

Ansible reserves ``message`` as a module argument name, yet it is the word people reach for
(and what ``ansible.builtin.uri`` users put in their JSON). The rename happens here, before
the module runs, so the module itself only ever sees ``msg``.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    """Runs sipgateio.sms.sipgate_sms with ``message`` renamed to ``msg``."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp: Optional[str] = None, task_vars: Optional[dict] = None) -> dict:
        self._supports_check_mode = True
        self._supports_async = True
        result: dict[str, Any] = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        if "message" in module_args:
            if "msg" in module_args:
                result.update(failed=True, msg="message and msg are the same option: give only one of them")
                return result
            module_args["msg"] = module_args.pop("message")
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result.update(self._execute_module(module_name="sipgateio.sms.sipgate_sms", module_args=module_args,
                                           task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
