// Page compression codecs: decompression with the exact expected size checked (a page that
// inflates to anything else is corrupt), and compression for the writer. Stateless functions,
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "parquet/types.h"

namespace lakeshare::parquet {

/// Decompress `input` into exactly `uncompressed_size` bytes at `out`.
Status Decompress(Compression codec, std::string_view input, char* out, size_t uncompressed_size);

/// Compress `input`, appending to `out`. Supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW.
Status Compress(Compression codec, std::string_view input, std::string* out);

}  // namespace lakeshare::parquet
