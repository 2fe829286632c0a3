"""Driver hot swap against the daemon: SwapDriver while ring and D-Bus clients stream,
ReloadDriver with a library replaced on disk, VerifyModel, the refusals, and llmctl's
swap / verify / driver reload / hw / ps."""

import json
import os
import shutil
import subprocess
import time

from harness import cli, dbus_client, paths
from harness.fixture import DaemonTestCase
from test_libllmcore import PROMPT, probe_path

SWAPS = 50
STREAM_TOKENS = 120
CLIENT_PROCESS = os.path.join(os.path.dirname(__file__), "client_process.py")

# Where each swap of the stress test goes: the reference driver (histories
# re-processed), the CPU driver on one thread (re-processed), the CPU driver
# on two threads (KV export/import between two CPU instances).
CYCLE = (("reference", {}), ("cpu", {"threads": 1}), ("cpu", {"threads": 2}))


def ring_client(address, tokens):
    """libllmcore streams through the session's ring."""
    return subprocess.Popen([probe_path(), "pull", PROMPT, str(tokens)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, LLMCORE_BUS_ADDRESS=address))


def dbus_signal_client(address, tokens):
    """A client streaming through Token signals (no ring)."""
    return subprocess.Popen(["/usr/bin/python3", CLIENT_PROCESS, "generate", address,
                             "stories260K", PROMPT, str(tokens)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def mapped_inodes(pid, suffix):
    """Inodes of the files ending in `suffix` mapped into the process."""
    inodes = set()
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].strip().split(" ")[0].endswith(suffix):
                inodes.add(int(fields[4]))
    return inodes


class SwapTest(DaemonTestCase):
    GENERATED_MODELS = ("slow",)
    CONFIG = {"Daemon": {"MaxSessionsPerUser": "32", "MaxQueuedPerUser": "32"}}

    def setUp(self):
        self.client.load_model("stories260K")

    def tearDown(self):
        # Every test leaves the model on the CPU driver.
        if self.client.model_info("stories260K")["driver"] != "cpu":
            self.client.swap_driver("stories260K", "cpu")

    def test_50_swaps_while_8_clients_stream_lose_and_repeat_no_token(self):
        expected = cli.expected_text(PROMPT, STREAM_TOKENS)
        address = self.bus.address
        starters = [ring_client] * 4 + [dbus_signal_client] * 4
        clients = [start(address, STREAM_TOKENS) for start in starters]
        completed = [0] * len(clients)
        methods = {}
        pauses = []

        def collect(index, process):
            out, err = process.communicate(timeout=600)
            kind = "ring" if starters[index] is ring_client else "D-Bus"
            self.assertEqual(process.returncode, 0, f"{kind} client {index}: {err}")
            self.assertEqual(out, expected, f"{kind} client {index}: the text differs")
            completed[index] += 1

        for swap in range(SWAPS):
            driver, options = CYCLE[swap % len(CYCLE)]
            report = self.client.swap_driver("stories260K", driver, **options)
            self.assertEqual(report["driver"], driver)
            methods[report["method"]] = methods.get(report["method"], 0) + 1
            pauses.append(report["pause_ms"])
            # Streams that ended are checked and started again, so that all
            # eight keep streaming through the swaps.
            for index, process in enumerate(clients):
                if process.poll() is not None:
                    collect(index, process)
                    if swap + 1 < SWAPS:
                        clients[index] = starters[index](address, STREAM_TOKENS)
        for index, process in enumerate(clients):
            if process.returncode is None or completed[index] == 0:
                collect(index, process)
        print(f"\n{SWAPS} swaps: methods {methods}, longest pause {max(pauses):.1f} ms, "
              f"streams completed {sum(completed)}", flush=True)
        self.assertTrue(all(count >= 1 for count in completed))
        # Both ways of moving state were exercised with live sequences.
        self.assertGreater(methods.get("reprocess", 0), 0)
        self.assertGreater(methods.get("kv-export", 0), 0)
        self.assert_daemon_serves()

    def test_swap_report_info_and_hardware_show_the_new_driver(self):
        session = self.client.create_session("stories260K")
        first = session.submit(PROMPT, temperature=0.0, max_tokens=8)
        session.wait_finished(first)
        report = self.client.swap_driver("stories260K", "reference")
        self.assertEqual(report["previous_driver"], "cpu")
        self.assertEqual(report["device"], "cpu")
        self.assertEqual(report["method"], "reprocess")
        self.assertEqual(report["sequences"], 1)
        self.assertEqual(report["tokens_reprocessed"], 12)  # 5 prompt tokens, 7 fed ones
        info = self.client.model_info("stories260K")
        self.assertEqual((info["driver"], info["device"]), ("reference", "cpu"))
        self.assertEqual(info["driver_version"], os.environ.get("LLMCORE_VERSION",
                                                                info["driver_version"]))
        drivers = {d[0]: d for d in self.client.hardware()["drivers"]}
        self.assertEqual(set(drivers), {"cpu", "reference"})
        self.assertEqual(drivers["reference"][4], 1)  # models served
        # The session goes on where it was, on the new driver.
        request = session.submit("", temperature=0.0, max_tokens=8)
        stats = session.wait_finished(request)
        self.assertEqual(stats["cached_tokens"], 12)
        self.assertEqual(session.text(first) + session.text(request),
                         cli.expected_text(PROMPT, 16))
        session.close()
        report = self.client.swap_driver("stories260K", "cpu")
        self.assertEqual(report["previous_driver"], "reference")
        drivers = {d[0]: d for d in self.client.hardware()["drivers"]}
        self.assertEqual(drivers["reference"][4], 0)

    def test_the_old_instance_memory_is_returned(self):
        if paths.sanitized(paths.llmcored()):
            self.skipTest("AddressSanitizer keeps freed memory in its quarantine: the daemon's "
                          "RSS cannot show memory returned (this test runs in the gcc build)")
        self.client.load_model("slow")
        pid = self.daemon.process.pid
        try:
            on_cpu = vm_rss_kib(pid)
            # The reference driver keeps the weights as 32-bit floats: tens of MiB
            # more than the CPU driver, which reads them in place from the segment.
            backs = []
            for cycle in range(3):
                self.client.swap_driver("slow", "reference")
                on_reference = vm_rss_kib(pid)
                delta = on_reference - on_cpu
                self.assertGreater(delta, 16 * 1024, f"cycle {cycle}")
                self.client.swap_driver("slow", "cpu")
                backs.append(vm_rss_kib(pid))
                numbers = (f"RSS on cpu {on_cpu} KiB, on reference {on_reference} KiB, "
                           f"back on cpu {backs}")
                # Most of it is back at once (the allocator may keep a little) ...
                self.assertLess(backs[-1] - on_cpu, delta // 2, numbers)
            # ... and nothing accumulates from one swap to the next.
            self.assertLess(backs[-1] - backs[0], delta // 4, numbers)
        finally:
            self.client.unload_model("slow")

    def test_swap_refusals_name_the_problem(self):
        error = self.client.error_of(self.client.swap_driver, "stories260K", "nosuch")
        self.assertEqual(error.name, "org.llmcore.Error.DriverNotFound")
        self.assertIn("nosuch", error.message)
        error = self.client.error_of(self.client.swap_driver, "stories260K", "cpu", "gpu7")
        self.assertEqual(error.name, "org.llmcore.Error.DriverNotFound")
        self.assertIn("gpu7", error.message)
        error = self.client.error_of(self.client.swap_driver, "stories260K", "cpu", "",
                                     method="fast")
        self.assertEqual(error.name, "org.llmcore.Error.InvalidArgument")
        error = self.client.error_of(self.client.swap_driver, "slow", "reference")
        self.assertEqual(error.name, "org.llmcore.Error.ModelNotLoaded")
        error = self.client.error_of(self.client.swap_driver, "nosuch-model", "cpu")
        self.assertEqual(error.name, "org.llmcore.Error.ModelNotFound")
        self.assertEqual(self.client.model_info("stories260K")["driver"], "cpu")
        self.assert_daemon_serves()

    def test_swap_while_loading_or_while_another_swap_runs_is_busy(self):
        self.client.ensure_unloaded("slow")
        # Calls on one connection are handled in order: the swap arrives while
        # the load runs, then a second swap while the first is being built.
        load = self.client.call_async("LoadModel", "(sa{sv})", "slow", {})
        during_load = self.client.call_async("SwapDriver", "(sssa{sv})", "slow", "reference", "",
                                             {})
        first = self.client.call_async("SwapDriver", "(sssa{sv})", "stories260K", "reference",
                                       "", {})
        second = self.client.call_async("SwapDriver", "(sssa{sv})", "stories260K", "cpu", "", {})
        self.assertIsNone(load.result()[1])
        self.assertEqual(during_load.result()[1], "org.llmcore.Error.Busy")
        self.assertIsNone(first.result()[1])
        self.assertEqual(second.result()[1], "org.llmcore.Error.Busy")
        self.assertIn("already running", second.result()[2])
        self.assertEqual(self.client.model_info("stories260K")["driver"], "reference")
        self.client.unload_model("slow")
        self.assert_daemon_serves()

    def test_verify_compares_the_serving_driver_with_the_reference(self):
        report = self.client.verify_model("stories260K", tokens=24)
        self.assertTrue(report["passed"], report)
        self.assertEqual(report["positions"], 24)
        self.assertEqual((report["driver"], report["reference"]), ("cpu", "reference"))
        self.assertLess(report["max_abs_diff"], report["tolerance"])
        self.assertEqual(report["top1_agreement"], 1.0)
        error = self.client.error_of(self.client.verify_model, "slow")
        self.assertEqual(error.name, "org.llmcore.Error.ModelNotLoaded")

    def test_load_on_an_explicit_driver(self):
        self.client.ensure_unloaded("slow")
        error = self.client.error_of(self.client.load_model, "slow", driver="nosuch")
        self.assertEqual(error.name, "org.llmcore.Error.DriverNotFound")
        error = self.client.error_of(self.client.load_model, "slow", driver="cpu",
                                     device="gpu3")
        self.assertEqual(error.name, "org.llmcore.Error.LoadFailed")
        self.assertIn("gpu3", error.message)
        self.client.load_model("slow", driver="reference", device="0")
        self.assertEqual(self.client.model_info("slow")["driver"], "reference")
        self.client.unload_model("slow")

    def test_llmctl_swap_verify_hw_and_ps(self):
        llmctl = paths.require(paths.llmctl(), "llmctl")
        env_bus = [f"--bus={self.bus.address}"]
        result = cli.run([llmctl, *env_bus, "swap", "stories260K", "reference:cpu"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("reference", result.stdout)
        result = cli.run([llmctl, *env_bus, "--json", "ps"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"reference"', result.stdout)
        result = cli.run([llmctl, *env_bus, "--json", "swap", "stories260K", "cpu", "--threads",
                          "2"])
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual((report["driver"], report["previous_driver"]), ("cpu", "reference"))
        result = cli.run([llmctl, *env_bus, "verify", "stories260K"])
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        result = cli.run([llmctl, *env_bus, "hw"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("reference", result.stdout)
        result = cli.run([llmctl, *env_bus, "swap", "stories260K", "nosuch"])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("nosuch", result.stderr)


class ReloadTest(DaemonTestCase):
    """A driver library replaced on disk is loaded as a new build; models move onto it."""

    @classmethod
    def _driver_path(cls):
        # Copies of the build's drivers in a directory of their own, as installed.
        cls.driver_dir = os.path.join(cls.directory, "drivers")
        os.makedirs(cls.driver_dir, exist_ok=True)
        shutil.copy(paths.cpu_driver(), os.path.join(cls.driver_dir, "llmcore-cpu.so"))
        shutil.copy(paths.reference_driver(),
                    os.path.join(cls.driver_dir, "llmcore-reference.so"))
        return cls.driver_dir

    def test_reload_moves_models_onto_the_new_build_while_a_client_streams(self):
        pid = self.daemon.process.pid
        library = os.path.join(self.driver_dir, "llmcore-reference.so")
        self.client.load_model("stories260K", driver="reference")
        old_inode = os.stat(library).st_ino
        self.assertIn(old_inode, mapped_inodes(pid, "llmcore-reference.so"))
        expected = cli.expected_text(PROMPT, STREAM_TOKENS)
        streaming = ring_client(self.bus.address, STREAM_TOKENS)
        # A new build, renamed into place as package managers do.
        staged = library + ".new"
        shutil.copy(paths.reference_driver(), staged)
        os.rename(staged, library)
        new_inode = os.stat(library).st_ino
        report = self.client.reload_driver("reference")
        self.assertEqual(report["models"], ["stories260K"])
        self.assertEqual(report["path"], library)
        out, err = streaming.communicate(timeout=600)
        self.assertEqual(streaming.returncode, 0, err)
        self.assertEqual(out, expected)
        # The old build is unloaded once nothing uses it; the new one serves.
        mapped = mapped_inodes(pid, "llmcore-reference.so")
        self.assertIn(new_inode, mapped)
        self.assertNotIn(old_inode, mapped)
        self.assertEqual(self.client.model_info("stories260K")["driver"], "reference")
        error = self.client.error_of(self.client.reload_driver, "nosuch")
        self.assertEqual(error.name, "org.llmcore.Error.DriverNotFound")
        self.assert_daemon_serves()


class PlacementTest(DaemonTestCase):
    """Placement with a driver whose device cannot fit any model: a fake GPU of 1 MiB that
    scores above the CPU driver (no GPU exists here, so this one is faked)."""

    @classmethod
    def _driver_path(cls):
        return ":".join([paths.require(paths.cpu_driver(), "the CPU driver"),
                         paths.require(paths.reference_driver(), "the reference driver"),
                         paths.require(paths.fake_gpu_driver(), "the fake GPU driver")])

    def test_automatic_placement_skips_a_device_without_room(self):
        self.client.load_model("stories260K")
        info = self.client.model_info("stories260K")
        self.assertEqual((info["driver"], info["device"]), ("cpu", "cpu"))
        devices = {(d[0], d[2]): d for d in self.client.hardware()["devices"]}
        self.assertEqual(devices[("fake", "fake0")][4], "gpu")
        self.assertEqual(devices[("fake", "fake0")][5], 1 << 20)

    def test_explicit_load_on_a_device_without_room_fails_naming_the_need(self):
        self.client.ensure_unloaded("stories260K")
        error = self.client.error_of(self.client.load_model, "stories260K", driver="fake")
        self.assertEqual(error.name, "org.llmcore.Error.LoadFailed")
        self.assertIn("MiB", error.message)
        self.assertNotIn("stories260K", self.client.loaded_models())

    def test_swap_to_a_device_without_room_leaves_the_old_instance_serving(self):
        self.client.load_model("stories260K")
        expected = cli.expected_text(PROMPT, STREAM_TOKENS)
        streaming = ring_client(self.bus.address, STREAM_TOKENS)
        error = self.client.error_of(self.client.swap_driver, "stories260K", "fake")
        self.assertEqual(error.name, "org.llmcore.Error.SwapFailed")
        self.assertIn("fake0", error.message)
        self.assertIn("MiB", error.message)
        out, err = streaming.communicate(timeout=600)
        self.assertEqual(streaming.returncode, 0, err)
        self.assertEqual(out, expected)
        self.assertEqual(self.client.model_info("stories260K")["driver"], "cpu")
        self.assert_daemon_serves()
