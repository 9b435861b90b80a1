// Every Delta Sharing endpoint in process (issue 13): listings with their pages, share, version,
// metadata in both formats, query (snapshot, time travel, streaming ranges, hints, pages, async),
// changes. The refusals are a data table: protocol_errors_test.cc. The world:
// protocol_test_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "sharing/protocol_audit_internal.h"
#include "sharing/protocol_test_fixture.h"

namespace lakeshare::sharing::testing {
namespace {

using nlohmann::json;

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

std::vector<std::string> Names(const json& items, const char* member = "name") {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i[member].get<std::string>());
  return out;
}

/// The lines holding `kind` ("file", "add", "remove", "cdf", ...).
std::vector<json> Of(const Reply& r, const std::string& kind) {
  std::vector<json> out;
  for (const auto& l : r.lines) {
    if (l.contains(kind)) out.push_back(l[kind]);
  }
  return out;
}

/// Every page of a listing, following nextPageToken with maxResults=`n`; the pages' items.
std::vector<std::string> AllPages(ProtocolTest& t, const std::string& target, int n, int* pages) {
  std::vector<std::string> names;
  std::string token;
  *pages = 0;
  for (int guard = 0; guard < 20; ++guard) {
    std::string url = target + "?maxResults=" + std::to_string(n);
    if (!token.empty()) url += "&pageToken=" + token;
    Reply r = t.Get(url);
    EXPECT_EQ(r.status, 200) << r.body;
    json body = r.Json();
    ++*pages;
    for (const auto& i : body.value("items", json::array())) {
      names.push_back(i.contains("schema")
                          ? i["schema"].get<std::string>() + "." + i["name"].get<std::string>()
                          : i["name"].get<std::string>());
    }
    if (!body.contains("nextPageToken")) break;
    token = body["nextPageToken"].get<std::string>();
  }
  return names;
}

TEST_F(ProtocolTest, ListSharesPagesWithMaxResultsAndNextPageToken) {
  Reply r = Get(kShares);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type").rfind("application/json", 0), 0u);
  json body = r.Json();
  EXPECT_EQ(Names(body["items"]), (std::vector<std::string>{"demo", "plain", "zz_last"}));
  for (const auto& s : body["items"]) {
    EXPECT_TRUE(std::regex_match(s["id"].get<std::string>(), kUuid)) << s;
  }
  EXPECT_FALSE(body.contains("nextPageToken"));
  int pages = 0;
  EXPECT_EQ(AllPages(*this, kShares, 1, &pages),
            (std::vector<std::string>{"demo", "plain", "zz_last"}));
  EXPECT_EQ(pages, 3);
  // maxResults=0: no items, but a token that says more exist.
  json none = Get(std::string(kShares) + "?maxResults=0").Json();
  EXPECT_EQ(none["items"], json::array());
  ASSERT_TRUE(none.contains("nextPageToken")) << none;
  json rest = Get(std::string(kShares) +
                  "?maxResults=5&pageToken=" + none["nextPageToken"].get<std::string>())
                  .Json();
  EXPECT_EQ(rest["items"].size(), 3u) << rest;
  // Each recipient lists only its own shares.
  EXPECT_EQ(Names(As(bob_, "GET", kShares).Json()["items"]), std::vector<std::string>{"partners"});
}

TEST_F(ProtocolTest, ShareSchemasTablesAndAllTables) {
  Reply share = Get(std::string(kShares) + "/DEMO");  // names are case-insensitive
  ASSERT_EQ(share.status, 200) << share.body;
  EXPECT_EQ(share.Json()["share"]["name"], "demo");
  EXPECT_TRUE(std::regex_match(share.Json()["share"]["id"].get<std::string>(), kUuid));
  json schemas = Get(std::string(kShares) + "/demo/schemas").Json();
  EXPECT_EQ(schemas["items"], json::parse(R"([{"name":"main","share":"demo"}])"));
  json tables = Get(std::string(kShares) + "/demo/schemas/main/tables").Json();
  ASSERT_EQ(Names(tables["items"]), (std::vector<std::string>{"events", "people"})) << tables;
  std::set<std::string> ids;
  for (const auto& t : tables["items"]) {
    EXPECT_EQ(t["share"], "demo");
    EXPECT_EQ(t["schema"], "main");
    EXPECT_TRUE(std::regex_match(t["id"].get<std::string>(), kUuid)) << t;
    EXPECT_TRUE(std::regex_match(t["shareId"].get<std::string>(), kUuid)) << t;
    EXPECT_FALSE(t.contains("location")) << t;  // never sent to clients
    ids.insert(t["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 2u);
  int pages = 0;
  EXPECT_EQ(AllPages(*this, std::string(kShares) + "/demo/all-tables", 1, &pages),
            (std::vector<std::string>{"main.events", "main.people"}));
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(AllPages(*this, std::string(kShares) + "/demo/schemas/main/tables", 1, &pages),
            (std::vector<std::string>{"main.events", "main.people"}));
  // An empty share: no schemas, no tables.
  Reply empty = Get(std::string(kShares) + "/zz_last/schemas");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.Json().value("items", json::array()), json::array());
  EXPECT_EQ(Get(std::string(kShares) + "/zz_last/all-tables").Json().value("items", json::array()),
            json::array());
}

TEST_F(ProtocolTest, PageTokensAreBoundToTheirListingAndTheirCaller) {
  const std::string token =
      Get(std::string(kShares) + "?maxResults=1").Json()["nextPageToken"].get<std::string>();
  EXPECT_EQ(Get(std::string(kShares) + "?pageToken=" + token).status, 200);
  EXPECT_EQ(Get(std::string(kShares) + "/demo/schemas?pageToken=" + token).status, 400);
  EXPECT_EQ(As(bob_, "GET", std::string(kShares) + "?pageToken=" + token).status, 400);
  std::string tampered = token;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  Reply r = Get(std::string(kShares) + "?pageToken=" + tampered);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["errorCode"], "INVALID_PARAMETER_VALUE") << r.body;
}

TEST_F(ProtocolTest, TableVersionAndStartingTimestamp) {
  Reply v = Get(std::string(kPeople) + "/version");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.Header("delta-table-version"), "3");
  // The legacy HEAD on the table itself.
  Reply head = As(alice_, "HEAD", "/delta-sharing/shares/Demo/schemas/Main/tables/People");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("delta-table-version"), "3");
  auto at = [&](const std::string& ts) {
    return Get(std::string(kPeople) + "/version?startingTimestamp=" + ts);
  };
  EXPECT_EQ(at(Iso(kT0 + kHour)).Header("delta-table-version"), "1");
  EXPECT_EQ(at(Iso(kT0 + kHour + 1000)).Header("delta-table-version"), "2");
  EXPECT_EQ(at(Iso(kT0 - 10 * kHour)).Header("delta-table-version"), "0");
  EXPECT_EQ(at(Iso(kT0 + 10 * kHour)).status, 400);  // after the latest commit
}

