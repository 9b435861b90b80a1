#include "app/demo_commands.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "app/seeded_random.h"
#include "delta/table_writer.h"
#include "delta/time_util.h"
#include "parquet/file_writer.h"
#include "parquet/json_shredder.h"
#include "storage/local_object_store.h"

namespace lakeshare::app {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using parquet::PhysicalType;

using Gen = SeededRandom;

// ----- columns and values ------------------------------------------------------------------------

enum class Kind { kString, kInt, kLong, kDecimal, kDate, kTimestamp };

struct Col {
  std::string name;
  Kind kind;
  int precision = 0;  // kDecimal
  int scale = 0;
};

/// One cell: strings in `s`; integers, decimals (unscaled), dates (days since the epoch) and
/// timestamps (microseconds since the epoch) in `i`.
struct Value {
  bool null = false;
  int64_t i = 0;
  std::string s;
};
Value S(std::string s) { return Value{false, 0, std::move(s)}; }
Value I(int64_t i) { return Value{false, i, {}}; }

using Row = std::vector<Value>;

std::string DeltaType(const Col& c) {
  switch (c.kind) {
    case Kind::kString:
      return "string";
    case Kind::kInt:
      return "integer";
    case Kind::kLong:
      return "long";
    case Kind::kDecimal:
      return fmt::format("decimal({},{})", c.precision, c.scale);
    case Kind::kDate:
      return "date";
    case Kind::kTimestamp:
      return "timestamp";
  }
  return "string";
}

parquet::WriterField Field(const Col& c) {
  using parquet::Primitive;
  switch (c.kind) {
    case Kind::kString:
      return Primitive(c.name, PhysicalType::kByteArray, parquet::StringType());
    case Kind::kInt:
      return Primitive(c.name, PhysicalType::kInt32);
    case Kind::kLong:
      return Primitive(c.name, PhysicalType::kInt64);
    case Kind::kDecimal:
      return Primitive(c.name, c.precision <= 9 ? PhysicalType::kInt32 : PhysicalType::kInt64,
                       parquet::DecimalType(c.precision, c.scale));
    case Kind::kDate:
      return Primitive(c.name, PhysicalType::kInt32, parquet::DateType());
    case Kind::kTimestamp:
      return Primitive(c.name, PhysicalType::kInt64,
                       parquet::TimestampType(parquet::TimeUnit::kMicros, true));
  }
  return Primitive(c.name, PhysicalType::kByteArray, parquet::StringType());
}

std::string DecimalText(int64_t unscaled, int scale) {
  const bool neg = unscaled < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(unscaled) : static_cast<uint64_t>(unscaled);
  uint64_t pow = 1;
  for (int k = 0; k < scale; ++k) {
    pow *= 10;
  }
  if (scale == 0) {
    return fmt::format("{}{}", neg ? "-" : "", u);
  }
  return fmt::format("{}{}.{:0{}}", neg ? "-" : "", u / pow, u % pow, scale);
}

std::string DateText(int64_t days) {
  std::string out;
  AppendDate(out, days);
  return out;
}

std::string TimestampText(int64_t micros) {  // 2024-05-01T10:00:00.000000Z
  const int64_t secs = micros / 1'000'000;
  std::string out = DateText(secs / 86400);
  const int64_t rest = secs % 86400;
  out += fmt::format("T{:02d}:{:02d}:{:02d}.{:06d}Z", rest / 3600, (rest / 60) % 60, rest % 60,
                     micros % 1'000'000);
  return out;
}

// The value as the Parquet row shredder takes it.
Json ShredValue(const Col& c, const Value& v) {
  if (v.null) {
    return nullptr;
  }
  switch (c.kind) {
    case Kind::kString:
      return v.s;
    case Kind::kInt:
    case Kind::kLong:
      return v.i;
    case Kind::kDecimal:
      return DecimalText(v.i, c.scale);
    case Kind::kDate:
      return DateText(v.i);
    case Kind::kTimestamp:
      return TimestampText(v.i);
  }
  return nullptr;
}

// The value as Delta statistics and partition values write it.
Json StatValue(const Col& c, const Value& v) {
  switch (c.kind) {
    case Kind::kString:
      return v.s;
    case Kind::kInt:
    case Kind::kLong:
      return v.i;
    case Kind::kDecimal:
      // A JSON number with exactly `scale` decimals, as Spark writes it.
      return Json::parse(DecimalText(v.i, c.scale));
    case Kind::kDate:
      return DateText(v.i);
    case Kind::kTimestamp:
      return FormatIsoMillis(v.i / 1000);
  }
  return nullptr;
}

std::string PartitionText(const Col& c, const Value& v) {
  const Json j = StatValue(c, v);
  return j.is_string() ? j.get<std::string>() : j.dump();
}

// ----- demo tables -------------------------------------------------------------------------------

/// One demo table: its columns and partitioning, and the demo's rows turned into Parquet columns
/// and actions. Writing is the project's one Delta writer's (delta::TableWriter: data files with
/// statistics, commits); this class adds only what the demo stages, the commitInfo of a Spark-like
/// engine and commit files dated at the commit's time.
class DemoTable {
 public:
  DemoTable(std::string root, std::string name, std::vector<Col> cols,
            std::vector<std::string> partition_cols, Gen& gen)
      : root_(std::move(root)),
        name_(std::move(name)),
        cols_(std::move(cols)),
        partition_cols_(std::move(partition_cols)),
        gen_(gen) {}

