#!/usr/bin/env bash
# Crafted corrupt inputs give one-line errors naming the file and the bad structure, exit 2, never crash, and
# are left untouched; a good file given in the same call is still patched.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
corrupt() {  # NAME PYTHON-EXPR-ON-b
  cp "$T/b/prog" "$T/$1"
  python3 - "$T/$1" "$2" <<'P'
import sys, struct
p, expr = sys.argv[1], sys.argv[2]
b = bytearray(open(p, 'rb').read())
phoff = struct.unpack_from('<Q', b, 0x20)[0]; phnum = struct.unpack_from('<H', b, 0x38)[0]
def ph(t):
  for i in range(phnum):
    o = phoff + 56 * i
    if struct.unpack_from('<I', b, o)[0] == t: return o
exec(expr)
open(p, 'wb').write(b)
P
}
corrupt truncated 'del b[200:]'
corrupt badphoff 'struct.pack_into("<Q", b, 0x20, 0xfffffffffff0)'
corrupt dynamic_past_end 'struct.pack_into("<Q", b, ph(2) + 8, len(b) - 8)'
corrupt no_dt_null 'o = struct.unpack_from("<Q", b, ph(2) + 8)[0]; n = struct.unpack_from("<Q", b, ph(2) + 32)[0]; b[o:o+n] = struct.pack("<QQ", 1, 1) * (n // 16)'
corrupt strtab_unmapped 'o = struct.unpack_from("<Q", b, ph(2) + 8)[0]
while True:
  t = struct.unpack_from("<Q", b, o)[0]
  if t == 5: struct.pack_into("<Q", b, o + 8, 0x7fff0000); break
  o += 16'
printf 'not an elf file' > "$T/text"
declare -A want=(
  [truncated]="program header table"
  [badphoff]="program header table"
  [dynamic_past_end]="program header #"
  [no_dt_null]="PT_DYNAMIC: no DT_NULL"
  [strtab_unmapped]="DT_STRTAB 0x7fff0000"
  [text]="not an ELF file")
for name in "${!want[@]}"; do
  sum=$(sha256sum < "$T/$name")
  set +e; err=$("$FERRY" patch --set-rpath /x "$T/$name" 2>&1); rc=$?; set -e
  expect_eq "$name exit" 2 "$rc"
  [ "$(wc -l <<<"$err")" = 1 ] || fail "$name: more than one line: $err"
  grep -qF "$T/$name: " <<<"$err" || fail "$name: the error does not name the file: $err"
  grep -qF "${want[$name]}" <<<"$err" || fail "$name: expected '${want[$name]}' in: $err"
  expect_eq "$name untouched" "$sum" "$(sha256sum < "$T/$name")"
done
set +e; "$FERRY" patch --set-rpath /good "$T/text" "$T/b/prog" 2>/dev/null; rc=$?; set -e
expect_eq "mixed exit" 2 "$rc"
expect_eq "good file patched" "/good" "$(dyn "$T/b/prog" RUNPATH)"
ls -a "$T" "$T/b" | has "\.ferry-" && fail "temporary files left behind"
echo ok
