// CoreService: the org.llmcore.Core1 objects on the bus - the manager object
// (/org/llmcore/Core1) and the per-client session objects below it.
//
// Every handler follows the same order, as systemd's small services do:
// read and validate the arguments (org.llmcore.Error.InvalidArgument naming
// the problem), ask polkit asynchronously where the method changes the
// system, then act. Work that can take time (loading, tokenizing, generating)
// runs on worker threads; the loop thread only moves messages.
//
// Sessions belong to the bus connection that created them: their object
// paths end in 128 random bits, every call is checked against the owner's
// unique name (a foreign caller gets NoSuchSession, as for an unknown path),
// and sd_bus_track frees them when the owner disconnects - with their KV
// sequence, queued request and scheduler slot. Token and Finished signals are
// unicast to the owner.
//
// Rings: a session's owner may call OpenRing once; from then on its requests
// arrive and its events leave through the session's shared-memory rings
// (ipc/RING.md) and no longer over D-Bus. A client that stops reading gets
// backpressure: events wait in a backlog of at most kRingBacklogEvents; past
// that the running request is cancelled and ends with an ERROR (Busy, "the
// client did not read its events") and FINISHED "error". Memory per session
// stays bounded whatever the client does. A client that breaks the ring
// protocol gets an ERROR (protocol violation) and loses that session only.
//
// Thread safety: loop thread only.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "llmcore/driver_host/driver_manager.h"
#include "llmcore/engine/generation.h"
#include "llmcore/hal/cpu_features.h"
#include "llmcore/hal/topology.h"
#include "llmcore/ipc/ring_messages.h"
#include "llmcore/service/background_pool.h"
#include "llmcore/service/bus_errors.h"
#include "llmcore/service/bus_options.h"
#include "llmcore/service/loop_dispatcher.h"
#include "llmcore/service/model_manager.h"
#include "llmcore/service/settings.h"

namespace llmcore::service {

struct Session;
struct OneShotCall;
struct HeldCall;

struct SubmitRefusal;

class CoreService final : public ModelManager::Observer {
 public:
  // Events held back for a ring client that does not read, before its
  // running request is cancelled.
  static constexpr size_t kRingBacklogEvents = 256;

  struct Deps {
    sd_bus* bus = nullptr;
    std::shared_ptr<LoopDispatcher> dispatcher;
    BackgroundPool* pool = nullptr;
    std::shared_ptr<driver_host::DriverManager> drivers;
    hal::Topology topology;
    hal::CpuFeatures cpu_features;
    ServiceSettings settings;
    std::string version;
    // Told about load progress and model changes too (systemd STATUS=).
    std::function<void(const std::string& model, uint64_t done, uint64_t total)> on_progress;
    std::function<void()> on_models_changed;
  };

  // Registers the manager object. Errors: sd-bus refusing the vtable.
  static Result<std::unique_ptr<CoreService>> Create(Deps deps);
  ~CoreService() override;
  CoreService(const CoreService&) = delete;
  CoreService& operator=(const CoreService&) = delete;

  ModelManager& models() { return *models_; }
  void ApplySettings(ServiceSettings settings);

  // From now on new calls are refused with ShuttingDown; running
  // generations go on.
  void BeginDrain() { draining_ = true; }
  bool draining() const { return draining_; }
  // Generations running or queued (sessions and one-shot calls).
  size_t ActiveGenerations() const;
  // Ends everything: sessions closed, one-shot calls answered, schedulers
  // stopped.
  void Shutdown();

  // ModelManager::Observer
  void OnModelLoaded(const std::string& name) override;
  void OnModelUnloaded(const std::string& name, const std::string& reason) override;
  void OnLoadProgress(const std::string& name, uint64_t done, uint64_t total) override;

 private:
  explicit CoreService(Deps deps);
  static const sd_bus_vtable kManagerVtable[];
  static const sd_bus_vtable kSessionVtable[];

