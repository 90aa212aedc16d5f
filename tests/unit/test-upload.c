/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The upload path against the archives of fuzz/corpus/upload: each must be
 * accepted or refused with the right status and reason, and a refusal must
 * write nothing past the refused member.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "httpd/request.h"
#include "httpd/upload.h"
#include "tests/lib/tap.h"

static const struct {
	const char *file;
	int status;
	const char *msg;
	unsigned files;
} cases[] = {
	{ "valid.tar", 0, "", (1 << CRASH_FILE_COREDUMP) | (1 << CRASH_FILE_EXECUTABLE) |
				       (1 << CRASH_FILE_PACKAGE) | (1 << CRASH_FILE_OS_RELEASE) },
	{ "valid.tar.gz", 0, "", (1 << CRASH_FILE_COREDUMP) | (1 << CRASH_FILE_EXECUTABLE) |
					  (1 << CRASH_FILE_PACKAGE) },
	{ "valid.tar.xz", 0, "", 1 << CRASH_FILE_VMCORE },
	/* tar stops at the first end-of-archive, as `tar xzf` does */
	{ "concatenated-gzip", 0, "", (1 << CRASH_FILE_COREDUMP) | (1 << CRASH_FILE_EXECUTABLE) |
					      (1 << CRASH_FILE_PACKAGE) },
	{ "dot-slash.tar", 0, "", (1 << CRASH_FILE_COREDUMP) | (1 << CRASH_FILE_EXECUTABLE) |
					  (1 << CRASH_FILE_PACKAGE) },
	/* libarchive skips the junk with a warning ("Damaged tar archive"): corrupt */
	{ "junk-after-member.tar", 400, "Damaged tar archive", 1 << CRASH_FILE_COREDUMP },
	{ "symlink.tar", 403, "Symlinks are not allowed", 0 },
	{ "hardlink.tar", 403, "Hard links are not allowed", 1 << CRASH_FILE_COREDUMP },
	{ "device.tar", 403, "Devices, fifos and sockets", 0 },
	{ "fifo.tar", 403, "Devices, fifos and sockets", 0 },
	{ "dir.tar", 403, "Directories are not allowed", 0 },
	{ "absolute.tar", 403, "Absolute paths", 0 },
	{ "dotdot.tar", 403, "'..'", 0 },
	{ "duplicate.tar", 403, "appears twice", 1 << CRASH_FILE_COREDUMP },
	{ "unknown-name.tar", 403, "File 'evil.sh' is not allowed", 0 },
	{ "too-big-package.tar", 403, "The 'package' file is larger than expected", 0 },
	/* 100 GB declared: more than the disk holds (507 comes before 413) */
	{ "sparse-bomb.tar.xz", 507, "not enough storage space", 0 },
	{ "sparse-over-limit.tar.xz", 413, "content is too large", 0 },
	{ "blockdev.tar", 403, "Devices, fifos and sockets", 0 },
	{ "zero-bomb.tar.gz", 413, "content is too large", 0 },
	/* cut inside 'package': the members before it were complete */
	{ "truncated.tar", 400, "truncated", (1 << CRASH_FILE_COREDUMP) |
						      (1 << CRASH_FILE_EXECUTABLE) },
	{ "truncated.tar.gz", 400, "gzip data is truncated", 0 },
	{ "truncated.tar.xz", 400, "xz data is truncated", 0 },
	{ "garbage", 400, "corrupt", 0 },
	{ "empty", 400, "corrupt or truncated", 0 },
};

static char *slurp(const char *path, size_t *len)
{
	char *data = NULL;
	if (read_file_at(AT_FDCWD, path, 64 << 20, &data, len) < 0)
		return NULL;
	return data;
}

