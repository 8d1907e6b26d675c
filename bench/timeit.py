#!/usr/bin/env python3
# bench/timeit.py CMD...: runs CMD once (its stdout and stderr are the caller's) and prints "wall user sys maxrss_kb"
# for it: wall from a monotonic clock, CPU and peak RSS from wait4 on CMD alone, to the microsecond, because the
# fixture wheels repair in a few milliseconds, below /usr/bin/time's 10 ms resolution. (Not RUSAGE_CHILDREN: that
# also counts whatever ran before this interpreter was exec'd, e.g. a pyenv shim.) Exits with CMD's status.
import os, subprocess, sys, time

t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:])
_, status, r = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
print(f"{wall:.6f} {r.ru_utime:.6f} {r.ru_stime:.6f} {r.ru_maxrss}", file=sys.stderr)
sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)