  // Manager methods (manager_methods.cc).
  static int ListModels(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int GetModelInfo(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int LoadModel(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int UnloadModel(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int GetHardware(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int GetStatus(sd_bus_message* m, void* userdata, sd_bus_error* error);

  // Drivers (driver_methods.cc).
  static int SwapDriver(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int ReloadDriver(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int VerifyModel(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int Tokenize(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int Detokenize(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int Embed(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int PropertyVersion(sd_bus* bus, const char* path, const char* interface,
                             const char* property, sd_bus_message* reply, void* userdata,
                             sd_bus_error* error);
  static int PropertyDrivers(sd_bus* bus, const char* path, const char* interface,
                             const char* property, sd_bus_message* reply, void* userdata,
                             sd_bus_error* error);
  static int PropertyLoadedModels(sd_bus* bus, const char* path, const char* interface,
                                  const char* property, sd_bus_message* reply, void* userdata,
                                  sd_bus_error* error);

  // Generation (generation_methods.cc).
  static int Generate(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int GenerateChat(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int CreateSession(sd_bus_message* m, void* userdata, sd_bus_error* error);
  int StartOneShot(sd_bus_message* m, const std::string& model, engine::Prompt prompt,
                   const OptionMap& options);
  void FinishOneShot(uint64_t id, std::string text, const engine::GenerationStats& stats);
  static int OnOneShotCallerGone(sd_bus_track* track, void* userdata);
  friend void DeliverOneShot(CoreService*, uint64_t, std::string, const engine::GenerationStats&);
  friend void DeliverToken(CoreService*, const std::string&, uint64_t, std::string, uint32_t);
  friend void DeliverFinished(CoreService*, const std::string&, uint64_t,
                              const engine::GenerationStats&);

  // Sessions (session_methods.cc).
  static int SessionSubmit(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int SessionSubmitChat(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int SessionCancel(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int SessionClose(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int SessionOpenRing(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int SessionPropertyModel(sd_bus* bus, const char* path, const char* interface,
                                  const char* property, sd_bus_message* reply, void* userdata,
                                  sd_bus_error* error);
  static int OnSessionOwnerGone(sd_bus_track* track, void* userdata);
  static int FindSessionObject(sd_bus* bus, const char* path, const char* interface, void* userdata,
                               void** found, sd_bus_error* error);
  Result<std::string> OpenSession(sd_bus_message* m, uid_t uid,
                                  const std::shared_ptr<ModelSlot>& slot, uint32_t n_ctx);
  int SubmitToSession(sd_bus_message* m, void* userdata, engine::Prompt prompt,
                      const OptionMap& options);
  // Starts a request on `session`: its id, or why not.
  Result<uint64_t> StartSessionRequest(Session& session, engine::Prompt prompt,
                                       const OptionMap& options, SubmitRefusal* refusal);

  // Rings (ring_methods.cc).
  void OnRingRequest(const std::string& path, ipc::RequestMessage request);
  void OnRingSubmit(Session& session, ipc::SubmitRequest submit);
  void OnRingBroken(const std::string& path, const Status& why);
  void SendRingToken(Session& session, std::string_view piece, uint32_t token);
  void SendRingFinished(Session& session, const engine::GenerationStats& stats);
  // ERROR then FINISHED "error" for a request the daemon did not start.
  static void RefuseRingRequest(Session& session, uint64_t request, BusError error,
                                const std::string& message);
  // The session at `path` if `m`'s sender owns it.
  Session* OwnedSession(sd_bus_message* m);
  // Frees a session; a request still running on it ends with a Finished
  // signal carrying `running_ends_as`. `path` is taken by value: callers pass keys of
  // sessions_, which this erases.
  // A ring session's client also receives a final ERROR for request 0:
  // `ring_code` (NoSuchSession, or a protocol violation) with `why`.
  void CloseSession(std::string path, engine::StopReason running_ends_as, std::string_view why,
                    ipc::RingErrorCode ring_code = ipc::kRingErrorNoSuchSession);
  void EmitToken(const std::string& path, uint64_t request, std::string_view piece, uint32_t token);
  void EmitFinished(const std::string& path, uint64_t request,
                    const engine::GenerationStats& stats);
  size_t SessionsOf(uid_t uid) const;

  // Shared helpers.
  // Asks polkit whether `m`'s sender may use org.llmcore.manage; when it may,
  // runs `act` on the loop thread (only while the service lives) with the
  // call held for a later answer; otherwise answers AccessDenied and logs
  // the refusal of `what` ("LoadModel 'x'").
  using AuthorizedAction =
      std::function<void(CoreService& service, const std::shared_ptr<HeldCall>& held)>;
  void AuthorizeManage(sd_bus_message* m, std::string what, AuthorizedAction act);
  // Resolves the model, loading it on demand, then calls `then` with the slot
  // or replies with the error. `m` is kept referenced meanwhile.
  void WithModel(sd_bus_message* m, const std::string& model,
                 std::function<void(const std::shared_ptr<ModelSlot>&)> then);
  bool RefuseWhenDraining(sd_bus_message* m);
  GenerationLimits generation_limits() const;
  void EmitLoadedModelsChanged();

  Deps deps_;
  std::unique_ptr<ModelManager> models_;
  sd_bus_slot* manager_slot_ = nullptr;
  sd_bus_slot* session_slot_ = nullptr;
  std::map<std::string, std::unique_ptr<Session>> sessions_;  // by object path
  std::map<uint64_t, std::unique_ptr<OneShotCall>> one_shots_;
  uint64_t next_one_shot_ = 1;
  uint64_t next_request_ = 1;  // Session.Submit request ids, unique per daemon run
  bool draining_ = false;
  // Lets closures posted from worker threads notice that the service is gone.
  std::shared_ptr<CoreService*> self_;
};

}  // namespace llmcore::service
