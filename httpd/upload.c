/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "upload.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"

#define IN_CHUNK (64 * 1024)
#define OUT_CHUNK (64 * 1024)

static const struct {
	const char *name;
	uint64_t max;
} crash_files[_CRASH_FILE_MAX] = {
	[CRASH_FILE_COREDUMP] = { "coredump", 0 },
	[CRASH_FILE_EXECUTABLE] = { "executable", 512 },
	[CRASH_FILE_PACKAGE] = { "package", 128 },
	[CRASH_FILE_PACKAGES] = { "packages", 1024 * 1024 },
	[CRASH_FILE_OS_RELEASE] = { "os_release", 128 },
	[CRASH_FILE_OS_RELEASE_IN_ROOTDIR] = { "os_release_in_rootdir", 128 },
	[CRASH_FILE_ROOTDIR] = { "rootdir", 256 },
	[CRASH_FILE_RELEASE] = { "release", 128 },
	[CRASH_FILE_VMCORE] = { "vmcore", 0 },
	[CRASH_FILE_REMOTE] = { "remote", 64 * 1024 },
};

const char *crash_file_name(enum crash_file f)
{
	return (unsigned)f < _CRASH_FILE_MAX ? crash_files[f].name : NULL;
}

enum crash_file crash_file_from_name(const char *name)
{
	for (unsigned i = 0; i < _CRASH_FILE_MAX; i++)
		if (strcmp(name, crash_files[i].name) == 0)
			return (enum crash_file)i;
	return _CRASH_FILE_INVALID;
}

uint64_t crash_file_max_size(enum crash_file f)
{
	return (unsigned)f < _CRASH_FILE_MAX ? crash_files[f].max : 0;
}

enum decoder {
	DEC_SNIFF,
	DEC_RAW,
	DEC_GZIP,
	DEC_XZ,
	DEC_END, /* compressed stream ended; the rest is ignored */
};

struct upload {
	pthread_mutex_t lock;
	pthread_cond_t cond;

	/* ring buffer between the network and the unpacker, under lock */
	unsigned char *ring;
	size_t ring_start, ring_len;
	bool eof, aborted, done, producer_waiting;
	uint64_t received;

	upload_wake_fn suspend, resume;
	void *userdata;

	pthread_t thread;
	bool thread_started;
	int crash_dirfd;
	struct upload_limits lim;
	/* result: http_status/message are set once (first refusal wins) */
	struct upload_result result;

	/* unpacker thread only */
	enum decoder dec;
	z_stream zs;
	bool zs_init;
	lzma_stream xs;
	bool xs_init;
	unsigned char in[IN_CHUNK];
	size_t in_len, in_off;
	bool input_eof;
	unsigned char out[OUT_CHUNK];
	uint64_t pulled; /* packed bytes taken from the ring */
	uint64_t decompressed;
	uint64_t declared; /* sum of accepted entries' declared sizes */
	uint64_t written_since_statvfs;
	uint64_t free_at_start;
	/* the first bytes, read to tell a bare core from a tar, then handed
	 * out again: head[head_off..head_len), then pend[0..pend_len) */
	bool bare;
	unsigned char head[64];
	size_t head_len, head_off;
	const void *pend;
	size_t pend_len;
};

/* Record a refusal; the first one wins. Call with u->lock held. */
static void refuse_locked(struct upload *u, int status, const char *fmt, ...) _printf_(3, 4);
static void refuse_locked(struct upload *u, int status, const char *fmt, ...)
{
	va_list ap;

	if (u->result.http_status != 0)
		return;
	u->result.http_status = status;
	va_start(ap, fmt);
	vsnprintf(u->result.message, sizeof(u->result.message), fmt, ap);
	va_end(ap);
}

#define refuse(u, ...)                                                         \
	do {                                                                   \
		pthread_mutex_lock(&(u)->lock);                                \
		refuse_locked((u), __VA_ARGS__);                               \
		pthread_mutex_unlock(&(u)->lock);                              \
	} while (0)

