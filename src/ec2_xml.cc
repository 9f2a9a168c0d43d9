#include "ec2_xml.h"

#include <charconv>
#include <cstdint>

#include "text.h"

namespace osg {
namespace {

constexpr size_t kNone = std::string_view::npos;

enum class TagKind { kOpen, kClose, kEmpty, kPassOver };

struct Tag {
  TagKind kind;
  std::string_view name;
  size_t begin;  // at its '<'
  size_t end;    // just past its '>'
};

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The markup that starts at the '<' at xml[at]; nullopt when it never ends or has no name.
std::optional<Tag> ReadTag(std::string_view xml, size_t at) {
  std::string_view rest = xml.substr(at);
  auto pass_over_to = [&](std::string_view closer) -> std::optional<Tag> {
    size_t close = xml.find(closer, at);
    if (close == kNone) return std::nullopt;
    return Tag{TagKind::kPassOver, {}, at, close + closer.size()};
  };
  if (rest.starts_with("<?")) return pass_over_to("?>");
  if (rest.starts_with("<!--")) return pass_over_to("-->");
  if (rest.starts_with("<![CDATA[")) return pass_over_to("]]>");
  if (rest.starts_with("<!")) return pass_over_to(">");
  size_t close = xml.find('>', at);
  if (close == kNone) return std::nullopt;
  bool closing = rest.starts_with("</");
  size_t name_start = at + (closing ? 2 : 1);
  size_t name_end = name_start;
  while (name_end < close && !IsXmlSpace(xml[name_end]) && xml[name_end] != '/') ++name_end;
  if (name_end == name_start) return std::nullopt;
  TagKind kind = closing                 ? TagKind::kClose
                 : xml[close - 1] == '/' ? TagKind::kEmpty
                                         : TagKind::kOpen;
  return Tag{kind, xml.substr(name_start, name_end - name_start), at, close + 1};
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    *out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    *out += static_cast<char>(0xC0 | (code_point >> 6));
    *out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    *out += static_cast<char>(0xE0 | (code_point >> 12));
    *out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (code_point >> 18));
    *out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// The text an entity's name (between '&' and ';') stands for; nullopt when it is none XML knows.
std::optional<std::string> DecodeEntity(std::string_view name) {
  if (name == "lt") return "<";
  if (name == "gt") return ">";
  if (name == "amp") return "&";
  if (name == "quot") return "\"";
  if (name == "apos") return "'";
  if (!name.starts_with('#')) return std::nullopt;
  name.remove_prefix(1);
  int base = 10;
  if (name.starts_with('x')) {
    base = 16;
    name.remove_prefix(1);
  }
  uint32_t code_point = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), code_point, base);
  bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (name.empty() || error != std::errc() || end != name.data() + name.size() || code_point == 0 ||
      code_point > 0x10FFFF || surrogate) {
    return std::nullopt;
  }
  std::string text;
  AppendUtf8(code_point, &text);
  return text;
}

}  // namespace

std::vector<XmlChild> XmlChildren(std::string_view xml) {
  std::vector<XmlChild> children;
  std::vector<std::string_view> open;  // the names of the elements we are inside, outermost first
  size_t content_start = 0;            // of the child being read
  size_t at = 0;
  while ((at = xml.find('<', at)) != kNone) {
    std::optional<Tag> tag = ReadTag(xml, at);
    if (!tag) break;
    at = tag->end;
    if (tag->kind == TagKind::kEmpty && open.empty()) {
      children.push_back({tag->name, xml.substr(tag->end, 0)});  // empty, but in the document
    } else if (tag->kind == TagKind::kOpen) {
      if (open.empty()) content_start = tag->end;
      open.push_back(tag->name);
    } else if (tag->kind == TagKind::kClose) {
      if (open.empty() || open.back() != tag->name) break;  // unbalanced: stop here
      open.pop_back();
      if (open.empty()) {
        children.push_back({tag->name, xml.substr(content_start, tag->begin - content_start)});
      }
    }
  }
  return children;
}

std::optional<std::string_view> XmlChildContent(std::string_view xml, std::string_view name) {
  for (const XmlChild& child : XmlChildren(xml)) {
    if (child.name == name) return child.content;
  }
  return std::nullopt;
}

std::string XmlText(std::string_view content) {
  std::string text = Trim(content);
  constexpr std::string_view kOpen = "<![CDATA[", kClose = "]]>";
  if (text.size() >= kOpen.size() + kClose.size() && text.starts_with(kOpen) &&
      text.ends_with(kClose)) {
    return text.substr(kOpen.size(), text.size() - kOpen.size() - kClose.size());
  }
  return XmlDecodeEntities(text);
}

std::string XmlChildText(std::string_view xml, std::string_view name) {
  std::optional<std::string_view> content = XmlChildContent(xml, name);
  return content ? XmlText(*content) : "";
}

std::vector<std::string_view> XmlListItems(std::string_view xml, std::string_view list) {
  std::vector<std::string_view> items;
  std::optional<std::string_view> content = XmlChildContent(xml, list);
  if (!content) return items;
  for (const XmlChild& child : XmlChildren(*content)) {
    if (child.name == "item") items.push_back(child.content);
  }
  return items;
}

std::string XmlDecodeEntities(std::string_view text) {
  constexpr size_t kLongestEntity = 10;  // "#x10FFFF" and the named ones are shorter
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t amp = text.find('&', at);
    if (amp == kNone) {
      out.append(text.substr(at));
      break;
    }
    out.append(text.substr(at, amp - at));
    size_t semicolon = text.find(';', amp);
    std::optional<std::string> decoded;
    if (semicolon != kNone && semicolon - amp <= kLongestEntity) {
      decoded = DecodeEntity(text.substr(amp + 1, semicolon - amp - 1));
    }
    if (decoded) {
      out += *decoded;
      at = semicolon + 1;
    } else {
      out += '&';
      at = amp + 1;
    }
  }
  return out;
}

}  // namespace osg
