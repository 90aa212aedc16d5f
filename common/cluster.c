/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cluster.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "macro.h"
#include "util.h"

/* Every registration is this long, padded with spaces: a rewrite in place
 * is one pwrite(2) of the whole file, never a truncation a reader could see. */
#define RECORD_SIZE 200

void cluster_host_name(char *buf, size_t size)
{
	char h[256] = "";
	size_t n = 0;

	if (gethostname(h, sizeof(h) - 1) < 0)
		h[0] = '\0';
	for (size_t i = 0; h[i] && n + 1 < size && n < 64; i++) {
		char c = h[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '-')
			buf[n++] = c;
	}
	buf[n] = '\0';
	if (n == 0)
		snprintf(buf, size, "host");
}

static int write_record(int fd, const char *host, unsigned slots, unsigned busy, unsigned interval_s)
{
	char rec[RECORD_SIZE];
	int n = snprintf(rec, sizeof(rec), "host %s pid %d slots %u busy %u interval %u", host, (int)getpid(),
			 slots, busy, interval_s);

	if (n < 0 || (size_t)n >= sizeof(rec) - 1)
		return -ENAMETOOLONG;
	memset(rec + n, ' ', sizeof(rec) - 1 - (size_t)n);
	rec[sizeof(rec) - 1] = '\n';
	if (pwrite(fd, rec, sizeof(rec), 0) != (ssize_t)sizeof(rec))
		return errno ? -errno : -EIO;
	return 0;
}

int cluster_join(struct spool *s, unsigned slots, unsigned interval_s, struct cluster_member *ret)
{
	_cleanup_close_ int dir = -1;
	int fd, r;

	ret->fd = -1;
	if (mkdirat(s->dirfd, CLUSTER_DIR, 0750) < 0 && errno != EEXIST)
		return -errno;
	dir = openat_dir(s->dirfd, CLUSTER_DIR);
	if (dir < 0)
		return -errno;
	cluster_host_name(ret->host, sizeof(ret->host));
	snprintf(ret->name, sizeof(ret->name), "%s+%d", ret->host, (int)getpid());
	/* a name left by a process of the same pid on this host (a reboot) is ours now */
	fd = openat(dir, ret->name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return r;
	}
	r = write_record(fd, ret->host, slots, 0, interval_s);
	if (r < 0) {
		close(fd);
		unlinkat(dir, ret->name, 0);
		return r;
	}
	ret->fd = fd;
	return 0;
}

int cluster_heartbeat(struct cluster_member *m, unsigned slots, unsigned busy, unsigned interval_s)
{
	if (m->fd < 0)
		return -EBADF;
	return write_record(m->fd, m->host, slots, busy, interval_s);
}

void cluster_leave(struct spool *s, struct cluster_member *m)
{
	_cleanup_close_ int dir = -1;

	if (m->fd < 0)
		return;
	dir = openat_dir(s->dirfd, CLUSTER_DIR);
	if (dir >= 0)
		unlinkat(dir, m->name, 0);
	close(m->fd);
	m->fd = -1;
}

struct record {
	char host[CLUSTER_HOST_MAX];
	unsigned slots, busy, interval;
	time_t mtime;
};

/* "KEY VALUE " at *p: the value's span, *p moved past it; false when not so. */
static bool field(const char **p, const char *key, const char **ret_v, size_t *ret_n)
{
	size_t k = strlen(key), n;

	if (strncmp(*p, key, k) != 0 || (*p)[k] != ' ')
		return false;
	*ret_v = *p + k + 1;
	n = strcspn(*ret_v, " \n");
	if (n == 0)
		return false;
	*ret_n = n;
	*p = *ret_v + n + ((*ret_v)[n] == ' ');
	return true;
}

static bool number(const char **p, const char *key, unsigned *ret)
{
	const char *v;
	size_t n;
	uint64_t x;

	if (!field(p, key, &v, &n) || parse_u64_n(v, n, UINT32_MAX, &x) < 0)
		return false;
	*ret = (unsigned)x;
	return true;
}

