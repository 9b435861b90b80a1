#include "storage/object_store_contract_test.h"

#include <gmock/gmock.h>

#include <chrono>
#include <thread>
#include <vector>

namespace lakeshare::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Paths(const std::vector<ObjectInfo>& infos) {
  std::vector<std::string> out;
  for (const ObjectInfo& info : infos) out.push_back(info.path);
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string BinaryBytes() {
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>((i * 7919) % 256));
  return bytes;
}

TEST_P(ObjectStoreContractTest, PutThenReadRoundTripsBinaryBytes) {
  const std::string bytes = BinaryBytes();
  ASSERT_TRUE(store_->Put("dir/data.bin", bytes));
  auto read = store_->Read("dir/data.bin");
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, bytes);
  ASSERT_TRUE(store_->Put("empty", ""));
  EXPECT_EQ(store_->Read("empty").value_or("x"), "");
}

TEST_P(ObjectStoreContractTest, StatReportsSizeAndModificationTime) {
  ASSERT_TRUE(store_->Put("a/b.json", "12345"));
  auto info = store_->Stat("a/b.json");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->path, "a/b.json");
  EXPECT_EQ(info->size, 5);
  EXPECT_NEAR(static_cast<double>(info->last_modified_ms), static_cast<double>(NowMs()),
              10 * 60 * 1000.0);
}

