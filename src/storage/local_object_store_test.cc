#include "storage/local_object_store.h"

#include "common/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>

#include "common/result_testing.h"
#include "common/temp_dir.h"
#include "storage/memory_object_store.h"
#include "storage/object_store_contract_test.h"
#include "storage/s3_object_store.h"
#include "storage/storage_test_util.h"

namespace lakeshare::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::WriteFile;

using internal::BeneathResolver;

// Local stores get a fresh temporary root each; the TempDirs live until the binary exits, and are
// removed then (the stores, owned by the tests, are gone by that time).
std::unique_ptr<ObjectStore> MakeLocalStore(BeneathResolver resolver) {
  static std::vector<std::unique_ptr<TempDir>> dirs;
  dirs.push_back(std::make_unique<TempDir>());
  auto store = LocalObjectStore::OpenForTest(dirs.back()->path().string() + "/root", resolver);
  return store ? std::move(*store) : nullptr;
}

std::string NoOpenat2() {
  return internal::Openat2Available() ? "" : "openat2(2) is not available on this kernel";
}

INSTANTIATE_TEST_SUITE_P(
    Backends, ObjectStoreContractTest,
    ::testing::Values(
        StoreFactory{"LocalOpenat2", [] { return MakeLocalStore(BeneathResolver::kOpenat2); },
                     NoOpenat2},
        StoreFactory{"LocalWalk", [] { return MakeLocalStore(BeneathResolver::kWalk); }},
        StoreFactory{"Memory", [] { return std::make_unique<MemoryObjectStore>(); }}),
    StoreFactoryName);

std::vector<std::string> Paths(const std::vector<ObjectInfo>& infos) {
  std::vector<std::string> out;
  for (const ObjectInfo& info : infos) out.push_back(info.path);
  return out;
}

// Every local-store test runs with both resolvers (beneath_internal.h): openat2 where the kernel
// has it, and the O_NOFOLLOW walk used where it does not.
class LocalObjectStoreTest : public ::testing::TestWithParam<BeneathResolver> {
 protected:
  void SetUp() override {
    if (GetParam() == BeneathResolver::kOpenat2 && !internal::Openat2Available()) {
      GTEST_SKIP() << "openat2(2) is not available on this kernel";
    }
    root_ = dir_.path().string() + "/table";
    ASSERT_TRUE(std::filesystem::create_directories(root_));
    auto store = LocalObjectStore::OpenForTest(root_, GetParam());
    ASSERT_TRUE(store.has_value());
    store_ = std::move(*store);
  }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<LocalObjectStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Resolvers, LocalObjectStoreTest,
                         ::testing::Values(BeneathResolver::kOpenat2, BeneathResolver::kWalk),
                         [](const ::testing::TestParamInfo<BeneathResolver>& info) {
                           return info.param == BeneathResolver::kOpenat2 ? "Openat2" : "Walk";
                         });

TEST_P(LocalObjectStoreTest, ReadsFilesWrittenByOthers) {
  std::filesystem::create_directories(root_ + "/_delta_log");
  ASSERT_TRUE(WriteFile(root_ + "/_delta_log/00000000000000000000.json", "{\"protocol\":{}}"));
  EXPECT_EQ(store_->Read("_delta_log/00000000000000000000.json").value(), "{\"protocol\":{}}");
  EXPECT_THAT(Paths(store_->List("_delta_log/").value()),
              ElementsAre("_delta_log/00000000000000000000.json"));
}

TEST_P(LocalObjectStoreTest, CannotEscapeTheRoot) {
  ASSERT_TRUE(WriteFile(dir_.path().string() + "/secret.txt", "secret"));
  for (const char* path : {"../secret.txt", "_delta_log/../../secret.txt"}) {
    auto read = store_->Read(path);
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(read.error().message, HasSubstr("'..'"));
  }
  EXPECT_EQ(store_->Put("../evil", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir_.path().string() + "/evil"));
  EXPECT_EQ(store_->List("..").error().code, ErrorCode::kInvalidArgument);
}

