#include "message_builder.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace llmcore::llmctl::testing {

MessageBuilder::MessageBuilder() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  peer_.Reset(fds[1]);
  sd_bus* raw = nullptr;
  EXPECT_GE(sd_bus_new(&raw), 0);
  bus_.reset(raw);
  EXPECT_GE(sd_bus_set_fd(raw, fds[0], fds[0]), 0);
  EXPECT_GE(sd_bus_start(raw), 0);
}

MessagePtr MessageBuilder::NewMessage() {
  sd_bus_message* raw = nullptr;
  EXPECT_GE(sd_bus_message_new_signal(bus_.get(), &raw, "/org/llmcore/Test", "org.llmcore.Test",
                                      "Values"),
            0);
  return MessagePtr(raw);
}

void MessageBuilder::Seal(sd_bus_message* message) {
  ASSERT_GE(sd_bus_message_seal(message, ++cookie_, 0), 0);
  ASSERT_GE(sd_bus_message_rewind(message, 1), 0);
}

}  // namespace llmcore::llmctl::testing