TEST_P(ObjectStoreContractTest, MissingObjectsAreNotFound) {
  ASSERT_TRUE(store_->Put("present", "x"));
  EXPECT_EQ(store_->Read("absent").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ReadRange("absent", 0, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Stat("absent").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->OpenFile("absent").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Stat("present/below").error().code, ErrorCode::kNotFound);
  EXPECT_THAT(store_->Read("absent").error().message, HasSubstr("'absent'"));
}

TEST_P(ObjectStoreContractTest, ListIsRecursiveSortedAndFilteredByStringPrefix) {
  for (const char* path : {"b/x", "a/bc/d", "a/b/c.json", "a/b.json", "a0",
                           "_delta_log/00000000000000000002.json",
                           "_delta_log/00000000000000000001.json",
                           "_delta_log/00000000000000000001.checkpoint.parquet"}) {
    ASSERT_TRUE(store_->Put(path, path));
  }
  auto all = store_->List("");
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_THAT(Paths(*all),
              ElementsAre("_delta_log/00000000000000000001.checkpoint.parquet",
                          "_delta_log/00000000000000000001.json",
                          "_delta_log/00000000000000000002.json", "a/b.json", "a/b/c.json",
                          "a/bc/d", "a0", "b/x"));
  EXPECT_EQ((*all)[3].size, 8);
  EXPECT_THAT(Paths(store_->List("a/").value()), ElementsAre("a/b.json", "a/b/c.json", "a/bc/d"));
  EXPECT_THAT(Paths(store_->List("a/b").value()),
              ElementsAre("a/b.json", "a/b/c.json", "a/bc/d"));
  EXPECT_THAT(Paths(store_->List("a/b/").value()), ElementsAre("a/b/c.json"));
  EXPECT_THAT(Paths(store_->List("a").value()),
              ElementsAre("a/b.json", "a/b/c.json", "a/bc/d", "a0"));
  EXPECT_THAT(Paths(store_->List("nothing/").value()), IsEmpty());
  EXPECT_THAT(Paths(store_->List("b/x").value()), ElementsAre("b/x"));
}

TEST_P(ObjectStoreContractTest, ListStartsStrictlyAfterTheGivenPath) {
  for (int v = 0; v < 5; ++v) {
    ASSERT_TRUE(store_->Put(fmt::format("_delta_log/{:020}.json", v), "{}"));
  }
  auto listed = store_->List("_delta_log/", "_delta_log/00000000000000000002.json");
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  EXPECT_THAT(Paths(*listed), ElementsAre("_delta_log/00000000000000000003.json",
                                          "_delta_log/00000000000000000004.json"));
  // A start_after that is not itself a key, and one before the prefix.
  EXPECT_EQ(store_->List("_delta_log/", "_delta_log/00000000000000000003").value().size(), 2u);
  EXPECT_EQ(store_->List("_delta_log/", "A").value().size(), 5u);
  EXPECT_THAT(store_->List("_delta_log/", "_delta_log/z").value(), IsEmpty());
}

TEST_P(ObjectStoreContractTest, ReadRangeReturnsExactlyTheRequestedBytes) {
  const std::string bytes = BinaryBytes();
  ASSERT_TRUE(store_->Put("f", bytes));
  EXPECT_EQ(store_->ReadRange("f", 0, 10).value(), bytes.substr(0, 10));
  EXPECT_EQ(store_->ReadRange("f", 1234, 1000).value(), bytes.substr(1234, 1000));
  EXPECT_EQ(store_->ReadRange("f", 2990, 10).value(), bytes.substr(2990, 10));
  EXPECT_EQ(store_->ReadRange("f", 3000, 0).value(), "");
  EXPECT_EQ(store_->ReadRange("f", 2995, 10).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(store_->ReadRange("f", 3001, 0).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(store_->ReadRange("f", 5000, 10).error().code, ErrorCode::kCorrupt);
  EXPECT_FALSE(store_->ReadRange("f", -1, 10).has_value());
}

TEST_P(ObjectStoreContractTest, OpenFileReadsAtAnyOffset) {
  const std::string bytes = BinaryBytes();
  ASSERT_TRUE(store_->Put("dir/file.parquet", bytes));
  auto file = store_->OpenFile("dir/file.parquet");
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  EXPECT_EQ((*file)->size(), 3000);
  EXPECT_EQ((*file)->name(), "dir/file.parquet");
  EXPECT_EQ((*file)->Read(2992, 8).value(), bytes.substr(2992, 8));
  EXPECT_EQ((*file)->Read(0, 3000).value(), bytes);
  EXPECT_EQ((*file)->Read(17, 0).value(), "");
  EXPECT_EQ((*file)->Read(2999, 2).error().code, ErrorCode::kCorrupt);
  // The file outlives the store that opened it.
  store_.reset();
  EXPECT_EQ((*file)->Read(100, 4).value(), bytes.substr(100, 4));
}

TEST_P(ObjectStoreContractTest, PutOverwritesOrRefusesByMode) {
  ASSERT_TRUE(store_->Put("_delta_log/00000000000000000000.json", "first"));
  ASSERT_TRUE(store_->Put("_delta_log/00000000000000000000.json", "second"));
  EXPECT_EQ(store_->Read("_delta_log/00000000000000000000.json").value(), "second");
  auto refused =
      store_->Put("_delta_log/00000000000000000000.json", "third", PutMode::kCreateOnly);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->Read("_delta_log/00000000000000000000.json").value(), "second");
  ASSERT_TRUE(store_->Put("_delta_log/00000000000000000001.json", "new", PutMode::kCreateOnly));
  EXPECT_EQ(store_->Read("_delta_log/00000000000000000001.json").value(), "new");
}

TEST_P(ObjectStoreContractTest, DeleteRemovesAndIsIdempotent) {
  ASSERT_TRUE(store_->Put("d/x", "1"));
  ASSERT_TRUE(store_->Delete("d/x"));
  EXPECT_EQ(store_->Stat("d/x").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->Delete("d/x"));
  EXPECT_TRUE(store_->Delete("never/existed"));
}

TEST_P(ObjectStoreContractTest, RefusesPathTraversalAndMalformedPaths) {
  for (const char* bad : {"", "../x", "a/../../x", "..", "/etc/passwd", "a//b", "a/./b", "a/",
                          "./a"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(store_->Read(bad).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->Stat(bad).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->Put(bad, "x").error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->OpenFile(bad).error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(store_->List("../").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->List("a/../").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->List("/abs").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Read(std::string_view("a\0b", 3)).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(ObjectStoreContractTest, KeysWithSpacesUnicodeAndSpecialCharacters) {
  const std::vector<std::string> paths = {
      "dir with space/file name+plus=eq&amp;%25.json",
      "\xc3\xbcn\xc3\xaf\x63\xc3\xb8\x64\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.parquet",
      "weird/!'()*;:@$,[]{}~^`|\"<>?#.txt",
      "date=2024-01-01/part-00000-c000.snappy.parquet",
  };
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    ASSERT_TRUE(store_->Put(path, "v:" + path));
    EXPECT_EQ(store_->Read(path).value_or("<error>"), "v:" + path);
    EXPECT_EQ(store_->ReadRange(path, 2, 3).value_or("<error>"), path.substr(0, 3));
    EXPECT_EQ(store_->Stat(path).value().size, static_cast<int64_t>(path.size() + 2));
  }
  std::vector<std::string> sorted = paths;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Paths(store_->List("").value()), sorted);
  EXPECT_THAT(Paths(store_->List("dir with space/").value()),
              ElementsAre("dir with space/file name+plus=eq&amp;%25.json"));
}

TEST_P(ObjectStoreContractTest, ConcurrentReadsAndListsAreSafe) {
  const std::string bytes = BinaryBytes();
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(store_->Put(fmt::format("c/{}", i), bytes.substr(i, 1000)));
  }
  auto file = store_->OpenFile("c/0");
  ASSERT_TRUE(file.has_value());
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        int i = (t + round) % 8;
        if (store_->Read(fmt::format("c/{}", i)).value_or("") != bytes.substr(i, 1000)) {
          ++failures[t];
        }
        if ((*file)->Read(t * 100, 50).value_or("") != bytes.substr(t * 100, 50)) ++failures[t];
        if (store_->List("c/").value_or(std::vector<ObjectInfo>{}).size() != 8) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

TEST_P(ObjectStoreContractTest, UriNamesTheRoot) { EXPECT_FALSE(store_->uri().empty()); }

}  // namespace
}  // namespace lakeshare::storage
