"""Reading an `strace -f -o LOG` log in the tests: one line per call, whatever the threads did."""
import re


def strace_calls(log):
    """The calls of an strace -f log, one line each: a call another thread interrupted is logged as
    "PID  name(args <unfinished ...>" and later "PID  <... name resumed>)     = result" (the result padded to a
    column); the two are joined as strace writes an uninterrupted call, "name(args) = result"."""
    pending = {}
    for line in open(log):
        pid, _, call = line.rstrip("\n").partition(" ")
        call = call.lstrip()
        if call.endswith("<unfinished ...>"):
            head = call[: -len("<unfinished ...>")]
            pending[pid] = head[:-1] if head.endswith(" ") else head  # the one space before the marker
        elif call.startswith("<... ") and " resumed>" in call and pid in pending:
            rest = re.sub(r"\)[ \t]+= ([^=]*)$", r") = \1", call.split(" resumed>", 1)[1])
            yield f"{pid}  {pending.pop(pid)}{rest}"
        else:
            yield line.rstrip("\n")
