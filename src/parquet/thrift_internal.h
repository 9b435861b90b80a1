// Internal to src/parquet: the Thrift-generated format structures and the one seam where Thrift's
// exceptions become Errors. Never included from a public header, so Thrift stays out of every
// other module's build.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "parquet/parquet_types.h"  // generated from parquet.thrift at build time

namespace lakeshare::parquet {

/// Decode one Thrift compact-protocol struct from `data[0, *len)`. On success `*len` becomes the
/// number of bytes consumed. Strings and containers are capped at what the buffer can hold, so a
/// hostile length cannot make us allocate gigabytes (Arrow's thrift_internal.h does the same).
template <typename T>
Status DeserializeThrift(const uint8_t* data, uint32_t* len, T* out, const std::string& what);

/// Serialize a struct with the compact protocol and append it to `out`.
template <typename T>
Status SerializeThrift(const T& obj, std::string* out);

}  // namespace lakeshare::parquet
