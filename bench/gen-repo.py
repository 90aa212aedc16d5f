#!/usr/bin/env python3
"""Generate a large rpm-md repository's metadata for the solver benchmark.

    gen-repo.py DIR NPACKAGES IDSFILE

Writes DIR/repodata/{primary,filelists}.xml.gz and repomd.xml (with real
checksums) for NPACKAGES packages shaped like a distribution's: about a
third -debuginfo packages (with /usr/lib/debug/.build-id/ links and
debuginfo(build-id) provides), binary packages with /usr/lib/.build-id/
links, executables, libraries, data files and docs (about 30 files per
package on average). No package files: metadata only. IDSFILE gets 10,000
build-ids to look up: four of five exist, one of five does not.
"""
import gzip
import hashlib
import os
import random
import sys
import time

root, npkg, idsfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(42)
os.makedirs(os.path.join(root, "repodata"), exist_ok=True)
words = ["lib", "core", "util", "gtk", "python3", "perl", "qt", "kde", "gnome", "x11", "net", "ssl",
         "media", "font", "data", "tools", "devel", "common", "client", "server"]
ids = []


def bid():
    return "%040x" % rnd.getrandbits(160)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


prim = gzip.open(os.path.join(root, "repodata", "primary.xml.gz"), "wt", compresslevel=1)
fl = gzip.open(os.path.join(root, "repodata", "filelists.xml.gz"), "wt", compresslevel=1)
prim.write('<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" '
           'xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="%d">\n' % npkg)
fl.write('<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" '
         'packages="%d">\n' % npkg)
i = 0
while i < npkg:
    base = "%s-%s%d" % (rnd.choice(words), rnd.choice(words), i)
    ver, rel = "%d.%d" % (rnd.randint(0, 9), rnd.randint(0, 30)), "%d.fc39" % rnd.randint(1, 9)
    nbin = rnd.randint(1, 4)
    binids = [bid() for _ in range(nbin)]
    for kind in ("bin", "debuginfo"):
        if i >= npkg:
            break
        name = base if kind == "bin" else base + "-debuginfo"
        pkgid = hashlib.sha256(("%s-%s-%s" % (name, ver, rel)).encode()).hexdigest()
        files = []
        provides = ['<rpm:entry name="%s" flags="EQ" epoch="0" ver="%s" rel="%s"/>' % (name, ver, rel)]
        if kind == "bin":
            for b in binids:
                files.append("/usr/lib/.build-id/%s/%s" % (b[:2], b[2:]))
            files += ["/usr/bin/%s-%d" % (base, k) for k in range(rnd.randint(0, 3))]
            files += ["/usr/lib64/lib%s.so.%d" % (base, k) for k in range(rnd.randint(0, 2))]
            files += ["/usr/share/%s/file%d.dat" % (base, k) for k in range(rnd.randint(5, 30))]
            files += ["/usr/share/doc/%s/README%d" % (base, k) for k in range(rnd.randint(1, 4))]
        else:
            for b in binids:
                files.append("/usr/lib/debug/.build-id/%s/%s" % (b[:2], b[2:]))
                files.append("/usr/lib/debug/.build-id/%s/%s.debug" % (b[:2], b[2:]))
                provides.append('<rpm:entry name="debuginfo(build-id)" flags="EQ" epoch="0" ver="%s"/>' % b)
            files += ["/usr/lib/debug/usr/bin/%s-%d.debug" % (base, k) for k in range(nbin)]
            files += ["/usr/src/debug/%s-%s/src/f%d.c" % (base, ver, k) for k in range(rnd.randint(3, 20))]
        prim.write('<package type="rpm"><name>%s</name><arch>x86_64</arch>'
                   '<version epoch="0" ver="%s" rel="%s"/><checksum type="sha256" pkgid="YES">%s</checksum>'
                   '<summary>%s</summary><description>generated</description><packager/><url/>'
                   '<time file="1700000000" build="1700000000"/><size package="1000" installed="2000" archive="2100"/>'
                   '<location href="Packages/%s-%s-%s.x86_64.rpm"/><format><rpm:license>MIT</rpm:license>'
                   '<rpm:sourcerpm>%s-%s-%s.src.rpm</rpm:sourcerpm><rpm:provides>%s</rpm:provides>'
                   '<rpm:requires><rpm:entry name="libc.so.6()(64bit)"/></rpm:requires>'
                   '%s</format></package>\n'
                   % (name, ver, rel, pkgid, esc(name), name, ver, rel, base, ver, rel, "".join(provides),
                      "".join('<file>%s</file>' % f for f in files if "/bin/" in f)))
        fl.write('<package pkgid="%s" name="%s" arch="x86_64"><version epoch="0" ver="%s" rel="%s"/>%s</package>\n'
                 % (pkgid, name, ver, rel, "".join('<file>%s</file>' % f for f in files)))
        i += 1
    ids.extend(binids)
prim.write("</metadata>\n")
fl.write("</filelists>\n")
prim.close()
fl.close()

md = []
for t in ("primary", "filelists"):
    p = os.path.join(root, "repodata", t + ".xml.gz")
    data = open(p, "rb").read()
    md.append('<data type="%s"><checksum type="sha256">%s</checksum><location href="repodata/%s.xml.gz"/>'
              '<timestamp>%d</timestamp><size>%d</size></data>' % (t, hashlib.sha256(data).hexdigest(), t,
                                                                  int(time.time()), len(data)))
with open(os.path.join(root, "repodata", "repomd.xml"), "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo" '
            'xmlns:rpm="http://linux.duke.edu/metadata/rpm"><revision>1</revision>%s</repomd>\n' % "".join(md))
rnd.shuffle(ids)
with open(idsfile, "w") as f:
    for k in range(10000):
        f.write((ids[k % len(ids)] if k % 5 else bid()) + "\n")
