#!/usr/bin/env bash
# A program linked to libtcl (tclsh8.6) runs Tcl in an empty root: init.tcl, an auto-loaded procedure (parray),
# clock (clock.tcl and the msgcat Tcl module), an encoding file (koi8-r) come from the bundle's lib/tclX.Y,
# bundled without --add; a host init.tcl at the compiled-in place is never read (sealed in the bundled libtcl).
# Oracle: the same script under the host's tclsh, [info library] mapped to the bundle.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
need_root_tools
tclsh=/usr/bin/tclsh8.6
[ -x "$tclsh" ] || skip "no $tclsh (Debian package tcl8.6)"
readelf -d "$tclsh" | grep -q 'NEEDED.*libtcl' || skip "$tclsh is not linked to libtcl"
root=$T/root
empty_root "$root"
cat >"$root/tmp/t.tcl" <<'EOF'
array set a {x 1}
parray a
puts [list [clock format 86400 -gmt 1 -format %Y-%m-%d] [package require msgcat] [binary encode hex [encoding convertto koi8-r "\u0416"]]]
puts [info library]
EOF
host=$("$tclsh" "$root/tmp/t.tcl")
echo "host tclsh: $host"
lib=$(tail -n1 <<<"$host")

"$FERRY" bundle "$tclsh" -o "$root/t" >/dev/null
# A decoy init.tcl where the host's libtcl looks first: the bundled one must not read it.
mkdir -p "$root$lib"
echo 'puts DECOY; exit 3' >"$root$lib/init.tcl"
out=$(in_root "$root" /t/bin/tclsh8.6 /tmp/t.tcl) || fail "bundled tclsh failed (exit $?): $out"
expect_eq "tclsh in an empty root" "$(sed '$d' <<<"$host")
/t/lib/tcl8.6" "$out"
echo PASS
