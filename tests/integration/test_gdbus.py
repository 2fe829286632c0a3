"""gdbus (GLib's command-line client), run as an unprivileged user, against the daemon."""

import os
import re
import unittest
import xml.etree.ElementTree as ElementTree

from harness import cli, paths
from harness.dbus_client import BUS_NAME, MANAGER, OBJECT_PATH
from harness.fixture import DaemonTestCase

# The bundled model as llmcore-gguf lists it: its tensors hold 292800 elements in all.
STORIES_PARAMETERS = 292800


class GdbusTest(DaemonTestCase):
    def gdbus(self, command, *args):
        return cli.run(["gdbus", command, "--address", self.bus.address, *args], uid=cli.NOBODY)

    def gdbus_call(self, method, *args, path=OBJECT_PATH):
        result = self.gdbus("call", "--dest", BUS_NAME, "--object-path", path, "--method", method,
                            "--", *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        return cli.parse_gvariant(result.stdout)

    def test_introspect_shows_the_manager_and_standard_interfaces(self):
        result = self.gdbus("introspect", "--dest", BUS_NAME, "--object-path", OBJECT_PATH)
        self.assertEqual(result.returncode, 0, result.stderr)
        interfaces = set(re.findall(r"^\s*interface (\S+) \{", result.stdout, re.MULTILINE))
        self.assertLessEqual({MANAGER, "org.freedesktop.DBus.Introspectable",
                              "org.freedesktop.DBus.Properties", "org.freedesktop.DBus.Peer"},
                             interfaces)

    def test_introspection_matches_the_published_interface_xml(self):
        (xml,) = self.gdbus_call("org.freedesktop.DBus.Introspectable.Introspect")
        exported = members(ElementTree.fromstring(xml), MANAGER)
        published = members(ElementTree.parse(paths.INTERFACE_XML).getroot(), MANAGER)
        self.assertEqual(exported, published)

    def test_list_models_contains_stories260k(self):
        (models,) = self.gdbus_call(f"{MANAGER}.ListModels")
        entries = {model[0]: model for model in models}
        self.assertIn("stories260K", entries)
        name, architecture, quantization, size = entries["stories260K"][:4]
        self.assertEqual((architecture, quantization), ("llama", "F32"))
        self.assertEqual(size, os.path.getsize(paths.BUNDLED_MODEL))

    def test_get_model_info_reports_the_bundled_model(self):
        (info,) = self.gdbus_call(f"{MANAGER}.GetModelInfo", "stories260K")
        for key in ("name", "path", "architecture", "quantization", "parameters", "size",
                    "context_length", "serving_context_length", "embedding_length", "layers",
                    "vocab_size", "chat_template", "state", "pinned", "driver", "device"):
            self.assertIn(key, info)
        self.assertEqual(info["name"], "stories260K")
        self.assertEqual(os.path.realpath(info["path"]),
                         os.path.realpath(os.path.join(self.models_dir, "stories260K.gguf")))
        self.assertEqual(info["architecture"], "llama")
        self.assertEqual(info["quantization"], "F32")
        self.assertEqual(info["parameters"], STORIES_PARAMETERS)
        self.assertEqual(info["size"], os.path.getsize(paths.BUNDLED_MODEL))
        # From the file's metadata (see ../shared/testdata/models/README.md).
        self.assertEqual(info["context_length"], 128)
        self.assertEqual(info["serving_context_length"], 128)  # capped by the trained context
        self.assertEqual(info["embedding_length"], 64)
        self.assertEqual(info["layers"], 5)
        self.assertEqual(info["vocab_size"], 512)
        self.assertEqual(info["chat_template"], "")
        self.assertIn(info["state"], ("available", "loaded"))
        self.assertFalse(info["pinned"])

    def test_version_property_is_the_project_version(self):
        (version,) = self.gdbus_call("org.freedesktop.DBus.Properties.Get", MANAGER, "Version")
        expected = os.environ.get("LLMCORE_VERSION")
        if expected:
            self.assertTrue(version.startswith(expected), f"{version!r} vs {expected!r}")
        self.assertRegex(version, r"^\d+\.\d+\.\d+")


def members(root, interface_name):
    """{(kind, name): [(type, direction), ...]} of one interface in introspection XML."""
    interface = root.find(f"./interface[@name='{interface_name}']")
    if interface is None:
        raise AssertionError(f"{interface_name} is not in the introspection data")
    found = {}
    for element in interface:
        if element.tag in ("method", "signal"):
            found[(element.tag, element.get("name"))] = [
                (arg.get("type"), arg.get("direction", "in" if element.tag == "method" else "out"))
                for arg in element.findall("arg")
            ]
        elif element.tag == "property":
            found[("property", element.get("name"))] = [(element.get("type"),
                                                         element.get("access"))]
    return found


if __name__ == "__main__":
    unittest.main()
