# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notification script's parts: alert parsing, message, policy, spool, journal, delivery, command line.

Importing the package registers the sipgate API helper as ``sipgate_api`` (see ``helper``), so
every part can import it; an incomplete installation raises ``helper.HelperNotFound``.
"""

from .helper import load_helper

load_helper()