TEST_P(LocalObjectStoreTest, ErrorMessagesDoNotRevealTheServerPath) {
  auto read = store_->Read("missing/file.parquet");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(read.error().message, HasSubstr("missing/file.parquet"));
  EXPECT_THAT(read.error().message, Not(HasSubstr(dir_.path().string())));
  EXPECT_THAT(store_->Stat("missing").error().message, Not(HasSubstr(dir_.path().string())));
  EXPECT_THAT(store_->OpenFile("missing").error().message, Not(HasSubstr(dir_.path().string())));
}

TEST_P(LocalObjectStoreTest, DirectoriesAndTemporaryFilesAreNotObjects) {
  std::filesystem::create_directories(root_ + "/empty_dir");
  std::filesystem::create_directories(root_ + "/d/sub");
  ASSERT_TRUE(WriteFile(root_ + "/d/" + std::string(LocalObjectStore::kTempPrefix) + "abc", "t"));
  ASSERT_TRUE(WriteFile(root_ + "/d/sub/f", "f"));
  EXPECT_THAT(Paths(store_->List("").value()), ElementsAre("d/sub/f"));
  EXPECT_EQ(store_->Stat("d").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Read("d/sub").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->OpenFile("empty_dir").error().code, ErrorCode::kNotFound);
}

TEST_P(LocalObjectStoreTest, PutLeavesNoTemporaryFilesBehind) {
  ASSERT_TRUE(store_->Put("a/b/c", "1"));
  ASSERT_TRUE(store_->Put("a/b/c", "2"));
  EXPECT_FALSE(store_->Put("a/b/c", "3", PutMode::kCreateOnly).has_value());
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root_ + "/a/b")) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/a/b/c").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_P(LocalObjectStoreTest, StreamedObjectsAppearOnlyOnCommit) {
  const std::string big(3 << 20, 'x');  // past the writer's buffer
  {
    auto w = store_->OpenWriter("s/obj");
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->Append("head"));
    ASSERT_TRUE((*w)->Append(big));
    ASSERT_TRUE((*w)->Append("tail"));
    EXPECT_EQ(store_->Stat("s/obj").error().code, ErrorCode::kNotFound);
    ASSERT_TRUE((*w)->Commit());
    EXPECT_FALSE((*w)->Append("late").has_value());
  }
  EXPECT_EQ(store_->Read("s/obj").value(), "head" + big + "tail");
  {
    auto w = store_->OpenWriter("s/abandoned");
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->Append("never committed"));
  }
  EXPECT_EQ(store_->Stat("s/abandoned").error().code, ErrorCode::kNotFound);
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root_ + "/s")) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);  // no temporary file left behind
  EXPECT_EQ(store_->OpenWriter("../evil").error().code, ErrorCode::kInvalidArgument);
}

TEST_P(LocalObjectStoreTest, PutIntoAPathBlockedByAFileFails) {
  ASSERT_TRUE(store_->Put("file", "x"));
  auto status = store_->Put("file/child", "y");
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message, Not(HasSubstr(dir_.path().string())));
}

