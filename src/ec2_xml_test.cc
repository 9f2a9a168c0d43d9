#include "ec2_xml.h"

#include <gtest/gtest.h>

#include <string>

namespace osg {
namespace {

TEST(Ec2XmlChildren, OneLevelOnlyWithEmptyElementsAndAttributes) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment <b>not an element</b> -->
<R xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><a>1</a><set/><b x="y"><a>2</a></b></R>)";
  std::vector<XmlChild> top = XmlChildren(xml);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].name, "R");
  std::vector<XmlChild> inner = XmlChildren(top[0].content);
  ASSERT_EQ(inner.size(), 3u);
  EXPECT_EQ(inner[0].name, "a");
  EXPECT_EQ(inner[0].content, "1");
  EXPECT_EQ(inner[1].name, "set");
  EXPECT_EQ(inner[1].content, "");
  // Found by fuzzing (ec2_fleet): an empty element's content is in the document, not a null view.
  EXPECT_EQ(inner[1].content.data(), top[0].content.data() + top[0].content.find("<b"));
  EXPECT_EQ(inner[2].name, "b");
  EXPECT_EQ(inner[2].content, "<a>2</a>");
}

TEST(Ec2XmlChildren, StopsAtTheFirstBrokenTagKeepingWhatCameBefore) {
  EXPECT_EQ(XmlChildren("<a>1</a><b>2</c><d>3</d>").size(), 1u);  // mismatched close
  EXPECT_EQ(XmlChildren("<a>1</a></x><d>3</d>").size(), 1u);      // close with nothing open
  EXPECT_EQ(XmlChildren("<a>1</a><b>cut off").size(), 1u);        // never closed
  EXPECT_EQ(XmlChildren("<a>1</a><b").size(), 1u);                // tag never ends
  EXPECT_EQ(XmlChildren("<a>1</a><>2</>").size(), 1u);            // no name
  EXPECT_EQ(XmlChildren("<a><b><c></b></c></a>").size(), 0u);     // crossed inside
  EXPECT_TRUE(XmlChildren("").empty());
  EXPECT_TRUE(XmlChildren("plain text, no markup").empty());
  // Markup inside a CDATA section is text.
  std::vector<XmlChild> cdata = XmlChildren("<m><![CDATA[</m> <x>]]></m>");
  ASSERT_EQ(cdata.size(), 1u);
  EXPECT_EQ(cdata[0].content, "<![CDATA[</m> <x>]]>");
}

TEST(Ec2XmlListItems, DirectItemsOnlyNotTheNestedOnes) {
  std::string xml =
      "<instancesSet><item><instanceId>i-1</instanceId><groupSet><item><groupId>sg-1</groupId>"
      "</item></groupSet></item><item><instanceId>i-2</instanceId></item></instancesSet>"
      "<other><item>x</item></other>";
  std::vector<std::string_view> items = XmlListItems(xml, "instancesSet");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(XmlChildText(items[0], "instanceId"), "i-1");
  EXPECT_EQ(XmlChildText(items[0], "groupId"), "");  // one level down, not here
  EXPECT_EQ(XmlListItems(items[0], "groupSet").size(), 1u);
  EXPECT_EQ(XmlChildText(items[1], "instanceId"), "i-2");
  EXPECT_TRUE(XmlListItems(xml, "missing").empty());
  EXPECT_TRUE(XmlListItems("<instancesSet/>", "instancesSet").empty());
}

TEST(Ec2XmlText, TrimsUnwrapsCdataAndDecodesEntities) {
  EXPECT_EQ(XmlChildText("<m>\n  a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;\n</m>", "m"),
            "a <b> & \"c\" 'd'");
  EXPECT_EQ(XmlChildText("<m><![CDATA[a &lt; <b>]]></m>", "m"), "a &lt; <b>");
  EXPECT_EQ(XmlChildText("<m/>", "m"), "");
  EXPECT_EQ(XmlChildText("<n>x</n>", "m"), "");
  EXPECT_EQ(XmlDecodeEntities("&#65;&#x42;&#xe9;&#x20AC;&#x1F600;"),
            "AB\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  // What is not an entity stays as it is.
  for (const char* kept : {"a & b", "&unknown;", "&#;", "&#x;", "&#0;", "&#xD800;", "&#x110000;",
                           "&#12a;", "&lt", "&#99999999999999999999;", "&"}) {
    EXPECT_EQ(XmlDecodeEntities(kept), kept);
  }
}

}  // namespace
}  // namespace osg
