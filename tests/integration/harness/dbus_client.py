"""A D-Bus client of the daemon built on GDBus (python3-gi), as a desktop app is.

Calls are synchronous; signals are delivered to the default main context,
which spin_until() runs while a test waits for them.
"""

import time

from gi.repository import Gio, GLib

BUS_NAME = "org.llmcore.Core1"
OBJECT_PATH = "/org/llmcore/Core1"
MANAGER = "org.llmcore.Core1.Manager"
SESSION = "org.llmcore.Core1.Session"

# The type of every option key, from ipc/dbus/org.llmcore.Core1.xml.
OPTION_TYPES = {
    "max_tokens": "u",
    "temperature": "d",
    "top_k": "i",
    "top_p": "d",
    "min_p": "d",
    "repeat_penalty": "d",
    "repeat_last_n": "i",
    "frequency_penalty": "d",
    "presence_penalty": "d",
    "seed": "t",
    "stop": "as",
    "ignore_eos": "b",
    "add_bos": "b",
    "parse_special": "b",
    "context_length": "u",
    "pin": "b",
    "driver": "s",
    "device": "s",
    "threads": "u",
    "method": "s",
    "tokens": "u",
}

DEFAULT_TIMEOUT_S = 60


class DBusCallError(Exception):
    """A method call answered with an error: `name` is the D-Bus error name."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def options(**values):
    """An a{sv} options dictionary with each key's type from the interface."""
    return {key: GLib.Variant(OPTION_TYPES[key], value) for key, value in values.items()}


def connect(address):
    return Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def call(connection, destination, path, interface, method, args=None, reply=None,
         timeout=DEFAULT_TIMEOUT_S):
    """Calls a method and returns its unpacked reply tuple; raises DBusCallError."""
    try:
        result = connection.call_sync(destination, path, interface, method, args,
                                      GLib.VariantType(reply) if reply else None,
                                      Gio.DBusCallFlags.NONE, int(timeout * 1000), None)
    except GLib.Error as error:
        name = Gio.DBusError.get_remote_error(error)
        if name is None:
            raise
        # GDBus prefixes the message with "GDBus.Error:<name>: ".
        message = error.message.removeprefix(f"GDBus.Error:{name}: ")
        raise DBusCallError(name, message) from None
    return result.unpack() if result is not None else ()


class PendingCall:
    """A method call sent without waiting; result() dispatches until its reply came."""

    def __init__(self, connection, method, signature, args, timeout):
        self._outcome = None
        connection.call(BUS_NAME, OBJECT_PATH, MANAGER, method, GLib.Variant(signature, args),
                        None, Gio.DBusCallFlags.NONE, int(timeout * 1000), None, self._done)

    def _done(self, connection, result):
        try:
            reply = connection.call_finish(result)
            self._outcome = (reply.unpack(), None, None)
        except GLib.Error as error:
            name = Gio.DBusError.get_remote_error(error)
            message = error.message.removeprefix(f"GDBus.Error:{name}: ")
            self._outcome = (None, name, message)

    def result(self, timeout=DEFAULT_TIMEOUT_S):
        """(reply tuple, None, None) or (None, error name, message)."""
        spin_until(lambda: self._outcome is not None, timeout, "a method reply")
        return self._outcome


def spin_until(predicate, timeout, what="the condition"):
    """Dispatches signals until predicate() holds; fails after `timeout` seconds."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        if not context.iteration(False):
            time.sleep(0.002)


def dispatch_for(seconds):
    """Dispatches whatever signals arrive during `seconds`."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not context.iteration(False):
            time.sleep(0.002)


def name_has_owner(connection, name):
    (owned,) = call(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus", "NameHasOwner", GLib.Variant("(s)", (name,)), "(b)")
    return owned


def wait_for_name(connection, name, timeout, process=None, what=None):
    deadline = time.monotonic() + timeout
    while not name_has_owner(connection, name):
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what or name} exited with status {process.returncode} "
                                 f"before owning {name}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} not owned after {timeout} s")
        time.sleep(0.02)


def wait_for_name_gone(connection, name, timeout):
    deadline = time.monotonic() + timeout
    while name_has_owner(connection, name):
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} still owned after {timeout} s")
        time.sleep(0.02)


