#include "bench_ipc_transport.h"

#include <charconv>

namespace llmcore::bench {

std::string FormatTimestamp(uint64_t monotonic_ns) {
  return std::to_string(monotonic_ns);
}

void RecordArrival(ConsumerLog& log, uint64_t now_ns, std::string_view piece) {
  uint64_t sent_ns = 0;
  const auto [end, error] = std::from_chars(piece.data(), piece.data() + piece.size(), sent_ns);
  if (error != std::errc() || end != piece.data() + piece.size() || sent_ns > now_ns) {
    ++log.totals().bad_events;
    log.Record(0);
    return;
  }
  log.Record(now_ns - sent_ns);
}

Result<TransportResult> CollectConsumerLog(const BenchConfig& config, const ConsumerLog& log,
                                           const char* transport) {
  const ConsumerTotals& totals = log.totals();
  if (totals.received != config.total()) {
    return Status(StatusCode::kInternal, std::string(transport) + ": the consumer read " +
                                             std::to_string(totals.received) + " events, " +
                                             std::to_string(config.total()) + " were sent");
  }
  if (totals.bad_events != 0) {
    return Status(StatusCode::kCorrupt, std::string(transport) + ": " +
                                            std::to_string(totals.bad_events) +
                                            " events carried no valid timestamp");
  }
  TransportResult result;
  const std::span<const uint64_t> all = log.latencies();
  result.latencies_ns.assign(all.begin() + static_cast<ptrdiff_t>(config.warmup), all.end());
  result.consumer_cpu_ns = static_cast<double>(totals.cpu_ns) / static_cast<double>(config.total());
  result.consumer_sleeps = totals.sleeps;
  return result;
}

}  // namespace llmcore::bench
