#include "llmcore/ipc/ring.h"

#include <utility>

namespace llmcore::ipc {

Result<WriteOutcome> RequestWriter::Write(const RequestMessage& message) {
  LLMCORE_ASSIGN_OR_RETURN(const Frame frame, EncodeRequest(message));
  return producer_.TryWrite(frame);
}

Result<std::optional<RequestMessage>> RequestReader::Read() {
  if (!failed_.ok()) return failed_;
  LLMCORE_ASSIGN_OR_RETURN(std::optional<Frame> frame, consumer_.TryRead());
  if (!frame) return std::optional<RequestMessage>();
  Result<RequestMessage> message = ParseRequest(*frame);
  if (!message.ok()) return failed_ = message.status();
  return std::optional<RequestMessage>(std::move(message).value());
}

Result<WriteOutcome> EventWriter::Write(const EventMessage& message) {
  LLMCORE_ASSIGN_OR_RETURN(const Frame frame, EncodeEvent(message));
  return producer_.TryWrite(frame);
}

Result<std::optional<EventMessage>> EventReader::Read() {
  if (!failed_.ok()) return failed_;
  LLMCORE_ASSIGN_OR_RETURN(std::optional<Frame> frame, consumer_.TryRead());
  if (!frame) return std::optional<EventMessage>();
  Result<EventMessage> message = ParseEvent(*frame);
  if (!message.ok()) return failed_ = message.status();
  return std::optional<EventMessage>(std::move(message).value());
}

}  // namespace llmcore::ipc
