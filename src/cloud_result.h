#pragma once

#include <string>

namespace osg {

// What became of a request to delete this instance through its cloud's API.
struct CloudResult {
  enum class Outcome {
    kDone,         // accepted: the instance is going away
    kAlreadyGone,  // nothing to delete (not found, or already terminated)
    kRefused,      // credentials or permissions are wrong: retrying will not help
    kRetry,        // 5xx, throttling, timeout, transport error: try again later
  };
  Outcome outcome = Outcome::kRetry;
  std::string detail;  // for people and logs; never holds a credential
};

inline const char* OutcomeName(CloudResult::Outcome outcome) {
  switch (outcome) {
    case CloudResult::Outcome::kDone:
      return "done";
    case CloudResult::Outcome::kAlreadyGone:
      return "already-gone";
    case CloudResult::Outcome::kRefused:
      return "refused";
    case CloudResult::Outcome::kRetry:
      return "retry";
  }
  return "retry";
}

}  // namespace osg
