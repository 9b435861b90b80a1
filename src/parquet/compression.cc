#include "parquet/compression.h"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace lakeshare::parquet {

namespace {

Status Inflate(std::string_view input, char* out, size_t size) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  // 15 + 32: accept both gzip and zlib headers (writers differ).
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    return MakeError(ErrorCode::kInternal, "GZIP: inflateInit2 failed");
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out);
  zs.avail_out = static_cast<uInt>(size);
  int rc;
  // Concatenated gzip members are legal; keep inflating until the input or the output ends.
  while (true) {
    rc = inflate(&zs, Z_FINISH);
    if (rc == Z_STREAM_END && zs.avail_in > 0 && zs.avail_out > 0) {
      inflateReset(&zs);
      continue;
    }
    break;
  }
  size_t produced = size - zs.avail_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && produced == size)) {
    return CorruptError("GZIP data is corrupt (zlib code {})", rc);
  }
  if (produced != size) {
    return CorruptError("GZIP page inflated to {} bytes, header says {}", produced, size);
  }
  return OkStatus();
}

Status Lz4Raw(std::string_view input, char* out, size_t size) {
  int n = LZ4_decompress_safe(input.data(), out, static_cast<int>(input.size()),
                              static_cast<int>(size));
  if (n < 0 || static_cast<size_t>(n) != size) {
    return CorruptError("LZ4 page is corrupt or inflates to the wrong size");
  }
  return OkStatus();
}

uint32_t LoadBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}

// Hadoop's Lz4Codec framing: repeated [u32 BE uncompressed][u32 BE compressed][LZ4 block].
// Some old writers put raw LZ4 under the same codec id; callers fall back to raw.
bool TryLz4Hadoop(std::string_view input, char* out, size_t size) {
  size_t in_pos = 0;
  size_t out_pos = 0;
  while (in_pos < input.size()) {
    if (input.size() - in_pos < 8) return false;
    uint32_t raw = LoadBigEndian32(input.data() + in_pos);
    uint32_t comp = LoadBigEndian32(input.data() + in_pos + 4);
    in_pos += 8;
    if (comp > input.size() - in_pos || raw > size - out_pos) return false;
    int n = LZ4_decompress_safe(input.data() + in_pos, out + out_pos, static_cast<int>(comp),
                                static_cast<int>(raw));
    if (n < 0 || static_cast<uint32_t>(n) != raw) return false;
    in_pos += comp;
    out_pos += raw;
  }
  return out_pos == size;
}

}  // namespace

Status Decompress(Compression codec, std::string_view input, char* out, size_t size) {
  switch (codec) {
    case Compression::kUncompressed:
      if (input.size() != size) {
        return CorruptError("uncompressed page has {} bytes, header says {}", input.size(), size);
      }
      if (size > 0) std::memcpy(out, input.data(), size);
      return OkStatus();
    case Compression::kSnappy: {
      size_t len = 0;
      if (!snappy::GetUncompressedLength(input.data(), input.size(), &len) || len != size) {
        return CorruptError("SNAPPY page inflates to {} bytes, header says {}", len, size);
      }
      if (!snappy::RawUncompress(input.data(), input.size(), out)) {
        return CorruptError("SNAPPY page is corrupt");
      }
      return OkStatus();
    }
    case Compression::kGzip:
      return Inflate(input, out, size);
    case Compression::kZstd: {
      size_t n = ZSTD_decompress(out, size, input.data(), input.size());
      if (ZSTD_isError(n)) return CorruptError("ZSTD page is corrupt: {}", ZSTD_getErrorName(n));
      if (n != size) return CorruptError("ZSTD page inflates to {} bytes, header says {}", n, size);
      return OkStatus();
    }
    case Compression::kLz4Raw:
      return Lz4Raw(input, out, size);
    case Compression::kLz4Hadoop:
      if (TryLz4Hadoop(input, out, size)) return OkStatus();
      return Lz4Raw(input, out, size);
    case Compression::kLzo:
    case Compression::kBrotli:
      return Unsupported("compression codec {} is not supported; rewrite the file with SNAPPY, "
                         "ZSTD, GZIP or LZ4_RAW",
                         CompressionName(codec));
  }
  return CorruptError("unknown compression codec {}", static_cast<int>(codec));
}

Status Compress(Compression codec, std::string_view input, std::string* out) {
  size_t base = out->size();
  switch (codec) {
    case Compression::kUncompressed:
      out->append(input);
      return OkStatus();
    case Compression::kSnappy: {
      out->resize(base + snappy::MaxCompressedLength(input.size()));
      size_t n = 0;
      snappy::RawCompress(input.data(), input.size(), out->data() + base, &n);
      out->resize(base + n);
      return OkStatus();
    }
    case Compression::kZstd: {
      out->resize(base + ZSTD_compressBound(input.size()));
      size_t n = ZSTD_compress(out->data() + base, out->size() - base, input.data(), input.size(),
                               /*compressionLevel=*/3);
      if (ZSTD_isError(n)) {
        return Errorf(ErrorCode::kInternal, "ZSTD compression failed: {}", ZSTD_getErrorName(n));
      }
      out->resize(base + n);
      return OkStatus();
    }
    case Compression::kGzip: {
      z_stream zs;
      std::memset(&zs, 0, sizeof(zs));
      if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        return MakeError(ErrorCode::kInternal, "GZIP: deflateInit2 failed");
      }
      out->resize(base + deflateBound(&zs, input.size()) + 32);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
      zs.avail_in = static_cast<uInt>(input.size());
      zs.next_out = reinterpret_cast<Bytef*>(out->data() + base);
      zs.avail_out = static_cast<uInt>(out->size() - base);
      int rc = deflate(&zs, Z_FINISH);
      size_t n = zs.total_out;
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) return MakeError(ErrorCode::kInternal, "GZIP compression failed");
      out->resize(base + n);
      return OkStatus();
    }
    case Compression::kLz4Raw: {
      int bound = LZ4_compressBound(static_cast<int>(input.size()));
      out->resize(base + static_cast<size_t>(bound));
      int n = LZ4_compress_default(input.data(), out->data() + base,
                                   static_cast<int>(input.size()), bound);
      if (n <= 0) return MakeError(ErrorCode::kInternal, "LZ4 compression failed");
      out->resize(base + static_cast<size_t>(n));
      return OkStatus();
    }
    default:
      return Unsupported("the writer does not support compression codec {}",
                         CompressionName(codec));
  }
}

}  // namespace lakeshare::parquet
