#include "storage/xml_internal.h"

#include <gtest/gtest.h>

namespace lakeshare::storage::internal {
namespace {

TEST(XmlTest, ParsesAListObjectsV2Response) {
  auto root = ParseXml(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix/>
  <KeyCount>2</KeyCount>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#233;&#xE9;&#x1F600;</Key>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
    <Size>434234</Size>
  </Contents>
  <Contents><Key><![CDATA[raw <cdata> & text]]></Key><Size>0</Size></Contents>
  <!-- a comment -->
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>
)");
  ASSERT_TRUE(root.has_value()) << root.error().ToString();
  EXPECT_EQ(root->name, "ListBucketResult");
  EXPECT_EQ(root->ChildText("IsTruncated").value(), "true");
  EXPECT_EQ(root->ChildText("Prefix").value(), "");
  EXPECT_FALSE(root->ChildText("StartAfter").has_value());
  EXPECT_EQ(root->ChildText("NextContinuationToken").value(),
            "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  std::vector<const XmlElement*> contents;
  for (const XmlElement& child : root->children) {
    if (child.name == "Contents") contents.push_back(&child);
  }
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0]->ChildText("Key").value(),
            "a & b <c> \"d\" 'e' \xc3\xa9\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(contents[0]->ChildText("ETag").value(), "\"fba9dede5f27731c9771645a39863328\"");
  EXPECT_EQ(contents[1]->ChildText("Key").value(), "raw <cdata> & text");
}

TEST(XmlTest, KeepsSignificantWhitespaceInText) {
  auto root = ParseXml("<a><Key>  two  spaces  </Key></a>");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->ChildText("Key").value(), "  two  spaces  ");
}

TEST(XmlTest, DropsNamespacePrefixesAndSkipsAttributes) {
  auto root = ParseXml("<s3:Error xmlns:s3='x' a=\"1>2\"><s3:Code>NoSuchKey</s3:Code></s3:Error>");
  ASSERT_TRUE(root.has_value()) << root.error().ToString();
  EXPECT_EQ(root->name, "Error");
  EXPECT_EQ(root->ChildText("Code").value(), "NoSuchKey");
}

TEST(XmlTest, RejectsMalformedDocuments) {
  for (const char* bad : {"", "text", "<a>", "<a></b>", "<a></a><b></b>", "<a>&unknown;</a>",
                          "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&amp</a>", "<a><!-- x</a>",
                          "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", "<a", "<>x</>",
                          "junk<a/>"}) {
    SCOPED_TRACE(bad);
    auto root = ParseXml(bad);
    ASSERT_FALSE(root.has_value());
    EXPECT_EQ(root.error().code, ErrorCode::kCorrupt);
  }
}

TEST(XmlTest, BoundsNestingDepth) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_FALSE(ParseXml(deep).has_value());
  std::string ok;
  for (int i = 0; i < 20; ++i) ok += "<a>";
  for (int i = 0; i < 20; ++i) ok += "</a>";
  EXPECT_TRUE(ParseXml(ok).has_value());
}

TEST(XmlTest, DecodesTextReferences) {
  EXPECT_EQ(DecodeXmlText("x &#65;&#x42; y").value(), "x AB y");
  EXPECT_FALSE(DecodeXmlText("&#x110000;").has_value());
  EXPECT_FALSE(DecodeXmlText("&#;").has_value());
}

}  // namespace
}  // namespace lakeshare::storage::internal
