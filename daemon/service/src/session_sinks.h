// RequestSinks that carry a scheduler's events (on its worker thread) to the
// loop thread, and helpers shared by the generation methods.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "llmcore/engine/generation.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/service/bus_options.h"
#include "llmcore/service/core_service.h"
#include "llmcore/service/loop_dispatcher.h"

namespace llmcore::service {

// The options with a random seed when the client gave none.
Result<engine::GenerationOptions> ResolveGeneration(const OptionMap& map,
                                                    const GenerationLimits& limits);
// kInvalidArgument when the prompt's text exceeds `limit` bytes.
Status CheckPromptSize(const engine::Prompt& prompt, uint64_t limit);

// The service side of the sinks: the loop-thread functions they post to.
// Friend access is not needed: they call these public trampolines.
void DeliverOneShot(CoreService* service, uint64_t id, std::string text,
                    const engine::GenerationStats& stats);
void DeliverToken(CoreService* service, const std::string& path, uint64_t request,
                  std::string piece, uint32_t token);
void DeliverFinished(CoreService* service, const std::string& path, uint64_t request,
                     const engine::GenerationStats& stats);

// Collects the text of a one-shot call; answers it when the request ends.
class OneShotSink final : public engine::RequestSink {
 public:
  OneShotSink(std::shared_ptr<LoopDispatcher> dispatcher, std::weak_ptr<CoreService*> service,
              uint64_t id)
      : dispatcher_(std::move(dispatcher)), service_(std::move(service)), id_(id) {}

  void OnToken(std::string_view piece, text::TokenId) override { text_.append(piece); }
  void OnFinished(const engine::GenerationStats& stats) override {
    dispatcher_->Post([service = service_, id = id_, text = std::move(text_), stats]() mutable {
      auto alive = service.lock();
      if (alive && *alive) DeliverOneShot(*alive, id, std::move(text), stats);
    });
  }

 private:
  std::shared_ptr<LoopDispatcher> dispatcher_;
  std::weak_ptr<CoreService*> service_;
  uint64_t id_;
  std::string text_;  // worker thread only
};

// Forwards each token of a session's request as a signal to its owner.
class SessionSink final : public engine::RequestSink {
 public:
  SessionSink(std::shared_ptr<LoopDispatcher> dispatcher, std::weak_ptr<CoreService*> service,
              std::string path, uint64_t request)
      : dispatcher_(std::move(dispatcher)),
        service_(std::move(service)),
        path_(std::move(path)),
        request_(request) {}

  void OnToken(std::string_view piece, text::TokenId token) override {
    dispatcher_->Post([service = service_, path = path_, request = request_,
                       piece = std::string(piece), token]() mutable {
      auto alive = service.lock();
      if (alive && *alive) {
        DeliverToken(*alive, path, request, std::move(piece), static_cast<uint32_t>(token));
      }
    });
  }
  void OnFinished(const engine::GenerationStats& stats) override {
    dispatcher_->Post([service = service_, path = path_, request = request_, stats] {
      auto alive = service.lock();
      if (alive && *alive) DeliverFinished(*alive, path, request, stats);
    });
  }

 private:
  std::shared_ptr<LoopDispatcher> dispatcher_;
  std::weak_ptr<CoreService*> service_;
  std::string path_;
  uint64_t request_;
};

}  // namespace llmcore::service
