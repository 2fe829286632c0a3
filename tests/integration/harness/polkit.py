"""polkit's authority faked with python3-dbusmock's polkitd template.

The template answers CheckAuthorization with "authorized" for the actions
given to SetAllowed (or every action after AllowUnknown(true)) and logs every
call, which GetMethodCalls returns.
"""

import os
import subprocess

from gi.repository import GLib

from . import dbus_client

BUS_NAME = "org.freedesktop.PolicyKit1"
OBJECT_PATH = "/org/freedesktop/PolicyKit1/Authority"
MOCK_INTERFACE = "org.freedesktop.DBus.Mock"
MANAGE_ACTION = "org.llmcore.manage"


class PolkitMock:
    """The fake authority on `bus`, its log in `directory`; start() again after stop()."""

    def __init__(self, bus, directory):
        self.bus = bus
        self.log_path = os.path.join(directory, "polkit-mock.log")
        self.process = None
        self.connection = None

    def start(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address)
        with open(self.log_path, "ab") as log:
            # The real interpreter: python3-dbusmock lives in Debian's dist-packages.
            self.process = subprocess.Popen(
                ["/usr/bin/python3", "-m", "dbusmock", "--system", "--template", "polkitd"],
                env=env, stdout=log, stderr=log)
        if self.connection is None:
            self.connection = dbus_client.connect(self.bus.address)
        dbus_client.wait_for_name(self.connection, BUS_NAME, timeout=20,
                                  process=self.process, what="polkit mock")
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.running():
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.connection is not None and not self.connection.is_closed():
            dbus_client.wait_for_name_gone(self.connection, BUS_NAME, timeout=10)

    def close(self):
        self.stop()
        if self.connection is not None:
            self.connection.close_sync(None)
            self.connection = None

    def _mock(self, method, args=None, reply="()"):
        return dbus_client.call(self.connection, BUS_NAME, OBJECT_PATH, MOCK_INTERFACE, method,
                                args, reply)

    def allow(self, *actions):
        """Authorizes exactly `actions` (none: every check is denied)."""
        self._mock("SetAllowed", GLib.Variant("(as)", (list(actions),)))

    def deny_all(self):
        self.allow()

    def clear_calls(self):
        self._mock("ClearCalls")

    def authorization_checks(self):
        """The CheckAuthorization calls seen: a list of (subject, action, details, flags)."""
        (calls,) = self._mock("GetMethodCalls", GLib.Variant("(s)", ("CheckAuthorization",)),
                              "(a(tav))")
        return [tuple(args[:4]) for _, args in calls]
