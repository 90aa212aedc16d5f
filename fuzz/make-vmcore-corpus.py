#!/usr/bin/env python3
"""Seeds for fuzz/corpus/vmcore: small synthetic kernel dumps made from
nothing but this script (no real kernel memory), one per log layout and
container format, and the log each must give.

    make-vmcore-corpus.py OUTDIR

writes OUTDIR/{lockless,printk_log,plain}.{elf,kdump-zlib,kdump-raw,flat}
and OUTDIR/{lockless,printk_log,plain}.dmesg (what makedumpfile
--dump-dmesg prints for them). t1200 runs it at test time; the corpus in
the repository was made by it.
"""
import os
import struct
import sys
import zlib

PAGE = 4096
KMAP = 0xffffffff80000000
PHYS_BASE = 0x1000000  # the kernel image at 16 MiB physical
BASE_VA = KMAP + 0x2000000  # our variables: physical 0x3000000
RECORDS = [
    (0, b"Linux version 6.1.0-synthetic (retrace-server test)"),
    (1500000, b"a line\nwith a continuation"),
    (2645540123, b"Call Trace:"),
    (2645950000, b" <TASK>"),
    (2646285001, b" panic+0x118/0x2f4 \x01\x7f"),
]


class Mem:
    """Kernel-map memory from BASE_VA, grown as objects are placed."""

    def __init__(self):
        self.data = bytearray()

    def place(self, blob, align=8):
        while len(self.data) % align:
            self.data.append(0)
        va = BASE_VA + len(self.data)
        self.data += blob
        return va

    def patch(self, va, blob):
        o = va - BASE_VA
        self.data[o:o + len(blob)] = blob


def lockless(mem):
    info_keys = []
    count_bits, size_bits = 4, 10
    count, size = 1 << count_bits, 1 << size_bits
    text = bytearray(size)
    descs = bytearray(24 * count)   # state_var, begin, next
    infos = bytearray(88 * count)   # seq@0 ts_nsec@8 text_len@16
    pos = 0
    for i, (ts, t) in enumerate(RECORDS):
        need = 8 + len(t)
        if pos + need > size:
            pos = 0
        struct.pack_into("<Q", text, pos, i)
        text[pos + 8:pos + 8 + len(t)] = t
        state = (2 << 62) | i  # finalized
        struct.pack_into("<QQQ", descs, i * 24, state, pos, pos + need)
        struct.pack_into("<QQH", infos, i * 88, i, ts, len(t))
        pos += (need + 7) & ~7
    va_text = mem.place(bytes(text))
    va_descs = mem.place(bytes(descs))
    va_infos = mem.place(bytes(infos))
    # printk_ringbuffer: desc_ring@0 {count_bits@0 descs@8 infos@16 head_id@24 tail_id@32},
    # text_data_ring@40 {size_bits@0 data@8 head_lpos@16 tail_lpos@24}, fail@72; 80 bytes
    prb = struct.pack("<I4xQQQQ", count_bits, va_descs, va_infos, len(RECORDS) - 1, 0)
    prb += struct.pack("<I4xQQQ", size_bits, va_text, pos, 0) + struct.pack("<Q", 0)
    va_prb = mem.place(prb)
    va_ptr = mem.place(struct.pack("<Q", va_prb))
    info_keys += [
        "SYMBOL(prb)=%x" % va_ptr,
        "SIZE(printk_ringbuffer)=80", "OFFSET(printk_ringbuffer.desc_ring)=0",
        "OFFSET(printk_ringbuffer.text_data_ring)=40", "OFFSET(printk_ringbuffer.fail)=72",
        "SIZE(prb_desc_ring)=40", "OFFSET(prb_desc_ring.count_bits)=0", "OFFSET(prb_desc_ring.descs)=8",
        "OFFSET(prb_desc_ring.infos)=16", "OFFSET(prb_desc_ring.head_id)=24",
        "OFFSET(prb_desc_ring.tail_id)=32", "SIZE(prb_desc)=24", "OFFSET(prb_desc.state_var)=0",
        "OFFSET(prb_desc.text_blk_lpos)=8", "SIZE(prb_data_blk_lpos)=16",
        "OFFSET(prb_data_blk_lpos.begin)=0", "OFFSET(prb_data_blk_lpos.next)=8",
        "SIZE(printk_info)=88", "OFFSET(printk_info.seq)=0", "OFFSET(printk_info.ts_nsec)=8",
        "OFFSET(printk_info.text_len)=16", "OFFSET(printk_info.caller_id)=20",
        "SIZE(prb_data_ring)=32", "OFFSET(prb_data_ring.size_bits)=0", "OFFSET(prb_data_ring.data)=8",
        "OFFSET(atomic_long_t.counter)=0",
    ]
    return info_keys