static int read_record(int dir, const char *name, struct record *ret)
{
	char buf[RECORD_SIZE + 1];
	const char *p = buf, *host;
	struct stat st;
	ssize_t n;
	size_t hn;
	unsigned pid;
	_cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size != RECORD_SIZE)
		return -EBADMSG;
	n = pread(fd, buf, RECORD_SIZE, 0);
	if (n != RECORD_SIZE)
		return -EBADMSG;
	buf[n] = '\0';
	if (!field(&p, "host", &host, &hn) || hn >= sizeof(ret->host) || !number(&p, "pid", &pid) ||
	    !number(&p, "slots", &ret->slots) || !number(&p, "busy", &ret->busy) ||
	    !number(&p, "interval", &ret->interval) || ret->interval == 0)
		return -EBADMSG;
	memcpy(ret->host, host, hn);
	ret->host[hn] = '\0';
	ret->mtime = st.st_mtim.tv_sec;
	return 0;
}

static bool record_live(const struct record *r, time_t now)
{
	return now - r->mtime <= (time_t)(3 * (uint64_t)r->interval + CLUSTER_GRACE_S);
}

/* Calls fn for each registration file; stops at CLUSTER_MAX_WORKERS. */
static int each_record(struct spool *s, time_t now,
		       void (*fn)(int dir, const char *name, const struct record *r, bool live, void *u), void *u)
{
	int dir = openat_dir(s->dirfd, CLUSTER_DIR), n = 0;
	DIR *d;
	struct dirent *e;

	if (dir < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(dir);
	if (!d) {
		int r = -errno;
		close(dir);
		return r;
	}
	while ((e = readdir(d)) && n < CLUSTER_MAX_WORKERS) {
		struct record r = { .interval = 0 };
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (read_record(dirfd(d), e->d_name, &r) < 0)
			continue;
		fn(dirfd(d), e->d_name, &r, record_live(&r, now), u);
	}
	closedir(d);
	return 0;
}

struct tally {
	struct cluster_load load;
	char (*hosts)[CLUSTER_HOST_MAX];
};

static void count_one(int dir, const char *name, const struct record *r, bool live, void *u)
{
	struct tally *t = u;
	bool seen = false;

	(void)dir;
	(void)name;
	if (!live) {
		t->load.stale++;
		return;
	}
	t->load.workers++;
	t->load.slots += r->slots;
	t->load.busy += MIN(r->busy, r->slots);
	for (unsigned i = 0; i < MIN(t->load.hosts, CLUSTER_MAX_HOSTS) && !seen; i++)
		seen = strcmp(t->hosts[i], r->host) == 0;
	if (seen)
		return;
	if (t->load.hosts < CLUSTER_MAX_HOSTS)
		snprintf(t->hosts[t->load.hosts], CLUSTER_HOST_MAX, "%s", r->host);
	t->load.hosts++; /* past CLUSTER_MAX_HOSTS, every worker counts as a host */
}

int cluster_read(struct spool *s, time_t now, struct cluster_load *ret)
{
	struct tally t = { .hosts = calloc(CLUSTER_MAX_HOSTS, CLUSTER_HOST_MAX) };
	int r;

	if (!t.hosts)
		return -ENOMEM;
	r = each_record(s, now, count_one, &t);
	free(t.hosts);
	if (r < 0)
		return r;
	*ret = t.load;
	return 0;
}

struct sweep {
	time_t now;
	int n;
};

static void sweep_one(int dir, const char *name, const struct record *r, bool live, void *u)
{
	struct sweep *sw = u;
	_cleanup_close_ int fd = -1;

	if (live || (uint64_t)(sw->now - r->mtime) < (uint64_t)CLUSTER_SWEEP_INTERVALS * r->interval)
		return;
	/* its lock free: the worker is gone (on a dead host, once the MDS evicted it) */
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return;
	if (unlinkat(dir, name, 0) == 0)
		sw->n++;
}

int cluster_sweep(struct spool *s, time_t now)
{
	struct sweep sw = { .now = now };
	int r = each_record(s, now, sweep_one, &sw);

	return r < 0 ? r : sw.n;
}
