/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "worker/hooks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

static void logf_(hook_log_fn log, void *ud, const char *fmt, ...) _printf_(3, 4);
static void logf_(hook_log_fn log, void *ud, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log(ud, line);
}

/* The executable regular files of dir, sorted; how many (at most max). */
static size_t programs(const char *dir, char **out, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
		    faccessat(dirfd(d), de->d_name, X_OK, 0) < 0)
			continue;
		if ((out[n] = strdup(de->d_name)))
			n++;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), str_ptr_cmp);
	return n;
}

_noreturn_ static void run_child(const char *dir, const char *path, const char *hook, const char *taskid,
				 const char *taskdir, int out_w)
{
	char e_hook[64], e_id[64], e_dir[PATH_MAX + 32];
	char *const argv[] = { (char *)path, (char *)hook, (char *)taskid, (char *)taskdir, NULL };
	char e_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin", e_lc[] = "LC_ALL=C";
	char *const envp[] = { e_path, e_lc, e_hook, e_id, e_dir, NULL };
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;

	snprintf(e_hook, sizeof(e_hook), "RETRACE_HOOK=%s", hook);
	snprintf(e_id, sizeof(e_id), "RETRACE_TASK_ID=%s", taskid);
	snprintf(e_dir, sizeof(e_dir), "RETRACE_TASK_DIR=%s", taskdir);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (setpgid(0, 0) < 0 || nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0 ||
	    chdir(dir) < 0)
		_exit(126);
	/* nothing of the worker's (the task's owner lock, the spool) */
	syscall(SYS_close_range, 3, ~0U, 0);
	execve(path, argv, envp);
	_exit(127);
}

/* One program: run, read its output until it ends or the deadline. */
static void run_one(const struct config *cfg, const char *dir, const char *name, const char *hook,
		    const char *taskid, const char *taskdir, hook_log_fn log, void *ud)
{
	char path[PATH_MAX], out[HOOK_OUTPUT_MAX + 1];
	size_t len = 0;
	int pipefd[2], st = 0;
	double t0 = monotonic_seconds(), deadline = t0 + (double)cfg->hook_timeout;
	bool timed_out = false, truncated = false;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		logf_(log, ud, "hook %s %s: not run: pipe: %s", hook, name, strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0)
		run_child(dir, path, hook, taskid, taskdir, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		logf_(log, ud, "hook %s %s: not run: fork: %s", hook, name, strerror(errno));
		close(pipefd[0]);
		return;
	}
	/* its group exists from here on, whichever of us gets there first */
	setpgid(pid, pid);
	for (;;) {
		struct pollfd pf = { pipefd[0], POLLIN, 0 };
		double left = deadline - monotonic_seconds();
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		if (poll(&pf, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the program and everything it started closed the output */
		if (len < HOOK_OUTPUT_MAX) {
			size_t k = MIN((size_t)n, (size_t)HOOK_OUTPUT_MAX - len);
			memcpy(out + len, buf, k);
			len += k;
		}
		if (len == HOOK_OUTPUT_MAX)
			truncated = true;
	}
	close(pipefd[0]);
	/* the whole group: what the program left behind goes with it */
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	for (;;) {
		pid_t w = waitpid(pid, &st, timed_out ? 0 : WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			st = -1;
			break;
		}
		if (monotonic_seconds() >= deadline) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			continue;
		}
		usleep(10000);
	}
	/* nothing of its group outlives the hook (a descendant that made a
	 * session of its own escapes this: ADMIN.md) */
	kill(-pid, SIGKILL);
	out[len] = '\0';
	if (timed_out)
		logf_(log, ud, "hook %s %s: killed after HookTimeout = %llu s", hook, name,
		      (unsigned long long)cfg->hook_timeout);
	else if (st == -1)
		logf_(log, ud, "hook %s %s: lost (waitpid: %s)", hook, name, strerror(errno));
	else if (WIFEXITED(st))
		logf_(log, ud, "hook %s %s: exit status %d (%.3f s)", hook, name, WEXITSTATUS(st),
		      monotonic_seconds() - t0);
	else
		logf_(log, ud, "hook %s %s: killed by signal %d", hook, name, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	for (char *s = out, *e; *s; s = *e ? e + 1 : e) {
		e = s + strcspn(s, "\n");
		if (e > s)
			logf_(log, ud, "hook %s %s: %.*s", hook, name, (int)(e - s), s);
	}
	if (truncated)
		logf_(log, ud, "hook %s %s: (output past %d bytes dropped)", hook, name, HOOK_OUTPUT_MAX);
}

unsigned hooks_run(const struct config *cfg, const char *hook, const char *taskid, const char *taskdir,
		   hook_log_fn log, void *ud)
{
	char dir[PATH_MAX], *names[HOOK_MAX_PROGRAMS];
	size_t n;

	if (!cfg->hook_dir || !*cfg->hook_dir)
		return 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", cfg->hook_dir, hook) >= sizeof(dir))
		return 0;
	n = programs(dir, names, ELEMENTSOF(names));
	for (size_t i = 0; i < n; i++) {
		run_one(cfg, dir, names[i], hook, taskid, taskdir, log, ud);
		free(names[i]);
	}
	return (unsigned)n;
}

static void hook_journal(void *userdata, const char *line)
{
	(void)userdata;
	log_info("%s", line);
}

void hooks_run_logged(const struct config *cfg, const char *hook, const char *spool, const char *idstr)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", spool, idstr);
	hooks_run(cfg, hook, idstr, dir, hook_journal, NULL);
}
