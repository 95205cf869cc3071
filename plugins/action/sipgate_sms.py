# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs sipgateio.sms.sipgate_sms: lets tasks write ``message:``, and warns when every host would text.

The module's option is ``msg``, like community.general's twilio and slack modules: ansible-core
reserves ``message`` as an argument name, yet it is the word people reach for. The controller is
also the only place that knows how many hosts run a task: a task on several hosts without
``run_once`` or ``delegate_to`` runs the module on each of them, against each host's own record of
sent SMS, and each one texts.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible.plugins.action import ActionBase


def several_hosts_each_text(play_hosts: list, run_once: bool, delegated: bool, batch: Optional[list] = None) -> Optional[str]:
    """A warning when the task runs on several hosts that each keep their own record, or None.

    ``play_hosts`` are the play's active hosts, ``batch`` those of this ``serial`` batch (all by default):
    ``run_once`` runs once per batch, so with several batches it still texts once per batch.
    """
    batch = play_hosts if batch is None else batch
    if len(play_hosts) <= 1 or delegated or (run_once and len(batch) >= len(play_hosts)):
        return None
    named = ", ".join(str(host) for host in play_hosts[:3]) + (", ..." if len(play_hosts) > 3 else "")
    if run_once:
        return ("sipgate_sms runs once per serial batch of {0} hosts ({1}), each time on a host with its own record of sent "
                "SMS: each batch texts. Add delegate_to: localhost to share one record on the controller.".format(len(play_hosts), named))
    return ("sipgate_sms runs on {0} hosts ({1}), each with its own record of sent SMS: each host texts. Add "
            "run_once: true (and delegate_to: localhost) to text once, or delegate_to: localhost to share one record "
            "on the controller.".format(len(play_hosts), named))


def message_problem(module_args: dict) -> Optional[str]:
    """Why the message cannot be sent as given (a list or mapping would go out as Python's spelling of it), or None."""
    text = module_args.get("msg")
    if isinstance(text, (list, tuple, dict)):
        return ("msg: is a {0}, not a text; give one string (a list can be joined first, e.g. "
                "\"{{{{ lines | join(', ') }}}}\")".format("mapping" if isinstance(text, dict) else "list"))
    return None


def as_the_task_spelled_it(result: dict, spelled: str) -> dict:
    """An error about the text names the option as the task wrote it (``message`` or ``msg``)."""
    if spelled != "msg" and result.get("field") == "msg":
        result = dict(result, field=spelled)
        if isinstance(result.get("msg"), str) and result["msg"].startswith("msg: "):
            result["msg"] = spelled + result["msg"][3:]
    return result


class ActionModule(ActionBase):
    """Hands the task to the module, with ``message`` passed on as ``msg``."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: Optional[str] = None, task_vars: Optional[dict] = None) -> dict:
        task_vars = task_vars or {}
        result: dict[str, Any] = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        spelled = "message" if "message" in module_args else "msg"
        if "message" in module_args:
            if "msg" in module_args:
                result.update(failed=True, msg="message and msg are the same option: give only one of them")
                return result
            module_args["msg"] = module_args.pop("message")
        problem = message_problem(module_args)
        if problem:
            result.update(as_the_task_spelled_it({"failed": True, "msg": problem, "field": "msg", "changed": False}, spelled))
            return result
        batch = list(task_vars.get("ansible_play_batch") or [])
        # ansible_play_hosts is every active host of the play, ansible_play_batch those of this serial batch.
        warning = several_hosts_each_text(list(task_vars.get("ansible_play_hosts") or batch), bool(self._task.run_once),
                                          bool(self._task.delegate_to), batch)
        # The temporary directory is removed by the task executor's call to cleanup().
        result.update(as_the_task_spelled_it(self._execute_module(
            module_name="sipgateio.sms.sipgate_sms", module_args=module_args, task_vars=task_vars,
            wrap_async=bool(self._task.async_val and not self._connection.has_native_async)), spelled))
        if warning:
            result.setdefault("warnings", []).append(warning)
        return result
