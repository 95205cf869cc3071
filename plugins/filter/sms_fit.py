# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: sms_fit
short_description: Make a generated text fit a number of SMS segments
version_added: 0.1.0
description:
  - Folds tabs, newlines and runs of spaces into one space.
  - Replaces typographic characters (curly quotes, dashes, ellipsis, accented letters outside GSM-7, emoji)
    with GSM-7 look-alikes, so one stray character does not turn the SMS into the costlier UCS-2 encoding.
  - Cuts the text at a word boundary, ending in C(...), so that it fits O(max_segments) SMS
    (160 GSM-7 characters for one, 153 per part when concatenated; characters of the extension table count twice).
  - Use it for texts you build from task results, such as deployment notifications. The C(sipgateio.sms.sipgate_sms) module
    itself never changes a message.
options:
  _input:
    description: The text to fit.
    type: str
    required: true
  max_segments:
    description: How many SMS segments the text may take.
    type: int
    default: 1
  transliterate:
    description:
      - Replace characters outside GSM-7. When V(false), a text with such characters stays UCS-2 and is cut to 70 (or 67 per part) characters.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Text the failed task, cut to one SMS
  sipgateio.sms.sipgate_sms:
    recipients: "{{ oncall_numbers }}"
    message: "{{ ('DEPLOY FAILED ' ~ inventory_hostname ~ ': ' ~ ansible_failed_result.msg) | sipgateio.sms.sms_fit }}"

- name: Allow two segments and keep umlauts (they are GSM-7 anyway)
  ansible.builtin.debug:
    msg: "{{ long_text | sipgateio.sms.sms_fit(max_segments=2) }}"
"""

RETURN = r"""
_value:
  description: The text, folded, transliterated and cut to fit.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.fitting import fit


def sms_fit(text: object, max_segments: int = 1, transliterate: bool = True) -> str:
    if not isinstance(text, str):
        raise AnsibleFilterError("sms_fit: the input must be a string, not {0}".format(type(text).__name__))
    if not isinstance(max_segments, int) or isinstance(max_segments, bool) or max_segments < 1:
        raise AnsibleFilterError("sms_fit: max_segments must be a whole number of at least 1, not {0!r}".format(max_segments))
    return fit(text, max_segments, transliterate=bool(transliterate))


class FilterModule:
    """The sms_fit filter."""

    def filters(self) -> dict:
        return {"sms_fit": sms_fit}