/* A name from the archive, made safe to quote in a message and a log. */
static void quote_name(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; in && in[i] && o + 4 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];
		out[o++] = (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') ? (char)c : '?';
		if (i >= 63) {
			out[o++] = '.';
			out[o++] = '.';
			out[o++] = '.';
			break;
		}
	}
	out[o] = '\0';
}

/* A ".." path component anywhere. */
static bool has_dotdot(const char *path)
{
	for (const char *p = path; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return true;
	}
	return false;
}

/* --- the consumer side: pull bytes from the ring --------------------- */

/*
 * Append fresh input to u->in (after moving what is left to the front).
 * Sets input_eof at the end of the body. Returns 0, or -1 when aborted.
 */
static int pull_input(struct upload *u)
{
	size_t n, room;

	if (u->in_off > 0) {
		memmove(u->in, u->in + u->in_off, u->in_len - u->in_off);
		u->in_len -= u->in_off;
		u->in_off = 0;
	}
	room = sizeof(u->in) - u->in_len;

	pthread_mutex_lock(&u->lock);
	while (u->ring_len == 0 && !u->eof && !u->aborted)
		pthread_cond_wait(&u->cond, &u->lock);
	if (u->aborted) {
		pthread_mutex_unlock(&u->lock);
		return -1;
	}
	if (u->ring_len == 0) {
		u->input_eof = true;
		pthread_mutex_unlock(&u->lock);
		return 0;
	}
	n = MIN(u->ring_len, room);
	/* the ring may wrap: copy in up to two pieces */
	{
		size_t first = MIN(n, UPLOAD_RING_SIZE - u->ring_start);
		memcpy(u->in + u->in_len, u->ring + u->ring_start, first);
		memcpy(u->in + u->in_len + first, u->ring, n - first);
	}
	u->ring_start = (u->ring_start + n) % UPLOAD_RING_SIZE;
	u->ring_len -= n;
	u->in_len += n;
	u->pulled += n;
	if (u->producer_waiting) {
		u->producer_waiting = false;
		u->resume(u->userdata);
	}
	pthread_mutex_unlock(&u->lock);
	return 0;
}

static ssize_t count_out(struct upload *u, size_t n)
{
	u->decompressed += n;
	if (u->bare) {
		/* no declared sizes: the core itself is what is bounded */
		if (u->decompressed > u->lim.max_unpacked) {
			refuse(u, 413, "Specified archive's content is too large");
			return -1;
		}
		return (ssize_t)n;
	}
	/*
	 * Tar headers and padding are small; the rest is file data, which
	 * never exceeds the declared sizes (<= max_unpacked). More than that
	 * is a bomb of headers or junk.
	 */
	if (u->decompressed > u->declared + UPLOAD_TAR_OVERHEAD) {
		refuse(u, 413, "Specified archive's content is too large");
		return -1;
	}
	return (ssize_t)n;
}

