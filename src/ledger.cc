#include "ledger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "files.h"
#include "text.h"

namespace osg {
namespace {

constexpr double kMaxLedgerTime = 1e11;  // seconds since the epoch: the year 5138

std::string Crc32Hex(std::string_view text) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(text.data()), text.size());
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08lx", crc & 0xffffffffUL);
  return hex;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error("cannot write " + path + ": " + ErrnoText());
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// One line, without its '\n'. Sets `why` when the line is not a valid record.
std::optional<LedgerRecord> ParseLine(std::string_view line, std::string* why) {
  // The JSON text holds no raw tab (dump escapes control characters), so the last tab splits.
  size_t tab = line.rfind('\t');
  if (tab == std::string_view::npos) {
    *why = "no checksum";
    return std::nullopt;
  }
  std::string_view json_text = line.substr(0, tab);
  std::string_view sum = line.substr(tab + 1);
  if (sum.size() != 8 || sum.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    *why = "malformed checksum";
    return std::nullopt;
  }
  if (Crc32Hex(json_text) != sum) {
    *why = "checksum mismatch";
    return std::nullopt;
  }
  nlohmann::json object = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object() || !object.contains("t") ||
      !object["t"].is_number() || !object.contains("event") || !object["event"].is_string()) {
    *why = "not a ledger record";
    return std::nullopt;
  }
  LedgerRecord record;
  record.time = object["t"].get<double>();
  // Append writes the wall clock; a time before 1970 or after the year 5000 is no such time, and
  // would overflow the clock arithmetic of whoever resumes from it.
  if (!(record.time >= 0 && record.time < kMaxLedgerTime)) {
    *why = "time out of range";
    return std::nullopt;
  }
  record.event = object["event"].get<std::string>();
  object.erase("t");
  object.erase("event");
  record.fields = std::move(object);
  return record;
}

std::string FieldString(const LedgerRecord& record, const char* key) {
  auto it = record.fields.find(key);
  return it != record.fields.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string FormatLedgerLine(const LedgerRecord& record) {
  // Ordered, so that "t" and "event" lead each line for a person reading it with less or grep.
  nlohmann::ordered_json object;
  object["t"] = record.time;
  object["event"] = record.event;
  if (record.fields.is_object()) {
    for (const auto& [key, value] : record.fields.items()) {
      if (key != "t" && key != "event") object[key] = value;
    }
  }
  // Replacing invalid UTF-8 instead of throwing: a job owner's odd bytes must not cost a record.
  std::string json_text = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return json_text + "\t" + Crc32Hex(json_text);
}

Ledger::Ledger(std::string path) : path_(std::move(path)) {}

Ledger::~Ledger() {
  if (fd_ >= 0) close(fd_);
}

Status Ledger::Open() {
  std::filesystem::path file(path_);
  std::string dir = file.parent_path().string();
  if (!dir.empty()) {
    Status made = MakePrivateDirectory(dir);
    if (!made.ok()) return made;
  }
  struct stat before;
  bool created = stat(path_.c_str(), &before) != 0;
  // O_RDWR, not O_WRONLY: EndWithNewline reads the last byte.
  int fd = open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::Error("cannot open " + path_ + ": " + ErrnoText());
  fchmod(fd, 0600);  // job owners and projects are nobody else's business
  if (created && !dir.empty()) {
    // The new name must survive a power loss too, not only the bytes fsynced into it.
    int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      fsync(dir_fd);
      close(dir_fd);
    }
  }
  fd_ = fd;
  return Status::Ok();
}

// A write cut short (power loss, disk full) leaves a last line without '\n': end it, so that the
// next record starts on a line of its own and only the torn one is lost.
Status Ledger::EndWithNewline() {
  struct stat st;
  if (fstat(fd_, &st) != 0) return Status::Error("cannot stat " + path_ + ": " + ErrnoText());
  if (st.st_size == 0) return Status::Ok();
  char last = 0;
  if (pread(fd_, &last, 1, st.st_size - 1) != 1)
    return Status::Error("cannot read " + path_ + ": " + ErrnoText());
  return last == '\n' ? Status::Ok() : WriteAll(fd_, "\n", path_);
}

