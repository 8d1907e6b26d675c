// The runtime half of vendoring: Windows finds a vendored DLL only in a directory the process added, so each
// top-level package's __init__.py starts (after its docstring and __future__ imports, which must stay first)
// with a function that adds <dist>.libs with os.add_dll_directory; Pythons without it (< 3.8) and conda
// CPython < 3.10 (where the call may not take effect) preload the DLLs named in the load-order file instead.
#include <sstream>

#include "wheel/windows_internal.hpp"

namespace ferry::wheel::windows {

namespace {

std::string py_repr(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "'";
}

// Byte offset where the patch goes: after leading comments and blank lines, the module docstring and any
// `from __future__ import` lines (a simple line scanner; the patch text itself is independent of it).
size_t insertion_point(const std::string& text) {
  size_t pos = 0;
  auto line_end = [&](size_t p) {
    size_t e = text.find('\n', p);
    return e == std::string::npos ? text.size() : e + 1;
  };
  auto trimmed = [&](size_t p) {
    size_t e = line_end(p), s = text.find_first_not_of(" \t", p);
    return s >= e ? std::string() : text.substr(s, e - s);
  };
  bool docstring_seen = false;
  while (pos < text.size()) {
    std::string t = trimmed(pos);
    if (t.empty() || t[0] == '\r' || t[0] == '\n' || t[0] == '#') {
      pos = line_end(pos);
      continue;
    }
    std::string body = t;
    for (const char* p : {"r", "u", "R", "U", "b", "B"})
      if (body.starts_with(p) && body.size() > 1 && (body[1] == '"' || body[1] == '\'')) body = body.substr(1);
    if (!docstring_seen && (body.starts_with("\"\"\"") || body.starts_with("'''"))) {
      std::string q = body.substr(0, 3);
      size_t start = text.find(q, pos) + 3, close = text.find(q, start);
      if (close == std::string::npos) return 0;  // unterminated: leave it to Python to complain, patch first
      pos = line_end(close + 3);
      docstring_seen = true;
      continue;
    }
    if (!docstring_seen && (body[0] == '"' || body[0] == '\'')) {
      pos = line_end(pos);
      docstring_seen = true;
      continue;
    }
    if (t.starts_with("from __future__")) {
      pos = line_end(pos);
      continue;
    }
    break;
  }
  return pos;
}

}  // namespace

std::string patch_init_py(const std::string& original, const std::string& libs_dir, int depth,
                          const std::string& load_order_file, const std::string& tag) {
  std::string pardirs;
  for (int i = 0; i < depth; ++i) pardirs += "os.pardir, ";
  std::ostringstream p;
  p << "# start ferry patch: find the DLLs vendored into " << libs_dir << "\n"
    << "def _ferry_dll_path_" << tag << "():\n"
    << "    import os\n"
    << "    import sys\n"
    << "    libs = os.path.abspath(os.path.join(os.path.dirname(__file__), " << pardirs << py_repr(libs_dir) << "))\n"
    << "    if not os.path.isdir(libs):\n"
    << "        return\n"
    << "    conda = 'conda' in sys.version or 'Continuum' in sys.version\n"
    << "    if hasattr(os, 'add_dll_directory') and (not conda or sys.version_info[:2] >= (3, 10)):\n"
    << "        os.add_dll_directory(libs)\n"
    << "        return\n";
  if (!load_order_file.empty())
    p << "    order = os.path.join(libs, " << py_repr(load_order_file) << ")\n"
      << "    if os.path.isfile(order):\n"
      << "        import ctypes\n"
      << "        load = ctypes.windll.kernel32.LoadLibraryExW\n"
      << "        load.restype = ctypes.c_void_p\n"
      << "        for name in open(order).read().split():\n"
      << "            # 8 = LOAD_WITH_ALTERED_SEARCH_PATH: the DLL's own folder is searched for its imports\n"
      << "            if not load(os.path.join(libs, name), None, 8):\n"
      << "                raise OSError('cannot load ' + name + ' from ' + libs)\n";
  p << "\n\n_ferry_dll_path_" << tag << "()\n"
    << "del _ferry_dll_path_" << tag << "\n"
    << "# end ferry patch\n";
  std::string patch = p.str();
  bool crlf = original.find("\r\n") != std::string::npos;
  if (crlf) {
    std::string c;
    for (char ch : patch) c += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
    patch = c;
  }
  size_t at = insertion_point(original);
  std::string before = original.substr(0, at);
  if (!before.empty() && before.back() != '\n') before += crlf ? "\r\n" : "\n";
  std::string after = original.substr(at);
  return before + (before.empty() ? "" : (crlf ? "\r\n" : "\n")) + patch + (after.empty() ? "" : (crlf ? "\r\n" : "\n")) + after;
}

}  // namespace ferry::wheel::windows
