/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "worker/worker.h"

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
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "coredump/confined.h"
#include "rootfs-cache/cache.h"
#include "rootfs-cache/package.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp-policy.h"
#include "solver/repo.h"
#include "solver/resolve.h"
#include "vmcore/confined.h"
#include "worker/analyze.h"
#include "worker/stats.h"
#include "worker/task.h"

#define SMALL_FILE_MAX 4096
#define PC_MARK "----------RETRACE-PC----------"
#define PY_START "----------PYTHON-START--------"
#define PY_END "----------PYTHON--END---------"
#define GDB_STDERR_LINES 40


void tlog(struct task *t, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_appendf(&t->log, "[%7.3f] %s\n", monotonic_seconds() - t->t0, msg);
}

void task_log_lines(struct task *t, const char *who, const char *text, unsigned max)
{
	unsigned lines = 0;

	for (const char *s = text, *e; s && *s && lines < max; s = *e ? e + 1 : NULL, lines++) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		tlog(t, "%s: %.*s", who, (int)(e - s), s);
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
	test_pause(t, k);
}

/* the time of the step that ends now */
void task_step_done(struct task *t, const char *what)
{
	double now = monotonic_seconds();
	tlog(t, "%s took %.3f s", what, now - t->t_step);
	t->t_step = now;
}

static int write_time(struct task *t, const char *name)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%lld\n", (long long)time(NULL));
	int r = write_file_at(t->dirfd, name, text, (size_t)n, 0640, true);
	if (r < 0)
		log_error("task %s: cannot write %s: %s", t->idstr, name, strerror(-r));
	return r;
}

/* The last writes of a task, finished_time the very last; 0 when all were written. */
static int write_end(struct task *t, bool success)
{
	const char *k = task_status_to_string(success ? TASK_STATUS_SUCCESS : TASK_STATUS_FAIL);
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
	 */
	if (success && t->drop_at_end && unlinkat(t->crashfd, t->drop_at_end, 0) < 0 && errno != ENOENT)
		log_warn("task %s: cannot remove the %s: %s", t->idstr, t->drop_at_end, strerror(errno));
	return write_time(t, "finished_time");
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
	return task_finish(t, false);
}

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

/* --- gdb ----------------------------------------------------------------------------- */

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

/* Drop the Python section when gdb printed nothing in it; cut our PC line off. */
static void postprocess(char *out, const char **ret_pc_line)
{
	char *py = strstr(out, PY_START "\n"), *pe, *mark;

	*ret_pc_line = NULL;
	mark = strstr(out, PC_MARK "\n");
	if (mark) {
		char *line = mark + strlen(PC_MARK) + 1;
		line[strcspn(line, "\n")] = '\0';
		*ret_pc_line = line; /* after the NUL that now ends the backtrace */
		*mark = '\0';
	}
	if (py && (pe = strstr(py, PY_END "\n"))) {
		char *inside = py + strlen(PY_START) + 1;
		if (inside == pe)
			memmove(py, pe + strlen(PY_END) + 1, strlen(pe + strlen(PY_END) + 1) + 1);
	}
}

struct gdb_run {
	char *out, *err;
	struct sandbox_result res;
};

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
	o->timeout_ms = w->cfg->process_timeout * 1000;
	o->bpf = policy; /* compiled when the worker started */
	o->prepared = t->sandbox; /* taken: used up by the run */
	t->sandbox = NULL;
	r = sandbox_run(o, res, ret_error);
	unlinkat(t->dirfd, ".root", AT_REMOVEDIR);
	return r;
}

