"""`python -m ferry ARGS`: replaces this Python process by the ferry executable (its exit status and signals are
ferry's own)."""
import os
import sys

from ferry import binary


def main():
    try:
        path = binary()
    except FileNotFoundError as e:
        print("ferry: " + str(e), file=sys.stderr)
        return 3
    os.execv(path, [path] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
