"""ferry: inspect, check, patch and repair native binaries (ELF, Mach-O, PE) and wheels.

This package carries the ferry command, a static x86-64 Linux executable installed into the environment's
scripts directory (bin/ferry). `binary()` finds it; `python -m ferry ARGS` runs it.
"""
import os
import sys
import sysconfig

__version__ = "@VERSION@"


def _candidates():
    # pip puts <dist>.data/scripts/ferry in the scheme's scripts directory: the environment's, the user's
    # (pip install --user), or <prefix>/bin and <target>/bin for --prefix and --target installs.
    for scheme in (None, os.name + "_user"):
        try:
            path = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        if path:
            yield os.path.join(path, "ferry")
    here = os.path.dirname(os.path.abspath(__file__))
    up = here
    for _ in range(5):  # <target>/ferry, <prefix>/lib/pythonX.Y/site-packages/ferry
        up = os.path.dirname(up)
        yield os.path.join(up, "bin", "ferry")
    yield os.path.join(os.path.dirname(sys.executable), "ferry")


def _is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def binary():
    """The path of the installed ferry executable (FileNotFoundError when it cannot be found)."""
    for path in _candidates():
        if os.path.isfile(path) and os.access(path, os.X_OK) and _is_elf(path):
            return path
    raise FileNotFoundError("the ferry executable of this package is not installed where pip puts scripts")
