// bench/replace_floor.c: the least work any atomic replace of FILE does, as a static C program with nothing else
// to do: copy FILE into a new inode next to it (copy_file_range: a reflink where the filesystem has them, a copy
// through the page cache on ext4) and rename that over FILE, which frees the old inode. bench/patch.sh times it
// in the same rotation as ferry and patchelf: a writer that keeps its promise (the original untouched until the
// verified new file replaces it) cannot be faster than this, patchelf (which truncates and rewrites FILE in place)
// can. Usage: replace_floor FILE
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  int in = open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (in < 0 || fstat(in, &st) != 0) return 1;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.floor-tmp", argv[1]);
  int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
  if (out < 0) return 1;
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
    if (n <= 0) return unlink(tmp), 1;
    left -= n;
  }
  if (close(out) != 0 || rename(tmp, argv[1]) != 0) return unlink(tmp), 1;
  close(in);
  return 0;
}
