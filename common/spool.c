/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "macro.h"
#include "util.h"

#define DIR_INCOMING ".incoming"
#define DIR_QUEUE ".queue"
#define DIR_RUNNING ".running"
#define DIR_TRASH ".trash"
#define DIR_HELD ".held"
#define HASH_PREFIX "sha256:"
#define TASK_ID_MIN 100000000U
#define TASK_ID_SPAN 900000000U
#define COMMIT_ID_TRIES 64

static const char *const status_names[_TASK_STATUS_MAX] = {
	[TASK_STATUS_QUEUED] = "queued",       [TASK_STATUS_ANALYZE] = "analyze",
	[TASK_STATUS_INIT] = "init",           [TASK_STATUS_BACKTRACE] = "backtrace",
	[TASK_STATUS_CLEANUP] = "cleanup",     [TASK_STATUS_STATS] = "stats",
	[TASK_STATUS_FINISHING] = "finishing", [TASK_STATUS_SUCCESS] = "success",
	[TASK_STATUS_FAIL] = "fail",
};

static const char *const status_messages[_TASK_STATUS_MAX] = {
	[TASK_STATUS_QUEUED] = "Waiting for a free retrace slot",
	[TASK_STATUS_ANALYZE] = "Analyzing crash data",
	[TASK_STATUS_INIT] = "Preparing environment for backtrace generation",
	[TASK_STATUS_BACKTRACE] = "Generating backtrace",
	[TASK_STATUS_CLEANUP] = "Cleaning environment after backtrace generation",
	[TASK_STATUS_STATS] = "Saving crash statistics",
	[TASK_STATUS_FINISHING] = "Finishing task",
	[TASK_STATUS_SUCCESS] = "Retrace job finished successfully",
	[TASK_STATUS_FAIL] = "Retrace job failed",
};

const char *task_status_to_string(enum task_status s)
{
	return (unsigned)s < _TASK_STATUS_MAX ? status_names[s] : NULL;
}

enum task_status task_status_from_string(const char *s)
{
	for (unsigned i = 0; i < _TASK_STATUS_MAX; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum task_status)i;
	return _TASK_STATUS_INVALID;
}

const char *task_status_message(enum task_status s)
{
	return (unsigned)s < _TASK_STATUS_MAX ? status_messages[s] : NULL;
}

const char *task_type_name(enum task_type t)
{
	static const char *const names[] = { "retrace", "debug", "vmcore", "retrace-interactive",
					     "vmcore-interactive" };
	return (unsigned)t < ELEMENTSOF(names) ? names[t] : "unknown";
}

bool task_type_is_vmcore(enum task_type t)
{
	return t == TASK_VMCORE || t == TASK_VMCORE_INTERACTIVE;
}

bool task_type_is_interactive(enum task_type t)
{
	return t == TASK_RETRACE_INTERACTIVE || t == TASK_VMCORE_INTERACTIVE;
}

const char *task_type_crash_file(enum task_type t)
{
	return task_type_is_vmcore(t) ? "vmcore" : "coredump";
}

bool task_type_keeps_crash_data(enum task_type t)
{
	return t != TASK_RETRACE && t != TASK_VMCORE;
}

int spool_task_write_time(int task_dirfd, const char *name)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%lld\n", (long long)time(NULL));

	return write_file_at(task_dirfd, name, text, (size_t)n, 0640, true);
}

static int mkdir_if_missing(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int spool_open(const char *path, struct spool *ret)
{
	static const char *const dirs[] = { DIR_INCOMING, DIR_QUEUE, DIR_RUNNING, DIR_TRASH, DIR_HELD };
	_cleanup_close_ int fd = -1;
	char *p;
	int r;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		r = mkdir_if_missing(fd, dirs[i]);
		if (r < 0)
			return r;
	}
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	ret->dirfd = TAKE_FD(fd);
	ret->path = p;
	return 0;
}

void spool_close(struct spool *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
	free(s->path);
	s->path = NULL;
}

int spool_task_id_parse(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;

	if (len != SPOOL_TASK_ID_DIGITS || s[0] < '1' || s[0] > '9')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = (uint32_t)v;
	return 0;
}

