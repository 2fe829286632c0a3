"""llmctl, the administration tool, against the daemon: its output and exit statuses."""

import json
import os
import shutil
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


def llmctl(address, *args, uid=cli.NOBODY):
    return cli.run([paths.require(paths.llmctl(), "llmctl"), f"--bus={address}", *args], uid=uid)


class LlmctlTest(DaemonTestCase):
    def setUp(self):
        self.polkit.deny_all()

    def llmctl(self, *args, uid=cli.NOBODY):
        return llmctl(self.bus.address, *args, uid=uid)

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
