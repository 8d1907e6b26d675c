// The relocatable launcher shipped in every `ferry bundle`: a small static program (no shared libraries, so it
// runs on any x86-64 Linux) copied as bin/NAME (hard links of .ferry/ferry-launcher). Spec:
// docs/bundles.md. It finds the bundle through /proc/self/exe and
//  - when the bundle was installed at this very place (.ferry/installed holds this root), execs
//    libexec/NAME directly: its PT_INTERP names the bundled loader, so /proc/self/exe is the program itself;
//  - otherwise runs the bundled loader: ld/LOADER --library-path ROOT/lib --inhibit-cache --argv0 ARGV0
//    ROOT/libexec/NAME ARGS (glibc >= 2.33 ld.so; the bundled loader is the build machine's).
// LD_LIBRARY_PATH is never set. The only variables set are FERRYGCONV and FERRYLC, the names the bundled libc
// was edited to read instead of GCONV_PATH and LOCPATH, and those .ferry/env names (FERRYPHOME: the bundled
// libpython reads it instead of PYTHONHOME): host programs started by the bundled program ignore them, so
// nothing leaks to them.
// Run as .ferry/ferry-launcher --install, it is the install step of the self-extracting installer: it rewrites
// PT_INTERP of every libexec/ program in place to ROOT/ld/LOADER (ferry reserved a long PT_INTERP at bundle
// time), so no ferry is needed on the target.
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char* what, const char* detail) {
  fprintf(stderr, "ferry-launcher: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(127);
}

// Directory of `path` (without the trailing slash), in place.
static void strip_last(char* path) {
  char* slash = strrchr(path, '/');
  if (slash == NULL) die("cannot find the bundle from", path);
  if (slash == path) slash[1] = '\0';
  else *slash = '\0';
}

static int is_regular(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
static int is_dir(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

// Finds our own path: /proc/self/exe, or argv[0] (with a '/', or searched in PATH) when /proc is not mounted.
static void self_path(const char* argv0, char* out) {
  ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
  if (n > 0) {
    out[n] = '\0';
    return;
  }
  if (strchr(argv0, '/')) {
    if (realpath(argv0, out)) return;
    die("cannot resolve", argv0);
  }
  const char* path = getenv("PATH");
  while (path && *path) {
    const char* colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    char cand[PATH_MAX];
    if (len + strlen(argv0) + 2 < sizeof cand) {
      memcpy(cand, path, len);
      cand[len] = '/';
      strcpy(cand + len + 1, argv0);
      if (access(cand, X_OK) == 0 && realpath(cand, out)) return;
    }
    path = colon ? colon + 1 : NULL;
  }
  die("cannot find myself (is /proc mounted?)", argv0);
}

// The one regular file in ROOT/ld: the bundled loader.
static void find_loader(const char* root, char* out) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/ld", root);
  DIR* d = opendir(dir);
  if (d == NULL) die("bundle has no loader directory", dir);
  struct dirent* e;
  out[0] = '\0';
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(out, PATH_MAX, "%s/%s", dir, e->d_name);
    if (is_regular(out)) break;
    out[0] = '\0';
  }
  closedir(d);
  if (out[0] == '\0') die("bundle has no loader in", dir);
}

// Reads a small text file (one line) into out; returns 0 when absent.
static int read_line(const char* path, char* out, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, out, size - 1);
  close(fd);
  if (n <= 0) return 0;
  out[n] = '\0';
  char* nl = strchr(out, '\n');
  if (nl) *nl = '\0';
  return 1;
}

// .ferry/env: NAME=PATH lines, PATH relative to the bundle root ("." is the root); each NAME is set to the
// absolute path. Only names the bundled libraries were edited to read are written there.
static void set_bundle_env(const char* root) {
  char path[PATH_MAX], text[4096], value[PATH_MAX];
  snprintf(path, sizeof path, "%s/.ferry/env", root);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return;
  text[n] = '\0';
  for (char* line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    char* eq = strchr(line, '=');
    if (eq == NULL || eq == line) continue;
    *eq = '\0';
    const char* rel = eq + 1;
    if (strcmp(rel, ".") == 0 || rel[0] == '\0') snprintf(value, sizeof value, "%s", root);
    else snprintf(value, sizeof value, "%s/%s", root, rel);
    setenv(line, value, 1);
  }
}

