// ELF executables in `<dist>-<ver>.data/scripts/` cannot get an $ORIGIN RPATH: pip installs scripts into bin/,
// at no fixed place relative to the package directory. As auditwheel 6 does, repair moves such an executable to
// `<dist>.scripts/NAME` in platlib and leaves in its place a Python script that execs it (pip rewrites `#!python`).
#pragma once

#include <string>

namespace ferry::wheel {

// `X.data/scripts/NAME` exactly (three components; auditwheel's test).
bool is_data_script(const std::string& member);

// Where the executable goes: `<distribution>.scripts/NAME`.
std::string moved_script_member(const std::string& distribution, const std::string& member);

// The shim left at the script's place, byte for byte auditwheel's: it execs platlib/<moved> with sys.argv.
std::string script_shim_text(const std::string& moved_member);

}  // namespace ferry::wheel
