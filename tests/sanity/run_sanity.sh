#!/usr/bin/env bash
# Run `ansible-test sanity` against this collection with one of the project's virtualenvs.
#
#   tests/sanity/run_sanity.sh VENV PYTHON_VERSION [more ansible-test sanity options]
#   tests/sanity/run_sanity.sh .venv 3.11
#   tests/sanity/run_sanity.sh .venv-latest 3.12 --test pylint
#
# ansible-test only works from inside .../ansible_collections/<namespace>/<name>/, and it tests
# every file it finds there. So the files git knows about (tracked, plus new ones not ignored)
# are copied into such a tree in a temporary directory: virtualenvs, the pytest-ansible
# `collections/` folder and other ignored output stay out, and sanity sees what a commit would hold.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 VENV PYTHON_VERSION [ansible-test sanity options]" >&2
    exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=$(cd "$repo_root" && cd "$1" && pwd)
python_version=$2
shift 2

namespace=$(awk '/^namespace:/ {print $2}' "$repo_root/galaxy.yml")
name=$(awk '/^name:/ {print $2}' "$repo_root/galaxy.yml")

# The pip bootstrap ansible-test would download is not reachable from every network.
"$venv/bin/python" "$repo_root/tests/sanity/write_offline_get_pip.py"

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/sanity.XXXXXX")
trap 'rm -rf "$work_dir"' EXIT
collection_dir="$work_dir/ansible_collections/$namespace/$name"
mkdir -p "$collection_dir"

# Files deleted in the working tree but still in the index are skipped: sanity should judge
# the tree as it is now.
(
    cd "$repo_root"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            [ -f "$path" ] && printf '%s\0' "$path"
        done |
        xargs -0 --no-run-if-empty cp --parents -t "$collection_dir"
)

# The venv's bin comes first so that ansible-test finds `pythonX.Y` there and not through a
# pyenv shim, which may point at a different interpreter or none at all.
cd "$collection_dir"
PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --venv --python "$python_version" --color no "$@"
