#!/usr/bin/env bash
# make demo: start the bundled sipgate API simulator on loopback, send through the module
# (check mode, for real, rerun unchanged) and through the notifier with a sample Nagios alert,
# then show what the API received. Nothing leaves this machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
venv_bin="$repo/.venv/bin"
python="$venv_bin/python"
work=$(mktemp -d /tmp/sipgate-sms-demo.XXXXXX)
simulator_pid=""

cleanup() {
    if [ -n "$simulator_pid" ]; then kill "$simulator_pid" 2>/dev/null || true; wait "$simulator_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting the sipgate API simulator on loopback"
"$python" "$repo/tests/simulator/sipgate_simulator.py" --port 0 --url-file "$work/url" > "$work/simulator.log" 2>&1 &
simulator_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { cat "$work/simulator.log"; echo "simulator did not start" >&2; exit 1; }
api_url=$(cat "$work/url")
echo "API: $api_url"

# Demo credentials of the simulator, handed over in the environment (never on a command line).
eval "$(PYTHONPATH="$repo/tests" "$python" -c '
from simulator.sipgate_simulator import TOKEN_ID, TOKEN, SMS_ID
print("export SIPGATE_TOKEN_ID=%s SIPGATE_TOKEN=%s SIPGATE_SMS_ID=%s" % (TOKEN_ID, TOKEN, SMS_ID))')"
export SIPGATE_API_URL="$api_url"

mkdir -p "$work/collections/ansible_collections/sipgateio"
ln -s "$repo" "$work/collections/ansible_collections/sipgateio/sms"
export ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_HOME="$work/ansible" XDG_STATE_HOME="$work/state"
export ANSIBLE_PYTHON_INTERPRETER="$python" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
playbook=("$venv_bin/ansible-playbook" -i "localhost," "$repo/tests/demo/demo.yml")

step "1/3 The module in check mode with diff: shows what would go out, sends nothing"
"${playbook[@]}" --check --diff

step "2/3 The module for real: one SMS per recipient"
"${playbook[@]}"

step "3/3 The same play again: nothing to do (changed=0), no request made"
"${playbook[@]}"

step "The notifier with a sample Nagios alert (environment macros, as Nagios passes them)"
NAGIOS_NOTIFICATIONTYPE=PROBLEM NAGIOS_HOSTNAME=web01 NAGIOS_SERVICEDESC=HTTP NAGIOS_SERVICESTATE=CRITICAL \
NAGIOS_SERVICEOUTPUT="CRITICAL – Socket timeout after 10 seconds" NAGIOS_CONTACTPAGER=+4915799912345 \
SIPGATE_SMS_STATE_DIR="$work/notifier-state" \
    "$python" "$repo/roles/notifier/files/sipgate_sms_notify.py"
echo "notifier exit code: $? (0 = delivered)"
echo "journal: $(tail -n 1 "$work/notifier-state/journal.jsonl")"

step "What the sipgate API received"
"$python" - "$api_url" <<'PY'
import json, sys, urllib.request
base = sys.argv[1].rsplit("/v2", 1)[0]
requests_seen = json.load(urllib.request.urlopen(base + "/_sim/requests"))
posts = [r for r in requests_seen if r.get("method") == "POST"]
print("%d API requests, %d of them POST /sessions/sms" % (len(requests_seen), len(posts)))
for sms in json.load(urllib.request.urlopen(base + "/_sim/sms")):
    print("  to %-15s %-5s %d segment(s): %s" % (sms.get("recipient"), sms.get("encoding"), sms.get("segments", 0), sms.get("message")))
PY
