#include "llmcore/hal/placement.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace llmcore::hal {
namespace {

constexpr std::string_view kAllowedWhy =
    "this process's allowed CPUs (its affinity mask and cgroup cpuset)";

CpuSet SortedUnique(CpuSet cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

Result<Placement> PlanExplicit(const CpuSet& machine, const PlacementOptions& options,
                               const CpuSet& usable) {
  const CpuSet listed = SortedUnique(options.cpus);
  if (listed.size() != options.cpus.size()) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("cpu list {}: a CPU is listed twice", fmt::join(options.cpus, ",")));
  }
  const CpuSet unknown = Subtract(listed, machine);
  if (!unknown.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("cpus {} do not exist on this machine (cpus {})",
                              FormatCpuList(unknown), FormatCpuList(machine)));
  }
  const CpuSet refused = Subtract(listed, usable);
  if (!refused.empty()) {
    return Status(StatusCode::kPermissionDenied,
                  fmt::format("cpus {} are outside {}: {}", FormatCpuList(refused), kAllowedWhy,
                              FormatCpuList(usable)));
  }
  const size_t wanted =
      options.threads == 0 ? options.cpus.size() : static_cast<size_t>(options.threads);
  if (wanted > options.cpus.size()) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("{} threads asked for on {} listed cpus ({}); list one CPU per "
                              "thread",
                              wanted, options.cpus.size(), FormatCpuList(listed)));
  }
  Placement placement;
  for (size_t i = 0; i < wanted; ++i) placement.threads.push_back(CpuSet{options.cpus[i]});
  return placement;
}

// Cores of the preferred node first, then the other nodes' in ascending node
// order, then cores no node claims.
std::vector<int> CoreOrder(const Topology& topology, const NumaNode* preferred) {
  std::vector<int> order;
  std::vector<bool> taken(topology.cores.size(), false);
  const auto take = [&](int core) {
    if (core < 0 || static_cast<size_t>(core) >= taken.size() || taken[core]) return;
    taken[core] = true;
    order.push_back(core);
  };
  if (preferred != nullptr) {
    for (int core : preferred->cores) take(core);
  }
  std::vector<const NumaNode*> nodes;
  for (const NumaNode& node : topology.numa_nodes) nodes.push_back(&node);
  std::sort(nodes.begin(), nodes.end(),
            [](const NumaNode* a, const NumaNode* b) { return a->id < b->id; });
  for (const NumaNode* node : nodes) {
    for (int core : node->cores) take(core);
  }
  for (size_t core = 0; core < topology.cores.size(); ++core) take(static_cast<int>(core));
  return order;
}

}  // namespace

Result<Placement> PlanThreads(const Topology& topology, const PlacementOptions& options,
                              const CpuSet& allowed) {
  if (options.threads < 0) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("{} threads asked for; use 0 for one per core", options.threads));
  }
  const CpuSet machine = topology.AllCpus();
  const CpuSet usable = Intersect(machine, SortedUnique(allowed));
  if (usable.empty()) {
    return Status(
        StatusCode::kUnavailable,
        fmt::format("none of this machine's cpus ({}) is among {}: {}", FormatCpuList(machine),
                    kAllowedWhy, FormatCpuList(SortedUnique(allowed))));
  }
  if (!options.cpus.empty()) return PlanExplicit(machine, options, usable);

  const NumaNode* preferred = nullptr;
  if (options.preferred_numa_node != -1) {
    preferred = topology.FindNumaNode(options.preferred_numa_node);
    if (preferred == nullptr) {
      std::vector<int> ids;
      for (const NumaNode& node : topology.numa_nodes) ids.push_back(node.id);
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("NUMA node {} does not exist (nodes: {})",
                                options.preferred_numa_node, FormatCpuList(SortedUnique(ids))));
    }
  }

  // Each core's usable logical CPUs, in placement order.
  std::vector<CpuSet> cores;
  size_t usable_cpus = 0;
  for (int core : CoreOrder(topology, preferred)) {
    CpuSet cpus = Intersect(SortedUnique(topology.cores[core].cpus), usable);
    if (cpus.empty()) continue;
    usable_cpus += cpus.size();
    cores.push_back(std::move(cpus));
  }

  const size_t wanted = options.threads == 0 ? cores.size() : static_cast<size_t>(options.threads);
  if (wanted > usable_cpus) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("{} threads asked for, but {} allows only {} logical cpus ({}); "
                              "more threads than cpus are not placed",
                              wanted, kAllowedWhy, usable_cpus, FormatCpuList(usable)));
  }

  // Round r puts a thread on the r-th sibling of every core that has one:
  // all physical cores first, then their second hardware threads, ...
  Placement placement;
  for (size_t round = 0; placement.threads.size() < wanted; ++round) {
    for (const CpuSet& core : cores) {
      if (placement.threads.size() == wanted) break;
      if (round < core.size()) placement.threads.push_back(CpuSet{core[round]});
    }
  }

  std::vector<std::string> notes;
  if (const CpuSet left_out = Subtract(machine, usable); !left_out.empty()) {
    notes.push_back(fmt::format("cpus {} are outside {}; {} of {} physical cores remain",
                                FormatCpuList(left_out), kAllowedWhy, cores.size(),
                                topology.cores.size()));
  }
  if (preferred != nullptr && Intersect(preferred->cpus, usable).empty()) {
    notes.push_back(fmt::format("NUMA node {} has no cpus this process may use", preferred->id));
  }
  placement.note = fmt::format("{}", fmt::join(notes, "; "));
  return placement;
}

Result<Placement> PlanThreads(const Topology& topology, const PlacementOptions& options) {
  LLMCORE_ASSIGN_OR_RETURN(CpuSet allowed, AllowedCpus());
  return PlanThreads(topology, options, allowed);
}

}  // namespace llmcore::hal
