"""DaemonTestCase: one private bus, fake polkit and llmcored per test class."""

import os
import shutil
import tempfile
import unittest

from . import dbus_client, models
from .bus import PrivateSystemBus
from .daemon import Daemon
from .polkit import PolkitMock


class DaemonTestCase(unittest.TestCase):
    """Starts the daemon once for all tests of a class and checks it stopped cleanly.

    Subclasses say what the models directory holds and may add configuration.
    `cls.client` is a root connection; unprivileged callers go through harness.cli.
    """

    # Models generated into the directory besides stories260K (see models.GENERATED).
    GENERATED_MODELS = ()
    # More copies of the bundled model, under these names.
    COPIES = ()
    # Broken entries: "garbage", "broken" (missing tensor), "escape" (symlink out).
    BROKEN_MODELS = ()
    # Added to (or overriding) the base configuration: {section: {key: value}}.
    CONFIG = {}

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="llmcore-integration-")
        cls.bus = cls.polkit = cls.daemon = cls.client = None
        try:
            cls.bus = PrivateSystemBus(cls.directory).start()
            cls.polkit = PolkitMock(cls.bus, cls.directory).start()
            cls.models_dir = os.path.join(cls.directory, "models")
            os.makedirs(cls.models_dir)
            cls._fill_models_dir()
            cls.daemon = Daemon(cls.bus, cls.directory, cls._config(),
                                cls._driver_path()).start()
            cls.client = dbus_client.Client(cls.bus.address)
        except BaseException:
            cls._tear_down()
            raise

    @classmethod
    def tearDownClass(cls):
        problem = cls._tear_down()
        if problem:
            raise AssertionError(problem)

    @classmethod
    def _fill_models_dir(cls):
        models.add_bundled(cls.models_dir)
        for name in cls.COPIES:
            models.add_bundled(cls.models_dir, name)
        for name in cls.GENERATED_MODELS:
            models.add_generated(cls.models_dir, name)
        builders = {
            "garbage": lambda: models.add_garbage(cls.models_dir),
            "broken": lambda: models.add_missing_tensor(cls.models_dir),
            "escape": lambda: models.add_escaping_symlink(
                cls.models_dir, os.path.join(cls.directory, "outside")),
        }
        for name in cls.BROKEN_MODELS:
            builders[name]()

    @classmethod
    def _driver_path(cls):
        """Where the daemon finds drivers (LLMCORE_DRIVER_PATH); None: the build tree's."""
        return None

    @classmethod
    def _config(cls):
        config = {
            "Models": {"Directory": cls.models_dir, "Default": "stories260K"},
            # MaxPromptBytes: small enough that an oversized prompt fits on a command line.
            # Threads: one per model, as the tests share a small machine with each other.
            "Daemon": {"MaxPromptBytes": "16K", "Threads": "1"},
        }
        for section, keys in cls.CONFIG.items():
            config.setdefault(section, {}).update(keys)
        return config

    @classmethod
    def _tear_down(cls):
        problem = None
        if cls.client is not None:
            cls.client.close()
        if cls.daemon is not None:
            problem = cls.daemon.stop()
        if cls.polkit is not None:
            cls.polkit.close()
        if cls.bus is not None:
            cls.bus.stop()
        if problem is None:
            shutil.rmtree(cls.directory, ignore_errors=True)
        else:
            problem += f"\n(files kept in {cls.directory})"
        return problem

    def assert_daemon_serves(self):
        """The daemon is alive and answers a call."""
        self.assertTrue(self.daemon.running(), self.daemon.log_tail())
        names = [model[0] for model in self.client.list_models()]
        self.assertIn("stories260K", names)