void spool_task_id_format(uint32_t id, char ret[SPOOL_TASK_ID_DIGITS + 1])
{
	snprintf(ret, SPOOL_TASK_ID_DIGITS + 1, "%09u", id);
}

static int random_task_id(uint32_t *ret)
{
	/* Reject the top partial span so that every id is equally likely. */
	const uint32_t limit = UINT32_MAX - (UINT32_MAX % TASK_ID_SPAN);
	for (;;) {
		uint32_t v;
		int r = random_bytes(&v, sizeof(v));
		if (r < 0)
			return r;
		if (v < limit) {
			*ret = TASK_ID_MIN + v % TASK_ID_SPAN;
			return 0;
		}
	}
}

int spool_password_new(char ret[SPOOL_PASSWORD_LEN + 1])
{
	static const char alphabet[] =
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t n = 0;

	/*
	 * 62 * 4 = 248: bytes >= 248 are thrown away, so byte % 62 is exactly
	 * uniform. That costs 3% of the random bytes and nothing else.
	 */
	while (n < SPOOL_PASSWORD_LEN) {
		unsigned char rnd[64];
		int r = random_bytes(rnd, sizeof(rnd));
		if (r < 0)
			return r;
		for (size_t i = 0; i < sizeof(rnd) && n < SPOOL_PASSWORD_LEN; i++)
			if (rnd[i] < 248)
				ret[n++] = alphabet[rnd[i] % 62];
	}
	ret[n] = '\0';
	return 0;
}

static int sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int outlen = 0;
	if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1 || outlen != 32)
		return -EIO;
	return 0;
}

static int hex_decode(const char *in, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = in[2 * i + (size_t)j];
			int d = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
						       : -1;
			if (d < 0)
				return -EINVAL;
			v = v * 16 + d;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

int spool_incoming_new(struct spool *s, char ret_name[SPOOL_INCOMING_NAME_LEN + 1],
		       int *ret_dirfd)
{
	_cleanup_close_ int in = -1, fd = -1;
	unsigned char rnd[SPOOL_INCOMING_NAME_LEN / 2];
	int r;

	in = openat_dir(s->dirfd, DIR_INCOMING);
	if (in < 0)
		return -errno;
	r = random_bytes(rnd, sizeof(rnd));
	if (r < 0)
		return r;
	hex_encode(rnd, sizeof(rnd), ret_name);
	if (mkdirat(in, ret_name, 0750) < 0)
		return -errno;
	fd = openat_dir(in, ret_name);
	if (fd < 0 || mkdirat(fd, "crash", 0750) < 0) {
		r = -errno;
		rm_rf_at(in, ret_name);
		return r;
	}
	*ret_dirfd = TAKE_FD(fd);
	return 0;
}

int spool_incoming_discard(struct spool *s, const char *name)
{
	_cleanup_close_ int in = -1;

	in = openat_dir(s->dirfd, DIR_INCOMING);
	if (in < 0)
		return -errno;
	return rm_rf_at(in, name);
}

int spool_incoming_sweep(struct spool *s)
{
	int err, n = spool_sweep_stale(s, SPOOL_STALE_INCOMING, (time_t)LONG_MAX, &err);

	return n < 0 ? n : err < 0 ? err : n;
}

/* The newest mtime in the tree dirfd/name (depth-bounded; deeper is not looked at). */
static time_t newest_mtime(int parent, const char *name, unsigned depth)
{
	struct stat st;
	time_t newest;
	int fd;
	DIR *d;
	struct dirent *de;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	newest = st.st_mtime;
	if (!S_ISDIR(st.st_mode) || depth == 0)
		return newest;
	fd = openat_dir(parent, name);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return newest;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		time_t t = newest_mtime(dirfd(d), de->d_name, depth - 1);
		if (t > newest)
			newest = t;
	}
	closedir(d);
	return newest;
}

