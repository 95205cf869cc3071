# Build and test entry points for the sipgateio.sms collection.
#
#   make test     everything CI runs: system packages, virtualenvs, sanity on every ansible-core the
#                 collection supports, ansible-lint, changelog lint, Galaxy's checks on the built
#                 tarball, the whole pytest suite (smoke runs on every supported ansible-core included)
#   make venv     .venv (Python 3.11, ansible-core 2.19, test tools), .venv-2.20 and .venv-latest
#                 (Python 3.12, ansible-core 2.20 and 2.21: sanity and smoke runs), .venv-galaxy
#                 (galaxy-importer, antsibull-docs)
#   make build    the collection tarball in build/, as Galaxy gets it
#   make sanity | lint | changelog | galaxy | pytest | unit | demo | bench
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
VENV_2_20 := .venv-2.20
VENV_LATEST := .venv-latest
VENV_GALAXY := .venv-galaxy
# The stamp records a finished install; it is older than a changed requirements file, and
# then make installs again. A missing interpreter (a removed venv) also means a new install.
STAMP := .requirements-installed

LINT_DIRS := roles playbooks

# The tarball every later step checks or installs (galaxy, the README and playbook tests, smoke runs).
COLLECTION_VERSION := $(shell awk '/^version:/ {print $$2}' galaxy.yml)
TARBALL := build/sipgateio-sms-$(COLLECTION_VERSION).tar.gz

.PHONY: test venv system-packages sanity sanity-stable sanity-2.20 sanity-latest lint changelog build \
	galaxy pytest unit demo bench clean clean-venv

test: system-packages venv sanity lint changelog galaxy pytest

system-packages:
	.ci/system-packages

venv: $(VENV)/$(STAMP) $(VENV_2_20)/$(STAMP) $(VENV_LATEST)/$(STAMP) $(VENV_GALAXY)/$(STAMP)

# The lock keeps two make runs in this tree from installing into the same venv at once.
$(VENV)/$(STAMP): requirements-test.txt requirements.txt
	mkdir -p $(VENV)
	flock $(VENV)/.install-lock .ci/install-venv $(PYTHON) $(VENV) requirements-test.txt
	touch $@

$(VENV_2_20)/$(STAMP): requirements-sanity-2.20.txt requirements.txt
	mkdir -p $(VENV_2_20)
	flock $(VENV_2_20)/.install-lock .ci/install-venv $(PYTHON_LATEST) $(VENV_2_20) requirements-sanity-2.20.txt
	touch $@

$(VENV_LATEST)/$(STAMP): requirements-sanity-latest.txt requirements.txt
	mkdir -p $(VENV_LATEST)
	flock $(VENV_LATEST)/.install-lock .ci/install-venv $(PYTHON_LATEST) $(VENV_LATEST) requirements-sanity-latest.txt
	touch $@

$(VENV_GALAXY)/$(STAMP): requirements-galaxy.txt
	mkdir -p $(VENV_GALAXY)
	flock $(VENV_GALAXY)/.install-lock .ci/install-venv $(PYTHON_LATEST) $(VENV_GALAXY) requirements-galaxy.txt
	touch $@

# One run per ansible-core that meta/runtime.yml claims (the README's table lists them).
sanity: sanity-stable sanity-2.20 sanity-latest

sanity-stable: venv
	time tests/sanity/run_sanity.sh $(VENV) 3.11

sanity-2.20: venv
	time tests/sanity/run_sanity.sh $(VENV_2_20) 3.12

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

# Always rebuilt (it takes a second): a tarball older than the tree would test the wrong files.
build: $(VENV)/$(STAMP)
	mkdir -p build
	$(VENV)/bin/ansible-galaxy collection build --force --output-path build .

# Galaxy's import checks, the docsite's documentation lint and the tarball's file list; all offline.
galaxy: $(VENV_GALAXY)/$(STAMP) build
	time tests/galaxy/run_galaxy_checks.sh $(VENV_GALAXY) $(TARBALL)

# pytest exits 5 when it collects no test at all; like every non-zero status, that fails.
# The README, playbook and smoke tests install the collection from the tarball built here.
pytest: venv build
	time COLLECTION_TARBALL="$(CURDIR)/$(TARBALL)" $(VENV)/bin/pytest

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
	rm -rf $(VENV) $(VENV_2_20) $(VENV_LATEST) $(VENV_GALAXY)
