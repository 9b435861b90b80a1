// The change-feed stream (sharing/changes_endpoint.cc, ChangeStream) over a commit larger than a
// part of the pulled body: an error in a later commit, after the first part went out, ends the
// body with an endStreamAction that says so (for a client that asked for one) or cuts it; the
// same error before anything went out is a normal error reply; a page cut inside a commit
// resumes at its next action, and pages of any size concatenate to the unpaged answer (a resumed
// page takes the commit it starts in from the table's commit timeline). In process
// (sharing_test_util.h's Call reads a pulled body a part at a time, as the server sends it).
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "delta/table_writer.h"
#include "sharing/sharing_test_util.h"

// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::sharing::testing {
namespace {

constexpr char kChanges[] = "/delta-sharing/shares/s/schemas/main/tables/big/changes";
constexpr int kFiles = 2'000;  // their lines are about 800 KB: several parts

// A bed with table `main.s.<table>` shared as `main.<table>` in share "s" (history and change
// data feed on) to recipient alice, served on router_.
class SharedTableTest : public ::testing::Test {
 protected:
  void ShareAndServe(const std::string& table) {
    ASSERT_TRUE(bed_.Share("s", {{.name = "main.s." + table,
                                  .shared_as = "main." + table,
                                  .history_data_sharing_status = "ENABLED",
                                  .cdf_enabled = true}}));
    auto alice = bed_.Recipient("alice", {"s"});
    ASSERT_TRUE(alice) << alice.error().message;
    alice_ = *alice;
    auto service = bed_.Serve(LocalOptions("change-stream-test-signing-key-0123456789"), router_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  SharingTestBed bed_;
  std::string alice_;
  http::Router router_;
  std::unique_ptr<SharingService> service_;
};

class ChangeStreamTest : public SharedTableTest {
 protected:
  // Version 0: kFiles files, change data feed on; version 1: one more file; version 2: change
  // data feed turned off (the feed refuses ranges that reach it).
  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    auto created = CreateAnnouncedTable(bed_, "big", kFiles);
    ASSERT_TRUE(created) << created.error().message;
    std::vector<std::string> lines;
    AppendAnnouncedFiles(lines, kFiles, kFiles + 1);
    ASSERT_TRUE(created->Commit(1, lines));
    delta::Metadata m = MetadataOf("big-id", {{"id", "long"}});
    m.configuration = {{"delta.enableChangeDataFeed", "false"}};
    ASSERT_TRUE(created->Commit(2, {delta::MetadataActionLine(m)}));
    ASSERT_NO_FATAL_FAILURE(ShareAndServe("big"));
  }

  Reply Get(const std::string& query, bool end_stream) {
    Headers headers = {{"Authorization", alice_}};
    if (end_stream) {
      headers.emplace_back("delta-sharing-capabilities", "includeendstreamaction=true");
    }
    return Call(router_, "GET", std::string(kChanges) + "?" + query, headers);
  }

  // The paths of the file lines of `r` (every line but the head and an endStreamAction).
  static std::vector<std::string> Paths(const Reply& r) {
    std::vector<std::string> paths;
    for (const nlohmann::json& line : r.lines) {
      for (const char* wrapper : {"add", "remove", "cdf"}) {
        if (line.contains(wrapper)) paths.push_back(line[wrapper]["url"].get<std::string>());
      }
    }
    return paths;
  }
};

TEST_F(ChangeStreamTest, AnErrorAfterTheFirstPartEndsWithAnEndStreamActionThatSaysSo) {
  Reply r = Get("startingVersion=0", /*end_stream=*/true);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.aborted);
  ASSERT_EQ(r.lines.size(), 2u + kFiles + 1 + 1);  // head, versions 0 and 1, the end
  EXPECT_EQ(Paths(r).size(), kFiles + 1u);
  const nlohmann::json& end = r.lines.back();
  ASSERT_TRUE(end.contains("endStreamAction")) << end.dump();
  EXPECT_THAT(end["endStreamAction"]["errorMessage"].get<std::string>(),
              ::testing::HasSubstr("Change data feed is not enabled for table version 2"));
}

TEST_F(ChangeStreamTest, AnErrorAfterTheFirstPartCutsTheBodyOfAClientThatAskedForNoEnd) {
  Reply r = Get("startingVersion=0", /*end_stream=*/false);
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.aborted);
  EXPECT_THAT(r.body, ::testing::HasSubstr("not enabled for table version 2"));
  EXPECT_THAT(r.body, ::testing::Not(::testing::HasSubstr("endStreamAction")));
}

