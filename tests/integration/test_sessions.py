"""Sessions from python3-gi (GDBus), as a desktop app uses them: streaming, cancel,
concurrency, continuation, ownership, disconnects, and the Manager's model signals."""

import os
import signal
import subprocess
import unittest

from harness import cli, dbus_client
from harness.dbus_client import DBusCallError, OBJECT_PATH
from harness.fixture import DaemonTestCase

NO_SUCH_SESSION = "org.llmcore.Error.NoSuchSession"
STATS_KEYS = {"prompt_tokens", "cached_tokens", "generated_tokens", "queue_ms", "prefill_ms",
              "decode_ms", "tokens_per_second", "stop_reason"}
GREEDY = {"temperature": 0.0, "max_tokens": 40}
# Long enough for "slow" to stream for many seconds unless stopped.
LONG = {"temperature": 0.0, "max_tokens": 4000, "ignore_eos": True}


class SessionsTest(DaemonTestCase):
    GENERATED_MODELS = ("slow",)
    COPIES = ("signals",)

    def session(self, model="stories260K", client=None):
        session = (client or self.client).create_session(model)
        self.addCleanup(close_quietly, session)
        return session

    def test_streamed_pieces_equal_generate_text(self):
        session = self.session()
        request = session.submit("Once upon a time", **GREEDY)
        stats = session.wait_finished(request)
        text, _ = self.client.generate("stories260K", "Once upon a time", **GREEDY)
        self.assertEqual(session.text(request), text)
        self.assertEqual(text, cli.expected_text("Once upon a time", 40))
        self.assertLessEqual(STATS_KEYS, set(stats))
        self.assertEqual(stats["stop_reason"], "length")
        self.assertEqual(stats["generated_tokens"], 40)
        self.assertEqual(len(session.tokens[request]), 40)

    def test_cancel_mid_stream_finishes_cancelled(self):
        session = self.session("slow")
        request = session.submit("Once upon a time", **LONG)
        session.wait_tokens(request, 3)
        session.cancel()
        stats = session.wait_finished(request)
        self.assertEqual(stats["stop_reason"], "cancelled")
        self.assertLess(stats["generated_tokens"], LONG["max_tokens"])
        self.assertEqual(len(session.tokens[request]), stats["generated_tokens"])
        # The session stays usable after a cancel.
        again = session.submit(" The end.", temperature=0.0, max_tokens=2)
        self.assertEqual(session.wait_finished(again)["stop_reason"], "length")

    def test_close_mid_stream_finishes_cancelled(self):
        session = self.client.create_session("slow")
        self.addCleanup(session.unsubscribe)
        request = session.submit("Once upon a time", **LONG)
        session.wait_tokens(request, 3)
        session.close()
        self.assertEqual(session.wait_finished(request, timeout=10)["stop_reason"], "cancelled")
        error = self.client.error_of(session.submit, "Once upon a time", **GREEDY)
        self.assertEqual(error.name, NO_SUCH_SESSION)

    def test_unload_ends_the_model_sessions(self):
        session = self.session("slow")
        request = session.submit("Once upon a time", **LONG)
        session.wait_tokens(request, 3)
        self.client.unload_model("slow")
        self.assertEqual(session.wait_finished(request, timeout=10)["stop_reason"], "shutdown")
        error = self.client.error_of(session.submit, "Once upon a time", **GREEDY)
        self.assertEqual(error.name, NO_SUCH_SESSION)

    def test_cancel_without_a_running_request_is_a_no_op(self):
        session = self.session()
        session.cancel()
        request = session.submit("Once upon a time", **GREEDY)
        self.assertEqual(session.wait_finished(request)["stop_reason"], "length")

    def test_two_sessions_at_once_both_complete_with_their_texts(self):
        prompts = ["Once upon a time", "The cat sat on the"]
        sessions = [self.session() for _ in prompts]
        requests = [s.submit(p, **GREEDY) for s, p in zip(sessions, prompts)]
        for session, request, prompt in zip(sessions, requests, prompts):
            session.wait_finished(request)
            self.assertEqual(session.text(request), cli.expected_text(prompt, 40), prompt)

    def test_second_submit_reuses_the_session_kv_state(self):
        session = self.session()
        first = session.submit("Once upon a time", temperature=0.0, max_tokens=8)
        first_stats = session.wait_finished(first)
        self.assertEqual(first_stats["cached_tokens"], 0)
        second = session.submit(" She was happy.", temperature=0.0, max_tokens=8)
        second_stats = session.wait_finished(second)
        # The first prompt (BOS + 4 tokens) is in the KV state already.
        self.assertGreaterEqual(second_stats["cached_tokens"], 5, second_stats)

    def test_session_model_property_names_its_model(self):
        session = self.session()
        model = self.client.get_property("Model", dbus_client.SESSION, session.path)
        self.assertEqual(model, "stories260K")

    def test_session_of_another_connection_is_no_such_session(self):
        session = self.session()
        other = dbus_client.Client(self.bus.address)
        self.addCleanup(other.close)
        foreign = dbus_client.Session(other, session.path)
        for call in (lambda: foreign.submit("Once upon a time", **GREEDY), foreign.cancel,
                     foreign.close):
            self.assertEqual(other.error_of(call).name, NO_SUCH_SESSION)
        # The owner's session is untouched.
        request = session.submit("Once upon a time", **GREEDY)
        self.assertEqual(session.wait_finished(request)["stop_reason"], "length")

    def test_unknown_session_path_is_no_such_session(self):
        unknown = dbus_client.Session(self.client, OBJECT_PATH + "/session/0123456789abcdef")
        self.addCleanup(unknown.unsubscribe)
        error = self.client.error_of(unknown.submit, "Once upon a time", **GREEDY)
        self.assertEqual(error.name, NO_SUCH_SESSION)

    def test_close_then_submit_is_no_such_session(self):
        session = self.client.create_session("stories260K")
        session.close()
        error = self.client.error_of(session.submit, "Once upon a time", **GREEDY)
        self.assertEqual(error.name, NO_SUCH_SESSION)

    def test_load_and_unload_signals_reach_a_subscriber(self):
        # A model no other test loads: a model loaded again while its previous segment
        # is still alive shares that segment, reading nothing, so it reports no progress.
        model = "signals"
        listener = dbus_client.Client(self.bus.address)
        self.addCleanup(listener.close)
        recorder = dbus_client.SignalRecorder(listener)
        self.addCleanup(recorder.close)

        self.client.load_model(model)
        recorder.wait_for("ModelLoaded", lambda args: args == (model,))
        progress = [args[1:] for args in recorder.of("LoadProgress") if args[0] == model]
        self.assertTrue(progress, f"no LoadProgress signal for {model}; seen: {recorder.seen}")
        done = [bytes_done for bytes_done, _ in progress]
        self.assertEqual(done, sorted(done))
        last_done, total = progress[-1]
        self.assertGreater(total, 0)
        self.assertEqual(last_done, total)
        self.assertLessEqual(total, os.path.getsize(os.path.join(self.models_dir, model + ".gguf")))
        self.assertIn(model, self.client.loaded_models())

        self.client.unload_model(model)
        recorder.wait_for("ModelUnloaded", lambda args: args == (model, "request"))
        self.assertNotIn(model, self.client.loaded_models())


