"""Where the programs and files under test are.

CTest passes BUILD_DIR (the build tree whose binaries are tested), SOURCE_DIR
and TESTDATA_DIR, plus the exact path of every built program it knows; run by
hand, BUILD_DIR alone is enough:

    BUILD_DIR=build/release /usr/bin/python3 -m unittest -v test_busctl
"""

import os
import unittest

SOURCE_DIR = os.environ.get(
    "SOURCE_DIR", os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))
TESTDATA_DIR = os.environ.get(
    "TESTDATA_DIR", os.path.normpath(os.path.join(SOURCE_DIR, "..", "shared", "testdata")))

BUNDLED_MODEL = os.path.join(SOURCE_DIR, "models", "stories260K.gguf")
# The project's own D-Bus policy, the one installed to dbus-1/system.d.
PROJECT_BUS_POLICY = os.path.join(SOURCE_DIR, "systemd", "org.llmcore.Core1.conf")
INTERFACE_XML = os.path.join(SOURCE_DIR, "ipc", "dbus", "org.llmcore.Core1.xml")
# A vocabulary that carries a chat template (phi-3), for a model that can chat.
CHAT_VOCAB = os.path.join(TESTDATA_DIR, "vocab", "ggml-vocab-phi-3.gguf")


def build_dir():
    path = os.environ.get("BUILD_DIR")
    if not path:
        raise unittest.SkipTest("BUILD_DIR is not set: run these tests through ctest, or set it")
    return os.path.abspath(path)


def _program(env_name, relative):
    return os.environ.get(env_name) or os.path.join(build_dir(), relative)


def llmcored():
    return _program("LLMCORED", "daemon/llmcored/llmcored")


def llmctl():
    return _program("LLMCTL", "libclient/llmctl/llmctl")


def llmcore_run():
    return _program("LLMCORE_RUN", "tools/llmcore-run")


def llmcore_mkmodel():
    return _program("LLMCORE_MKMODEL", "tools/llmcore-mkmodel")


def cpu_driver():
    return _program("LLMCORE_CPU_DRIVER", "drivers/cpu/llmcore-cpu.so")


def reference_driver():
    return _program("LLMCORE_REFERENCE_DRIVER", "drivers/reference/llmcore-reference.so")


def fake_gpu_driver():
    """A fake driver (tests/unit/drivers/fake_driver.c): one 1 MiB GPU, score 90."""
    return _program("LLMCORE_FAKE_GPU_DRIVER", "tests/unit/drivers/fake-driver-small_gpu.so")


def require(path, what):
    """Fails the test (not skips it) when a program under test was not built."""
    if not os.path.exists(path):
        raise AssertionError(f"{what} not found at {path}: build it first")
    return path


_SANITIZED = {}


def sanitized(binary):
    """Whether `binary` was built with AddressSanitizer (its runtime is linked in)."""
    if binary not in _SANITIZED:
        with open(binary, "rb") as f:
            _SANITIZED[binary] = b"AddressSanitizer" in f.read()
    return _SANITIZED[binary]