TEST_F(ChangeStreamTest, AnErrorBeforeAnythingWentOutIsAnErrorReply) {
  for (bool end_stream : {false, true}) {
    Reply r = Get("startingVersion=1", end_stream);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Json()["errorCode"], "UNSUPPORTED_OPERATION") << r.body;
    EXPECT_THAT(r.Json()["message"].get<std::string>(),
                ::testing::HasSubstr("not enabled for table version 2"));
  }
}

// Pages of 700 files over versions 0 and 1: cut twice inside version 0, the last page holds the
// rest of it and version 1; every file once, in order.
TEST_F(ChangeStreamTest, PagesCutInsideACommitResumeAtItsNextAction) {
  Reply whole = Get("startingVersion=0&endingVersion=1", false);
  ASSERT_EQ(whole.status, 200);
  const std::vector<std::string> all = Paths(whole);
  ASSERT_EQ(all.size(), kFiles + 1u);
  std::vector<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    std::string query = "startingVersion=0&endingVersion=1&maxFiles=700";
    if (!token.empty()) query += "&pageToken=" + token;
    Reply page = Get(query, false);
    ASSERT_EQ(page.status, 200) << page.body;
    ASSERT_FALSE(page.lines.empty());
    const std::vector<std::string> paths = Paths(page);
    EXPECT_LE(paths.size(), 700u);
    paged.insert(paged.end(), paths.begin(), paths.end());
    const nlohmann::json& end = page.lines.back()["endStreamAction"];
    token = end.contains("nextPageToken") ? end["nextPageToken"].get<std::string>() : "";
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(paged.size(), all.size());
  // URLs are signed per request: compare the file names.
  for (size_t i = 0; i < std::min(paged.size(), all.size()); ++i) {
    const std::string name = fmt::format("part-{:05}-", i);
    EXPECT_THAT(paged[i], ::testing::HasSubstr(name)) << i;
    EXPECT_THAT(all[i], ::testing::HasSubstr(name)) << i;
  }
}

