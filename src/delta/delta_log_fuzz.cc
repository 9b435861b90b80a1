// Fuzz target: any bytes as a Delta table's only commit, then as a jsonPredicateHints document
// evaluated over that snapshot's files. Load, re-emit every file as JSON, read the change feed and
// select files; the only acceptable outcomes are success or an Error (bad predicates never fail).
#include <cstdint>
#include <memory>
#include <string>

#include "delta/change_feed.h"
#include "delta/fuzz_support_internal.h"
#include "storage/memory_object_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lakeshare;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // The first line that starts with "#predicate " (if any) is the predicate; the rest is the log.
  std::string predicate;
  if (auto pos = bytes.find("\n#predicate "); pos != std::string::npos) {
    predicate = bytes.substr(pos + 12);
    bytes.resize(pos + 1);
  }
  auto store = std::make_shared<storage::MemoryObjectStore>();
  if (!store->Put("_delta_log/00000000000000000000.json", bytes)) return 0;
  delta::fuzz::LoadAndSelectFiles(store, predicate);
  delta::ChangeFeedOptions cdf;
  cdf.require_cdf_enabled = false;
  cdf.check_protocol = false;
  IgnoreError(delta::ReadChangeFeed(store, cdf), "fuzzing: an Error is an accepted outcome");
  return 0;
}
