#include "materialize/materializer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "materialize/materialize_test_util.h"
#include "storage/storage_test_util.h"

namespace lakeshare::materialize {
namespace {

using parquet::PhysicalType;

class MaterializerTest : public testing::MemoryTableTest {
 protected:
  MaterializerTest() {
    transform_ = std::make_shared<Transform>();
    transform_->schema_string =
        R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]})";
    transform_->columns = {"id"};
  }

  // A data file of ids first..first+n-1 and the request for it.
  FileRequest Request(const std::string& path, int first, int n) {
    std::vector<std::string> rows;
    for (int i = first; i < first + n; ++i) rows.push_back(fmt::format(R"({{"id":{}}})", i));
    const delta::FileAction add =
        WriteDataFile(path, {parquet::Primitive("id", PhysicalType::kInt64)}, rows);
    FileRequest r;
    r.table_store = table_;
    r.table_key = TableKey(*table_, "t");
    r.file.path = path;
    r.file.size = add.size.value_or(0);
    r.transform = transform_;
    r.transform_id = transform_->Identity();
    r.for_whom = "acme";
    return r;
  }

  MaterializerOptions Options(int threads) {
    MaterializerOptions o;
    o.cache = cache_;
    o.threads = threads;
    o.clock = &clock_;
    o.on_event = [this](const MaterializeEvent& e) {
      if (e.kind == MaterializeEvent::Kind::kBuilt) ++built_;
      if (e.kind == MaterializeEvent::Kind::kReused) ++reused_;
      if (e.kind == MaterializeEvent::Kind::kFailed) ++failed_;
    };
    return o;
  }

  std::shared_ptr<Transform> transform_;
  std::atomic<int> built_{0}, reused_{0}, failed_{0};
};

// One data file belongs to every version until it is removed; under column mapping those
// versions may call its columns otherwise (RENAME COLUMN), and the rewrite names them as its
// schema does: its identity holds the schema. Without column mapping it does not (names are the
// file's own), so the ids of such tables stay what they were.
TEST(TransformIdentityTest, UnderColumnMappingTheSchemaIsPartOfTheIdentity) {
  const auto schema = [](const std::string& name) {
    return R"({"type":"struct","fields":[{"name":")" + name +
           R"(","type":"string","nullable":true,"metadata":{"delta.columnMapping.physicalName":"col-1"}}]})";
  };
  Transform before;
  before.column_mapping_mode = "name";
  before.schema_string = schema("email");
  Transform after = before;
  after.schema_string = schema("contact");
  EXPECT_NE(before.Identity(), after.Identity());
  before.column_mapping_mode = after.column_mapping_mode = "none";
  EXPECT_EQ(before.Identity(), after.Identity());
  EXPECT_EQ(before.Identity(), "compat/v1/mapping=none/columns=");
}

