#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace osg {

// A member that a cloud's answer should hold as a string; "" when it is absent or of another
// type (json::value would throw on the latter, and these answers come from the network).
inline std::string JsonString(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace osg
