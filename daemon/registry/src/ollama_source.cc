// An Ollama model store:
//   ROOT/manifests/registry.ollama.ai/NAMESPACE/NAME/TAG   (JSON manifest)
//   ROOT/blobs/sha256-HEX                                  (the GGUF file)
// named "ollama:NAME:TAG" in namespace "library", else
// "ollama:NAMESPACE/NAME:TAG".
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "directory_walk.h"
#include "open_beneath.h"
#include "source_listing.h"

namespace llmcore::registry::internal {
namespace {

constexpr std::string_view kRegistryDir = "manifests/registry.ollama.ai";
constexpr std::string_view kModelMediaType = "application/vnd.ollama.image.model";
constexpr std::string_view kDigestPrefix = "sha256:";

bool IsLowerHex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> ReadManifest(const std::string& root, const std::string& relative) {
  LLMCORE_ASSIGN_OR_RETURN(OpenedFile file, OpenBeneath(root, relative));
  if (static_cast<uint64_t>(file.st.st_size) > kMaxManifestBytes) {
    return Status(StatusCode::kCorrupt,
                  "larger than " + std::to_string(kMaxManifestBytes) + " bytes: not a manifest");
  }
  std::string text(static_cast<size_t>(file.st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pread(file.fd.get(), text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot read the manifest");
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

// The blob path (relative to the root) of the manifest's model layer.
Result<std::string> ModelBlob(std::string_view manifest) {
  // No exceptions: a malformed manifest is a discarded value.
  const nlohmann::json json = nlohmann::json::parse(manifest, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status(StatusCode::kCorrupt, "manifest is not a JSON object");
  }
  const auto layers = json.find("layers");
  if (layers == json.end() || !layers->is_array()) {
    return Status(StatusCode::kCorrupt, "manifest has no \"layers\" array");
  }
  for (const nlohmann::json& layer : *layers) {
    if (!layer.is_object()) continue;
    const auto media_type = layer.find("mediaType");
    if (media_type == layer.end() || !media_type->is_string() ||
        media_type->get_ref<const std::string&>() != kModelMediaType) {
      continue;
    }
    const auto digest = layer.find("digest");
    if (digest == layer.end() || !digest->is_string()) {
      return Status(StatusCode::kCorrupt, "model layer has no \"digest\" string");
    }
    const std::string_view value = digest->get_ref<const std::string&>();
    const std::string_view hex =
        value.starts_with(kDigestPrefix) ? value.substr(kDigestPrefix.size()) : "";
    if (hex.size() != 64 || !IsLowerHex(hex)) {
      return Status(StatusCode::kCorrupt, "model layer's digest is not sha256:<64 hex digits>");
    }
    return "blobs/sha256-" + std::string(hex);
  }
  return Status(StatusCode::kCorrupt,
                "manifest has no layer of mediaType " + std::string(kModelMediaType));
}

}  // namespace

SourceListing ListOllamaSource(const std::string& root) {
  SourceListing listing;
  DirectoryWalker walker(root, &listing);
  std::optional<UniqueFd> root_fd = walker.OpenRoot();
  if (!root_fd) return listing;
  const std::string registry_dir(kRegistryDir);
  UniqueFd registry_fd(::openat(root_fd->get(), registry_dir.c_str(),
                                O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!registry_fd) {
    if (errno != ENOENT) {
      walker.Skip(registry_dir, ErrnoStatus(errno, "cannot open the directory").message());
    }
    return listing;
  }
  const std::string registry_prefix = registry_dir + "/";
  for (const DirEntry& ns : walker.List(registry_fd.get(), registry_prefix)) {
    if (ns.type != DirEntry::Type::kDirectory || ns.name.starts_with('.')) continue;
    std::optional<UniqueFd> ns_fd =
        walker.OpenDirectory(registry_fd.get(), registry_prefix, ns.name);
    if (!ns_fd) continue;
    const std::string ns_prefix = registry_prefix + ns.name + "/";
    for (const DirEntry& model : walker.List(ns_fd->get(), ns_prefix)) {
      if (model.type != DirEntry::Type::kDirectory || model.name.starts_with('.')) continue;
      std::optional<UniqueFd> model_fd = walker.OpenDirectory(ns_fd->get(), ns_prefix, model.name);
      if (!model_fd) continue;
      const std::string model_prefix = ns_prefix + model.name + "/";
      for (const DirEntry& tag : walker.List(model_fd->get(), model_prefix)) {
        if (tag.type != DirEntry::Type::kFile || tag.name.starts_with('.')) continue;
        const std::string manifest_path = model_prefix + tag.name;
        Result<std::string> blob = ReadManifest(root, manifest_path);
        if (blob.ok()) blob = ModelBlob(*blob);
        if (!blob.ok()) {
          walker.Skip(manifest_path, blob.status().message());
          continue;
        }
        const std::string model_name =
            ns.name == "library" ? model.name : ns.name + "/" + model.name;
        listing.candidates.push_back({"ollama:" + model_name + ":" + tag.name, std::move(*blob)});
      }
    }
  }
  return listing;
}

}  // namespace llmcore::registry::internal