static int start_decoder(struct upload *u)
{
	static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	size_t avail = u->in_len - u->in_off;
	const unsigned char *p = u->in + u->in_off;

	if (avail >= 6 && memcmp(p, xz_magic, 6) == 0) {
		lzma_stream init = LZMA_STREAM_INIT;
		u->xs = init;
		if (lzma_stream_decoder(&u->xs, UPLOAD_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK) {
			refuse(u, 500, "Unable to start the xz decoder");
			return -1;
		}
		u->xs_init = true;
		u->dec = DEC_XZ;
	} else if (avail >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		memset(&u->zs, 0, sizeof(u->zs));
		/* 16 + 15: gzip wrapper only, 32 KiB window: constant memory. */
		if (inflateInit2(&u->zs, 16 + 15) != Z_OK) {
			refuse(u, 500, "Unable to start the gzip decoder");
			return -1;
		}
		u->zs_init = true;
		u->dec = DEC_GZIP;
	} else {
		u->dec = DEC_RAW;
	}
	return 0;
}

static ssize_t read_gzip(struct upload *u, const void **buf)
{
	for (;;) {
		int zr;

		if (u->in_off == u->in_len && !u->input_eof && pull_input(u) < 0)
			return -1;
		u->zs.next_in = u->in + u->in_off;
		u->zs.avail_in = (uInt)(u->in_len - u->in_off);
		u->zs.next_out = u->out;
		u->zs.avail_out = sizeof(u->out);
		zr = inflate(&u->zs, Z_NO_FLUSH);
		u->in_off = u->in_len - u->zs.avail_in;
		size_t produced = sizeof(u->out) - u->zs.avail_out;

		if (zr == Z_STREAM_END) {
			/* Another gzip member may follow (gzip -c a b). */
			while (!u->input_eof && u->in_len - u->in_off < 2)
				if (pull_input(u) < 0)
					return -1;
			if (u->in_len - u->in_off >= 2 && u->in[u->in_off] == 0x1f &&
			    u->in[u->in_off + 1] == 0x8b)
				inflateReset(&u->zs);
			else
				u->dec = DEC_END;
		} else if (zr == Z_BUF_ERROR && u->input_eof && produced == 0) {
			refuse(u, 400, "The gzip data is truncated");
			return -1;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			refuse(u, 400, "The gzip data is corrupt");
			return -1;
		}
		if (produced > 0) {
			*buf = u->out;
			return count_out(u, produced);
		}
		if (u->dec == DEC_END)
			return 0;
	}
}

static ssize_t read_xz(struct upload *u, const void **buf)
{
	for (;;) {
		lzma_ret xr;

		if (u->in_off == u->in_len && !u->input_eof && pull_input(u) < 0)
			return -1;
		u->xs.next_in = u->in + u->in_off;
		u->xs.avail_in = u->in_len - u->in_off;
		u->xs.next_out = u->out;
		u->xs.avail_out = sizeof(u->out);
		xr = lzma_code(&u->xs, u->input_eof ? LZMA_FINISH : LZMA_RUN);
		u->in_off = u->in_len - u->xs.avail_in;
		size_t produced = sizeof(u->out) - u->xs.avail_out;

		switch (xr) {
		case LZMA_OK:
			break;
		case LZMA_STREAM_END:
			u->dec = DEC_END;
			break;
		case LZMA_MEMLIMIT_ERROR:
			refuse(u, 413,
			       "The xz data needs more than %llu MiB of memory to decompress "
			       "(use xz -6 or lower)",
			       (unsigned long long)(UPLOAD_XZ_MEMLIMIT / MIB_BYTES));
			return -1;
		case LZMA_BUF_ERROR:
			if (u->input_eof) {
				refuse(u, 400, "The xz data is truncated");
				return -1;
			}
			break;
		default:
			refuse(u, 400, "The xz data is corrupt (liblzma error %d)", (int)xr);
			return -1;
		}
		if (produced > 0) {
			*buf = u->out;
			return count_out(u, produced);
		}
		if (u->dec == DEC_END)
			return 0;
		if (u->input_eof && xr == LZMA_OK && u->xs.avail_in == 0) {
			refuse(u, 400, "The xz data is truncated");
			return -1;
		}
	}
}

/* The next block of the decompressed body, 0 at its end, -1 when refused. */
static ssize_t next_block(struct upload *u, const void **buf)
{
	if (u->dec == DEC_SNIFF) {
		/* Collect enough bytes to recognise the compression. */
		while (!u->input_eof && u->in_len - u->in_off < 6)
			if (pull_input(u) < 0)
				return -1;
		if (start_decoder(u) < 0)
			return -1;
	}

	switch (u->dec) {
	case DEC_RAW:
		if (u->in_off == u->in_len) {
			if (u->input_eof)
				return 0;
			if (pull_input(u) < 0)
				return -1;
			if (u->input_eof)
				return 0;
		}
		*buf = u->in + u->in_off;
		{
			size_t n = u->in_len - u->in_off;
			u->in_off = u->in_len;
			return count_out(u, n);
		}
	case DEC_GZIP:
		return read_gzip(u, buf);
	case DEC_XZ:
		return read_xz(u, buf);
	case DEC_END:
	default:
		return 0;
	}
}

/* next_block(), after the head that sniff_body() kept. */
static ssize_t read_body(struct upload *u, const void **buf)
{
	if (u->head_off < u->head_len) {
		size_t n = u->head_len - u->head_off;
		*buf = u->head + u->head_off;
		u->head_off = u->head_len;
		return (ssize_t)n;
	}
	if (u->pend_len > 0) {
		size_t n = u->pend_len;
		*buf = u->pend;
		u->pend_len = 0;
		return (ssize_t)n;
	}
	return next_block(u, buf);
}

/* libarchive's read callback: decompressed tar bytes, 0 at the end. */
static la_ssize_t read_cb(struct archive *a, void *userdata, const void **buf)
{
	(void)a;
	return read_body(userdata, buf);
}

/* Read the first bytes of the decompressed body into u->head (kept for
 * read_body()). Returns how many there are, or -1 when refused. */
static ssize_t sniff_body(struct upload *u)
{
	while (u->head_len < sizeof(u->head)) {
		const void *b;
		ssize_t n = next_block(u, &b);
		size_t take;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		take = MIN((size_t)n, sizeof(u->head) - u->head_len);
		memcpy(u->head + u->head_len, b, take);
		u->head_len += take;
		if ((size_t)n > take) {
			/* valid until the next next_block(), which read_body() calls after */
			u->pend = (const unsigned char *)b + take;
			u->pend_len = (size_t)n - take;
		}
	}
	return (ssize_t)u->head_len;
}

/* --- the unpacker ------------------------------------------------------ */

static uint64_t free_bytes(int fd)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return 0;
	return (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
}

static int pwrite_all(int fd, const void *data, size_t len, off_t off)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* A failed create or write: out of space or inodes (ENOSPC), or over a
 * quota, is the client's 507; anything else is ours, 500. */
static void refuse_errno(struct upload *u, int err, const char *what, const char *name)
{
	if (err == ENOSPC || err == EDQUOT)
		refuse(u, 507, "There is not enough storage space on the server");
	else
		refuse(u, 500, "Unable to %s '%s': %s", what, name, strerror(err));
}

/*
 * Write one data block of a member, leaving its all-zero pages as holes:
 * the zeros of a core (unused stack, untouched heap) cost no disk, and
 * what does (u->result.stored) is what the ratio bound weighs.
 */
static int write_block(struct upload *u, int fd, const unsigned char *buf, size_t len, uint64_t off)
{
	static const unsigned char zeros[UPLOAD_HOLE_PAGE];
	size_t i = 0;

	while (i < len) {
		size_t start, page;
		/* skip whole zero pages (aligned to the file offset) */
		page = MIN(len - i, UPLOAD_HOLE_PAGE - (size_t)((off + i) % UPLOAD_HOLE_PAGE));
		if (memcmp(buf + i, zeros, page) == 0) {
			i += page;
			continue;
		}
		/* then write the run of pages that are not */
		start = i;
		do {
			i += page;
			page = MIN(len - i, (size_t)UPLOAD_HOLE_PAGE);
		} while (i < len && memcmp(buf + i, zeros, page) != 0);
		int w = pwrite_all(fd, buf + start, i - start, (off_t)(off + start));
		if (w < 0)
			return w;
		u->result.stored += i - start;
	}
	return 0;
}

/* write_block(), then every bound on what the upload made cost. */
static int store_block(struct upload *u, int fd, const char *name, const void *buf, size_t len,
		       uint64_t off)
{
	int w = write_block(u, fd, buf, len, off);
	if (w < 0) {
		refuse_errno(u, -w, "write", name);
		return -1;
	}
	/* Data that costs disk far beyond what was sent: a bomb (real cores'
	 * non-zero pages compress at most 10x, docs/SECURITY.md). */
	if (u->lim.max_ratio && u->result.stored > UPLOAD_RATIO_ALLOWANCE &&
	    u->result.stored - UPLOAD_RATIO_ALLOWANCE > u->lim.max_ratio * u->pulled) {
		refuse(u, 413,
		       "The archive expands more than %llu times its size: refused as a "
		       "decompression bomb",
		       (unsigned long long)u->lim.max_ratio);
		return -1;
	}
	if (u->lim.max_stored && u->result.stored > u->lim.max_stored) {
		refuse(u, 429,
		       "Your address would keep more than its share of this server's disk in "
		       "unfinished tasks (MaxSpoolPerAddress); try again when they have finished");
		return -1;
	}
	u->written_since_statvfs += len;
	if (u->written_since_statvfs >= UPLOAD_STATVFS_EVERY) {
		/* Other uploads and tasks use the same disk: look again. */
		u->written_since_statvfs = 0;
		if (free_bytes(fd) < u->lim.min_storage_left) {
			refuse(u, 507, "There is not enough storage space on the server");
			return -1;
		}
	}
	return 0;
}

/* Holes at the end of a sparse file, the file's full size, on disk. */
static int finish_file(struct upload *u, int fd, const char *name, uint64_t size)
{
	if (ftruncate(fd, (off_t)size) < 0 || fsync(fd) < 0) {
		refuse_errno(u, errno, "write", name);
		return -1;
	}
	return 0;
}

static int create_file(struct upload *u, const char *name)
{
	/* The name is one of our constant allowed names: no path from the body. */
	int fd = openat(u->crash_dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0640);
	if (fd < 0)
		refuse_errno(u, errno, "create", name);
	return fd;
}

static int write_entry(struct upload *u, struct archive *a, const char *name, uint64_t size)
{
	_cleanup_close_ int fd = create_file(u, name);

	if (fd < 0)
		return -1;
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			refuse(u, 400, "The archive is corrupt or truncated: %s",
			       archive_error_string(a) ? archive_error_string(a) : "read error");
			return -1;
		}
		if (off < 0 || (uint64_t)off > size || len > size - (uint64_t)off) {
			refuse(u, 400, "The archive is corrupt: data of '%s' past its declared size",
			       name);
			return -1;
		}
		if (len == 0)
			continue;
		if (store_block(u, fd, name, buf, len, (uint64_t)off) < 0)
			return -1;
	}
	return finish_file(u, fd, name, size);
}

