# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notification script's parts: alert parsing, message, policy, spool, journal, command line.

Talking to sipgate is the job of the collection's helper package ``sipgate_api``, which the
launcher makes importable beside this one.

Every run is a process of its own, and most runs of an alert storm send nothing: a module that
deciding needs imports only what deciding needs (``tests/notifier/test_notifier_imports.py``
holds the list). So type names come from ``typing`` only for type checkers (the modules'
``TYPE_CHECKING = False`` blocks: importing ``typing`` costs a run), annotations stay unevaluated,
and what sending, the text or a new phone number need is imported where it is used.
"""
