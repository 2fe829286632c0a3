// CpuSet: a set of Linux logical CPU numbers, and its text form.
//
// A plain sorted vector rather than cpu_set_t: it has no size limit, prints
// and compares simply, and maps to a JSON array. The text form is the Linux
// "cpulist" format ("0-3,8,10-11") used by /sys, cgroup cpusets, taskset -c
// and Cpus_allowed_list, so a value read from any of them, or from a
// configuration file, parses here.
//
// Thread safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "llmcore/status.h"

namespace llmcore::hal {

// Ascending, without duplicates, every element in [0, kMaxCpus).
using CpuSet = std::vector<int>;

// CPU numbers at or above this are rejected wherever they come from outside
// (Linux supports at most 8192 CPUs; the margin costs nothing).
inline constexpr int kMaxCpus = 1 << 16;

// "0-3,8,10-11"; "" for an empty set. `cpus` must be sorted and unique.
std::string FormatCpuList(const CpuSet& cpus);

// Parses the cpulist format: comma-separated numbers and inclusive ranges
// "a-b", surrounding whitespace and a trailing newline allowed, "" is the
// empty set. Also accepts the stride form "a-b:s" the kernel documents.
// Errors (kInvalidArgument, naming the offending text): anything else, a
// range whose end is below its start, a number at or above kMaxCpus.
// Duplicates and unsorted input are accepted and normalised.
Result<CpuSet> ParseCpuList(std::string_view text);

// Sorted intersection and difference of two CpuSets.
CpuSet Intersect(const CpuSet& a, const CpuSet& b);
CpuSet Subtract(const CpuSet& a, const CpuSet& b);

}  // namespace llmcore::hal