static int check_entry(struct upload *u, struct archive_entry *e, enum crash_file *ret)
{
	const char *path = archive_entry_pathname(e);
	char q[80];
	enum crash_file f;
	uint64_t size, max;
	mode_t type = archive_entry_filetype(e);

	quote_name(path, q, sizeof(q));
	if (archive_entry_hardlink(e)) {
		refuse(u, 403, "Hard links are not allowed to be in the archive ('%s')", q);
		return -1;
	}
	if (type == AE_IFLNK) {
		refuse(u, 403, "Symlinks are not allowed to be in the archive ('%s')", q);
		return -1;
	}
	if (type == AE_IFDIR) {
		refuse(u, 403, "Directories are not allowed to be in the archive ('%s')", q);
		return -1;
	}
	if (type != AE_IFREG) {
		refuse(u, 403, "Devices, fifos and sockets are not allowed to be in the archive ('%s')",
		       q);
		return -1;
	}
	if (!path || !*path) {
		refuse(u, 403, "An archive member has no name");
		return -1;
	}
	if (path[0] == '/') {
		refuse(u, 403, "Absolute paths are not allowed in the archive ('%s')", q);
		return -1;
	}
	if (has_dotdot(path)) {
		refuse(u, 403, "Paths with '..' are not allowed in the archive ('%s')", q);
		return -1;
	}
	/* tar -C dir ./coredump writes "./coredump": the same file. */
	if (path[0] == '.' && path[1] == '/')
		path += 2;
	f = crash_file_from_name(path);
	if (f < 0) {
		refuse(u, 403, "File '%s' is not allowed to be in the archive", q);
		return -1;
	}
	if (f == CRASH_FILE_REMOTE && !u->lim.allow_remote) {
		refuse(u, 403, "Remote resources are disabled on this server (File 'remote')");
		return -1;
	}
	if (u->result.files & (1U << f)) {
		refuse(u, 403, "File '%s' appears twice in the archive", crash_file_name(f));
		return -1;
	}
	size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;
	if (archive_entry_size(e) < 0) {
		refuse(u, 400, "The archive is corrupt: negative size of '%s'", q);
		return -1;
	}
	if (u->free_at_start < u->lim.min_storage_left ||
	    u->free_at_start - u->lim.min_storage_left < u->declared + size) {
		refuse(u, 507, "There is not enough storage space on the server");
		return -1;
	}
	if (size > u->lim.max_unpacked || u->declared + size > u->lim.max_unpacked) {
		refuse(u, 413, "Specified archive's content is too large");
		return -1;
	}
	max = crash_file_max_size(f);
	if (max > 0 && size > max) {
		refuse(u, 403, "The '%s' file is larger than expected", crash_file_name(f));
		return -1;
	}
	*ret = f;
	u->declared += size;
	return 0;
}

