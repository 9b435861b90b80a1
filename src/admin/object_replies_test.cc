// What a reply shows of a named object whose row records who created and last changed it
// (shares, recipients, groups, storage credentials, external locations): its name, id, comment,
// owner (a group has none) and the four stamps, beside the fields of its own kind, and nothing
// else.
#include <set>
#include <string>
#include <vector>

#include "admin/management_test_fixture.h"

namespace lakeshare::admin::test {
namespace {

/// One kind of stamped object: where it is created and read, the body that creates one named "x"
/// with comment "c", and the fields of its own kind as a reply shows them.
struct StampedKind {
  std::string collection;
  Json create;
  Json own;
  bool has_owner = true;
};

TEST_F(ManagementTest, AStampedObjectsReplyShowsItsIdOwnerAndStampsBesideItsOwnFields) {
  const std::vector<StampedKind> kinds = {
      {Uc("/shares"), Json{{"name", "x"}, {"comment", "c"}}, Json::object()},
      {Uc("/recipients"),
       Json{{"name", "x"}, {"comment", "c"}, {"authentication_type", "TOKEN"}},
       Json{{"authentication_type", "TOKEN"},
            {"ip_access_list", Json{{"allowed_ip_addresses", Json::array()}}},
            {"properties_kvpairs", Json{{"properties", Json::object()}}}}},
      {"/api/2.1/lakeshare/groups", Json{{"name", "x"}, {"comment", "c"}},
       Json{{"members", Json::array()}}, /*has_owner=*/false},
      {Uc("/storage-credentials"),
       Json{{"name", "x"}, {"comment", "c"}, {"aws_profile", Json{{"profile_name", "p"}}}},
       Json{{"read_only", false},
            {"metastore_id", "metastore"},
            {"aws_profile", Json{{"profile_name", "p"}}}}},
      {Uc("/external-locations"), Json{{"name", "x"}, {"comment", "c"}, {"url", "s3://x"}},
       Json{{"url", "s3://x"},
            {"credential_name", ""},
            {"read_only", false},
            {"metastore_id", "metastore"}}},
  };
  for (const StampedKind& kind : kinds) {
    SCOPED_TRACE(kind.collection);
    Reply made = Call("POST", kind.collection, "admin-token", kind.create);
    ASSERT_EQ(made.status, 200) << made.raw;
    Reply r = Call("GET", kind.collection + "/x");
    ASSERT_EQ(r.status, 200) << r.raw;
    const Json& body = r.body;
    EXPECT_EQ(body.value("name", ""), "x");
    EXPECT_EQ(body.value("id", ""), made.body.value("id", "")) << r.raw;
    EXPECT_FALSE(body.value("id", "").empty()) << r.raw;
    EXPECT_EQ(body.value("comment", ""), "c");
    EXPECT_EQ(body.value("created_at", int64_t{0}), kT0);
    EXPECT_EQ(body.value("created_by", ""), "admin");
    EXPECT_EQ(body.value("updated_at", int64_t{0}), kT0);
    EXPECT_TRUE(body.contains("updated_by") && body["updated_by"].is_string()) << r.raw;
    EXPECT_EQ(body.contains("owner"), kind.has_owner) << r.raw;
    if (kind.has_owner) {
      EXPECT_EQ(body.value("owner", ""), "admin");
    }
    std::set<std::string> expected = {"name",       "id",         "comment",   "created_at",
                                      "created_by", "updated_at", "updated_by"};
    if (kind.has_owner) {
      expected.insert("owner");
    }
    for (const auto& [key, value] : kind.own.items()) {
      expected.insert(key);
      EXPECT_EQ(body.value(key, Json()), value) << key;
    }
    // What a recipient shows of its sharing state (beside its stamps) is its own test's subject.
    std::set<std::string> shown;
    for (const auto& [key, value] : body.items()) {
      if (kind.collection != Uc("/recipients") || expected.count(key) == 1) {
        shown.insert(key);
      }
    }
    EXPECT_EQ(shown, expected) << r.raw;
  }
}

}  // namespace
}  // namespace lakeshare::admin::test
