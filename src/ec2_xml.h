#pragma once

// Reading EC2's Query API answers, whose lists nest: DescribeInstances holds reservations, each
// holding instances, each holding tags, groups and network interfaces, all of them <item>s. A
// search for the first <name> or <item> (XmlElementText) would cross those levels; these walk one
// level at a time. Not a general XML parser: no namespaces prefixes, no DTD, attributes skipped;
// enough for AWS's answers and safe (no crash, no recursion, linear time) on any input.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace osg {

// One element directly inside a fragment: its name and its raw content (between its tags).
struct XmlChild {
  std::string_view name;
  std::string_view content;
};

// The elements directly inside `xml` (a document, or an element's content), in order. The XML
// declaration, comments and CDATA sections are passed over; an empty element (<groupSet/>) has
// empty content. Reading stops at the first malformed or unbalanced tag, keeping what came
// before: a cut answer yields fewer elements, never wrong ones.
std::vector<XmlChild> XmlChildren(std::string_view xml);

// The content of the first element named `name` directly inside `xml`; nullopt when none.
std::optional<std::string_view> XmlChildContent(std::string_view xml, std::string_view name);

// The text (XmlText) of the first element named `name` directly inside `xml`; "" when none.
std::string XmlChildText(std::string_view xml, std::string_view name);

// The contents of the <item> elements directly inside the first `list` element directly inside
// `xml` (EC2's lists: <instancesSet><item>...</item>...</instancesSet>); empty when none.
std::vector<std::string_view> XmlListItems(std::string_view xml, std::string_view list);

// An element's text from its raw content: trimmed, a CDATA section unwrapped (some servers, moto
// among them, wrap messages in one), else the entities decoded.
std::string XmlText(std::string_view content);

// `text` with &lt; &gt; &amp; &quot; &apos; and &#N; / &#xN; decoded (as UTF-8); anything else,
// a malformed reference included, kept as it is.
std::string XmlDecodeEntities(std::string_view text);

}  // namespace osg