class DisconnectTest(DaemonTestCase):
    """A client killed while streaming: the daemon frees its sessions."""

    GENERATED_MODELS = ("slow",)
    CONFIG = {"Daemon": {"MaxSessionsPerUser": "2"}}

    def client_process(self, *args):
        argv = ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "client_process.py"),
                args[0], self.bus.address, *args[1:]]
        return cli.as_user(argv, cli.NOBODY)

    def start_streaming_client(self):
        process = subprocess.Popen(self.client_process("stream", "slow", "Once upon a time"),
                                   stdout=subprocess.PIPE, text=True)
        self.addCleanup(stop_process, process)
        first = process.stdout.readline().split()
        self.assertEqual(first[:1], ["session"], "the streaming client did not start")
        self.assertEqual(process.stdout.readline().strip(), "streaming")
        return process, first[1]

    def create_sessions(self, count):
        return cli.run(self.client_process("create-sessions", "stories260K", str(count)))

    def test_killed_streaming_clients_free_their_sessions(self):
        streams = [self.start_streaming_client() for _ in range(2)]
        # The unprivileged user is at MaxSessionsPerUser now.
        result = self.create_sessions(1)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertTrue(result.stdout.startswith("org.llmcore.Error.Busy"), result.stdout)

        for process, _ in streams:
            process.send_signal(signal.SIGKILL)
            process.wait()

        # Each session ended with its connection: the user may hold two again.
        dbus_client.spin_until(lambda: self.create_sessions(2).returncode == 0, 20,
                               "the killed clients' sessions to be freed")
        for _, path in streams:
            foreign = dbus_client.Session(self.client, path)
            self.addCleanup(foreign.unsubscribe)
            error = self.client.error_of(foreign.submit, "x", max_tokens=1)
            self.assertIn(error.name, (NO_SUCH_SESSION, "org.freedesktop.DBus.Error.UnknownObject"))
        text, _ = self.client.generate("stories260K", "Once upon a time", **GREEDY)
        self.assertEqual(text, cli.expected_text("Once upon a time", 40))


