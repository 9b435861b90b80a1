// Parquet checkpoint reading: the leaf columns of the actions a snapshot needs are decoded
// directly with their definition/repetition levels (no row assembly into JSON), one row group at
// a time. Delta protocol, *Checkpoints*: "All of these actions are stored as their individual
// columns in parquet as struct fields. Any missing column should be treated as null."
#include <fmt/format.h>

#include <algorithm>
#include <vector>
#include <array>
#include <memory>

#include "common/error_context.h"
#include "common/mutex.h"
#include "common/numbers.h"
#include "common/strings.h"
#include "delta/action_reader_internal.h"
#include "delta/checkpoint_columns_internal.h"
#include "delta/checkpoint_stats_internal.h"
#include "parquet/decode_budget.h"
#include "parquet/file_reader.h"

namespace lakeshare::delta {

namespace {

using parquet::ColumnData;
using parquet::FileReader;
using parquet::PhysicalType;
using parquet::Schema;

using internal::FlatColumn;
using internal::ListColumn;
using internal::MapColumn;
using internal::ParsedStats;

void AppendMapJson(
    std::string& out,
    const std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& m) {
  out.push_back('{');
  for (size_t i = 0; i < m.size(); ++i) {
    if (i) {
      out.push_back(',');
    }
    AppendJsonString(out, m[i].first);
    out.push_back(':');
    if (m[i].second) {
      AppendJsonString(out, *m[i].second);
    } else {
      out += "null";
    }
  }
  out.push_back('}');
}

StringMap ToStringMap(
    const std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& m) {
  StringMap out;
  out.reserve(m.size());
  for (const auto& [k, v] : m) {
    out.emplace_back(std::string(k),
                     v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
  }
  return out;
}

// Column readers shared by the action kinds and row groups of a file, and by the files a thread
// reads: each Load reuses the memory of the previous one (fresh memory costs a page fault per
// page touched and the kernel's zeroing: a third of a cold load of a large checkpoint).
struct ColumnPool {
  std::array<FlatColumn, 13> flat;
  std::array<MapColumn, 2> map;
  std::array<ListColumn, 2> list;

  /// Keep reusable memory only; none of the file's data.
  void Detach() {
    for (auto& c : flat) {
      c.Detach();
    }
    for (auto& c : map) {
      c.Detach();
    }
    for (auto& c : list) {
      c.Detach();
    }
  }
  size_t Capacity() const {
    size_t n = 0;
    for (const auto& c : flat) {
      n += c.Capacity();
    }
    for (const auto& c : map) {
      n += c.Capacity();
    }
    for (const auto& c : list) {
      n += c.Capacity();
    }
    return n;
  }
};

// What the process keeps between checkpoint reads: one pool of decode buffers (about one row
// group's worth), at most this big. A read takes it when it is free and gives it back after;
// concurrent reads use fresh pools, and only one is kept, so the retained memory stays bounded
// whatever the number of threads.
constexpr size_t kMaxPooledBytes = size_t{256} << 20;

class KeptPool {
 public:
  static std::unique_ptr<ColumnPool> Take() {
    MutexLock lock(mu_);
    return kept_ ? std::move(kept_) : std::make_unique<ColumnPool>();
  }
  static void Give(std::unique_ptr<ColumnPool> pool) {
    pool->Detach();
    if (pool->Capacity() > kMaxPooledBytes) {
      return;
    }
    MutexLock lock(mu_);
    if (!kept_) {
      kept_ = std::move(pool);
    }
  }

 private:
  static inline Mutex mu_;
  static inline std::unique_ptr<ColumnPool> kept_ LS_GUARDED_BY(mu_);
};

class CheckpointFileReader {
 public:
  CheckpointFileReader(const FileReader& reader, std::string_view name, ActionSink& sink,
                       ColumnPool& pool)
      : r_(reader),
        s_(reader.schema()),
        name_(name),
        sink_(sink),
        flat_(pool.flat),
        map_(pool.map),
        list_(pool.list) {}

  Status Run() {
    if (sink_.wants_file_actions() && Path("add.path") >= 0) {
      sink_.ExpectAdds(static_cast<size_t>(std::max<int64_t>(r_.num_rows(), 0)));  // at most
    }
    for (int rg = 0; rg < r_.num_row_groups(); ++rg) {
      LS_RETURN_IF_ERROR(ReadNonFileActions(rg));
      if (sink_.wants_file_actions()) {
        LS_RETURN_IF_ERROR(ReadAdds(rg));
      }
    }
    return OkStatus();
  }

 private:
  int Path(std::string_view p) const { return s_.FindPath(p); }

  // Load the leaf at `path`, which Delta types int or long. Any other physical type is kCorrupt,
  // so a hostile DOUBLE or BOOLEAN column never reaches FlatColumn::integer().
  Status LoadInteger(FlatColumn& column, int rg, std::string_view path) {
    LS_RETURN_IF_ERROR(column.Load(r_, rg, Path(path)));
    const PhysicalType type = column.present() ? column.data().type : PhysicalType::kInt64;
    if (type != PhysicalType::kInt32 && type != PhysicalType::kInt64) {
      return CorruptError("checkpoint column '{}' is not an integer column", path);
    }
    return OkStatus();
  }

  // Load the leaf at `path`, which Delta types boolean: any other physical type is kCorrupt (a
  // string "true" used to read as false, so a tombstone or dataChange was silently dropped).
  Status LoadBoolean(FlatColumn& column, int rg, std::string_view path) {
    LS_RETURN_IF_ERROR(column.Load(r_, rg, Path(path)));
    if (column.present() && column.data().type != PhysicalType::kBoolean) {
      return CorruptError("checkpoint column '{}' is not a boolean column", path);
    }
    return OkStatus();
  }

  // NoKeyColumn: each Read* below walks the row group row by row only when a column that makes
  // its action (the protocol's versions, metaData's id or schema, txn's appId, ...) was loaded:
  // a loaded flat column holds exactly the row group's rows, so the walk is bounded by decoded
  // data. Otherwise the row count is only the footer's word, which the table's writer controls:
  // a checkpoint with a `protocol` column no field of which is read, in a row group claiming 2^62
  // rows, kept a server thread walking empty rows for ever.
  Status ReadNonFileActions(int rg) {
    const int64_t rows = r_.row_group_num_rows(rg);
    if (Path("protocol") >= 0) {
      LS_RETURN_IF_ERROR(ReadProtocols(rg, rows));
    }
    if (Path("metaData") >= 0) {
      LS_RETURN_IF_ERROR(ReadMetadata(rg, rows));
    }
    if (Path("txn") >= 0) {
      LS_RETURN_IF_ERROR(ReadTxns(rg, rows));
    }
    if (Path("domainMetadata") >= 0) {
      LS_RETURN_IF_ERROR(ReadDomainMetadata(rg, rows));
    }
    if (Path("checkpointMetadata") >= 0) {
      LS_RETURN_IF_ERROR(ReadCheckpointMetadata(rg, rows));
    }
    if (Path("sidecar") >= 0) {
      LS_RETURN_IF_ERROR(ReadSidecars(rg, rows));
    }
    return OkStatus();
  }

  // The protocol actions of row group rg.
  Status ReadProtocols(int rg, int64_t rows) {
    FlatColumn &reader_v = flat_[0], &writer_v = flat_[1];
    ListColumn &rf = list_[0], &wf = list_[1];
    LS_RETURN_IF_ERROR(LoadInteger(reader_v, rg, "protocol.minReaderVersion"));
    LS_RETURN_IF_ERROR(LoadInteger(writer_v, rg, "protocol.minWriterVersion"));
    LS_RETURN_IF_ERROR(rf.Load(r_, rg, Path("protocol.readerFeatures")));
    LS_RETURN_IF_ERROR(wf.Load(r_, rg, Path("protocol.writerFeatures")));
    if (!reader_v.present() && !writer_v.present()) {
      return OkStatus();  // no row can hold a protocol (see NoKeyColumn)
    }
    for (int64_t row = 0; row < rows; ++row) {
      bool has_r = reader_v.Next();
      bool has_w = writer_v.Next();
      auto rfl = rf.NextRow();
      auto wfl = wf.NextRow();
      if (!has_r && !has_w) {
        continue;
      }
      Protocol p;
      LS_RETURN_IF_ERROR(
          p.SetVersions(has_r ? reader_v.integer() : 1, has_w ? writer_v.integer() : 1));
      p.reader_features = std::move(rfl);
      p.writer_features = std::move(wfl);
      p.RebuildJson();
      LS_RETURN_IF_ERROR(sink_.OnProtocol(std::move(p)));
    }
    return OkStatus();
  }

  // The metaData actions of row group rg.
  Status ReadMetadata(int rg, int64_t rows) {
    FlatColumn &id = flat_[0], &name = flat_[1], &desc = flat_[2], &provider = flat_[3],
               &schema = flat_[4], &created = flat_[5];
    MapColumn &options = map_[0], &config = map_[1];
    ListColumn& parts = list_[0];
    LS_RETURN_IF_ERROR(id.Load(r_, rg, Path("metaData.id")));
    LS_RETURN_IF_ERROR(name.Load(r_, rg, Path("metaData.name")));
    LS_RETURN_IF_ERROR(desc.Load(r_, rg, Path("metaData.description")));
    LS_RETURN_IF_ERROR(provider.Load(r_, rg, Path("metaData.format.provider")));
    LS_RETURN_IF_ERROR(options.Load(r_, rg, Path("metaData.format.options")));
    LS_RETURN_IF_ERROR(schema.Load(r_, rg, Path("metaData.schemaString")));
    LS_RETURN_IF_ERROR(parts.Load(r_, rg, Path("metaData.partitionColumns")));
    LS_RETURN_IF_ERROR(LoadInteger(created, rg, "metaData.createdTime"));
    LS_RETURN_IF_ERROR(config.Load(r_, rg, Path("metaData.configuration")));
    if (!id.present() && !schema.present()) {
      return OkStatus();  // no row can hold a metaData action (see NoKeyColumn)
    }
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> opt_map, cfg_map;
    for (int64_t row = 0; row < rows; ++row) {
      bool has_id = id.Next();
      bool has_name = name.Next();
      bool has_desc = desc.Next();
      bool has_provider = provider.Next();
      bool has_schema = schema.Next();
      bool has_created = created.Next();
      auto part_list = parts.NextRow();
      LS_RETURN_IF_ERROR(options.NextRow(opt_map, "metaData.format.options"));
      LS_RETURN_IF_ERROR(config.NextRow(cfg_map, "metaData.configuration"));
      if (!has_id && !has_schema) {
        continue;
      }
      Metadata m;
      if (has_id) {
        m.id = std::string(id.bytes());
      }
      if (has_name) {
        m.name = std::string(name.bytes());
      }
      if (has_desc) {
        m.description = std::string(desc.bytes());
      }
      if (has_provider) {
        m.format_provider = std::string(provider.bytes());
      }
      m.format_options = ToStringMap(opt_map);
      if (has_schema) {
        m.schema_string = std::string(schema.bytes());
      }
      if (part_list) {
        m.partition_columns = std::move(*part_list);
      }
      if (has_created) {
        m.created_time = created.integer();
      }
      m.configuration = ToStringMap(cfg_map);
      m.RebuildJson();
      LS_RETURN_IF_ERROR(sink_.OnMetadata(std::move(m)));
    }
    return OkStatus();
  }

  // The txn actions of row group rg.
  Status ReadTxns(int rg, int64_t rows) {
    FlatColumn &app = flat_[0], &version = flat_[1], &updated = flat_[2];
    LS_RETURN_IF_ERROR(app.Load(r_, rg, Path("txn.appId")));
    LS_RETURN_IF_ERROR(LoadInteger(version, rg, "txn.version"));
    LS_RETURN_IF_ERROR(LoadInteger(updated, rg, "txn.lastUpdated"));
    if (!app.present()) {
      return OkStatus();  // no row can hold a txn (see NoKeyColumn)
    }
    for (int64_t row = 0; row < rows; ++row) {
      bool has_app = app.Next();
      bool has_version = version.Next();
      bool has_updated = updated.Next();
      if (!has_app) {
        continue;
      }
      Txn t;
      t.app_id = std::string(app.bytes());
      t.version = has_version ? version.integer() : 0;
      if (has_updated) {
        t.last_updated = updated.integer();
      }
      t.RebuildJson();
      LS_RETURN_IF_ERROR(sink_.OnTxn(std::move(t)));
    }
    return OkStatus();
  }

  // The domainMetadata actions of row group rg.
  Status ReadDomainMetadata(int rg, int64_t rows) {
    FlatColumn &domain = flat_[0], &config = flat_[1], &removed = flat_[2];
    LS_RETURN_IF_ERROR(domain.Load(r_, rg, Path("domainMetadata.domain")));
    LS_RETURN_IF_ERROR(config.Load(r_, rg, Path("domainMetadata.configuration")));
    LS_RETURN_IF_ERROR(LoadBoolean(removed, rg, "domainMetadata.removed"));
    if (!domain.present()) {
      return OkStatus();  // no row can hold a domainMetadata action (see NoKeyColumn)
    }
    for (int64_t row = 0; row < rows; ++row) {
      bool has_domain = domain.Next();
      bool has_config = config.Next();
      bool has_removed = removed.Next();
      if (!has_domain) {
        continue;
      }
      DomainMetadata d;
      d.domain = std::string(domain.bytes());
      if (has_config) {
        d.configuration = std::string(config.bytes());
      }
      d.removed = has_removed && removed.boolean();
      d.RebuildJson();
      LS_RETURN_IF_ERROR(sink_.OnDomainMetadata(std::move(d)));
    }
    return OkStatus();
  }

  // The checkpointMetadata actions (v2 spec) of row group rg.
  Status ReadCheckpointMetadata(int rg, int64_t rows) {
    FlatColumn& version = flat_[0];
    LS_RETURN_IF_ERROR(LoadInteger(version, rg, "checkpointMetadata.version"));
    if (!version.present()) {
      return OkStatus();  // see NoKeyColumn
    }
    for (int64_t row = 0; row < rows; ++row) {
      if (version.Next()) {
        LS_RETURN_IF_ERROR(sink_.OnCheckpointMetadata(version.integer()));
      }
    }
    return OkStatus();
  }

  // The sidecar actions (v2 spec) of row group rg.
  Status ReadSidecars(int rg, int64_t rows) {
    FlatColumn &path = flat_[0], &size = flat_[1], &mtime = flat_[2];
    LS_RETURN_IF_ERROR(path.Load(r_, rg, Path("sidecar.path")));
    LS_RETURN_IF_ERROR(LoadInteger(size, rg, "sidecar.sizeInBytes"));
    LS_RETURN_IF_ERROR(LoadInteger(mtime, rg, "sidecar.modificationTime"));
    if (!path.present()) {
      return OkStatus();  // see NoKeyColumn
    }
    for (int64_t row = 0; row < rows; ++row) {
      bool has_path = path.Next();
      bool has_size = size.Next();
      bool has_mtime = mtime.Next();
      if (!has_path) {
        continue;
      }
      SidecarInfo sc;
      sc.path = std::string(path.bytes());
      if (has_size) {
        sc.size_in_bytes = size.integer();
      }
      if (has_mtime) {
        sc.modification_time = mtime.integer();
      }
      LS_RETURN_IF_ERROR(sink_.OnSidecar(std::move(sc)));
    }
    return OkStatus();
  }

  // True when the current add row has a deletionVector struct: one of its leaves is defined at
  // the struct's level or deeper (`dv_def`, -1 without the struct), even with every field null
  // (storageType is loaded even when all null, so such a struct is seen, and is corrupt).
  bool HasDeletionVector(int dv_def) const {
    if (dv_def < 0) {
      return false;
    }
    for (size_t i = 8; i <= 12; ++i) {
      if (flat_[i].def() >= dv_def) {
        return true;
      }
    }
    return false;
  }

  // The deletion vector of the current add row. Delta protocol, *Deletion Vector Descriptor
  // Schema*: storageType, pathOrInlineDv, sizeInBytes and cardinality are required, offset is
  // optional; a required field that is null is kCorrupt naming it, never read as a default.
  Status ReadDeletionVector(std::string_view add_path,
                            const DeletionVectorDescriptor::RequiredFields& found, bool has_offset,
                            DeletionVectorDescriptor* dv) {
    FlatColumn &dv_type = flat_[8], &dv_path = flat_[9], &dv_offset = flat_[10],
               &dv_size = flat_[11], &dv_card = flat_[12];
    const std::string_view missing = DeletionVectorDescriptor::MissingField(found);
    if (!missing.empty()) {
      return CorruptError("deletion vector of '{}' has no {}", add_path, missing);
    }
    *dv = DeletionVectorDescriptor{};
    std::string_view t = dv_type.bytes();
    if (t.size() != 1) {
      return CorruptError("deletion vector of '{}' has storage type '{}'", add_path, t);
    }
    dv->storage_type = t[0];
    dv->path_or_inline_dv = std::string(dv_path.bytes());
    // Delta protocol, *Deletion Vector Descriptor*: offset and sizeInBytes are Ints.
    auto int_field = [&](const FlatColumn& column, std::string_view what) -> Result<int32_t> {
      std::optional<int32_t> v = NonNegativeInt32(column.integer());
      if (!v) {
        return CorruptError("deletion vector of '{}' has {} {}, outside 0..2147483647", add_path,
                            what, column.integer());
      }
      return *v;
    };
    if (has_offset) {
      LS_ASSIGN_OR_RETURN(dv->offset, int_field(dv_offset, "offset"));
    }
    LS_ASSIGN_OR_RETURN(dv->size_in_bytes, int_field(dv_size, "sizeInBytes"));
    dv->cardinality = dv_card.integer();
    return OkStatus();
  }

  // Paths and JSON stats are referenced in the decoded pages rather than copied.
  void RetainAddBuffers(const FlatColumn& path, const FlatColumn& stats) {
    auto bytes_of = [](const ColumnData& c) {
      size_t n = 0;
      for (std::string_view b : c.bytes) {
        n += b.size();
      }
      return n;
    };
    sink_.RetainBuffers(path.data().buffers, bytes_of(path.data()));
    if (stats.present()) {
      sink_.RetainBuffers(stats.data().buffers, bytes_of(stats.data()));
    }
  }

  Status ReadAdds(int rg) {
    if (Path("add") < 0 || Path("add.path") < 0) {
      return OkStatus();
    }
    const int64_t rows = r_.row_group_num_rows(rg);
    FlatColumn &path = flat_[0], &size = flat_[1], &mtime = flat_[2], &change = flat_[3],
               &stats = flat_[4], &base_row_id = flat_[5], &default_rcv = flat_[6],
               &clustering = flat_[7];
    FlatColumn &dv_type = flat_[8], &dv_path = flat_[9], &dv_offset = flat_[10],
               &dv_size = flat_[11], &dv_card = flat_[12];
    MapColumn &partition = map_[0], &tags = map_[1];
    ParsedStats parsed;
    LS_RETURN_IF_ERROR(path.Load(r_, rg, Path("add.path")));
    LS_RETURN_IF_ERROR(partition.Load(r_, rg, Path("add.partitionValues")));
    LS_RETURN_IF_ERROR(LoadInteger(size, rg, "add.size"));
    LS_RETURN_IF_ERROR(LoadInteger(mtime, rg, "add.modificationTime"));
    LS_RETURN_IF_ERROR(LoadBoolean(change, rg, "add.dataChange"));
    LS_RETURN_IF_ERROR(stats.Load(r_, rg, Path("add.stats")));
    LS_RETURN_IF_ERROR(tags.Load(r_, rg, Path("add.tags")));
    // Loaded even when all null: a row group of adds without deletion vectors has only null
    // leaves, and the definition levels tell a null struct (no vector) from a present one with
    // null fields (corrupt, as in a row group where other adds have vectors).
    LS_RETURN_IF_ERROR(
        dv_type.Load(r_, rg, Path("add.deletionVector.storageType"), /*keep_all_null=*/true));
    LS_RETURN_IF_ERROR(dv_path.Load(r_, rg, Path("add.deletionVector.pathOrInlineDv")));
    LS_RETURN_IF_ERROR(LoadInteger(dv_offset, rg, "add.deletionVector.offset"));
    LS_RETURN_IF_ERROR(LoadInteger(dv_size, rg, "add.deletionVector.sizeInBytes"));
    LS_RETURN_IF_ERROR(LoadInteger(dv_card, rg, "add.deletionVector.cardinality"));
    LS_RETURN_IF_ERROR(LoadInteger(base_row_id, rg, "add.baseRowId"));
    LS_RETURN_IF_ERROR(LoadInteger(default_rcv, rg, "add.defaultRowCommitVersion"));
    LS_RETURN_IF_ERROR(clustering.Load(r_, rg, Path("add.clusteringProvider")));
    if (!path.present()) {
      return OkStatus();
    }
    // stats_parsed only matters for rows without JSON stats.
    const int64_t adds = path.data().num_values();
    if (Path("add.stats_parsed") >= 0 && (!stats.present() || stats.data().num_values() < adds)) {
      LS_RETURN_IF_ERROR(parsed.Load(r_, rg, Path("add.stats_parsed")));
    }
    RetainAddBuffers(path, stats);
    const int dv_node = Path("add.deletionVector");
    const int dv_def = dv_node >= 0 ? s_.node(dv_node).max_def : -1;
    AddInput in;
    in.path_retained = true;
    std::string extra;
    std::string stats_text;
    DeletionVectorDescriptor dv;
    for (int64_t row = 0; row < rows; ++row) {
      bool has_path = path.Next();
      LS_RETURN_IF_ERROR(partition.NextRow(in.partition_values, "add.partitionValues"));
      in.has_size = size.Next();
      in.has_modification_time = mtime.Next();
      bool has_change = change.Next();
      bool has_stats = stats.Next();
      std::vector<std::pair<std::string_view, std::optional<std::string_view>>> tag_map;
      LS_RETURN_IF_ERROR(tags.NextRow(tag_map, "add.tags"));
      DeletionVectorDescriptor::RequiredFields dv_found;
      dv_found.storage_type = dv_type.Next();
      dv_found.path_or_inline_dv = dv_path.Next();
      bool has_dv_offset = dv_offset.Next();
      dv_found.size_in_bytes = dv_size.Next();
      dv_found.cardinality = dv_card.Next();
      bool has_brid = base_row_id.Next();
      bool has_drcv = default_rcv.Next();
      bool has_cp = clustering.Next();
      if (parsed.present()) {
        parsed.Next();
      }
      if (!has_path) {
        continue;
      }
      in.path = path.bytes();
      in.size = in.has_size ? size.integer() : 0;
      in.modification_time = in.has_modification_time ? mtime.integer() : 0;
      in.data_change = has_change && change.boolean();
      in.has_stats = false;
      in.stats_retained = false;
      if (has_stats) {
        in.stats = stats.bytes();
        in.has_stats = true;
        in.stats_escaped = false;
        in.stats_retained = true;
      } else if (parsed.present()) {
        stats_text.clear();
        if (parsed.AppendJson(stats_text)) {
          in.stats = stats_text;
          in.has_stats = true;
          in.stats_escaped = false;
        }
      }
      extra.clear();
      if (tags.present() && !tag_map.empty()) {
        extra += ",\"tags\":";
        AppendMapJson(extra, tag_map);
      }
      in.deletion_vector = nullptr;
      if (HasDeletionVector(dv_def)) {
        LS_RETURN_IF_ERROR(ReadDeletionVector(in.path, dv_found, has_dv_offset, &dv));
        in.deletion_vector = &dv;
        extra += ",\"deletionVector\":";
        dv.AppendJson(extra);
      }
      if (has_brid) {
        fmt::format_to(std::back_inserter(extra), ",\"baseRowId\":{}", base_row_id.integer());
      }
      if (has_drcv) {
        fmt::format_to(std::back_inserter(extra), ",\"defaultRowCommitVersion\":{}",
                       default_rcv.integer());
      }
      if (has_cp) {
        extra += ",\"clusteringProvider\":";
        AppendJsonString(extra, clustering.bytes());
      }
      in.extra_json = extra.empty() ? std::string_view() : std::string_view(extra).substr(1);
      LS_RETURN_IF_ERROR(sink_.OnAdd(in));
    }
    return OkStatus();
  }

  const FileReader& r_;
  const Schema& s_;
  std::string_view name_;
  ActionSink& sink_;
  std::array<FlatColumn, 13>& flat_;
  std::array<MapColumn, 2>& map_;
  std::array<ListColumn, 2>& list_;
};

// A checkpoint holds one action per row, and each action row carries a key of its own (a file's
// path, an appId, a version): real checkpoints take tens of bytes per row. A Parquet footer may
// still claim any number of rows, and a column chunk any number of values, in a few bytes (one
// run-length-encoded run of nulls per page), which the column reader then decodes into memory: a
// 257-byte checkpoint claiming 2^28 null `protocol.minReaderVersion` values cost 670 MB and 7 s
// of CPU per snapshot load (and a failed load is not cached). So the row groups together may
// claim at most one row per byte of the file, and each column's chunks together at most
// kMaxCheckpointValuesPerByte values per byte (lists and maps: partitionValues holds one entry per
// partition column and row). The rule is the one data files follow with looser bounds
// (parquet/decode_budget.h).
constexpr int64_t kMaxCheckpointValuesPerByte = 16;

Status CheckCheckpointCounts(const FileReader& reader, int64_t file_size) {
  return parquet::CheckClaimedCounts(
      reader, parquet::ClaimBounds{file_size, file_size, kMaxCheckpointValuesPerByte * file_size});
}

// ReadParquetCheckpoint without the context its errors get.
Status ReadCheckpointFile(const storage::ObjectStore& store, std::string_view path,
                          ActionSink& sink) {
  auto opened = store.OpenFile(path);
  if (!opened) {
    return MakeError(
        opened.error().code == ErrorCode::kNotFound ? ErrorCode::kCorrupt : opened.error().code,
        opened.error().message);
  }
  std::shared_ptr<storage::RandomAccessFile> file(std::move(*opened));
  LS_ASSIGN_OR_RETURN(auto reader, FileReader::Open(file));
  LS_RETURN_IF_ERROR(CheckCheckpointCounts(*reader, file->size()));
  std::unique_ptr<ColumnPool> pool = KeptPool::Take();
  Status st = CheckpointFileReader(*reader, path, sink, *pool).Run();
  KeptPool::Give(std::move(pool));
  return st;
}

}  // namespace

Status ReadParquetCheckpoint(const storage::ObjectStore& store, std::string_view path,
                             ActionSink& sink) {
  if (Status st = ReadCheckpointFile(store, path, sink); !st) {
    return tl::unexpected(
        WithContext(st.error(), fmt::format("Failed to read checkpoint '{}'", path)));
  }
  return OkStatus();
}

}  // namespace lakeshare::delta
