"""llmcored started on a private bus with a configuration written for the test."""

import os
import re
import signal
import subprocess

from . import dbus_client, paths

# What a sanitizer prints when it finds something (the ASan build's daemon).
SANITIZER_REPORT = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer")


class Daemon:
    """llmcored with `config` ({section: {key: value}}) on `bus`; its log in `directory`."""

    def __init__(self, bus, directory, config, driver_path=None):
        self.bus = bus
        self.directory = directory
        self.config = config
        self.config_path = os.path.join(directory, "llmcored.conf")
        self.log_path = os.path.join(directory, "llmcored.log")
        self.process = None
        # LLMCORE_DRIVER_PATH for the daemon; None: the build tree's CPU and
        # reference drivers.
        self.driver_path = driver_path

    def write_config(self):
        with open(self.config_path, "w", encoding="utf-8") as f:
            for section, keys in self.config.items():
                f.write(f"[{section}]\n")
                for key, value in keys.items():
                    for item in value if isinstance(value, list) else [value]:
                        f.write(f"{key}={item}\n")
                f.write("\n")

    def start(self, timeout=60):
        binary = paths.require(paths.llmcored(), "llmcored")
        self.write_config()
        drivers = self.driver_path or ":".join([
            paths.require(paths.cpu_driver(), "the CPU driver"),
            paths.require(paths.reference_driver(), "the reference driver")])
        env = dict(os.environ, LLMCORE_DRIVER_PATH=drivers)
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [binary, f"--bus={self.bus.address}", f"--config={self.config_path}",
                 "--log-level=debug"],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        watcher = dbus_client.connect(self.bus.address)
        try:
            dbus_client.wait_for_name(watcher, dbus_client.BUS_NAME, timeout,
                                      process=self.process, what="llmcored")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None
        finally:
            watcher.close_sync(None)
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines=60):
        return "llmcored log (last lines):\n" + "\n".join(self.log().splitlines()[-lines:])

    def stop(self, timeout=60):
        """Stops the daemon with SIGTERM; returns a problem description or None when clean."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return f"llmcored did not stop within {timeout} s of SIGTERM\n{self.log_tail()}"
        problems = []
        if self.process.returncode != 0:
            problems.append(f"llmcored exited with status {self.process.returncode}")
        report = SANITIZER_REPORT.search(self.log())
        if report:
            problems.append(f"llmcored's log has a sanitizer report ({report.group(0)})")
        if problems:
            return "; ".join(problems) + "\n" + self.log_tail(200)
        return None
