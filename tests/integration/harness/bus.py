"""A private dbus-daemon configured like the system bus.

The configuration follows /usr/share/dbus-1/system.conf: method calls and name
ownership are denied by default, and service policies punch holes from an
<includedir>. That directory holds the project's own policy file (the one
installed to dbus-1/system.d) and a test-only policy (see TEST_POLICY), so the
daemon meets the same rules as on a real system.
"""

import os
import pwd
import shutil
import subprocess
from xml.sax.saxutils import quoteattr

from . import paths

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path={socket}</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <includedir>{policy_dir}</includedir>
</busconfig>
"""

# The shipped policy lets only the llmcore system user own org.llmcore.Core1.
# In these tests the daemon runs as the test's own user (root in CI), and
# polkit's authority is a python3-dbusmock process of that user, so that user
# may own both names here. Sending to the fake authority is open to everyone,
# as the real polkit's policy allows.
TEST_POLICY = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user={user}>
    <allow own="org.llmcore.Core1"/>
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy context="default">
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
</busconfig>
"""


class PrivateSystemBus:
    """One dbus-daemon in `directory` (made reachable to unprivileged clients)."""

    def __init__(self, directory, include_project_policy=True):
        self.directory = directory
        self.include_project_policy = include_project_policy
        self.process = None
        self.address = None

    def start(self):
        os.chmod(self.directory, 0o755)
        policy_dir = os.path.join(self.directory, "system.d")
        os.makedirs(policy_dir, exist_ok=True)
        if self.include_project_policy:
            paths.require(paths.PROJECT_BUS_POLICY, "the project's D-Bus policy")
            shutil.copy(paths.PROJECT_BUS_POLICY, policy_dir)
        user = pwd.getpwuid(os.getuid()).pw_name
        with open(os.path.join(policy_dir, "test-only.conf"), "w", encoding="utf-8") as f:
            f.write(TEST_POLICY.format(user=quoteattr(user)))
        config = os.path.join(self.directory, "bus.conf")
        socket = os.path.join(self.directory, "bus")
        with open(config, "w", encoding="utf-8") as f:
            f.write(BUS_CONFIG.format(socket=socket, policy_dir=policy_dir))
        with open(os.path.join(self.directory, "bus.log"), "wb") as log:
            self.process = subprocess.Popen(
                ["dbus-daemon", "--nofork", "--nopidfile", f"--config-file={config}",
                 "--print-address=1"],
                stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.process.stdout.readline().strip()
        if not line:
            self.process.wait(timeout=5)
            raise AssertionError(f"dbus-daemon did not start: {self.log()}")
        self.address = line
        return self

    def log(self):
        try:
            with open(os.path.join(self.directory, "bus.log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.process:
            self.process.stdout.close()
