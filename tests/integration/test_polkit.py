"""Privileged methods go through polkit (faked by python3-dbusmock) for unprivileged callers."""

import unittest

from harness import cli
from harness.dbus_client import BUS_NAME, MANAGER, OBJECT_PATH
from harness.fixture import DaemonTestCase
from harness.polkit import MANAGE_ACTION

ACCESS_DENIED = "org.llmcore.Error.AccessDenied"
ALLOW_USER_INTERACTION = 1


class PolkitTest(DaemonTestCase):
    def setUp(self):
        if not self.polkit.running():
            self.polkit.start()
        self.polkit.deny_all()
        self.client.ensure_unloaded("stories260K")
        self.polkit.clear_calls()

    def call_as_nobody(self, method, *args):
        return cli.run(["gdbus", "call", "--address", self.bus.address, "--dest", BUS_NAME,
                        "--object-path", OBJECT_PATH, "--method", f"{MANAGER}.{method}", "--",
                        *args], uid=cli.NOBODY)

    def load_as_nobody(self):
        return self.call_as_nobody("LoadModel", "stories260K", "@a{sv} {}")

    def unload_as_nobody(self):
        return self.call_as_nobody("UnloadModel", "stories260K")

    def assert_polkit_asked_once(self):
        checks = self.polkit.authorization_checks()
        self.assertEqual(len(checks), 1, checks)
        (subject_kind, subject_details), action, _, flags = checks[0]
        self.assertEqual(subject_kind, "system-bus-name")
        self.assertTrue(subject_details["name"].startswith(":"), subject_details)
        self.assertEqual(action, MANAGE_ACTION)
        self.assertEqual(flags & ALLOW_USER_INTERACTION, ALLOW_USER_INTERACTION)

    def test_load_model_allowed_by_polkit_succeeds(self):
        self.polkit.allow(MANAGE_ACTION)
        result = self.load_as_nobody()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("stories260K", self.client.loaded_models())
        self.assert_polkit_asked_once()

    def test_load_model_denied_by_polkit_is_access_denied_and_loads_nothing(self):
        before = self.client.loaded_models()
        self.assertEqual(cli.error_name(self.load_as_nobody()), ACCESS_DENIED)
        self.assertEqual(self.client.loaded_models(), before)
        self.assert_polkit_asked_once()

    def test_unload_model_allowed_by_polkit_succeeds(self):
        self.client.load_model("stories260K")
        self.polkit.allow(MANAGE_ACTION)
        result = self.unload_as_nobody()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("stories260K", self.client.loaded_models())
        self.assert_polkit_asked_once()

    def test_unload_model_denied_by_polkit_is_access_denied_and_unloads_nothing(self):
        self.client.load_model("stories260K")
        before = self.client.loaded_models()
        self.assertEqual(cli.error_name(self.unload_as_nobody()), ACCESS_DENIED)
        self.assertEqual(self.client.loaded_models(), before)
        self.assert_polkit_asked_once()

    def test_another_action_allowed_does_not_allow_manage(self):
        self.polkit.allow("org.example.other")
        self.assertEqual(cli.error_name(self.load_as_nobody()), ACCESS_DENIED)
        self.assertNotIn("stories260K", self.client.loaded_models())

    def test_without_polkit_privileged_calls_are_denied(self):
        self.client.load_model("stories260K")
        self.polkit.allow(MANAGE_ACTION)
        self.polkit.stop()
        self.assertEqual(cli.error_name(self.unload_as_nobody()), ACCESS_DENIED)
        self.assertIn("stories260K", self.client.loaded_models())
        self.client.unload_model("stories260K")
        self.assertEqual(cli.error_name(self.load_as_nobody()), ACCESS_DENIED)
        self.assertNotIn("stories260K", self.client.loaded_models())
        self.assert_daemon_serves()

    def test_root_is_allowed_without_asking_polkit(self):
        self.client.load_model("stories260K")
        self.client.unload_model("stories260K")
        self.assertEqual(self.polkit.authorization_checks(), [])

    def test_read_only_calls_of_an_unprivileged_user_do_not_ask_polkit(self):
        for method, args in (("ListModels", ()), ("GetModelInfo", ("stories260K",)),
                             ("GetStatus", ("",))):
            result = self.call_as_nobody(method, *args)
            self.assertEqual(result.returncode, 0, f"{method}: {result.stderr}")
        self.assertEqual(self.polkit.authorization_checks(), [])


if __name__ == "__main__":
    unittest.main()


class DriverPolkitTest(DaemonTestCase):
    """SwapDriver, ReloadDriver and VerifyModel ask polkit for org.llmcore.manage too."""

    call_as_nobody = PolkitTest.call_as_nobody
    assert_polkit_asked_once = PolkitTest.assert_polkit_asked_once

    def setUp(self):
        self.polkit.deny_all()
        self.client.load_model("stories260K")
        self.polkit.clear_calls()

    def tearDown(self):
        if self.client.model_info("stories260K")["driver"] != "cpu":
            self.client.swap_driver("stories260K", "cpu")

    def test_swap_driver_denied_by_polkit_leaves_the_model_where_it_is(self):
        result = self.call_as_nobody("SwapDriver", "stories260K", "reference", "", "@a{sv} {}")
        self.assertEqual(cli.error_name(result), ACCESS_DENIED)
        self.assertEqual(self.client.model_info("stories260K")["driver"], "cpu")
        self.assert_polkit_asked_once()

    def test_swap_driver_allowed_by_polkit_moves_the_model(self):
        self.polkit.allow(MANAGE_ACTION)
        result = self.call_as_nobody("SwapDriver", "stories260K", "reference", "", "@a{sv} {}")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.client.model_info("stories260K")["driver"], "reference")
        self.assert_polkit_asked_once()

    def test_reload_and_verify_denied_by_polkit(self):
        self.assertEqual(cli.error_name(self.call_as_nobody("ReloadDriver", "reference")),
                         ACCESS_DENIED)
        self.assert_polkit_asked_once()
        self.polkit.clear_calls()
        self.assertEqual(
            cli.error_name(self.call_as_nobody("VerifyModel", "stories260K", "@a{sv} {}")),
            ACCESS_DENIED)
        self.assert_polkit_asked_once()
