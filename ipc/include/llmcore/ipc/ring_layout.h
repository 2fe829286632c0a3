// The layout of a session's shared-memory ring segment (one memfd per session):
// what the daemon writes and what a client finds when it maps the fd it was
// given. ipc/RING.md describes the protocol built on it.
//
//   offset 0                 RingHeader (128 bytes)
//   kRequestControlOffset    RingControl of the request ring (client → daemon)
//   kEventControlOffset      RingControl of the event ring (daemon → client)
//   kRingDataOffset          request ring bytes (request_ring.capacity)
//   ... + request capacity   event ring bytes (event_ring.capacity)
//   total_bytes              end of the memfd
//
// Every field is a fixed-width integer (or an IEEE-754 double) in host byte
// order: both ends run on the same machine. Structs are standard-layout with
// explicit padding and no pointers, so a C reader could declare the same
// structs; every size and offset is pinned by static_asserts below and by
// tests/unit/ipc/layout_test.cc.
//
// Indices. Each ring has two free-running 64-bit byte counters: `head` (bytes
// ever published by the producer) and `tail` (bytes ever consumed). The byte
// at counter value c lives at data[c % capacity] (capacity is a power of two).
// A valid pair has tail <= head, head - tail <= capacity, both multiples of
// kFrameAlign. Only the producer stores head and only the consumer stores
// tail and consumer_waiting; they sit on separate 64-byte cache lines. Loads of
// the other side's index are acquire, stores of one's own are release (see
// ipc/RING.md).
//
// Frames. A frame is a FrameHeader followed by `length` payload bytes, padded
// with zeros to a multiple of kFrameAlign. A frame never wraps: when it does
// not fit before the end of the data area, the producer first fills the rest
// with one kPadding frame (possible whenever at least 8 bytes remain, since
// every position is 8-aligned and the header is 8 bytes).
//
// Versioning. version_major changes whenever anything existing changes
// (a struct, a payload encoding, the meaning of a value): a reader refuses any
// other major. version_minor grows when something is appended (header fields
// inside header_bytes, new frame types, option bits, flag bits); a writer only
// sends what the minor version in the header defines. The daemon writes the
// header, so a client learns from it which minor the daemon speaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace llmcore::ipc {

inline constexpr uint64_t kRingMagic = 0x474e4952434c4c4dULL;  // "MLLCRING" in memory
inline constexpr uint16_t kRingLayoutMajor = 1;
inline constexpr uint16_t kRingLayoutMinor = 0;

inline constexpr uint64_t kFrameAlign = 8;
inline constexpr uint64_t kCacheLine = 64;
inline constexpr uint64_t kRequestControlOffset = 128;
inline constexpr uint64_t kEventControlOffset = 256;
// The ring data starts on its own page after the header and control blocks.
inline constexpr uint64_t kRingDataOffset = 4096;

// Ring capacities: powers of two in [kMinRingCapacity, kMaxRingCapacity].
inline constexpr uint64_t kMinRingCapacity = 4096;
inline constexpr uint64_t kMaxRingCapacity = 16ULL << 20;
inline constexpr uint64_t kDefaultRequestRingCapacity = 512ULL << 10;
inline constexpr uint64_t kDefaultEventRingCapacity = 256ULL << 10;

// Hard caps of the protocol; the daemon's configuration (MaxPromptBytes, ...)
// may be stricter. A frame (header + payload) is never larger than
// kMaxFrameBytes, nor than its ring's capacity.
inline constexpr uint64_t kMaxFrameBytes = 8ULL << 20;
inline constexpr uint64_t kMaxPromptBytes = 4ULL << 20;  // text, or all roles + contents
inline constexpr uint32_t kMaxChatMessages = 4096;
inline constexpr uint32_t kMaxRoleBytes = 64;
inline constexpr uint32_t kMaxStopStrings = 16;
inline constexpr uint32_t kMaxStopStringBytes = 256;
inline constexpr uint32_t kMaxPieceBytes = 4096;
inline constexpr uint32_t kMaxErrorMessageBytes = 4096;

