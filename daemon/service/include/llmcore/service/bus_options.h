// Reading the arguments clients pass: "a{sv}" option dictionaries and
// "a(ss)" chat messages, checked against what each method accepts.
//
// An option dictionary may hold only the keys a method knows, each with its
// documented type (ipc/dbus/org.llmcore.Core1.xml); anything else is refused
// with kInvalidArgument naming the key, so that a typo in a client does not
// silently fall back to a default. Ranges are checked here too, in the
// D-Bus names of the fields.
//
// Every reader consumes its argument from the message (which must be
// positioned on it) and leaves the message positioned after it, also on error.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "llmcore/engine/generation.h"
#include "llmcore/status.h"
#include "llmcore/text/chat_template.h"

namespace llmcore::service {

using OptionValue = std::variant<bool, int32_t, uint32_t, int64_t, uint64_t, double, std::string,
                                 std::vector<std::string>>;
using OptionMap = std::map<std::string, OptionValue, std::less<>>;

// Reads an "a{sv}". Variant types other than b i u x t d s as are refused.
Result<OptionMap> ReadOptionMap(sd_bus_message* message);

struct GenerationLimits {
  uint32_t max_tokens = 4096;  // the highest max_tokens a client may ask for
  uint32_t default_max_tokens = 256;
};

struct ParsedGeneration {
  engine::GenerationOptions options;
  bool seed_given = false;  // when false the caller picks a random seed
};
Result<ParsedGeneration> ParseGenerationOptions(const OptionMap& map,
                                                const GenerationLimits& limits);

struct ParsedTokenize {
  bool add_bos = true;
  bool parse_special = false;
};
Result<ParsedTokenize> ParseTokenizeOptions(const OptionMap& map);

struct ParsedSession {
  uint32_t context_length = 0;  // 0: the configured default
};
Result<ParsedSession> ParseSessionOptions(const OptionMap& map);

// Session.OpenRing: ring capacities in bytes (0: the default); the rules
// (powers of two within the layout's bounds) are checked when the ring is
// made.
struct ParsedRing {
  uint32_t request_ring_bytes = 0;
  uint32_t event_ring_bytes = 0;
};
Result<ParsedRing> ParseRingOptions(const OptionMap& map);

struct ParsedLoad {
  bool pin = false;
  std::string driver;  // "driver" (s): "" = automatic placement
  std::string device;  // "device" (s): a device name or index; "" = the driver's best
};
Result<ParsedLoad> ParseLoadOptions(const OptionMap& map);

// SwapDriver's options: "threads" (u, 0..1024), "method" (s: "auto" or
// "reprocess").
struct ParsedSwap {
  std::optional<uint32_t> threads;
  bool force_reprocess = false;
};
Result<ParsedSwap> ParseSwapOptions(const OptionMap& map);

// VerifyModel's options: "tokens" (u, 1..4096, default 32).
struct ParsedVerify {
  uint32_t tokens = 32;
};
Result<ParsedVerify> ParseVerifyOptions(const OptionMap& map);

// Only an empty dictionary is accepted (methods with options reserved for
// later versions).
Status ExpectNoOptions(const OptionMap& map);

// Reads an "a(ss)" of (role, content): at least one message, at most 4096,
// roles system/user/assistant.
Result<std::vector<text::ChatMessage>> ReadChatMessages(sd_bus_message* message);
// The same checks on messages that arrived another way (a session's ring):
// at least one message, roles system/user/assistant.
Status ValidateChatMessages(const std::vector<text::ChatMessage>& messages);

// Reads an "as": at most `max_items` strings.
Result<std::vector<std::string>> ReadStringArray(sd_bus_message* message, size_t max_items);

}  // namespace llmcore::service
