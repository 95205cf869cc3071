# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A loopback simulator of the sipgate REST API v2 for tests, benchmarks and the demo."""

from __future__ import annotations