// Only what names the output is in the identity (issue: e6d85b2 hashed the whole schema, so a
// comment on a column-mapped table rewrote every file again, and time travel rewrote each file
// once per distinct schema): a comment or a nullability change keeps the identity, a rename (top
// level or nested), a new physical column under a kept name, or a reordering changes it; a column
// added outside the column list keeps it.
TEST(TransformIdentityTest, UnderColumnMappingOnlyWhatNamesTheOutputIsPartOfTheIdentity) {
  struct F {
    std::string name, physical, extra = "", type = R"("string")";
  };
  const auto schema = [](const std::vector<F>& fields) {
    std::string out = R"({"type":"struct","fields":[)";
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ",";
      out += R"({"name":")" + fields[i].name + R"(","type":)" + fields[i].type +
             R"(,"nullable":true,"metadata":{)" + fields[i].extra +
             R"("delta.columnMapping.id":)" + std::to_string(i + 1) +
             R"(,"delta.columnMapping.physicalName":")" + fields[i].physical + R"("}})";
    }
    return out + "]}";
  };
  const std::string nested_b = R"({"type":"struct","fields":[{"name":"b","type":"long",)"
                               R"("nullable":true,"metadata":{"delta.columnMapping.id":9,)"
                               R"("delta.columnMapping.physicalName":"col-9"}}]})";
  const std::string nested_c = R"({"type":"struct","fields":[{"name":"c","type":"long",)"
                               R"("nullable":true,"metadata":{"delta.columnMapping.id":9,)"
                               R"("delta.columnMapping.physicalName":"col-9"}}]})";
  Transform base;
  base.column_mapping_mode = "name";
  base.schema_string = schema({{"id", "col-1"}, {"contact", "col-2"}, {"s", "col-3", "", nested_b}});
  const auto with = [&](const std::string& schema_string) {
    Transform t = base;
    t.schema_string = schema_string;
    return t.Identity();
  };
  // A comment, a nullability change.
  EXPECT_EQ(base.Identity(), with(schema({{"id", "col-1"},
                                          {"contact", "col-2", R"("comment":"PII",)"},
                                          {"s", "col-3", "", nested_b}})));
  std::string not_null = base.schema_string;
  not_null.replace(not_null.find(R"("nullable":true)"), 15, R"("nullable":false)");
  EXPECT_EQ(base.Identity(), with(not_null));
  // A rename, a nested rename, a re-added column (new physical name), a reordering.
  EXPECT_NE(base.Identity(),
            with(schema({{"id", "col-1"}, {"email", "col-2"}, {"s", "col-3", "", nested_b}})));
  EXPECT_NE(base.Identity(),
            with(schema({{"id", "col-1"}, {"contact", "col-2"}, {"s", "col-3", "", nested_c}})));
  EXPECT_NE(base.Identity(),
            with(schema({{"id", "col-1"}, {"contact", "col-5"}, {"s", "col-3", "", nested_b}})));
  EXPECT_NE(base.Identity(),
            with(schema({{"contact", "col-2"}, {"id", "col-1"}, {"s", "col-3", "", nested_b}})));
  // With a column list, a column added outside it.
  base.columns = {"id", "contact"};
  EXPECT_EQ(base.Identity(), with(schema({{"id", "col-1"},
                                          {"contact", "col-2"},
                                          {"s", "col-3", "", nested_b},
                                          {"phone", "col-4"}})));
  EXPECT_NE(base.Identity(),
            with(schema({{"id", "col-1"}, {"contact", "col-4"}, {"s", "col-3", "", nested_b}})));
}

TEST_F(MaterializerTest, ConcurrentRequestsForOneFileBuildItOnce) {
  auto m = Materializer::Create(Options(2));
  ASSERT_TRUE(m);
  const FileRequest r = Request("a.parquet", 0, 1000);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto f = (*m)->Get(r);
      if (f && f->rows == 1000 && f->path == r.CachePath()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(built_.load(), 1);
  EXPECT_TRUE(cache_->Stat(r.CachePath()));
  // Another process (a new materializer on the same cache) finds the entry instead of building.
  auto other = Materializer::Create(Options(0));
  ASSERT_TRUE(other);
  auto again = (*other)->Get(r);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rows, 1000);
  EXPECT_EQ(built_.load(), 1);
  EXPECT_EQ(reused_.load(), 1);
}

TEST_F(MaterializerTest, PrepareBuildsEveryMissingFileOnTheWorkers) {
  auto m = Materializer::Create(Options(2));
  ASSERT_TRUE(m);
  std::vector<FileRequest> rs;
  for (int i = 0; i < 6; ++i) rs.push_back(Request(fmt::format("f{}.parquet", i), i * 10, 10));
  rs.push_back(rs[0]);  // duplicates count once
  auto out = (*m)->Prepare(rs, std::chrono::minutes(5));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->files, 6);
  EXPECT_EQ(out->pending, 0);
  EXPECT_EQ(built_.load(), 6);
  // Everything is in the index now: a second Prepare builds and reads nothing.
  auto second = (*m)->Prepare(rs, std::chrono::milliseconds(0));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->pending, 0);
  EXPECT_EQ(built_.load() + reused_.load(), 6);
}

