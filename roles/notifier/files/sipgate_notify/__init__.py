# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notification script's parts: alert parsing, message, policy, spool, journal, command line.

Talking to sipgate is the job of the collection's helper package ``sipgate_api``, which the
launcher makes importable beside this one.
"""