int spool_sweep_stale(struct spool *s, enum spool_stale which, time_t cutoff, int *ret_error)
{
	const char *dir = which == SPOOL_STALE_INCOMING ? DIR_INCOMING
			  : which == SPOOL_STALE_TRASH	  ? DIR_TRASH
							  : DIR_QUEUE;
	int fd = openat_dir(s->dirfd, dir), n = 0, r;
	char **names = NULL;
	size_t nn = 0;
	DIR *d;
	struct dirent *de;

	*ret_error = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	/* the names first: removing while reading would make readdir skip or repeat */
	while ((de = readdir(d)) && nn < SPOOL_SWEEP_MAX) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (which == SPOOL_STALE_NEW_ENTRIES && strncmp(de->d_name, ".new-", 5) != 0)
			continue;
		if (newest_mtime(dirfd(d), de->d_name, 16) >= cutoff)
			continue;
		char **nv = reallocarray(names, nn + 1, sizeof(*names));
		char *name = strdup(de->d_name);
		if (!nv || !name) {
			free(name);
			if (nv)
				names = nv;
			*ret_error = -ENOMEM;
			break;
		}
		names = nv;
		names[nn++] = name;
	}
	for (size_t i = 0; i < nn; i++) {
		r = rm_rf_at(dirfd(d), names[i]);
		if (r >= 0 || r == -ENOENT)
			n++;
		else if (!*ret_error)
			*ret_error = r;
		free(names[i]);
	}
	free(names);
	closedir(d);
	return n;
}

int spool_incoming_commit(struct spool *s, const char *name, int incoming_dirfd,
			  enum task_type type, const char *password, unsigned flags, uint32_t *ret_id)
{
	_cleanup_close_ int in = -1, q = -1, crash = -1, entries = -1;
	unsigned char digest[32];
	char line[sizeof(HASH_PREFIX) + SPOOL_HASH_HEX_LEN + 2];
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	char typestr[8];
	char qtmp[sizeof(".new-") + SPOOL_INCOMING_NAME_LEN];
	const char *status;
	int r;

	if ((unsigned)type >= _TASK_TYPE_MAX || strlen(name) > SPOOL_INCOMING_NAME_LEN)
		return -EINVAL;
	r = sha256(password, strlen(password), digest);
	if (r < 0)
		return r;
	memcpy(line, HASH_PREFIX, strlen(HASH_PREFIX));
	hex_encode(digest, sizeof(digest), line + strlen(HASH_PREFIX));
	line[strlen(HASH_PREFIX) + SPOOL_HASH_HEX_LEN] = '\n';
	line[strlen(HASH_PREFIX) + SPOOL_HASH_HEX_LEN + 1] = '\0';

	r = create_file_at(incoming_dirfd, "password", line, strlen(line), 0640);
	if (r < 0)
		return r;
	snprintf(typestr, sizeof(typestr), "%d\n", (int)type);
	r = create_file_at(incoming_dirfd, "type", typestr, strlen(typestr), 0640);
	if (r < 0)
		return r;
	status = task_status_to_string(TASK_STATUS_QUEUED);
	r = create_file_at(incoming_dirfd, "status", status, strlen(status), 0640);
	if (r < 0)
		return r;
	if (flags & (SPOOL_COMMIT_MANAGED | SPOOL_COMMIT_HELD)) {
		r = create_file_at(incoming_dirfd, SPOOL_MANAGED_FILE, "1\n", 2, 0640);
		if (r < 0)
			return r;
	}
	crash = openat_dir(incoming_dirfd, "crash");
	if (crash < 0)
		return -errno;
	/* The unpacked files were fsync()ed by their writer; their names now. */
	r = fsync_dirfd(crash);
	if (r < 0)
		return r;
	r = fsync_dirfd(incoming_dirfd);
	if (r < 0)
		return r;

