"""Model names are names inside the configured directories, never paths; broken model
files get named errors; the daemon keeps serving after each."""

import unittest

from harness import cli
from harness.fixture import DaemonTestCase

INVALID = "org.llmcore.Error.InvalidArgument"
NOT_FOUND = "org.llmcore.Error.ModelNotFound"
LOAD_FAILED = "org.llmcore.Error.LoadFailed"


class ModelNamesTest(DaemonTestCase):
    BROKEN_MODELS = ("garbage", "broken", "escape")

    def errors_for(self, name, methods=("GetModelInfo", "LoadModel", "Generate", "CreateSession")):
        """{method: error name} of Manager methods that take a model name."""
        calls = {
            "GetModelInfo": lambda: self.client.model_info(name),
            "LoadModel": lambda: self.client.load_model(name),
            "Generate": lambda: self.client.generate(name, "Once upon a time", max_tokens=1),
            "CreateSession": lambda: self.client.create_session(name),
        }
        return {method: self.client.error_of(calls[method]).name for method in methods}

    def assert_still_serving(self):
        self.assert_daemon_serves()
        text, _ = self.client.generate("stories260K", "Once upon a time", temperature=0.0,
                                       max_tokens=40)
        self.assertEqual(text, cli.expected_text("Once upon a time", 40))

    def test_name_with_parent_directory_is_invalid(self):
        for name in ("../x", "a/../stories260K", ".."):
            with self.subTest(name=name):
                errors = self.errors_for(name)
                self.assertEqual(set(errors.values()), {INVALID}, errors)
        self.assert_still_serving()

    def test_absolute_path_is_invalid(self):
        errors = self.errors_for("/etc/passwd")
        self.assertEqual(set(errors.values()), {INVALID}, errors)
        self.assert_still_serving()

    def test_unknown_name_is_model_not_found(self):
        errors = self.errors_for("no-such-model")
        self.assertEqual(set(errors.values()), {NOT_FOUND}, errors)
        self.assert_still_serving()

    def test_symlink_escaping_the_models_directory_is_refused(self):
        errors = self.errors_for("escape", ("LoadModel", "Generate", "CreateSession"))
        for error in errors.values():
            self.assertIn(error, (NOT_FOUND, LOAD_FAILED, "org.llmcore.Error.AccessDenied"), errors)
        self.assertNotIn("escape", self.client.loaded_models())
        self.assert_still_serving()

    def test_file_that_is_no_gguf_is_not_listed(self):
        names = [model[0] for model in self.client.list_models()]
        self.assertNotIn("garbage", names)
        errors = self.errors_for("garbage")
        self.assertEqual(set(errors.values()), {NOT_FOUND}, errors)
        self.assert_still_serving()

    def test_model_missing_a_tensor_fails_to_load(self):
        self.assertEqual(self.client.model_info("broken")["name"], "broken")  # metadata is fine
        errors = self.errors_for("broken", ("LoadModel", "Generate", "CreateSession"))
        self.assertEqual(set(errors.values()), {LOAD_FAILED}, errors)
        self.assertNotIn("broken", self.client.loaded_models())
        self.assert_still_serving()


if __name__ == "__main__":
    unittest.main()
