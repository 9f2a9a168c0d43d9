#include "start_expr.h"

#include <classad/classad_distribution.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <regex>
#include <set>

#include "text.h"

namespace osg {
namespace {

// Attributes of a startd's machine ad that a Start expression may test unscoped, plus the ones
// this project advertises. Anything else unscoped is almost always a job attribute written without
// TARGET., or a word that lost its quotes.
constexpr std::array kMachineAttributes = {
    "Activity",
    "Arch",
    "CondorPlatform",
    "CondorVersion",
    "Cpus",
    "CpuFamily",
    "CpuModel",
    "CurrentTime",
    "DetectedCpus",
    "DetectedMemory",
    "Disk",
    "DynamicSlot",
    "EnteredCurrentState",
    "FileSystemDomain",
    "GLIDEIN_ResourceName",
    "GLIDEIN_Site",
    "GPUs",
    "HasDocker",
    "HasFileTransfer",
    "HasSingularity",
    "IsWakeAble",
    "KeyboardIdle",
    "KFlops",
    "LoadAvg",
    "Machine",
    "Memory",
    "Mips",
    "MyAddress",
    "Name",
    "OpSys",
    "OpSysAndVer",
    "OpSysLongName",
    "OpSysMajorVer",
    "OpSysName",
    "OpSysShortName",
    "OpSysVer",
    "PartitionableSlot",
    "Rank",
    "SlotID",
    "SlotType",
    "StartdIpAddr",
    "State",
    "TotalCpus",
    "TotalDisk",
    "TotalGPUs",
    "TotalMemory",
    "TotalSlotCpus",
    "TotalSlotDisk",
    "TotalSlotMemory",
    "TotalSlots",
    "UidDomain",
    "WorkerGroupName",
};

// Config syntax that HTCondor would act on when it reads the rendered START line.
std::vector<std::string> ConfigSyntaxProblems(std::string_view expression) {
  std::vector<std::string> problems;
  // Any '$', not only "$(": HTCondor expands $ENV(..), $INT(..), $RANDOM_CHOICE(..) and more, even
  // inside a ClassAd string. START is rendered as written (so that condor_config_val shows the
  // owner's own text), hence refused rather than escaped: no ClassAd needs a '$' outside a string,
  // and a project name or owner holds none.
  if (expression.find('$') != std::string_view::npos) {
    problems.push_back(
        "contains \"$\", which HTCondor's configuration reads as a macro ($(NAME), $ENV(NAME), "
        "$INT(...)) and would expand in the rendered START; Start must be a plain ClassAd "
        "expression");
    return problems;
  }
  // The config parser never passes a line break or a NUL, but this check is the contract for
  // whatever renders START: a NUL ends HTCondor's ClassAd parse early (found by
  // fuzz/start_expr_fuzz: "1\n\0..." parsed as "1"), so what it checked is not what is rendered.
  if (std::any_of(expression.begin(), expression.end(), [](unsigned char c) {
        return (c < 0x20 && c != '\t') || c == 0x7f;
      })) {
    problems.push_back("contains a line break or another control character; Start must be one line");
    return problems;
  }
  if (expression.find("@=") != std::string_view::npos) {
    problems.push_back(
        "contains HTCondor configuration syntax \"@=\" (a multi-line value); Start must be a "
        "plain ClassAd expression on one line");
    return problems;
  }
  static const std::regex include_word(R"((^|[^A-Za-z0-9_.])include([^A-Za-z0-9_]|$))",
                                       std::regex::icase);
  if (std::regex_search(std::string(expression), include_word)) {
    problems.push_back(
        "contains the word \"include\", HTCondor configuration syntax that is not "
        "allowed in Start");
  }
  if (!expression.empty() && expression.back() == '\\') {
    problems.push_back(
        "ends with a backslash (a configuration line continuation); Start must be "
        "one line");
  }
  return problems;
}

// For `TARGET.ProjectName == TG-NNNNNN`: the unquoted run of text holding `word`, so that we can
// suggest the quoted form. Empty when the word is not part of such a run.
std::string UnquotedRunAround(const std::string& expression, const std::string& word) {
  static const std::regex run(R"([A-Za-z0-9_.\-]+)");
  for (auto it = std::sregex_iterator(expression.begin(), expression.end(), run);
       it != std::sregex_iterator(); ++it) {
    std::string text = it->str();
    if (text != word && text.find(word) != std::string::npos &&
        text.find('-') != std::string::npos) {
      return text;
    }
  }
  return "";
}

std::string QuoteSuggestion(const std::string& expression, const std::string& run) {
  std::string fixed = expression;
  fixed.replace(fixed.find(run), run.size(), "\"" + run + "\"");
  return fixed;
}

std::vector<std::string> UnscopedWordProblems(const std::string& expression,
                                              const classad::ExprTree& tree) {
  classad::ClassAd empty_ad;
  classad::References references;
  empty_ad.GetExternalReferences(&tree, references, /*fullNames=*/true);
  std::vector<std::string> unknown;
  for (const std::string& reference : references) {
    if (reference.find('.') == std::string::npos && !IsMachineAttribute(reference)) {
      unknown.push_back(reference);
    }
  }
  std::vector<std::string> problems;
  std::set<std::string> runs_reported;
  for (const std::string& word : unknown) {
    std::string run = UnquotedRunAround(expression, word);
    if (!run.empty()) {
      if (runs_reported.insert(run).second) {
        problems.push_back("the unquoted " + run +
                           " is read as attribute names and arithmetic, not as text, so Start "
                           "matches no job; did you mean: " +
                           QuoteSuggestion(expression, run));
      }
      continue;
    }
    problems.push_back("\"" + word +
                       "\" is not an attribute of this machine, so it is undefined here and Start "
                       "may match no job; for a job attribute write TARGET." +
                       word + ", for text put it in double quotes");
  }
  return problems;
}

}  // namespace

bool IsMachineAttribute(std::string_view name) {
  std::string lower = ToLower(name);
  return std::any_of(kMachineAttributes.begin(), kMachineAttributes.end(),
                     [&](const char* known) { return ToLower(known) == lower; });
}

std::vector<std::string> CheckStartExpression(std::string_view expression) {
  std::vector<std::string> problems = ConfigSyntaxProblems(expression);
  if (!problems.empty()) return problems;
  std::string text(expression);
  classad::ClassAdParser parser;
  std::unique_ptr<classad::ExprTree> tree(parser.ParseExpression(text, /*full=*/true));
  if (!tree) {
    problems.push_back("does not parse as a ClassAd expression: " + text);
    return problems;
  }
  return UnscopedWordProblems(text, *tree);
}

}  // namespace osg
