// printf into a string, for the text renderers whose lines the CLI once printed with printf: the formats stay as
// they were, so moving the rendering into lib/report changes no byte of the output.
#pragma once

#include <string>

namespace ferry::report {

[[gnu::format(printf, 2, 3)]] void appendf(std::string& out, const char* format, ...);

}  // namespace ferry::report
