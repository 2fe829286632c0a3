// The state behind one session object and one running one-shot call.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <cstdint>
#include <memory>
#include <string>

#include "llmcore/engine/generation.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/service/model_manager.h"

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

  ~Session() { sd_bus_track_unref(track); }
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

// Appends the statistics as "a{sv}" (keys in org.llmcore.Core1.xml).
int AppendStats(sd_bus_message* m, const engine::GenerationStats& stats);

}  // namespace llmcore::service
