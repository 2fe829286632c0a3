// Reading the "a{sv}" dictionaries of the daemon (statistics, model info).
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace llmcore::lib {

// The scalar values of a dictionary; values of other types (arrays,
// structs) are skipped.
using DictValue = std::variant<uint64_t, int64_t, double, bool, std::string>;
using Dict = std::map<std::string, DictValue, std::less<>>;

// Reads an "a{sv}" at the message's read position into *out (negative errno
// on a malformed message).
int ReadDict(sd_bus_message* m, Dict* out);

// Typed look-ups: the default when absent or of another kind (unsigned and
// signed integers convert into each other when they fit).
uint64_t DictUnsigned(const Dict& dict, const char* key);
double DictDouble(const Dict& dict, const char* key);
bool DictBool(const Dict& dict, const char* key);
std::string DictString(const Dict& dict, const char* key);

}  // namespace llmcore::lib
