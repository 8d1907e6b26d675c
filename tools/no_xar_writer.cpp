// Linked into both ferry executables, which take libarchive from its static archive (CMakeLists.txt): what a
// program that carries its own libraries must not inherit from the machine it runs on.
#include <archive.h>

#include <cerrno>

// libarchive's generic format table references its xar writer, the only user of libxml2 in ferry's link, and
// Debian's libxml2.a in turn needs ICU (30 MB of data). ferry never writes xar: defining the entry point here
// keeps libarchive's xar object, libxml2 and ICU out of the binary. A caller asking for xar gets a fatal error.
extern "C" int archive_write_set_format_xar(struct archive* a) {
  archive_set_error(a, EINVAL, "xar archives are not built into this ferry");
  return ARCHIVE_FATAL;
}
