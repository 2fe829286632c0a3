"""The models directories the tests give the daemon."""

import os
import shutil

from . import cli, paths

# Shapes of generated models (deterministic random weights, the bundled vocabulary unless said).
# "slow" streams at roughly 150 tokens/s with the scalar CPU kernels, slow enough to act on a
# request while it generates; "chatty" carries phi-3's vocabulary and its chat template.
GENERATED = {
    "slow": ["--dim", "256", "--layers", "8", "--heads", "8", "--kv-heads", "4", "--ffn", "768",
             "--ctx", "4096", "--type", "q8_0"],
    "chatty": ["--dim", "64", "--layers", "1", "--heads", "4", "--kv-heads", "4", "--ffn", "128",
               "--ctx", "512", "--type", "q8_0", "--tied", "--vocab-from", paths.CHAT_VOCAB],
}


def add_bundled(directory, name="stories260K"):
    """A copy of the bundled model (a file of its own: the store shares no segment with it)."""
    shutil.copy(paths.BUNDLED_MODEL, os.path.join(directory, name + ".gguf"))


def add_generated(directory, name):
    cli.run([paths.require(paths.llmcore_mkmodel(), "llmcore-mkmodel"), "--arch", "llama",
             "--name", name, "--seed", "1", "-o", os.path.join(directory, name + ".gguf")]
            + GENERATED[name], check=True)


def add_garbage(directory, name="garbage"):
    """A .gguf file that is no GGUF at all."""
    with open(os.path.join(directory, name + ".gguf"), "wb") as f:
        f.write(b"this is not a model\n" * 64)


def add_missing_tensor(directory, name="broken"):
    """The bundled model with one tensor renamed: its metadata reads fine, loading it fails."""
    with open(paths.BUNDLED_MODEL, "rb") as f:
        data = f.read()
    tensor = b"output_norm.weight"
    assert data.count(tensor) == 1, "the bundled model changed: pick another tensor to rename"
    with open(os.path.join(directory, name + ".gguf"), "wb") as f:
        f.write(data.replace(tensor, b"output_norX.weight"))


def add_escaping_symlink(directory, outside, name="escape"):
    """A symlink in the models directory to a valid model outside it."""
    os.makedirs(outside, exist_ok=True)
    target = os.path.join(outside, "secret.gguf")
    shutil.copy(paths.BUNDLED_MODEL, target)
    os.symlink(target, os.path.join(directory, name + ".gguf"))
