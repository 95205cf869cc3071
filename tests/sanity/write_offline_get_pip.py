"""Put an offline pip bootstrap script where ansible-test looks for its cached get-pip.

`ansible-test ... --venv` bootstraps pip in every virtual environment it creates by running
`get-pip-<version>.py`, downloaded from ci-files.testing.ansible.com unless a copy already sits
at `~/.ansible/test/cache/get_pip_<version with _>.py`. That host is not always reachable, while
the package index is. The replacement written here gets pip from the standard library's
`ensurepip` and then lets that pip install the exact version ansible-test asked for.

Run it with the Python of the environment whose ansible-test will be used: the pip version is
read from that ansible-test's own source, so a new ansible-core release needs no change here.
"""

import importlib.util
import os
import pathlib
import re
import sys

CACHE_DIR = pathlib.Path("~/.ansible/test/cache").expanduser()

# ansible-test runs the cached file as a module (runpy, alter_sys=True): sys.argv[1:] holds the
# pip options and the pinned packages, e.g. `--disable-pip-version-check pip==24.2 --no-setuptools`.
BOOTSTRAP_SCRIPT = '''\
"""Offline stand-in for get-pip.py, written by tests/sanity/write_offline_get_pip.py."""
import ensurepip
import importlib
import os
import sys

# get-pip.py's own options; pip install does not know them, and leaving out
# setuptools and wheel is what a bare ensurepip does anyway.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    # ensurepip deletes the PIP_* variables and points PIP_CONFIG_FILE at /dev/null so that the
    # bundled wheel installs in isolation; the real install below needs the user's settings back.
    saved_environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    os.environ.clear()
    os.environ.update(saved_environment)
    importlib.invalidate_caches()
    from pip._internal.cli.main import main as pip_main
    return pip_main(["install", "--upgrade", *args])


if __name__ == "__main__":
    sys.exit(main())
'''


def ansible_test_source(relative_path):
    spec = importlib.util.find_spec("ansible_test")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"ansible-test is not installed for {sys.executable}")
    return (pathlib.Path(spec.submodule_search_locations[0]) / relative_path).read_text()


def requested_pip_versions():
    """The pip versions ansible-test pins for new environments (default and per-Python overrides)."""
    source = ansible_test_source("_internal/python_requirements.py")
    start = source.index("def get_venv_packages")
    end = source.index("\ndef ", start + 1)
    versions = set(re.findall(r"""\bpip\s*(?:=|:)\s*['"]([0-9][0-9.]*)['"]""", source[start:end]))
    if not versions:
        sys.exit("cannot find the pip version in ansible-test's get_venv_packages(); its layout changed")
    return sorted(versions)


def write_bootstrap(pip_version):
    target = CACHE_DIR / f"get_pip_{pip_version.replace('.', '_')}.py"
    if target.exists() and target.read_text() == BOOTSTRAP_SCRIPT:
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".{os.getpid()}.tmp")
    partial.write_text(BOOTSTRAP_SCRIPT)
    partial.replace(target)  # atomic: a concurrent ansible-test never sees half a file
    return target


def main():
    for pip_version in requested_pip_versions():
        print(f"offline pip bootstrap for pip {pip_version}: {write_bootstrap(pip_version)}")


if __name__ == "__main__":
    main()
