#!/usr/bin/env bash
# What Galaxy and the Ansible docsite check when the collection is uploaded, run offline on the
# built tarball; each check must report nothing.
#
#   tests/galaxy/run_galaxy_checks.sh VENV TARBALL
#
# 1. the tarball holds no generated files (caches, virtualenvs, test output)
# 2. galaxy-importer (ansible-doc, ansible-lint, flake8, tags, changelog, role READMEs)
# 3. antsibull-docs lint-collection-docs (plugin and role documentation, references)
# 4. ansible-builder introspect finds what an execution environment needs (requirements.txt, bindep.txt)
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 VENV TARBALL" >&2
    exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=$(cd "$1" && pwd)
tarball=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
export PATH="$venv/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/galaxy-checks.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0

echo "== generated files in $(basename "$tarball")"
"$venv/bin/python" "$here/tarball_members.py" "$tarball" || status=1

# galaxy-importer prints INFO lines bare and everything else as "LEVEL: message"; it writes
# importer_result.json into the current directory.
echo "== galaxy-importer"
if (cd "$work" && GALAXY_IMPORTER_CONFIG="$here/galaxy-importer.cfg" ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" \
        "$venv/bin/python" -m galaxy_importer.main "$tarball") >"$work/importer.log" 2>&1; then
    if grep -E '^(WARNING|ERROR|CRITICAL):' "$work/importer.log"; then
        status=1
    fi
else
    cat "$work/importer.log"
    status=1
fi

collection="$work/ansible_collections/sipgateio/sms"
mkdir -p "$collection"
tar -xzf "$tarball" -C "$collection"

echo "== antsibull-docs lint-collection-docs"
(cd "$collection" && ANSIBLE_COLLECTIONS_PATH="$work" antsibull-docs lint-collection-docs --plugin-docs \
    --validate-collection-refs all .) || status=1

# An execution environment build (ansible-builder, AWX, AAP) reads meta/execution-environment.yml:
# every line of requirements.txt and bindep.txt must reach it.
echo "== ansible-builder introspect"
ansible-builder introspect --sanitize "$work" >"$work/introspect.txt" 2>&1 || { cat "$work/introspect.txt"; status=1; }
for file in requirements.txt bindep.txt; do
    grep -Ev '^[[:space:]]*(#|$)' "$collection/$file" | while IFS= read -r requirement; do
        grep -Fq -- "- '$requirement  # from collection sipgateio.sms'" "$work/introspect.txt" ||
            { echo "execution environment: '$requirement' of $file is missing"; cat "$work/introspect.txt"; exit 1; }
    done || status=1
done

exit "$status"
