// Real sd-bus messages for the tests of llmctl's readers and writers, built
// on a bus object over a socketpair (no bus daemon needed: a message only
// needs a started bus to be created, and sealing makes it readable).
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <memory>

#include "bus.h"
#include "llmcore/unique_fd.h"

namespace llmcore::llmctl::testing {

class MessageBuilder {
 public:
  MessageBuilder();
  MessageBuilder(const MessageBuilder&) = delete;
  MessageBuilder& operator=(const MessageBuilder&) = delete;

  // A new, empty signal message to append to.
  MessagePtr NewMessage();
  // Seals `message` and rewinds it for reading from its first argument.
  void Seal(sd_bus_message* message);

 private:
  // Closed without flushing: the bus never finishes authenticating, and a
  // flush would wait for that until sd-bus's timeout.
  struct CloseUnref {
    void operator()(sd_bus* bus) const { sd_bus_close_unref(bus); }
  };

  UniqueFd peer_;  // the other end of the socketpair; kept open while the bus lives
  std::unique_ptr<sd_bus, CloseUnref> bus_;
  uint64_t cookie_ = 0;
};

}  // namespace llmcore::llmctl::testing
