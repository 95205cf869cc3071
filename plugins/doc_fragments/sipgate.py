# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Connection and authentication options shared by every plugin that talks to sipgate."""

    DOCUMENTATION = r"""
options:
  token_id:
    description:
      - ID of a sipgate personal access token, like C(token-ABC123).
      - Create the token in the sipgate web app under C(Personal access tokens) with the scopes the task needs
        (C(sessions:sms:write) or C(sessions:write) to send; C(sms:read), C(sms:callerid:read), C(balance:read),
        C(history:read) to read; C(all) allows everything).
      - If not set, the environment variable E(SIPGATE_TOKEN_ID) is used.
      - Mutually exclusive with O(username) and O(access_token).
    type: str
  token:
    description:
      - The personal access token itself (a UUID). Keep it in Ansible Vault.
      - If not set, the environment variable E(SIPGATE_TOKEN) is used.
    type: str
  username:
    description:
      - E-mail address of a sipgate account, for the deprecated username/password login.
      - Prefer O(token_id) and O(token).
    type: str
  password:
    description:
      - Password of O(username).
    type: str
  access_token:
    description:
      - An OAuth2 access token, sent as bearer token.
      - If not set, the environment variable E(SIPGATE_ACCESS_TOKEN) is used.
    type: str
  api_url:
    description:
      - Base URL of the sipgate REST API.
      - If not set, the environment variable E(SIPGATE_API_URL) is used.
      - Plain C(http://) sends the credentials unencrypted. It is refused except on loopback (C(localhost), C(127.0.0.0/8),
        C(::1)), where a test endpoint may use it, with a warning.
    type: str
    default: https://api.sipgate.com/v2
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Leave it on except against a test endpoint.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the API to answer one request.
      - A send whose answer does not arrive in time is reported as delivery unknown and is not repeated.
    type: float
    default: 10
  retries:
    description:
      - How often to repeat a request that surely did not take effect (connection refused, HTTP 429, 502, 503 or 504).
      - C(Retry-After) is honoured, capped at 30 seconds. Proxies are taken from the usual environment variables.
    type: int
    default: 3
notes:
  - Secrets are never shown in results, logs or errors.
requirements:
  - requests >= 2.28 on the host that runs the module (usually the controller, with C(delegate_to=localhost)).
"""
