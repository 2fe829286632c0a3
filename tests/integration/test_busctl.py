"""busctl (systemd's client), run as an unprivileged user: generation, status, tokens."""

import json
import unittest

from harness import cli
from harness.dbus_client import BUS_NAME, MANAGER, OBJECT_PATH
from harness.fixture import DaemonTestCase

PROMPT = "Once upon a time"
# llama.cpp's tokenization of this text (../shared/testdata/models/README.md).
TOKENIZED_TEXT = "Once upon a time, there was a little girl"
TOKENIZED_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421]
STATS_KEYS = {"prompt_tokens", "cached_tokens", "generated_tokens", "queue_ms", "prefill_ms",
              "decode_ms", "tokens_per_second", "stop_reason"}


class BusctlTest(DaemonTestCase):
    def busctl_call(self, method, signature="", *args):
        """Calls a Manager method; returns the reply's values (variants unwrapped)."""
        result = cli.run(["busctl", f"--address={self.bus.address}", "--json=short", "--", "call",
                          BUS_NAME, OBJECT_PATH, MANAGER, method]
                         + ([signature, *map(str, args)] if signature else []), uid=cli.NOBODY)
        self.assertEqual(result.returncode, 0, result.stderr)
        return [unwrap(value) for value in json.loads(result.stdout)["data"]]

    def test_generate_greedy_equals_llmcore_run(self):
        text, stats = self.busctl_call("Generate", "ssa{sv}", "stories260K", PROMPT, 2,
                                       "temperature", "d", 0, "max_tokens", "u", 40)
        self.assertEqual(text, cli.expected_text(PROMPT, 40))
        self.assertLessEqual(STATS_KEYS, set(stats))
        self.assertEqual(stats["generated_tokens"], 40)
        self.assertEqual(stats["prompt_tokens"], 5)  # BOS + 4 tokens
        self.assertEqual(stats["stop_reason"], "length")

    def test_get_status_of_the_default_model_is_ready(self):
        self.busctl_call("Generate", "ssa{sv}", "", PROMPT, 1, "max_tokens", "u", 1)
        availability, reason = self.busctl_call("GetStatus", "s", "")
        self.assertEqual(availability, "ready", reason)

    def test_get_status_of_an_unknown_model_is_not_ready(self):
        result = cli.run(["busctl", f"--address={self.bus.address}", "--json=short", "--", "call",
                          BUS_NAME, OBJECT_PATH, MANAGER, "GetStatus", "s", "no-such-model"],
                         uid=cli.NOBODY)
        if result.returncode == 0:
            availability, reason = json.loads(result.stdout)["data"]
            self.assertEqual(availability, "no-model", reason)
            self.assertTrue(reason)
        else:
            self.assertEqual(cli.error_name(result), "org.llmcore.Error.ModelNotFound")

    def test_tokenize_matches_llama_cpp_and_detokenize_round_trips(self):
        (tokens,) = self.busctl_call("Tokenize", "ssa{sv}", "stories260K", TOKENIZED_TEXT, 0)
        self.assertEqual(tokens, TOKENIZED_IDS)
        (text,) = self.busctl_call("Detokenize", "sau", "stories260K", len(tokens), *tokens)
        self.assertEqual(text, TOKENIZED_TEXT)

    def test_tokenize_without_bos_leaves_it_out(self):
        (tokens,) = self.busctl_call("Tokenize", "ssa{sv}", "stories260K", TOKENIZED_TEXT, 1,
                                     "add_bos", "b", "false")
        self.assertEqual(tokens, TOKENIZED_IDS[1:])


def unwrap(value):
    """busctl's JSON wraps each variant as {"type": ..., "data": ...}."""
    if isinstance(value, dict):
        if set(value) == {"type", "data"}:
            return unwrap(value["data"])
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


if __name__ == "__main__":
    unittest.main()
