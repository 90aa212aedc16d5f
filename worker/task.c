/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "worker/worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "rootfs-cache/cache.h"
#include "rootfs-cache/package.h"
#include "sandbox/sandbox.h"
#include "solver/repo.h"
#include "solver/resolve.h"
#include "worker/hooks.h"
#include "worker/stats.h"
#include "worker/task.h"




void tlog(struct task *t, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_appendf(&t->log, "[%7.3f] %s\n", monotonic_seconds() - t->t0, msg);
}

static void hook_tlog(void *userdata, const char *line)
{
	tlog(userdata, "%s", line);
}

void task_hook(struct task *t, const char *hook)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", t->w->spool.path, t->idstr);
	if (t->own_process)
		hooks_run(t->w->cfg, hook, t->idstr, dir, hook_tlog, t);
}

void task_log_lines(struct task *t, const char *who, const char *text, unsigned max)
{
	unsigned lines = 0;

	for (const char *s = text, *e; s && *s && lines < max; s = *e ? e + 1 : NULL) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		if (strspn(s, " \t") >= (size_t)(e - s))
			continue; /* blank lines say nothing */
		tlog(t, "%s: %.*s", who, (int)(e - s), s);
		lines++;
	}
}

/*
 * The fault-injection point of the lifecycle tests: a worker started with
 * RETRACE_TEST_PAUSE_AT=<status> in its environment has its task processes
 * stop themselves (SIGSTOP, as an operator could) right after writing that
 * status, so that a test can kill the process or the worker, or fill the
 * disk, exactly there (t1120-faults.t). It only ever stops a task's own
 * process, once, never the daemon failing or finishing a task for a dead one.
 */
static void test_pause(struct task *t, const char *status)
{
	if (t->own_process && !t->test_paused && t->w->test_pause_at &&
	    strcmp(t->w->test_pause_at, status) == 0) {
		t->test_paused = true; /* once: not again when task_finish() retries */
		log_info("task %s: stopped at status %s (RETRACE_TEST_PAUSE_AT)", t->idstr, status);
		raise(SIGSTOP);
	}
}