// Issue 10, item 1: a team's table folder whose data files are symlinks to the server's admin
// token, its metastore and /etc/shadow served all three.
TEST_P(LocalObjectStoreTest, SymlinksOutOfTheRootAreNeitherListedNorOpened) {
  ASSERT_TRUE(WriteFile(dir_.path().string() + "/admin-token", "secret-token"));
  std::filesystem::create_directories(dir_.path().string() + "/outside_dir");
  ASSERT_TRUE(WriteFile(dir_.path().string() + "/outside_dir/x", "x"));
  std::filesystem::create_directories(root_ + "/_delta_log");
  std::filesystem::create_symlink(dir_.path().string() + "/admin-token", root_ + "/part-0.parquet");
  std::filesystem::create_symlink("../admin-token", root_ + "/part-1.parquet");
  std::filesystem::create_symlink("/etc/passwd", root_ + "/part-2.parquet");
  std::filesystem::create_directory_symlink(dir_.path().string() + "/outside_dir",
                                            root_ + "/link_dir");
  std::filesystem::create_directory_symlink(root_, root_ + "/loop");
  ASSERT_TRUE(store_->Put("real.parquet", "data"));
  EXPECT_THAT(Paths(store_->List("").value()), ElementsAre("real.parquet"));
  EXPECT_THAT(Paths(store_->List("link_dir/").value()), ElementsAre());
  EXPECT_THAT(Paths(store_->List("loop/").value()), ElementsAre());
  for (const char* path : {"part-0.parquet", "part-1.parquet", "part-2.parquet", "link_dir/x",
                           "loop/real.parquet"}) {
    SCOPED_TRACE(path);
    auto read = store_->Read(path);
    ASSERT_FALSE(read.has_value()) << *read;
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
    EXPECT_THAT(read.error().message, HasSubstr("symbolic links are not followed"));
    EXPECT_THAT(read.error().message, Not(HasSubstr(dir_.path().string())));
    EXPECT_EQ(store_->ReadRange(path, 0, 1).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store_->Stat(path).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store_->OpenFile(path).error().code, ErrorCode::kNotFound);
  }
  EXPECT_EQ(store_->Read("real.parquet").value(), "data");
}

// Decision (local_object_store.h): links that stay inside the root are refused as well.
TEST_P(LocalObjectStoreTest, SymlinksInsideTheRootAreNotFollowedEither) {
  ASSERT_TRUE(store_->Put("data/real.parquet", "data"));
  std::filesystem::create_symlink("real.parquet", root_ + "/data/alias.parquet");
  std::filesystem::create_directory_symlink("data", root_ + "/data_alias");
  EXPECT_THAT(Paths(store_->List("").value()), ElementsAre("data/real.parquet"));
  EXPECT_EQ(store_->Read("data/alias.parquet").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Read("data_alias/real.parquet").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Stat("data/alias.parquet").error().code, ErrorCode::kNotFound);
}

