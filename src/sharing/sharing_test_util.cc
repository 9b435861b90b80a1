// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "sharing/sharing_test_util.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>

#include "common/strings.h"
#include "delta/delta_test_util.h"
#include "delta/table_writer.h"
#include "http/error_response.h"
#include "http/header_checks.h"
#include "http/server.h"
#include "parquet/json_shredder.h"
#include "storage/local_object_store.h"
#include "storage/location.h"

namespace lakeshare::sharing::testing {

namespace fs = std::filesystem;

nlohmann::json Reply::Json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string Reply::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

// Holds a streamed body as the server's connection does (http/response.h, "Streaming contract"):
// nothing counts as sent before the first chunk fills up or Flush() is called.
class HeldStreamWriter final : public http::StreamWriter {
 public:
  Status Write(std::string_view data) override {
    out.append(data);
    if (out.size() >= http::ServerOptions{}.stream_chunk_bytes) sent_ = true;
    return OkStatus();
  }
  Status Flush() override {
    sent_ = true;
    return OkStatus();
  }
  bool sent() const { return sent_; }

  std::string out;

 private:
  bool sent_ = false;
};

}  // namespace

Reply Call(const http::Router& router, const std::string& method, const std::string& target,
           const Headers& headers, const std::string& body, const std::string& address) {
  std::vector<http::Field> fields(headers.begin(), headers.end());
  bool has_host = false;
  for (const auto& [name, value] : headers) has_host = has_host || ToLower(name) == "host";
  if (!has_host) fields.emplace_back("Host", "localhost");
  // As the server's connection does: the head's checks, then the target, then the router.
  Status checked = http::CheckRequestHeaders(fields, 11);
  Result<http::Request> request =
      http::Request::Create(method, target, std::move(fields), body, address);
  http::Response response;
  Reply r;
  if (!checked || !request) {
    response = http::ErrorResponse(checked ? request.error() : checked.error());
  } else {
    response = router.Dispatch(*request);
    r.audit = request->audit();
  }
  r.status = response.status();
  for (const auto& [name, value] : response.headers()) r.headers[ToLower(name)] = value;
  r.body = response.body();
  if (response.is_streaming()) {
    HeldStreamWriter w;
    Status produced = response.TakeProducer()(w);
    if (!produced && !w.sent()) {
      // Nothing went out yet: the server answers the producer's error instead.
      response = http::ErrorResponse(produced.error());
      r.status = response.status();
      r.headers.clear();
      for (const auto& [name, value] : response.headers()) r.headers[ToLower(name)] = value;
      r.body = response.body();
    } else {
      r.body = std::move(w.out);
      r.aborted = !produced;
      if (!produced) r.body += "\n<stream aborted: " + produced.error().message + ">";
    }
  }
  size_t start = 0;
  while (r.status / 100 == 2 && start < r.body.size()) {
    size_t end = r.body.find('\n', start);
    r.lines.push_back(nlohmann::json::parse(r.body.substr(start, end - start), nullptr, false));
    start = end == std::string::npos ? r.body.size() : end + 1;
  }
  return r;
}

void AppendAnnouncedFiles(std::vector<std::string>& lines, int first, int end) {
  for (int i = first; i < end; ++i) {
    delta::FileAction add;
    add.path = fmt::format("part-{:05}-{:0>40}.parquet", i, i);
    add.size = 1000 + i;
    add.modification_time = 1672531200000;
    add.data_change = true;
    add.stats = R"({"numRecords":10})";
    lines.push_back(delta::FileActionLine(add));
  }
}

Result<delta::TableWriter> CreateAnnouncedTable(SharingTestBed& bed, const std::string& name,
                                                int files) {
  LS_ASSIGN_OR_RETURN(delta::TableWriter writer, bed.CreateTable(name));
  delta::Metadata m = MetadataOf(name + "-id", {{"id", "long"}});
  m.configuration = {{"delta.enableChangeDataFeed", "true"}};
  std::vector<std::string> lines = {delta::ProtocolActionLine({}), delta::MetadataActionLine(m)};
  AppendAnnouncedFiles(lines, 0, files);
  LS_RETURN_IF_ERROR(writer.Commit(0, lines));
  return writer;
}

