#include "bus_value.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace llmcore::llmctl {
namespace {

Status ReadFailure(int r, char type) {
  return Status(StatusCode::kCorrupt,
                fmt::format("reading a D-Bus value of type '{}': {}", type, std::strerror(-r)));
}

Result<Json> ReadBasic(sd_bus_message* m, char type) {
  union {
    uint8_t y;
    int b;
    int16_t n;
    uint16_t q;
    int32_t i;
    uint32_t u;
    int64_t x;
    uint64_t t;
    double d;
    const char* s;
    int h;
  } v{};
  const int r = sd_bus_message_read_basic(m, type, &v);
  if (r <= 0) return ReadFailure(r == 0 ? -EBADMSG : r, type);
  switch (type) {
    case SD_BUS_TYPE_BYTE: return Json(v.y);
    case SD_BUS_TYPE_BOOLEAN: return Json(v.b != 0);
    case SD_BUS_TYPE_INT16: return Json(v.n);
    case SD_BUS_TYPE_UINT16: return Json(v.q);
    case SD_BUS_TYPE_INT32: return Json(v.i);
    case SD_BUS_TYPE_UINT32: return Json(v.u);
    case SD_BUS_TYPE_INT64: return Json(v.x);
    case SD_BUS_TYPE_UINT64: return Json(v.t);
    case SD_BUS_TYPE_DOUBLE: return Json(v.d);
    case SD_BUS_TYPE_STRING:
    case SD_BUS_TYPE_OBJECT_PATH:
    case SD_BUS_TYPE_SIGNATURE: return Json(std::string(v.s));
    case SD_BUS_TYPE_UNIX_FD: return Json(v.h);
    default: break;
  }
  return Status(StatusCode::kUnsupported, fmt::format("unknown D-Bus type '{}'", type));
}

// A dictionary key as an object key: strings as they are, numbers as text.
std::string KeyText(const Json& key) {
  return key.is_string() ? key.get<std::string>() : key.dump();
}

Result<Json> ReadDictionary(sd_bus_message* m) {
  Json out = Json::object();
  char type = 0;
  const char* contents = nullptr;
  int r = 0;
  while ((r = sd_bus_message_peek_type(m, &type, &contents)) > 0) {
    r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, contents);
    if (r <= 0) return ReadFailure(r == 0 ? -EBADMSG : r, SD_BUS_TYPE_DICT_ENTRY);
    LLMCORE_ASSIGN_OR_RETURN(Json key, ReadValue(m));
    LLMCORE_ASSIGN_OR_RETURN(Json value, ReadValue(m));
    out[KeyText(key)] = std::move(value);
    r = sd_bus_message_exit_container(m);
    if (r < 0) return ReadFailure(r, SD_BUS_TYPE_DICT_ENTRY);
  }
  if (r < 0) return ReadFailure(r, SD_BUS_TYPE_ARRAY);
  return out;
}

}  // namespace

Result<Json> ReadRemaining(sd_bus_message* message) {
  Json out = Json::array();
  char type = 0;
  const char* contents = nullptr;
  int r = 0;
  while ((r = sd_bus_message_peek_type(message, &type, &contents)) > 0) {
    LLMCORE_ASSIGN_OR_RETURN(Json value, ReadValue(message));
    out.push_back(std::move(value));
  }
  if (r < 0) return ReadFailure(r, '?');
  return out;
}

Result<Json> ReadValue(sd_bus_message* message) {
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(message, &type, &contents);
  if (r < 0) return ReadFailure(r, '?');
  if (r == 0) {
    return Status(StatusCode::kCorrupt, "expected another D-Bus value, found the end");
  }
  if (type != SD_BUS_TYPE_ARRAY && type != SD_BUS_TYPE_VARIANT && type != SD_BUS_TYPE_STRUCT) {
    return ReadBasic(message, type);
  }

  r = sd_bus_message_enter_container(message, type, contents);
  if (r <= 0) return ReadFailure(r == 0 ? -EBADMSG : r, type);
  Result<Json> value = Json();
  if (type == SD_BUS_TYPE_VARIANT) {
    value = ReadValue(message);
  } else if (type == SD_BUS_TYPE_ARRAY && contents[0] == SD_BUS_TYPE_DICT_ENTRY_BEGIN) {
    value = ReadDictionary(message);
  } else {
    value = ReadRemaining(message);
  }
  if (!value.ok()) return value;
  r = sd_bus_message_exit_container(message);
  if (r < 0) return ReadFailure(r, type);
  return value;
}

}  // namespace llmcore::llmctl
