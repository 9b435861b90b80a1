#include <algorithm>
#include <utility>

#include "common/strings.h"
#include "delta/log_files.h"
#include "sharing/file_emitter_internal.h"

namespace lakeshare::sharing {

namespace {

const delta::DeletionVectorDescriptor* DvOf(const delta::AddFile& f) {
  return f.deletion_vector ? &f.deletion_vector->descriptor : nullptr;
}

std::string_view WrapperOf(delta::FileActionType type) {
  switch (type) {
    case delta::FileActionType::kAdd:
      return "add";
    case delta::FileActionType::kRemove:
      return "remove";
    case delta::FileActionType::kCdc:
      return "cdf";
  }
  return "add";
}

}  // namespace

void AppendFileId(std::string& out, ResponseFormat scheme, std::string_view key) {
  if (scheme == ResponseFormat::kParquet) {
    unsigned char d[16];
    Md5Digest(key, d);
    AppendHex(out, std::string_view(reinterpret_cast<const char*>(d), sizeof(d)));
  } else {
    unsigned char d[32];
    Sha256Digest(key, d);
    AppendHex(out, std::string_view(reinterpret_cast<const char*>(d), sizeof(d)));
  }
}

FileEmitter::FileEmitter(const FileUrlSigner& url_signer, const storage::ObjectStore& store,
                         const UrlScope& scope, ResponseFormat format, ResponseFormat id_scheme,
                         LineSink& sink, const FileRewrites* rewrites)
    : url_signer_(url_signer),
      store_(store),
      scope_(scope),
      local_(url_signer.PrepareLocal(store, scope)),
      rewrites_(rewrites),
      format_(format),
      id_scheme_(id_scheme),
      sink_(sink) {
  if (rewrites_ != nullptr) {
    local_cache_ = url_signer.PrepareLocal(rewrites_->cache(), scope, UrlRoute::kMaterialized);
  }
}

Status FileEmitter::EmitRewritten(std::string_view wrapper, std::string_view path,
                                  const delta::DeletionVectorDescriptor* dv, int64_t size,
                                  const delta::StringMap& partition_values,
                                  const FileStamp& stamp, delta::FileActionType type) {
  const bool change_file = type == delta::FileActionType::kCdc;
  LS_ASSIGN_OR_RETURN(
      materialize::CachedFile cached,
      rewrites_->Get(rewrites_->Request(path, dv, size, change_file, partition_values)));
  if (cached.rows == 0) return OkStatus();  // nothing of this file is the recipient's
  SignedFile& sf = signed_[0];
  sf.path_buffer = std::move(cached.path);
  sf.storage_path = sf.path_buffer;
  sf.id.clear();
  // Ids of rewritten files differ from the source's: another file, another id.
  AppendFileId(sf.id, id_scheme_, "materialized/" + sf.path_buffer);
  sf.has_dv_url = false;
  sf.dv_id.clear();
  if (!storage::ValidateObjectPath(sf.storage_path)) {
    return MakeError(ErrorCode::kInternal, "a materialization cache path is not a store path");
  }
  if (local_cache_) {
    sf.url.clear();
    local_cache_->AppendUrl(sf.url, sf.storage_path);
    sf.expiration_ms = local_cache_->expiration_ms();
  } else {
    LS_ASSIGN_OR_RETURN(SignedUrl signed_url, url_signer_.Sign(rewrites_->cache(), scope_,
                                                               sf.storage_path,
                                                               UrlRoute::kMaterialized));
    sf.url = std::move(signed_url.url);
    sf.expiration_ms = signed_url.expiration_ms;
  }
  LS_RETURN_IF_ERROR(rewrites_->MapPartitionValues(partition_values, mapped_partition_values_));
  stats_.clear();
  if (type != delta::FileActionType::kRemove && !cached.stats_json.empty()) {
    AppendJsonString(stats_, cached.stats_json);
  }
  ParquetFileLine line = ParquetLine(sf, stamp);
  line.url_is_plain = local_cache_ && local_cache_->json_plain();
  line.wrapper = wrapper;
  line.partition_values = &mapped_partition_values_;
  line.size = cached.size;
  line.stats_literal = stats_;
  AppendParquetFile(sink_.buffer(), line);
  switch (type) {
    case delta::FileActionType::kAdd:
      ++counters_.add_files;
      ServedCounters::AddBytes(counters_.add_bytes, cached.size);
      break;
    case delta::FileActionType::kRemove:
      ++counters_.remove_files;
      ServedCounters::AddBytes(counters_.remove_bytes, cached.size);
      break;
    case delta::FileActionType::kCdc:
      ++counters_.cdc_files;
      ServedCounters::AddBytes(counters_.cdc_bytes, cached.size);
      break;
  }
  return Counted(sf.expiration_ms);
}

Status FileEmitter::SignUrl(std::string_view storage_path, std::string& url,
                            int64_t& expiration_ms, bool path_checked) const {
  url.clear();
  // Containment (storage/object_store.h): no URL names a file outside the table, whichever path
  // (data file, deletion vector, change file) it came from; checked here unless the caller
  // checked it already (a snapshot's plain paths, once per snapshot).
  if (!path_checked && !storage::ValidateObjectPath(storage_path)) {
    return Unsupported(
        "The table's Delta log names a file outside the table location; such a table cannot "
        "be shared until its provider repairs it");
  }
  if (local_) {
    local_->AppendUrl(url, storage_path);
    expiration_ms = local_->expiration_ms();
    return OkStatus();
  }
  LS_ASSIGN_OR_RETURN(SignedUrl signed_url, url_signer_.Sign(store_, scope_, storage_path));
  url = std::move(signed_url.url);
  expiration_ms = signed_url.expiration_ms;
  return OkStatus();
}

Status FileEmitter::ResolveStoragePath(std::string_view action_path, SignedFile& out) const {
  // StoragePathOf decodes the path; most paths have nothing to decode.
  if (action_path.find('%') == std::string_view::npos && !delta::IsAbsoluteUri(action_path)) {
    out.storage_path = action_path;
  } else {
    LS_ASSIGN_OR_RETURN(out.path_buffer, StoragePathOf(store_, action_path));
    out.storage_path = out.path_buffer;
  }
  return OkStatus();
}

Status FileEmitter::SignResolved(const delta::DeletionVectorDescriptor* dv, SignedFile& out,
                                 bool path_checked) const {
  LS_RETURN_IF_ERROR(SignUrl(out.storage_path, out.url, out.expiration_ms, path_checked));
  out.has_dv_url = false;
  out.dv_id.clear();
  if (dv && format_ == ResponseFormat::kDelta && dv->storage_type != 'i') {
    std::string dv_path;
    if (dv->storage_type == 'u') {
      LS_ASSIGN_OR_RETURN(dv_path, dv->RelativePath());
    } else {
      LS_ASSIGN_OR_RETURN(dv_path, StoragePathOf(store_, dv->path_or_inline_dv));
    }
    int64_t dv_expiration_ms = 0;
    LS_RETURN_IF_ERROR(SignUrl(dv_path, out.dv_url, dv_expiration_ms));
    out.has_dv_url = true;
    AppendFileId(out.dv_id, id_scheme_, dv->UniqueId());
  }
  return OkStatus();
}

Status FileEmitter::Sign(std::string_view action_path, const delta::DeletionVectorDescriptor* dv,
                         SignedFile& out) const {
  LS_RETURN_IF_ERROR(ResolveStoragePath(action_path, out));
  out.id.clear();
  AppendFileId(out.id, id_scheme_, out.storage_path);
  return SignResolved(dv, out);
}

Status FileEmitter::Counted(int64_t expiration_ms) {
  min_expiration_ = std::min(min_expiration_.value_or(expiration_ms), expiration_ms);
  return sink_.MaybeFlush();
}

ParquetFileLine FileEmitter::ParquetLine(const SignedFile& sf, const FileStamp& stamp) const {
  ParquetFileLine line;
  line.url = sf.url;
  line.url_is_plain = local_ && local_->json_plain();
  line.id = sf.id;
  line.version = stamp.version;
  line.timestamp = stamp.timestamp_ms;
  line.expiration_ms = sf.expiration_ms;
  return line;
}

std::optional<std::string_view> FileEmitter::DvUrl(const SignedFile& sf) {
  if (!sf.has_dv_url) return std::nullopt;
  return std::string_view(sf.dv_url);
}

DeltaFileWrapper FileEmitter::DeltaWrapper(const SignedFile& sf, const FileStamp& stamp) {
  DeltaFileWrapper w;
  w.id = sf.id;
  w.deletion_vector_file_id = sf.dv_id;
  w.version = stamp.version;
  w.timestamp = stamp.timestamp_ms;
  w.expiration_ms = sf.expiration_ms;
  return w;
}

Status FileEmitter::WriteSnapshotLine(const delta::AddFile& f, const SignedFile& sf,
                                      const FileStamp& stamp) {
  if (format_ == ResponseFormat::kParquet) {
    stats_.clear();
    f.AppendStatsLiteral(stats_);
    ParquetFileLine line = ParquetLine(sf, stamp);
    line.partition_values = &f.partition_values->values;
    line.partition_values_json = partition_json_.Get(f.partition_values);
    line.size = f.size;
    line.stats_literal = stats_;
    AppendParquetFile(sink_.buffer(), line);
  } else {
    AppendDeltaAddFile(sink_.buffer(), f, sf.url, DvUrl(sf), DeltaWrapper(sf, stamp));
  }
  ++counters_.add_files;
  ServedCounters::AddBytes(counters_.add_bytes, f.size);
  return Counted(sf.expiration_ms);
}

Status FileEmitter::EmitSnapshotFile(const delta::AddFile& f, const FileStamp& stamp) {
  if (rewrites_ != nullptr && rewrites_->Rewrites(f)) {
    return EmitRewritten("file", f.path(), DvOf(f), f.size, f.partition_values->values, stamp,
                         delta::FileActionType::kAdd);
  }
  SignedFile& sf = signed_[0];
  LS_RETURN_IF_ERROR(Sign(f.path(), DvOf(f), sf));
  return WriteSnapshotLine(f, sf, stamp);
}

Status FileEmitter::EmitSnapshotFiles(const delta::AddFile* const* files, size_t n,
                                      const FileStamp& stamp, bool plain_paths) {
  if (id_scheme_ != ResponseFormat::kParquet || rewrites_ != nullptr) {
    for (size_t i = 0; i < n; ++i) LS_RETURN_IF_ERROR(EmitSnapshotFile(*files[i], stamp));
    return OkStatus();
  }
  n = std::min(n, kMd5Lanes);
  std::string_view paths[kMd5Lanes];
  size_t resolved = 0;
  Status failed;
  for (; resolved < n; ++resolved) {
    SignedFile& sf = signed_[resolved];
    if (plain_paths) {
      sf.storage_path = files[resolved]->path();
    } else {
      failed = ResolveStoragePath(files[resolved]->path(), sf);
      if (!failed) break;
    }
    paths[resolved] = sf.storage_path;
  }
  unsigned char digests[kMd5Lanes][16];
  Md5Digests(paths, resolved, digests);
  // The files before one whose path does not resolve are written, then its error returned.
  for (size_t i = 0; i < resolved; ++i) {
    SignedFile& sf = signed_[i];
    sf.id.clear();
    AppendHex(sf.id, std::string_view(reinterpret_cast<const char*>(digests[i]), 16));
    LS_RETURN_IF_ERROR(SignResolved(DvOf(*files[i]), sf, plain_paths));
    LS_RETURN_IF_ERROR(WriteSnapshotLine(*files[i], sf, stamp));
  }
  return failed;
}

Status FileEmitter::EmitChange(const delta::FileAction& a, int64_t version, int64_t timestamp_ms) {
  SignedFile& sf = signed_[0];
  const delta::DeletionVectorDescriptor* dv = a.deletion_vector ? &*a.deletion_vector : nullptr;
  if (rewrites_ != nullptr && rewrites_->Hides(a)) {
    rewrites_->NoteNotAnnounced(1);  // none of its rows is the recipient's: not even announced
    return OkStatus();
  }
  if (rewrites_ != nullptr && rewrites_->Rewrites(a)) {
    return EmitRewritten(WrapperOf(a.type), a.path, dv, a.size.value_or(0), a.partition_values,
                         FileStamp{version, timestamp_ms}, a.type);
  }
  LS_RETURN_IF_ERROR(Sign(a.path, dv, sf));
  const int64_t size = a.size.value_or(0);
  const FileStamp stamp{version, timestamp_ms};
  if (format_ == ResponseFormat::kParquet) {
    stats_.clear();
    if (a.type == delta::FileActionType::kAdd && a.stats) AppendJsonString(stats_, *a.stats);
    ParquetFileLine line = ParquetLine(sf, stamp);
    line.wrapper = WrapperOf(a.type);
    line.partition_values = &a.partition_values;
    line.size = size;
    line.stats_literal = stats_;
    AppendParquetFile(sink_.buffer(), line);
  } else {
    LS_RETURN_IF_ERROR(
        AppendDeltaFileAction(sink_.buffer(), a, sf.url, DvUrl(sf), DeltaWrapper(sf, stamp)));
  }
  switch (a.type) {
    case delta::FileActionType::kAdd:
      ++counters_.add_files;
      ServedCounters::AddBytes(counters_.add_bytes, size);
      break;
    case delta::FileActionType::kRemove:
      ++counters_.remove_files;
      ServedCounters::AddBytes(counters_.remove_bytes, size);
      break;
    case delta::FileActionType::kCdc:
      ++counters_.cdc_files;
      ServedCounters::AddBytes(counters_.cdc_bytes, size);
      break;
  }
  return Counted(sf.expiration_ms);
}

}  // namespace lakeshare::sharing
