// Fuzz target: any bytes as a serialized deletion vector (RoaringBitmapArray), then as a DV file
// read through a descriptor whose sizeInBytes and cardinality come from the first bytes. Parse,
// query, re-serialize; the only acceptable outcomes are a value or an Error, and a vector that
// parses must serialize to bytes that parse to the same rows.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "delta/deletion_vector.h"
#include "storage/memory_object_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lakeshare;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto dv = delta::DeletionVector::Parse(bytes);
  if (dv) {
    (void)dv->Contains(12345);
    std::vector<uint8_t> keep(4096, 1);
    dv->ClearDeleted(65000, &keep);
    const auto rows = dv->Rows(100000);
    auto again = delta::DeletionVector::Parse(dv->Serialize());
    if (!again || again->cardinality() != dv->cardinality() || again->Rows(100000) != rows) {
      std::abort();
    }
  }
  // The same bytes as a DV file: size and cardinality from the bitmap's own length.
  storage::MemoryObjectStore store;
  std::string file;
  delta::DeletionVectorDescriptor d;
  d.storage_type = 'u';
  d.path_or_inline_dv = "ab" + delta::EncodeZ85(std::string(16, 'x'));
  d.offset = delta::AppendDeletionVectorToFile(bytes, &file);
  d.size_in_bytes = static_cast<int32_t>(bytes.size());
  d.cardinality = dv ? static_cast<int64_t>(dv->cardinality()) : 0;
  auto path = d.RelativePath();
  if (path && store.Put(*path, file)) {
    auto loaded = delta::LoadDeletionVector(store, d);
    if (dv.has_value() != loaded.has_value() && !bytes.empty()) std::abort();
  }
  return 0;
}
