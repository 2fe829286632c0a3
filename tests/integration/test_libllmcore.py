"""libllmcore, the C client library, against the daemon: a C program written with it
(libllmcore_probe.c) and the library's examples, as a native app links them."""

import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import cli, paths
from harness.bus import PrivateSystemBus
from harness.daemon import Daemon
from harness.fixture import DaemonTestCase

# llmcore.h's codes.
INVALID_ARGUMENT = -1
MODEL_NOT_FOUND = -2
INTERRUPTED = -11
DAEMON_UNAVAILABLE = -12
# llmcore_availability, llmcore_stop_reason.
READY = 0
DAEMON_ABSENT = 1
STOP_LENGTH = 2
STOP_CANCELLED = 5
STREAM_FINISHED = 1

PROMPT = "Once upon a time"


def program(variable, relative):
    return paths.require(os.environ.get(variable) or os.path.join(paths.build_dir(), relative),
                         relative)


def probe_path():
    return program("LIBLLMCORE_PROBE", "tests/integration/libllmcore-probe")


def run_probe(address, *args, uid=None, timeout=120):
    """Runs the probe with LLMCORE_BUS_ADDRESS (the library reads it) pointing at `address`."""
    result = subprocess.run(cli.as_user([probe_path(), *args], uid), capture_output=True,
                            text=True, timeout=timeout,
                            env=dict(os.environ, LLMCORE_BUS_ADDRESS=address, LC_ALL="C.UTF-8"))
    return result


class LibllmcoreTest(DaemonTestCase):
    GENERATED_MODELS = ("slow",)

    def probe(self, *args, uid=None):
        result = run_probe(self.bus.address, *args, uid=uid)
        self.assertEqual(result.returncode, 0,
                         f"libllmcore-probe {' '.join(args)}: {result.stderr}")
        return result.stdout

    def test_connect_and_availability_ready(self):
        self.client.load_model("stories260K")
        availability, _, reason = self.probe("status").strip().partition(" ")
        self.assertEqual(int(availability), READY, reason)

    def test_list_models_and_info(self):
        rows = [line.split() for line in self.probe("list").splitlines()]
        entry = next(row for row in rows if row[0] == "stories260K")
        self.assertEqual(entry[1], "llama")
        self.assertEqual(int(entry[2]), os.path.getsize(paths.BUNDLED_MODEL))
        self.assertIn("slow", [row[0] for row in rows])
        self.assertEqual(self.probe("info", "stories260K").split(),
                         ["stories260K", "llama", "512"])

    def test_blocking_generate_gives_the_greedy_text(self):
        expected = cli.expected_text(PROMPT, 40)
        self.assertEqual(self.probe("generate", PROMPT, "40"), expected)
        # The same for an unprivileged app.
        self.assertEqual(self.probe("generate", PROMPT, "40", uid=cli.NOBODY), expected)

    def test_callback_and_pull_streams_give_the_same_greedy_text(self):
        expected = cli.expected_text(PROMPT, 40)
        self.assertEqual(self.probe("callback", PROMPT, "40"), expected)
        self.assertEqual(self.probe("pull", PROMPT, "40"), expected)

    def test_two_sessions_stream_at_once(self):
        expected = cli.expected_text(PROMPT, 40)
        first, second = self.probe("two", PROMPT, "40").split("\n---\n")
        self.assertEqual(first, expected)
        self.assertEqual(second, expected)

    def test_cancel_mid_stream_by_call_and_by_callback(self):
        lines = [line.split() for line in self.probe("cancel", PROMPT, "slow").splitlines()]
        self.assertEqual(lines[0][:2], ["stream", str(STOP_CANCELLED)])
        self.assertLess(int(lines[0][2]), 2000)
        self.assertEqual(lines[1][:2], ["callback", str(STOP_CANCELLED)])
        self.assertLess(int(lines[1][2]), 2000)
        self.assert_daemon_serves()

    def test_cancel_from_another_thread_while_one_streams(self):
        status, stop = self.probe("thread-cancel", PROMPT, "slow").split()
        self.assertEqual(int(status), 0)
        self.assertEqual(int(stop), STOP_CANCELLED)

    def test_bad_arguments_are_named_errors_and_free_accepts_null(self):
        lines = {line.split(" ", 1)[0]: line.split(" ", 2)[1:]
                 for line in self.probe("bad").splitlines()}
        code, message = lines["unknown-model"]
        self.assertEqual(int(code), MODEL_NOT_FOUND)
        self.assertTrue(message.startswith("ModelNotFound: "), message)
        code, message = lines["negative-temperature"]
        self.assertEqual(int(code), INVALID_ARGUMENT)
        self.assertIn("temperature", message)
        self.assertEqual(int(lines["unknown-session-model"][0]), MODEL_NOT_FOUND)
        self.assertEqual(int(lines["negative-temperature-stream"][0]), INVALID_ARGUMENT)
        self.assertEqual(int(lines["null-role"][0]), INVALID_ARGUMENT)
        self.assertIn("free-null", lines)

    def test_stream_example_streams_the_greedy_text(self):
        stream = program("LLMCORE_EXAMPLE_STREAM", "libclient/examples/llmcore-example-stream")
        result = subprocess.run([stream, PROMPT], capture_output=True, text=True, timeout=120,
                                env=dict(os.environ, LLMCORE_BUS_ADDRESS=self.bus.address))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, cli.expected_text(PROMPT, 40) + "\n")

    def test_glib_loop_example_streams_the_greedy_text(self):
        path = os.environ.get("LLMCORE_EXAMPLE_GLIB_LOOP")
        if not path:
            self.skipTest("glib_loop example not built (no glib-2.0)")
        result = subprocess.run([path, PROMPT], capture_output=True, text=True, timeout=120,
                                env=dict(os.environ, LLMCORE_BUS_ADDRESS=self.bus.address))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, cli.expected_text(PROMPT, 40) + "\n")