static int run_gdb(struct task *t, const char *const *tools, size_t ntools, const char *const *layers,
		   size_t nlayers, const char *exe, struct gdb_run *g, char **ret_error)
{
	struct worker *w = t->w;
	_cleanup_free_ char *core = NULL, *file_cmd = NULL;
	_cleanup_close_ int outfd = -1, errfd = -1;
	const char *argv[64];
	size_t n = 0;
	const struct sandbox_stack sysroot = { .dst = "/sysroot", .layers = layers, .nlayers = nlayers };
	struct sandbox_bind bind;
	struct sandbox_opts o;
	int r;

	if (asprintf(&core, "%s/%s/crash/coredump", w->spool.path, t->idstr) < 0)
		return -ENOMEM;
	bind = (struct sandbox_bind){ .src = core, .dst = "/core" };

	argv[n++] = "/usr/bin/gdb";
	argv[n++] = "-nx";
	argv[n++] = "-batch";
	argv[n++] = "-iex";
	argv[n++] = "set auto-load off";
	argv[n++] = "-iex";
	argv[n++] = "set debuginfod enabled off";
	argv[n++] = "-iex";
	argv[n++] = "set sysroot /sysroot";
	argv[n++] = "-iex";
	argv[n++] = "set debug-file-directory /sysroot/usr/lib/debug";
	argv[n++] = "-iex";
	argv[n++] = "set substitute-path /usr/src/debug /sysroot/usr/src/debug";
	if (exe) {
		if (asprintf(&file_cmd, "file /sysroot%s", exe) < 0)
			return -ENOMEM;
		argv[n++] = "-ex";
		argv[n++] = file_cmd;
	}
	static const char *const cmds[] = {
		"core-file /core",
		"thread apply all -ascending backtrace full 2048",
		"info sharedlib",
		"print (char*)__abort_msg",
		"print (char*)__glib_assert_msg",
		/* the original's line above shows struct abort_msg_s's size field:
		 * the message itself starts after that unsigned int */
		"print (char*)((long)__abort_msg ? (long)__abort_msg + 4 : 0)",
		"info registers",
		"disassemble",
		"echo " PY_START "\\n", // NOLINT(bugprone-suspicious-missing-comma): a marker, joined
		"py-bt",
		"py-list",
		"py-locals",
		"echo " PY_END "\\n",
		"echo " PC_MARK "\\n",
		"x/i $pc",
	};
	for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
		argv[n++] = "-ex";
		argv[n++] = cmds[i];
	}
	argv[n] = NULL;

	outfd = memfd_create("gdb-stdout", MFD_CLOEXEC);
	errfd = memfd_create("gdb-stderr", MFD_CLOEXEC);
	if (outfd < 0 || errfd < 0)
		return error_set(ret_error, -errno, "memfd_create: %m");

	sandbox_opts_default(&o);
	o.argv = argv;
	o.stdout_fd = outfd;
	o.stderr_fd = errfd;
	r = task_run_tool(t, w->gdb_policy, tools, ntools, &sysroot, 1, &bind, 1, &o, &g->res, ret_error);
	if (r < 0)
		return r;
	r = memfd_text(outfd, &g->out);
	if (r == 0)
		r = memfd_text(errfd, &g->err);
	return r;
}

/* --- the task ---------------------------------------------------------------------- */


void task_layers_release(struct layers *l)
{
	for (size_t i = 0; i < l->n; i++)
		rcache_tree_release(&l->trees[i]);
	free(l->trees);
	free(l->paths);
	buf_release(&l->desc);
	memset(l, 0, sizeof(*l));
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
			if (buf_appendf(&l->desc, "%s %s\n", rrepo_nevra(repo, p), tree->root) < 0) {
				rcache_free(cache);
				return error_set(ret_error, -ENOMEM, "out of memory");
			}
		}
	rcache_free(cache);
	return 0;
}

