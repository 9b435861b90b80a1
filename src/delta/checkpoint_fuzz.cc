// Fuzz target: any bytes as a Delta table's only checkpoint (version 0, a single Parquet file, as a
// partner's table may hold one), and as its `_last_checkpoint` hint. Load the snapshot from the
// checkpoint (the leaf-column reader of delta/checkpoint_reader.cc, not row assembly), re-emit
// every file as JSON and select files with a predicate; the only acceptable outcomes are a snapshot
// or an Error. Seeds: checkpoints written by the parquet writer in each codec and page version.
#include <cstdint>
#include <memory>
#include <string>

#include "delta/fuzz_support_internal.h"
#include "delta/log_segment.h"
#include "storage/memory_object_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lakeshare;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto store = std::make_shared<storage::MemoryObjectStore>();
  if (!store->Put("_delta_log/00000000000000000000.checkpoint.parquet", bytes)) return 0;
  if (!store->Put("_delta_log/_last_checkpoint", bytes)) return 0;
  (void)delta::ReadLastCheckpointVersion(*store);
  delta::fuzz::LoadAndSelectFiles(
      store, R"({"op":"lessThan","children":[{"op":"column","name":"id",)"
             R"("valueType":"int"},{"op":"literal","value":"5","valueType":"int"}]})");
  return 0;
}