TEST_F(ProtocolTest, MetadataInBothResponseFormatsWithTheCapabilitiesHeader) {
  Reply r = Get(std::string(kPeople) + "/metadata");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("delta-table-version"), "3");
  EXPECT_EQ(r.Header("delta-sharing-capabilities"), "responseformat=parquet");
  EXPECT_EQ(r.Header("content-type").rfind("application/x-ndjson", 0), 0u);
  ASSERT_EQ(r.lines.size(), 2u) << r.body;
  EXPECT_EQ(r.lines[0], json::parse(R"({"protocol":{"minReaderVersion":1}})"));
  const json& md = r.lines[1]["metaData"];
  EXPECT_EQ(md["id"], "people-id");
  EXPECT_EQ(md["format"], json::parse(R"({"provider":"parquet"})"));
  EXPECT_EQ(md["partitionColumns"], json::parse(R"(["country"])"));
  EXPECT_EQ(md["configuration"], json::parse(R"({"enableChangeDataFeed":"true"})"));
  EXPECT_FALSE(md.contains("version"));
  // Time travel names the version in the metaData line.
  Reply v1 = Get(std::string(kPeople) + "/metadata?version=1");
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(v1.Header("delta-table-version"), "1");
  EXPECT_EQ(v1.lines.at(1)["metaData"]["version"], 1);
  Reply ts = Get(std::string(kPeople) + "/metadata?timestamp=" + Iso(kT0 + 2 * kHour + 5000));
  EXPECT_EQ(ts.Header("delta-table-version"), "2");
  // The delta format, when asked for.
  Reply d = Get(std::string(kPeople) + "/metadata",
                {{"delta-sharing-capabilities", "responseformat=delta"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.Header("delta-sharing-capabilities"), "responseformat=delta");
  ASSERT_EQ(d.lines.size(), 2u) << d.body;
  EXPECT_EQ(d.lines[0]["protocol"]["deltaProtocol"]["minReaderVersion"], 1);
  const json& dm = d.lines[1]["metaData"]["deltaMetadata"];
  EXPECT_EQ(dm["configuration"], json::parse(R"({"delta.enableChangeDataFeed":"true"})"));
  EXPECT_EQ(dm["createdTime"], kT0);
  // Both offered: a table without advanced features is answered in parquet.
  Reply both = Get(std::string(kPeople) + "/metadata",
                   {{"delta-sharing-capabilities", "responseformat=delta,parquet"}});
  EXPECT_EQ(both.Header("delta-sharing-capabilities"), "responseformat=parquet");
  // A table shared without the change data feed advertises no CDF configuration.
  Reply events = Get(std::string(kEvents) + "/metadata");
  ASSERT_EQ(events.lines.size(), 2u) << events.body;
  EXPECT_FALSE(events.lines[1]["metaData"].contains("configuration")) << events.body;
}

TEST_F(ProtocolTest, QuerySnapshotVersionAndTimestamp) {
  Reply r = Post(std::string(kPeople) + "/query", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.aborted) << r.body;
  EXPECT_EQ(r.Header("delta-table-version"), "3");
  EXPECT_EQ(r.Header("content-type").rfind("application/x-ndjson", 0), 0u);
  ASSERT_GE(r.lines.size(), 2u);
  EXPECT_TRUE(r.lines[0].contains("protocol"));
  EXPECT_TRUE(r.lines[1].contains("metaData"));
  std::vector<json> files = Of(r, "file");
  ASSERT_EQ(files.size(), 3u) << r.body;  // us, de, us2
  std::set<std::string> countries;
  for (const auto& f : files) {
    EXPECT_TRUE(std::regex_match(f["id"].get<std::string>(), std::regex("^[0-9a-f]{32}$")));
    EXPECT_TRUE(f.contains("expirationTimestamp"));
    EXPECT_FALSE(f.contains("version"));  // not a time-travel answer
    EXPECT_EQ(f["url"].get<std::string>().rfind("http://localhost/files/", 0), 0u) << f;
    countries.insert(f["partitionValues"]["country"].get<std::string>());
  }
  EXPECT_EQ(countries, (std::set<std::string>{"US", "DE"}));
  // No endStreamAction unless asked for.
  EXPECT_TRUE(Of(r, "endStreamAction").empty());
  Reply end = Post(std::string(kPeople) + "/query", "{}",
                   {{"delta-sharing-capabilities", "includeendstreamaction=true"}});
  ASSERT_EQ(Of(end, "endStreamAction").size(), 1u) << end.body;
  EXPECT_TRUE(end.lines.back().contains("endStreamAction"));
  // Time travel: each file names the version and the commit time.
  const size_t expected[] = {2, 3, 2, 3};
  for (int64_t v = 0; v <= 3; ++v) {
    Reply at = Post(std::string(kPeople) + "/query", json{{"version", v}}.dump());
    ASSERT_EQ(at.status, 200) << at.body;
    EXPECT_EQ(at.Header("delta-table-version"), std::to_string(v));
    std::vector<json> fs = Of(at, "file");
    EXPECT_EQ(fs.size(), expected[v]) << at.body;
    for (const auto& f : fs) {
      EXPECT_EQ(f["version"], v);
      EXPECT_EQ(f["timestamp"], kT0 + v * kHour);
    }
  }
  Reply ts = Post(std::string(kPeople) + "/query",
                  json{{"timestamp", Iso(kT0 + 2 * kHour + 30 * 60 * 1000)}}.dump());
  ASSERT_EQ(ts.status, 200) << ts.body;
  EXPECT_EQ(ts.Header("delta-table-version"), "2");
  EXPECT_EQ(Of(ts, "file").size(), 2u);
  // An empty body is a valid query (some clients send none); unknown members are ignored.
  EXPECT_EQ(Post(std::string(kPeople) + "/query", "").status, 200);
  EXPECT_EQ(Post(std::string(kPeople) + "/query", R"({"somethingNew":1})").status, 200);
}

TEST_F(ProtocolTest, QueryFromStartingVersionStreamsAddsAndRemoves) {
  Reply r = Post(std::string(kPeople) + "/query", R"({"startingVersion":1,"endingVersion":2})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<json> adds = Of(r, "add");
  std::vector<json> removes = Of(r, "remove");
  ASSERT_EQ(adds.size(), 1u) << r.body;
  EXPECT_EQ(adds[0]["version"], 1);
  EXPECT_EQ(adds[0]["partitionValues"]["country"], "DE");
  ASSERT_EQ(removes.size(), 1u) << r.body;
  EXPECT_EQ(removes[0]["version"], 2);
  EXPECT_EQ(removes[0]["timestamp"], kT0 + 2 * kHour);
  EXPECT_TRUE(Of(r, "cdf").empty()) << r.body;  // the streaming query reads no cdc files
}

TEST_F(ProtocolTest, QueryHintsPruneAndLimit) {
  auto files = [&](const std::string& path, const json& body) {
    Reply r = Post(path + "/query", body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Of(r, "file");
  };
  // limitHint: enough files for that many rows (each file holds 4).
  EXPECT_EQ(files(kEvents, {{"limitHint", 1}}).size(), 1u);
  EXPECT_EQ(files(kEvents, {{"limitHint", 5}}).size(), 2u);
  // SQL and JSON predicate hints on the partition column.
  std::vector<json> us = files(kPeople, {{"predicateHints", {"country = 'US'"}}});
  EXPECT_EQ(us.size(), 2u);
  for (const auto& f : us) EXPECT_EQ(f["partitionValues"]["country"], "US");
  json de = json::parse(
      R"({"op":"equal","children":[{"op":"column","name":"country","valueType":"string"},)"
      R"({"op":"literal","value":"DE","valueType":"string"}]})");
  std::vector<json> only_de = files(kPeople, {{"jsonPredicateHints", de.dump()}});
  ASSERT_EQ(only_de.size(), 1u);
  EXPECT_EQ(only_de[0]["partitionValues"]["country"], "DE");
  // Statistics prune too: ids 0-19 over five files of four.
  json over_16 = json::parse(
      R"({"op":"greaterThan","children":[{"op":"column","name":"id","valueType":"long"},)"
      R"({"op":"literal","value":"16","valueType":"long"}]})");
  EXPECT_EQ(files(kEvents, {{"jsonPredicateHints", over_16.dump()}}).size(), 1u);
  // A hint that cannot be evaluated prunes nothing.
  EXPECT_EQ(files(kPeople, {{"predicateHints", {"no_such_column > 1"}}}).size(), 3u);
}

TEST_F(ProtocolTest, QueryPagesWithMaxFilesAndPageToken) {
  std::set<std::string> ids;
  std::string token;
  int pages = 0;
  for (int guard = 0; guard < 10; ++guard) {
    json body = {{"maxFiles", 2}};
    if (!token.empty()) body["pageToken"] = token;
    Reply r = Post(std::string(kEvents) + "/query", body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    std::vector<json> fs = Of(r, "file");
    EXPECT_LE(fs.size(), 2u);
    for (const auto& f : fs) ids.insert(f["id"].get<std::string>());
    ASSERT_TRUE(r.lines.back().contains("endStreamAction")) << r.body;
    const json& end = r.lines.back()["endStreamAction"];
    if (!end.contains("nextPageToken")) break;
    token = end["nextPageToken"].get<std::string>();
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids.size(), 5u);
  // A page token of another table, or tampered: refused.
  Reply first = Post(std::string(kEvents) + "/query", R"({"maxFiles":1})");
  const std::string t = first.lines.back()["endStreamAction"]["nextPageToken"].get<std::string>();
  EXPECT_EQ(Post(std::string(kPeople) + "/query", json{{"pageToken", t}}.dump()).status, 400);
  EXPECT_EQ(Post(std::string(kEvents) + "/query", json{{"pageToken", t + "x"}}.dump()).status, 400);
}

TEST_F(ProtocolTest, ChangesServeTheFeedOverRanges) {
  Reply r = Get(std::string(kPeople) + "/changes?startingVersion=0");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.aborted) << r.body;
  EXPECT_EQ(r.Header("delta-table-version"), "0");
  ASSERT_GE(r.lines.size(), 2u);
  EXPECT_TRUE(r.lines[0].contains("protocol"));
  EXPECT_TRUE(r.lines[1].contains("metaData"));
  std::vector<json> adds = Of(r, "add");
  std::vector<json> cdf = Of(r, "cdf");
  EXPECT_EQ(adds.size(), 4u) << r.body;  // v0 us + fr, v1 de, v3 us2
  ASSERT_EQ(cdf.size(), 1u) << r.body;   // v2: its cdc file wins over its remove
  EXPECT_EQ(cdf[0]["version"], 2);
  EXPECT_EQ(cdf[0]["timestamp"], kT0 + 2 * kHour);
  EXPECT_TRUE(Of(r, "remove").empty()) << r.body;
  Reply range = Get(std::string(kPeople) + "/changes?startingVersion=1&endingVersion=2");
  ASSERT_EQ(range.status, 200) << range.body;
  EXPECT_EQ(Of(range, "add").size(), 1u);
  EXPECT_EQ(Of(range, "cdf").size(), 1u);
  Reply by_time = Get(std::string(kPeople) + "/changes?startingTimestamp=" + Iso(kT0 + 2 * kHour) +
                      "&endingTimestamp=" + Iso(kT0 + 3 * kHour));
  ASSERT_EQ(by_time.status, 200) << by_time.body;
  EXPECT_EQ(Of(by_time, "cdf").size(), 1u) << by_time.body;
  EXPECT_EQ(Of(by_time, "add").size(), 1u) << by_time.body;  // v3 us2
}

TEST_F(ProtocolTest, AnAsyncQueryWithoutPendingWorkIsAnsweredAtOnceAndUnknownIdsAre404) {
  Reply r = Post(std::string(kPeople) + "/query", R"({"idempotencyKey":"k"})",
                 {{"delta-sharing-capabilities", "asyncquery=true"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.lines.at(0).contains("protocol")) << r.body;
  EXPECT_EQ(Of(r, "file").size(), 3u);
  EXPECT_TRUE(Of(r, "queryStatus").empty()) << r.body;
  Reply poll = Post(std::string(kPeople) + "/queries/not-an-id", "{}");
  EXPECT_EQ(poll.status, 404);
  EXPECT_EQ(poll.Json()["errorCode"], "RESOURCE_DOES_NOT_EXIST") << poll.body;
}

TEST_F(ProtocolTest, EveryRequestIsAuditedUnderItsAction) {
  const std::vector<std::pair<Reply, std::string>> seen = {
      {Get(kShares), "deltaSharingListShares"},
      {Get(std::string(kShares) + "/demo"), "deltaSharingGetShare"},
      {Get(std::string(kShares) + "/demo/schemas"), "deltaSharingListSchemas"},
      {Get(std::string(kShares) + "/demo/schemas/main/tables"), "deltaSharingListTables"},
      {Get(std::string(kShares) + "/demo/all-tables"), "deltaSharingListAllTables"},
      {Get(std::string(kPeople) + "/version"), "deltaSharingGetTableVersion"},
      {Get(std::string(kPeople) + "/metadata"), "deltaSharingGetTableMetadata"},
      {Post(std::string(kPeople) + "/query", "{}"), "deltaSharingQueryTable"},
      {Get(std::string(kPeople) + "/changes?startingVersion=0"), "deltaSharingQueryTableChanges"}};
  for (const auto& [reply, action] : seen) {
    ASSERT_TRUE(reply.audit) << action;
    EXPECT_EQ(reply.audit->action, action);
    EXPECT_EQ(reply.audit->recipient, "alice") << action;
  }
}

// A partner's query parameters are recorded beside what the path names, never over it: with
// "?name=x&share=y&schema=z", an audit event said {"name":"true","share":"true",...}, so the
// auditor could not tell which table was read; "?path=" and "?method=" hid the request line the
// completion hook records (it only adds those keys when they are missing).
TEST_F(ProtocolTest, QueryParametersCannotOverwriteWhatTheAuditRecordsOfThePath) {
  const std::string forged = "?name=events&share=plain&schema=other&path=%2Fx&method=HEAD";
  for (const Reply& reply :
       {Get(std::string(kPeople) + "/metadata" + forged),
        Post(std::string(kPeople) + "/query" + forged, "{}"),
        Get(std::string(kPeople) + "/changes" + forged + "&startingVersion=0")}) {
    ASSERT_TRUE(reply.audit);
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto& params = reply.audit->params;
    EXPECT_EQ(params.at("share"), "demo");
    EXPECT_EQ(params.at("schema"), "main");
    EXPECT_EQ(params.at("name"), "people");
    EXPECT_EQ(params.count("path"), 0u) << "left for the completion hook to record";
    EXPECT_EQ(params.count("method"), 0u) << "left for the completion hook to record";
  }
}

// The caller's query parameters shared keys with the server's: for a bearer token (which sets no
// auth_method), "?auth_method=oidc_federation&token_subject=alice" was audited as
// {"auth_method":"true","token_subject":"true"}, as if the request were federated. A parameter the
// protocol does not define is recorded under "query.<name>", a namespace no server key uses.
TEST_F(ProtocolTest, QueryParametersNeverSetOrShadowAKeyOfTheServer) {
  const std::string forged =
      "?auth_method=oidc_federation&token_subject=alice&client_request_id=x&token_id=t&foo=bar";
  for (const Reply& reply : {Get(std::string(kPeople) + "/metadata" + forged),
                             Get(std::string(kShares) + forged + "&maxResults=5")}) {
    ASSERT_TRUE(reply.audit);
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto& params = reply.audit->params;
    for (const char* key :
         {"auth_method", "token_subject", "client_request_id", "token_id", "foo"}) {
      EXPECT_EQ(params.count(key), 0u) << key;
      EXPECT_EQ(params.at(std::string("query.") + key), "true") << key;
    }
  }
  constexpr std::string_view kChanges = "deltaSharingQueryTableChanges";
  EXPECT_EQ(AuditKeyOfQueryParam(kChanges, "auth_method"), "query.auth_method");
  EXPECT_EQ(AuditKeyOfQueryParam(kChanges, "path"), "query.path");
  EXPECT_EQ(AuditKeyOfQueryParam(kChanges, "query.x"), "query.query.x");
  for (const char* name : {"pageToken", "startingVersion", "endingVersion", "startingTimestamp",
                           "endingTimestamp", "includeHistoricalMetadata"}) {
    EXPECT_EQ(AuditKeyOfQueryParam(kChanges, name), name);
  }
  for (const char* name : {"version", "timestamp"}) {
    EXPECT_EQ(AuditKeyOfQueryParam("deltaSharingGetTableMetadata", name), name);
  }
  EXPECT_EQ(AuditKeyOfQueryParam("deltaSharingListShares", "maxResults"), "maxResults");
}

// The protocol's names kept their audit keys on every route: POST /query reads its options from
// the body only, yet "?version=3" with a body of {} was audited as {"version":"3"} while the
// latest version was served. A protocol name is kept only where the route reads it.
TEST_F(ProtocolTest, QueryStringParametersKeepTheirNamesOnlyWhereTheRouteReadsThem) {
  Reply query = Post(std::string(kPeople) + "/query?version=3&pageToken=p&maxResults=1", "{}");
  ASSERT_TRUE(query.audit);
  EXPECT_EQ(query.status, 200) << query.body;
  for (const char* name : {"version", "pageToken", "maxResults"}) {
    EXPECT_EQ(query.audit->params.count(name), 0u) << name;
    EXPECT_EQ(query.audit->params.at(std::string("query.") + name), "true") << name;
  }
  Reply changes = Get(std::string(kPeople) + "/changes?startingVersion=1&version=3");
  ASSERT_TRUE(changes.audit);
  EXPECT_EQ(changes.status, 200) << changes.body;
  EXPECT_EQ(changes.audit->params.at("startingVersion"), "1");
  EXPECT_EQ(changes.audit->params.count("version"), 0u);
  EXPECT_EQ(changes.audit->params.at("query.version"), "true");
  Reply metadata = Get(std::string(kPeople) + "/metadata?version=1&startingVersion=0");
  ASSERT_TRUE(metadata.audit);
  EXPECT_EQ(metadata.audit->params.at("version"), "1");
  EXPECT_EQ(metadata.audit->params.at("query.startingVersion"), "true");
}

// An error quoted the whole bad parameter: a 1 MB 'timestamp' came back whole in the reply body
// (the access log cuts at 4 KiB, the reply did not). Quoted values keep their start and length.
TEST_F(ProtocolTest, ErrorRepliesQuoteTheStartOfALongParameterOnly) {
  const std::string huge(1'000'000, '7');
  for (const Reply& reply :
       {Post(std::string(kPeople) + "/query", json{{"timestamp", huge}}.dump()),
        Get(std::string(kPeople) + "/changes?startingTimestamp=" + huge),
        Get(std::string(kPeople) + "/changes?startingVersion=" + huge),
        Get(std::string(kShares) + "?maxResults=" + huge),
        Get(std::string(kPeople) + "/metadata",
            {{"delta-sharing-capabilities", "responseformat=" + huge}})}) {
    EXPECT_EQ(reply.status, 400) << reply.body.substr(0, 200);
    EXPECT_LT(reply.body.size(), 1024u) << reply.body.substr(0, 200);
    EXPECT_THAT(reply.body, ::testing::HasSubstr("7777...' (1000000 bytes)"));
  }
  // A short value is quoted whole, as before.
  EXPECT_THAT(Get(std::string(kShares) + "?maxResults=abc").body,
              ::testing::HasSubstr("got 'abc'"));
}

// 404s still quoted path parameters whole ("Table '{}.{}.{}' does not exist...", "No endpoint at
// '{}'"), bounded only by the 16 KiB request head: they are quoted like any other parameter.
TEST_F(ProtocolTest, NotFoundRepliesQuoteTheStartOfALongPathOnly) {
  const std::string huge(10'000, '7');
  for (const Reply& reply :
       {Get(std::string(kShares) + "/demo/schemas/main/tables/" + huge + "/metadata"),
        Get(std::string(kShares) + "/demo/schemas/" + huge + "/tables/people/version"),
        Get("/delta-sharing/nowhere/" + huge)}) {
    EXPECT_EQ(reply.status, 404) << reply.body.substr(0, 200);
    EXPECT_LT(reply.body.size(), 1024u) << reply.body.substr(0, 200);
    EXPECT_THAT(reply.body, ::testing::HasSubstr("...' ("));
  }
  // A short name is quoted whole, as before.
  EXPECT_THAT(Get(std::string(kShares) + "/demo/schemas/main/tables/nope/metadata").body,
              ::testing::HasSubstr("Table 'demo.main.nope' does not exist"));
  EXPECT_THAT(Get("/delta-sharing/nowhere").body,
              ::testing::HasSubstr("No endpoint at '/delta-sharing/nowhere'"));
}

}  // namespace
}  // namespace lakeshare::sharing::testing