def printk_log(mem):
    # struct printk_log: ts_nsec@0 len@8 text_len@10 dict_len@12 facility@14 flags@15; 16 bytes
    size = 1024
    buf = bytearray(size)
    pos = 0
    for ts, t in RECORDS:
        rec = (16 + len(t) + 7) & ~7
        if pos + rec + 16 > size:
            struct.pack_into("<QH", buf, pos, 0, 0)  # len 0: wrap
            pos = 0
        struct.pack_into("<QHHHBB", buf, pos, ts, rec, len(t), 0, 0, 0)
        buf[pos + 16:pos + 16 + len(t)] = t
        pos += rec
    va_buf = mem.place(bytes(buf))
    va_ptr = mem.place(struct.pack("<Q", va_buf))
    va_len = mem.place(struct.pack("<I", size), 4)
    va_first = mem.place(struct.pack("<I", 0), 4)
    va_next = mem.place(struct.pack("<I", pos), 4)
    return [
        "SYMBOL(log_buf)=%x" % va_ptr, "SYMBOL(log_buf_len)=%x" % va_len,
        "SYMBOL(log_first_idx)=%x" % va_first, "SYMBOL(log_next_idx)=%x" % va_next,
        "SIZE(printk_log)=16", "OFFSET(printk_log.ts_nsec)=0", "OFFSET(printk_log.len)=8",
        "OFFSET(printk_log.text_len)=10",
    ]


PLAIN_TEXT = b"<6>Linux version 2.6.32-synthetic\n<4>Call Trace:\n<4> [<ffffffff8104f2a1>] panic+0x78/0x137\n"


def plain(mem):
    size = 256
    buf = bytearray(size)
    data = PLAIN_TEXT * 3  # wraps: the oldest bytes are overwritten
    for i, c in enumerate(data):
        buf[i % size] = c
    va_buf = mem.place(bytes(buf))
    va_ptr = mem.place(struct.pack("<Q", va_buf))
    va_len = mem.place(struct.pack("<I", size), 4)
    va_end = mem.place(struct.pack("<I", len(data)), 4)
    return ["SYMBOL(log_buf)=%x" % va_ptr, "SYMBOL(log_buf_len)=%x" % va_len, "SYMBOL(log_end)=%x" % va_end]


