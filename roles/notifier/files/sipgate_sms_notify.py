#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate-sms-notify: send monitoring alerts (Nagios 4 / Naemon, Icinga 2, Checkmk) as SMS through sipgate.

Run it with ``--help`` for the options, the settings and the exit codes.

Where the code lives. This file is a thin launcher for the package ``sipgate_notify`` and the
collection's sipgate API helper (the files of ``plugins/module_utils``). It looks for them here:

- the package ``sipgate_notify/``: in ``$SIPGATE_SMS_LIB_DIR``, else in the folder of this file
  (symbolic links resolved), else in ``/usr/local/lib/sipgate-sms``;
- the helper files: in ``$SIPGATE_SMS_HELPER_DIR``, else in ``module_utils/`` beside the package
  (the deployed layout), else in ``../../../plugins/module_utils`` (a checkout of the collection).

Deployed layout (what the role installs)::

    /usr/local/lib/sipgate-sms/sipgate_sms_notify.py
    /usr/local/lib/sipgate-sms/sipgate_notify/*.py
    /usr/local/lib/sipgate-sms/module_utils/*.py       (the helper files)
    /usr/local/bin/sipgate-sms-notify                  (see below)

``/usr/local/bin/sipgate-sms-notify`` is best a two-line wrapper that names the interpreter with
``requests`` (``exec /usr/bin/python3 /usr/local/lib/sipgate-sms/sipgate_sms_notify.py "$@"``):
the shebang says ``python``, which is Python 3 only where python-is-python3 is installed. A symbolic
link to this file works there too.

Only Python 3.9+ and, for sending, ``requests`` are needed; Ansible is not.
"""

import os
import sys

INSTALL_DIR = "/usr/local/lib/sipgate-sms"
PACKAGE = "sipgate_notify"


def _package_home() -> str:
    here = os.path.dirname(os.path.realpath(__file__))
    for folder in (os.environ.get("SIPGATE_SMS_LIB_DIR", ""), here, INSTALL_DIR):
        if folder and os.path.isdir(os.path.join(folder, PACKAGE)):
            return folder
    sys.stderr.write("sipgate-sms-notify: the package {0}/ is neither beside {1} nor in {2}; "
                     "reinstall the notifier or set SIPGATE_SMS_LIB_DIR\n".format(PACKAGE, here, INSTALL_DIR))
    sys.exit(2)


if __name__ == "__main__":
    sys.path.insert(0, _package_home())
    try:
        from sipgate_notify.cli import main  # pylint: disable=import-error
    except ImportError as error:  # the helper or the package is incomplete: a permanent error
        sys.stderr.write("sipgate-sms-notify: {0}\n".format(error))
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
