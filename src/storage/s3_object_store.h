// S3ObjectStore: an ObjectStore over Amazon S3 or any S3-compatible service (MinIO, Ceph, moto,
// R2, ...), speaking the REST API over libcurl with SigV4-signed requests: ListObjectsV2 (with
// continuation tokens and start-after), GET with Range, HEAD, PUT (If-None-Match for
// kCreateOnly), DELETE, and pre-signed GET URLs for Delta Sharing clients. Where its settings and
// credentials come from is storage/s3_config.h.
//
// Failures are retried (5xx, 429, RequestTimeout, network errors) with bounded, jittered
// exponential backoff; 404 maps to kNotFound, 403 to kPermissionDenied, the rest to kUnavailable.
// Error messages name the object path relative to the store root and the S3 error code, never
// credentials, signatures or pre-signed URLs. Thread-safe; files opened from a store share its
// connection pool and stay valid after the store is destroyed.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"
#include "storage/s3_config.h"

namespace lakeshare::storage {

class S3ObjectStore final : public ObjectStore {
 public:
  /// Open a store for `uri`, reading the process environment unless options.use_environment is
  /// false. No request is made until the first call.
  static Result<std::unique_ptr<S3ObjectStore>> Open(std::string_view uri,
                                                     const StoreOptions& options = {});
  static Result<std::unique_ptr<S3ObjectStore>> Open(S3Config config);
  ~S3ObjectStore() override;

  const std::string& uri() const override;

  Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                       std::string_view start_after = {}) const override;
  Result<std::string> Read(std::string_view path) const override;
  Result<std::string> ReadRange(std::string_view path, int64_t offset,
                                int64_t length) const override;
  Result<ObjectInfo> Stat(std::string_view path) const override;
  Result<std::unique_ptr<RandomAccessFile>> OpenFile(std::string_view path) const override;
  Status Put(std::string_view path, std::string_view bytes,
             PutMode mode = PutMode::kOverwrite) override;
  Status Delete(std::string_view path) override;
  /// A SigV4 query-signed URL valid `expires_seconds` (1..604800) from the store's clock;
  /// kUnsupported for anonymous stores.
  Result<std::string> PresignGet(std::string_view path, int64_t expires_seconds) const override;

  /// The public URL of an object (no signature), as PresignGet would address it.
  std::string ObjectUrl(std::string_view path) const;

  /// Connection pool, signer and configuration, shared with the files a store opens (opaque).
  struct Client;

 private:
  explicit S3ObjectStore(std::shared_ptr<Client> client);
  std::shared_ptr<Client> client_;
};

}  // namespace lakeshare::storage
