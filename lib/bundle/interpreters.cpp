// Interpreters embedded through a shared library (libpython, libtcl): the files they read at run time, which no
// ELF dependency names and which --detect cannot see all of (CPython's os.py is frozen into libpython, so a run
// never opens the landmark that says where the standard library is). Found from the library's own name and
// location, the way the interpreter itself looks for them (README, `ferry bundle`).
#include <filesystem>
#include <regex>

#include "bundle/bundle.hpp"
#include "resolve/root_fs.hpp"
#include "support/file.hpp"

namespace fs = std::filesystem;

namespace ferry::bundle {

namespace {

bool is_file(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// CPython's getpath: PREFIX/PLATLIBDIR/pythonX.Y/os.py is the landmark, searched upwards from the program; here
// upwards from the library, which sits in PREFIX/lib or PREFIX/lib/TRIPLET on every layout we know.
std::optional<InterpreterFiles> python_files(const std::string& soname, const std::string& origin,
                                             const std::string& sysroot) {
  static const std::regex re(R"(libpython(\d+)\.(\d+)([a-z]*)\.so.*)");
  std::smatch m;
  if (!std::regex_match(soname, m, re)) return std::nullopt;
  std::string abi_thread = m[3].str().find('t') != std::string::npos ? "t" : "";
  std::string stdlib = "python" + m[1].str() + "." + m[2].str() + abi_thread;
  InterpreterFiles out;
  out.language = stdlib;
  out.library = soname;
  // Byte-code caches are stale once copied (they record the source's mtime), config-X.Y-TRIPLET holds the static
  // library for building against Python, and test suites and third-party packages are not the interpreter's.
  out.skip = {"__pycache__", "test", "idle_test", "site-packages", "dist-packages"};
  out.skip_prefixes = {"config-" + m[1].str() + "." + m[2].str()};
  out.home_variable = "FERRYPHOME";
  std::string root = sysroot == "/" ? "" : sysroot;
  for (std::string dir = resolve::dirname_of(origin); dir.size() > root.size() && dir != "/";
       dir = resolve::dirname_of(dir)) {
    for (const char* libdir : {"lib", "lib64"}) {
      std::string tree = dir + "/" + libdir + "/" + stdlib;
      if (!is_file(tree + "/os.py") && !is_file(tree + "/os.pyc")) continue;
      out.trees.push_back({tree, std::string(libdir) + "/" + stdlib});
      // PLATLIBDIR lib64 keeps lib-dynload apart from the pure modules (Fedora): both trees, same prefix.
      for (const char* other : {"lib", "lib64"}) {
        std::string sibling = dir + "/" + other + "/" + stdlib;
        std::error_code ec;
        if (sibling != tree && fs::is_directory(sibling + "/lib-dynload", ec))
          out.trees.push_back({sibling, std::string(other) + "/" + stdlib});
      }
      return out;
    }
  }
  out.warning = soname + ": no " + stdlib + "/os.py above " + resolve::dirname_of(origin) +
                "; its standard library is not bundled (--add it)";
  return out;
}

// Tcl's tclInit tries TCL_LIBRARY, the compiled-in library directory, then PARENT/lib/tclX.Y where PARENT is
// two levels above [info nameofexecutable] (the launcher's argv[0], ROOT/bin/NAME): the bundle's lib/tclX.Y.
// The compiled-in directory is the absolute path string in libtcl whose init.tcl exists.
std::optional<InterpreterFiles> tcl_files(const std::string& soname, const std::string& origin,
                                          const std::string& sysroot) {
  static const std::regex re(R"(libtcl(\d+)\.?(\d+)\.so.*)");
  std::smatch m;
  if (!std::regex_match(soname, m, re)) return std::nullopt;
  std::string name = "tcl" + m[1].str() + "." + m[2].str();
  InterpreterFiles out;
  out.language = name;
  out.library = soname;
  auto bytes = read_file(origin, 64u << 20);
  if (!bytes) {
    out.warning = bytes.error().describe();
    return out;
  }
  std::string root = sysroot == "/" ? "" : sysroot;
  const auto& b = bytes.value();
  size_t start = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] != 0) continue;
    if (i > start + name.size() && b[start] == '/') {
      std::string s(reinterpret_cast<const char*>(b.data() + start), i - start);
      if (s.size() > name.size() && s.compare(s.size() - name.size() - 1, std::string::npos, "/" + name) == 0 &&
          is_file(root + s + "/init.tcl")) {
        out.trees.push_back({root + s, "lib/" + name});
        out.sealed_strings.push_back(s);
        // Tcl modules (.tm: msgcat, which clock needs, http, ...): tm.tcl looks in PARENT/tclN/X.Y and
        // PARENT/tclN/site-tcl, PARENT being the directory above [info library] (the bundle's lib/).
        // Upstream installs them there (PREFIX/lib/tcl8/8.5); Debian keeps them inside the library directory.
        std::string modules = "tcl" + m[1].str();
        std::error_code ec;
        if (fs::is_directory(root + s + "/" + modules, ec))
          out.trees.push_back({root + s + "/" + modules, "lib/" + modules + "/" + m[1].str() + "." + m[2].str()});
        else if (fs::is_directory(root + resolve::dirname_of(s) + "/" + modules, ec))
          out.trees.push_back({root + resolve::dirname_of(s) + "/" + modules, "lib/" + modules});
        return out;
      }
    }
    start = i + 1;
  }
  out.warning = soname + ": no compiled-in " + name + " directory with init.tcl found; its script library is not "
                "bundled (--add it)";
  return out;
}

}  // namespace

std::optional<InterpreterFiles> find_interpreter_files(const std::string& soname, const std::string& origin,
                                                       const std::string& sysroot) {
  if (auto py = python_files(soname, origin, sysroot)) return py;
  return tcl_files(soname, origin, sysroot);
}

}  // namespace ferry::bundle
