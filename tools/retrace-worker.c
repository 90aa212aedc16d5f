/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-worker - takes queued tasks from the spool and retraces them.
 *
 *   retrace-worker [-c CONF]                 the daemon: up to MaxParallelTasks at once
 *   retrace-worker [-c CONF] --once TASKID   one task in the foreground
 *
 * The daemon watches SaveDir/.queue with inotify, looks at it every
 * WorkerPollInterval as well (a task committed on another host of a shared
 * spool raises no event here; each look is also its heartbeat in
 * SaveDir/.workers, common/cluster.h), rescans the spool at start-up and
 * every RescanInterval, runs each task in a child process of its own
 * that holds the task's owner lock and dies with the daemon
 * (PR_SET_PDEATHSIG), and recovers, at start-up and at every rescan, what
 * killed processes and a full disk left (worker/lifecycle.h: a task in
 * .running that no live process owns is queued again once and failed the
 * second time; a task in no list and unfinished is queued). SIGTERM
 * takes no new task, gives the running ones WorkerStopTimeout seconds, then
 * kills them and queues them again. Started as root it switches to
 * RunAsUser first: it needs no privilege (the sandbox uses unprivileged
 * user namespaces).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cluster.h"
#include "common/config.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/spool.h"
#include "common/user.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "worker/lifecycle.h"
#include "worker/task.h"
#include "worker/worker.h"


struct slot {
	pid_t pid;
	uint32_t id;
	bool requeue; /* killed by a stopping worker: queued again, not failed */
	bool marked;  /* killed for its .terminated mark */
};

/*
 * A task terminated from another host (retrace-cleanup's MaxTaskRunTime,
 * retrace-task fail) is only marked there (lifecycle_terminate()): its
 * process is killed here, and lifecycle_process_ended() fails it with why.
 */
static void kill_marked(struct worker *w, struct slot *slots, size_t nslots)
{
	for (size_t i = 0; i < nslots; i++) {
		_cleanup_close_ int fd = -1;
		char idstr[SPOOL_TASK_ID_DIGITS + 1];
		if (!slots[i].pid || slots[i].marked || spool_task_open(&w->spool, slots[i].id, &fd) < 0 ||
		    !file_exists_at(fd, LIFECYCLE_TERMINATED_MARK))
			continue;
		spool_task_id_format(slots[i].id, idstr);
		log_info("task %s: terminated from elsewhere (its %s mark): its process %d is killed", idstr,
			 LIFECYCLE_TERMINATED_MARK, (int)slots[i].pid);
		kill(slots[i].pid, SIGKILL);
		slots[i].marked = true;
	}
}

/* The ids of the daemon's busy slots (ours: recovery leaves them alone). */
static size_t slot_ids(const struct slot *slots, size_t nslots, uint32_t *ids)
{
	size_t n = 0;

	for (size_t i = 0; i < nslots; i++)
		if (slots[i].pid)
			ids[n++] = slots[i].id;
	return n;
}

static int run_once(struct worker *w, const char *arg)
{
	uint32_t id;
	int fd, r;
	_cleanup_close_ int lock = -1;
	struct task_state st;

	if (spool_task_id_parse(arg, strlen(arg), &id) < 0) {
		fprintf(stderr, "retrace-worker: not a task id: %s\n", arg);
		return 2;
	}
	r = lifecycle_take(w, id, &lock);
	if (r == -ENOENT) {
		/* not queued: a task already finished, or being run, is left alone */
		if (spool_task_open(&w->spool, id, &fd) < 0) {
			fprintf(stderr, "retrace-worker: no task %s\n", arg);
			return 1;
		}
		bool finished = file_exists_at(fd, "finished_time");
		close(fd);
		fprintf(stderr, "retrace-worker: task %s is %s\n", arg,
			finished ? "finished already" : "not queued (another worker runs it)");
		return 1;
	}
	if (r < 0) {
		const char *why = r == -EBUSY ? "another process owns it" : strerror(-r);
		fprintf(stderr, "retrace-worker: task %s: %s\n", arg, r == -EALREADY ? "finished already" : why);
		return 1;
	}
	lifecycle_owner_set_pid(lock);
	r = worker_run_task(w, id);
	closep(&lock);
	if (r < 0 || spool_task_open(&w->spool, id, &fd) < 0)
		return 1;
	r = spool_task_read_state(fd, &st);
	close(fd);
	if (r < 0)
		return 1;
	printf("task %s: %s\n", arg, task_status_to_string(st.status));
	return st.status == TASK_STATUS_SUCCESS ? 0 : 1;
}

