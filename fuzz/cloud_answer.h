#pragma once
// The input of the targets that read a cloud API's answer: one byte that picks the HTTP status
// from the target's list (0: the request failed in transport, and timed out when the byte's bit
// 0x10 is set), then the line of a secret that no detail may show, then the body.

#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_check.h"
#include "http.h"

namespace osg::fuzz {

struct CloudAnswer {
  HttpResponse response;
  std::string secret;
  uint8_t selector = 0;  // the first byte, for a target's further choices
};

template <size_t N>
std::optional<CloudAnswer> ReadCloudAnswer(const uint8_t* data, size_t size,
                                           const long (&statuses)[N]) {
  if (size == 0) return std::nullopt;
  CloudAnswer answer;
  answer.selector = data[0];
  std::string_view rest = Bytes(data + 1, size - 1);
  answer.secret = std::string(TakeLine(&rest));
  answer.response.status = statuses[data[0] % N];
  if (answer.response.status == 0) {
    answer.response.timed_out = (data[0] & 0x10) != 0;
    answer.response.error =
        answer.response.timed_out ? "Operation timed out" : "Connection refused";
  }
  answer.response.body = std::string(rest);
  return answer;
}

}  // namespace osg::fuzz
