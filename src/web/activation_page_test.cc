#include "web/activation_page.h"

#include <gtest/gtest.h>

#include "web/web_test_util.h"

namespace lakeshare::web {
namespace {

using test::Get;
using test::RefuseAuthentication;

TEST(ActivationPageTest, ServesTheSamePageForAnyTokenWithoutAuthentication) {
  http::Router router;
  RefuseAuthentication(router);
  ASSERT_TRUE(RegisterActivationPage(router, {}));
  http::Response a = Get(router, "/delta-sharing/activation/tok-A");
  http::Response b = Get(router, "/delta-sharing/activation/tok-B");
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(a.body(), b.body());
  EXPECT_EQ(a.body().find("tok-A"), std::string::npos) << "the page must not echo the token";
  EXPECT_NE(a.body().find("/delta-sharing/activation-assets/activation.js"), std::string::npos);
  EXPECT_NE(a.body().find("data-management-prefix=\"/api/2.1/unity-catalog\""), std::string::npos);
  ASSERT_NE(a.Header("Content-Type"), nullptr);
  EXPECT_EQ(*a.Header("Content-Type"), "text/html; charset=utf-8");
  ASSERT_NE(a.Header("Referrer-Policy"), nullptr);
  EXPECT_EQ(*a.Header("Referrer-Policy"), "no-referrer");
  ASSERT_NE(a.Header("Cache-Control"), nullptr);
  EXPECT_EQ(*a.Header("Cache-Control"), "no-store");
  ASSERT_NE(a.Header("Content-Security-Policy"), nullptr);
  EXPECT_NE(a.Header("Content-Security-Policy")->find("script-src 'self'"), std::string::npos);
}

TEST(ActivationPageTest, ServesScriptAndStyleWithTheirTypes) {
  http::Router router;
  ASSERT_TRUE(RegisterActivationPage(
      router, {.sharing_endpoint = "/ds", .management_prefix = "/api/2.1/unity-catalog"}));
  http::Response js = Get(router, "/ds/activation-assets/activation.js");
  ASSERT_EQ(js.status(), 200);
  EXPECT_EQ(*js.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js.body().find("data_sharing_activation_info"), std::string::npos);
  http::Response css = Get(router, "/ds/activation-assets/activation.css");
  ASSERT_EQ(css.status(), 200);
  EXPECT_EQ(*css.Header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(Get(router, "/ds/activation-assets/other.js").status(), 404);
}

}  // namespace
}  // namespace lakeshare::web