/*
 * What the body is, from its first decompressed bytes: 1 a bare core (of
 * the kind the task type expects), 0 anything else (a tar, or the tar
 * reader's error), -1 refused here.
 */
static int body_is_bare(struct upload *u)
{
	static const char kdump[8] = { 'K', 'D', 'U', 'M', 'P', ' ', ' ', ' ' };
	const unsigned char *h = u->head;
	bool want_vmcore = u->lim.bare_file == CRASH_FILE_VMCORE;
	unsigned type;

	if (u->head_len >= sizeof(kdump) && memcmp(h, kdump, sizeof(kdump)) == 0) {
		if (want_vmcore)
			return 1;
		refuse(u, 400, "This is a kdump-compressed vmcore: send it as a vmcore task "
			       "(X-Task-Type 2 or 4)");
		return -1;
	}
	if (u->head_len < 4 || memcmp(h, "\177ELF", 4) != 0)
		return 0;
	/* e_type, the same place in both classes; 52 bytes: a whole 32-bit header */
	if (u->head_len < 52 || (h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2)) {
		refuse(u, 400, "The coredump is truncated or corrupt: no valid ELF header");
		return -1;
	}
	type = h[5] == 1 ? (unsigned)h[16] | (unsigned)h[17] << 8 : (unsigned)h[16] << 8 | h[17];
	if (type != 4 /* ET_CORE */) {
		refuse(u, 400, "The body is an ELF file of type %u, not a core: send a coredump, or a "
			       "tar archive of a crash directory", type);
		return -1;
	}
	return 1;
}