TEST_P(LocalObjectStoreTest, WritesAndDeletesDoNotGoThroughSymlinks) {
  std::filesystem::create_directories(dir_.path().string() + "/outside_dir");
  ASSERT_TRUE(WriteFile(dir_.path().string() + "/outside_dir/keep", "keep"));
  ASSERT_TRUE(WriteFile(dir_.path().string() + "/outside.txt", "o"));
  std::filesystem::create_directory_symlink(dir_.path().string() + "/outside_dir",
                                            root_ + "/link_dir");
  std::filesystem::create_symlink(dir_.path().string() + "/outside.txt", root_ + "/link.txt");
  auto put = store_->Put("link_dir/evil", "x");
  ASSERT_FALSE(put.has_value());
  EXPECT_THAT(put.error().message, Not(HasSubstr(dir_.path().string())));
  EXPECT_FALSE(std::filesystem::exists(dir_.path().string() + "/outside_dir/evil"));
  // Overwriting a link replaces the link, never writes its target.
  ASSERT_TRUE(store_->Put("link.txt", "new"));
  EXPECT_EQ(store_->Read("link.txt").value(), "new");
  std::ifstream outside(dir_.path().string() + "/outside.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(outside), {}), "o");
  EXPECT_TRUE(store_->Delete("link_dir/keep"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path().string() + "/outside_dir/keep"));
}

// A table folder swapped for a link to another team's table after it was registered: a store
// opened on the registered (resolved) root with local_root_without_symlinks refuses the link on
// its own path; by default the operator's links above the root are followed.
TEST_P(LocalObjectStoreTest, RootWithoutSymlinksRefusesALinkOnTheRootsPath) {
  const std::string other = dir_.path().string() + "/other";
  std::filesystem::create_directories(other + "/_delta_log");
  ASSERT_TRUE(WriteFile(other + "/_delta_log/00000000000000000000.json", "theirs"));
  std::filesystem::create_directories(dir_.path().string() + "/team");
  const std::string swapped = dir_.path().string() + "/team/t";
  ASSERT_EQ(::symlink(other.c_str(), swapped.c_str()), 0);
  StoreOptions strict;
  strict.local_root_without_symlinks = true;
  auto store = LocalObjectStore::OpenForTest(swapped, GetParam(), strict);
  ASSERT_TRUE(store.has_value());
  auto read = (*store)->Read("_delta_log/00000000000000000000.json");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_THAT((*store)->List("").value(), ::testing::IsEmpty());
  EXPECT_EQ((*store)->Stat("_delta_log/00000000000000000000.json").error().code,
            ErrorCode::kNotFound);
  EXPECT_FALSE((*store)->OpenFile("_delta_log/00000000000000000000.json").has_value());
  // A link higher up the path is refused too.
  const std::string via_parent = dir_.path().string() + "/linked-parent";
  ASSERT_EQ(::symlink(dir_.path().c_str(), via_parent.c_str()), 0);
  auto above = LocalObjectStore::OpenForTest(via_parent + "/other", GetParam(), strict);
  ASSERT_TRUE(above.has_value());
  EXPECT_EQ((*above)->Read("_delta_log/00000000000000000000.json").error().code,
            ErrorCode::kNotFound);
  // The same root without symlinks on its path reads; the default follows the links.
  auto direct = LocalObjectStore::OpenForTest(other, GetParam(), strict);
  ASSERT_TRUE(direct.has_value());
  EXPECT_EQ((*direct)->Read("_delta_log/00000000000000000000.json").value(), "theirs");
  auto lenient = LocalObjectStore::OpenForTest(swapped, GetParam());
  ASSERT_TRUE(lenient.has_value());
  EXPECT_EQ((*lenient)->Read("_delta_log/00000000000000000000.json").value(), "theirs");
}

// A FIFO would block a reading thread forever; it is not an object.
TEST_P(LocalObjectStoreTest, FifosAreNotObjectsAndDoNotBlock) {
  ASSERT_EQ(::mkfifo((root_ + "/pipe.parquet").c_str(), 0644), 0);
  EXPECT_THAT(Paths(store_->List("").value()), ElementsAre());
  EXPECT_EQ(store_->Read("pipe.parquet").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->OpenFile("pipe.parquet").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Stat("pipe.parquet").error().code, ErrorCode::kNotFound);
}

// A Delta log may name a file the filesystem cannot hold (a segment over NAME_MAX, a path over
// PATH_MAX): such an object does not exist. It was kUnavailable (503 + Retry-After), which made
// connectors retry a download that can never succeed.
TEST_P(LocalObjectStoreTest, NamesLongerThanTheFilesystemAllowsAreNotFound) {
  for (const std::string& path : {std::string(300, 'a'), "d/" + std::string(256, 'b') + "/f",
                                  std::string(5000, 'c').replace(1, 1, "/")}) {
    EXPECT_TRUE(FailsWith(store_->Read(path), ErrorCode::kNotFound)) << path.size();
    EXPECT_TRUE(FailsWith(store_->OpenFile(path), ErrorCode::kNotFound)) << path.size();
    EXPECT_TRUE(FailsWith(store_->Stat(path), ErrorCode::kNotFound)) << path.size();
    EXPECT_TRUE(FailsWith(store_->ReadRange(path, 0, 1), ErrorCode::kNotFound)) << path.size();
  }
}

TEST_P(LocalObjectStoreTest, ControlCharactersInPathsAreRefused) {
  ASSERT_TRUE(WriteFile(root_ + "/a\nb", "x"));
  EXPECT_THAT(Paths(store_->List("").value()), ElementsAre());
  for (std::string path : {std::string("a\nb"), std::string("a\0b", 3), std::string("x\x7f")}) {
    auto read = store_->Read(path);
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(read.error().message, HasSubstr("control character"));
    EXPECT_THAT(read.error().message, Not(HasSubstr(path)));
  }
}

TEST_P(LocalObjectStoreTest, ConcurrentCreateOnlyPutsHaveExactlyOneWinner) {
  std::vector<std::thread> threads;
  std::atomic<int> winners{0};
  std::atomic<int> losers{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto status = store_->Put("_delta_log/00000000000000000007.json", std::to_string(t),
                                PutMode::kCreateOnly);
      if (status) {
        ++winners;
      } else if (status.error().code == ErrorCode::kAlreadyExists) {
        ++losers;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(losers.load(), 7);
}

TEST_P(LocalObjectStoreTest, ModificationTimeComesFromTheFilesystem) {
  ASSERT_TRUE(store_->Put("f", "x"));
  std::filesystem::last_write_time(
      root_ + "/f", std::filesystem::file_time_type::clock::now() - std::chrono::hours(48));
  auto info = store_->Stat("f").value();
  auto listed = store_->List("f").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], info);
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_NEAR(static_cast<double>(now_ms - info.last_modified_ms), 48 * 3600 * 1000.0, 60000.0);
}

TEST_P(LocalObjectStoreTest, PresignIsUnsupported) {
  ASSERT_TRUE(store_->Put("f", "x"));
  EXPECT_EQ(store_->PresignGet("f", 60).error().code, ErrorCode::kUnsupported);
}

TEST(OpenObjectStoreTest, AcceptsFileUrisAndPlainPaths) {
  TempDir dir;
  const std::string root = dir.path().string();
  ASSERT_TRUE(WriteFile(root + "/x.json", "x"));
  for (const std::string& uri : {"file://" + root, "file:" + root, "file://localhost" + root, root,
                                 root + "/", "FILE://" + root + "/./"}) {
    SCOPED_TRACE(uri);
    auto store = OpenObjectStore(uri);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    EXPECT_EQ((*store)->Read("x.json").value_or(""), "x");
    EXPECT_EQ((*store)->uri(), "file://" + root);
  }
}

TEST(OpenObjectStoreTest, DecodesPercentEscapesInFileUris) {
  TempDir dir;
  std::filesystem::create_directories(dir.path().string() + "/my table");
  ASSERT_TRUE(WriteFile(dir.path().string() + "/my table/x", "y"));
  auto store = OpenObjectStore("file://" + dir.path().string() + "/my%20table");
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ((*store)->Read("x").value_or(""), "y");
  EXPECT_EQ((*store)->uri(), "file://" + dir.path().string() + "/my%20table");
  EXPECT_EQ(OpenObjectStore("file:///tmp/%zz").error().code, ErrorCode::kInvalidArgument);
}

TEST(OpenObjectStoreTest, ResolvesRelativePathsAgainstTheWorkingDirectory) {
  auto store = OpenObjectStore("some/relative/dir");
  ASSERT_TRUE(store.has_value());
  auto* local = dynamic_cast<LocalObjectStore*>(store->get());
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->root(), std::filesystem::current_path().string() + "/some/relative/dir");
}

