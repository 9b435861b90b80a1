#include "web/partner_guides.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "web/activation_page.h"
#include "web/web_test_util.h"

namespace lakeshare::web {
namespace {

using test::Get;
using test::RefuseAuthentication;

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(LAKESHARE_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PartnerGuidesTest, EveryPartnerGuideOfDocsIsCompiledInVerbatim) {
  // Every docs/guides/partner-*.md: the index (docs/guides/index.md) sends federated and OAuth
  // partners to their guides too, and the activation page sends partners here.
  std::set<std::string> on_disk;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(LAKESHARE_SOURCE_DIR) + "/docs/guides")) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("partner-") && name.ends_with(".md")) on_disk.insert(name);
  }
  std::set<std::string> served;
  for (const PartnerGuide& g : PartnerGuides()) served.insert(std::string(g.name));
  EXPECT_EQ(served, on_disk);
  EXPECT_EQ(PartnerGuides().front().name, "partner-activation.md");
  for (const PartnerGuide& g : PartnerGuides()) {
    EXPECT_EQ(g.text, ReadSource("docs/guides/" + std::string(g.name))) << g.name;
  }
}

TEST(PartnerGuidesTest, TheActivationPageServesTheGuidesWithoutAuthentication) {
  http::Router router;
  RefuseAuthentication(router);
  ASSERT_TRUE(RegisterActivationPage(router, {}));
  http::Response index = Get(router, "/delta-sharing/guides/");
  ASSERT_EQ(index.status(), 200);
  EXPECT_EQ(*index.Header("Content-Type"), "text/html; charset=utf-8");
  ASSERT_NE(index.Header("Content-Security-Policy"), nullptr);
  for (const PartnerGuide& g : PartnerGuides()) {
    const std::string href = "href=\"/delta-sharing/guides/" + std::string(g.name) + "\"";
    EXPECT_NE(index.body().find(href), std::string::npos) << href;
    http::Response guide = Get(router, "/delta-sharing/guides/" + std::string(g.name));
    ASSERT_EQ(guide.status(), 200) << g.name;
    EXPECT_EQ(*guide.Header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(*guide.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(guide.body(), g.text);
  }
  EXPECT_NE(index.body().find("Partners: activate your link"), std::string::npos)
      << "the index names each guide by its title";
  EXPECT_EQ(Get(router, "/delta-sharing/guides/provider.md").status(), 404)
      << "only the partner guides are public";
  EXPECT_EQ(Get(router, "/delta-sharing/guides/..%2fprovider.md").status(), 404);
}

// A guide is read at /delta-sharing/guides/NAME, so a relative link to another Markdown file
// resolves beside it: it must name a served guide, or the partner following it gets a 404.
TEST(PartnerGuidesTest, EveryRelativeMarkdownLinkOfAServedGuideNamesAServedGuide) {
  std::set<std::string> served;
  for (const PartnerGuide& g : PartnerGuides()) served.insert(std::string(g.name));
  for (const PartnerGuide& g : PartnerGuides()) {
    const std::string_view text = g.text;
    for (size_t at = text.find("]("); at != std::string_view::npos; at = text.find("](", at + 2)) {
      const size_t end = text.find(')', at + 2);
      if (end == std::string_view::npos) break;
      std::string_view target = text.substr(at + 2, end - at - 2);
      target = target.substr(0, target.find('#'));
      if (target.find("://") != std::string_view::npos || !target.ends_with(".md")) continue;
      EXPECT_TRUE(served.count(std::string(target)))
          << g.name << " links " << target << ", which is not a served partner guide";
    }
  }
}

// The activation guide shows screenshots (`![...](img/NAME.png)`): read at
// /delta-sharing/guides/partner-activation.md, each resolves to /delta-sharing/guides/img/NAME.png,
// which must serve the picture of docs/guides/img, as a PNG, with the pages' headers.
TEST(PartnerGuidesTest, EveryImageAServedGuideShowsIsServedBesideIt) {
  http::Router router;
  RefuseAuthentication(router);
  ASSERT_TRUE(RegisterActivationPage(router, {}));
  int images = 0;
  for (const PartnerGuide& g : PartnerGuides()) {
    const std::string_view text = g.text;
    for (size_t at = text.find("]("); at != std::string_view::npos; at = text.find("](", at + 2)) {
      const size_t end = text.find(')', at + 2);
      if (end == std::string_view::npos) break;
      const std::string_view target = text.substr(at + 2, end - at - 2);
      if (!target.starts_with("img/")) continue;
      ++images;
      http::Response r = Get(router, "/delta-sharing/guides/" + std::string(target));
      ASSERT_EQ(r.status(), 200) << g.name << " shows " << target << ", which is not served";
      EXPECT_EQ(*r.Header("Content-Type"), "image/png") << target;
      EXPECT_EQ(*r.Header("X-Content-Type-Options"), "nosniff") << target;
      EXPECT_EQ(r.body(), ReadSource("docs/guides/" + std::string(target))) << target;
    }
  }
  EXPECT_GE(images, 3) << "partner-activation.md shows the page, its success and a used link";
  EXPECT_EQ(Get(router, "/delta-sharing/guides/img/none.png").status(), 404);
  EXPECT_EQ(Get(router, "/delta-sharing/guides/img/..%2fprovider.md").status(), 404);
}

// The 404 of an unknown guide used to quote its name whole: a 16 KiB path came back in the body.
TEST(PartnerGuidesTest, AnUnknownGuideIsQuotedByItsStartOnly) {
  http::Router router;
  RefuseAuthentication(router);
  ASSERT_TRUE(RegisterActivationPage(router, {}));
  http::Response r = Get(router, "/delta-sharing/guides/" + std::string(10'000, 'x'));
  EXPECT_EQ(r.status(), 404);
  EXPECT_LT(r.body().size(), 1000u);
  EXPECT_NE(r.body().find("(10000 bytes)"), std::string::npos) << r.body();
}

TEST(PartnerGuidesTest, TheActivationPageLinksTheServedGuidesAndNamesNoPlaceholder) {
  http::Router router;
  ASSERT_TRUE(RegisterActivationPage(router, {}));
  const std::string page = Get(router, "/delta-sharing/activation/tok").body();
  EXPECT_NE(page.find("href=\"/delta-sharing/guides/\""), std::string::npos);
  EXPECT_EQ(page.find("came with your invitation"), std::string::npos)
      << "the page must not promise guides the partner never got";
  EXPECT_EQ(page.find("&lt;share&gt;"), std::string::npos) << "no placeholder table names";
  EXPECT_EQ(page.find("&ndash;"), std::string::npos) << "no dash-only fields";
  EXPECT_NE(page.find("chmod 600"), std::string::npos) << "tells the partner to protect the file";
}

}  // namespace
}  // namespace lakeshare::web