// Where one ring lives inside the segment, as recorded in the header.
struct RingDescriptor {
  uint64_t control_offset;  // RingControl, kCacheLine-aligned
  uint64_t data_offset;     // first data byte, kFrameAlign-aligned
  uint64_t capacity;        // data bytes, a power of two
};
static_assert(sizeof(RingDescriptor) == 24);

struct RingHeader {
  uint64_t magic;               // kRingMagic
  uint16_t version_major;       // kRingLayoutMajor of the writer
  uint16_t version_minor;       // kRingLayoutMinor of the writer
  uint32_t header_bytes;        // sizeof(RingHeader) of the writer (>= 128)
  uint64_t total_bytes;         // size of the memfd
  uint64_t flags;               // none defined in 1.0; readers ignore unknown bits
  RingDescriptor request_ring;  // client → daemon
  RingDescriptor event_ring;    // daemon → client
  uint8_t reserved[48];         // zero
};
static_assert(std::is_standard_layout_v<RingHeader> && std::is_trivially_copyable_v<RingHeader>);
static_assert(sizeof(RingHeader) == 128);
static_assert(offsetof(RingHeader, request_ring) == 32);
static_assert(offsetof(RingHeader, event_ring) == 56);

// The shared indices of one ring. The producer's line and the consumer's line
// never share a cache line.
//
// Wake-ups (each ring has an eventfd the producer writes to):
//   consumer, finding the ring empty: store consumer_waiting = 1; seq_cst
//     fence; load head again; if it moved, clear the flag and read on;
//     otherwise sleep on the eventfd, then drain it and clear the flag.
//   producer, after each frame: store head (release); seq_cst fence; load
//     consumer_waiting; signal the eventfd only when it is non-zero.
// Both sides store, fence, then load the other side's variable, so at least
// one sees the other's store: the producer signals, or the consumer does not
// sleep. No wake-up is lost, and a busy consumer costs the producer no syscall.
struct alignas(kCacheLine) RingControl {
  // Written by the producer only.
  uint64_t head;  // bytes ever published
  uint8_t producer_reserved[56];
  // Written by the consumer only.
  alignas(kCacheLine) uint64_t tail;  // bytes ever consumed
  uint32_t consumer_waiting;          // non-zero: the consumer sleeps (or is about to)
  uint32_t consumer_reserved0;
  uint8_t consumer_reserved[48];
};
static_assert(std::is_standard_layout_v<RingControl> && std::is_trivially_copyable_v<RingControl>);
static_assert(sizeof(RingControl) == 128);
static_assert(offsetof(RingControl, tail) == 64);
static_assert(offsetof(RingControl, consumer_waiting) == 72);
static_assert(kRequestControlOffset + sizeof(RingControl) <= kEventControlOffset);
static_assert(kEventControlOffset + sizeof(RingControl) <= kRingDataOffset);

// ---- frames ------------------------------------------------------------------

struct FrameHeader {
  uint16_t type;    // FrameType
  uint16_t flags;   // none defined in 1.0: writers write 0, readers refuse others
  uint32_t length;  // payload bytes, excluding this header and the padding
};
static_assert(sizeof(FrameHeader) == 8 && sizeof(FrameHeader) == kFrameAlign);

enum FrameType : uint16_t {
  kFramePadding = 0,  // skip to the end of the data area (wrap marker)
  // Requests (client → daemon).
  kFrameSubmit = 1,
  kFrameCancel = 2,
  // Events (daemon → client).
  kFrameToken = 0x101,
  kFrameFinished = 0x102,
  kFrameError = 0x103,
};

// SUBMIT payload: SubmitFixed, then `stop_count` stop strings, then the input.
// A string is a uint32_t byte count followed by that many UTF-8 bytes, with no
// terminator and no alignment. Input kind kInputText: one string (the prompt).
// kInputChat: `message_count` messages, each a role string then a content
// string. The payload ends exactly after the input.
enum SubmitInputKind : uint32_t {
  kInputText = 1,
  kInputChat = 2,
};

