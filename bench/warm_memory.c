// bench/warm_memory.c: touches MB megabytes of anonymous memory, then frees them. The benches run it before each
// timed run when BENCH_WARM_MB is set (bench/lib.sh). Why: this VM returns the guest memory it finds free to its
// host (virtio-balloon free page reporting, after about 2 s), and the first touch of such a page costs a fault
// in the host: writing 2 GB into fresh page cache took 7.3 s with all free memory returned, 0.4 s right after
// 6 GB had been touched and freed. How much of it a run finds returned depends on how long the machine idled
// before it (BENCH_SETTLE) and how far into the run it writes, which is not what a bench compares. Warming puts
// every contender on memory the host backs, as on a machine without a balloon. Usage: warm_memory MB
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  size_t n = (size_t)strtoull(argv[1], NULL, 10) << 20;
  if (n == 0) return 0;
  char* p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  memset(p, 1, n);
  return munmap(p, n) != 0;
}
