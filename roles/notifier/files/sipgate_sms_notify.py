#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate-sms-notify: send monitoring alerts (Nagios 4 / Naemon, Icinga 2, Checkmk) as SMS through sipgate.

Run it with ``--help`` for the options, the settings and the exit codes.

This launcher only makes two packages importable: ``sipgate_notify`` (the notifier) beside this
file, and ``sipgate_api`` (the collection's Ansible-free API helper), beside this file where the
role installed it, or in ``plugins/module_utils`` of a checkout of the collection.
Python 3.9+ and, for sending, ``requests`` are needed; Ansible is not.
"""

import os
import sys

HELPER = "sipgate_api"


def _helper_home(here: str) -> str:
    for folder in (here, os.path.join(here, "..", "..", "..", "plugins", "module_utils")):
        if os.path.isdir(os.path.join(folder, HELPER)):
            return os.path.normpath(folder)
    sys.stderr.write("sipgate-sms-notify: the package {0}/ is neither beside {1} nor in the collection's "
                     "plugins/module_utils; reinstall the notifier\n".format(HELPER, here))
    sys.exit(2)


if __name__ == "__main__":
    HERE = os.path.dirname(os.path.realpath(__file__))
    for home in sorted({HERE, _helper_home(HERE)}):
        sys.path.insert(0, home)
    from sipgate_notify.cli import main  # pylint: disable=import-error

    sys.exit(main(sys.argv[1:]))
