# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real Nagios 4 and Icinga 2 daemons, run headless in a scratch folder, for end-to-end tests.

``engines.nagios.Nagios4Instance`` and ``engines.icinga.Icinga2Instance`` each write a
self-contained configuration (one host ``web01``, one service ``HTTP``, one contact with a
pager) whose notifications run a command of the test's choosing, start the daemon as a child
process, take passive check results, and stop it again by its PID.
"""
