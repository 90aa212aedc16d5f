/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * limits.h - every fixed limit on something a client controls, in one
 * place. Limits an admin tunes are configuration keys (config.h); these are
 * the ones that protect the server itself and need no tuning.
 */
#ifndef RETRACE_LIMITS_H
#define RETRACE_LIMITS_H

#define MIB_BYTES (1024ULL * 1024ULL)

/* HTTP front end */
#define HTTPD_MAX_CONNECTIONS 512          /* per listener */
#define HTTPD_CONNECTION_TIMEOUT_S 60      /* idle seconds before a connection is closed */
#define HTTPD_CONNECTION_MEMORY (32 * 1024) /* MHD's per-connection buffer: headers + body chunk */
#define HTTPD_MAX_CONCURRENT_UPLOADS 32    /* POST /create bodies being unpacked at once */
/* A POST /create refused before its body is read is answered once the body
 * is read and dropped (real clients send it all before they read), up to
 * this many bytes and seconds; past either the connection is closed
 * unanswered. A larger declared body, or Expect: 100-continue, is answered
 * at once. */
#define HTTPD_REFUSAL_DRAIN_MAX (64ULL << 20)
#define HTTPD_REFUSAL_DRAIN_SECONDS 30
#define HTTPD_THREADS 2                    /* epoll threads per listener */
/* From a request's headers to its answer sent (a slow reader of an answer). */
#define HTTPD_ANSWER_TIMEOUT_S 120
/* When every upload slot is taken, an upload slower than this on average
 * (after its first window) gives its slot to the new one. 64 KiB/s sends
 * the largest default upload (30 MiB) in 8 minutes. */
#define HTTPD_PREEMPT_RATE (64 * 1024)

/* Uploads */
#define UPLOAD_RING_SIZE (512 * 1024)      /* bytes between the network and the unpacker */
#define UPLOAD_XZ_MEMLIMIT (32 * MIB_BYTES) /* xz -6 needs 9 MiB; -9 needs 65 MiB and is refused */
#define UPLOAD_TAR_OVERHEAD (4 * MIB_BYTES) /* tar headers and padding beyond MaxUnpackedSize */
#define UPLOAD_MAX_ENTRIES 64              /* archive members examined before giving up */
#define UPLOAD_STATVFS_EVERY (16 * MIB_BYTES) /* re-check free space this often while writing */
#define UPLOAD_HOLE_PAGE 4096              /* all-zero pages of this size are written as holes */
#define UPLOAD_RATIO_ALLOWANCE (16 * MIB_BYTES) /* stored bytes free of MaxUnpackRatio */

/* Files httpd reads from the spool */
#define SPOOL_MAX_PUBLISHED_LIST (512 * MIB_BYTES) /* .published/packages */
#define SPOOL_MAX_RELEASES_FILE (64 * 1024)
#define SETTINGS_MAX_RELEASES 256

/* Repositories */
#define RELEASE_ID_MAX 64 /* fedora-39-x86_64: a directory name under RepoDir */

/* rootfs-cache/: what one package may unpack to (its file is verified first) */
#define ROOTFS_MAX_PACKAGE_BYTES (64ULL * 1024 * MIB_BYTES) /* kernel-debuginfo: ~3 GiB */
#define ROOTFS_MAX_PACKAGE_FILES (1U << 20)
#define ROOTFS_MAX_PATH_DEPTH 128  /* components of one path in a package */
#define ROOTFS_MAX_FILE_LIST (512 * MIB_BYTES) /* a tree's "files" list */
#define ROOTFS_MAX_LAYERS 500      /* overlayfs' own limit (OVL_MAX_STACK) */
#define ROOTFS_UPPER_BYTES (16 * MIB_BYTES) /* a stack's writable layer (tmpfs) */

/* worker/ */
#define WORKER_MAX_PARALLEL_TASKS 1024 /* MaxParallelTasks' upper bound */

#endif