/* /checkpackage's epochs, against what Python's re.sub("[1-9][0-9]*:", "", nvr) gives */
static void test_nvr_strip_epoch(void)
{
	static const char *const nvr_cases[][2] = {
		{ "NetworkManager-1:1.42.2-1.fc39", "NetworkManager-1.42.2-1.fc39" }, /* ABRT's name-E:V-R */
		{ "1:bash-5.2.15-3.fc39", "bash-5.2.15-3.fc39" },
		{ "bind-32:9.18.19-1.fc39", "bind-9.18.19-1.fc39" },
		{ "bash-0:5.2-1", "bash-0:5.2-1" }, /* no epoch starts with 0 */
		{ "a01:b", "a0b" },
		{ "x-12:34:5", "x-5" },
		{ "coreutils-9.3-1.fc39", "coreutils-9.3-1.fc39" },
		{ "123", "123" },
		{ "9:", "" },
	};
	char buf[64], small[8];

	for (size_t i = 0; i < sizeof(nvr_cases) / sizeof(nvr_cases[0]); i++) {
		const char *got = nvr_strip_epoch(nvr_cases[i][0], buf, sizeof(buf));
		is_str(got ? got : "(null)", nvr_cases[i][1], nvr_cases[i][0]);
	}
	ok(nvr_strip_epoch("1:abcdefgh", small, sizeof(small)) == NULL, "an NVR that does not fit is NULL");
	ok(nvr_strip_epoch("1:abcdefg", small, sizeof(small)) == small && strcmp(small, "abcdefg") == 0,
	   "... one that just fits is stripped");
}

/* A ustar archive by hand: one member NAME of n bytes, then the end blocks. */
static unsigned char *tar_one(const char *name, const unsigned char *data, size_t n,
			      size_t *ret_total)
{
	size_t total = 512 + ((n + 511) & ~(size_t)511) + 1024;
	unsigned char *tar = calloc(1, total);
	unsigned sum = 0;

	/* NOLINTBEGIN(bugprone-not-null-terminated-result): tar fields are fixed-width */
	memcpy(tar, name, strlen(name));
	memcpy(tar + 100, "0000644", 7);
	memcpy(tar + 108, "0000000", 7);
	memcpy(tar + 116, "0000000", 7);
	snprintf((char *)tar + 124, 12, "%011zo", n);
	memcpy(tar + 136, "00000000000", 11);
	tar[156] = '0';
	memcpy(tar + 257, "ustar", 6);
	memcpy(tar + 263, "00", 2);
	memset(tar + 148, ' ', 8);
	for (int k = 0; k < 512; k++)
		sum += tar[k];
	snprintf((char *)tar + 148, 8, "%06o", sum);
	/* NOLINTEND(bugprone-not-null-terminated-result) */
	memcpy(tar + 512, data, n);
	*ret_total = total;
	return tar;
}

