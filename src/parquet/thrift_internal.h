// Internal to src/parquet: the Thrift-generated format structures and the one seam where Thrift's
// exceptions become Errors. Never included from a public header, so Thrift stays out of every
// other module's build.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "common/result.h"
#include "parquet/parquet_types.h"  // generated from parquet.thrift at build time

namespace lakeshare::parquet {

/// The integer a Thrift enum field holds. The generated enums have no fixed underlying type, so a
/// hostile file can store a value outside the enumeration; reading it through the enum type is
/// undefined behaviour. Read the bytes instead, then range-check the integer.
template <typename E>
int32_t RawEnum(const E& value) {
  static_assert(sizeof(E) == sizeof(int32_t), "Thrift enums are 32-bit");
  int32_t v;
  std::memcpy(&v, &value, sizeof(v));
  return v;
}

/// Decode one Thrift compact-protocol struct from `data[0, *len)`. On success `*len` becomes the
/// number of bytes consumed. Strings and containers are capped at what the buffer can hold, so a
/// hostile length cannot make us allocate gigabytes (Arrow's thrift_internal.h does the same).
template <typename T>
Status DeserializeThrift(const uint8_t* data, uint32_t* len, T* out, const std::string& what);

/// Serialize a struct with the compact protocol and append it to `out`.
template <typename T>
Status SerializeThrift(const T& obj, std::string* out);

}  // namespace lakeshare::parquet