class Client:
    """One bus connection talking to org.llmcore.Core1."""

    def __init__(self, address):
        self.connection = connect(address)

    @property
    def unique_name(self):
        return self.connection.get_unique_name()

    def daemon_name(self):
        """The daemon's unique bus name: signals are matched on it, as a well-known name
        is only resolved asynchronously by GDBus."""
        (owner,) = call(self.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                        "org.freedesktop.DBus", "GetNameOwner", GLib.Variant("(s)", (BUS_NAME,)),
                        "(s)")
        return owner

    def close(self):
        if not self.connection.is_closed():
            self.connection.close_sync(None)

    def manager(self, method, signature="()", *args, reply=None, timeout=DEFAULT_TIMEOUT_S):
        return call(self.connection, BUS_NAME, OBJECT_PATH, MANAGER, method,
                    GLib.Variant(signature, args), reply, timeout)

    def session(self, path, method, signature="()", *args, reply=None,
                timeout=DEFAULT_TIMEOUT_S):
        return call(self.connection, BUS_NAME, path, SESSION, method,
                    GLib.Variant(signature, args), reply, timeout)

    def error_of(self, function, *args, **kwargs):
        """The DBusCallError a call raises; fails when the call succeeds."""
        try:
            result = function(*args, **kwargs)
        except DBusCallError as error:
            return error
        raise AssertionError(f"expected an error, the call returned {result!r}")

    def get_property(self, name, interface=MANAGER, path=OBJECT_PATH):
        (value,) = call(self.connection, BUS_NAME, path, "org.freedesktop.DBus.Properties", "Get",
                        GLib.Variant("(ss)", (interface, name)), "(v)")
        return value

    def loaded_models(self):
        return list(self.get_property("LoadedModels"))

    # The methods of the Manager used by most tests.

    def list_models(self):
        (models,) = self.manager("ListModels", reply="(a(sssts))")
        return models

    def model_info(self, model):
        (info,) = self.manager("GetModelInfo", "(s)", model, reply="(a{sv})")
        return info

    def generate(self, model, prompt, timeout=DEFAULT_TIMEOUT_S, **opts):
        return self.manager("Generate", "(ssa{sv})", model, prompt, options(**opts),
                            reply="(sa{sv})", timeout=timeout)

    def status(self, model=""):
        return self.manager("GetStatus", "(s)", model, reply="(ss)")

    def load_model(self, model, timeout=DEFAULT_TIMEOUT_S, **opts):
        self.manager("LoadModel", "(sa{sv})", model, options(**opts), timeout=timeout)

    def unload_model(self, model):
        self.manager("UnloadModel", "(s)", model)

    def ensure_unloaded(self, model):
        if model in self.loaded_models():
            self.unload_model(model)

    def call_async(self, method, signature, *args, timeout=DEFAULT_TIMEOUT_S):
        """Sends a Manager call now; its answer comes with .result()."""
        return PendingCall(self.connection, method, signature, args, timeout)

    def swap_driver(self, model, driver, device="", timeout=120, **opts):
        (report,) = self.manager("SwapDriver", "(sssa{sv})", model, driver, device,
                                 options(**opts), reply="(a{sv})", timeout=timeout)
        return report

    def reload_driver(self, driver, timeout=120):
        (report,) = self.manager("ReloadDriver", "(s)", driver, reply="(a{sv})", timeout=timeout)
        return report

    def verify_model(self, model, timeout=120, **opts):
        (report,) = self.manager("VerifyModel", "(sa{sv})", model, options(**opts),
                                 reply="(a{sv})", timeout=timeout)
        return report

    def hardware(self):
        (hardware,) = self.manager("GetHardware", reply="(a{sv})")
        return hardware

    def create_session(self, model, **opts):
        (path,) = self.manager("CreateSession", "(sa{sv})", model, options(**opts), reply="(o)")
        return Session(self, path)


class Session:
    """A session object: Submit, and the Token/Finished signals sent to its owner."""

    def __init__(self, client, path):
        self.client = client
        self.path = path
        self.pieces = {}  # request -> [piece, ...]
        self.tokens = {}  # request -> [token id, ...]
        self.finished = {}  # request -> stats
        connection = client.connection
        sender = client.daemon_name()
        self._subscriptions = [
            connection.signal_subscribe(sender, SESSION, member, path, None,
                                        Gio.DBusSignalFlags.NONE, handler)
            for member, handler in (("Token", self._on_token), ("Finished", self._on_finished))
        ]

    def _on_token(self, _connection, _sender, _path, _interface, _member, parameters):
        request, piece, token = parameters.unpack()
        self.pieces.setdefault(request, []).append(piece)
        self.tokens.setdefault(request, []).append(token)

    def _on_finished(self, _connection, _sender, _path, _interface, _member, parameters):
        request, stats = parameters.unpack()
        self.finished[request] = stats

    def submit(self, prompt, **opts):
        (request,) = self.client.session(self.path, "Submit", "(sa{sv})", prompt, options(**opts),
                                         reply="(t)")
        return request

    def submit_chat(self, messages, **opts):
        (request,) = self.client.session(self.path, "SubmitChat", "(a(ss)a{sv})", messages,
                                         options(**opts), reply="(t)")
        return request

    def cancel(self):
        self.client.session(self.path, "Cancel")

    def close(self):
        self.client.session(self.path, "Close")

    def unsubscribe(self):
        for subscription in self._subscriptions:
            self.client.connection.signal_unsubscribe(subscription)
        self._subscriptions = []

    def wait_finished(self, request, timeout=DEFAULT_TIMEOUT_S):
        spin_until(lambda: request in self.finished, timeout, f"Finished of request {request}")
        return self.finished[request]

    def wait_tokens(self, request, count, timeout=DEFAULT_TIMEOUT_S):
        spin_until(lambda: len(self.tokens.get(request, [])) >= count or request in self.finished,
                   timeout, f"{count} tokens of request {request}")

    def text(self, request):
        return "".join(self.pieces.get(request, []))


class SignalRecorder:
    """Records the Manager's broadcast signals (name, args) in arrival order."""

    def __init__(self, client, members=("ModelLoaded", "ModelUnloaded", "LoadProgress")):
        self.client = client
        self.seen = []
        sender = client.daemon_name()
        self._subscriptions = [
            client.connection.signal_subscribe(sender, MANAGER, member, OBJECT_PATH, None,
                                               Gio.DBusSignalFlags.NONE, self._on_signal)
            for member in members
        ]
        # GDBus sends the match rules without waiting; a call on the same connection
        # returns only after the bus has installed them, so no signal is missed.
        client.daemon_name()

    def _on_signal(self, _connection, _sender, _path, _interface, member, parameters):
        self.seen.append((member, parameters.unpack()))

    def of(self, member):
        return [args for name, args in self.seen if name == member]

    def wait_for(self, member, predicate=lambda args: True, timeout=DEFAULT_TIMEOUT_S):
        spin_until(lambda: any(predicate(args) for args in self.of(member)), timeout,
                   f"signal {member}")

    def close(self):
        for subscription in self._subscriptions:
            self.client.connection.signal_unsubscribe(subscription)
        self._subscriptions = []