// Rewrites PT_INTERP of one ELF file in place; the reserved p_filesz must hold the new path and its NUL.
static int set_interp(const char* file, const char* interp) {
  int fd = open(file, O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  unsigned char ident[EI_NIDENT];
  int rc = -1;
  if (pread(fd, ident, sizeof ident, 0) != (ssize_t)sizeof ident || memcmp(ident, ELFMAG, SELFMAG) != 0 ||
      ident[EI_DATA] != ELFDATA2LSB) {
    close(fd);
    return 1;  // not a little-endian ELF file: nothing to do
  }
  uint64_t phoff, phnum, phentsize;
  if (ident[EI_CLASS] == ELFCLASS64) {
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh) goto out;
    phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
  } else {
    Elf32_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh) goto out;
    phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
  }
  for (uint64_t i = 0; i < phnum && i < 4096; ++i) {
    uint64_t type, offset, filesz;
    if (ident[EI_CLASS] == ELFCLASS64) {
      Elf64_Phdr ph;
      if (phentsize < sizeof ph || pread(fd, &ph, sizeof ph, (off_t)(phoff + i * phentsize)) != (ssize_t)sizeof ph)
        goto out;
      type = ph.p_type, offset = ph.p_offset, filesz = ph.p_filesz;
    } else {
      Elf32_Phdr ph;
      if (phentsize < sizeof ph || pread(fd, &ph, sizeof ph, (off_t)(phoff + i * phentsize)) != (ssize_t)sizeof ph)
        goto out;
      type = ph.p_type, offset = ph.p_offset, filesz = ph.p_filesz;
    }
    if (type != PT_INTERP) continue;
    size_t len = strlen(interp);
    if (len + 1 > filesz || filesz > 65536) {
      fprintf(stderr, "ferry-launcher: %s: PT_INTERP has room for %llu bytes, %s needs %zu\n", file,
              (unsigned long long)filesz, interp, len + 1);
      goto out;
    }
    char* buf = calloc(1, filesz);
    if (buf == NULL) goto out;
    memcpy(buf, interp, len);
    ssize_t w = pwrite(fd, buf, filesz, (off_t)offset);
    free(buf);
    rc = (w == (ssize_t)filesz) ? 0 : -1;
    goto out;
  }
  rc = 1;  // no PT_INTERP (a static program or a library)
out:
  close(fd);
  return rc;
}

// The install step: PT_INTERP of libexec/* -> ROOT/ld/LOADER, then ROOT/.ferry/installed = ROOT.
static int install(const char* root) {
  char loader[PATH_MAX], dir[PATH_MAX], file[PATH_MAX];
  find_loader(root, loader);
  snprintf(dir, sizeof dir, "%s/libexec", root);
  DIR* d = opendir(dir);
  if (d == NULL) die("bundle has no libexec directory", dir);
  struct dirent* e;
  int failed = 0, count = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
    if (!is_regular(file)) continue;
    int rc = set_interp(file, loader);
    if (rc < 0) {
      fprintf(stderr, "ferry-launcher: cannot set the interpreter of %s: %s\n", file, strerror(errno));
      failed = 1;
    } else if (rc == 0) {
      ++count;
    }
  }
  closedir(d);
  if (failed) return 1;
  snprintf(file, sizeof file, "%s/.ferry/installed", root);
  FILE* f = fopen(file, "w");
  if (f == NULL || fprintf(f, "%s\n", root) < 0 || fclose(f) != 0) die("cannot write", file);
  printf("installed %d program(s) in %s (interpreter %s)\n", count, root, loader);
  return 0;
}

int main(int argc, char** argv) {
  char exe[PATH_MAX], root[PATH_MAX], name[NAME_MAX + 1];
  self_path(argc > 0 ? argv[0] : "", exe);
  const char* base = strrchr(exe, '/');
  snprintf(name, sizeof name, "%s", base ? base + 1 : exe);
  snprintf(root, sizeof root, "%s", exe);
  strip_last(root);  // ROOT/bin or ROOT/.ferry
  strip_last(root);  // ROOT

  if (strcmp(name, "ferry-launcher") == 0) {
    if (argc >= 2 && strcmp(argv[1], "--install") == 0) return install(root);
    fprintf(stderr, "usage: %s --install   (rewrites the bundle's programs to run from %s)\n", argv[0], root);
    return 2;
  }

  char program[PATH_MAX], path[PATH_MAX], line[PATH_MAX];
  snprintf(program, sizeof program, "%s/libexec/%s", root, name);
  if (!is_regular(program)) die("no such program in the bundle", program);

  snprintf(path, sizeof path, "%s/data/gconv", root);
  if (is_dir(path)) setenv("FERRYGCONV", path, 1);
  snprintf(path, sizeof path, "%s/data/locale", root);
  if (is_dir(path)) setenv("FERRYLC", path, 1);
  set_bundle_env(root);

  snprintf(path, sizeof path, "%s/.ferry/installed", root);
  if (read_line(path, line, sizeof line) && strcmp(line, root) == 0) {
    execv(program, argv);
    die("cannot run", program);
  }

  // Relocatable case: the bundled loader, sealed to the bundle (plus host dirs --allow-host named).
  char loader[PATH_MAX], libpath[2 * PATH_MAX];
  find_loader(root, loader);
  snprintf(libpath, sizeof libpath, "%s/lib", root);
  snprintf(path, sizeof path, "%s/.ferry/host-path", root);
  if (read_line(path, line, sizeof line) && line[0] != '\0') {
    size_t used = strlen(libpath);
    snprintf(libpath + used, sizeof libpath - used, ":%s", line);
  }
  char** args = calloc((size_t)argc + 8, sizeof(char*));
  if (args == NULL) die("out of memory", NULL);
  int n = 0;
  args[n++] = loader;
  args[n++] = "--library-path";
  args[n++] = libpath;
  args[n++] = "--inhibit-cache";
  snprintf(path, sizeof path, "%s/.ferry/no-argv0", root);
  if (!is_regular(path)) {  // glibc >= 2.33 loader
    args[n++] = "--argv0";
    args[n++] = argc > 0 ? argv[0] : program;
  }
  args[n++] = program;
  for (int i = 1; i < argc; ++i) args[n++] = argv[i];
  args[n] = NULL;
  execv(loader, args);
  die("cannot run the bundled loader", loader);
  return 127;
}
