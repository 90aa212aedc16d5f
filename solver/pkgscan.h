/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pkgscan.h - the build-ids of the ELF files inside an RPM package, read
 * from the package's payload with librpm's archive reader (which reads
 * every cpio variant rpm writes, and every payload compressor librpm
 * knows: gzip, xz, zstd, bzip2).
 *
 * Only the head of each regular file is read (REPO_SCAN_HEAD_BYTES), which
 * is where the program headers and the build-id note are. Signatures are
 * not checked here (rootfs-cache/ does that before extracting); header
 * digests are. Library code: no logging, errors in *ret_error.
 */
#ifndef RETRACE_PKGSCAN_H
#define RETRACE_PKGSCAN_H

#include <stddef.h>
#include <stdint.h>

typedef int (*pkgscan_fn)(const char *path, const uint8_t *id, size_t id_len, void *userdata);

/*
 * Call fn for each ELF file with a build-id in the package open at fd.
 * Returns the number of ELF files with a build-id, or -errno with a message
 * in *ret_error. A negative return from fn stops the scan and is returned.
 */
int pkgscan_build_ids(int fd, pkgscan_fn fn, void *userdata, char **ret_error);

#endif
