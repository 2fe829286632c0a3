#include "dict.h"

namespace llmcore::lib {
namespace {

int ReadScalar(sd_bus_message* m, char type, DictValue* out) {
  int r = 0;
  switch (type) {
    case 'y': {
      uint8_t v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = uint64_t{v};
      break;
    }
    case 'q': {
      uint16_t v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = uint64_t{v};
      break;
    }
    case 'u': {
      uint32_t v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = uint64_t{v};
      break;
    }
    case 't': {
      uint64_t v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = v;
      break;
    }
    case 'n': {
      int16_t v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = int64_t{v};
      break;
    }
    case 'i': {
      int32_t v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = int64_t{v};
      break;
    }
    case 'x': {
      int64_t v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = v;
      break;
    }
    case 'd': {
      double v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = v;
      break;
    }
    case 'b': {
      int v = 0;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = v != 0;
      break;
    }
    case 's':
    case 'o':
    case 'g': {
      const char* v = nullptr;
      r = sd_bus_message_read_basic(m, type, &v);
      *out = std::string(v ? v : "");
      break;
    }
    default: return 0;
  }
  return r < 0 ? r : 1;
}

}  // namespace

int ReadDict(sd_bus_message* m, Dict* out) {
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    r = sd_bus_message_read_basic(m, 's', &key);
    if (r < 0) return r;
    const char* contents = nullptr;
    r = sd_bus_message_peek_type(m, nullptr, &contents);
    if (r < 0) return r;
    r = sd_bus_message_enter_container(m, 'v', contents);
    if (r < 0) return r;
    DictValue value;
    r = (contents != nullptr && contents[1] == '\0') ? ReadScalar(m, contents[0], &value) : 0;
    if (r < 0) return r;
    if (r > 0) {
      (*out)[key] = std::move(value);
    } else {
      r = sd_bus_message_skip(m, contents);
      if (r < 0) return r;
    }
    r = sd_bus_message_exit_container(m);
    if (r < 0) return r;
    r = sd_bus_message_exit_container(m);
    if (r < 0) return r;
  }
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

uint64_t DictUnsigned(const Dict& dict, const char* key) {
  const auto it = dict.find(key);
  if (it == dict.end()) return 0;
  if (const auto* u = std::get_if<uint64_t>(&it->second)) return *u;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return *i < 0 ? 0 : uint64_t(*i);
  return 0;
}

double DictDouble(const Dict& dict, const char* key) {
  const auto it = dict.find(key);
  if (it == dict.end()) return 0;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  return 0;
}

bool DictBool(const Dict& dict, const char* key) {
  const auto it = dict.find(key);
  if (it == dict.end()) return false;
  if (const auto* b = std::get_if<bool>(&it->second)) return *b;
  return false;
}

std::string DictString(const Dict& dict, const char* key) {
  const auto it = dict.find(key);
  if (it == dict.end()) return {};
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return {};
}

}  // namespace llmcore::lib