/* What a normal task keeps of its crash data: nothing, once it has ended. */
void task_drop_crash_file(struct task *t, const char *name)
{
	t->drop_at_end = name;
	tlog(t, "the %s is removed when the task ends", name);
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

static int coredump_task(struct task *t)
{
	struct worker *w = t->w;
	_cleanup_free_ char *err = NULL;
	const char *pc_line = NULL;
	_cleanup_close_ int corefd = -1;
	struct coredump *cd = NULL;
	struct resolve_module_in *in = NULL;
	size_t nin = 0;
	struct resolve_result res;
	bool have_res = false;
	struct rrepo *repo = NULL;
	struct pkg_keyring *keyring = NULL;
	struct layers layers = { .desc = BUF_INIT(ROOTFS_MAX_FILE_LIST) }, tools = { .desc = BUF_INIT(ROOTFS_MAX_FILE_LIST) };
	struct gdb_run g = { 0 };
	const char *exe = NULL, *source = NULL;
	struct stat st;
	int r, ret;

	/* 1. analyze: the core, in the confined reader */
	t->step = "reading the coredump";
	task_set_status(t, TASK_STATUS_ANALYZE);
	corefd = openat(t->crashfd, "coredump", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (corefd < 0 || fstat(corefd, &st) < 0 || !S_ISREG(st.st_mode))
		return task_fail(t, "the task has no coredump file");
	t->core_size = (uint64_t)st.st_size;
	r = coredump_read_confined(corefd, w->reader_policy, NULL, &cd, &err);
	if (r < 0)
		return task_fail(t, "%s", err ? err : strerror(-r));
	t->arch = cd->arch;
	tlog(t, "coredump: %llu bytes, %s, signal %d, %zu modules, %zu threads",
	     (unsigned long long)t->core_size, cd->arch ? cd->arch : "?", cd->signal, cd->nmodules,
	     cd->nthreads);
	for (size_t i = 0; i < cd->nwarnings; i++)
		tlog(t, "coredump: warning: %s", cd->warnings[i]);

	t->step = "determining the release";
	r = release_guess(t->os_release, t->package, cd->arch, t->release, &source);
	if (r < 0) {
		ret = task_fail(t, "neither os_release (%s) nor the package (%s) names a known release",
			   t->os_release ? t->os_release : "absent", t->package ? t->package : "absent");
		goto out;
	}
	tlog(t, "release %s (from %s)", t->release, source);
	task_step_done(t, "analyzing the crash");

	/* 2. init: the packages and their trees */
	t->step = "finding the packages";
	task_set_status(t, TASK_STATUS_INIT);
	free(err);
	err = NULL;
	r = rrepo_open(w->repodir_fd, t->release, 0, &repo, &err);
	if (r < 0) {
		ret = task_fail(t, "release %s is not served here: %s", t->release, err ? err : strerror(-r));
		goto out;
	}
	r = resolve_inputs_from_core(cd, &in, &nin);
	if (r < 0) {
		ret = task_fail(t, "%s", strerror(-r));
		goto out;
	}
	r = resolve_modules(repo, in, nin, t->package, &res);
	if (r < 0) {
		ret = task_fail(t, "%s", strerror(-r));
		goto out;
	}
	have_res = true;
	for (size_t i = 0; i < res.n_modules; i++) {
		const struct resolve_module *m = &res.modules[i];
		if (m->is_vdso)
			continue;
		if (!m->build_id)
			tlog(t, "module %s: no build-id in the core", m->path ? m->path : "?");
		else if (!m->binary)
			tlog(t, "missing: %s %s: no package of %s has this build-id", m->build_id,
			     m->path ? m->path : "?", t->release);
		else if (!m->debuginfo)
			tlog(t, "missing-debuginfo: %s %s (%s)", m->build_id, m->path ? m->path : "?",
			     rrepo_nevra(repo, m->binary));
		else
			tlog(t, "module %s %s: %s, %s", m->build_id, m->path ? m->path : "?",
			     rrepo_nevra(repo, m->binary), rrepo_nevra(repo, m->debuginfo));
	}
	/* the executable: the client's word, else the core's */
	exe = t->executable && t->executable[0] == '/' ? t->executable : cd->executable;
	if (exe) {
		bool packaged = false;
		for (size_t i = 0; i < cd->nmodules && i < res.n_modules; i++)
			if (cd->modules[i].is_exec && res.modules[i].binary)
				packaged = true;
		if (!packaged) {
			tlog(t, "the executable %s is in no package of %s: gdb reads the core alone", exe, t->release);
			exe = NULL;
		}
	}

	t->step = "preparing the packages";
	free(err);
	err = NULL;
	r = task_keyring(t, t->release, &keyring, &err);
	if (r < 0) {
		ret = task_fail(t, "%s", err);
		goto out;
	}
	{
		const Queue *qs[] = { &res.binaries, &res.debuginfos, &res.debugsources };
		free(err);
		err = NULL;
		r = task_get_layers(t, repo, qs, ELEMENTSOF(qs), keyring, &layers, &err);
	}
	if (r < 0) {
		ret = task_fail(t, "%s", err ? err : strerror(-r));
		goto out;
	}
	if (layers.n == 0) {
		ret = task_fail(t, "no package of %s holds anything of this crash", t->release);
		goto out;
	}
	t->step = "preparing the tools";
	free(err);
	err = NULL;
	r = task_tool_layers(t, "gdb", &tools, &err);
	if (r < 0) {
		ret = task_fail(t, "%s", err ? err : strerror(-r));
		goto out;
	}
	task_step_done(t, "preparing the environment");

	/* 3. backtrace: gdb in the sandbox */
	t->step = "running gdb";
	task_set_status(t, TASK_STATUS_BACKTRACE);
	free(err);
	err = NULL;
	r = run_gdb(t, tools.paths, tools.n, layers.paths, layers.n, exe, &g, &err);
	if (r < 0) {
		ret = task_fail(t, "the sandbox: %s", err ? err : strerror(-r));
		goto out;
	}
	tlog(t, "sandbox: %s", g.res.enforced);
	if (g.res.limits_hit[0])
		tlog(t, "sandbox: limits hit: %s", g.res.limits_hit);
	task_log_lines(t, "gdb", g.err, GDB_STDERR_LINES);
	if (g.res.timed_out) {
		ret = task_fail(t, "gdb ran past the timeout (ProcessCommunicateTimeout = %llu s) and was killed",
			   (unsigned long long)w->cfg->process_timeout);
		goto out;
	}
	if (!g.res.exited) {
		ret = task_fail(t, "gdb was killed by signal %d%s", g.res.signal,
			   g.res.signal == SIGSYS ? " (a system call the gdb policy forbids)" :
			   strstr(g.res.limits_hit, "memory") ? " (the sandbox's memory limit)" : "");
		goto out;
	}
	postprocess(g.out, &pc_line);
	if (!strstr(g.out, "\n#0 ") && strncmp(g.out, "#0 ", 3) != 0) {
		ret = task_fail(t, "gdb printed no backtrace (exit status %d)", g.res.exit_status);
		goto out;
	}
	if (g.res.output_truncated)
		tlog(t, "warning: gdb's output was cut at the sandbox's output limit");
	r = write_file_at(t->dirfd, "retrace_backtrace", g.out, strlen(g.out), 0640, false);
	if (r < 0) {
		ret = task_fail(t, "cannot write retrace_backtrace: %s", strerror(-r));
		goto out;
	}
	{
		struct exploitable e;
		char text[1024];
		exploitable_rate(cd->signal, cd->si_code, cd->fault_addr, pc_line, &e);
		int n = exploitable_format(&e, text, sizeof(text));
		if (n > 0 && (mkdirat(t->dirfd, "results", 0750) == 0 || errno == EEXIST)) {
			_cleanup_close_ int rd = openat_dir(t->dirfd, "results");
			if (rd < 0 || write_file_at(rd, "exploitable", text, (size_t)n, 0640, false) < 0)
				tlog(t, "warning: cannot write results/exploitable");
		}
		tlog(t, "exploitable: rating %d: %s", e.rating, e.reason);
	}
	task_step_done(t, "generating the backtrace");

	/* 4. cleanup: a normal task keeps no crash data */
	t->step = "cleaning up";
	task_set_status(t, TASK_STATUS_CLEANUP);
	if (t->type == TASK_RETRACE) {
		task_drop_crash_file(t, "coredump");
	} else {
		/* what retrace-interact needs to rebuild this root: the packages and their trees */
		struct buf d = BUF_INIT(2 * ROOTFS_MAX_FILE_LIST + 4096);
		if (buf_appendf(&d, "# retrace-worker: the root of task %s\n", t->idstr) < 0 ||
		    buf_appendf(&d, "tools %s\n", w->cfg->tool_root) < 0 ||
		    buf_append(&d, layers.desc.data ? layers.desc.data : "", layers.desc.len) < 0 ||
		    (tools.desc.len && (buf_appendf(&d, "# the tool root\n") < 0 ||
					buf_append(&d, tools.desc.data, tools.desc.len) < 0)) ||
		    write_file_at(t->dirfd, "rootfs", d.data, d.len, 0640, false) < 0)
			tlog(t, "warning: cannot write the root description");
		buf_release(&d);
		tlog(t, "task type %d: the crash data and the root description (rootfs) are kept", (int)t->type);
	}
	ret = task_finish(t, true);
out:
	free(g.out);
	free(g.err);
	task_layers_release(&layers);
	task_layers_release(&tools);
	pkg_keyring_free(keyring);
	if (have_res)
		resolve_result_release(&res);
	resolve_inputs_free(in, nin);
	rrepo_free(repo);
	coredump_free(cd);
	return ret;
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
	write_time(&t, "started_time");
	log_info("task %s: started", t.idstr);
	tlog(&t, "task %s started by retrace-worker", t.idstr);
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
	if (r < 0)
		r = task_fail(&t, "the task's type file is unreadable");
	else if (t.crashfd < 0)
		r = task_fail(&t, "the task has no crash directory");
	else if (task_type_is_vmcore(t.type)) {
		tlog(&t, "type %d: a kernel dump", (int)t.type);
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