TEST(OpenObjectStoreTest, OpensS3Locations) {
  StoreOptions options;
  options.use_environment = false;
  for (const char* uri : {"s3://bucket/path/to/table", "s3a://bucket/path/to/table/",
                          "S3://bucket/path/to/table"}) {
    auto store = OpenObjectStore(uri, options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    EXPECT_NE(dynamic_cast<S3ObjectStore*>(store->get()), nullptr);
    EXPECT_EQ((*store)->uri(), "s3://bucket/path/to/table");
  }
}

TEST(OpenObjectStoreTest, RejectsUnsupportedAndMalformedLocations) {
  EXPECT_EQ(OpenObjectStore("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("gs://bucket/x").error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(OpenObjectStore("abfss://c@a.dfs.core.windows.net/x").error().code,
            ErrorCode::kUnsupported);
  EXPECT_EQ(OpenObjectStore("file://otherhost/x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("file://evil.example/etc").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore(std::string("/tmp/a\0b", 8)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("file:///x/%zz").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("file:///x/%2e%2e/etc").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("file:relative").error().code, ErrorCode::kInvalidArgument);
  StoreOptions options;
  options.use_environment = false;
  EXPECT_EQ(OpenObjectStore("s3://", options).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("s3://bad bucket/x", options).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("s3://bucket/a/../b", options).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(PathRulesTest, ValidateAndDecode) {
  EXPECT_TRUE(ValidateObjectPath("a/b.c"));
  EXPECT_TRUE(ValidateObjectPath("...hidden/..x/x.."));
  EXPECT_FALSE(ValidateObjectPath("a/"));
  EXPECT_TRUE(ValidateListPrefix(""));
  EXPECT_TRUE(ValidateListPrefix("a/"));
  EXPECT_TRUE(ValidateListPrefix("a/b"));
  EXPECT_FALSE(ValidateListPrefix("a//"));
  EXPECT_EQ(PercentDecode("a%20b+c%2B%c3%bc").value(), "a b+c+\xc3\xbc");
  EXPECT_EQ(PercentDecode("a+b", true).value(), "a b");
  EXPECT_FALSE(PercentDecode("%2").has_value());
  EXPECT_FALSE(PercentDecode("%g0").has_value());
}

// The rule in words (object_store.h), checked against every path of up to 7 bytes over the bytes
// that matter to it, so the one-pass fast check cannot drift from it: relative, no control byte,
// no empty, "." or ".." segment; a listing prefix may also be empty or end with '/'. Refusals
// keep their messages (the first refused thing found).
TEST(PathRulesTest, EveryShortPathFollowsTheRule) {
  auto rule = [](std::string_view path, bool prefix) {
    if (prefix && path.empty()) return true;
    if (path.empty() || path.front() == '/') return false;
    for (unsigned char c : path) {
      if (c < 0x20 || c == 0x7f) return false;
    }
    if (prefix && path.back() == '/') path.remove_suffix(1);
    size_t start = 0;
    while (true) {
      size_t end = std::min(path.find('/', start), path.size());
      std::string_view segment = path.substr(start, end - start);
      if (segment.empty() || segment == "." || segment == "..") return false;
      if (end == path.size()) return true;
      start = end + 1;
    }
  };
  const std::string alphabet("a./\x01\x7f~", 6);
  std::string path;
  size_t checked = 0;
  size_t suffix_from = 0;
  std::function<void()> visit = [&] {
    ++checked;
    ASSERT_EQ(ValidateObjectPath(path).has_value(), rule(path, false))
        << testing::PrintToString(path);
    ASSERT_EQ(ValidateListPrefix(path).has_value(), rule(path, true))
        << testing::PrintToString(path);
    if (path.size() == suffix_from + 7) return;
    for (char c : alphabet) {
      path.push_back(c);
      visit();
      path.pop_back();
    }
  };
  // The paths alone, then after prefixes that put them across the 8-byte words the fast check
  // reads.
  for (std::string prefix : {"", "abcde/", "a.b/..c/d.e..f"}) {
    path = prefix;
    suffix_from = prefix.size();
    visit();
  }
  EXPECT_EQ(checked, 3 * 335923u);  // 1 + 6 + ... + 6^7 each
  std::mt19937 random(13);
  for (int i = 0; i < 100000; ++i) {
    path.assign(random() % 40, 'a');
    for (char& c : path) {  // mostly plain paths; a control byte now and then
      c = random() % 64 == 0 ? alphabet[3 + random() % 2] : "a./~"[random() % 4];
    }
    ASSERT_EQ(ValidateObjectPath(path).has_value(), rule(path, false))
        << testing::PrintToString(path);
    ASSERT_EQ(ValidateListPrefix(path).has_value(), rule(path, true))
        << testing::PrintToString(path);
  }
  // Longer paths: the control-byte check runs over many bytes at a time.
  const std::string body(40, 'x');
  for (size_t at = 0; at < body.size(); ++at) {
    for (char control : {'\x01', '\x1f', '\x7f', '\0'}) {
      std::string path = body + "/" + body;
      path[at] = control;
      EXPECT_FALSE(ValidateObjectPath(path)) << at;
      path[path.size() - 1 - at] = control;
      EXPECT_FALSE(ValidateObjectPath(path)) << at;
    }
  }
  EXPECT_TRUE(ValidateObjectPath(body + "/" + body + "/..."));
  EXPECT_TRUE(ValidateListPrefix(body + "/" + body + "/"));
  EXPECT_FALSE(ValidateObjectPath(body + "/../" + body));
  EXPECT_FALSE(ValidateObjectPath(body + "/./" + body));
  EXPECT_FALSE(ValidateObjectPath(body + "//" + body));
  EXPECT_FALSE(ValidateObjectPath(body + "/.."));
  EXPECT_FALSE(ValidateListPrefix(body + "/../"));
  EXPECT_NE(ValidateObjectPath("a/\x01/..").error().message.find("control character"),
            std::string::npos);
  EXPECT_NE(ValidateObjectPath("/a/..").error().message.find("relative"), std::string::npos);
  EXPECT_NE(ValidateObjectPath("a/../b").error().message.find("'..'"), std::string::npos);
  EXPECT_NE(ValidateObjectPath("a//b").error().message.find("empty path segment"),
            std::string::npos);
}

// MtimeMs multiplied a file's seconds by 1000 in int64: a modification time far in the future or
// past, which the file's owner sets (tmpfs keeps 64-bit seconds), overflowed (undefined
// behaviour, a wrapped time in practice); it saturates.
TEST(LocalObjectStoreMtimeTest, FileTimesPastTheRangeOfMillisecondsSaturate) {
  char pattern[] = "/dev/shm/lakeshare-mtime-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    GTEST_SKIP() << "no /dev/shm to keep a 64-bit file time";
  }
  const std::string root = pattern;
  struct RemoveAll {
    std::string path;
    ~RemoveAll() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } cleanup{root};
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  struct Case {
    int64_t seconds;
    long nanoseconds;
    int64_t want_ms;
  };
  const Case cases[] = {
      {kMax / 1000 + 1, 0, kMax},
      {kMax / 1000, 999'000'000, kMax},  // 192 ms past INT64_MAX
      {kMax / 1000, 807'000'000, kMax},  // exactly INT64_MAX
      {kMax / 1000, 0, kMax / 1000 * 1000},
      {kMin / 1000 - 1, 0, kMin},
      {1'700'000'000, 123'456'789, 1'700'000'000'123},
  };
  auto store = OpenObjectStore(root);
  ASSERT_TRUE(store) << store.error().message;
  for (const Case& c : cases) {
    const std::string file = root + "/f";
    ASSERT_TRUE(WriteFile(file, "x"));
    const struct timespec times[2] = {{0, UTIME_OMIT}, {c.seconds, c.nanoseconds}};
    ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0) << std::strerror(errno);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    if (st.st_mtim.tv_sec != c.seconds) {
      GTEST_SKIP() << "this filesystem clamps file times";
    }
    auto info = (*store)->Stat("f");
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->last_modified_ms, c.want_ms) << c.seconds;
    auto listed = (*store)->List("");
    ASSERT_TRUE(listed && listed->size() == 1u);
    EXPECT_EQ((*listed)[0].last_modified_ms, c.want_ms) << c.seconds;
  }
}

}  // namespace
}  // namespace lakeshare::storage
