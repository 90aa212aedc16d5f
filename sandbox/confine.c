/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"

/* Empty the bounding set; dropping needs CAP_SETPCAP, an empty set does not. */
int caps_bounding_drop_all(void)
{
	for (int c = 0; c < 64; c++) {
		int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (in < 0)
			break; /* past the last capability this kernel knows */
		if (in == 1 && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

int userns_map_ids(pid_t pid, uid_t uid_inside, uid_t uid_outside, gid_t gid_inside,
		   gid_t gid_outside)
{
	char proc[32], path[64], map[64];
	int r;

	if (pid)
		snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	else
		snprintf(proc, sizeof(proc), "/proc/self");
	/* setgroups must be denied before an unprivileged gid_map is accepted */
	snprintf(path, sizeof(path), "%s/setgroups", proc);
	r = write_string_file(path, "deny");
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/uid_map", proc);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid_inside, (unsigned)uid_outside);
	r = write_string_file(path, map);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/gid_map", proc);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid_inside, (unsigned)gid_outside);
	return write_string_file(path, map);
}

int caps_drop_all(void)
{
	cap_t empty;
	int r;

	r = caps_bounding_drop_all();
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	empty = cap_init();
	if (!empty)
		return -ENOMEM;
	r = cap_set_proc(empty) < 0 ? -errno : 0;
	cap_free(empty);
	return r;
}

unsigned long mount_locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	return f;
}

int child_fork(pid_t *ret_pid, int *ret_fd)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	close(pfd[pid == 0 ? 0 : 1]);
	*ret_fd = pfd[pid == 0 ? 1 : 0];
	*ret_pid = pid;
	return 0;
}

static int set_limit(int resource, uint64_t v)
{
	struct rlimit rl = { .rlim_cur = v, .rlim_max = v };
	return setrlimit(resource, &rl);
}

int child_confine(uint64_t memory, uint64_t cpu_s, uint64_t fsize)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return 121;
#ifndef __SANITIZE_ADDRESS__
	if (set_limit(RLIMIT_AS, memory) < 0)
		return 122;
#else
	(void)memory;
#endif
	if (set_limit(RLIMIT_CPU, cpu_s) < 0 || set_limit(RLIMIT_CORE, 0) < 0 || set_limit(RLIMIT_NPROC, 0) < 0 ||
	    set_limit(RLIMIT_FSIZE, fsize) < 0 || set_limit(RLIMIT_NOFILE, 8) < 0)
		return 122;
	/* No capabilities (a root caller keeps none), no way to regain any. */
	caps_drop_all();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 123;
	return 0;
}

int child_answer_collect(pid_t pid, int fd, unsigned timeout_s, struct buf *answer, int *ret_status)
{
	uint64_t deadline = monotonic_ms() + timeout_s * 1000ULL;
	bool killed = false;
	int r;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t t = monotonic_ms();
		char chunk[65536];
		ssize_t n;

		if (t >= deadline) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		r = poll(&p, 1, (int)MIN(deadline - t, (uint64_t)1000));
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_append(answer, chunk, (size_t)n) < 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
	}
	close(fd);
	*ret_status = 0;
	while (waitpid(pid, ret_status, 0) < 0 && errno == EINTR)
		;
	return killed ? -ETIMEDOUT : 0;
}

char *child_reason(const char *data, size_t len)
{
	char *m = strndup(data, MIN(len, (size_t)1000));

	for (char *c = m; c && *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
			*c = '?';
	return m;
}