/* A bare core: the whole (decompressed) body is the one file. */
static void store_bare(struct upload *u)
{
	const char *name = crash_file_name(u->lim.bare_file);
	_cleanup_close_ int fd = -1;
	uint64_t off = 0;

	if (u->free_at_start < u->lim.min_storage_left) {
		refuse(u, 507, "There is not enough storage space on the server");
		return;
	}
	fd = create_file(u, name);
	if (fd < 0)
		return;
	u->bare = true;
	for (;;) {
		const void *buf;
		ssize_t n = read_body(u, &buf);
		if (n < 0)
			return;
		if (n == 0)
			break;
		if (store_block(u, fd, name, buf, (size_t)n, off) < 0)
			return;
		off += (uint64_t)n;
	}
	if (finish_file(u, fd, name, off) < 0)
		return;
	pthread_mutex_lock(&u->lock);
	u->result.files |= 1U << u->lim.bare_file;
	u->result.unpacked = off;
	u->result.bare = true;
	pthread_mutex_unlock(&u->lock);
}

static void unpack_tar(struct upload *u)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	if (!a) {
		refuse(u, 500, "Unable to start the archive reader");
		return;
	}
	/* tar only (ustar, pax, GNU, v7); compression is ours, above. */
	archive_read_support_format_tar(a);
	if (archive_read_open(a, u, NULL, read_cb, NULL) != ARCHIVE_OK) {
		refuse(u, 400, "The archive is corrupt or truncated: %s",
		       archive_error_string(a) ? archive_error_string(a) : "cannot read it");
		archive_read_free(a);
		return;
	}
	for (unsigned n = 0;; n++) {
		enum crash_file f;
		int r;

		if (n >= UPLOAD_MAX_ENTRIES) {
			refuse(u, 403, "The archive has too many members");
			break;
		}
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		/*
		 * A warning is damage too: where a header's checksum is wrong
		 * libarchive skips ahead and makes an entry of what it finds
		 * ("Damaged tar archive"), a nameless one after junk.
		 */
		if (r < ARCHIVE_OK) {
			refuse(u, 400, "The archive is corrupt or truncated: %s",
			       archive_error_string(a) ? archive_error_string(a) : "bad header");
			break;
		}
		if (check_entry(u, e, &f) < 0)
			break;
		if (write_entry(u, a, crash_file_name(f), (uint64_t)MAX(archive_entry_size(e), 0)) < 0)
			break;
		pthread_mutex_lock(&u->lock);
		u->result.files |= 1U << f;
		u->result.unpacked = u->declared;
		pthread_mutex_unlock(&u->lock);
	}
	archive_read_free(a);
}

