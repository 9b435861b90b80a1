// ObjectStore: the flat key/value view of a table location that every reader of tables uses
// (the Delta log, Parquet footers, data files). A store is rooted at a URI ("file:///data/t",
// "s3://bucket/prefix"); every path passed in or returned is relative to that root, uses '/' and
// never contains "." or ".." segments. Backends: local files (local_object_store.h), S3 and
// S3-compatible stores (s3_object_store.h) and memory (memory_object_store.h, for tests).
// All methods are thread-safe; a store must outlive the RandomAccessFiles it opens only where
// the backend says so (the ones here do not need to).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "storage/random_access_file.h"
#include "storage/sigv4.h"

namespace lakeshare::storage {

/// One object: its path relative to the store root, its size and its modification time.
struct ObjectInfo {
  std::string path;
  int64_t size = 0;
  int64_t last_modified_ms = 0;  // milliseconds since the Unix epoch, UTC

  friend bool operator==(const ObjectInfo&, const ObjectInfo&) = default;
};

/// How Put treats an existing object.
enum class PutMode {
  kOverwrite,   // replace atomically
  kCreateOnly,  // fail with kAlreadyExists if the object exists (Delta commits need this)
};

/// S3 URL style: https://bucket.host/key (virtual-hosted) or https://host/bucket/key (path).
enum class S3Addressing { kAuto, kVirtualHosted, kPathStyle };

/// Settings for opening a store. Local stores ignore them all. For S3, empty fields
/// are filled from the environment (AWS_* variables, ~/.aws/credentials, ~/.aws/config) unless
/// `use_environment` is false; see s3_object_store.h for the precedence.
struct StoreOptions {
  // --- S3 ---
  std::string region;    // e.g. "eu-west-1"; default from env/config, else "us-east-1"
  std::string endpoint;  // e.g. "http://127.0.0.1:9000"; empty = AWS
  S3Addressing addressing = S3Addressing::kAuto;  // kAuto: path-style for custom endpoints
  AwsCredentials credentials;                     // explicit keys win over the environment
  std::string profile;                            // profile in ~/.aws files; default AWS_PROFILE
  bool use_environment = true;
  bool anonymous = false;    // send unsigned requests (public buckets), ignore all credentials
  std::string ca_bundle;     // CA file for TLS; default AWS_CA_BUNDLE, else the system store
  int64_t connect_timeout_ms = 5000;
  int64_t request_timeout_ms = 120000;  // whole request, transfer included
  int max_attempts = 4;                 // tries per request on 5xx/429/network errors
  int64_t retry_base_delay_ms = 100;    // exponential backoff with full jitter ...
  int64_t retry_max_delay_ms = 5000;    // ... capped here
  int list_page_size = 1000;            // ListObjectsV2 max-keys (1..1000)

  // --- local files ---
  /// Follow no symbolic link on the root's own path either, from '/' down (a link there fails
  /// like a missing root: kNotFound). For roots already resolved when they were checked (a
  /// registered table's canonical location), so that a link planted on the path later (a table
  /// folder swapped for a link to another team's table) is refused, not followed.
  bool local_root_without_symlinks = false;

  // --- all backends ---
  /// Wall clock for request signing, pre-signed URLs and the memory store's modification times
  /// (common/clock.h); null: SystemClock(). Must outlive the store.
  const Clock* clock = nullptr;
};

/// An object written piece by piece (a large file produced as a stream, never whole in memory
/// where the store can avoid it). Nothing is visible until Commit(), which publishes the object
/// as Put(kOverwrite) does; destroying a writer that was not committed discards its bytes.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual Status Commit() = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  /// The root URI this store was opened with, normalized ("file:///abs", "s3://bucket/prefix").
  virtual const std::string& uri() const = 0;

  /// List every object whose path starts with `prefix` (a plain string prefix, as in S3: "a/b"
  /// matches "a/b/c" and "a/bc") and sorts strictly after `start_after`, in ascending byte order.
  /// Directories (and S3 "folder" markers ending in '/') are not objects.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                               std::string_view start_after = {}) const = 0;

  /// Read a whole object.
  virtual Result<std::string> Read(std::string_view path) const = 0;

  /// Read exactly `length` bytes at `offset`; a range not inside the object is kCorrupt.
  virtual Result<std::string> ReadRange(std::string_view path, int64_t offset,
                                        int64_t length) const = 0;

  /// Size and modification time of an object; kNotFound when missing.
  virtual Result<ObjectInfo> Stat(std::string_view path) const = 0;

  /// Open an object for positional reads; its size is fixed when opened.
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenFile(std::string_view path) const = 0;

  /// Write an object (test tables, demo data, the Delta writer).
  virtual Status Put(std::string_view path, std::string_view bytes,
                     PutMode mode = PutMode::kOverwrite) = 0;

  /// Write an object as a stream (kOverwrite). The default collects the bytes in memory and
  /// Puts them on Commit; a local store writes them to a temporary file as they come.
  virtual Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view path);

  /// Delete an object; deleting a missing object succeeds (as in S3).
  virtual Status Delete(std::string_view path) = 0;

  /// A URL that lets anyone holding it GET the object for `expires_seconds`; kUnsupported by
  /// stores that cannot sign (local files: the server signs its own file URLs elsewhere).
  virtual Result<std::string> PresignGet(std::string_view path, int64_t expires_seconds) const;
};

/// Open the store for a table location, parsed by ParseLocation (storage/location.h: a local
/// path, file:// or s3:// URI; relative paths resolve against the working directory). Other
/// schemes are kUnsupported, malformed locations kInvalidArgument.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri,
                                                     const StoreOptions& options = {});

/// Check an object path: non-empty, relative, no empty, "." or ".." segments, no NUL or other
/// control byte. kInvalidArgument otherwise. Every backend checks every path it is given, so no
/// caller can name an object outside the store's root.
Status ValidateObjectPath(std::string_view path);

/// Check a listing prefix: like an object path but may be empty or end with '/'.
Status ValidateListPrefix(std::string_view prefix);

/// The object path (relative to `store`'s root) of a file that a table's Delta log names, or
/// kUnsupported (HTTP 400: the table cannot be shared until its provider repairs it) when the
/// file is not inside the table. `log_path` is the path as written in the log - Delta protocol,
/// "Add File": "path: A relative path to a data file from the root of the table or an absolute
/// path to a file that should be added to the table. The path is a URI as specified by RFC 2396
/// URI Generic Syntax, which needs to be decoded to get the data file path." A relative path is
/// percent-decoded once and must pass ValidateObjectPath ("../../secret" does not); an absolute
/// URI or '/'-rooted path is parsed by ParseLocation and must lie beneath the store's own root
/// (a file of another table, bucket or directory is refused).
Result<std::string> ResolveTablePath(const ObjectStore& store, std::string_view log_path);

}  // namespace lakeshare::storage