  const std::vector<Col>& cols() const { return cols_; }
  int Index(std::string_view name) const {
    for (size_t i = 0; i < cols_.size(); ++i) {
      if (cols_[i].name == name) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  DemoTable(const DemoTable&) = delete;
  DemoTable& operator=(const DemoTable&) = delete;

  /// Open the table folder (refusing one that already holds a table) and the project's one
  /// Delta writer on it: data files and commits are written by delta::TableWriter.
  Status Create() {
    if (fs::exists(fs::path(root_) / "_delta_log")) {
      return InvalidArgument(
          "'{}' already holds a Delta table; remove it or write the demo into another folder",
          root_);
    }
    LS_ASSIGN_OR_RETURN(std::shared_ptr<storage::ObjectStore> store,
                        storage::LocalObjectStore::Open(root_));
    delta::TableWriterOptions options;
    options.clock = &file_clock_;
    options.parquet.created_by = parquet::DefaultCreatedBy();
    writer_ = std::make_unique<delta::TableWriter>(std::move(store), std::move(options));
    return OkStatus();
  }

  // The actions come from the one Delta writer's line functions (delta/table_writer.h).
  Json Protocol(int writer_version) const {
    delta::Protocol protocol;
    protocol.min_reader_version = 1;
    protocol.min_writer_version = writer_version;
    return Json::parse(delta::ProtocolActionLine(std::move(protocol)));
  }

  Json MetaData(const std::string& description, const Json& configuration, int64_t created_ms) {
    Json fields = Json::array();
    for (const Col& c : cols_) {
      fields.push_back({{"name", c.name},
                        {"type", DeltaType(c)},
                        {"nullable", true},
                        {"metadata", Json::object()}});
    }
    delta::Metadata m;
    m.id = gen_.Uuid();
    m.name = name_;
    m.description = description;
    m.schema_string = Json{{"type", "struct"}, {"fields", fields}}.dump();
    m.partition_columns = partition_cols_;
    for (const auto& [key, value] : configuration.items()) {
      m.configuration.emplace_back(key, value.get<std::string>());
    }
    m.created_time = created_ms;
    return Json::parse(delta::MetadataActionLine(std::move(m)));
  }

  /// Write `rows` (all columns; the partition columns equal in every row) as one data file and
  /// return its add action (or, with `cdc`, its cdc action: rows then carry `change_types`).
  Result<Json> WriteFile(const std::vector<Row>& rows, int64_t mod_time_ms,
                         const std::vector<std::string>* change_types = nullptr) {
    std::vector<int> data_idx;
    delta::StringMap partition_values;  // in the order of partitionColumns
    std::string dir = change_types ? "_change_data/" : "";
    for (const std::string& p : partition_cols_) {
      const int i = Index(p);
      const std::string v = PartitionText(cols_[static_cast<size_t>(i)], rows.front()[i]);
      partition_values.emplace_back(p, v);
      dir += p + "=" + v + "/";
    }
    for (size_t i = 0; i < cols_.size(); ++i) {
      if (std::find(partition_cols_.begin(), partition_cols_.end(), cols_[i].name) ==
          partition_cols_.end()) {
        data_idx.push_back(static_cast<int>(i));
      }
    }
    const std::string rel = fmt::format("{}{}-{:05d}-{}.c000.snappy.parquet", dir,
                                        change_types ? "cdc" : "part", file_no_++, gen_.Uuid());
    std::vector<parquet::WriterField> fields;
    fields.reserve(data_idx.size() + 1);
    for (int i : data_idx) {
      fields.push_back(Field(cols_[static_cast<size_t>(i)]));
    }
    if (change_types) {
      fields.push_back(
          parquet::Primitive("_change_type", PhysicalType::kByteArray, parquet::StringType()));
    }
    LS_ASSIGN_OR_RETURN(auto schema, parquet::WriterSchema::Make(fields, "spark_schema"));
    parquet::RowShredder shredder(schema.schema());
    for (size_t r = 0; r < rows.size(); ++r) {
      Json row = Json::object();
      for (int i : data_idx) {
        const Col& c = cols_[static_cast<size_t>(i)];
        row[c.name] = ShredValue(c, rows[r][static_cast<size_t>(i)]);
      }
      if (change_types) {
        row["_change_type"] = (*change_types)[r];
      }
      LS_RETURN_IF_ERROR(shredder.AddRow(row));
    }
    file_clock_.SetNowMs(mod_time_ms);
    LS_ASSIGN_OR_RETURN(delta::FileAction action,
                        writer_->WriteDataFile(rel, std::move(schema), {shredder.TakeColumns()},
                                               std::move(partition_values)));
    if (change_types) {  // Delta protocol, *Add CDC File*: no statistics, dataChange false
      action.type = delta::FileActionType::kCdc;
      action.data_change = false;
      action.modification_time.reset();
      action.stats.reset();
    }
    return Json::parse(delta::FileActionLine(action));
  }

  static Json Remove(const Json& add, int64_t when_ms) {
    const Json& a = add["add"];
    delta::FileAction remove;
    remove.type = delta::FileActionType::kRemove;
    remove.path = a["path"].get<std::string>();
    for (const auto& [key, value] : a["partitionValues"].items()) {
      remove.partition_values.emplace_back(
          key, value.is_null() ? std::nullopt : std::optional(value.get<std::string>()));
    }
    remove.size = a["size"].get<int64_t>();
    remove.deletion_timestamp = when_ms;
    remove.data_change = true;
    Json line = Json::parse(delta::FileActionLine(remove));
    // The writer does not model this flag: partitionValues and size are present.
    line["remove"]["extendedFileMetadata"] = true;
    return line;
  }

  /// Write the next commit: commitInfo first, then `actions`. The commit file's modification
  /// time is set to `timestamp_ms` too (readers resolve timestamps by it).
  Status Commit(int64_t timestamp_ms, const std::string& operation, const Json& parameters,
                const std::vector<Json>& actions) {
    ++version_;
    Json info = {{"commitInfo",
                  {{"timestamp", timestamp_ms},
                   {"operation", operation},
                   {"operationParameters", parameters},
                   {"readVersion", version_ - 1},
                   {"isBlindAppend", operation == "WRITE"},
                   {"engineInfo", "lakeshare-demo/0.1.0"}}}};
    if (version_ == 0) {
      info["commitInfo"].erase("readVersion");
    }
    std::vector<std::string> lines{info.dump()};
    for (const Json& a : actions) {
      lines.push_back(a.dump());
    }
    LS_RETURN_IF_ERROR(writer_->Commit(version_, lines));
    const fs::path path = fs::path(root_) / "_delta_log" / fmt::format("{:020d}.json", version_);
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = timestamp_ms / 1000;
    times[0].tv_nsec = times[1].tv_nsec = (timestamp_ms % 1000) * 1'000'000;
    ::utimensat(AT_FDCWD, path.c_str(), times, 0);
    return OkStatus();
  }

  int64_t version() const { return version_; }

 private:
  std::string root_;
  std::string name_;
  std::vector<Col> cols_;
  std::vector<std::string> partition_cols_;
  Gen& gen_;
  std::unique_ptr<delta::TableWriter> writer_;
  ManualClock file_clock_{0};  // at the modification time of the data file being written
  int64_t version_ = -1;
  int file_no_ = 0;
};

// ----- the datasets
// --------------------------------------------------------------------------------

struct Brand {
  const char* partner_id;
  const char* name;
};
constexpr Brand kBrands[] = {
    {"P001", "Northwind Apparel"}, {"P002", "Alpenglow Outdoor"}, {"P003", "Rivet & Rye"},
    {"P004", "Lumen Kids"},        {"P005", "Harbor Lane"},       {"P006", "Kestrel Sport"},
    {"P007", "Maple & Moss"},      {"P008", "Urban Thread"},      {"P009", "Solstice Swim"},
    {"P010", "Fjord Footwear"},    {"P011", "Ivory Loom"},        {"P012", "Copperline"},
};
constexpr const char* kCategories[] = {"Sneakers", "Jackets",    "Jeans",     "T-Shirts",
                                       "Dresses",  "Boots",      "Backpacks", "Knitwear",
                                       "Swimwear", "Accessories"};
constexpr const char* kAdjectives[] = {"Classic",  "Everyday", "Trail", "Urban",  "Soft",
                                       "Heritage", "Light",    "Warm",  "Studio", "Coastal"};
constexpr const char* kCountries[] = {"DE", "FR", "NL", "IT", "ES", "PL", "AT", "BE"};
// Relative demand per country (percent of the day's rows).
constexpr int kCountryWeight[] = {26, 18, 10, 14, 12, 8, 6, 6};
constexpr const char* kWarehouses[] = {"BER", "PAR", "AMS", "MIL", "MAD", "WAW", "VIE", "BRU"};

struct Article {
  std::string id;
  int brand;
  int category;
  std::string name;
  int64_t price_cents;
  int64_t launched;  // days
};

std::vector<Article> MakeArticles(Gen& g, int n) {
  std::vector<Article> out;
  const int64_t first = DaysFromCivil(2022, 1, 1);
  const int64_t last = DaysFromCivil(2024, 4, 30);
  for (int i = 0; i < n; ++i) {
    Article a;
    a.id = fmt::format("A{:05d}", 10001 + i);
    a.brand = static_cast<int>(g.Below(std::size(kBrands)));
    a.category = static_cast<int>(g.Below(std::size(kCategories)));
    a.name = fmt::format("{} {} {}", kBrands[a.brand].name,
                         kAdjectives[g.Below(std::size(kAdjectives))], kCategories[a.category]);
    a.price_cents = g.Between(5, 50) * 500 - 5;  // 24.95 .. 249.95
    a.launched = g.Between(first, last);
    out.push_back(std::move(a));
  }
  return out;
}

constexpr int64_t kMsPerDay = 86'400'000;
constexpr int64_t kMsPerHour = 3'600'000;

Status WriteArticles(const std::string& root, Gen& g, const std::vector<Article>& articles,
                     int64_t when_ms) {
  DemoTable w(root, "articles",
              {{"article_id", Kind::kString},
               {"brand", Kind::kString},
               {"partner_id", Kind::kString},
               {"category", Kind::kString},
               {"name", Kind::kString},
               {"price_eur", Kind::kDecimal, 10, 2},
               {"launched", Kind::kDate}},
              {}, g);
  LS_RETURN_IF_ERROR(w.Create());
  std::vector<Row> rows;
  rows.reserve(articles.size());
  for (const Article& a : articles) {
    rows.push_back({S(a.id), S(kBrands[a.brand].name), S(kBrands[a.brand].partner_id),
                    S(kCategories[a.category]), S(a.name), I(a.price_cents), I(a.launched)});
  }
  LS_ASSIGN_OR_RETURN(Json add, w.WriteFile(rows, when_ms));
  return w.Commit(
      when_ms, "CREATE TABLE AS SELECT", {{"isManaged", "false"}, {"partitionBy", "[]"}},
      {w.Protocol(2),
       w.MetaData("Article dimension: brand, category, list price", Json::object(), when_ms), add});
}

// The day's sales of one country: distinct articles, units 1..6, revenue = units * price less a
// promotion of 0, 10 or 20 percent.
std::vector<Row> SalesRows(Gen& g, const std::vector<Article>& articles, int64_t day, int country,
                           int rows) {
  std::vector<int> idx(articles.size());
  std::iota(idx.begin(), idx.end(), 0);
  const int n = std::min<int>(rows, static_cast<int>(idx.size()));
  for (int i = 0; i < n; ++i) {  // partial Fisher-Yates
    std::swap(idx[static_cast<size_t>(i)],
              idx[static_cast<size_t>(i) + g.Below(idx.size() - static_cast<size_t>(i))]);
  }
  std::sort(idx.begin(), idx.begin() + n);
  std::vector<Row> out;
  for (int k = 0; k < n; ++k) {
    const Article& a = articles[static_cast<size_t>(idx[static_cast<size_t>(k)])];
    const int64_t units = 1 + static_cast<int64_t>(g.Below(3) + g.Below(4));
    const int64_t discount = static_cast<int64_t>(g.Below(10)) < 7 ? 0 : g.Below(2) ? 10 : 20;
    const int64_t revenue = (units * a.price_cents * (100 - discount) + 50) / 100;
    out.push_back({I(day), S(kCountries[country]), S(a.id), S(kBrands[a.brand].name), I(units),
                   I(revenue), S(kBrands[a.brand].partner_id)});
  }
  return out;
}

Status WriteDailySales(const std::string& root, Gen& g, const std::vector<Article>& articles,
                       int64_t first_day, const DemoOptions& o) {
  DemoTable w(root, "daily_sales",
              {{"date", Kind::kDate},
               {"country", Kind::kString},
               {"article_id", Kind::kString},
               {"brand", Kind::kString},
               {"units", Kind::kInt},
               {"revenue_eur", Kind::kDecimal, 12, 2},
               {"partner_id", Kind::kString}},
              {"date"}, g);
  LS_RETURN_IF_ERROR(w.Create());
  const Json config = {{"delta.enableChangeDataFeed", "true"}};
  const Json params = {{"mode", "Append"}, {"partitionBy", "[\"date\"]"}};
  Json first_add;
  std::vector<Row> first_rows;
  for (int d = 0; d < o.days; ++d) {
    const int64_t day = first_day + d;
    // Each day's sales land at 02:00 UTC the next morning.
    const int64_t when = (day + 1) * kMsPerDay + 2 * kMsPerHour;
    std::vector<Json> actions;
    if (d == 0) {
      actions.push_back(w.Protocol(4));  // changeDataFeed needs writer version 4
      actions.push_back(
          w.MetaData("Daily sales per article and country; one commit per day; change data feed on",
                     config, when));
    }
    for (int c = 0; c < static_cast<int>(std::size(kCountries)); ++c) {
      const int n = std::max(1, o.rows_per_day * kCountryWeight[c] / 100);
      std::vector<Row> rows = SalesRows(g, articles, day, c, n);
      LS_ASSIGN_OR_RETURN(Json add, w.WriteFile(rows, when));
      if (d == 0 && c == 0) {
        first_add = add;
        first_rows = rows;
      }
      actions.push_back(std::move(add));
    }
    LS_RETURN_IF_ERROR(w.Commit(when, "WRITE", params, actions));
  }
  // A correction: returns booked late for the first day in the first country. The file is
  // rewritten (remove + add) and the change data file holds the pre- and post-images.
  const int64_t when = (first_day + o.days) * kMsPerDay + 9 * kMsPerHour;
  std::vector<Row> corrected = first_rows;
  std::vector<Row> changes;
  std::vector<std::string> change_types;
  const int units_idx = w.Index("units");
  const int revenue_idx = w.Index("revenue_eur");
  for (size_t r = 0; r < corrected.size(); r += 7) {
    Row& row = corrected[r];
    if (row[static_cast<size_t>(units_idx)].i < 2) {
      continue;
    }
    changes.push_back(row);
    change_types.push_back("update_preimage");
    const int64_t units = row[static_cast<size_t>(units_idx)].i;
    int64_t& revenue = row[static_cast<size_t>(revenue_idx)].i;
    revenue -= revenue / units;  // one unit returned
    row[static_cast<size_t>(units_idx)].i = units - 1;
    changes.push_back(row);
    change_types.push_back("update_postimage");
  }
  LS_ASSIGN_OR_RETURN(Json add, w.WriteFile(corrected, when));
  std::vector<Json> actions = {DemoTable::Remove(first_add, when), add};
  if (!changes.empty()) {
    LS_ASSIGN_OR_RETURN(Json cdc, w.WriteFile(changes, when, &change_types));
    actions.push_back(std::move(cdc));
  }
  return w.Commit(when, "MERGE",
                  {{"predicate", fmt::format("[\"(date = '{}' AND country = '{}')\"]",
                                             DateText(first_day), kCountries[0])}},
                  actions);
}

Status WriteStockLevels(const std::string& root, Gen& g, const std::vector<Article>& articles,
                        int64_t when_ms) {
  DemoTable w(root, "stock_levels",
              {{"country", Kind::kString},
               {"article_id", Kind::kString},
               {"warehouse", Kind::kString},
               {"units_on_hand", Kind::kLong},
               {"reorder_point", Kind::kInt},
               {"updated_at", Kind::kTimestamp}},
              {"country"}, g);
  LS_RETURN_IF_ERROR(w.Create());
  std::vector<Json> actions = {
      w.Protocol(2), w.MetaData("Stock on hand per article and warehouse, partitioned by country",
                                Json::object(), when_ms)};
  for (int c = 0; c < static_cast<int>(std::size(kCountries)); ++c) {
    std::vector<Row> rows;
    for (const Article& a : articles) {
      const int64_t on_hand = static_cast<int64_t>(g.Below(400)) * (g.Below(10) == 0 ? 0 : 1);
      Value updated = I((when_ms - static_cast<int64_t>(g.Below(6 * kMsPerHour))) * 1000);
      if (g.Below(50) == 0) {
        updated = Value{true, 0, {}};  // never counted
      }
      rows.push_back({S(kCountries[c]), S(a.id),
                      S(fmt::format("{}-{}-1", kCountries[c], kWarehouses[c])), I(on_hand),
                      I(20 + static_cast<int64_t>(g.Below(40))), updated});
    }
    LS_ASSIGN_OR_RETURN(Json add, w.WriteFile(rows, when_ms));
    actions.push_back(std::move(add));
  }
  return w.Commit(when_ms, "WRITE", {{"mode", "Overwrite"}, {"partitionBy", "[\"country\"]"}},
                  actions);
}

}  // namespace

Status WriteDemoTables(const std::string& dir, const DemoOptions& o) {
  if (o.days < 1 || o.articles < 1 || o.rows_per_day < 1) {
    return InvalidArgument("--days, --articles and --rows-per-day must be at least 1");
  }
  Gen g(o.seed);
  const int64_t first_day = DaysFromCivil(2024, 5, 1);
  const std::vector<Article> articles = MakeArticles(g, o.articles);
  LS_RETURN_IF_ERROR(WriteArticles((fs::path(dir) / "articles").string(), g, articles,
                                   first_day * kMsPerDay - 18 * kMsPerHour));
  LS_RETURN_IF_ERROR(
      WriteDailySales((fs::path(dir) / "daily_sales").string(), g, articles, first_day, o));
  LS_RETURN_IF_ERROR(WriteStockLevels((fs::path(dir) / "stock_levels").string(), g, articles,
                                      (first_day + o.days) * kMsPerDay + 6 * kMsPerHour));
  return OkStatus();
}

void AddDemoCommands(CLI::App& root) {
  auto* demo = root.add_subcommand("demo", "Demo datasets");
  demo->require_subcommand(1);
  auto* write = demo->add_subcommand(
      "write",
      "Write the demo partner datasets (daily_sales, articles, stock_levels) as Delta "
      "tables under DIR");
  auto* dir = new std::string;
  auto* options = new DemoOptions;
  write->add_option("DIR", *dir, "Folder to write the tables into")->required();
  write->add_option("--seed", options->seed, "Random seed (default 7; same seed, same tables)");
  write->add_option("--days", options->days, "Days of sales, one commit each (default 14)")
      ->check(CLI::Range(1, 3660));
  write->add_option("--articles", options->articles, "Articles (default 1000)")
      ->check(CLI::Range(1, 1000000));
  write
      ->add_option("--rows-per-day", options->rows_per_day,
                   "Sales rows per day over all countries (default 3000)")
      ->check(CLI::Range(1, 10000000));
  write->callback([=] {
    auto st = WriteDemoTables(*dir, *options);
    if (!st) {
      std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
      std::exit(st.error().code == ErrorCode::kInvalidArgument ? 2 : 1);
    }
    std::printf(
        "wrote %s/daily_sales (%d days + 1 correction, change data feed on), "
        "%s/articles, %s/stock_levels\n",
        dir->c_str(), options->days, dir->c_str(), dir->c_str());
    std::exit(0);
  });
}

}  // namespace lakeshare::app
