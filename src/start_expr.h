#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace osg {

// Checks a Start expression with HTCondor's own ClassAd library before it reaches START.
// Returns one message per problem; empty means the expression is safe to render.
// Problems found: HTCondor configuration syntax that would escape into the rendered file
// (any $, @=, include, a trailing backslash), a parse error, and unscoped words that are not machine
// attributes (TARGET.ProjectName == TG-NNNNNN, with the quotes forgotten, matches no job at all).
std::vector<std::string> CheckStartExpression(std::string_view expression);

// True when `name` (case-insensitive) is an attribute the startd's own ad defines.
bool IsMachineAttribute(std::string_view name);

}  // namespace osg
