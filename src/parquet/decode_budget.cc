#include "parquet/decode_budget.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "parquet/file_reader.h"

namespace lakeshare::parquet {

namespace {

// Add a claim to `*total`, saturating at INT64_MAX (a claim near it must not wrap the total
// below the bound); false when the claim is negative or the total passes `bound`.
bool AddClaim(int64_t claim, int64_t bound, int64_t* total) {
  if (claim < 0) return false;
  *total = claim > std::numeric_limits<int64_t>::max() - *total
               ? std::numeric_limits<int64_t>::max()
               : *total + claim;
  return *total <= bound;
}

}  // namespace

Status CheckClaimedCounts(const FileReader& reader, const ClaimBounds& bounds) {
  const int num_leaves = reader.schema().num_leaves();
  int64_t rows = 0;
  std::vector<int64_t> values(static_cast<size_t>(num_leaves), 0);
  for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
    const int64_t claimed = reader.row_group_num_rows(rg);
    if (!AddClaim(claimed, bounds.max_rows, &rows)) {
      return CorruptError(
          "row group {} claims {} rows ({} in all), more than a file of {} bytes "
          "holds",
          rg, claimed, rows, bounds.file_size);
    }
    for (int leaf = 0; leaf < num_leaves; ++leaf) {
      const int64_t chunk = reader.column_chunk_info(rg, leaf).num_values;
      int64_t& total = values[static_cast<size_t>(leaf)];
      if (!AddClaim(chunk, bounds.max_values_per_column, &total)) {
        return CorruptError(
            "row group {} claims {} values in one column ({} in all), more than a "
            "file of {} bytes holds",
            rg, chunk, total, bounds.file_size);
      }
    }
  }
  return OkStatus();
}

DecodeLimits DecodeLimits::ForFileSize(int64_t file_size) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t size = std::max<int64_t>(file_size, 0);
  DecodeLimits limits;
  limits.max_chunk_bytes = size > (kMax - kFloorBytes) / kBytesPerFileByte
                               ? kMax
                               : kFloorBytes + size * kBytesPerFileByte;
  limits.max_file_bytes = size > (kMax - kFileFloorBytes) / kBytesPerFileByte
                              ? kMax
                              : kFileFloorBytes + size * kBytesPerFileByte;
  return limits;
}

ClaimBounds DecodeLimits::Claims(int64_t file_size) const {
  return ClaimBounds{file_size, max_chunk_bytes, max_chunk_bytes};
}

DecodeBudget::DecodeBudget(int64_t chunk_limit, int64_t file_left, int64_t file_limit)
    : limit_(std::clamp<int64_t>(file_left, 0, chunk_limit)),
      left_(limit_),
      chunk_limit_(chunk_limit),
      file_limit_(file_limit) {}

std::string DecodeBudget::Exceeded() const {
  if (limit_ < chunk_limit_) {
    return fmt::format(
        "decoding the file's column chunks takes more than {} bytes together, the limit for this "
        "file",
        file_limit_);
  }
  return fmt::format("decoding the column chunk takes more than {} bytes, the limit for this file",
                     limit_);
}

bool DecodeBudget::Take(uint64_t count, uint64_t size) {
  const uint64_t left = static_cast<uint64_t>(std::max<int64_t>(left_, 0));
  if (size != 0 && count > left / size) return false;
  left_ -= static_cast<int64_t>(count * size);
  return true;
}

}  // namespace lakeshare::parquet