def expected(layout):
    if layout == "plain":
        data = PLAIN_TEXT * 3
        return data[len(data) - 256:]
    out = bytearray()
    for ts, t in RECORDS:
        prefix = b"[%5d.%06d] " % (ts // 1000000000, ts % 1000000000 // 1000)
        out += prefix
        for c in t:
            if c == 10:
                out += b"\n" + b" " * len(prefix)
            elif 32 <= c < 127 or c in (9, 11, 12, 13):
                out.append(c)
            else:
                out += b"\\x%02x" % c
        out += b"\n"
    return bytes(out)


def vmcoreinfo(keys):
    base = ["OSRELEASE=6.1.0-synthetic", "PAGESIZE=4096", "NUMBER(phys_base)=%d" % PHYS_BASE,
            "SYMBOL(init_top_pgt)=%x" % (KMAP + 0x1000000), "NUMBER(pgtable_l5_enabled)=0"]
    return ("\n".join(base + keys) + "\n").encode()


def note(name, ntype, desc):
    n = name + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def elf(info, mem_pa, mem):
    notes = note(b"CORE", 1, bytes(336)) + note(b"VMCOREINFO", 0, info)
    phoff, phnum = 64, 2
    off_notes = phoff + 56 * phnum
    off_load = (off_notes + len(notes) + PAGE - 1) // PAGE * PAGE
    eh = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7, 4, 62, 1, 0,
                     phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
    ph_note = struct.pack("<IIQQQQQQ", 4, 0, off_notes, 0, 0, len(notes), 0, 0)
    ph_load = struct.pack("<IIQQQQQQ", 1, 7, off_load, BASE_VA, mem_pa, len(mem), len(mem), PAGE)
    out = bytearray(eh + ph_note + ph_load + notes)
    out += b"\0" * (off_load - len(out))
    return bytes(out + mem)


def kdump(info, mem_pa, mem, compress):
    bs = PAGE
    npages = (len(mem) + bs - 1) // bs
    first_pfn = mem_pa // bs
    max_mapnr = first_pfn + npages + 1
    bitmap_len = (max_mapnr + 7) // 8
    bitmap_blocks = 2 * ((bitmap_len + bs - 1) // bs)
    hdr = bytearray(bs)
    hdr[0:8] = b"KDUMP   "
    struct.pack_into("<i", hdr, 8, 6)
    hdr[12 + 2 * 65:12 + 2 * 65 + 15] = b"6.1.0-synthetic"
    hdr[12 + 4 * 65:12 + 4 * 65 + 6] = b"x86_64"
    struct.pack_into("<IiiIIIIIIi", hdr, 424, 1 if compress else 0, bs, 1, bitmap_blocks, max_mapnr,
                     0, 0, 0, 0, 1)
    bm = bytearray(bitmap_blocks * bs)
    half = bitmap_blocks * bs // 2
    for p in range(first_pfn, first_pfn + npages):
        bm[p // 8] |= 1 << (p % 8)
        bm[half + p // 8] |= 1 << (p % 8)
    desc_off = (2 + bitmap_blocks) * bs
    data_off = desc_off + 24 * npages
    descs, pages = bytearray(), bytearray()
    for i in range(npages):
        page = bytes(mem[i * bs:(i + 1) * bs]).ljust(bs, b"\0")
        body, flags = (zlib.compress(page), 1) if compress else (page, 0)
        descs += struct.pack("<qIIQ", data_off + len(pages), len(body), flags, 0)
        pages += body
    info_off = data_off + len(pages)
    sub = bytearray(bs)
    struct.pack_into("<QiiQQqQqQqQQQQ", sub, 0, PHYS_BASE, 0, 0, 0, 0, info_off, len(info), 0, 0, 0, 0,
                     0, max_mapnr, max_mapnr)
    return bytes(hdr + sub + bm + descs + pages + info)


def flatten(blob):
    out = bytearray(b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1))
    out += b"\0" * (4096 - len(out))
    for o in range(0, len(blob), 3000):  # several records, as makedumpfile -F writes
        chunk = blob[o:o + 3000]
        out += struct.pack(">qq", o, len(chunk)) + chunk
    return bytes(out + struct.pack(">qq", -1, -1))


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for layout, fill in (("lockless", lockless), ("printk_log", printk_log), ("plain", plain)):
        mem = Mem()
        keys = fill(mem)
        info = vmcoreinfo(keys)
        mem_pa = BASE_VA - KMAP + PHYS_BASE
        data = bytes(mem.data)
        e = elf(info, mem_pa, data)
        files = {"elf": e, "kdump-zlib": kdump(info, mem_pa, data, True),
                 "kdump-raw": kdump(info, mem_pa, data, False), "flat": flatten(e)}
        for kind, blob in files.items():
            with open(os.path.join(outdir, "%s.%s" % (layout, kind)), "wb") as f:
                f.write(blob)
        with open(os.path.join(outdir, layout + ".dmesg"), "wb") as f:
            f.write(expected(layout))


main()
