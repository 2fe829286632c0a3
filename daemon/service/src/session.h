// The state behind one session object and one running one-shot call.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <cstdint>
#include <memory>
#include <string>

#include "llmcore/engine/generation.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/service/bus_errors.h"
#include "llmcore/service/model_manager.h"
#include "session_ring.h"

namespace llmcore::service {

class CoreService;

struct Session {
  CoreService* service = nullptr;
  std::string path;
  std::string owner;  // the creating connection's unique name
  uid_t uid = static_cast<uid_t>(-1);
  std::shared_ptr<ModelSlot> slot;
  engine::SequenceId seq = -1;
  uint64_t running_request = 0;  // 0: none
  sd_bus_track* track = nullptr;
  // Set once the owner called OpenRing: requests then arrive, and every
  // event leaves, through the ring only.
  std::unique_ptr<SessionRing> ring;
  uint64_t ring_request = 0;  // the client's id of running_request
  // The running request was cancelled because the client stopped reading.
  bool ring_overrun = false;

  ~Session() { sd_bus_track_unref(track); }
};

// Why a request was not started: the named error and its message.
struct SubmitRefusal {
  BusError error = BusError::kFailed;
  std::string message;
};

// Generate/GenerateChat: the call is answered when the generation ends.
struct OneShotCall {
  CoreService* service = nullptr;
  uint64_t id = 0;
  sd_bus_message* call = nullptr;  // referenced
  sd_bus_track* track = nullptr;   // cancels the generation if the caller leaves
  std::shared_ptr<ModelSlot> slot;
  engine::SequenceId seq = -1;

  ~OneShotCall() {
    sd_bus_message_unref(call);
    sd_bus_track_unref(track);
  }
};

// Answers a call on a session the caller does not own (or that is gone).
int ReplyNoSuchSession(sd_bus_message* m);

// Appends the statistics as "a{sv}" (keys in org.llmcore.Core1.xml).
int AppendStats(sd_bus_message* m, const engine::GenerationStats& stats);

}  // namespace llmcore::service