/* A fresh directory DIR/NAME, opened. */
static int subdir(const char *dir, const char *name)
{
	char sub[4200];
	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	mkdir(sub, 0700);
	return open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Zero pages are written as holes, the rest intact; only the rest counts as stored. */
static void test_holes(const char *dir)
{
	size_t n = (1 << 20) + 100, total, expect = 0;
	unsigned char *core = malloc(n);
	struct upload_limits lim = { .max_packed = 8 << 20, .max_unpacked = 8 << 20 };
	struct upload_result res;
	char *back = NULL;
	size_t blen = 0;
	struct stat st;
	int fd;

	/* odd pages hold data, even pages are zero; the last, partial page holds data */
	for (size_t k = 0; k < n; k++)
		core[k] = ((k / 4096) % 2 || k >= (1 << 20)) ? (unsigned char)(k % 251 + 1) : 0;
	for (size_t k = 0; k < n; k += 4096)
		if (core[k])
			expect += MIN((size_t)4096, n - k);
	unsigned char *tar = tar_one("coredump", core, n, &total);
	fd = subdir(dir, "holes");
	/* chunks that do not align with pages */
	upload_run_buffer(fd, &lim, tar, total, 3000, &res);
	is_int(res.http_status, 0, "a core with zero pages is accepted");
	read_file_at(fd, "coredump", 8 << 20, &back, &blen);
	ok(back && blen == n && memcmp(back, core, n) == 0, "... and reads back intact");
	is_int(res.stored, expect, "... only its non-zero pages are stored");
	ok(fstatat(fd, "coredump", &st, 0) == 0 && (uint64_t)st.st_blocks * 512 <= expect + 8192,
	   "... and only they take disk (%llu bytes allocated)",
	   (unsigned long long)st.st_blocks * 512);
	free(back);
	close(fd);

	/* the same as a bomb: more stored than 16 MiB + ratio x packed is refused */
	size_t bn = 40 << 20;
	unsigned char *fill = malloc(bn);
	memset(fill, 'A', bn);
	unsigned char *btar = tar_one("coredump", fill, bn, &total);
	struct upload_limits blim = { .max_packed = 64 << 20, .max_unpacked = 64 << 20,
				      .max_ratio = 1 };
	fd = subdir(dir, "bomb");
	upload_run_buffer(fd, &blim, btar, total, 65536, &res);
	is_int(res.http_status, 0, "a raw tar never stores more than it received (ratio 1)");
	close(fd);
	/* stored within its budget, then past it */
	struct upload_limits slim = { .max_packed = 64 << 20, .max_unpacked = 64 << 20,
				      .max_stored = 41 << 20 };
	fd = subdir(dir, "budget1");
	upload_run_buffer(fd, &slim, btar, total, 65536, &res);
	is_int(res.http_status, 0, "an upload within its address's budget is accepted");
	close(fd);
	slim.max_stored = 39 << 20;
	fd = subdir(dir, "budget2");
	upload_run_buffer(fd, &slim, btar, total, 65536, &res);
	is_int(res.http_status, 429, "one past it is refused with 429");
	ok(strstr(res.message, "MaxSpoolPerAddress") != NULL, "... saying why: %s", res.message);
	close(fd);
	free(btar);
	free(fill);
	free(tar);
	free(core);
}

/* A bare core: the body is the file, zero pages as holes; its kinds and refusals. */
static void test_bare(const char *dir)
{
	size_t n = (256 << 10) + 7;
	unsigned char *core = calloc(1, n);
	struct upload_limits lim = { .max_packed = 8 << 20, .max_unpacked = 8 << 20 };
	struct upload_result res;
	char *back = NULL;
	size_t blen = 0;
	int fd;

	/* an ELF64 little-endian ET_CORE header, a page of data, zeros, a tail */
	memcpy(core, "\177ELF\2\1\1", 7);
	core[16] = 4;
	memset(core + 4096, 'N', 4096);
	memset(core + n - 7, 'T', 7);
	fd = subdir(dir, "bare");
	upload_run_buffer(fd, &lim, core, n, 1000, &res);
	is_int(res.http_status, 0, "a bare core is accepted");
	ok(res.bare && res.files == 1U << CRASH_FILE_COREDUMP, "... as the task's coredump alone");
	is_int(res.unpacked, n, "... all of it counted");
	/* at most the header's page, the data page and the 7-byte last page (n - 7
	 * is page-aligned); zeros that arrive apart from their page's data are
	 * holes too */
	ok(res.stored >= 4096 + 7 && res.stored <= 2 * 4096 + 7, "... its zero pages not stored (%llu)",
	   (unsigned long long)res.stored);
	read_file_at(fd, "coredump", 8 << 20, &back, &blen);
	ok(back && blen == n && memcmp(back, core, n) == 0, "... and it reads back intact");
	free(back);
	close(fd);

	/* over max_unpacked: counted on the whole core, there are no declared sizes */
	struct upload_limits small = { .max_packed = 8 << 20, .max_unpacked = 128 << 10 };
	fd = subdir(dir, "bare-big");
	upload_run_buffer(fd, &small, core, n, 4096, &res);
	is_int(res.http_status, 413, "a bare core over max_unpacked is refused");
	close(fd);

	/* the same bytes in a kernel task: a vmcore */
	lim.bare_file = CRASH_FILE_VMCORE;
	fd = subdir(dir, "bare-vmcore");
	upload_run_buffer(fd, &lim, core, n, 4096, &res);
	ok(res.http_status == 0 && res.files == 1U << CRASH_FILE_VMCORE, "an ELF core in a kernel task is its vmcore");
	close(fd);
	memcpy(core, "KDUMP   ", 8);
	fd = subdir(dir, "bare-kdump");
	upload_run_buffer(fd, &lim, core, n, 4096, &res);
	ok(res.http_status == 0 && res.files == 1U << CRASH_FILE_VMCORE, "a kdump-compressed dump is too");
	close(fd);
	lim.bare_file = CRASH_FILE_COREDUMP;
	fd = subdir(dir, "bare-kdump-core");
	upload_run_buffer(fd, &lim, core, n, 4096, &res);
	is_int(res.http_status, 400, "... but not in a coredump task");
	close(fd);

	/* an executable, a short header, a bad class */
	memcpy(core, "\177ELF\2\1\1", 7);
	core[16] = 2;
	fd = subdir(dir, "bare-exec");
	upload_run_buffer(fd, &lim, core, n, 4096, &res);
	ok(res.http_status == 400 && strstr(res.message, "of type 2, not a core"), "an executable: %s",
	   res.message);
	ok(faccessat(fd, "coredump", F_OK, 0) < 0, "... nothing written");
	close(fd);
	fd = subdir(dir, "bare-short");
	upload_run_buffer(fd, &lim, core, 30, 4096, &res);
	ok(res.http_status == 400 && strstr(res.message, "no valid ELF header"), "30 bytes of ELF: %s",
	   res.message);
	close(fd);
	core[4] = 3;
	core[16] = 4;
	fd = subdir(dir, "bare-class");
	upload_run_buffer(fd, &lim, core, n, 4096, &res);
	is_int(res.http_status, 400, "an ELF class that is neither 32 nor 64 bits");
	close(fd);
	free(core);
}

int main(void)
{
	const char *src = secure_getenv("RETRACE_SRC");
	char dir[] = "/tmp/retrace-test-upload-XXXXXX";
	struct upload_limits lim = { .max_packed = 1 << 20, .max_unpacked = 4 << 20 };

	if (!mkdtemp(dir))
		return 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[4096], sub[4200];
		struct upload_result res;
		size_t len;
		char *data;
		int fd;

		snprintf(path, sizeof(path), "%s/fuzz/corpus/upload/%s", src ? src : ".", cases[i].file);
		data = slurp(path, &len);
		if (!ok(data != NULL, "read %s", cases[i].file))
			continue;
		snprintf(sub, sizeof(sub), "%s/%zu", dir, i);
		mkdir(sub, 0700);
		fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* small chunks: the ring fills and the flow control is exercised */
		is_int(upload_run_buffer(fd, &lim, data, len, 1000, &res), 0, "upload ran");
		is_int(res.http_status, cases[i].status, cases[i].file);
		ok(strstr(res.message, cases[i].msg) != NULL, "%s: message '%s'", cases[i].file,
		   res.message);
		is_int(res.files, cases[i].files, "files written");
		close(fd);
		free(data);
	}

	/* A larger upload through the ring in network-sized pieces. */
	{
		size_t n = 3 << 20;
		unsigned char *big = malloc(n);
		struct upload_result res;
		char sub[4200];
		int fd;
		for (size_t k = 0; k < n; k++)
			big[k] = (unsigned char)(k * 7 + (k >> 9));
		size_t total;
		unsigned char *tar = tar_one("coredump", big, n, &total);
		snprintf(sub, sizeof(sub), "%s/big", dir);
		mkdir(sub, 0700);
		fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct upload_limits big_lim = { .max_packed = 8 << 20, .max_unpacked = 8 << 20 };
		upload_run_buffer(fd, &big_lim, tar, total, 16384, &res);
		is_int(res.http_status, 0, "3 MiB raw tar accepted");
		char *back = NULL;
		size_t blen = 0;
		read_file_at(fd, "coredump", 8 << 20, &back, &blen);
		ok(back && blen == n && memcmp(back, big, n) == 0, "3 MiB coredump written intact");
		free(back);
		/* the same bytes with a packed limit below their size */
		struct upload_limits small = { .max_packed = 1 << 20, .max_unpacked = 8 << 20 };
		char sub2[4200];
		snprintf(sub2, sizeof(sub2), "%s/big2", dir);
		mkdir(sub2, 0700);
		int fd2 = open(sub2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		upload_run_buffer(fd2, &small, tar, total, 16384, &res);
		is_int(res.http_status, 413, "body past max_packed refused");
		ok(strstr(res.message, "archive is too large") != NULL, "packed-size message");
		close(fd2);
		close(fd);
		free(tar);
		free(big);
	}
	test_holes(dir);
	test_bare(dir);
	rm_rf_at(AT_FDCWD, dir);
	test_nvr_strip_epoch();
	return tap_done();
}