void task_set_status(struct task *t, enum task_status s)
{
	const char *k = task_status_to_string(s);
	int r = write_file_at(t->dirfd, "status", k, strlen(k), 0640, false);
	if (r < 0)
		log_error("task %s: cannot write its status: %s", t->idstr, strerror(-r));
	/* every status reached, in order, for a synchronous task's stream (httpd/sync.h) */
	{
		_cleanup_close_ int fd = openat(t->dirfd, SPOOL_PROGRESS_FILE,
						O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		char line[128];
		int n = snprintf(line, sizeof(line), "%s\n", task_status_message(s));
		if (fd < 0 || write(fd, line, (size_t)n) != n)
			log_warn("task %s: cannot append to its %s: %m", t->idstr, SPOOL_PROGRESS_FILE);
	}
	test_pause(t, k);
}

/* the time of the step that ends now */
void task_step_done(struct task *t, const char *what)
{
	double now = monotonic_seconds();
	tlog(t, "%s took %.3f s", what, now - t->t_step);
	t->t_step = now;
}

int task_write_time(struct task *t, const char *name)
{
	int r = spool_task_write_time(t->dirfd, name);
	if (r < 0)
		log_error("task %s: cannot write %s: %s", t->idstr, name, strerror(-r));
	return r;
}

/*
 * The crash file the task's own process removes at its end, success or
 * failure (NULL: it keeps its crash data). A failure the daemon writes for
 * a dead or terminated process keeps it, for retrace-task restart.
 */
static const char *end_drop(const struct task *t)
{
	if (!t->own_process || t->crashfd < 0 || task_type_keeps_crash_data(t->type))
		return NULL;
	return task_type_crash_file(t->type);
}

/* The last writes of a task, finished_time the very last; 0 when all were written. */
static int write_end(struct task *t, bool success)
{
	const char *k = task_status_to_string(success ? TASK_STATUS_SUCCESS : TASK_STATUS_FAIL);
	const char *drop = end_drop(t);
	int r = write_file_at(t->dirfd, "retrace_log", t->log.data ? t->log.data : "", t->log.len, 0640, false);

	if (r < 0)
		log_error("task %s: cannot write retrace_log: %s", t->idstr, strerror(-r));
	if (r >= 0) {
		r = write_file_at(t->dirfd, "status", k, strlen(k), 0640, false);
		if (r < 0)
			log_error("task %s: cannot write its status: %s", t->idstr, strerror(-r));
		else
			test_pause(t, k);
	}
	if (r < 0)
		return r;
	/*
	 * The crash data goes only now: a run killed before this point is run
	 * again with it, one killed after it has its end written, which
	 * recovery completes (lifecycle_recover()) without running it again.
	 * A normal task (not a debug one) that failed by its own verdict on
	 * what was sent drops it too: a cheap upload that unpacks big and
	 * fails at once must not pin its size on the disk until
	 * DeleteFailedTaskAfter. A failure imposed from outside (a killed
	 * process, retrace-task fail, MaxTaskRunTime) keeps it, for
	 * retrace-task restart.
	 */
	if (drop && unlinkat(t->crashfd, drop, 0) < 0 && errno != ENOENT)
		log_warn("task %s: cannot remove the %s: %s", t->idstr, drop, strerror(errno));
	return task_write_time(t, "finished_time");
}

int task_finish(struct task *t, bool success)
{
	double duration = monotonic_seconds() - t->t0;
	_cleanup_free_ char *err = NULL;
	char db[PATH_MAX];
	struct stats_task st = {
		.taskid = t->idstr, .package = t->package, .arch = t->arch,
		.release = t->release[0] ? t->release : NULL, .start_time = t->start_time,
		.duration = duration, .core_size = t->core_size, .success = success,
	};
	int r;

	task_hook(t, success ? "success" : "fail");
	if (end_drop(t))
		task_hook(t, "pre_clean_task");
	task_set_status(t, TASK_STATUS_STATS);
	r = stats_db_path(t->w->spool.path, t->w->cfg->db_file, db, sizeof(db));
	if (r >= 0)
		r = stats_record(db, &st, &err);
	if (r < 0) {
		tlog(t, "warning: statistics not saved: %s", err ? err : strerror(-r));
		log_warn("task %s: statistics not saved: %s", t->idstr, err ? err : strerror(-r));
	}
	task_set_status(t, TASK_STATUS_FINISHING);
	tlog(t, "task %s %s after %.3f s", t->idstr, success ? "succeeded" : "failed", duration);
	/*
	 * The task process, the only one that has this log, keeps trying its
	 * last writes (a full disk) until they are written: its task stays
	 * FINISHING and owned meanwhile, then ends with its real result. Others
	 * (recovery failing a task) give up: the task stays unlisted and the
	 * worker's rescan finishes it later.
	 */
	for (unsigned pause = 1;; pause = MIN(pause * 2, TASK_END_RETRY_MAX_S)) {
		r = write_end(t, success);
		if (r >= 0)
			break;
		if (!t->own_process)
			return r;
		log_error("task %s: its end could not be written (%s): trying again in %u s", t->idstr,
			  strerror(-r), pause);
		sleep(pause);
	}
	/* the log is written: what this hook says goes to the worker's log */
	if (end_drop(t))
		hooks_run_logged(t->w->cfg, "post_clean_task", t->w->spool.path, t->idstr);
	r = spool_task_done(&t->w->spool, t->id);
	if (r < 0)
		log_error("task %s: cannot remove .running/%s: %s", t->idstr, t->idstr, strerror(-r));
	log_info("task %s: %s in %.3f s", t->idstr, success ? "success" : "failure", duration);
	return 0;
}

int task_fail(struct task *t, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tlog(t, "error: %s failed: %s", t->step, msg);
	log_warn("task %s: %s failed: %s", t->idstr, t->step, msg);
	if (end_drop(t))
		tlog(t, "the %s is removed: a failed task keeps no crash data (debug tasks do)", end_drop(t));
	return task_finish(t, false);
}

int memfd_text(int fd, char **ret)
{
	struct stat st;
	char *p;

	if (fstat(fd, &st) < 0)
		return -errno;
	p = malloc((size_t)st.st_size + 1);
	if (!p)
		return -ENOMEM;
	if (st.st_size > 0 && pread(fd, p, (size_t)st.st_size, 0) != st.st_size) {
		free(p);
		return -EIO;
	}
	p[st.st_size] = '\0';
	*ret = p;
	return 0;
}

/*
 * Run o->argv (the caller set argv, output fds and limits after
 * sandbox_opts_default()) in the sandbox at the task's .root, under the
 * compiled seccomp policy `policy`, for at most ProcessCommunicateTimeout. The root is the stack of
 * `tools` (ToolRoot = <release-id>) or, with none, the skeleton with the
 * host's /usr and /etc/ld.so.cache bound read-only; `stacks` and `binds`
 * come on top.
 */
int task_run_tool(struct task *t, const struct sock_fprog *policy, const char *const *tools, size_t ntools,
		  const struct sandbox_stack *stacks, size_t nstacks, const struct sandbox_bind *binds,
		  size_t nbinds, struct sandbox_opts *o, struct sandbox_result *res, char **ret_error)
{
	struct worker *w = t->w;
	_cleanup_free_ char *root = NULL;
	const char *const skel[] = { w->skeleton };
	struct sandbox_stack all_stacks[4];
	struct sandbox_bind all_binds[8];
	size_t ns = 0, nb = 0;
	int r;

	if (nstacks + 1 > ELEMENTSOF(all_stacks) || nbinds + 2 > ELEMENTSOF(all_binds))
		return -E2BIG;
	all_stacks[ns++] = (struct sandbox_stack){ .dst = "/", .layers = ntools ? tools : skel,
						   .nlayers = ntools ? ntools : 1 };
	for (size_t i = 0; i < nstacks; i++)
		all_stacks[ns++] = stacks[i];
	for (size_t i = 0; i < nbinds; i++)
		all_binds[nb++] = binds[i];
	if (!ntools) {
		all_binds[nb++] = (struct sandbox_bind){ .src = "/usr", .dst = "/usr" };
		if (file_exists_at(AT_FDCWD, "/etc/ld.so.cache"))
			all_binds[nb++] = (struct sandbox_bind){ .src = "/etc/ld.so.cache", .dst = "/etc/ld.so.cache" };
	}
	if (asprintf(&root, "%s/%s/.root", w->spool.path, t->idstr) < 0)
		return -ENOMEM;
	if (mkdirat(t->dirfd, ".root", 0700) < 0 && errno != EEXIST)
		return error_set(ret_error, -errno, "cannot create the sandbox's root: %m");
	o->root = root;
	o->stacks = all_stacks;
	o->nstacks = ns;
	o->binds = all_binds;
	o->nbinds = nb;
	o->timeout_ms = t->interactive ? 0 : w->cfg->process_timeout * 1000;
	o->memory_bytes = w->cfg->sandbox_memory_limit;
	o->bpf = policy; /* compiled when the worker started */
	o->prepared = t->sandbox; /* taken: used up by the run */
	t->sandbox = NULL;
	r = sandbox_run(o, res, ret_error);
	unlinkat(t->dirfd, ".root", AT_REMOVEDIR);
	return r;
}

void task_layers_release(struct layers *l)
{
	for (size_t i = 0; i < l->ntrees; i++)
		rcache_tree_release(&l->trees[i]);
	free(l->trees);
	free(l->paths);
	free(l->extra);
	buf_release(&l->desc);
	memset(l, 0, sizeof(*l));
}

int task_layers_add_dir(struct layers *l, const char *dir)
{
	const char **paths;

	if (l->extra || l->n >= ROOTFS_MAX_LAYERS)
		return -E2BIG;
	paths = realloc(l->paths, (l->n + 1) * sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	l->paths = paths;
	l->extra = strdup(dir);
	if (!l->extra)
		return -ENOMEM;
	l->paths[l->n++] = l->extra;
	return 0;
}

int task_cache_get(struct rcache *cache, const struct rrepo *repo, Id p, const struct pkg_keyring *keyring,
		   const char *variant, const char *const *only, struct rcache_tree *tree, char **ret_error)
{
	struct pkg_limits limits = { ROOTFS_MAX_PACKAGE_BYTES, ROOTFS_MAX_PACKAGE_FILES };
	_cleanup_free_ char *err = NULL;
	const char *loc, *type, *hex;
	struct pkg_checksum sum;
	struct rcache_request rq;
	int r;

	if (rrepo_package_file(repo, p, &loc, &type, &hex) < 0 || pkg_checksum_set(&sum, type, hex) < 0)
		return error_set(ret_error, -ENOENT, "%s: the repository metadata has no usable location or checksum",
				 rrepo_nevra(repo, p));
	rq = (struct rcache_request){ .dirfd = repo->dirfd, .file = loc, .checksum = &sum, .keyring = keyring,
				      .limits = &limits, .variant = variant, .only = only };
	r = rcache_get(cache, &rq, tree, &err);
	if (r < 0)
		return error_set(ret_error, r, "package %s: %s", rrepo_nevra(repo, p), err ? err : strerror(-r));
	return 0;
}

/* The cached trees of the packages in qs (extracted when missing), in order. */
int task_get_layers(struct task *t, struct rrepo *repo, const Queue *const *qs, size_t nq,
		    const struct pkg_keyring *keyring, struct layers *l, char **ret_error)
{
	struct rcache *cache = NULL;
	size_t total = 0;
	int r;

	for (size_t q = 0; q < nq; q++)
		total += (size_t)qs[q]->count;
	if (total == 0)
		return 0;
	if (total > ROOTFS_MAX_LAYERS)
		return error_set(ret_error, -E2BIG, "%zu packages, more than a stack holds (%d)", total,
				 ROOTFS_MAX_LAYERS);
	r = rcache_open(t->w->cache_dir, &cache, ret_error);
	if (r < 0)
		return r;
	l->trees = calloc(total, sizeof(*l->trees));
	l->paths = calloc(total, sizeof(*l->paths));
	if (!l->trees || !l->paths) {
		rcache_free(cache);
		return error_set(ret_error, -ENOMEM, "out of memory");
	}
	for (size_t q = 0; q < nq; q++)
		for (int i = 0; i < qs[q]->count; i++) {
			Id p = qs[q]->elements[i];
			struct rcache_tree *tree = &l->trees[l->n];

			r = task_cache_get(cache, repo, p, keyring, NULL, NULL, tree, ret_error);
			if (r < 0) {
				rcache_free(cache);
				return r;
			}
			tlog(t, "package %s: %s (%s)", rrepo_nevra(repo, p),
			     tree->extracted ? "extracted into the cache" : "from the cache",
			     *tree->signer ? tree->signer : "signature not checked");
			l->paths[l->n] = tree->root;
			l->n++;
			l->ntrees++;
			if (buf_appendf(&l->desc, "%s %s\n", rrepo_nevra(repo, p), tree->root) < 0) {
				rcache_free(cache);
				return error_set(ret_error, -ENOMEM, "out of memory");
			}
		}
	rcache_free(cache);
	return 0;
}

int task_keyring(struct task *t, const char *release, struct pkg_keyring **ret, char **ret_error)
{
	const struct config *cfg = t->w->cfg;
	_cleanup_free_ char *warnings = NULL, *err = NULL;
	int r;

	*ret = NULL;
	if (!cfg->require_gpg_check)
		return 0;
	r = pkg_keyring_load(cfg->gpg_key_dir, release, ret, &warnings, &err);
	if (warnings)
		tlog(t, "keyring of %s: %s", release, warnings);
	if (r < 0)
		return error_set(ret_error, r, "RequireGPGCheck = 1: %s: %s", release, err ? err : strerror(-r));
	return 0;
}

int task_tool_layers(struct task *t, const char *tool, struct layers *tools, char **ret_error)
{
	const struct config *cfg = t->w->cfg;
	const char *const names[] = { tool };
	_cleanup_free_ char *err = NULL;
	struct rrepo *trepo = NULL;
	struct pkg_keyring *keyring = NULL;
	Queue q;
	int r;

	if (strcmp(cfg->tool_root, "host") == 0) {
		tlog(t, "tools: this machine's %s (ToolRoot = host)", tool);
		return 0;
	}
	r = rrepo_open(t->w->repodir_fd, cfg->tool_root, 0, &trepo, &err);
	if (r < 0)
		return error_set(ret_error, r, "ToolRoot %s is not served here: %s", cfg->tool_root,
				 err ? err : strerror(-r));
	queue_init(&q);
	free(err);
	err = NULL;
	r = resolve_tools(trepo, names, ELEMENTSOF(names), &q, &err);
	if (r < 0) {
		r = error_set(ret_error, r, "%s cannot be installed from ToolRoot %s: %s", tool, cfg->tool_root,
			      err ? err : strerror(-r));
		goto out;
	}
	r = task_keyring(t, cfg->tool_root, &keyring, ret_error);
	if (r < 0)
		goto out;
	tlog(t, "tools: %s from %s, %d packages", tool, cfg->tool_root, q.count);
	{
		const Queue *qs[] = { &q };
		r = task_get_layers(t, trepo, qs, 1, keyring, tools, ret_error);
	}
out:
	pkg_keyring_free(keyring);
	queue_free(&q);
	rrepo_free(trepo);
	return r;
}

/* The releases served for arch: see task.h. */
size_t task_releases_of_arch(struct task *t, const char *arch, const char *first, char **out, size_t max)
{
	int fd = dup(t->w->repodir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t n = 0, al = strlen(arch);

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)) && n < max) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || !release_id_valid(de->d_name) || l <= al + 1 ||
		    de->d_name[l - al - 1] != '-' || strcmp(de->d_name + l - al, arch) != 0)
			continue;
		out[n] = strdup(de->d_name);
		if (out[n])
			n++;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), str_ptr_cmp);
	for (size_t i = 0; first && i < n; i++)
		if (strcmp(out[i], first) == 0) {
			char *f = out[i];
			memmove(out + 1, out, i * sizeof(*out));
			out[0] = f;
			break;
		}
	return n;
}
