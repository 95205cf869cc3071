# Build and test entry points for the sipgateio.sms collection.
#
#   make test     everything CI runs: system packages, virtualenvs, sanity on both
#                 ansible-core versions, ansible-lint, changelog lint, the whole pytest suite
#   make venv     .venv (Python 3.11, ansible-core 2.19, test tools) and .venv-latest
#                 (Python 3.12, ansible-core 2.21, for sanity only)
#   make sanity | lint | changelog | pytest | unit | demo | bench
#   make clean    test output and caches;  make clean-venv  also the virtualenvs
#
# Long steps print their duration (bash `time`).
# Every step sets itself up and is cheap when already done, so `make test` works on a fresh
# Debian machine and stays quick on a prepared one. Use `make -k test` to see every failing step.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

# Python 3.11 gets ansible-core 2.19; ansible-core 2.20 and later need Python 3.12.
PYTHON ?= python3.11
PYTHON_LATEST ?= $(firstword $(wildcard /root/.pyenv/versions/3.12.*/bin/python3) python3.12)

VENV := .venv
VENV_LATEST := .venv-latest
# The stamp records a finished install; it is older than a changed requirements file, and
# then make installs again. A missing interpreter (a removed venv) also means a new install.
STAMP := .requirements-installed

LINT_DIRS := roles playbooks

.PHONY: test venv system-packages sanity sanity-stable sanity-latest lint changelog pytest unit \
	demo bench clean clean-venv

test: system-packages venv sanity lint changelog pytest

system-packages:
	.ci/system-packages

venv: $(VENV)/$(STAMP) $(VENV_LATEST)/$(STAMP)

# The lock keeps two make runs in this tree from installing into the same venv at once.
$(VENV)/$(STAMP): requirements-test.txt requirements.txt
	mkdir -p $(VENV)
	flock $(VENV)/.install-lock .ci/install-venv $(PYTHON) $(VENV) requirements-test.txt
	touch $@

$(VENV_LATEST)/$(STAMP): requirements-sanity-latest.txt
	mkdir -p $(VENV_LATEST)
	flock $(VENV_LATEST)/.install-lock .ci/install-venv $(PYTHON_LATEST) $(VENV_LATEST) requirements-sanity-latest.txt
	touch $@

sanity: sanity-stable sanity-latest

sanity-stable: venv
	time tests/sanity/run_sanity.sh $(VENV) 3.11

sanity-latest: venv
	time tests/sanity/run_sanity.sh $(VENV_LATEST) 3.12

# roles/ and playbooks/ may not exist yet in a young checkout; lint whichever do.
# ansible-lint calls ansible-playbook & co. by name: they must come from the same venv.
# It runs offline (see .ansible-lint), so it does not install this collection for itself;
# a link in a temporary directory lets playbooks resolve sipgateio.sms.* to this checkout
# (inside the tree, a link to the tree would loop for anything that walks it).
lint: venv
	dirs=(); for dir in $(LINT_DIRS); do [ -d "$$dir" ] && dirs+=("$$dir"); done; \
	if [ $${#dirs[@]} -eq 0 ]; then echo "lint: none of $(LINT_DIRS) exists yet, nothing to lint"; exit 0; fi; \
	links=$$(mktemp -d); trap 'rm -rf "$$links"' EXIT; \
	mkdir -p "$$links/ansible_collections/sipgateio"; \
	ln -s "$(CURDIR)" "$$links/ansible_collections/sipgateio/sms"; \
	time PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$$links" $(VENV)/bin/ansible-lint "$${dirs[@]}"

changelog: venv
	$(VENV)/bin/antsibull-changelog lint
	$(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# pytest exits 5 when it collects no test at all; like every non-zero status, that fails.
pytest: venv
	time $(VENV)/bin/pytest

unit: venv
	$(VENV)/bin/pytest tests/unit

demo: venv
	bash tests/demo/run_demo.sh

bench: venv
	$(VENV)/bin/python tests/bench/run_bench.py

clean:
	rm -rf tests/output collections .pytest_cache .hypothesis build bench-results.json
	find . -path ./.git -prune -o -path './.venv*' -prune -o -name __pycache__ -type d -exec rm -rf {} +

clean-venv: clean
	rm -rf $(VENV) $(VENV_LATEST)
