// The `ferry check --html` page without a browser: names from the inputs never become markup (HTML-escaped in
// the matrix, \u003c-escaped in the embedded JSON, which still parses back to the same strings), bytes that are
// not UTF-8 become \xHH, and an archive member's graph links it to the members that ship what it needs.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "report/check_html.hpp"

using namespace ferry;

namespace {

const std::string evil = "w.whl!pkg/</script><script>alert(1)</script><img src=x onerror=alert(2)>.so";

// An input of the report: its name and kind, and the range of r.files it holds.
policy::InputReport input(const std::string& name, const std::string& kind, size_t first_file, size_t file_count) {
  policy::InputReport in;
  in.input = name;
  in.kind = kind;
  in.first_file = first_file;
  in.file_count = file_count;
  return in;
}

policy::CheckReport hostile_report() {
  policy::CheckReport r;
  r.targets = {"manylinux2014"};
  policy::FileReport ext;
  ext.path = evil;
  ext.input = "w.whl";
  ext.arch = "x86_64";
  ext.kind = "shared-object";
  ext.needed = {"libshipped.so.1", "libc.so.6", "lib<b>x</b>.so"};
  policy::TargetVerdict v;
  v.target = "manylinux2014";
  v.tag = "manylinux_2_17_x86_64";
  v.pass = false;
  policy::Issue i;
  i.message = "<svg onload=alert(3)>@GLIBC_2.34 (libc.so.6) is above manylinux_2_17's GLIBC ceiling 2.17";
  i.library = "libc.so.6";
  i.symbol = "<svg onload=alert(3)>";
  i.version = "GLIBC_2.34";
  i.hint.remedy = "use <old> & \"quoted\"";
  v.issues.push_back(i);
  ext.verdicts.push_back(v);
  policy::FileReport lib;
  lib.path = "w.whl!pkg.libs/libshipped.so.1";
  lib.input = "w.whl";
  lib.soname = "libshipped.so.1";
  lib.needed = {"libc.so.6"};
  policy::TargetVerdict ok;
  ok.target = "manylinux2014";
  ok.tag = "manylinux_2_17_x86_64";
  lib.verdicts.push_back(ok);
  policy::FileReport bytes;
  bytes.path = std::string("dir/lib\xff\xfe.so");
  bytes.input = "dir";
  bytes.verdicts.push_back(ok);
  r.files = {ext, lib, bytes};
  r.inputs = {input("w.whl", "zip", 0, 2), input("dir", "directory", 2, 1)};
  return r;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("check --html: input names are text, never markup") {
  auto r = hostile_report();
  std::vector<report::FileGraph> graphs(r.files.size());
  std::string page = report::check_to_html(r, graphs);
  CHECK(count(page, "<script") == 2);  // the data block and the page's own script
  CHECK(count(page, "</script>") == 2);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("<svg onload") == std::string::npos);
  CHECK(page.find("<b>x</b>") == std::string::npos);
  CHECK(page.find("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;.so") !=
        std::string::npos);
  CHECK(page.find("use &lt;old&gt; &amp; &quot;quoted&quot;") != std::string::npos);
  CHECK(page.find("lib\\xff\\xfe.so") != std::string::npos);
  CHECK(page.find("Content-Security-Policy") != std::string::npos);
  CHECK(page.find("default-src 'none'") != std::string::npos);

  // The embedded JSON parses back to the exact names.
  const std::string open = "<script type=\"application/json\" id=\"ferry-data\">";
  auto start = page.find(open);
  REQUIRE(start != std::string::npos);
  start += open.size();
  auto end = page.find("</script>", start);
  auto data = nlohmann::json::parse(page.substr(start, end - start));
  CHECK(data["files"][0]["path"] == evil);
  CHECK(data["files"][2]["path"] == "dir/lib\\xff\\xfe.so");
  CHECK(data["first"] == 0);  // the page opens on the first failing file
}

TEST_CASE("check --html: an archive member's graph links the members that ship what it needs") {
  auto r = hostile_report();
  resolve::ResolveOptions ro;
  auto graphs = report::dependency_graphs(r, ro);
  REQUIRE(graphs.size() == 3);
  const auto& g = graphs[0];
  CHECK(g.source == "archive");
  REQUIRE(g.nodes.size() == 4);  // the member, libshipped.so.1, libc.so.6, lib<b>x</b>.so
  CHECK(g.nodes[0].kind == "root");
  CHECK(g.nodes[1].label == "libshipped.so.1");
  CHECK(g.nodes[1].kind == "shipped");
  CHECK(g.nodes[1].path == "w.whl!pkg.libs/libshipped.so.1");
  CHECK(g.nodes[2].label == "libc.so.6");
  CHECK(g.nodes[2].kind == "offending");  // named by the verdict's error
  REQUIRE(g.nodes[2].issues.size() == 1);
  CHECK(g.nodes[2].issues[0].rfind("manylinux_2_17_x86_64: ", 0) == 0);
  CHECK(g.nodes[3].kind == "system");
  // _ext -> libshipped, _ext -> libc, _ext -> lib<b>x</b>, libshipped -> libc (the same node)
  std::vector<std::pair<size_t, size_t>> want{{0, 1}, {0, 2}, {0, 3}, {1, 2}};
  CHECK(g.edges == want);
  // A file on disk that does not exist: the graph is the file alone, with the reason.
  CHECK(graphs[2].source == "loader");
  CHECK(graphs[2].nodes.size() == 1);
  CHECK(!graphs[2].note.empty());
}
