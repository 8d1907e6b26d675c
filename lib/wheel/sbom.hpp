// The CycloneDX 1.4 SBOM a repaired wheel carries (`<dist-info>/sboms/ferry.cdx.json`), in the shape auditwheel 6.5+
// writes its own: the wheel as a pkg:pypi component, and for each grafted library the distribution package that
// provided it (pkg:deb / pkg:rpm / pkg:apk purls), plus ferry's addition, the sha256 of each grafted file as written.
// Which package owns a file is asked of a function the caller supplies (the CLI runs dpkg/rpm/apk): this stays pure.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/hash.hpp"
#include "support/result.hpp"

namespace ferry::wheel {

// A distribution package that owns a file, as a package manager reports it.
struct PackageOrigin {
  std::string type;     // purl type: "deb", "rpm", "apk"
  std::string distro;   // os-release ID ("debian", "almalinux", "alpine"); may be empty
  std::string name;     // "libxml2"
  std::string version;  // "2.9.14+dfsg-1.3~deb12u1" (rpm: VERSION-RELEASE)
  std::string purl() const;  // pkg:deb/debian/libxml2@2.9.14%2Bdfsg-1.3~deb12u1 (purl quoting)
};

// Which package provides the file at this (real) path; nullopt when none does or no package manager answers.
using WhichProvides = std::function<std::optional<PackageOrigin>(const std::string& path)>;
// The same question for many paths at once (one package-manager run answers them all: a spawn of dpkg reads its
// whole database, so asking per file cost a torch-sized repair with 22 grafts seconds); answers in the order asked.
using WhichProvidesMany =
    std::function<std::vector<std::optional<PackageOrigin>>(const std::vector<std::string>& paths)>;

struct SbomFile {
  std::string member;  // where it is in the wheel: "lxml.libs/libxml2-5f1c0e12.so.2.9.14"
  std::string source;  // the real path it was grafted from (what the package manager is asked about)
  Sha256 digest{};     // of the file as written into the wheel (after patching)
};

// Percent-encoding as purls and auditwheel use it (Python's urllib.parse.quote with safe=""): everything but
// ASCII letters, digits and "_.-~" becomes %XX.
std::string purl_quote(const std::string& s);

struct Sbom {
  std::string text;                 // the JSON document
  std::vector<std::string> purls;   // the distribution packages found, sorted, once each
  size_t unowned = 0;               // grafted files no package manager claimed
};

// The SBOM for the repaired wheel named wheel_file_name (its final name, which the pypi purl carries), or nullopt
// when no grafted file is owned by a package (auditwheel then writes none either). Components: the wheel, then one per grafted file sorted by (purl, source) as auditwheel
// sorts them; a file no package owns is a "file" component with its hash only.
Result<std::optional<Sbom>> make_sbom(const std::string& wheel_file_name, const std::vector<SbomFile>& files,
                                             const WhichProvides& which_provides);

}  // namespace ferry::wheel