delta::Metadata MetadataOf(std::string id,
                           const std::vector<std::pair<std::string, std::string>>& columns) {
  delta::Metadata m;
  m.id = std::move(id);
  m.schema_string = delta::testing::SchemaString(columns);
  return m;
}

std::string SchemaStringOf(const std::vector<SchemaField>& fields) {
  nlohmann::json out = {{"type", "struct"}, {"fields", nlohmann::json::array()}};
  for (size_t i = 0; i < fields.size(); ++i) {
    const SchemaField& f = fields[i];
    nlohmann::json metadata = nlohmann::json::object();
    if (!f.physical.empty()) {
      metadata = {{"delta.columnMapping.id", i + 1},
                  {"delta.columnMapping.physicalName", f.physical}};
    }
    out["fields"].push_back(
        {{"name", f.name}, {"type", f.type}, {"nullable", true}, {"metadata", metadata}});
  }
  return out.dump();
}

MappedTable MappedTableOf(std::string id, std::string schema_string, int max_column_id) {
  MappedTable t;
  t.protocol.min_reader_version = 2;
  t.protocol.min_writer_version = 5;
  t.metadata.id = std::move(id);
  t.metadata.schema_string = std::move(schema_string);
  t.metadata.configuration = {{"delta.columnMapping.mode", "name"},
                              {"delta.columnMapping.maxColumnId", std::to_string(max_column_id)},
                              {"delta.enableChangeDataFeed", "true"}};
  return t;
}

SharingOptions LocalOptions(std::string signing_key) {
  SharingOptions options;
  options.public_url = "http://localhost";
  options.signing_key = std::move(signing_key);
  return options;
}

Result<std::unique_ptr<SharingService>> ServeOn(
    http::Router& router, std::shared_ptr<const ShareProvider> provider,
    std::shared_ptr<const auth::Authenticator> authenticator, SharingOptions options,
    http::MetricsRegistry* metrics) {
  LS_ASSIGN_OR_RETURN(std::unique_ptr<SharingService> service,
                      SharingService::Create(std::move(provider), std::move(authenticator),
                                             std::move(options), metrics));
  LS_RETURN_IF_ERROR(service->RegisterRoutes(router));
  router.SetAuthenticator(service->MakeAuthenticator());
  return service;
}

Result<std::unique_ptr<YamlShareProvider>> YamlProviderOf(const std::string& yaml) {
  LS_ASSIGN_OR_RETURN(SharingConfig config, ParseSharingConfig(yaml));
  return YamlShareProvider::Create(config);
}

Result<delta::FileAction> WriteRows(delta::TableWriter& writer, const std::string& path,
                                    const std::vector<std::pair<int64_t, std::string>>& rows,
                                    delta::StringMap partition) {
  LS_ASSIGN_OR_RETURN(
      parquet::WriterSchema schema,
      parquet::WriterSchema::Make(
          {parquet::Primitive("id", parquet::PhysicalType::kInt64),
           parquet::Primitive("name", parquet::PhysicalType::kByteArray, parquet::StringType())},
          "spark_schema"));
  parquet::RowShredder shredder(schema.schema());
  for (const auto& [id, name] : rows) {
    LS_RETURN_IF_ERROR(shredder.AddJsonLine(nlohmann::json{{"id", id}, {"name", name}}.dump()));
  }
  return writer.WriteDataFile(path, std::move(schema), {shredder.TakeColumns()},
                              std::move(partition));
}

Status SetCommitTime(const fs::path& table, int64_t version, int64_t ms) {
  const fs::path commit = table / "_delta_log" / fmt::format("{:020d}.json", version);
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = ms / 1000;
  times[0].tv_nsec = times[1].tv_nsec = (ms % 1000) * 1'000'000;
  if (::utimensat(AT_FDCWD, commit.c_str(), times, 0) != 0) {
    return MakeError(ErrorCode::kInternal, "cannot set the time of " + commit.string());
  }
  return OkStatus();
}

