// The protocol's error table as data (issue 13): every row of testdata/protocol_errors.tsv is one
// request sent through the router of ProtocolTest (protocol_test_fixture.h) and the status,
// errorCode and a piece of the message it must get. The file's header comment says the format.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/strings.h"
#include "sharing/protocol_test_fixture.h"

namespace lakeshare::sharing::testing {
namespace {

struct Row {
  int line = 0;
  std::string name, as, method, target, headers, body;
  int status = 0;
  std::string code, message;
};

/// `<<N*text>>` is `text` N times (N at most 10,000,000); `${people}`, `${events}`, `${nohist}`
/// and `${shares}` are the fixture's paths.
std::string Expand(std::string text) {
  const std::vector<std::pair<std::string, std::string>> vars = {{"${people}", kPeople},
                                                                 {"${events}", kEvents},
                                                                 {"${nohist}", kNoHist},
                                                                 {"${shares}", kShares}};
  for (const auto& [name, value] : vars) {
    for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at)) {
      text.replace(at, name.size(), value);
      at += value.size();
    }
  }
  static const std::regex repeat(R"(<<(\d+)\*(.*?)>>)");
  std::string out;
  std::smatch m;
  std::string rest = text;
  while (std::regex_search(rest, m, repeat)) {
    out += m.prefix();
    const long n = std::stol(m[1]);
    EXPECT_LE(n, 10'000'000) << text;
    for (long i = 0; i < n && i < 10'000'000; ++i) out += m[2];
    rest = m.suffix();
  }
  return out + rest;
}

std::vector<Row> LoadRows() {
  const std::string path =
      std::string(LAKESHARE_SOURCE_DIR) + "/src/sharing/testdata/protocol_errors.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<Row> rows;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) f.push_back(cell);
    if (f.size() != 9) {
      ADD_FAILURE() << path << ":" << n << ": 9 tab-separated columns expected, got " << f.size();
      continue;
    }
    Row r{.line = n,
          .name = f[0],
          .as = f[1],
          .method = f[2],
          .target = f[3],
          .headers = f[4],
          .body = f[5],
          .status = std::atoi(f[6].c_str()),
          .code = f[7],
          .message = f[8]};
    rows.push_back(std::move(r));
  }
  return rows;
}

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

std::string TestName(const ::testing::TestParamInfo<Row>& info) {
  std::string out = "L" + std::to_string(info.param.line) + "_";
  for (char c : info.param.name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

class ProtocolErrorTest : public ProtocolTest, public ::testing::WithParamInterface<Row> {};

TEST_P(ProtocolErrorTest, GetsItsStatusErrorCodeAndMessage) {
  const Row& row = GetParam();
  Headers headers;
  if (row.headers != "-") {
    for (std::string_view h : Split(row.headers, '|')) {
      while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
      while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
      const size_t colon = h.find(": ");
      ASSERT_NE(colon, std::string::npos) << "a header is 'Name: value': " << h;
      headers.emplace_back(std::string(h.substr(0, colon)),
                           Expand(std::string(h.substr(colon + 2))));
    }
  }
  std::string auth;
  if (row.as == "alice") {
    auth = alice_;
  } else if (row.as == "bob") {
    auth = bob_;
  } else {
    ASSERT_EQ(row.as, "none") << "'as' is alice, bob or none";
  }
  const std::string body = row.body == "-" ? "" : Expand(row.body);
  Reply r = As(auth, row.method, Expand(row.target), body, headers);
  EXPECT_EQ(r.status, row.status) << row.name << ": " << r.body.substr(0, 500);
  // The error shape of the protocol: {"errorCode": ..., "message": ...}, JSON.
  EXPECT_EQ(r.Header("content-type").rfind("application/json", 0), 0u) << row.name;
  nlohmann::json j = r.Json();
  ASSERT_TRUE(j.is_object()) << row.name << ": " << r.body.substr(0, 500);
  EXPECT_EQ(j.value("errorCode", ""), row.code) << row.name << ": " << r.body.substr(0, 500);
  ASSERT_TRUE(j["message"].is_string()) << row.name;
  EXPECT_NE(j["message"].get<std::string>().find(row.message), std::string::npos)
      << row.name << ": '" << row.message << "' not in " << j["message"];
  // Nothing of the caller's credential comes back.
  if (!auth.empty()) {
    EXPECT_EQ(r.body.find(auth.substr(7)), std::string::npos) << row.name;
  }
}

// The table is there and whole (an unreadable file would leave the suite without rows).
TEST(ProtocolErrorTable, IsReadWithEveryRow) { EXPECT_GE(LoadRows().size(), 90u); }

INSTANTIATE_TEST_SUITE_P(Table, ProtocolErrorTest, ::testing::ValuesIn(LoadRows()), TestName);

}  // namespace
}  // namespace lakeshare::sharing::testing
