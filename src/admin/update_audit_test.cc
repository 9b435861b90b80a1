// What the audit trail records of an update: every resource that can be renamed notes the
// attempted `new_name` alike, whether the rename succeeds or is refused (for the caller's rights,
// for a name already taken, or because there is no such object: the body is read first).
#include "admin/management_test_fixture.h"

namespace lakeshare::admin::test {
namespace {

/// A resource that can be renamed: where its objects live, two of them (`first`, and `second`
/// whose name a refused rename takes), the body that creates one, and a field that gets a
/// rename of `first` refused after the body is read.
struct Renamable {
  std::string collection;  // "/api/2.1/unity-catalog/catalogs"
  std::string prefix;      // what stands before a name in an object's path ("c." for a schema)
  std::string first;
  std::string second;
  std::function<Json(const std::string& name)> create;
  Json refused_with = Json{{"owner", "nobody"}};  // not a principal or group: 400
};

TEST_F(ManagementTest, EveryRenameRecordsTheAttemptedNewNameWhetherItSucceedsOrNot) {
  MakeTables(2);  // external location "bucket", catalog c, schema c.s, tables c.s.t1 and t2
  const std::vector<Renamable> cases = {
      // Innermost first: a renamed schema or catalog moves what lies in it.
      {Uc("/tables"), "c.s.", "t1", "t2", nullptr},
      {Uc("/schemas"), "c.", "s", "s2",
       [](const std::string& n) { return Json{{"name", n}, {"catalog_name", "c"}}; }},
      {Uc("/catalogs"), "", "c", "c2", [](const std::string& n) { return Json{{"name", n}}; }},
      {Uc("/shares"), "", "sh1", "sh2", [](const std::string& n) { return Json{{"name", n}}; }},
      {Uc("/recipients"), "", "r1", "r2",
       [](const std::string& n) {
         return Json{{"name", n}, {"authentication_type", "TOKEN"}};
       }},
      {Uc("/storage-credentials"), "", "cred1", "cred2",
       [](const std::string& n) {
         return Json{{"name", n}, {"aws_profile", Json{{"profile_name", "p"}}}};
       }},
      {Uc("/external-locations"), "", "bucket", "other",
       [](const std::string& n) { return Json{{"name", n}, {"url", "s3://" + n}}; }},
      // A principal has no owner: an is_admin that is no boolean (read after new_name) refuses it.
      {"/api/2.1/lakeshare/principals", "", "p1", "p2",
       [](const std::string& n) { return Json{{"name", n}}; }, Json{{"is_admin", 7}}},
  };
  for (const Renamable& c : cases) {
    SCOPED_TRACE(c.collection);
    for (const std::string& name : {c.first, c.second}) {
      if (c.create && Call("GET", c.collection + "/" + c.prefix + name).status == 404) {
        Reply made = Call("POST", c.collection, "admin-token", c.create(name));
        ASSERT_EQ(made.status, 200) << made.raw;
      }
    }
    const std::string path = c.collection + "/" + c.prefix + c.first;
    const auto new_name_of = [](const Reply& r) {
      auto it = r.audit.params.find("new_name");
      return it == r.audit.params.end() ? std::string("(none)") : it->second;
    };
    // Refused before the target is found (none by that name): the attempt is recorded alike.
    Reply absent = Call("PATCH", c.collection + "/" + c.prefix + "absent", "admin-token",
                        Json{{"new_name", "absent2"}});
    EXPECT_EQ(absent.status, 404) << absent.raw;
    EXPECT_EQ(new_name_of(absent), "absent2");
    Json refused_body = c.refused_with;
    refused_body["new_name"] = "refused";
    Reply refused = Call("PATCH", path, "admin-token", refused_body);
    EXPECT_EQ(refused.status, 400) << refused.raw;
    EXPECT_EQ(new_name_of(refused), "refused");
    Reply taken = Call("PATCH", path, "admin-token", Json{{"new_name", c.second}});
    EXPECT_EQ(taken.status, 409) << taken.raw;
    EXPECT_EQ(new_name_of(taken), c.second);
    Reply renamed = Call("PATCH", path, "admin-token", Json{{"new_name", c.first + "-renamed"}});
    EXPECT_EQ(renamed.status, 200) << renamed.raw;
    EXPECT_EQ(new_name_of(renamed), c.first + "-renamed");
    Reply unnamed = Call("PATCH", c.collection + "/" + c.prefix + c.first + "-renamed",
                         "admin-token", Json{{"comment", "no rename"}});
    EXPECT_EQ(unnamed.status, 200) << unnamed.raw;
    EXPECT_EQ(new_name_of(unnamed), "(none)");
  }
}

}  // namespace
}  // namespace lakeshare::admin::test