catalog::LocationPolicy TestLocationPolicy() {
  catalog::LocationPolicy policy;
  policy.canonicalize = storage::CanonicalLocationUri;
  return policy;
}

SharingTestBed::SharingTestBed() : dir_("lakeshare-sharing-test") {}

SharingTestBed::~SharingTestBed() {
  provider_.reset();
  auth_.reset();
  catalog_.reset();
}

Status SharingTestBed::Open() {
  LS_ASSIGN_OR_RETURN(catalog_, catalog::OpenCatalog((dir() / "metastore.db").string()));
  // Storage governance as the server sets it up: the tables lie under an external location.
  LS_RETURN_IF_ERROR(catalog_->SetLocationPolicy(TestLocationPolicy()));
  LS_RETURN_IF_ERROR(
      catalog_->CreateExternalLocation({.name = "local", .url = dir().string(), .owner = "admin"}));
  LS_RETURN_IF_ERROR(catalog_->CreateCatalog({.name = "main", .owner = "admin"}));
  LS_RETURN_IF_ERROR(
      catalog_->CreateSchema({.catalog_name = "main", .name = "s", .owner = "admin"}));
  provider_ = std::make_shared<MetastoreShareProvider>(*catalog_, MetastoreProviderOptions{});
  auth_ = std::make_shared<auth::RecipientAuthenticator>(*catalog_);
  return OkStatus();
}

Result<delta::TableWriter> SharingTestBed::CreateTable(const std::string& name) {
  const fs::path folder = dir() / name;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "cannot create " + folder.string());
  LS_ASSIGN_OR_RETURN(auto store, storage::LocalObjectStore::Open(folder.string()));
  LS_RETURN_IF_ERROR(catalog_->CreateTable({.catalog_name = "main",
                                            .schema_name = "s",
                                            .name = name,
                                            .storage_location = folder.string(),
                                            .owner = "admin"}));
  return delta::TableWriter(std::shared_ptr<storage::ObjectStore>(std::move(store)));
}

Status SharingTestBed::Share(const std::string& share,
                             std::vector<catalog::SharedDataObject> objects) {
  if (!catalog_->GetShare(share, false)) {
    LS_RETURN_IF_ERROR(catalog_->CreateShare({.name = share, .owner = "admin"}));
  }
  std::vector<catalog::SharedObjectChange> changes;
  for (auto& o : objects) {
    changes.push_back({catalog::SharedObjectChange::Action::kAdd, std::move(o)});
  }
  if (changes.empty()) return OkStatus();
  LS_RETURN_IF_ERROR(catalog_->UpdateShare(share, {}, changes, "admin"));
  return OkStatus();
}

Result<std::string> SharingTestBed::Recipient(const std::string& name,
                                              const std::vector<std::string>& shares,
                                              std::map<std::string, std::string> properties) {
  LS_RETURN_IF_ERROR(
      catalog_->CreateRecipient({.name = name, .owner = "admin", .properties = properties}));
  const std::string token = "token-of-" + name + "-0123456789abcdef0123456789abcdef";
  LS_RETURN_IF_ERROR(catalog_->AddRecipientToken(name, token, std::nullopt, "admin"));
  for (const auto& share : shares) {
    catalog::PermissionsChange change{.principal = name};
    change.add.push_back(catalog::Privilege::kSelect);
    LS_RETURN_IF_ERROR(
        catalog_->UpdatePermissions(catalog::SecurableType::kShare, share, {change}));
  }
  return "Bearer " + token;
}

Result<std::unique_ptr<SharingService>> SharingTestBed::Serve(
    SharingOptions options, http::Router& router, http::MetricsRegistry* metrics,
    std::shared_ptr<const ShareProvider> provider) {
  if (provider == nullptr) provider = provider_;
  return ServeOn(router, std::move(provider), auth_, std::move(options), metrics);
}

}  // namespace lakeshare::sharing::testing