	/*
	 * The queue entry is made first, under a name no reader lists (a dot
	 * name), so that running out of space or inodes fails here, before the
	 * task exists; the task is renamed into place; the entry's rename to
	 * the task's id, which needs no new space, is the commit. Any failure
	 * before it undoes what was done: the caller discards the incoming
	 * directory and nothing is left behind.
	 */
	in = openat_dir(s->dirfd, DIR_INCOMING);
	q = openat_dir(s->dirfd, DIR_QUEUE);
	/* a held task's entry ends in .held; made in .queue all the same, where
	 * retrace-cleanup sweeps the .new- entries of commits cut short */
	entries = openat_dir(s->dirfd, (flags & SPOOL_COMMIT_HELD) ? DIR_HELD : DIR_QUEUE);
	if (in < 0 || q < 0 || entries < 0)
		return -errno;
	snprintf(qtmp, sizeof(qtmp), ".new-%s", name);
	r = create_file_at(q, qtmp, "", 0, 0640);
	if (r >= 0)
		r = fsync_dirfd(q);
	if (r < 0) {
		unlinkat(q, qtmp, 0);
		return r;
	}
	for (int i = 0;; i++) {
		uint32_t id;
		if (i == COMMIT_ID_TRIES) {
			unlinkat(q, qtmp, 0);
			return -EEXIST;
		}
		r = random_task_id(&id);
		if (r < 0) {
			unlinkat(q, qtmp, 0);
			return r;
		}
		spool_task_id_format(id, idstr);
		/* NOREPLACE: a colliding id must never replace (or join) a task. */
		r = rename_noreplace_at(in, name, s->dirfd, idstr);
		if (r == 0) {
			*ret_id = id;
			break;
		}
		if (r != -EEXIST) {
			unlinkat(q, qtmp, 0);
			return r;
		}
	}
	r = fsync_dirfd(s->dirfd);
	if (r >= 0 && renameat(q, qtmp, entries, idstr) < 0)
		r = -errno;
	if (r < 0) {
		/* back where the caller discards it */
		(void)rename_noreplace_at(s->dirfd, idstr, in, name);
		unlinkat(q, qtmp, 0);
		return r;
	}
	/* queued: a failed flush of the entry's name is no reason to refuse it */
	(void)fsync_dirfd(entries);
	return 0;
}

int spool_task_open(struct spool *s, uint32_t id, int *ret_dirfd)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	int fd;

	spool_task_id_format(id, idstr);
	fd = openat_dir(s->dirfd, idstr);
	if (fd < 0)
		return -errno;
	*ret_dirfd = fd;
	return 0;
}

int spool_task_check_password(int task_dirfd, const char *password, size_t len)
{
	char stored[128];
	unsigned char want[32], got[32];
	size_t slen;
	int r;

	r = read_small_file_at(task_dirfd, "password", stored, sizeof(stored), &slen);
	if (r < 0)
		return r;
	if (slen < strlen(HASH_PREFIX) + SPOOL_HASH_HEX_LEN ||
	    memcmp(stored, HASH_PREFIX, strlen(HASH_PREFIX)) != 0 ||
	    hex_decode(stored + strlen(HASH_PREFIX), 32, want) < 0)
		return -EBADMSG;
	r = sha256(password, len, got);
	if (r < 0)
		return r;
	/* Constant time: the comparison must not tell how many bytes matched. */
	return CRYPTO_memcmp(want, got, sizeof(want)) == 0 ? 0 : -EACCES;
}

int spool_task_read_state(int task_dirfd, struct task_state *ret)
{
	struct task_state st = { .status = TASK_STATUS_QUEUED };
	char status[SPOOL_STATUS_MAX];
	int r;

	/* The hot path of every poll: one stat, and one more when finished. */
	st.finished = file_exists_at(task_dirfd, "finished_time");
	st.has_backtrace = st.finished && file_exists_at(task_dirfd, "retrace_backtrace");

	r = read_small_file_at(task_dirfd, "status", status, sizeof(status), NULL);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0) {
		status[strcspn(status, "\n")] = '\0';
		enum task_status s = task_status_from_string(status);
		if (s < 0)
			return -EBADMSG;
		st.status = s;
	}
	*ret = st;
	return 0;
}

const char *task_state_http(const struct task_state *st)
{
	if (!st->finished)
		return "PENDING";
	return st->has_backtrace && st->status != TASK_STATUS_FAIL ? "FINISHED_SUCCESS" : "FINISHED_FAILURE";
}

