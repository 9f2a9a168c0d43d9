#include "config_keys.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "config.h"
#include "files.h"
#include "test_token.h"
#include "text.h"

namespace osg {
namespace {

constexpr int64_t kNow = 1800000000;

// The keys of README.md's configuration reference with their Default column (backticks
// removed): the table rows between "## Configuration reference" and the next "## " heading. A
// row may name several keys in its first column ("`EC2AccessKeyID`, `EC2SecretAccessKey`").
std::map<std::string, std::string> ReadmeReference() {
  std::string path = std::string(OSG_SOURCE_DIR) + "/README.md";
  std::optional<std::string> readme = ReadFile(path);
  EXPECT_TRUE(readme) << "cannot read " << path;
  std::map<std::string, std::string> keys;
  bool in_reference = false;
  std::istringstream lines(readme.value_or(""));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("## ")) in_reference = line.starts_with("## Configuration reference");
    if (!in_reference || !line.starts_with("| `")) continue;
    size_t first = line.find('|', 1), second = line.find('|', first + 1);
    if (second == std::string::npos) continue;
    std::string names = line.substr(1, first - 1);
    std::string default_shown = Trim(line.substr(first + 1, second - first - 1));
    std::erase(default_shown, '`');
    for (size_t open = names.find('`'); open != std::string::npos;) {
      size_t close = names.find('`', open + 1);
      if (close == std::string::npos) break;
      keys[names.substr(open + 1, close - open - 1)] = default_shown;
      open = names.find('`', close + 1);
    }
  }
  return keys;
}

TEST(ConfigKeys, TheReadmeReferenceDocumentsEveryKey) {
  std::map<std::string, std::string> readme = ReadmeReference();
  for (const ConfigKey& key : ConfigKeys()) {
    EXPECT_TRUE(readme.count(key.name))
        << "README.md's configuration reference misses " << key.name << " (default "
        << key.default_shown << ": " << key.meaning << ")";
  }
}

TEST(ConfigKeys, TheReadmeReferenceDocumentsNoKeyTheParserDoesNotKnow) {
  for (const auto& [name, default_shown] : ReadmeReference()) {
    const ConfigKey* key = FindConfigKey(name);
    EXPECT_TRUE(key && name == key->name)
        << "README.md's configuration reference documents " << name
        << ", which is no key of config_keys.cc" << (key ? " (it spells it " : "")
        << (key ? std::string(key->name) + ")" : "");
  }
}

TEST(ConfigKeys, TheReadmeShowsTheDefaultsOfTheTable) {
  std::map<std::string, std::string> readme = ReadmeReference();
  for (const ConfigKey& key : ConfigKeys()) {
    auto row = readme.find(key.name);
    if (row == readme.end()) continue;  // reported above
    EXPECT_EQ(row->second, key.default_shown) << "the README's default of " << key.name;
  }
}

TEST(ConfigKeys, NamesAreUniqueWithoutCaseAndMeaningsAreOneLine) {
  std::set<std::string> seen;
  for (const ConfigKey& key : ConfigKeys()) {
    EXPECT_TRUE(seen.insert(ToLower(key.name)).second) << key.name << " twice";
    EXPECT_EQ(std::string(key.meaning).find('\n'), std::string::npos) << key.name;
    EXPECT_EQ(FindConfigKey(ToLower(key.name)), &key);
  }
  EXPECT_EQ(FindConfigKey("NoSuchKey"), nullptr);
}

// A user may copy a shown default into the file: it must then change nothing. Words that no
// value spells ("the region's") are refused by the key, so they cannot be copied by mistake.
TEST(ConfigKeys, ADefaultTheKeyAcceptsIsTheParsersOwnDefault) {
  std::string required =
      "Token = " + testing::MakeToken(kNow + 3600) + "\nStart = TARGET.ProjectName == \"TG-1\"\n";
  LoadedConfig base = ParseConfig(required, "base", kNow);
  ASSERT_TRUE(base.ok());
  for (const ConfigKey& key : ConfigKeys()) {
    if (key.required()) continue;
    std::string line = std::string(key.name) + " = " + key.default_shown;
    LoadedConfig loaded = ParseConfig(required + line + "\n", "with-default", kNow);
    bool accepted = true;
    for (const Diagnostic& d : loaded.diagnostics) {
      if (d.severity == Diagnostic::Severity::kError && d.key == key.name) accepted = false;
    }
    if (accepted) {
      EXPECT_TRUE(loaded.settings == base.settings) << line << " changes a setting";
    }
  }
}

TEST(ConfigKeys, RequiredKeysAreTokenAndStart) {
  std::vector<std::string> required;
  for (const ConfigKey& key : ConfigKeys()) {
    if (key.required()) required.push_back(key.name);
  }
  EXPECT_EQ(required, (std::vector<std::string>{"Token", "Start"}));
}

TEST(DescribeConfigKeys, OneLinePerKeyWithItsDefaultAndMeaning) {
  std::string text = DescribeConfigKeys();
  std::istringstream lines(text);
  std::string header;
  ASSERT_TRUE(std::getline(lines, header));
  EXPECT_TRUE(header.starts_with("Key ")) << header;
  size_t default_column = header.find("Default"), meaning_column = header.find("Meaning");
  for (const ConfigKey& key : ConfigKeys()) {
    std::string line;
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_EQ(Trim(line.substr(0, default_column)), key.name);
    EXPECT_EQ(Trim(line.substr(default_column, meaning_column - default_column)),
              key.default_shown);
    EXPECT_EQ(line.substr(meaning_column), key.meaning);
  }
  std::string extra;
  EXPECT_FALSE(std::getline(lines, extra)) << extra;
}

}  // namespace
}  // namespace osg
