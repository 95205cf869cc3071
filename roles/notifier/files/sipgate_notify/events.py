# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words the journal uses for what became of an alert or an SMS, defined once.

The policy's decisions (deduplicated, held) are journaled under these same names.
"""

SENT = "sent"
DIGEST_SENT = "digest_sent"
DEDUPLICATED = "deduplicated"
HELD = "held"
# Not delivered, kept in the outbox for the next run or --flush.
SPOOLED = "spooled"
# Maybe delivered (the answer never came, or the run that sent it ended first): kept for one more try.
DELIVERY_UNKNOWN = "delivery_unknown"
# Maybe delivered twice over and still no answer: never sent again, kept in the state's quarantine.
QUARANTINED = "quarantined"
FAILED = "failed"
# Not an alert's fate: the notifier's own files were unusable (set aside) or unwritable.
STATE_PROBLEM = "state_problem"