int spool_task_read_type(int task_dirfd, enum task_type *ret)
{
	char type[16];
	int r;

	r = read_small_file_at(task_dirfd, "type", type, sizeof(type), NULL);
	if (r < 0)
		return r;
	type[strcspn(type, "\n")] = '\0';
	if (type[0] < '0' || type[0] > '9' || type[1] != '\0' ||
	    (unsigned)(type[0] - '0') >= _TASK_TYPE_MAX)
		return -EBADMSG;
	*ret = (enum task_type)(type[0] - '0');
	return 0;
}

static int count_entries(int parent, const char *name, unsigned *ret)
{
	int fd;
	DIR *d;
	struct dirent *de;
	unsigned n = 0;

	fd = openat_dir(parent, name);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	*ret = n;
	return 0;
}

int spool_count_held(struct spool *s, unsigned *ret)
{
	return count_entries(s->dirfd, DIR_HELD, ret);
}

int spool_count(struct spool *s, unsigned *ret_running, unsigned *ret_queued)
{
	int r = count_entries(s->dirfd, DIR_RUNNING, ret_running);
	if (r < 0)
		return r;
	return count_entries(s->dirfd, DIR_QUEUE, ret_queued);
}

int spool_task_delete(struct spool *s, uint32_t id)
{
	_cleanup_close_ int q = -1, run = -1, trash = -1, held = -1;
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	char tname[SPOOL_TASK_ID_DIGITS + 1 + 17];
	unsigned char rnd[8];
	char hex[2 * sizeof(rnd) + 1];
	int r;

	spool_task_id_format(id, idstr);
	q = openat_dir(s->dirfd, DIR_QUEUE);
	run = openat_dir(s->dirfd, DIR_RUNNING);
	trash = openat_dir(s->dirfd, DIR_TRASH);
	held = openat_dir(s->dirfd, DIR_HELD);
	if (q < 0 || run < 0 || trash < 0 || held < 0)
		return -errno;

	/*
	 * Taking the queue entry away first wins the race against a worker
	 * that is about to start the task: its rename of the entry fails. A
	 * held task's entry goes before that, so that a start (which moves it
	 * into the queue) either fails or is undone by the second unlink.
	 */
	if (unlinkat(held, idstr, 0) < 0 && errno != ENOENT)
		return -errno;
	if (unlinkat(q, idstr, 0) < 0 && errno != ENOENT)
		return -errno;
	if (file_exists_at(run, idstr))
		return -EBUSY;

	r = random_bytes(rnd, sizeof(rnd));
	if (r < 0)
		return r;
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(tname, sizeof(tname), "%s.%s", idstr, hex);
	r = rename_noreplace_at(s->dirfd, idstr, trash, tname);
	if (r < 0)
		return r;
	return rm_rf_at(trash, tname);
}

int spool_task_delete_unowned(struct spool *s, uint32_t id)
{
	_cleanup_close_ int lock = -1;
	int r = spool_task_lock(s, id, &lock);

	if (r < 0)
		return r;
	return spool_task_delete(s, id);
}

/* --- the worker's side ------------------------------------------------------ */

static int move_entry(struct spool *s, const char *from, const char *to, uint32_t id)
{
	_cleanup_close_ int f = openat_dir(s->dirfd, from), t = openat_dir(s->dirfd, to);
	char idstr[SPOOL_TASK_ID_DIGITS + 1];

	if (f < 0 || t < 0)
		return -errno;
	spool_task_id_format(id, idstr);
	int r = rename_noreplace_at(f, idstr, t, idstr);
	if (r < 0)
		return r;
	return fsync_dirfd(t);
}

int spool_task_take(struct spool *s, uint32_t id)
{
	return move_entry(s, DIR_QUEUE, DIR_RUNNING, id);
}

bool ftp_name_valid(const char *s, size_t n)
{
	return safe_name_valid(s, n, SPOOL_FTP_NAME_MAX, "._+~-");
}

int spool_task_start(struct spool *s, uint32_t id)
{
	return move_entry(s, DIR_HELD, DIR_QUEUE, id);
}

bool spool_task_is_managed(int task_dirfd)
{
	return file_exists_at(task_dirfd, SPOOL_MANAGED_FILE);
}

