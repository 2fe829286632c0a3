"""Command-line clients (gdbus, busctl, dbus-send, llmctl), run as root or as nobody."""

import functools
import json
import os
import re
import subprocess
import unittest

from gi.repository import GLib

from . import paths

NOBODY = 65534

# gdbus, busctl and dbus-send print a D-Bus error's name in their messages.
ERROR_NAME = re.compile(r"\b((?:org\.llmcore\.Error|org\.freedesktop\.DBus\.Error)\.[A-Za-z]+)")


def as_user(argv, uid):
    """argv run with `uid` as real and effective user and group, without supplementary groups."""
    if uid is None or uid == os.getuid():
        return list(argv)
    if os.getuid() != 0:
        raise unittest.SkipTest("running a client as another user needs root")
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] + list(argv)


def run(argv, uid=None, timeout=60, input=None, check=False):
    """Runs a client to completion; returns the CompletedProcess (text output)."""
    result = subprocess.run(as_user(argv, uid), capture_output=True, text=True, timeout=timeout,
                            input=input, env=dict(os.environ, LC_ALL="C.UTF-8"))
    if check and result.returncode != 0:
        raise AssertionError(f"{argv[0]} exited with {result.returncode}:\n{result.stderr}")
    return result


def error_name(result):
    """The D-Bus error name a failed client printed; fails when it succeeded or printed none."""
    if result.returncode == 0:
        raise AssertionError(f"expected a D-Bus error, got success:\n{result.stdout}")
    match = ERROR_NAME.search(result.stderr)
    if not match:
        raise AssertionError(f"no D-Bus error name in:\n{result.stderr}")
    return match.group(1)


def parse_gvariant(text, type_string=None):
    """Parses GVariant text (what gdbus call prints) into Python values."""
    variant_type = GLib.VariantType(type_string) if type_string else None
    return GLib.Variant.parse(variant_type, text.strip(), None, None).unpack()


@functools.lru_cache(maxsize=None)
def expected_text(prompt, max_tokens, model=None):
    """The greedy continuation llmcore-run prints in-process, without the daemon."""
    argv = [paths.require(paths.llmcore_run(), "llmcore-run"), model or paths.BUNDLED_MODEL,
            "--prompt", prompt, "--temp", "0", "-n", str(max_tokens), "--json",
            "--driver", paths.require(paths.cpu_driver(), "the CPU driver")]
    result = run(argv, check=True)
    return json.loads(result.stdout)["text"]
