"""Session rings (ipc/RING.md) against the daemon: libllmcore clients (which stream through
rings), and a ring client written in Python from the protocol document
(harness/ring_client.py), which also misbehaves on purpose."""

import os
import subprocess
import time

from harness import cli, dbus_client
from harness.fixture import DaemonTestCase
from harness.ring_client import (ERROR_BUSY, ERROR_NO_SUCH_SESSION, ERROR_PROTOCOL_VIOLATION,
                                 FRAME, STOP_ERROR, STOP_LENGTH, U64, RingSession, ring_fds,
                                 daemon_fds, text_of)
from test_libllmcore import PROMPT, probe_path

CLIENTS = 64


def probe(address, *args):
    return subprocess.Popen([probe_path(), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, LLMCORE_BUS_ADDRESS=address))


class RingTest(DaemonTestCase):
    GENERATED_MODELS = ("slow", "chatty")
    # Room for 64 clients of one user on one model at once.
    CONFIG = {"Daemon": {"MaxSessionsPerUser": "80", "MaxQueuedPerUser": "80",
                         "MaxQueued": "128"},
              "Models": {"MaxSequences": "80"}}

    def setUp(self):
        self.client.load_model("stories260K")

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail(f"{what} within {timeout} s\n{self.daemon.log_tail()}")
            time.sleep(0.05)

    def test_python_ring_client_streams_the_greedy_text(self):
        ring = RingSession(self.client, "stories260K")
        try:
            request = ring.submit(PROMPT, max_tokens=40, temperature=0.0)
            events = ring.collect(request)
        finally:
            ring.close()
        self.assertEqual(text_of(events), cli.expected_text(PROMPT, 40))
        finished = events[-1]
        self.assertEqual(finished[0], "finished")
        self.assertEqual(finished[4], 40)  # generated tokens
        self.assertEqual(finished[5], STOP_LENGTH)
        # Over the ring only: the session sent no Token signal.
        self.assertEqual(ring.session.pieces, {})

    def test_libllmcore_streams_through_the_ring(self):
        before = self.daemon.log().count("streams through a ring")
        process = probe(self.bus.address, "pull", PROMPT, "40")
        out, err = process.communicate(timeout=120)
        self.assertEqual(process.returncode, 0, err)
        self.assertEqual(out, cli.expected_text(PROMPT, 40))
        self.assertGreater(self.daemon.log().count("streams through a ring"), before)

    def test_64_clients_stream_at_once_each_with_its_expected_text(self):
        expected = cli.expected_text(PROMPT, 40)
        processes = [probe(self.bus.address, "pull", PROMPT, "40") for _ in range(CLIENTS)]
        results = [process.communicate(timeout=300) for process in processes]
        for index, (process, (out, err)) in enumerate(zip(processes, results)):
            self.assertEqual(process.returncode, 0, f"client {index}: {err}")
            self.assertEqual(out, expected, f"client {index}")
        # Each client closed its session: every ring is freed.
        self.wait_for(lambda: not ring_fds(self.daemon.process.pid), 120,
                      "every client's ring is freed")
        self.assert_daemon_serves()

    def test_sigkilled_client_frees_its_ring_and_session(self):
        pid = self.daemon.process.pid
        self.wait_for(lambda: not ring_fds(pid), 30, "earlier tests' rings are gone")
        baseline = len(daemon_fds(pid))
        freed = self.daemon.log().count("owner of session")
        process = probe(self.bus.address, "restart", PROMPT, "slow", "8")
        try:
            self.assertEqual(process.stdout.readline().strip(), "STREAMING")
            self.assertEqual(len(ring_fds(pid)), 1)
            process.kill()
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
        # The memfd and both eventfds go with the session (and the bus connection's fd).
        self.wait_for(lambda: len(daemon_fds(pid)) == baseline and not ring_fds(pid), 30,
                      "the daemon's descriptors return to their baseline")
        self.wait_for(lambda: self.daemon.log().count("owner of session") > freed, 30,
                      "the daemon frees the session")
        # Its KV sequence and scheduler slot are back: the model serves as before.
        self.assertEqual(self.client.generate("slow", PROMPT, max_tokens=4, temperature=0.0)[0],
                         cli.expected_text(PROMPT, 4, os.path.join(self.models_dir,
                                                                    "slow.gguf")))

    def test_scribbler_is_disconnected_and_the_others_stream_on(self):
        expected = cli.expected_text(PROMPT, 40)
        others = [probe(self.bus.address, "pull", PROMPT, "40") for _ in range(4)]
        scribbler = RingSession(self.client, "slow")
        scribbler.submit(PROMPT, max_tokens=2000, temperature=0.0, ignore_eos=True)
        deadline = time.monotonic() + 20
        ended = None
        # Every byte the client can write: the header, both control blocks, both rings.
        while ended is None and time.monotonic() < deadline:
            scribbler.mem[:] = os.urandom(scribbler.size)
            os.eventfd_write(scribbler.request_wake, 1)
            time.sleep(0.05)
            if "broke the ring protocol" in self.daemon.log():
                ended = True
        scribbler.close()
        self.assertTrue(ended, f"the daemon did not notice\n{self.daemon.log_tail()}")
        # That session is gone: its path answers NoSuchSession.
        error = self.client.error_of(self.client.session, scribbler.path, "Cancel")
        self.assertEqual(error.name, "org.llmcore.Error.NoSuchSession")
        for index, process in enumerate(others):
            out, err = process.communicate(timeout=300)
            self.assertEqual(process.returncode, 0, f"client {index}: {err}")
            self.assertEqual(out, expected, f"client {index}")
        self.assert_daemon_serves()

    def test_client_that_never_reads_gets_its_request_cancelled_with_an_error(self):
        # A 4 KiB event ring fills after about 128 tokens; then the daemon holds at most
        # its backlog (256 events) and cancels the request instead of blocking or growing.
        # "chatty" is the fastest generated model with room for that many tokens (512).
        ring = RingSession(self.client, "chatty", event_ring_bytes=4096)
        try:
            request = ring.submit(PROMPT, max_tokens=480, temperature=0.0, ignore_eos=True)
            self.wait_for(lambda: "does not read its ring" in self.daemon.log(), 240,
                          "the daemon applies backpressure")
            self.assert_daemon_serves()
            events = ring.collect(request, timeout=60)
        finally:
            ring.close()
        errors = [event for event in events if event[0] == "error"]
        self.assertEqual(len(errors), 1, events[-3:])
        self.assertEqual(errors[0][2], ERROR_BUSY)
        self.assertIn("did not read its events", errors[0][3])
        finished = events[-1]
        self.assertEqual(finished[0], "finished")
        self.assertEqual(finished[5], STOP_ERROR)
        self.assertLess(finished[4], 480)

    def test_bad_frames_end_only_that_session_with_a_named_error(self):
        cases = {
            "unknown-frame-type": lambda ring: ring.write_frame(0x77, b"\0" * 8),
            "unknown-frame-flags": lambda ring: ring.write_frame(2, U64.pack(1), flags=4),
            "oversized-frame": lambda ring: ring.publish_request_head(
                self.write_header_only(ring, 1, 1 << 30)),
            "index-beyond-capacity": lambda ring: ring.publish_request_head(ring.req_cap * 4),
            "index-misaligned": lambda ring: ring.publish_request_head(3),
            "unexpected-frame-type": lambda ring: ring.write_frame(0x101, b"\0" * 16),
        }
        for rule, breaks in cases.items():
            with self.subTest(rule=rule):
                ring = RingSession(self.client, "stories260K")
                try:
                    breaks(ring)
                    events = ring.collect(0, timeout=30)
                finally:
                    ring.close()
                self.assertEqual(events[-1][:3], ("error", 0, ERROR_PROTOCOL_VIOLATION))
                self.assertIn(rule, events[-1][3])
        self.assert_daemon_serves()

    @staticmethod
    def write_header_only(ring, frame_type, length):
        """A frame header claiming `length` payload bytes; returns the head covering it."""
        FRAME.pack_into(ring.mem, ring.req_data, frame_type, 0, length)
        return 8

    def test_closed_session_tells_its_ring_and_refuses_a_second_ring(self):
        ring = RingSession(self.client, "stories260K")
        try:
            error = self.client.error_of(self.client.session, ring.path, "OpenRing", "(a{sv})",
                                         {})
            self.assertEqual(error.name, "org.llmcore.Error.InvalidArgument")
            error = self.client.error_of(ring.session.submit, PROMPT)
            self.assertEqual(error.name, "org.llmcore.Error.InvalidArgument")
            ring.session.close()
            events = ring.collect(0, timeout=30)
            self.assertEqual(events[-1][:3], ("error", 0, ERROR_NO_SUCH_SESSION))
        finally:
            ring.close()

    def test_bad_ring_sizes_are_invalid_arguments(self):
        session = self.client.create_session("stories260K")
        for size in (1000, 4097, 1 << 31):
            with self.subTest(size=size):
                error = self.client.error_of(
                    self.client.session, session.path, "OpenRing", "(a{sv})",
                    {"event_ring_bytes": dbus_client.GLib.Variant("u", size)})
                self.assertEqual(error.name, "org.llmcore.Error.InvalidArgument")
        session.close()

    def test_too_many_sessions_per_user_is_busy(self):
        sessions = []
        try:
            for _ in range(80):
                sessions.append(self.client.create_session("stories260K"))
            error = self.client.error_of(self.client.create_session, "stories260K")
            self.assertEqual(error.name, "org.llmcore.Error.Busy")
        finally:
            for session in sessions:
                session.close()
        self.assert_daemon_serves()


if __name__ == "__main__":
    import unittest
    unittest.main()
