/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * upload.h - unpack an uploaded tar, tar.gz or tar.xz into a task's crash/
 * directory while the bytes arrive, or store a bare core (raw, gzip or xz;
 * design 11.5) as its one file.
 *
 * The network side pushes bytes with upload_feed(); an unpacker thread pulls
 * them through our own decompressor (zlib or liblzma, with a memory limit)
 * into libarchive's tar reader and writes only regular files whose names are
 * on the allowed list. Every limit is checked on what is actually received,
 * decompressed and written: the packed size, the unpacked size (declared
 * sizes, so sparse files count in full), the free space left, the per-file
 * size limits, and the number of entries.
 *
 * Flow control without blocking the caller's thread: when the ring buffer
 * is full (or at the end, while the unpacker still works) upload_feed() and
 * upload_end() call suspend() under the upload's lock and return
 * UPLOAD_WAIT; the unpacker calls resume() under the same lock once it made
 * room or finished. So resume() always follows its suspend(). In httpd these
 * are MHD_suspend_connection()/MHD_resume_connection().
 *
 * Ownership: the caller owns crash_dirfd and the directory; it removes the
 * directory if the upload is refused. upload_free() aborts and joins the
 * thread. Used by retrace-httpd (and the fuzz target) only.
 */
#ifndef RETRACE_UPLOAD_H
#define RETRACE_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The files a client may send (CLIENTS.md), and their size limits. */
enum crash_file {
	CRASH_FILE_COREDUMP,
	CRASH_FILE_EXECUTABLE,
	CRASH_FILE_PACKAGE,
	CRASH_FILE_PACKAGES,
	CRASH_FILE_OS_RELEASE,
	CRASH_FILE_OS_RELEASE_IN_ROOTDIR,
	CRASH_FILE_ROOTDIR,
	CRASH_FILE_RELEASE,
	CRASH_FILE_VMCORE,
	CRASH_FILE_REMOTE, /* URLs the worker fetches (RemoteResourcePrefixes) */
	_CRASH_FILE_MAX,
	_CRASH_FILE_INVALID = -22,
};

const char *crash_file_name(enum crash_file f);
enum crash_file crash_file_from_name(const char *name);
/* 0 means no limit of its own. */
uint64_t crash_file_max_size(enum crash_file f);

struct upload_limits {
	uint64_t max_packed;       /* bytes received */
	uint64_t max_unpacked;     /* sum of declared file sizes */
	uint64_t min_storage_left; /* free bytes that must remain */
	/* bytes stored (zero pages are holes) per packed byte, past
	 * UPLOAD_RATIO_ALLOWANCE; 0 = no bound */
	uint64_t max_ratio;
	/* bytes stored this upload may use of its address's MaxSpoolPerAddress; 0 = no bound */
	uint64_t max_stored;
	/* what a body that is not a tar but a bare core is stored as:
	 * CRASH_FILE_COREDUMP (an ELF core) or CRASH_FILE_VMCORE (an ELF or
	 * kdump-compressed vmcore) */
	enum crash_file bare_file;
	bool allow_remote; /* a `remote` file may be in the archive */
};

struct upload_result {
	int http_status;    /* 0 on success, else the status to answer */
	char message[256];  /* for the client and the log */
	uint32_t files;     /* bit (1 << enum crash_file) per file present */
	uint64_t received;  /* packed bytes */
	uint64_t unpacked;  /* declared bytes written */
	uint64_t stored;    /* bytes that cost disk: all but whole zero pages */
	bool bare;          /* the body was a bare core, not a tar */
};

enum upload_progress {
	UPLOAD_MORE, /* all given bytes taken; feed more */
	UPLOAD_WAIT, /* suspend() was called; call again after resume() */
	UPLOAD_DONE, /* finished (success or refusal): read the result */
};

struct upload;
typedef void (*upload_wake_fn)(void *userdata);

int upload_new(int crash_dirfd, const struct upload_limits *limits, upload_wake_fn suspend,
	       upload_wake_fn resume, void *userdata, struct upload **ret);
/*
 * Offer bytes. *ret_consumed says how many were taken (all of them once the
 * upload was refused: they are read and dropped).
 */
enum upload_progress upload_feed(struct upload *u, const void *data, size_t len,
				 size_t *ret_consumed);
/* No more bytes will come. UPLOAD_WAIT until the unpacker is finished. */
enum upload_progress upload_end(struct upload *u);
/* Refuse the upload from outside (e.g. the client went away). */
void upload_abort(struct upload *u);
/* Only valid after UPLOAD_DONE. */
void upload_get_result(struct upload *u, struct upload_result *ret);
void upload_free(struct upload *u);

/*
 * An upload fed from the calling thread, which waits while the unpacker
 * catches up (the worker's remote resources). feed: 0, or -1 once the
 * upload is refused (the rest need not be fed). end: waits for the
 * unpacker, gives the result, frees.
 */
struct upload_blocking;
int upload_blocking_new(int crash_dirfd, const struct upload_limits *limits, struct upload_blocking **ret);
int upload_blocking_feed(struct upload_blocking *b, const void *data, size_t len);
void upload_blocking_end(struct upload_blocking *b, struct upload_result *ret);

/* Run a whole upload from memory on the calling thread (tests, fuzzing). */
int upload_run_buffer(int crash_dirfd, const struct upload_limits *limits, const void *data,
		      size_t len, size_t chunk, struct upload_result *ret);

#endif
