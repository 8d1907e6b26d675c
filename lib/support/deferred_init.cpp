// The runner of constructors deferred out of start-up (deferred_init.hpp). The linker defines
// __start_/__stop_ferry_deferred_init around the section when an object has one; weak, so a build without it
// links with both null and runs nothing.
#include "support/deferred_init.hpp"

#include <mutex>

extern "C" {
extern void (*const __start_ferry_deferred_init[])() __attribute__((weak));
extern void (*const __stop_ferry_deferred_init[])() __attribute__((weak));
}

namespace ferry {

void run_deferred_constructors() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (auto* f = __start_ferry_deferred_init; f != __stop_ferry_deferred_init; ++f) (*f)();
  });
}

}  // namespace ferry
