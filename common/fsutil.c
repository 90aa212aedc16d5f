/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fsutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "macro.h"
#include "util.h"

#define RM_RF_MAX_DEPTH 16

int random_bytes(void *p, size_t n)
{
	unsigned char *b = p;
	while (n > 0) {
		ssize_t r = getrandom(b, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_string_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return write_all(fd, text, strlen(text));
}

int fsync_dirfd(int dirfd)
{
	return fsync(dirfd) < 0 ? -errno : 0;
}

int create_file_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, name, 0);
	return r;
}

int write_file_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		  bool sync_dir)
{
	char tmp[256];
	unsigned char rnd[6];
	char hex[2 * sizeof(rnd) + 1];
	int r;

	if (strlen(name) > 200 || strchr(name, '/'))
		return -EINVAL;
	r = random_bytes(rnd, sizeof(rnd));
	if (r < 0)
		return r;
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(tmp, sizeof(tmp), ".%s.tmp%s", name, hex);
	r = create_file_at(dirfd, tmp, data, len, mode);
	if (r < 0)
		return r;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -errno;
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return sync_dir ? fsync_dirfd(dirfd) : 0;
}

int read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *data = NULL;
	struct stat st;
	size_t len = 0;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	data = malloc((size_t)st.st_size + 1);
	if (!data)
		return -ENOMEM;
	/* The file may grow while we read: never read more than we sized for. */
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, data + len, (size_t)st.st_size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
	*ret = TAKE_PTR(data);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_small_file_at(int dirfd, const char *name, char *buf, size_t bufsize, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	size_t len = 0;

	if (bufsize < 2)
		return -EINVAL;
	/* O_NONBLOCK: a fifo planted in the spool must not hang us. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + len, bufsize - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EISDIR ? -EBADFD : -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == bufsize)
			return -EFBIG;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return 0;
}

int mkdir_p_at(int dirfd, const char *path, mode_t mode)
{
	char p[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(p))
		return n ? -ENAMETOOLONG : -EINVAL;
	memcpy(p, path, n + 1);
	/* a leading '/' is the root, there already */
	for (char *s = p + 1;; s++) {
		char c = *s;
		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdirat(dirfd, p, mode) == 0) {
			if (fchmodat(dirfd, p, mode, 0) < 0)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		if (c == '\0')
			return 0;
		*s = c;
	}
}

int openat_dir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int rm_rf_children(int dfd, unsigned depth, unsigned max_depth);

static int rm_rf_one(int dirfd, const char *name, unsigned depth, unsigned max_depth)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		int fd, r;
		if (depth >= max_depth)
			return -ELOOP;
		fd = openat_dir(dirfd, name);
		if (fd < 0)
			return -errno;
		r = rm_rf_children(fd, depth + 1, max_depth); /* takes fd */
		if (r < 0)
			return r;
		if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int rm_rf_children(int dfd, unsigned depth, unsigned max_depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = rm_rf_one(dirfd(d), de->d_name, depth, max_depth);
		if (r < 0)
			break;
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

int rm_rf_at(int dirfd, const char *name)
{
	return rm_rf_one(dirfd, name, 0, RM_RF_MAX_DEPTH);
}

int rm_rf_at_depth(int dirfd, const char *name, unsigned max_depth)
{
	return rm_rf_one(dirfd, name, 0, max_depth);
}

bool file_exists_at(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int lines_addf(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int k;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		char **v = reallocarray(l->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	va_start(ap, fmt);
	k = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -ENOMEM;
	l->v[l->n++] = line;
	return 0;
}

void lines_sort_unique(struct lines *l)
{
	size_t n = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), str_ptr_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (n > 0 && strcmp(l->v[i], l->v[n - 1]) == 0)
			free(l->v[i]);
		else
			l->v[n++] = l->v[i];
	}
	l->n = n;
}

int lines_write(int dirfd, const char *name, const char *header, const struct lines *l, size_t max,
		bool sync_dir)
{
	struct buf b = BUF_INIT(max);
	int k = header ? buf_appendf(&b, "%s", header) : 0;

	for (size_t i = 0; i < l->n && k >= 0; i++)
		k = buf_appendf(&b, "%s\n", l->v[i]);
	if (k >= 0)
		k = write_file_at(dirfd, name, b.data ? b.data : "", b.len, 0644, sync_dir);
	buf_release(&b);
	return k;
}

void lines_release(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int move_noreplace_fallback_at(int fromfd, const char *from, int tofd, const char *to)
{
	struct stat st, tst;

	if (fstatat(fromfd, from, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		/* rename(2) would replace an empty directory: what is there stays */
		if (fstatat(tofd, to, &tst, AT_SYMLINK_NOFOLLOW) == 0)
			return -EEXIST;
		if (renameat(fromfd, from, tofd, to) == 0)
			return 0;
		return errno == ENOTEMPTY ? -EEXIST : -errno;
	}
	if (linkat(fromfd, from, tofd, to, 0) < 0) {
		int e = errno;
		/* both names of one file: a move cut short between its link and its
		 * unlink (a killed process) - finish it */
		if (e == EEXIST && fstatat(tofd, to, &tst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    tst.st_dev == st.st_dev && tst.st_ino == st.st_ino) {
			if (unlinkat(fromfd, from, 0) < 0 && errno != ENOENT)
				return -errno;
			return 0;
		}
		return -e;
	}
	/* the link is the move; an old name removed meanwhile (a delete of the
	 * queue entry) is gone already */
	if (unlinkat(fromfd, from, 0) < 0 && errno != ENOENT) {
		int e = -errno;
		unlinkat(tofd, to, 0);
		return e;
	}
	return 0;
}

int rename_noreplace_at(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	return move_noreplace_fallback_at(fromfd, from, tofd, to);
}