int spool_task_requeue(struct spool *s, uint32_t id)
{
	return move_entry(s, DIR_RUNNING, DIR_QUEUE, id);
}

int spool_task_done(struct spool *s, uint32_t id)
{
	_cleanup_close_ int run = openat_dir(s->dirfd, DIR_RUNNING);
	char idstr[SPOOL_TASK_ID_DIGITS + 1];

	if (run < 0)
		return -errno;
	spool_task_id_format(id, idstr);
	if (unlinkat(run, idstr, 0) < 0 && errno != ENOENT)
		return -errno;
	return fsync_dirfd(run);
}

static int owner_open(struct spool *s, uint32_t id, int flags)
{
	_cleanup_close_ int dirfd = -1;
	int r = spool_task_open(s, id, &dirfd), fd;

	if (r < 0)
		return r;
	fd = openat(dirfd, SPOOL_OWNER_FILE, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | flags, 0640);
	return fd < 0 ? -errno : fd;
}

int spool_task_lock(struct spool *s, uint32_t id, int *ret_fd)
{
	int fd = owner_open(s, id, O_CREAT);

	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

bool spool_task_owned(struct spool *s, uint32_t id)
{
	_cleanup_close_ int fd = owner_open(s, id, 0);

	if (fd < 0)
		return false;
	/* a shared lock is refused exactly while an owner holds its exclusive one */
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	flock(fd, LOCK_UN);
	return false;
}

int spool_task_sweep_temp(int task_dirfd)
{
	int fd = openat(task_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd); /* owns fd from here */
	if (!d) {
		n = -errno;
		close(fd);
		return n;
	}
	while ((e = readdir(d))) {
		const char *t = e->d_name[0] == '.' ? strstr(e->d_name + 1, ".tmp") : NULL;
		if (t && t > e->d_name + 1 && strlen(t + 4) == 12 && strspn(t + 4, "0123456789abcdef") == 12 &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static int make_entry(struct spool *s, const char *dir, uint32_t id);

int spool_queue_entry(struct spool *s, uint32_t id)
{
	return make_entry(s, DIR_QUEUE, id);
}

int spool_held_entry(struct spool *s, uint32_t id)
{
	return make_entry(s, DIR_HELD, id);
}

static int make_entry(struct spool *s, const char *dir, uint32_t id)
{
	_cleanup_close_ int q = openat_dir(s->dirfd, dir);
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	int r;

	if (q < 0)
		return -errno;
	spool_task_id_format(id, idstr);
	r = create_file_at(q, idstr, "", 0, 0640);
	if (r < 0 && r != -EEXIST)
		return r;
	return fsync_dirfd(q);
}

struct id_time {
	uint32_t id;
	struct timespec t;
};

static int id_time_cmp(const void *a, const void *b)
{
	const struct id_time *x = a, *y = b;
	if (x->t.tv_sec != y->t.tv_sec)
		return x->t.tv_sec < y->t.tv_sec ? -1 : 1;
	if (x->t.tv_nsec != y->t.tv_nsec)
		return x->t.tv_nsec < y->t.tv_nsec ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

int spool_list(struct spool *s, enum spool_list which, uint32_t **ret, size_t *ret_n)
{
	const char *name = which == SPOOL_LIST_QUEUE	 ? DIR_QUEUE
			   : which == SPOOL_LIST_RUNNING ? DIR_RUNNING
			   : which == SPOOL_LIST_HELD	 ? DIR_HELD
							 : ".";
	struct id_time *v = NULL;
	size_t n = 0, cap = 0;
	int fd = openat_dir(s->dirfd, name);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	uint32_t *out;

	if (!d) {
		int r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		struct stat st;
		uint32_t id;

		if (spool_task_id_parse(de->d_name, strlen(de->d_name), &id) < 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (which == SPOOL_LIST_TASKS && !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct id_time *nv = reallocarray(v, ncap, sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n].id = id;
		v[n].t = st.st_mtim;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), id_time_cmp);
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = v[i].id;
	free(v);
	*ret = out;
	*ret_n = n;
	return 0;
}