class LibllmcoreRestartTest(DaemonTestCase):
    """The daemon is killed and started again while the library streams."""

    GENERATED_MODELS = ("slow",)

    def test_restart_mid_stream_interrupts_then_the_next_call_reconnects(self):
        process = subprocess.Popen(
            [probe_path(), "restart", PROMPT, "slow", "8"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, LLMCORE_BUS_ADDRESS=self.bus.address))
        try:
            self.assertEqual(process.stdout.readline().strip(), "STREAMING")
            old = self.daemon
            old.process.kill()
            old.process.wait()
            result = process.stdout.readline().split(" ", 2)
            self.assertEqual(result[:2], ["RESULT", str(INTERRUPTED)], result)
            self.assertEqual(result[2].strip(), "interrupted: the service restarted")
            # A fresh daemon on the same bus; its clean stop is checked at tear-down.
            type(self).daemon = Daemon(self.bus, self.directory, old.config).start()
            process.stdin.write("go\n")
            process.stdin.flush()
            out, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.assertEqual(process.returncode, 0, err)
        lines = out.splitlines()
        expected = cli.expected_text(PROMPT, 8, paths.BUNDLED_MODEL)
        after = next(line for line in lines if line.startswith("AFTER "))
        self.assertEqual(after, f"AFTER 0 {expected}")
        session = next(line for line in lines if line.startswith("SESSION "))
        self.assertTrue(session.startswith("SESSION 0 "), session)


class LibllmcoreDrainTest(DaemonTestCase):
    """systemctl stop (SIGTERM) while the library streams: the daemon drains."""

    GENERATED_MODELS = ("slow",)
    # However slow the machine, the request must not outlast the drain.
    CONFIG = {"Daemon": {"DrainTimeout": "infinity"}}

    def test_a_stream_finishes_while_the_daemon_drains(self):
        process = subprocess.Popen(
            [probe_path(), "drain", PROMPT, "slow", "60"], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, LLMCORE_BUS_ADDRESS=self.bus.address))
        try:
            self.assertEqual(process.stdout.readline().strip(), "STREAMING")
            self.daemon.process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        self.assertEqual(process.returncode, 0, err)
        # Every token, then the normal end: the drain let the request finish.
        self.assertEqual(out.split(), ["RESULT", str(STREAM_FINISHED), str(STOP_LENGTH), "60"])
        self.assertEqual(self.daemon.process.wait(timeout=30), 0, self.daemon.log_tail())


class LibllmcoreNoDaemonTest(unittest.TestCase):
    """A bus nobody serves org.llmcore.Core1 on."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="llmcore-integration-")
        self.addCleanup(shutil.rmtree, self.directory, ignore_errors=True)
        self.bus = PrivateSystemBus(self.directory).start()
        self.addCleanup(self.bus.stop)

    def test_daemon_absent_is_daemon_unavailable_with_a_message(self):
        result = run_probe(self.bus.address, "status")
        self.assertEqual(result.returncode, 0, result.stderr)
        availability, _, reason = result.stdout.strip().partition(" ")
        self.assertEqual(int(availability), DAEMON_ABSENT)
        self.assertIn("not running", reason)
        result = run_probe(self.bus.address, "generate", PROMPT, "4")
        self.assertEqual(result.returncode, 1)
        _, code, message = result.stderr.strip().split(" ", 2)
        self.assertEqual(int(code), DAEMON_UNAVAILABLE)
        self.assertIn("ServiceUnknown", message)


if __name__ == "__main__":
    unittest.main()
