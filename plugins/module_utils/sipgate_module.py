# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible side of the helper: shared argument spec and turning options into a client.

Only modules import this; the notifier uses the Ansible-free files beside it.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Optional

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from .sipgate_api import phone_numbers
from .sipgate_api.client import DEFAULT_API_URL, HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from .sipgate_api.connection import Connection
from .sipgate_api.credentials import KINDS, choose_credentials
from .sipgate_api.errors import SipgateError, SmsValidationError
from .sipgate_api.state_file import StateFileError


def connection_argument_spec() -> dict:
    """Options documented in the sipgateio.sms.sipgate doc fragment."""
    return {
        "token_id": {"type": "str", "fallback": (env_fallback, ["SIPGATE_TOKEN_ID"])},
        "token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["SIPGATE_TOKEN"])},
        "username": {"type": "str"},
        "password": {"type": "str", "no_log": True},
        "access_token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["SIPGATE_ACCESS_TOKEN"])},
        "api_url": {"type": "str", "default": DEFAULT_API_URL, "fallback": (env_fallback, ["SIPGATE_API_URL"])},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 10.0},
        "retries": {"type": "int", "default": 3},
    }


CREDENTIAL_OPTIONS = tuple(field for _kind, fields in KINDS for field in fields)


def without_environment_kinds(given: dict, environ: Mapping[str, str]) -> dict:
    """The task's own credentials win over a kind the environment filled in (set for the callback, say).

    Only when the options hold more than one kind: a kind whose every value is its environment
    variable's (the options' fallbacks) is then dropped, as long as another kind remains.
    """
    spec = connection_argument_spec()
    variables = {field: spec[field]["fallback"][1][0] for field in CREDENTIAL_OPTIONS if "fallback" in spec[field]}
    kinds = [fields for _kind, fields in KINDS if any(given[field] for field in fields)]
    for fields in list(kinds):
        from_environment = all(field in variables and given[field] and given[field] == environ.get(variables[field]) for field in fields)
        if from_environment and len(kinds) > 1:
            given = dict(given, **dict.fromkeys(fields))
            kinds.remove(fields)
    return given


def require_requests(module: AnsibleModule) -> None:
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


def require_phonenumbers(module: AnsibleModule) -> None:
    error = phone_numbers.import_error()
    if error:
        module.fail_json(msg=missing_required_lib("phonenumbers"), exception=error)


def connection_from_params(params: dict, warn: Optional[Callable[[str], None]] = None, **extra: int) -> Connection:
    """The connection the module's options describe; raises SmsValidationError naming a bad option.

    Plain http is refused beyond loopback; on loopback its warning goes to ``warn``.
    """
    given = without_environment_kinds({name: params.get(name) for name in CREDENTIAL_OPTIONS}, os.environ)
    credentials = choose_credentials(**given)
    connection = Connection(credentials, api_url=params["api_url"], timeout=params["timeout"],
                            validate_certs=params["validate_certs"], retries=params["retries"], **extra)
    if connection.warning and warn is not None:
        warn(connection.warning)
    return connection


def fail_with(module: AnsibleModule, error: Exception, **result: Any) -> None:
    """Report a helper error as a failed task, with the HTTP status where there is one."""
    if isinstance(error, SipgateError):
        module.fail_json(msg=error.message, status=error.status, delivery=error.delivery, **result)
    if isinstance(error, SmsValidationError):
        module.fail_json(msg=str(error), field=error.field, **result)
    if isinstance(error, StateFileError):
        module.fail_json(msg=str(error), **result)
    raise error


HELPER_ERRORS = (SipgateError, SmsValidationError, StateFileError)
