/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * package.h - one RPM package, verified with librpm, then extracted into a
 * directory with nothing in it that could help an attacker.
 *
 * pkg_open() checks everything before a single payload byte is
 * decompressed:
 *  - the whole file's checksum against the one the repository metadata
 *    gave (when given), else computes it (sha256) for the cache's key;
 *  - the header's digests (librpm);
 *  - with a keyring: a header signature by a key in it. An unsigned
 *    package, a key not in the keyring, a bad or unreadable signature are
 *    refused. librpm's rpmReadPackageFile() alone accepts an unsigned
 *    package, so we ask it for signature level and check the tag as well;
 *  - the payload digest (RPMTAG_PAYLOADDIGEST, covered by the signed
 *    header) over the bytes after the header, which rpmReadPackageFile()
 *    never reads. Required with a keyring; without one, a package too old
 *    to carry it relies on the per-file digests.
 * pkg_extract() then reads the payload with librpm's archive reader (every
 * cpio variant rpm writes, including files of 4 GiB and more and RPM v6;
 * gzip, bzip2, xz and zstd payloads), which checks each file's digest
 * against the header. It creates regular files, directories, symlinks and
 * hard links only, never outside the directory (every path component is
 * opened with O_NOFOLLOW), never a setuid/setgid/sticky bit, device node,
 * FIFO, socket, owner or extended attribute (so no file capability and no
 * overlayfs whiteout either). Library code: no logging, errors in
 * *ret_error.
 */
#ifndef RETRACE_PACKAGE_H
#define RETRACE_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fsutil.h"

#define PKG_CHECKSUM_TYPE_MAX 8     /* "sha512" */
#define PKG_CHECKSUM_HEX_MAX 128    /* sha512 */
/* "sha256-<hex>": the cache's key for a package */
#define PKG_KEY_MAX (PKG_CHECKSUM_TYPE_MAX + 1 + PKG_CHECKSUM_HEX_MAX + 1)

struct pkg_keyring;
struct pkg;

struct pkg_checksum {
	char type[PKG_CHECKSUM_TYPE_MAX + 1]; /* sha1 sha224 sha256 sha384 sha512 */
	char hex[PKG_CHECKSUM_HEX_MAX + 1];   /* lower case */
};

/* What one extraction may create at most (limits.h has the defaults). */
struct pkg_limits {
	uint64_t max_bytes; /* sum of the regular files' sizes */
	uint64_t max_files; /* entries in the header's file list */
};

struct pkg_info {
	char nevra[256];
	char signer[96];      /* "RSA/SHA512 key e964f9fb30d073b5", or "" when not checked */
	bool payload_checked; /* the payload digest was there and matched */
	struct pkg_checksum checksum; /* of the whole file */
	uint64_t file_size;
	uint64_t payload_offset;
};

struct pkg_extract_stats {
	uint64_t files;    /* regular files written */
	uint64_t hardlinks;
	uint64_t symlinks;
	uint64_t dirs;
	uint64_t bytes;       /* content written */
	uint64_t disk_bytes;  /* an estimate of the blocks used (4 KiB granularity) */
	uint64_t skipped_special; /* device nodes, FIFOs, sockets: never created */
	uint64_t stripped_setid;  /* files and directories whose setuid/setgid bit was dropped */
};

/*
 * The keyring of a release: every OpenPGP public key in KEYDIR/RELEASE (a
 * file of one or more armored blocks, the original server's layout) or in
 * the files of the directory KEYDIR/RELEASE/. A key librpm cannot use (an
 * ECDSA key, with librpm 4.18) is left out with a line in *ret_warnings.
 * -ENOENT when the release has no key file, -ENOKEY when none is usable.
 */
int pkg_keyring_load(const char *keydir, const char *release, struct pkg_keyring **ret,
		     char **ret_warnings, char **ret_error);
unsigned pkg_keyring_count(const struct pkg_keyring *k);
void pkg_keyring_free(struct pkg_keyring *k);

/* "sha256" + hex: a checksum from repository metadata ("sha" means sha1). */
int pkg_checksum_set(struct pkg_checksum *c, const char *type, const char *hex);
/* The whole file's checksum of the given type (a full read). */
int pkg_file_checksum(int fd, const char *type, struct pkg_checksum *ret, char **ret_error);
/* "sha256-<hex>" */
void pkg_checksum_key(const struct pkg_checksum *c, char key[PKG_KEY_MAX]);

/*
 * Verify the package open at fd (read from offset 0; fd is not closed and
 * must stay open until pkg_free()). keyring NULL checks digests only;
 * expect NULL computes sha256. On failure *ret_error says what was wrong
 * with the package (-EBADMSG: damaged or tampered, -EKEYREJECTED: the
 * signature, -ENOKEY: signed by an unknown key or not signed).
 */
int pkg_open(int fd, const struct pkg_keyring *keyring, const struct pkg_checksum *expect,
	     struct pkg **ret, char **ret_error);
const struct pkg_info *pkg_get_info(const struct pkg *p);

/*
 * Extract the payload into the empty directory dirfd. files, when not NULL,
 * receives one line per non-directory: "PATH\tf\tDIGEST" (regular file or
 * hard link; DIGEST "-" when the header has none) or "PATH\tl\tTARGET".
 * Paths and link targets with control characters are refused, so these
 * lines always parse. At most once per pkg_open().
 */
int pkg_extract(struct pkg *p, int dirfd, const struct pkg_limits *limits, struct lines *files,
		struct pkg_extract_stats *stats, char **ret_error);
/*
 * The same for some files only: the entries whose path is in only (a
 * NULL-terminated list of absolute paths as the header names them), their
 * directories made as needed; for a wanted hard link, also the link of its
 * set that carries the content in the payload. The whole payload is still read (a cpio
 * stream has no index) but only these are written. -ENOENT when one of
 * them is not in the package.
 */
int pkg_extract_only(struct pkg *p, int dirfd, const char *const *only, const struct pkg_limits *limits,
		     struct lines *files, struct pkg_extract_stats *stats, char **ret_error);

void pkg_free(struct pkg *p);

#endif