static void start_tasks(struct worker *w, struct slot *slots, size_t nslots)
{
	_cleanup_free_ uint32_t *queued = NULL;
	size_t nq = 0, qi = 0;

	if (spool_list(&w->spool, SPOOL_LIST_QUEUE, &queued, &nq) < 0)
		return;
	for (size_t i = 0; i < nslots && qi < nq; i++) {
		if (slots[i].pid)
			continue;
		while (qi < nq) {
			uint32_t id = queued[qi++];
			int lockfd = -1;
			pid_t pid;
			if (lifecycle_take(w, id, &lockfd) < 0)
				continue;
			pid = lifecycle_start(w, id, lockfd);
			if (pid < 0)
				return;
			slots[i] = (struct slot){ .pid = pid, .id = id };
			break;
		}
	}
}

/* The child listing FTPDir for the task manager (UseFTPTasks), while one runs. */
static pid_t ftp_lister;

/* A child of its own lists FTPDir (up to 90 s): the daemon never waits on the network. */
static void ftp_list_start(struct worker *w)
{
	pid_t pid;

	if (!w->cfg->allow_task_manager || !w->cfg->use_ftp_tasks || ftp_lister > 0)
		return;
	pid = fork();
	if (pid < 0) {
		log_warn("ftp: cannot fork the lister: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(ftp_list_write(w->cfg, &w->spool) < 0 ? 1 : 0);
	}
	ftp_lister = pid;
}

/* Task processes that ended: lifecycle_process_ended() says what becomes of their tasks. */
static void reap(struct worker *w, struct slot *slots, size_t nslots)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == ftp_lister)
			ftp_lister = 0;
		for (size_t i = 0; i < nslots; i++)
			if (slots[i].pid == pid) {
				slots[i].pid = 0;
				lifecycle_process_ended(w, slots[i].id, status, slots[i].requeue);
				slots[i].requeue = slots[i].marked = false;
			}
	}
}

static void kill_running(struct slot *slots, size_t nslots)
{
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].pid) {
			kill(slots[i].pid, SIGKILL);
			slots[i].requeue = true;
		}
}

