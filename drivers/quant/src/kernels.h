// The reference kernels of every type, one source file each (q4_k.cc, ...),
// gathered into the table by codec_table.cc. Contracts: codec.h.
#pragma once

#include <cstdint>

namespace llmcore::quant::internal {

void DecodeF32(const void* src, float* dst, int64_t n);
void EncodeF32(const float* src, void* dst, int64_t n);
float DotF32(const void* row, const float* x, int64_t n);

void DecodeF16(const void* src, float* dst, int64_t n);
void EncodeF16(const float* src, void* dst, int64_t n);
float DotF16(const void* row, const float* x, int64_t n);

void DecodeBf16(const void* src, float* dst, int64_t n);
void EncodeBf16(const float* src, void* dst, int64_t n);
float DotBf16(const void* row, const float* x, int64_t n);

void DecodeQ8_0(const void* src, float* dst, int64_t n);
void EncodeQ8_0(const float* src, void* dst, int64_t n);
float DotQ8_0(const void* row, const float* x, int64_t n);

void DecodeQ4_0(const void* src, float* dst, int64_t n);
void EncodeQ4_0(const float* src, void* dst, int64_t n);
float DotQ4_0(const void* row, const float* x, int64_t n);

void DecodeQ4_1(const void* src, float* dst, int64_t n);
void EncodeQ4_1(const float* src, void* dst, int64_t n);
float DotQ4_1(const void* row, const float* x, int64_t n);

void DecodeQ5_0(const void* src, float* dst, int64_t n);
void EncodeQ5_0(const float* src, void* dst, int64_t n);
float DotQ5_0(const void* row, const float* x, int64_t n);

void DecodeQ5_1(const void* src, float* dst, int64_t n);
void EncodeQ5_1(const float* src, void* dst, int64_t n);
float DotQ5_1(const void* row, const float* x, int64_t n);

void DecodeQ4_K(const void* src, float* dst, int64_t n);
void EncodeQ4_K(const float* src, void* dst, int64_t n);
float DotQ4_K(const void* row, const float* x, int64_t n);

void DecodeQ5_K(const void* src, float* dst, int64_t n);
void EncodeQ5_K(const float* src, void* dst, int64_t n);
float DotQ5_K(const void* row, const float* x, int64_t n);

void DecodeQ6_K(const void* src, float* dst, int64_t n);
void EncodeQ6_K(const float* src, void* dst, int64_t n);
float DotQ6_K(const void* row, const float* x, int64_t n);

}  // namespace llmcore::quant::internal