class DrainTest(DaemonTestCase):
    """SIGTERM drains: running requests go on to their end, then the daemon exits 0."""

    GENERATED_MODELS = ("slow",)
    # However slow the machine (sanitizers, shared cores), the request must not
    # outlast the drain: this test is about requests that finish in time.
    CONFIG = {"Daemon": {"DrainTimeout": "infinity"}}

    def test_sigterm_lets_running_requests_finish_then_exits_cleanly(self):
        session = self.client.create_session("slow")
        self.addCleanup(session.unsubscribe)
        request = session.submit("Once upon a time", temperature=0.0, max_tokens=60,
                                 ignore_eos=True)
        session.wait_tokens(request, 3)
        self.daemon.process.send_signal(signal.SIGTERM)
        stats = session.wait_finished(request)
        self.assertEqual((stats["stop_reason"], stats["generated_tokens"]), ("length", 60))
        self.assertEqual(self.daemon.process.wait(timeout=30), 0, self.daemon.log_tail())


class DrainDeadlineTest(DaemonTestCase):
    """Requests still running when the drain ends finish with stop reason "shutdown"."""

    GENERATED_MODELS = ("slow",)
    CONFIG = {"Daemon": {"DrainTimeout": "2s"}}

    def test_sigterm_ends_requests_that_outlast_the_drain_with_shutdown(self):
        session = self.client.create_session("slow")
        self.addCleanup(session.unsubscribe)
        request = session.submit("Once upon a time", **LONG)
        session.wait_tokens(request, 3)
        self.daemon.process.send_signal(signal.SIGTERM)
        # The daemon drains for DrainTimeout (2 s) before it ends what still runs.
        dbus_client.spin_until(
            lambda: request in session.finished or self.daemon.process.poll() is not None, 30,
            "the request's end or the daemon's exit")
        self.assertEqual(self.daemon.process.wait(timeout=30), 0, self.daemon.log_tail())
        dbus_client.dispatch_for(0.5)  # signals sent just before the exit
        self.assertIn(request, session.finished, "no Finished signal before the daemon exited")
        self.assertEqual(session.finished[request]["stop_reason"], "shutdown")


def close_quietly(session):
    try:
        session.close()
    except DBusCallError:
        pass
    session.unsubscribe()


def stop_process(process):
    if process.poll() is None:
        process.kill()
        process.wait()
    process.stdout.close()


if __name__ == "__main__":
    unittest.main()
