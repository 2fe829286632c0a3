"""llmctl, the administration tool, against the daemon: its output and exit statuses."""

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import cli, paths
from harness.bus import PrivateSystemBus
from harness.fixture import DaemonTestCase
from harness.polkit import MANAGE_ACTION

# llmctl's exit statuses (libclient/README.md).
EXIT_FAILED = 1
EXIT_UNREACHABLE = 4
EXIT_ACCESS_DENIED = 5
EXIT_INTERRUPTED = 130

# run --verbose's summary on stderr.
STATS_LINE = re.compile(r"^llmctl: (\d+) prompt tokens \((\d+) cached\), (\d+) generated; "
                        r"queue [\d.]+ ms, prefill [\d.]+ ms, decode [\d.]+ ms "
                        r"\([\d.]+ tokens/s\); stop: (\w+)$", re.MULTILINE)


def llmctl_argv(address, *args):
    return [paths.require(paths.llmctl(), "llmctl"), f"--bus={address}", *args]


def llmctl(address, *args, uid=cli.NOBODY, input=None):
    return cli.run(llmctl_argv(address, *args), uid=uid, input=input)


class LlmctlTest(DaemonTestCase):
    GENERATED_MODELS = ("slow", "chatty")

    def setUp(self):
        self.polkit.deny_all()

    def llmctl(self, *args, uid=cli.NOBODY, input=None):
        return llmctl(self.bus.address, *args, uid=uid, input=input)

    def unload_afterwards(self, model):
        """Leaves only what other tests expect loaded (test_load_ps_unload_as_root lists them)."""
        self.addCleanup(self.client.ensure_unloaded, model)

    def llmctl_ok(self, *args, uid=cli.NOBODY):
        result = self.llmctl(*args, uid=uid)
        self.assertEqual(result.returncode, 0, f"llmctl {' '.join(args)}: {result.stderr}")
        return result.stdout

    def test_list_shows_the_bundled_model(self):
        lines = self.llmctl_ok("list").splitlines()
        self.assertEqual(lines[0].split(),
                         ["NAME", "ARCHITECTURE", "QUANTIZATION", "SIZE", "STATE"])
        self.assertTrue(any(line.split()[:3] == ["stories260K", "llama", "F32"] for line in lines),
                        lines)

    def test_list_json_is_an_array_of_models(self):
        models = json.loads(self.llmctl_ok("--json", "list"))
        entry = next(model for model in models if model["name"] == "stories260K")
        self.assertEqual(entry["architecture"], "llama")
        self.assertEqual(entry["size"], os.path.getsize(paths.BUNDLED_MODEL))

    def test_info_shows_the_model_metadata(self):
        lines = self.llmctl_ok("info", "stories260K").splitlines()
        self.assertIn("name: stories260K", lines)
        self.assertIn("architecture: llama", lines)
        info = json.loads(self.llmctl_ok("--json", "info", "stories260K"))
        self.assertEqual(info["vocab_size"], 512)

    def test_info_of_an_unknown_model_exits_1_naming_the_error(self):
        result = self.llmctl("info", "no-such-model")
        self.assertEqual(result.returncode, EXIT_FAILED)
        self.assertTrue(result.stderr.startswith("llmctl: ModelNotFound: "), result.stderr)

    def test_status_of_a_loaded_default_model_is_ready(self):
        self.client.load_model("stories260K")
        self.assertEqual(self.llmctl_ok("status").strip(), "ready")
        status = json.loads(self.llmctl_ok("--json", "status"))
        self.assertEqual(status["availability"], "ready")

    def test_load_ps_unload_as_root(self):
        self.client.ensure_unloaded("stories260K")
        self.assertIn("loaded stories260K", self.llmctl_ok("load", "stories260K", uid=None))
        self.assertTrue(any(line.startswith("stories260K ") for line in
                            self.llmctl_ok("ps").splitlines()))
        loaded = json.loads(self.llmctl_ok("--json", "ps"))
        self.assertEqual([info["name"] for info in loaded], ["stories260K"])
        self.assertIn("unloaded stories260K", self.llmctl_ok("unload", "stories260K", uid=None))
        self.assertEqual(json.loads(self.llmctl_ok("--json", "ps")), [])

    def test_load_allowed_by_polkit_for_an_unprivileged_user(self):
        self.client.ensure_unloaded("stories260K")
        self.polkit.allow(MANAGE_ACTION)
        self.assertIn("loaded stories260K", self.llmctl_ok("load", "stories260K"))
        self.assertIn("stories260K", self.client.loaded_models())

    def test_load_denied_by_polkit_exits_5(self):
        self.client.ensure_unloaded("stories260K")
        result = self.llmctl("load", "stories260K")
        self.assertEqual(result.returncode, EXIT_ACCESS_DENIED, result.stderr)
        self.assertTrue(result.stderr.startswith("llmctl: AccessDenied: "), result.stderr)
        self.assertNotIn("stories260K", self.client.loaded_models())

    def test_run_prints_the_greedy_text(self):
        out = self.llmctl_ok("run", "stories260K", "Once upon a time", "--temp", "0", "-n", "40")
        self.assertEqual(out, cli.expected_text("Once upon a time", 40) + "\n")

    def test_run_json_has_the_text_and_stats(self):
        result = json.loads(self.llmctl_ok("--json", "run", "stories260K", "Once upon a time",
                                           "--temp", "0", "-n", "40"))
        self.assertEqual(result["text"], cli.expected_text("Once upon a time", 40))
        self.assertEqual(result["stats"]["generated_tokens"], 40)
        self.assertEqual(result["stats"]["stop_reason"], "length")
        self.assertEqual(list(result["stats"]),
                         ["prompt_tokens", "cached_tokens", "generated_tokens", "queue_ms",
                          "prefill_ms", "decode_ms", "tokens_per_second", "stop_reason", "error"])

    def test_run_reads_the_prompt_from_stdin(self):
        result = self.llmctl("run", "stories260K", "--temp", "0", "-n", "40",
                             input="Once upon a time\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, cli.expected_text("Once upon a time", 40) + "\n")

    def test_run_verbose_prints_the_statistics(self):
        result = self.llmctl("run", "stories260K", "Once upon a time", "--temp", "0", "-n", "40",
                             "-v")
        self.assertEqual(result.returncode, 0, result.stderr)
        match = STATS_LINE.search(result.stderr)
        self.assertIsNotNone(match, result.stderr)
        self.assertEqual(match.group(3), "40")
        self.assertEqual(match.group(4), "length")

    def test_run_of_an_unknown_model_exits_1_naming_the_error(self):
        result = self.llmctl("run", "no-such-model", "Once upon a time")
        self.assertEqual(result.returncode, EXIT_FAILED)
        self.assertTrue(result.stderr.startswith("llmctl: ModelNotFound: "), result.stderr)

    def test_run_with_a_bad_option_exits_1_naming_the_error(self):
        result = self.llmctl("run", "stories260K", "Once upon a time", "--stop", "")
        self.assertEqual(result.returncode, EXIT_FAILED)
        self.assertTrue(result.stderr.startswith("llmctl: InvalidArgument: "), result.stderr)

    def test_run_ctrl_c_cancels_the_request_and_exits_130(self):
        self.unload_afterwards("slow")
        process = subprocess.Popen(
            cli.as_user(llmctl_argv(self.bus.address, "run", "slow", "Once upon a time", "--temp",
                                    "0", "-n", "2000", "--ignore-eos", "-v"), cli.NOBODY),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            # Interrupted once the text streams.
            ready, _, _ = select.select([process.stdout], [], [], 60)
            self.assertTrue(ready, "llmctl run printed nothing within 60 s")
            os.read(process.stdout.fileno(), 1)
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        stderr = stderr.decode()
        self.assertEqual(process.returncode, EXIT_INTERRUPTED, stderr)
        # The request was cancelled in the daemon, not just abandoned.
        match = STATS_LINE.search(stderr)
        self.assertIsNotNone(match, stderr)
        self.assertEqual(match.group(4), "cancelled")
        self.assertLess(int(match.group(3)), 2000)
        self.assert_daemon_serves()

    def test_run_chat_on_a_terminal_goes_on_in_the_same_session(self):
        self.unload_afterwards("chatty")
        controller, terminal = pty.openpty()
        try:
            process = subprocess.Popen(
                cli.as_user(llmctl_argv(self.bus.address, "run", "chatty", "--temp", "0", "-n", "5",
                                        "-v"), cli.NOBODY),
                stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            os.close(terminal)
            terminal = None
            # Two user messages, then Ctrl-D (end of input) on an empty line.
            os.write(controller, b"Hello there\nTell me more\n\x04")
            stdout, stderr = process.communicate(timeout=120)
        finally:
            os.close(controller)
            if terminal is not None:
                os.close(terminal)
        stderr = stderr.decode()
        self.assertEqual(process.returncode, 0, stderr)
        self.assertTrue(stdout.decode().startswith("> "), stdout)
        turns = STATS_LINE.findall(stderr)
        self.assertEqual(len(turns), 2, stderr)
        self.assertEqual(int(turns[0][1]), 0)
        # The second message continued the conversation the daemon kept.
        self.assertGreater(int(turns[1][1]), 0, stderr)


class LlmctlWithoutDaemonTest(unittest.TestCase):
    def test_bus_without_the_daemon_exits_4(self):
        directory = tempfile.mkdtemp(prefix="llmcore-integration-")
        bus = PrivateSystemBus(directory, include_project_policy=False).start()
        try:
            result = llmctl(bus.address, "list")
        finally:
            bus.stop()
            shutil.rmtree(directory, ignore_errors=True)
        self.assertEqual(result.returncode, EXIT_UNREACHABLE, result.stderr)

    def test_unreachable_bus_exits_4(self):
        result = llmctl("unix:path=/nonexistent/llmcore-test-bus", "status")
        self.assertEqual(result.returncode, EXIT_UNREACHABLE, result.stderr)


if __name__ == "__main__":
    unittest.main()
