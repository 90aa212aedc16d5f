/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The worker registry of a shared spool (common/cluster.h): join, the
 * heartbeat, what readers count as live, the sweep of a dead worker's file. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/cluster.h"
#include "../../common/fsutil.h"
#include "../../common/spool.h"
#include "../lib/tap.h"

/* Another worker: a child that joins with slots, then waits on a pipe. */
static pid_t other_worker(struct spool *sp, unsigned slots, int *ret_pipe)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct cluster_member m;
		char c;
		close(p[1]);
		if (cluster_join(sp, slots, 1, &m) < 0)
			_exit(1);
		(void)!read(p[0], &c, 1); /* until the parent closes it */
		_exit(0);
	}
	close(p[0]);
	*ret_pipe = p[1];
	return pid;
}

static void age(int dirfd, const char *name, time_t secs)
{
	struct timespec ts[2] = { { .tv_sec = time(NULL) - secs }, { .tv_sec = time(NULL) - secs } };
	utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

int main(void)
{
	char dir[] = "/tmp/retrace-test-cluster-XXXXXX", name[CLUSTER_NAME_MAX + 16];
	struct spool sp;
	struct cluster_member me, again;
	struct cluster_load cl;
	int wd, pipefd = -1, st;
	pid_t pid;

	ok(mkdtemp(dir) != NULL, "mkdtemp");
	is_int(spool_open(dir, &sp), 0, "spool_open");
	is_int(cluster_read(&sp, time(NULL), &cl), 0, "no .workers yet: read");
	ok(cl.workers == 0 && cl.slots == 0, "... no worker, no slot");

	is_int(cluster_join(&sp, 4, 2, &me), 0, "a worker joins with 4 slots");
	snprintf(name, sizeof(name), "%s/%s", CLUSTER_DIR, me.name);
	ok(strchr(me.name, '+') && file_exists_at(sp.dirfd, name), "... its file is .workers/HOST+PID");
	is_int(cluster_join(&sp, 4, 2, &again), -EBUSY, "the same name again (one process): EBUSY, the lock is held");
	is_int(cluster_heartbeat(&me, 4, 3, 2), 0, "its heartbeat: 3 busy");
	is_int(cluster_read(&sp, time(NULL), &cl), 0, "read");
	ok(cl.workers == 1 && cl.hosts == 1 && cl.slots == 4 && cl.busy == 3 && cl.stale == 0,
	   "... 1 worker on 1 host, 4 slots, 3 busy");

	pid = other_worker(&sp, 2, &pipefd);
	for (int i = 0; i < 100; i++) {
		if (cluster_read(&sp, time(NULL), &cl) == 0 && cl.workers == 2)
			break;
		usleep(20000);
	}
	ok(cl.workers == 2 && cl.hosts == 1 && cl.slots == 6, "a second worker on this host: 2 workers, 1 host, 6 slots");

	/* the reader's clock against the heartbeat: 3 intervals + the grace */
	wd = openat_dir(sp.dirfd, CLUSTER_DIR);
	age(wd, me.name, 3 * 2 + CLUSTER_GRACE_S - 1);
	is_int(cluster_read(&sp, time(NULL), &cl), 0, "read");
	ok(cl.workers == 2, "a heartbeat 3 intervals + grace - 1 s old: still live");
	age(wd, me.name, 3 * 2 + CLUSTER_GRACE_S + 2);
	cluster_read(&sp, time(NULL), &cl);
	ok(cl.workers == 1 && cl.stale == 1 && cl.slots == 2, "older: stale, its slots not counted");
	cluster_heartbeat(&me, 4, 0, 2);
	cluster_read(&sp, time(NULL), &cl);
	ok(cl.workers == 2 && cl.stale == 0, "the next heartbeat: live again");

	/* the sweep: only stale files whose lock is free */
	age(wd, me.name, CLUSTER_SWEEP_INTERVALS * 2 + 10);
	is_int(cluster_sweep(&sp, time(NULL)), 0, "sweep: a long-stale file whose worker holds its lock stays");
	close(pipefd);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the second worker ends without leaving");
	{
		/* its file, made long stale: its lock went with it */
		DIR *d = fdopendir(dup(wd));
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' && strcmp(e->d_name, me.name) != 0)
				age(wd, e->d_name, CLUSTER_SWEEP_INTERVALS + 10);
		if (d)
			closedir(d);
	}
	is_int(cluster_sweep(&sp, time(NULL)), 1, "sweep: the dead worker's file goes, ours stays");
	cluster_heartbeat(&me, 4, 0, 2);
	cluster_read(&sp, time(NULL), &cl);
	ok(cl.workers == 1 && cl.slots == 4, "... one worker left");

	/* a file that is not a registration is ignored */
	create_file_at(wd, "junk", "host x pid 1 slots 999 busy 0 interval 1\n", 42, 0600);
	cluster_read(&sp, time(NULL), &cl);
	ok(cl.workers == 1 && cl.slots == 4, "a short, foreign file in .workers is not counted");

	cluster_leave(&sp, &me);
	ok(!file_exists_at(sp.dirfd, name) && me.fd < 0, "leave: the file is removed");
	close(wd);
	rm_rf_at(AT_FDCWD, dir);
	spool_close(&sp);
	return tap_done();
}