static int daemon_loop(struct worker *w)
{
	size_t nslots = MIN((size_t)w->cfg->max_parallel_tasks, (size_t)WORKER_MAX_PARALLEL_TASKS);
	struct slot slots[WORKER_MAX_PARALLEL_TASKS] = { { 0 } };
	_cleanup_free_ char *qdir = NULL;
	_cleanup_close_ int ino = -1, sfd = -1;
	sigset_t mask;
	bool stopping = false, killed = false;
	double stop_deadline = 0, next_rescan, next_poll;
	unsigned poll_s = (unsigned)w->cfg->worker_poll_interval;
	struct cluster_member member = { .fd = -1 };
	int r;

	if (asprintf(&qdir, "%s/.queue", w->spool.path) < 0)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (sfd < 0 || ino < 0 || inotify_add_watch(ino, qdir, IN_CREATE | IN_MOVED_TO) < 0) {
		log_error("cannot watch %s: %s", qdir, strerror(errno));
		return 1;
	}
	lifecycle_recover(w, NULL, 0);
	ftp_list_start(w);
	r = cluster_join(&w->spool, (unsigned)nslots, poll_s, &member);
	if (r < 0)
		log_warn("cannot register in %s/%s (%s): front ends will not count this worker's slots",
			 w->spool.path, CLUSTER_DIR, strerror(-r));
	next_rescan = monotonic_seconds() + (double)w->cfg->rescan_interval;
	next_poll = monotonic_seconds() + poll_s;
	log_info("retrace-worker: %zu slots, watching %s (and looking every %u s), registered as %s", nslots,
		 qdir, poll_s, member.fd >= 0 ? member.name : "-");
	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = ino, .events = POLLIN } };
		size_t busy = 0;
		double now, wait_s;
		char buf[4096];

		reap(w, slots, nslots);
		now = monotonic_seconds();
		if (!stopping && now >= next_rescan) {
			/* a task whose process outlived a killed worker and died since; one
			 * whose end could not be written; a commit or requeue cut short */
			uint32_t ours[WORKER_MAX_PARALLEL_TASKS];
			lifecycle_recover(w, ours, slot_ids(slots, nslots, ours));
			ftp_list_start(w);
			r = cluster_sweep(&w->spool, time(NULL));
			if (r > 0)
				log_info("%d registration(s) of workers gone for good removed from %s", r, CLUSTER_DIR);
			next_rescan = now + (double)w->cfg->rescan_interval;
		}
		if (!stopping)
			start_tasks(w, slots, nslots);
		for (size_t i = 0; i < nslots; i++)
			busy += slots[i].pid != 0;
		if (now >= next_poll) {
			kill_marked(w, slots, nslots);
			r = member.fd >= 0 ? cluster_heartbeat(&member, (unsigned)nslots, (unsigned)busy, poll_s) : 0;
			if (r < 0)
				log_warn("cannot write the heartbeat in %s/%s/%s: %s", w->spool.path, CLUSTER_DIR,
					 member.name, strerror(-r));
			next_poll = now + poll_s;
		}
		if (stopping && busy == 0)
			break;
		if (stopping && !killed && now >= stop_deadline) {
			log_warn("stopping: %zu task(s) still running after WorkerStopTimeout (%" PRIu64
				 " s): killed, they will be queued again",
				 busy, w->cfg->worker_stop_timeout);
			kill_running(slots, nslots);
			killed = true;
		}
		wait_s = stopping && !killed ? MIN(stop_deadline, next_poll) - now : MIN(next_rescan, next_poll) - now;
		if (poll(p, 2, wait_s > 0 ? (int)(wait_s * 1000) + 1 : 0) < 0 && errno != EINTR)
			return 1;
		if (p[1].revents & POLLIN)
			while (read(ino, buf, sizeof(buf)) > 0)
				;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
					continue;
				if (!stopping) {
					stopping = true;
					stop_deadline = monotonic_seconds() + (double)w->cfg->worker_stop_timeout;
					log_info("stopping: no new task; the running ones get %" PRIu64
						 " s to finish (WorkerStopTimeout), then are queued again",
						 w->cfg->worker_stop_timeout);
				} else if (!killed) {
					log_info("stopping at once (a second signal): the running tasks are queued again");
					kill_running(slots, nslots);
					killed = true;
				}
			}
		}
	}
	cluster_leave(&w->spool, &member);
	log_info("retrace-worker stopped");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *config = CONFIG_DEFAULT_PATH, *once = NULL;
	_cleanup_free_ char *err = NULL;
	struct config cfg;
	struct worker w;
	int c, r, rc;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'o': once = optarg; break;
		case 'h': printf("Usage: retrace-worker [-c CONF] [--once TASKID]\n"); return 0;
		default: fprintf(stderr, "Usage: retrace-worker [-c CONF] [--once TASKID]\n"); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "Usage: retrace-worker [-c CONF] [--once TASKID]\n");
		return 2;
	}
	log_init("retrace-worker", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	r = config_load(config, &cfg, &err);
	if (r < 0) {
		log_error("%s", err ? err : strerror(-r));
		return 1;
	}
	if (cfg.warnings)
		log_warn("%s", cfg.warnings);
	free(err);
	err = NULL;
	/* as root: the cgroups the sandboxes need, handed to RunAsUser */
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(cfg.run_as_user);
		if (pw && pw->pw_uid != 0)
			sandbox_cgroup_delegate(pw->pw_uid, pw->pw_gid);
	}
	r = drop_to_user(cfg.run_as_user, &err);
	if (r >= 0)
		r = worker_init(&w, &cfg, &err);
	if (r < 0) {
		log_error("%s", err ? err : strerror(-r));
		config_release(&cfg);
		return 1;
	}
	rc = once ? run_once(&w, once) : daemon_loop(&w);
	worker_release(&w);
	config_release(&cfg);
	return rc;
}
