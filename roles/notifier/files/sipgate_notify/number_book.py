# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recipients in E.164, with the spellings read before kept in the state: a repeat needs no libphonenumber.

Reading a number with libphonenumber's metadata (``phonenumbers``) costs a run tens of
milliseconds, more than everything else a deduplicated alert needs. What it makes of a spelling
in a region does not change while the metadata stays, so the state's part ``numbers`` keeps it:
region -> spelling -> ``{"number": E.164, "used": last time}``. A spelling found there is taken
from there; any other one is read with ``phonenumbers`` and kept when it is valid. A refused one
is never kept: it is read again each time, so the refusal and its reason are always those of the
installed library, and a library that learns the number accepts it at once.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

# Spellings not used for this long are forgotten (a contact changes pager, a rota ends).
NUMBER_MEMORY = 30 * 24 * 3600.0
# At most this many are kept; beyond that the least recently used go first.
MAX_NUMBERS = 500
# "used" is renewed at most this often: a repeated alert must not cost a write of the state.
USE_RENEWAL = 24 * 3600.0


class NumberBook:
    """The numbers of recipients as people spell them, read in ``region``; ``known`` is the state's part, or None."""

    def __init__(self, region: str, known: Optional[dict], now: float) -> None:
        self.region = region
        self.known = known
        self.now = now

    def e164(self, spelling: str) -> str:
        """The number ``spelling`` stands for; SmsValidationError (from the helper) when it is none."""
        entry = self.known.get(self.region, {}).get(spelling) if self.known is not None else None
        if entry is not None:
            if self.now - entry["used"] >= USE_RENEWAL:
                entry["used"] = self.now
            return str(entry["number"])
        # Imported here: libphonenumber's metadata is what a known spelling saves.
        from sipgate_api.request import normalise_recipient  # pylint: disable=import-error,import-outside-toplevel

        number = normalise_recipient(spelling, "recipient", region=self.region)
        if self.known is not None:
            self.known.setdefault(self.region, {})[spelling] = {"number": number, "used": self.now}
        return number


def forget_unused(known: dict, now: float) -> None:
    """Drop spellings not used for NUMBER_MEMORY, then the least recently used beyond MAX_NUMBERS."""
    entries = [(entry["used"], region, spelling) for region, spellings in known.items() for spelling, entry in spellings.items()]
    stale = [(region, spelling) for used, region, spelling in entries if now - used >= NUMBER_MEMORY]
    fresh = sorted((entry for entry in entries if now - entry[0] < NUMBER_MEMORY), reverse=True)
    for _used, region, spelling in fresh[MAX_NUMBERS:]:
        stale.append((region, spelling))
    for region, spelling in stale:
        del known[region][spelling]
    for region in [region for region, spellings in known.items() if not spellings]:
        del known[region]
