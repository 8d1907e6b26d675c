#!/usr/bin/env python3
"""Independent checker of Mach-O files (thin or universal) for the macOS repair tests, written from the format
(<mach-o/loader.h>, <mach-o/fat.h>, Apple's cs_blobs.h) and not from ferry's code:
- fat header: every slice inside the file, aligned to 2^align, not overlapping;
- per slice: ncmds/sizeofcmds agree with the commands, every cmdsize a multiple of 8 (64-bit), every lc_str inside
  its command, the commands end before the first section's content;
- the code signature: LC_CODE_SIGNATURE last in __LINKEDIT and at the end of the slice, SuperBlob/CodeDirectory
  well formed, SHA-256 of every 4 KiB page up to codeLimit == dataoff equal to its slot, the requirements special
  slot, the exec segment = __TEXT, and (with --no-linker-signed) the linker-signed flag dropped.
usage: macho_signature_check.py [--no-linker-signed] [--require-signature] FILE...
Prints one line per slice; exit 1 on the first problem."""
import hashlib
import struct
import sys

LC_SEGMENT_64, LC_CODE_SIGNATURE = 0x19, 0x1D
STR_COMMANDS = {0xC: 8, 0xD: 8, 0x80000018: 8, 0x8000001F: 8, 0x20: 8, 0x80000023: 8, 0x8000001C: 8}


def die(msg):
    print("FAIL:", msg)
    sys.exit(1)


def slices(data, name):
    magic = struct.unpack_from(">I", data, 0)[0]
    if magic != 0xCAFEBABE:
        return [(0, len(data))]
    n = struct.unpack_from(">I", data, 4)[0]
    out = []
    for i in range(n):
        _, _, off, size, align = struct.unpack_from(">iiIII", data, 8 + 20 * i)
        if off % (1 << align) or off + size > len(data) or off < 8 + 20 * n:
            die(f"{name}: fat_arch {i} at {off:#x}+{size:#x} (align 2^{align}) is misplaced")
        out.append((off, size))
    out.sort()
    for (a, sa), (b, _) in zip(out, out[1:]):
        if a + sa > b:
            die(f"{name}: fat slices overlap")
    return out


def check_slice(s, name, opts):
    magic, cpu, _, ftype, ncmds, sizeofcmds = struct.unpack_from("<IiiIII", s, 0)
    if magic != 0xFEEDFACF:
        die(f"{name}: not a 64-bit little-endian slice")
    pos, end, first, sig, text, linkedit = 32, 32 + sizeofcmds, len(s), None, None, None
    for i in range(ncmds):
        cmd, size = struct.unpack_from("<II", s, pos)
        if size % 8 or pos + size > end:
            die(f"{name}: load command {i} cmdsize {size} is bad")
        if cmd in STR_COMMANDS:
            off = struct.unpack_from("<I", s, pos + STR_COMMANDS[cmd])[0]
            if off >= size or b"\0" not in s[pos + off:pos + size]:
                die(f"{name}: load command {i}: string outside its command")
        if cmd == LC_SEGMENT_64:
            seg = s[pos + 8:pos + 24].rstrip(b"\0").decode()
            vmsize, fileoff, filesize = struct.unpack_from("<QQQ", s, pos + 32)
            nsects = struct.unpack_from("<I", s, pos + 64)[0]
            if seg == "__TEXT":
                text = (fileoff, filesize)
            if seg == "__LINKEDIT":
                linkedit = (fileoff, filesize, vmsize)
            if fileoff and filesize:
                first = min(first, fileoff)
            for k in range(nsects):
                so = pos + 72 + 80 * k
                size_s = struct.unpack_from("<Q", s, so + 40)[0]
                off_s, = struct.unpack_from("<I", s, so + 48)
                flags, = struct.unpack_from("<I", s, so + 64)
                if off_s and size_s and (flags & 0xFF) not in (1, 0xC, 0x12):
                    first = min(first, off_s)
        if cmd == LC_CODE_SIGNATURE:
            sig = struct.unpack_from("<II", s, pos + 8)
        pos += size
    if pos != end:
        die(f"{name}: commands end at {pos:#x}, sizeofcmds says {end:#x}")
    if end > first:
        die(f"{name}: load commands run into the first section at {first:#x}")
    if sig is None:
        if opts["require"]:
            die(f"{name}: no code signature")
        return "unsigned"
    dataoff, datasize = sig
    if dataoff % 16 or dataoff + datasize != len(s) or linkedit[0] + linkedit[1] != len(s) or linkedit[2] < linkedit[1]:
        die(f"{name}: signature {dataoff:#x}+{datasize:#x} is not the end of __LINKEDIT/the slice ({len(s):#x})")
    blob = s[dataoff:dataoff + datasize]
    magic, length, count = struct.unpack_from(">III", blob, 0)
    if magic != 0xFADE0CC0 or length > datasize:
        die(f"{name}: bad SuperBlob")
    index = {t: o for t, o in (struct.unpack_from(">II", blob, 12 + 8 * i) for i in range(count))}
    cd = blob[index[0]:]
    (cmagic, clen, version, flags, hash_off, ident_off, nspecial, ncode, limit, hsize, htype, _plat,
     pshift) = struct.unpack_from(">IIIIIIIIIBBBB", cd, 0)
    if cmagic != 0xFADE0C02 or htype != 2 or hsize != 32 or pshift != 12:
        die(f"{name}: CodeDirectory is not SHA-256 over 4 KiB pages")
    if limit != dataoff or ncode != (limit + 4095) // 4096:
        die(f"{name}: codeLimit {limit:#x} / {ncode} slots do not cover the slice up to the signature")
    if opts["no_linker_signed"] and flags & 0x20000:
        die(f"{name}: still flagged linker-signed")
    for i in range(ncode):
        page = s[i * 4096:min((i + 1) * 4096, limit)]
        if hashlib.sha256(page).digest() != cd[hash_off + 32 * i:hash_off + 32 * (i + 1)]:
            die(f"{name}: page {i} hash mismatch")
    if 2 in index and nspecial >= 2:
        rlen = struct.unpack_from(">I", blob, index[2] + 4)[0]
        if hashlib.sha256(blob[index[2]:index[2] + rlen]).digest() != cd[hash_off - 64:hash_off - 32]:
            die(f"{name}: requirements slot mismatch")
    if version >= 0x20400:
        base, limit_x, _ = struct.unpack_from(">QQQ", cd, 64)
        if (base, limit_x) != text:
            die(f"{name}: exec segment {base:#x}+{limit_x:#x} is not __TEXT {text}")
    ident = cd[ident_off:cd.index(b"\0", ident_off)].decode()
    return f"signed {ident} flags={flags:#x} pages={ncode}"


def main(argv):
    opts = {"no_linker_signed": "--no-linker-signed" in argv, "require": "--require-signature" in argv}
    for f in [a for a in argv if not a.startswith("--")]:
        data = open(f, "rb").read()
        for off, size in slices(data, f):
            cpu = struct.unpack_from("<i", data, off + 4)[0]
            arch = {0x1000007: "x86_64", 0x100000C: "arm64"}.get(cpu, hex(cpu))
            print(f"{f} ({arch}): {check_slice(data[off:off + size], f'{f} ({arch})', opts)}")


if __name__ == "__main__":
    main(sys.argv[1:])
