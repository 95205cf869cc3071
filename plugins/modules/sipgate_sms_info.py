#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sipgate_sms_info
short_description: Show a sipgate account's SMS extensions, caller ids and balance, and what the credentials may do
version_added: 0.1.0
description:
  - Reads the user id, the web SMS extensions, the caller ids of each extension and the balance of a sipgate account.
  - Explains in plain words what the given credentials can and cannot do, in RV(diagnose). It learns that only from
    read-only calls, so whether the credentials may send stays unknown.
  - Credentials that may only send (a token with just the scope C(sessions:sms:write) or C(sessions:write)) do not make
    the task fail.
    Each part they may not read is left out (returned as V(null)) and explained in RV(diagnose.messages).
  - Wrong credentials (HTTP 401), a wrong O(api_url) or an unreachable API make the task fail.
  - Never changes anything, never sends an SMS.
extends_documentation_fragment:
  - sipgateio.sms.sipgate
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so it runs the same in check mode.
  diff_mode:
    support: N/A
    details: The module never changes anything.
  platform:
    support: full
    platforms: posix
    details: Runs wherever Python and C(requests) are installed; usually the controller, with C(delegate_to=localhost).
options:
  sms_id:
    description:
      - Look up the caller ids of this SMS extension only (C(s) followed by digits, like V(s0)).
      - Useful with credentials that cannot list the extensions, or to save requests on an account with many.
      - If not set, the environment variable E(SIPGATE_SMS_ID) is used; without either, every listed extension is looked up.
    type: str
author:
  - sipgateio.sms maintainers (@sipgateio)
seealso:
  - module: sipgateio.sms.sipgate_sms
"""

EXAMPLES = r"""
- name: Learn which SMS extension to send from
  sipgateio.sms.sipgate_sms_info:
    token_id: "{{ sipgate_token_id }}"
    token: "{{ sipgate_token }}"
  delegate_to: localhost
  run_once: true
  register: sipgate

- name: Send from the first extension
  sipgateio.sms.sipgate_sms:
    token_id: "{{ sipgate_token_id }}"
    token: "{{ sipgate_token }}"
    sms_id: "{{ sipgate.sms_extensions[0].id }}"
    recipients: "+4915799912345"
    message: Deployment finished
  delegate_to: localhost
  run_once: true

- name: Warn when the balance runs low (the amount is a decimal string)
  ansible.builtin.debug:
    msg: "sipgate balance is only {{ sipgate.balance.amount }} {{ sipgate.balance.currency }}"
  when: sipgate.balance is not none and (sipgate.balance.amount | float) < 5

- name: Explain what a send-only token may not do
  ansible.builtin.debug:
    msg: "{{ sipgate.diagnose.messages }}"
  when: sipgate.diagnose.messages | length > 0

- name: Caller ids of one extension, with credentials from SIPGATE_TOKEN_ID and SIPGATE_TOKEN
  sipgateio.sms.sipgate_sms_info:
    sms_id: s0
  delegate_to: localhost
  register: extension_s0
"""

RETURN = r"""
user_id:
  description: The account's user id, like C(w0). V(null) when the credentials may not read it.
  returned: always
  type: str
  sample: w0
sms_extensions:
  description: The account's web SMS extensions. V(null) when the credentials may not list them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The extension id to give as O(sipgateio.sms.sipgate_sms#module:sms_id).
      type: str
      sample: s0
    alias:
      description: The name given to the extension in the sipgate app.
      type: str
      sample: Monitoring
    caller_id:
      description: The number shown as sender; sipgate shows C(sipgate) unless a verified mobile number is set.
      type: str
      sample: "+4915799912345"
caller_ids:
  description:
    - The caller ids of each extension looked up, keyed by extension id.
    - V(null) when the credentials may not read any of them.
  returned: always
  type: dict
  sample: {"s0": [{"number": "+4915799912345", "verified": true, "default": true}]}
  contains:
    number:
      description: The phone number.
      type: str
    verified:
      description: Whether the number is verified and so may be shown as sender.
      type: bool
    default:
      description: Whether the number is the extension's default sender.
      type: bool
balance:
  description: The account's balance. V(null) when the credentials may not read it.
  returned: always
  type: dict
  contains:
    amount:
      description:
        - The balance as an exact decimal string with four places, in RV(balance.currency).
        - sipgate counts in ten-thousandths, so no rounding happens. Use C(| float) to compare it.
      type: str
      sample: "12.3400"
    currency:
      description: The currency, usually C(EUR).
      type: str
      sample: EUR
diagnose:
  description: What the credentials can and cannot do, learnt from the status codes of read-only calls.
  returned: always
  type: dict
  contains:
    authenticated:
      description: Whether sipgate accepted the credentials. Always V(true), since wrong credentials fail the task.
      type: bool
      sample: true
    can_read_user_id:
      description: Whether the user id could be read.
      type: bool
      sample: true
    can_list_extensions:
      description: Whether the SMS extensions could be listed (scope C(sms:read) or C(all)). V(null) when not tried.
      type: bool
      sample: false
    can_read_caller_ids:
      description:
        - Whether the caller ids could be read (scope C(sms:read), C(sms:callerid:read) or C(all)).
        - V(null) when there was no extension to look up.
      type: bool
      sample: false
    can_read_balance:
      description: Whether the balance could be read (scope C(balance:read) or C(all)).
      type: bool
      sample: false
    can_read_history:
      description: Whether the history of sent SMS could be read (scope C(history:read) or C(all)).
      type: bool
      sample: false
    can_send:
      description:
        - Always C(unknown (cannot be tested without sending)).
        - Sending needs one of the scopes C(sessions:sms:write), C(sessions:write) or C(all).
      type: str
      sample: unknown (cannot be tested without sending)
    messages:
      description: One sentence for each thing the credentials cannot do, with what to do instead. Empty when all reads worked.
      type: list
      elements: str
      sample:
        - "the credentials lack the scope 'sms:read' (or 'all') (HTTP 403): SMS extensions cannot be listed; give sms_id explicitly when sending"
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.diagnosis import inspect_account
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_module import (
    HELPER_ERRORS, connection_argument_spec, connection_from_params, fail_with, require_requests)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import validate_sms_id


def argument_spec() -> dict:
    spec = connection_argument_spec()
    spec["sms_id"] = {"type": "str", "fallback": (env_fallback, ["SIPGATE_SMS_ID"])}
    return spec


def run_module(module: AnsibleModule) -> dict:
    sms_id = validate_sms_id(module.params["sms_id"]) if module.params["sms_id"] else None
    with connection_from_params(module.params, module.warn).open_client() as client:
        report = inspect_account(client, sms_id)
    return dict(changed=False, **report.as_dict())


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    require_requests(module)
    try:
        module.exit_json(**run_module(module))
    except HELPER_ERRORS as error:
        fail_with(module, error)


if __name__ == "__main__":
    main()
