#include "sharing/server_config.h"

#include <gtest/gtest.h>

namespace lakeshare::sharing {
namespace {

// The template of the reference server, unchanged.
constexpr const char* kReferenceTemplate = R"(
# The format version of this config file
version: 1
# Config shares/schemas/tables to share
shares:
- name: "share1"
  schemas:
  - name: "schema1"
    tables:
    - name: "table1"
      location: "s3a://<bucket-name>/<the-table-path>"
      id: "00000000-0000-0000-0000-000000000000"
    - name: "table2"
      location: "wasbs://<container-name>@<account-name}.blob.core.windows.net/<the-table-path>"
      id: "00000000-0000-0000-0000-000000000001"
- name: "share2"
  schemas:
  - name: "schema2"
    tables:
    - name: "table3"
      location: "abfss://<container-name>@<account-name}.dfs.core.windows.net/<the-table-path>"
      historyShared: true
      id: "00000000-0000-0000-0000-000000000002"
authorization:
  bearerToken: "<token>"
host: "localhost"
port: 8080
endpoint: "/delta-sharing"
preSignedUrlTimeoutSeconds: 3600
deltaTableCacheSize: 10
stalenessAcceptable: false
evaluatePredicateHints: false
evaluateJsonPredicateHints: true
)";

TEST(ServerConfigTest, AcceptsTheReferenceTemplate) {
  auto c = ParseSharingConfig(kReferenceTemplate);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->shares.size(), 2u);
  EXPECT_EQ(c->shares[0].schemas[0].tables[1].id, "00000000-0000-0000-0000-000000000001");
  EXPECT_TRUE(c->shares[1].schemas[0].tables[0].history_shared);
  EXPECT_TRUE(c->global_token_sha256.has_value());
  EXPECT_EQ(*c->global_token_sha256, DigestToken("<token>"));
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->endpoint, "/delta-sharing");
  EXPECT_FALSE(c->evaluate_predicate_hints);
  EXPECT_FALSE(c->open_access());
  // deltaTableCacheSize has no meaning here: a warning, not an error.
  EXPECT_EQ(c->warnings.size(), 1u);
}

TEST(ServerConfigTest, ExtensionsAreParsed) {
  auto c = ParseSharingConfig(R"(
version: 1
shares:
- name: s
  id: share-id
  schemas:
  - name: d
    tables:
    - name: t
      location: /data/t
      changeDataFeed: true
      startVersion: 3
      partitionFilter: '{"op":"equal","children":[{"op":"column","name":"c","valueType":"string"},{"op":"literal","value":"x","valueType":"string"}]}'
recipients:
- name: acme
  bearerToken: "0123456789abcdef-acme"
  shares: [S]
- name: all
  bearerTokenSha256: "0000000000000000000000000000000000000000000000000000000000000000"
  shares: "*"
signingKey: "a-long-enough-secret"
s3: {endpoint: "http://127.0.0.1:9000", addressing: path}
)");
  ASSERT_TRUE(c) << c.error().message;
  const TableConfig& t = c->shares[0].schemas[0].tables[0];
  EXPECT_TRUE(*t.change_data_feed);
  EXPECT_EQ(t.start_version, 3);
  EXPECT_FALSE(t.partition_filter.empty());
  ASSERT_EQ(c->recipients.size(), 2u);
  EXPECT_TRUE(c->recipients[1].all_shares);
  EXPECT_EQ(c->s3.addressing, "path");
  EXPECT_TRUE(c->warnings.empty());
}

TEST(ServerConfigTest, ErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  for (const Case& k : std::initializer_list<Case>{
           {"shares: []", "version"},
           {"version: 2", "version"},
           {"version: 1\nshares:\n- schemas: []", "shares[0].name"},
           {"version: 1\nshares:\n- name: a b", "shares[0].name"},
           {"version: 1\nshares:\n- name: s\n  schemas:\n  - name: d.x", "schemas[0].name"},
           {"version: 1\nshares:\n- name: s\n  schemas:\n  - name: d\n    tables:\n    - name: t",
            "location"},
           {"version: 1\nshares:\n- name: s\n- name: S", "duplicate"},
           {"version: 1\nport: http", "port"},
           {"version: 1\nrecipients:\n- name: r\n  bearerToken: 0123456789abcdefgh\n  shares: [x]",
            "unknown share"},
           {"version: 1\nrecipients:\n- name: default\n  bearerToken: 0123456789abcdefgh\n  "
            "shares: '*'",
            "reserved"},
           {"version: 1\nshares:\n- name: s\n  schemas:\n  - name: d\n    tables:\n    - name: "
            "t\n      location: x\n      partitionFilter: '{'",
            "partitionFilter"},
           {"version: [1", "YAML"},
       }) {
    auto c = ParseSharingConfig(k.yaml);
    ASSERT_FALSE(c) << k.yaml;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(c.error().message.find(k.expected), std::string::npos) << c.error().message;
  }
}

}  // namespace
}  // namespace lakeshare::sharing