Status Ledger::Append(const LedgerRecord& record) {
  if (!record.fields.is_object() && !record.fields.is_null())
    return Status::Error("ledger: the fields of " + record.event + " are not a JSON object");
  if (fd_ < 0) {
    Status opened = Open();
    if (!opened.ok()) return opened;
  }
  Status ended = EndWithNewline();
  if (!ended.ok()) return ended;
  // One write() of the whole line: with O_APPEND, a crash leaves a prefix of it at worst.
  Status written = WriteAll(fd_, FormatLedgerLine(record) + "\n", path_);
  if (!written.ok()) return written;
  if (fdatasync(fd_) != 0) return Status::Error("cannot sync " + path_ + ": " + ErrnoText());
  return Status::Ok();
}

LedgerReadResult ReadLedger(const std::string& path) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) {
    LedgerReadResult result;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) result.notes.push_back("cannot read " + path);
    return result;
  }
  return ParseLedgerText(*text, path);
}

LedgerReadResult ParseLedgerText(std::string_view text, const std::string& name) {
  LedgerReadResult result;
  result.found = true;
  size_t start = 0;
  int number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    bool last_unended = end == std::string_view::npos;
    if (last_unended) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (line.empty()) continue;
    // A last line whose checksum verifies lost only its '\n' and is kept: Append is about to add
    // that '\n', and a record must not change from lost to found by it.
    std::string why;
    std::optional<LedgerRecord> record = ParseLine(line, &why);
    if (record) {
      result.records.push_back(std::move(*record));
      continue;
    }
    ++result.skipped;
    result.notes.push_back(name + ":" + std::to_string(number) + ": " +
                           (last_unended ? "torn last line (a write cut short), " : "") + why +
                           "; skipped");
  }
  return result;
}

std::optional<LedgerRecord> ResumeIdleSince(const std::vector<LedgerRecord>& records,
                                            const std::string& boot_id) {
  if (boot_id.empty()) return std::nullopt;
  // Backwards from the end: the latest idle_start counts only if nothing after it ended the
  // idleness, and only if it was written during this boot.
  std::optional<LedgerRecord> idle_since;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    const std::string& event = it->event;
    if (event == kEventBoot) {
      if (FieldString(*it, "boot_id") != boot_id) return std::nullopt;  // from an earlier boot
      if (idle_since) return idle_since;
      continue;
    }
    if (idle_since) continue;  // looking for the boot record that vouches for it
    if (event == kEventIdleStart) {
      idle_since = *it;
    } else if (event == kEventIdleEnd || event == kEventClaimStart || event == kEventJobStart ||
               event == kEventLeft) {
      return std::nullopt;
    } else if (event == kEventPhase) {
      // Stopping and a failed stop's return to Idle keep the clock; Busy and Joining end it.
      std::string to = FieldString(*it, "to");
      if (to == "Busy" || to == "Joining") return std::nullopt;
    }
  }
  return std::nullopt;  // no boot record: cannot tell that it is this boot
}

InstanceHistory ReadInstanceHistory(const std::vector<LedgerRecord>& records) {
  InstanceHistory history;
  bool in_pool = false;
  for (const LedgerRecord& record : records) {
    const std::string& event = record.event;
    if (event == kEventAgentStart) {
      if (!history.first_start) history.first_start = record.time;
      in_pool = false;  // a new agent knows nothing until it sees the pool again
    } else if (event == kEventJoined || event == kEventClaimStart || event == kEventJobStart) {
      in_pool = true;
    }
    if (event == kEventConfigAccepted && !history.collector_socket) {
      auto socket = record.fields.find("collector_socket");
      if (socket != record.fields.end() && socket->is_number_integer() && socket->get<int>() > 0) {
        history.collector_socket = socket->get<int>();
      }
    }
    if (in_pool || event == kEventLeft) history.last_in_pool = record.time;
    if (event == kEventLeft) in_pool = false;
  }
  return history;
}

double IdleSeconds(const LedgerRecord& idle_start, double wall_now, double boottime_now) {
  auto it = idle_start.fields.find("boottime");
  if (it != idle_start.fields.end() && it->is_number())
    return std::max(0.0, boottime_now - it->get<double>());
  return std::max(0.0, wall_now - idle_start.time);
}

double BootTimeNow() {
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

std::string CurrentBootId() {
  std::optional<std::string> text = ReadFile("/proc/sys/kernel/random/boot_id");
  return text ? Trim(*text) : "";
}

}  // namespace osg
