/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker's entry points (worker.h): its start (policies compiled,
 * the cache and the skeleton root made), one task run in the calling
 * process - opened, its type read, the sandbox prepared ahead, handed to
 * the coredump pipeline (coretask.c) or the vmcore one (kernel.c) - and a
 * task failed for a process that died. What becomes of a task between
 * runs is worker/lifecycle.c's.
 */
#include "worker/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "rootfs-cache/cache.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp-policy.h"
#include "worker/task.h"

#define SMALL_FILE_MAX 4096

/* A small text file the client sent (crash/NAME), its first line; NULL when absent. */
static char *crash_text(struct task *t, const char *name, bool first_line)
{
	char *text = NULL;
	size_t len;

	if (read_file_at(t->crashfd, name, SMALL_FILE_MAX, &text, &len) < 0)
		return NULL;
	if (first_line)
		text[strcspn(text, "\n")] = '\0';
	if (!mem_is_printable_ascii(text, strlen(text)) && first_line) {
		free(text);
		return NULL;
	}
	return text;
}

int worker_run_task(struct worker *w, uint32_t id)
{
	struct task t = { .w = w, .id = id, .dirfd = -1, .crashfd = -1, .log = BUF_INIT(4 << 20),
			  .own_process = true };
	int r;

	t.t0 = t.t_step = monotonic_seconds();
	t.start_time = (int64_t)time(NULL);
	t.step = "starting";
	spool_task_id_format(id, t.idstr);
	r = spool_task_open(&w->spool, id, &t.dirfd);
	if (r < 0) {
		log_error("task %s: cannot open it: %s", t.idstr, strerror(-r));
		spool_task_done(&w->spool, id);
		return r;
	}
	task_write_time(&t, "started_time");
	log_info("task %s: started", t.idstr);
	tlog(&t, "task %s started by retrace-worker", t.idstr);
	task_hook(&t, "pre_start");
	r = spool_task_read_type(t.dirfd, &t.type);
	t.crashfd = openat_dir(t.dirfd, "crash");
	/*
	 * The sandbox's namespaces, made now: their millisecond passes while
	 * the task unpacks and resolves, not at gdb's start.
	 */
	{
		_cleanup_free_ char *err = NULL;
		if (sandbox_prepare(0, &t.sandbox, &err) < 0)
			tlog(&t, "the sandbox could not be prepared ahead (%s): it is made when a tool runs",
			     err ? err : "?");
	}
	/* what the task's `remote` file names, first (design section 3) */
	if (r >= 0)
		task_fetch_remote(&t);
	if (r < 0)
		r = task_fail(&t, "the task's type file is unreadable");
	else if (t.crashfd < 0)
		r = task_fail(&t, "the task has no crash directory");
	else if (task_type_is_vmcore(t.type)) {
		tlog(&t, "type %d: a kernel dump", (int)t.type);
		task_hook(&t, "start");
		r = vmcore_task(&t);
	} else {
		t.package = crash_text(&t, "package", true);
		t.executable = crash_text(&t, "executable", true);
		t.os_release = crash_text(&t, "os_release", true);
		if (!t.os_release)
			t.os_release = crash_text(&t, "release", true);
		tlog(&t, "type %d, package %s, executable %s, os_release %s", (int)t.type,
		     t.package ? t.package : "-", t.executable ? t.executable : "-",
		     t.os_release ? t.os_release : "-");
		task_hook(&t, "start");
		r = coredump_task(&t);
	}
	sandbox_prepared_free(t.sandbox); /* no tool ran */
	free(t.package);
	free(t.executable);
	free(t.os_release);
	buf_release(&t.log);
	closep(&t.crashfd);
	closep(&t.dirfd);
	return r;
}

int worker_fail_task(struct worker *w, uint32_t id, const char *why)
{
	struct task t = { .w = w, .id = id, .dirfd = -1, .crashfd = -1, .log = BUF_INIT(1 << 20) };
	_cleanup_free_ char *old = NULL;
	size_t len;
	int r;

	t.t0 = monotonic_seconds();
	t.start_time = (int64_t)time(NULL);
	t.step = "recovering";
	spool_task_id_format(id, t.idstr);
	r = spool_task_open(&w->spool, id, &t.dirfd);
	if (r < 0)
		return r;
	/* keep what the interrupted run logged */
	if (read_file_at(t.dirfd, "retrace_log", 4 << 20, &old, &len) == 0)
		buf_append(&t.log, old, len);
	/* a backtrace the dead run wrote would make the task FINISHED_SUCCESS */
	if (unlinkat(t.dirfd, "retrace_backtrace", 0) == 0)
		tlog(&t, "the backtrace of the interrupted run was removed");
	r = task_fail(&t, "%s", why);
	buf_release(&t.log);
	closep(&t.dirfd);
	return r;
}