// Bits of SubmitFixed::option_mask: which option fields are set (the others
// take the daemon's defaults and are written as zero).
enum SubmitOptionBit : uint32_t {
  kOptMaxTokens = 1u << 0,
  kOptTemperature = 1u << 1,
  kOptTopK = 1u << 2,
  kOptTopP = 1u << 3,
  kOptMinP = 1u << 4,
  kOptRepeatPenalty = 1u << 5,
  kOptRepeatLastN = 1u << 6,
  kOptFrequencyPenalty = 1u << 7,
  kOptPresencePenalty = 1u << 8,
  kOptSeed = 1u << 9,
  kOptIgnoreEos = 1u << 10,
};
inline constexpr uint32_t kKnownOptionBits = (1u << 11) - 1;

struct SubmitFixed {
  uint64_t request_id;       // chosen by the client, non-zero, echoed in events
  uint32_t input_kind;       // SubmitInputKind
  uint32_t option_mask;      // SubmitOptionBit
  uint32_t max_tokens;       //
  int32_t top_k;             //
  int32_t repeat_last_n;     //
  uint32_t ignore_eos;       // 0 or 1
  uint64_t seed;             //
  double temperature;        //
  double top_p;              //
  double min_p;              //
  double repeat_penalty;     //
  double frequency_penalty;  //
  double presence_penalty;   //
  uint32_t stop_count;       // <= kMaxStopStrings
  uint32_t message_count;    // kInputChat: 1..kMaxChatMessages; kInputText: 0
};
static_assert(std::is_standard_layout_v<SubmitFixed> && std::is_trivially_copyable_v<SubmitFixed>);
static_assert(sizeof(SubmitFixed) == 96);

// CANCEL payload: exactly this.
struct CancelPayload {
  uint64_t request_id;
};
static_assert(sizeof(CancelPayload) == 8);

// TOKEN payload: TokenFixed, then `piece_bytes` UTF-8 bytes (a piece never
// ends inside a code point).
struct TokenFixed {
  uint64_t request_id;
  uint32_t token_id;
  uint32_t piece_bytes;  // <= kMaxPieceBytes
};
static_assert(sizeof(TokenFixed) == 16);

enum StopReasonCode : uint32_t {
  kStopEos = 1,
  kStopLength = 2,
  kStopString = 3,
  kStopContext = 4,
  kStopCancelled = 5,
  kStopError = 6,  // an ERROR frame for the same request came first
  kStopShutdown = 7,
};

// FINISHED payload: exactly this. The request's last event.
struct FinishedPayload {
  uint64_t request_id;
  uint32_t prompt_tokens;
  uint32_t cached_tokens;  // <= prompt_tokens
  uint32_t generated_tokens;
  uint32_t stop_reason;  // StopReasonCode
  double queue_ms;       // finite, >= 0
  double prefill_ms;     // finite, >= 0
  double decode_ms;      // finite, >= 0
};
static_assert(std::is_standard_layout_v<FinishedPayload>);
static_assert(sizeof(FinishedPayload) == 48);

// The errors an ERROR frame carries: the named D-Bus errors, plus a protocol
// violation (after which the daemon closes the session).
enum RingErrorCode : uint32_t {
  kRingErrorInvalidArgument = 1,
  kRingErrorModelNotFound = 2,
  kRingErrorModelNotLoaded = 3,
  kRingErrorBusy = 4,
  kRingErrorAccessDenied = 5,
  kRingErrorUnsupported = 6,
  kRingErrorShuttingDown = 7,
  kRingErrorFailed = 8,
  kRingErrorProtocolViolation = 9,
  kRingErrorNoSuchSession = 10,  // the session ended (closed, model unloaded)
  kRingErrorLoadFailed = 11,
};

// ERROR payload: ErrorFixed, then `message_bytes` UTF-8 bytes. request_id 0
// is about the whole session.
struct ErrorFixed {
  uint64_t request_id;
  uint32_t code;           // RingErrorCode
  uint32_t message_bytes;  // <= kMaxErrorMessageBytes
};
static_assert(sizeof(ErrorFixed) == 16);

}  // namespace llmcore::ipc
