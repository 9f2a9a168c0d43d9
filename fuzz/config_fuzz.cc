// /etc/osg-worker.conf comes from user-data that anyone launching the image writes. Whatever it
// holds, ParseConfig must not crash, and a file it accepts must render an HTCondor config with
// the template's lines only: no line, macro or include smuggled in through a value.

#include <cctype>
#include <cstdint>
#include <string>

#include "condor_config.h"
#include "config.h"
#include "fuzz_check.h"

namespace {

constexpr int64_t kNow = 1800000000;  // fixed, so that a run is reproducible

// The macros the template itself uses; any other "$" in the output came from a value.
bool OnlyTemplateMacros(const std::string& rendered) {
  constexpr std::string_view kAllowed[] = {
      "$(STARTD_ATTRS)", "$(STARTD_JOB_ATTRS)",        "$(UID_DOMAIN)",
      "$(LOG)",          "$(DOLLAR)",                  "$(LIBEXEC)",
      "$(OSG_WORKER_ACCEPTING)", "$(OSG_WORKER_ACCEPT_UNTIL)", "$(OSG_WORKER_GPU_JOBS_FIRST)",
      "$(OSG_WORKER_DEFAULT_IMAGE_READY)", "$(OSG_WORKER_DEFAULT_IMAGE)",
      "$(OSG_WORKER_JOB_IMAGE)", "$(OSG_WORKER_IMAGE_RUNS_HERE)"};
  for (size_t at = rendered.find('$'); at != std::string::npos; at = rendered.find('$', at + 1)) {
    bool known = false;
    for (std::string_view macro : kAllowed) {
      known = known || std::string_view(rendered).substr(at, macro.size()) == macro;
    }
    if (!known) return false;
  }
  return true;
}

bool LooksLikeAToken(const std::string& value) {
  size_t dots = 0;
  for (char c : value) {
    if (c == '.') {
      ++dots;
    } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return dots == 2 && value.size() >= 16;
}

size_t CountLines(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  std::string_view text = osg::fuzz::Bytes(data, size);
  osg::LoadedConfig loaded = osg::ParseConfig(text, "/fuzz/osg-worker.conf", kNow);
  for (const osg::Diagnostic& d : loaded.diagnostics) (void)d.ToString();
  (void)osg::DescribeSettings(loaded.settings);
  // The token is a secret: no message may quote it. Checked for token-shaped values (base64url
  // parts joined by two dots), which no message holds by chance ("conf: error: Start:" does).
  const std::string& token = loaded.settings.token;
  if (LooksLikeAToken(token) && text.find(token) == text.rfind(token)) {
    for (const osg::Diagnostic& d : loaded.diagnostics) {
      Require(d.message.find(token) == std::string::npos, "a diagnostic quoted the token");
    }
  }
  if (!loaded.ok()) return 0;

  static const size_t kTemplateLines = CountLines(osg::RenderCondorConfig(osg::Settings{}, osg::EffectivePool(osg::Settings{}, 1), kNow));
  std::string rendered = osg::RenderCondorConfig(loaded.settings, osg::EffectivePool(loaded.settings, 1), kNow);
  Require(CountLines(rendered) == kTemplateLines, "a value added a line to the HTCondor config");
  Require(rendered.find('\0') == std::string::npos, "a NUL byte reached the HTCondor config");
  Require(rendered.find("@=") == std::string::npos, "heredoc syntax reached the HTCondor config");
  Require(OnlyTemplateMacros(rendered), "a value's '$' reached the HTCondor config unescaped");
  for (size_t end = rendered.find('\n'); end != std::string::npos;
       end = rendered.find('\n', end + 1)) {
    Require(end == 0 || rendered[end - 1] != '\\', "a rendered line ends with a continuation");
  }
  return 0;
}
