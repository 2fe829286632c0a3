"""Bad requests get named errors and the daemon keeps serving.

The callers are unprivileged command-line clients. dbus-send cannot build the
a{sv} options or the a(ss) messages of these methods (it has no variants inside
containers and no structs), so it sends what it can: calls of the wrong
signature. The option and message checks go through gdbus, which prints the
error's name (busctl prints only its message).
"""

import unittest

from harness import cli
from harness.dbus_client import BUS_NAME, MANAGER, OBJECT_PATH
from harness.fixture import DaemonTestCase

INVALID = "org.llmcore.Error.InvalidArgument"
PROMPT = "'Once upon a time'"


class BadArgumentsTest(DaemonTestCase):
    GENERATED_MODELS = ("chatty",)

    def gdbus(self, method, *args):
        """Calls a Manager method with arguments in GVariant text."""
        return cli.run(["gdbus", "call", "--address", self.bus.address, "--dest", BUS_NAME,
                        "--object-path", OBJECT_PATH, "--method", f"{MANAGER}.{method}", "--",
                        *args], uid=cli.NOBODY)

    def dbus_send(self, method, *args):
        return cli.run(["dbus-send", f"--bus={self.bus.address}", "--print-reply",
                        f"--dest={BUS_NAME}", OBJECT_PATH, f"{MANAGER}.{method}", *args],
                       uid=cli.NOBODY)

    def assert_refused(self, result, error=INVALID, named=None):
        """The call failed with `error`, its message names `named`, and the daemon serves on."""
        self.assertEqual(cli.error_name(result), error, result.stderr)
        if named:
            self.assertIn(named, result.stderr)
        self.assert_daemon_serves()

    def generate(self, options, prompt=PROMPT):
        return self.gdbus("Generate", "'stories260K'", prompt, f"@a{{sv}} {options}")

    def test_dbus_send_with_a_missing_argument_is_invalid_args(self):
        result = self.dbus_send("Generate", "string:stories260K", "string:Once upon a time")
        self.assert_refused(result, "org.freedesktop.DBus.Error.InvalidArgs")

    def test_dbus_send_with_options_of_the_wrong_signature_is_invalid_args(self):
        result = self.dbus_send("Generate", "string:stories260K", "string:Once upon a time",
                                "dict:string:string:temperature,0")
        self.assert_refused(result, "org.freedesktop.DBus.Error.InvalidArgs")

    def test_dbus_send_get_status_answers(self):
        result = self.dbus_send("GetStatus", "string:")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r'string "(ready|loading|no-model|overloaded)"')

    def test_generate_chat_on_a_model_without_template_is_unsupported(self):
        result = self.gdbus("GenerateChat", "'stories260K'", "[('user', 'Hello')]", "@a{sv} {}")
        self.assert_refused(result, "org.llmcore.Error.Unsupported")

    def test_generate_chat_on_a_model_with_a_template_answers(self):
        result = self.gdbus("GenerateChat", "'chatty'",
                            "[('system', 'Be brief.'), ('user', 'Hello')]",
                            "{'max_tokens': <uint32 4>}")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_generate_chat_with_no_messages_is_invalid(self):
        self.assert_refused(self.gdbus("GenerateChat", "'chatty'", "@a(ss) []", "@a{sv} {}"))

    def test_generate_chat_with_an_unknown_role_is_invalid(self):
        result = self.gdbus("GenerateChat", "'chatty'", "[('wizard', 'Hello')]", "@a{sv} {}")
        self.assert_refused(result, named="wizard")

    def test_negative_temperature_is_invalid(self):
        self.assert_refused(self.generate("{'temperature': <-1.0>}"), named="temperature")

    def test_zero_max_tokens_is_invalid(self):
        self.assert_refused(self.generate("{'max_tokens': <uint32 0>}"), named="max_tokens")

    def test_max_tokens_above_the_daemon_limit_is_invalid(self):
        self.assert_refused(self.generate("{'max_tokens': <uint32 4294967295>}"),
                            named="max_tokens")

    def test_unknown_option_key_is_invalid_and_named(self):
        self.assert_refused(self.generate("{'bogus_key': <uint32 1>}"), named="bogus_key")

    def test_option_of_the_wrong_type_is_invalid(self):
        self.assert_refused(self.generate("{'max_tokens': <'forty'>}"), named="max_tokens")

    def test_prompt_over_max_prompt_bytes_is_invalid(self):
        # The test configuration sets MaxPromptBytes=16K.
        prompt = "'" + "a" * (16 * 1024 + 1) + "'"
        self.assert_refused(self.generate("{'max_tokens': <uint32 1>}", prompt), named="16384")


if __name__ == "__main__":
    unittest.main()