int worker_init(struct worker *w, const struct config *cfg, char **ret_error)
{
	static const char *const dirs[] = { "usr", "etc", "sysroot" };
	static const char *const links[][2] = {
		{ "bin", "usr/bin" }, { "sbin", "usr/sbin" }, { "lib", "usr/lib" }, { "lib64", "usr/lib64" },
	};
	int r;

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->test_pause_at = secure_getenv("RETRACE_TEST_PAUSE_AT");
	w->repodir_fd = -1;
	r = spool_open(cfg->save_dir, &w->spool);
	if (r < 0)
		return error_set(ret_error, r, "cannot open SaveDir %s: %s", cfg->save_dir, strerror(-r));
	w->repodir_fd = open(cfg->repo_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->repodir_fd < 0)
		return error_set(ret_error, -errno, "cannot open RepoDir %s: %m", cfg->repo_dir);
	if (config_rootfs_cache_dir(cfg, &w->cache_dir) < 0 ||
	    asprintf(&w->skeleton, "%s/host-skeleton", w->cache_dir) < 0)
		return -ENOMEM;
	{
		struct {
			const char *name;
			struct sock_fprog **bpf;
		} policies[] = { { "gdb", &w->gdb_policy }, { "coredump", &w->reader_policy },
				 { "vmcore", &w->vmcore_policy }, { "crash", &w->crash_policy } };
		for (size_t i = 0; i < ELEMENTSOF(policies); i++) {
			_cleanup_free_ char *path = NULL, *err = NULL;
			if (asprintf(&path, "%s/%s.policy", cfg->seccomp_policy_dir, policies[i].name) < 0)
				return -ENOMEM;
			r = seccomp_policy_bpf_file(path, 0, policies[i].bpf, &err);
			if (r < 0)
				return error_set(ret_error, r, "SeccompPolicyDir: %s",
						 err ? err : strerror(-r));
		}
	}
	/* the cache, and the skeleton root the host's gdb runs over */
	{
		struct rcache *c = NULL;
		r = rcache_open(w->cache_dir, &c, ret_error);
		rcache_free(c);
		if (r < 0)
			return r;
	}
	if (mkdir(w->skeleton, 0755) < 0 && errno != EEXIST)
		return error_set(ret_error, -errno, "cannot create %s: %m", w->skeleton);
	{
		_cleanup_close_ int sk = open(w->skeleton, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sk < 0)
			return error_set(ret_error, -errno, "cannot open %s: %m", w->skeleton);
		for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
			if (mkdirat(sk, dirs[i], 0755) < 0 && errno != EEXIST)
				return error_set(ret_error, -errno, "cannot create %s/%s: %m", w->skeleton, dirs[i]);
		for (size_t i = 0; i < ELEMENTSOF(links); i++)
			if (symlinkat(links[i][1], sk, links[i][0]) < 0 && errno != EEXIST)
				return error_set(ret_error, -errno, "cannot create %s/%s: %m", w->skeleton, links[i][0]);
	}
	if (access("/usr/bin/gdb", X_OK) < 0)
		return error_set(ret_error, -ENOENT, "ToolRoot = host needs /usr/bin/gdb, which is not installed");
	/* before any task's child is forked: a cgroup v2 split needs us alone in our group */
	log_info("sandbox cgroups: %s", sandbox_cgroup_setup());
	if (!sandbox_cgroup_has_memory()) {
		if (cfg->require_memory_cgroup)
			return error_set(ret_error, -EPERM,
					 "the sandboxes can get no memory cgroup (%s): a task's memory would be "
					 "bounded only per process (RLIMIT_AS times its processes), by its /tmp "
					 "and by pipe buffers. Start retrace-worker as root (it hands cgroups to "
					 "RunAsUser), give it a delegated cgroup v2 subtree (systemd's "
					 "Delegate=yes), or set RequireMemoryCgroup = 0 in %s to run anyway",
					 sandbox_cgroup_setup(), cfg->path);
		log_warn("RequireMemoryCgroup = 0: the sandboxes get no memory cgroup; a task's memory "
			 "is bounded only per process (%llu MiB each)",
			 (unsigned long long)(cfg->sandbox_memory_limit >> 20));
	}
	return 0;
}

void worker_release(struct worker *w)
{
	spool_close(&w->spool);
	closep(&w->repodir_fd);
	free(w->cache_dir);
	free(w->skeleton);
	free(w->gdb_policy);
	free(w->reader_policy);
	free(w->vmcore_policy);
	free(w->crash_policy);
	memset(w, 0, sizeof(*w));
	w->repodir_fd = -1;
}
