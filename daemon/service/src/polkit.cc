#include "llmcore/service/polkit.h"

#include <fmt/format.h>

#include <cstring>
#include <memory>

#include "llmcore/log.h"
#include "llmcore/service/bus_creds.h"

namespace llmcore::service {
namespace {

constexpr uint32_t kAllowUserInteraction = 1;
// Interactive authentication may wait for a person typing a password.
constexpr uint64_t kPolkitTimeoutUsec = 120ull * 1000 * 1000;

Status Denied(std::string reason) {
  return Status(StatusCode::kPermissionDenied, std::move(reason));
}

int OnReply(sd_bus_message* reply, void* userdata, sd_bus_error*) {
  std::unique_ptr<PolkitDone> done(static_cast<PolkitDone*>(userdata));
  const sd_bus_error* error = sd_bus_message_get_error(reply);
  if (error != nullptr) {
    Logf(LogLevel::kWarning, "polkit: {}: {}", error->name ? error->name : "error",
         error->message ? error->message : "");
    (*done)(Denied(fmt::format("authorization could not be checked ({})",
                               error->message ? error->message : "polkit failed")));
    return 0;
  }
  int authorized = 0;
  int challenge = 0;
  int r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_STRUCT, "bba{ss}");
  if (r >= 0) r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
  if (r < 0) {
    (*done)(Denied("polkit sent a malformed reply"));
    return 0;
  }
  if (authorized) {
    (*done)(Status::Ok());
  } else if (challenge) {
    (*done)(Denied("authentication is required and no agent completed it"));
  } else {
    (*done)(Denied("not authorized by polkit"));
  }
  return 0;
}

}  // namespace

void CheckPolkitAuthorization(sd_bus* bus, sd_bus_message* call, const std::string& action,
                              PolkitDone done) {
  auto creds = CallerCreds(call);
  if (!creds.ok()) {
    done(Denied(fmt::format("the caller's identity is unknown: {}", creds.status().message())));
    return;
  }
  if (creds->uid == 0) {
    done(Status::Ok());
    return;
  }
  const char* sender = sd_bus_message_get_sender(call);
  if (sender == nullptr) {
    done(Denied("the call has no sender"));
    return;
  }
  sd_bus_message* request = nullptr;
  int r = sd_bus_message_new_method_call(
      bus, &request, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
      "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
  if (r >= 0) {
    r = sd_bus_message_append(request, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                              sender, action.c_str(), 0, kAllowUserInteraction, "");
  }
  if (r < 0) {
    sd_bus_message_unref(request);
    done(Denied(fmt::format("cannot ask polkit: {}", std::strerror(-r))));
    return;
  }
  auto* pending = new PolkitDone(std::move(done));
  r = sd_bus_call_async(bus, nullptr, request, OnReply, pending, kPolkitTimeoutUsec);
  sd_bus_message_unref(request);
  if (r < 0) {
    std::unique_ptr<PolkitDone> owned(pending);
    (*owned)(Denied(fmt::format("cannot ask polkit: {}", std::strerror(-r))));
  }
}

}  // namespace llmcore::service
