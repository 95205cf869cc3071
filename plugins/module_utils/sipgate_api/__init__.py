# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sipgate API helper: the only code that speaks HTTP to sipgate.

Ansible-free on purpose (it needs Python 3 and ``requests`` only), so the notifier runs it on a
monitoring host as it is. The Ansible side lives beside this package, in ``sipgate_module``.
Importing the package imports none of its modules: each caller pays only for what it uses. The
modules a notifier run uses to decide (errors, outcomes, state_file, json_text, api_url) import
``typing`` only for type checkers (their ``TYPE_CHECKING = False`` blocks) and the rest of what
they need only when it is used.
"""
