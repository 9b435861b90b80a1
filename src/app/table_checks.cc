#include "app/table_checks.h"

#include <memory>

#include "delta/snapshot.h"
#include "storage/location.h"

namespace lakeshare::app {

namespace {

// The latest snapshot's protocol and metadata (no file list).
Result<std::shared_ptr<const delta::Snapshot>> LoadMetadata(const storage::Location& location,
                                                            const storage::StoreOptions& options) {
  LS_ASSIGN_OR_RETURN(auto store, storage::OpenObjectStore(location.Uri(), options));
  delta::SnapshotOptions snapshot_options;
  snapshot_options.load_files = false;
  snapshot_options.check_protocol = false;
  return delta::Snapshot::Load(std::move(store), snapshot_options);
}

}  // namespace

Status CheckTableLocation(const std::string& location, const storage::StoreOptions& options) {
  LS_ASSIGN_OR_RETURN(storage::Location parsed, storage::ParseLocation(location));
  auto snapshot = LoadMetadata(parsed, options);
  if (snapshot) return OkStatus();
  const Error& e = snapshot.error();
  switch (e.code) {
    case ErrorCode::kNotFound:
      return InvalidArgument(
          "storage_location '{}' holds no Delta table ({}); write the table first, or check the "
          "path",
          location, e.message);
    case ErrorCode::kPermissionDenied:
      return InvalidArgument(
          "storage_location '{}' cannot be read by the server ({}); grant it read access first",
          location, e.message);
    case ErrorCode::kUnavailable:
      return Errorf(ErrorCode::kUnavailable,
                    "storage_location '{}' cannot be reached now ({}); retry later", location,
                    e.message);
    default:
      return InvalidArgument("storage_location '{}' does not hold a readable Delta table: {}",
                             location, e.message);
  }
}

std::string TableSourceStatus(const std::string& location, const storage::StoreOptions& options) {
  auto parsed = storage::ParseLocation(location);
  if (!parsed) return "SOURCE_NOT_FOUND";
  // Reader features are the sharing service's decision per request (it may answer in another
  // format), not a property of the source.
  auto snapshot = LoadMetadata(*parsed, options);
  if (snapshot) return "ACTIVE";
  switch (snapshot.error().code) {
    case ErrorCode::kNotFound:
    case ErrorCode::kInvalidArgument:
      return "SOURCE_NOT_FOUND";
    case ErrorCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case ErrorCode::kUnavailable:
      return "SOURCE_UNAVAILABLE";
    default:
      return "SOURCE_NOT_SHAREABLE";
  }
}

}  // namespace lakeshare::app