// A table of a few commits of about 200 file actions each: adds and removes (version 1), then
// adds, removes and cdc files (version 2: the change feed serves its cdc files, a streaming
// /query its adds and removes).
class ChangePagesTest : public SharedTableTest {
 protected:
  static constexpr int kAdds = 150;
  static constexpr int kRemoves = 50;
  static constexpr int kCdc = 200;

  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    auto created = CreateAnnouncedTable(bed_, "t", kRemoves);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(created->Commit(1, DataCommit(1000)));
    std::vector<std::string> v2 = DataCommit(2000);
    for (int i = 0; i < kCdc; ++i) {
      v2.push_back(Action(delta::FileActionType::kCdc, fmt::format("_change_data/c-{:03}", i)));
    }
    ASSERT_TRUE(created->Commit(2, v2));
    ASSERT_NO_FATAL_FAILURE(ShareAndServe("t"));
  }

  static std::string Action(delta::FileActionType type, const std::string& path) {
    delta::FileAction a;
    a.type = type;
    a.path = path;
    a.size = 100;
    a.data_change = true;
    if (type == delta::FileActionType::kRemove) a.deletion_timestamp = 5;
    if (type == delta::FileActionType::kAdd) a.modification_time = 1;
    return delta::FileActionLine(a);
  }

  // kAdds adds of new files (named from `first`) and kRemoves removes of the files of version 0.
  static std::vector<std::string> DataCommit(int first) {
    std::vector<std::string> lines;
    AppendAnnouncedFiles(lines, first, first + kAdds);
    for (int i = 0; i < kRemoves; ++i) {
      lines.push_back(
          Action(delta::FileActionType::kRemove, fmt::format("part-{:05}-{:0>40}.parquet", i, i)));
    }
    return lines;
  }

  // The file lines of an answer without what differs between two requests (the signature and
  // expiry of each URL).
  static std::vector<std::string> FileLines(const Reply& r) {
    std::vector<std::string> out;
    for (nlohmann::json line : r.lines) {
      for (const char* wrapper : {"add", "remove", "cdf"}) {
        if (!line.contains(wrapper)) continue;
        nlohmann::json& f = line[wrapper];
        const std::string url = f["url"].get<std::string>();
        f["url"] = url.substr(0, url.find('?'));
        f.erase("expirationTimestamp");
        out.push_back(line.dump());
      }
    }
    return out;
  }

  // Every page of `request` (a /changes query or a /query body) with maxFiles `max_files`.
  std::vector<std::string> Pages(bool changes, int max_files, int* pages) {
    std::vector<std::string> all;
    std::string token;
    *pages = 0;
    do {
      Reply page = Get(changes, max_files, token);
      EXPECT_EQ(page.status, 200) << page.body;
      if (page.status != 200 || page.lines.empty()) break;
      const std::vector<std::string> lines = FileLines(page);
      EXPECT_LE(lines.size(), static_cast<size_t>(max_files));
      all.insert(all.end(), lines.begin(), lines.end());
      const nlohmann::json& end = page.lines.back()["endStreamAction"];
      token = end.contains("nextPageToken") ? end["nextPageToken"].get<std::string>() : "";
      ++*pages;
    } while (!token.empty() && *pages < 2000);
    return all;
  }

  Reply Get(bool changes, int max_files, const std::string& token) {
    const std::string table = "/delta-sharing/shares/s/schemas/main/tables/t/";
    Headers headers = {{"Authorization", alice_}};
    if (changes) {
      std::string query = "startingVersion=0&endingVersion=2";
      if (max_files > 0) query += fmt::format("&maxFiles={}", max_files);
      if (!token.empty()) query += "&pageToken=" + token;
      return Call(router_, "GET", table + "changes?" + query, headers);
    }
    nlohmann::json body = {{"startingVersion", 0}, {"endingVersion", 2}};
    if (max_files > 0) body["maxFiles"] = max_files;
    if (!token.empty()) body["pageToken"] = token;
    headers.emplace_back("Content-Type", "application/json");
    return Call(router_, "POST", table + "query", headers, body.dump());
  }
};

TEST_F(ChangePagesTest, PagesOfOneOrSevenFilesConcatenateToTheUnpagedAnswer) {
  for (const bool changes : {true, false}) {
    Reply whole = Get(changes, 0, "");
    ASSERT_EQ(whole.status, 200) << whole.body;
    const std::vector<std::string> all = FileLines(whole);
    // Version 0's adds, version 1's adds and removes, then version 2's cdc files (the change
    // feed) or its adds and removes (a streaming query).
    ASSERT_EQ(all.size(),
              changes ? kRemoves + kAdds + kRemoves + kCdc : kRemoves + 2 * (kAdds + kRemoves));
    for (const int max_files : {1, 7}) {
      int pages = 0;
      EXPECT_EQ(Pages(changes, max_files, &pages), all) << changes << " " << max_files;
      EXPECT_EQ(pages, static_cast<int>((all.size() + max_files - 1) / max_files))
          << changes << " " << max_files;
    }
  }
}

}  // namespace
}  // namespace lakeshare::sharing::testing
