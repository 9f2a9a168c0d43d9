#pragma once

// EC2's answers as the unit tests of ec2.cc and ec2_fleet.cc build them. For tests only.

#include <string>
#include <utility>

#include "http.h"

namespace osg::ec2_test {

// EC2's error answer (Query API, version 2016-11-15).
inline std::string ErrorXml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code +
         "</Code><Message>" + message + "</Message></Error></Errors>" +
         "<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>";
}

// A successful answer to `action`: the XML declaration, the <ACTIONResponse> element in EC2's
// namespace, a requestId, then `inner`.
inline std::string SuccessXml(const std::string& action, const std::string& inner) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action +
         "Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
         "  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>" +
         inner + "</" + action + "Response>";
}

inline HttpResponse Answer(long status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace osg::ec2_test