static void unpack(struct upload *u)
{
	int bare;

	if (sniff_body(u) < 0 || (bare = body_is_bare(u)) < 0)
		return;
	if (bare)
		store_bare(u);
	else
		unpack_tar(u);
}

static void *unpack_thread(void *userdata)
{
	struct upload *u = userdata;

	unpack(u);
	pthread_mutex_lock(&u->lock);
	u->done = true;
	if (u->producer_waiting) {
		u->producer_waiting = false;
		u->resume(u->userdata);
	}
	pthread_mutex_unlock(&u->lock);
	return NULL;
}

/* --- the producer side ------------------------------------------------- */

int upload_new(int crash_dirfd, const struct upload_limits *limits, upload_wake_fn suspend,
	       upload_wake_fn resume, void *userdata, struct upload **ret)
{
	struct upload *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return -ENOMEM;
	u->ring = malloc(UPLOAD_RING_SIZE);
	if (!u->ring) {
		free(u);
		return -ENOMEM;
	}
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	u->crash_dirfd = crash_dirfd;
	u->lim = *limits;
	u->suspend = suspend;
	u->resume = resume;
	u->userdata = userdata;
	u->dec = DEC_SNIFF;
	u->free_at_start = free_bytes(crash_dirfd);

	r = pthread_create(&u->thread, NULL, unpack_thread, u);
	if (r != 0) {
		upload_free(u);
		return -r;
	}
	u->thread_started = true;
	*ret = u;
	return 0;
}

enum upload_progress upload_feed(struct upload *u, const void *data, size_t len,
				 size_t *ret_consumed)
{
	size_t n = 0;
	enum upload_progress p = UPLOAD_MORE;

	pthread_mutex_lock(&u->lock);
	if (u->received + len > u->lim.max_packed) {
		/* The body is longer than allowed, whatever Content-Length said. */
		refuse_locked(u, 413, "Specified archive is too large");
		u->aborted = true;
		pthread_cond_broadcast(&u->cond);
	}
	u->received += len;
	u->result.received = u->received;
	if (u->done || u->aborted || u->result.http_status != 0) {
		/* Refused: read and drop the rest of the body. */
		n = len;
	} else {
		size_t space = UPLOAD_RING_SIZE - u->ring_len;
		size_t end = (u->ring_start + u->ring_len) % UPLOAD_RING_SIZE;
		size_t first;

		n = MIN(len, space);
		first = MIN(n, UPLOAD_RING_SIZE - end);
		if (first > 0)
			memcpy(u->ring + end, data, first);
		if (n > first)
			memcpy(u->ring, (const unsigned char *)data + first, n - first);
		u->ring_len += n;
		if (n > 0)
			pthread_cond_broadcast(&u->cond);
		if (n < len) {
			/* Not counted yet: it will be offered again. */
			u->received -= len - n;
			u->result.received = u->received;
			u->producer_waiting = true;
			u->suspend(u->userdata);
			p = UPLOAD_WAIT;
		}
	}
	pthread_mutex_unlock(&u->lock);
	*ret_consumed = n;
	return p;
}

enum upload_progress upload_end(struct upload *u)
{
	enum upload_progress p;

	pthread_mutex_lock(&u->lock);
	u->eof = true;
	pthread_cond_broadcast(&u->cond);
	if (u->done) {
		p = UPLOAD_DONE;
	} else {
		u->producer_waiting = true;
		u->suspend(u->userdata);
		p = UPLOAD_WAIT;
	}
	pthread_mutex_unlock(&u->lock);
	return p;
}

