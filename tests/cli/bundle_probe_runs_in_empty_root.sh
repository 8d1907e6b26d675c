#!/usr/bin/env bash
# A bundled fixture program runs in an empty root (only the bundle, /proc, /dev/null): argv[0], /proc/self/exe,
# a NEEDED library, a dlopen'ed plugin found by --detect, iconv, C.UTF-8, getpwuid and the exit code, through
# the relocatable launcher and after the install step (then /proc/self/exe is the program itself).
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
need_root_tools
probe=$FIX/bundle/probe
root=$T/root
empty_root "$root"
"$FERRY" bundle -o "$root/b" --detect -- "$probe" dlopen libprobeplugin.so iconv >/dev/null

out=$(in_root "$root" /b/bin/probe argv0 exe dep dlopen libprobeplugin.so iconv locale getpwuid exit 5) && rc=0 || rc=$?
echo "$out"
expect_eq "exit code" 5 "$rc"
expect_eq "launcher output" "argv0=/b/bin/probe
exe=/b/ld/ld-linux-x86-64.so.2
dep=42
dlopen=ok libprobeplugin.so 7
iconv=e974e9
locale=ok
getpwuid=none" "$out"

# The install step, inside the root, with the bundle's own static launcher (no ferry there).
in_root "$root" /b/.ferry/ferry-launcher --install
out=$(in_root "$root" /b/bin/probe argv0 exe dep dlopen libprobeplugin.so iconv locale exit 0)
expect_eq "installed output" "argv0=/b/bin/probe
exe=/b/libexec/probe
dep=42
dlopen=ok libprobeplugin.so 7
iconv=e974e9
locale=ok" "$out"
# The program also starts directly: the kernel loads the bundled loader named by PT_INTERP.
out=$(in_root "$root" /b/libexec/probe exe dep)
expect_eq "direct start" "exe=/b/libexec/probe
dep=42" "$out"

# `ferry bundle --install` (lib/patch) and the launcher's install step give the same interpreter.
cp -a "$root/b" "$T/host-installed"
"$FERRY" bundle --install "$T/host-installed" >/dev/null
want_interp="$T/host-installed/ld/ld-linux-x86-64.so.2"
got_interp=$(readelf -l "$T/host-installed/libexec/probe" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
expect_eq "interpreter after ferry bundle --install" "$want_interp" "$got_interp"
expect_eq "direct start on the host" "exe=$T/host-installed/libexec/probe
dep=42" "$("$T/host-installed/libexec/probe" exe dep)"
expect_eq "launcher execs the installed program" "argv0=$T/host-installed/bin/probe
exe=$T/host-installed/libexec/probe" "$("$T/host-installed/bin/probe" argv0 exe)"
# Moved after installation: the launcher notices and falls back to the bundled loader.
mv "$T/host-installed" "$T/moved"
expect_eq "moved bundle" "exe=$T/moved/ld/ld-linux-x86-64.so.2
dep=42" "$("$T/moved/bin/probe" exe dep)"

# Sealed: without --detect the plugin is not bundled, and the loader does not look for it on the host.
"$FERRY" bundle -o "$T/nodetect" "$probe" >/dev/null
out=$("$T/nodetect/bin/probe" dlopen libprobeplugin.so dlopen libz.so.1)
expect_eq "sealed dlopen" "dlopen=fail libprobeplugin.so
dlopen=fail libz.so.1" "$out"
echo PASS
