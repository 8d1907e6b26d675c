// Catch2's main, in its own translation unit so the test files compile quickly.
// ctest's ENVIRONMENT reaches discovered Catch2 tests only partly (catch_discover_tests keeps the first entry of
// a list), so the paths the tests need are compiled in and exported here unless the caller set them.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char** argv) {
  setenv("FERRY", FERRY_TEST_FERRY, 0);
  setenv("FERRY_SRC", FERRY_TEST_SRC, 0);
  setenv("FERRY_BUILD", FERRY_TEST_BUILD, 0);
  setenv("FERRY_FIXTURES", FERRY_TEST_FIXTURES, 0);
  setenv("FERRY_ROOTS", FERRY_TEST_ROOTS, 0);
  return Catch::Session().run(argc, argv);
}
