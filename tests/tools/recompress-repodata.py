#!/usr/bin/env python3
"""Recompress a repository's primary and filelists metadata.

    recompress-repodata.py REPODIR zst|gz|bz2

createrepo_c 0.17 writes gz and xz only; Fedora writes zstd metadata since
release 41. This rewrites repodata/*-{primary,filelists}.xml.* with the
zstd (or gzip, bzip2) command and updates repomd.xml's locations and
checksums, as a repository made that way would have them.
"""
import hashlib
import lzma
import gzip
import bz2
import os
import re
import subprocess
import sys

repo, fmt = sys.argv[1], sys.argv[2]
md_path = os.path.join(repo, "repodata", "repomd.xml")
md = open(md_path).read()


def opener(path):
    if path.endswith(".xz"):
        return lzma.open(path, "rb")
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    if path.endswith(".bz2"):
        return bz2.open(path, "rb")
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return open(path, "rb")


for typ in ("primary", "filelists"):
    m = re.search(r'<data type="%s">.*?</data>' % typ, md, re.S)
    block = m.group(0)
    href = re.search(r'<location href="([^"]+)"', block).group(1)
    src = os.path.join(repo, href)
    f = opener(src)
    raw = f if isinstance(f, bytes) else f.read()
    base = re.sub(r"\.xml\.[a-z0-9]+$", ".xml", href)
    new_href = base + "." + fmt
    dst = os.path.join(repo, new_href)
    if fmt == "zst":
        data = subprocess.run(["zstd", "-q", "-c"], input=raw, check=True, capture_output=True).stdout
    elif fmt == "gz":
        data = gzip.compress(raw)
    elif fmt == "bz2":
        data = bz2.compress(raw)
    else:
        raise SystemExit("unknown format " + fmt)
    with open(dst, "wb") as out:
        out.write(data)
    if dst != src:
        os.unlink(src)
    nb = block.replace(href, new_href)
    nb = re.sub(r'<checksum type="sha256">[0-9a-f]+</checksum>',
                '<checksum type="sha256">%s</checksum>' % hashlib.sha256(data).hexdigest(), nb)
    nb = re.sub(r"<size>\d+</size>", "<size>%d</size>" % len(data), nb)
    md = md.replace(block, nb)
with open(md_path + ".tmp", "w") as out:
    out.write(md)
os.rename(md_path + ".tmp", md_path)