void upload_abort(struct upload *u)
{
	pthread_mutex_lock(&u->lock);
	refuse_locked(u, 400, "The upload was aborted");
	u->aborted = true;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

void upload_get_result(struct upload *u, struct upload_result *ret)
{
	pthread_mutex_lock(&u->lock);
	*ret = u->result;
	pthread_mutex_unlock(&u->lock);
}

void upload_free(struct upload *u)
{
	if (!u)
		return;
	if (u->thread_started) {
		pthread_mutex_lock(&u->lock);
		u->aborted = true;
		u->producer_waiting = false; /* nobody to resume any more */
		pthread_cond_broadcast(&u->cond);
		pthread_mutex_unlock(&u->lock);
		pthread_join(u->thread, NULL);
	}
	if (u->zs_init)
		inflateEnd(&u->zs);
	if (u->xs_init)
		lzma_end(&u->xs);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u->ring);
	free(u);
}

/* --- a blocking driver for tests and fuzzing --------------------------- */

struct blocking {
	pthread_mutex_t m;
	pthread_cond_t c;
	bool suspended;
};

static void blocking_suspend(void *userdata)
{
	struct blocking *b = userdata;
	pthread_mutex_lock(&b->m);
	b->suspended = true;
	pthread_mutex_unlock(&b->m);
}

static void blocking_resume(void *userdata)
{
	struct blocking *b = userdata;
	pthread_mutex_lock(&b->m);
	b->suspended = false;
	pthread_cond_signal(&b->c);
	pthread_mutex_unlock(&b->m);
}

static void blocking_wait(struct blocking *b)
{
	pthread_mutex_lock(&b->m);
	while (b->suspended)
		pthread_cond_wait(&b->c, &b->m);
	pthread_mutex_unlock(&b->m);
}

struct upload_blocking {
	struct blocking b;
	struct upload *u;
};

int upload_blocking_new(int crash_dirfd, const struct upload_limits *limits, struct upload_blocking **ret)
{
	struct upload_blocking *ub = calloc(1, sizeof(*ub));
	int r;

	if (!ub)
		return -ENOMEM;
	pthread_mutex_init(&ub->b.m, NULL);
	pthread_cond_init(&ub->b.c, NULL);
	r = upload_new(crash_dirfd, limits, blocking_suspend, blocking_resume, &ub->b, &ub->u);
	if (r < 0 || !ub->u) {
		free(ub);
		return r < 0 ? r : -ENOMEM;
	}
	*ret = ub;
	return 0;
}

int upload_blocking_feed(struct upload_blocking *ub, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		size_t used;
		if (upload_feed(ub->u, p, len, &used) == UPLOAD_WAIT)
			blocking_wait(&ub->b);
		p += used;
		len -= used;
	}
	pthread_mutex_lock(&ub->u->lock);
	bool refused = ub->u->result.http_status != 0;
	pthread_mutex_unlock(&ub->u->lock);
	return refused ? -1 : 0;
}

void upload_blocking_end(struct upload_blocking *ub, struct upload_result *ret)
{
	while (upload_end(ub->u) == UPLOAD_WAIT)
		blocking_wait(&ub->b);
	upload_get_result(ub->u, ret);
	upload_free(ub->u);
	pthread_cond_destroy(&ub->b.c);
	pthread_mutex_destroy(&ub->b.m);
	free(ub);
}

int upload_run_buffer(int crash_dirfd, const struct upload_limits *limits, const void *data,
		      size_t len, size_t chunk, struct upload_result *ret)
{
	const unsigned char *p = data;
	struct upload_blocking *ub = NULL;
	int r;

	r = upload_blocking_new(crash_dirfd, limits, &ub);
	if (r < 0)
		return r;
	if (chunk == 0)
		chunk = 65536;
	while (len > 0) {
		size_t n = MIN(len, chunk);
		upload_blocking_feed(ub, p, n);
		p += n;
		len -= n;
	}
	upload_blocking_end(ub, ret);
	return 0;
}