TEST_F(MaterializerTest, AFailedFileFailsThePrepareWithItsError) {
  auto m = Materializer::Create(Options(2));
  ASSERT_TRUE(m);
  std::vector<FileRequest> rs{Request("good.parquet", 0, 5)};
  FileRequest missing = rs[0];
  missing.file.path = "missing.parquet";
  rs.push_back(missing);
  auto out = (*m)->Prepare(rs, std::chrono::minutes(5));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kNotFound);
  EXPECT_GE(failed_.load(), 1);
  // A file outside the table is refused before anything is read.
  missing.file.path = "../other/x.parquet";
  auto outside = (*m)->Get(missing);
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().code, ErrorCode::kInternal);
}

// A retry or an asynchronous query's poll learns of a failure at once (even one that ended after
// its own wait) instead of starting the same failing build again; after failure_memory it is
// tried again.
TEST_F(MaterializerTest, AFailureIsTheAnswerForAWhileThenTriedAgain) {
  auto m = Materializer::Create(Options(2));
  ASSERT_TRUE(m);
  FileRequest missing = Request("good.parquet", 0, 5);
  missing.file.path = "missing.parquet";
  auto first = (*m)->Prepare({missing}, std::chrono::minutes(5));
  ASSERT_FALSE(first);
  ASSERT_EQ(failed_.load(), 1);
  auto retry = (*m)->Prepare({missing}, std::chrono::milliseconds(0));
  ASSERT_FALSE(retry);
  EXPECT_EQ(retry.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(retry.error().message, first.error().message);
  EXPECT_EQ(failed_.load(), 1);  // not built again
  // The memory is timed on the monotonic clock: a wall clock set an hour forward does not end it.
  clock_.SetNowMs(clock_.NowMs() + 3'600'000);
  auto after_jump = (*m)->Prepare({missing}, std::chrono::milliseconds(0));
  ASSERT_FALSE(after_jump);
  EXPECT_EQ(after_jump.error().message, first.error().message);
  EXPECT_EQ(failed_.load(), 1);
  clock_.Advance(60'001);
  auto later = (*m)->Prepare({missing}, std::chrono::minutes(5));
  ASSERT_FALSE(later);
  EXPECT_EQ(failed_.load(), 2);  // tried again
}

TEST_F(MaterializerTest, TheCacheEvictsTheLeastRecentlyUsedEntriesNotInUse) {
  MaterializerOptions o = Options(0);
  o.max_entries = 2;
  o.in_use_for = std::chrono::seconds(10);
  auto m = Materializer::Create(o);
  ASSERT_TRUE(m);
  const FileRequest a = Request("a.parquet", 0, 10), b = Request("b.parquet", 10, 10),
                    c = Request("c.parquet", 20, 10), d = Request("d.parquet", 30, 10),
                    e = Request("e.parquet", 40, 10);
  ASSERT_TRUE((*m)->Get(a));
  clock_.Advance(20'000);
  ASSERT_TRUE((*m)->Get(b));
  clock_.Advance(20'000);
  ASSERT_TRUE((*m)->Get(a));  // a hit: a is now more recent than b
  EXPECT_EQ((*m)->stats().hits, 1);
  clock_.Advance(20'000);
  ASSERT_TRUE((*m)->Get(c));  // b, the least recently used, goes
  EXPECT_FALSE(cache_->Stat(b.CachePath()));
  EXPECT_TRUE(cache_->Stat(a.CachePath()));
  EXPECT_TRUE(cache_->Stat(c.CachePath()));
  EXPECT_EQ((*m)->stats().evictions, 1);
  EXPECT_EQ((*m)->stats().entries, 2);
  // d at once: c was handed out just now (in use), a 20 s ago (not): a goes.
  ASSERT_TRUE((*m)->Get(d));
  EXPECT_FALSE(cache_->Stat(a.CachePath()));
  EXPECT_TRUE(cache_->Stat(c.CachePath()));
  // e at once: c and d are both in use, so e is refused (retryable), and nothing is deleted.
  auto refused = (*m)->Get(e);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(cache_->Stat(c.CachePath()));
  EXPECT_TRUE(cache_->Stat(d.CachePath()));
  EXPECT_FALSE(cache_->Stat(e.CachePath()));
  EXPECT_EQ((*m)->stats().refused, 1);
  // Once their URLs expired, e fits.
  clock_.Advance(20'000);
  auto later = (*m)->Get(e);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(later->rows, 10);
  EXPECT_EQ((*m)->stats().entries, 2);
  // An evicted entry asked for again is rebuilt, with the same rows.
  clock_.Advance(20'000);
  const int before = built_.load();
  auto again = (*m)->Get(b);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rows, 10);
  EXPECT_EQ(built_.load(), before + 1);
}

// A cache store whose deletes fail while `fail_deletes` is set (an unreachable bucket, a folder
// made read-only), everything else forwarded to a memory store.
class FailingDeleteStore final : public storage::testing_util::ForwardingObjectStore {
 public:
  using ForwardingObjectStore::ForwardingObjectStore;
  Status Delete(std::string_view p) override {
    if (fail_deletes) return Errorf(ErrorCode::kUnavailable, "the cache store is unreachable");
    return ForwardingObjectStore::Delete(p);
  }
  std::atomic<bool> fail_deletes{false};
};

TEST_F(MaterializerTest, AFailedEvictionIsCountedAndNotTakenForDone) {
  auto store = std::make_shared<FailingDeleteStore>(cache_);
  MaterializerOptions o = Options(0);
  o.cache = store;
  o.max_entries = 2;
  o.in_use_for = std::chrono::seconds(10);
  std::atomic<int> reported{0};
  o.on_event = [&](const MaterializeEvent& e) {
    if (e.kind != MaterializeEvent::Kind::kEvictionFailed) return;
    ++reported;
    EXPECT_NE(e.error.find("unreachable"), std::string::npos);
    EXPECT_FALSE(e.cache_path.empty());
  };
  auto m = Materializer::Create(o);
  ASSERT_TRUE(m);
  const FileRequest a = Request("a.parquet", 0, 10), b = Request("b.parquet", 10, 10),
                    c = Request("c.parquet", 20, 10);
  ASSERT_TRUE((*m)->Get(a));
  clock_.Advance(20'000);
  ASSERT_TRUE((*m)->Get(b));
  clock_.Advance(20'000);
  // c needs a's room; a's delete fails: a stays and counts, so c is refused (retryable).
  store->fail_deletes = true;
  auto refused = (*m)->Get(c);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(cache_->Stat(a.CachePath()));
  EXPECT_FALSE(cache_->Stat(c.CachePath()));
  CacheStats stats = (*m)->stats();
  EXPECT_EQ(stats.evictions, 0);
  EXPECT_EQ(stats.eviction_failures, 1);
  EXPECT_EQ(stats.entries, 2);
  EXPECT_EQ(stats.refused, 1);
  EXPECT_EQ(reported.load(), 1);
  // a is still served, from the cache store.
  auto still = (*m)->Get(a);
  ASSERT_TRUE(still) << still.error().message;
  EXPECT_EQ(still->rows, 10);
  // Deletes work again: b (not in use) goes, a (just used) stays, c fits.
  store->fail_deletes = false;
  auto later = (*m)->Get(c);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_FALSE(cache_->Stat(b.CachePath()));
  EXPECT_TRUE(cache_->Stat(a.CachePath()));
  stats = (*m)->stats();
  EXPECT_EQ(stats.evictions, 1);
  EXPECT_EQ(stats.eviction_failures, 1);
  EXPECT_EQ(stats.entries, 2);
}

TEST_F(MaterializerTest, TheByteBoundCountsEntriesOfEarlierRuns) {
  const FileRequest a = Request("a.parquet", 0, 100), b = Request("b.parquet", 100, 100);
  {
    auto m = Materializer::Create(Options(0));
    ASSERT_TRUE(m);
    ASSERT_TRUE((*m)->Get(a));
    ASSERT_TRUE((*m)->Get(b));
    EXPECT_EQ((*m)->stats().entries, 2);
  }
  // A new process finds both entries (their files and JSON) and counts their bytes.
  auto files = cache_->List("");
  ASSERT_TRUE(files);
  int64_t on_disk = 0;
  for (const auto& f : *files) on_disk += f.size;
  // Entries of earlier runs were last used when written (the store's clock: the test's).
  clock_.Advance(1'000);
  MaterializerOptions o = Options(0);
  o.in_use_for = std::chrono::milliseconds(0);
  o.max_bytes = on_disk;  // full: the next new entry evicts
  auto m = Materializer::Create(o);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->stats().entries, 2);
  EXPECT_EQ((*m)->stats().bytes, on_disk);
  auto found = (*m)->Get(b);  // reused from the store, not rebuilt
  ASSERT_TRUE(found);
  EXPECT_EQ(found->rows, 100);
  EXPECT_EQ(built_.load(), 2);
  EXPECT_EQ(reused_.load(), 1);
  clock_.Advance(1'000);
  auto c = (*m)->Get(Request("c.parquet", 200, 100));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(cache_->Stat(a.CachePath()));  // the least recently used
  EXPECT_LE((*m)->stats().bytes, on_disk);
  EXPECT_GE((*m)->stats().evictions, 1);
}

// The audit's view (ledger.h): every request is told what happened to each of its files,
// including a cache hit served to a second recipient and a failure.
TEST_F(MaterializerTest, EachRequestsLedgerRecordsItsFilesWhoeverBuiltThem) {
  auto m = Materializer::Create(Options(2));
  ASSERT_TRUE(m);
  FileRequest a = Request("a.parquet", 0, 10), b = Request("b.parquet", 10, 10);
  FileRequest missing = a;
  missing.file.path = "missing.parquet";
  auto first = std::make_shared<Ledger>(std::map<std::string, std::string>{{"for", "acme"}});
  a.ledger = b.ledger = missing.ledger = first;
  auto prepared = (*m)->Prepare({a, b}, std::chrono::minutes(5));
  ASSERT_TRUE(prepared) << prepared.error().message;
  ASSERT_TRUE((*m)->Get(a));  // the stream's Get after Prepare: still one entry, built
  ASSERT_FALSE((*m)->Get(missing));
  auto s1 = nlohmann::json::parse(first->SummaryJson());
  EXPECT_EQ(s1["files"], 3);
  EXPECT_EQ(s1["built"], 2);
  EXPECT_EQ(s1["failed"], 1);
  EXPECT_EQ(s1["rowsWritten"], 20);
  EXPECT_EQ(s1["listed"][0]["path"], "missing.parquet");
  // A second recipient of the same transform is served the cached files: attributed to it.
  auto second = std::make_shared<Ledger>(std::map<std::string, std::string>{{"for", "globex"}});
  a.ledger = b.ledger = second;
  a.for_whom = b.for_whom = "globex";
  ASSERT_TRUE((*m)->Get(a));
  ASSERT_TRUE((*m)->Get(b));
  auto s2 = nlohmann::json::parse(second->SummaryJson());
  EXPECT_EQ(s2["files"], 2);
  EXPECT_EQ(s2["cached"], 2);
  EXPECT_EQ(s2["built"], 0);
  EXPECT_EQ(s2["bytesServed"].get<int64_t>(), s1["bytesServed"].get<int64_t>());
  EXPECT_EQ(built_.load(), 2);
}

}  // namespace
}  // namespace lakeshare::materialize
