/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The coredump pipeline (task types 0 and 1): the core read in the
 * confined reader, its modules resolved to packages, their trees stacked
 * from the rootfs cache, gdb run in the sandbox over them, the backtrace
 * and its rating written. It uses the task runtime (task.c) and is run by
 * worker_run_task() (worker.c), as kernel.c's vmcore pipeline is.
 */
#include "worker/worker.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
#include "coredump/confined.h"
#include "debuginfod/upstream.h"
#include "rootfs-cache/cache.h"
#include "rootfs-cache/package.h"
#include "sandbox/sandbox.h"
#include "solver/repo.h"
#include "solver/resolve.h"
#include "worker/analyze.h"
#include "worker/stats.h"
#include "worker/task.h"

#define PC_MARK "----------RETRACE-PC----------"
#define PY_START "----------PYTHON-START--------"
#define PY_END "----------PYTHON--END---------"
#define GDB_STDERR_LINES 40

/*
 * The lines of our print commands whose value is a null pointer ("$2 = 0x0":
 * no abort message, no GLib assertion): nothing to show. Locals print as
 * "name = 0x0", never with a history number.
 */
static void drop_null_values(char *out)
{
	char *r = out, *w = out;

	while (*r) {
		size_t len = strcspn(r, "\n");
		bool nl = r[len] == '\n';
		size_t digits = r[0] == '$' ? strspn(r + 1, "0123456789") : 0;
		bool null_value = digits > 0 && len == 1 + digits + strlen(" = 0x0") &&
				  strncmp(r + 1 + digits, " = 0x0", strlen(" = 0x0")) == 0;
		if (!null_value) {
			memmove(w, r, len + nl);
			w += len + nl;
		}
		r += len + nl;
	}
	*w = '\0';
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
	drop_null_values(out);
}

int gdb_argv_core(const char **argv, size_t *n, const char *exe, char **ret_file_cmd)
{
	static const char *const head[] = {
		"-nx",
		"-iex", "set auto-load off",
		"-iex", "set debuginfod enabled off",
		"-iex", "set sysroot /sysroot",
		"-iex", "set debug-file-directory /sysroot/usr/lib/debug",
		"-iex", "set substitute-path /usr/src/debug /sysroot/usr/src/debug",
	};
	*ret_file_cmd = NULL;
	for (size_t i = 0; i < ELEMENTSOF(head); i++)
		argv[(*n)++] = head[i];
	if (exe) {
		if (asprintf(ret_file_cmd, "file /sysroot%s", exe) < 0) {
			*ret_file_cmd = NULL;
			return -ENOMEM;
		}
		argv[(*n)++] = "-ex";
		argv[(*n)++] = *ret_file_cmd;
	}
	argv[(*n)++] = "-ex";
	argv[(*n)++] = "core-file /core";
	return 0;
}

struct gdb_run {
	char *out, *err;
	struct sandbox_result res;
};

static int run_gdb(struct task *t, const char *const *tools, size_t ntools, const char *const *layers,
		   size_t nlayers, const char *exe, struct gdb_run *g, char **ret_error)
{
	struct worker *w = t->w;
	_cleanup_free_ char *core = NULL, *file_cmd = NULL;
	_cleanup_close_ int outfd = -1, errfd = -1;
	const char *argv[64];
	size_t n = 0;
	const char *sysroot_layers[ROOTFS_MAX_LAYERS + 1];
	struct sandbox_stack sysroot = { .dst = "/sysroot", .layers = sysroot_layers, .nlayers = nlayers + 1 };
	struct sandbox_bind bind;
	struct sandbox_opts o;
	int r;

	if (nlayers > ROOTFS_MAX_LAYERS)
		return error_set(ret_error, -E2BIG, "%zu layers: more than overlayfs takes", nlayers);
	if (asprintf(&core, "%s/%s/crash/coredump", w->spool.path, t->idstr) < 0)
		return -ENOMEM;
	/* the packages' trees, and under them the usrmerge links (bin -> usr/bin,
	 * lib64 -> usr/lib64, ...) that the distribution's filesystem package
	 * makes: the core's file notes name /bin/PROG where the package put
	 * /usr/bin/PROG, and gdb looks for them under the sysroot */
	memcpy(sysroot_layers, layers, nlayers * sizeof(*layers));
	sysroot_layers[nlayers] = w->skeleton;
	bind = (struct sandbox_bind){ .src = core, .dst = "/core" };

	argv[n++] = "/usr/bin/gdb";
	argv[n++] = "-batch";
	if (gdb_argv_core(argv, &n, exe, &file_cmd) < 0)
		return -ENOMEM;
	static const char *const cmds[] = {
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

/* exploitable_rate() with the core's signal, siginfo and faulting thread's registers. */
void exploitable_rate_core(const struct coredump *cd, const char *pc_line, struct exploitable *e)
{
	const char *names[COREDUMP_MAX_REGS];
	struct exploitable_regs regs = { .names = names, .is64 = cd->machine == EM_X86_64 };

	if (cd->nthreads > 0) {
		/* the first NT_PRSTATUS: the thread that faulted */
		for (unsigned k = 0; k < cd->threads[0].nregs && k < COREDUMP_MAX_REGS; k++)
			names[k] = coredump_reg_name(cd, k);
		regs.values = cd->threads[0].regs;
		regs.n = MIN(cd->threads[0].nregs, (unsigned)COREDUMP_MAX_REGS);
	}
	exploitable_rate(cd->signal, cd->si_code, cd->fault_addr, pc_line, &regs, e);
}

/* --- the release of a core sent without os_release or package ---------------------- */

/*
 * The served release of the core's arch whose build-id index holds the
 * executable's build-id and the most of the others (design 11.5: a bare core
 * names no release). On success t->release is set and the release is
 * opened in *ret_repo.
 */
static int release_from_build_ids(struct task *t, const struct coredump *cd,
				  const struct resolve_module_in *in, size_t nin, struct rrepo **ret_repo)
{
	char *rels[TASK_MAX_RELEASES];
	struct rrepo *best = NULL;
	size_t n, ids = 0, best_found = 0, best_dbg = 0, ties = 0;
	bool best_exe = false;

	for (size_t i = 0; i < nin; i++)
		if (in[i].build_id && !in[i].is_vdso)
			ids++;
	if (!cd->arch || ids == 0) {
		tlog(t, "the core has %s: no release can be inferred from it",
		     !cd->arch ? "no known architecture" : "no build-ids");
		return -ENOENT;
	}
	n = task_releases_of_arch(t, cd->arch, NULL, rels, ELEMENTSOF(rels));
	for (size_t r = 0; r < n; r++) {
		_cleanup_free_ char *err = NULL;
		struct rrepo *repo = NULL;
		size_t found = 0, dbg = 0;
		bool exe = false;
		int rc = rrepo_open(t->w->repodir_fd, rels[r], 0, &repo, &err);

		if (rc < 0) {
			tlog(t, "release %s: %s", rels[r], err ? err : strerror(-rc));
			continue;
		}
		for (size_t i = 0; i < nin && i < cd->nmodules; i++) {
			struct repo_hit hits[8];
			size_t nh;
			if (!in[i].build_id || in[i].is_vdso)
				continue;
			nh = MIN(rrepo_lookup(repo, in[i].build_id, hits, ELEMENTSOF(hits)), ELEMENTSOF(hits));
			if (nh == 0)
				continue;
			found++;
			if (cd->modules[i].is_exec)
				exe = true;
			for (size_t k = 0; k < nh; k++)
				if (hits[k].kind == REPO_INDEX_DEBUGINFO) {
					dbg++;
					break;
				}
		}
		/*
		 * The executable's build-id first (libraries are often shared by
		 * releases), then the most build-ids, then the most debuginfo: a
		 * package rebuilt unchanged into a release without debuginfo must
		 * not win over the one that has it.
		 */
		int cmp = !best ? 1 : exe != best_exe ? (exe ? 1 : -1) :
			  found != best_found ? (found > best_found ? 1 : -1) :
			  dbg != best_dbg ? (dbg > best_dbg ? 1 : -1) : 0;
		if (found > 0 && cmp > 0) {
			rrepo_free(best);
			best = repo;
			best_found = found;
			best_dbg = dbg;
			best_exe = exe;
			ties = 0;
			continue;
		}
		if (found > 0 && cmp == 0)
			ties++;
		rrepo_free(repo);
	}
	for (size_t r = 0; r < n; r++)
		free(rels[r]);
	if (!best) {
		tlog(t, "none of the %zu release(s) served for %s holds any of the core's %zu build-ids", n,
		     cd->arch, ids);
		return -ENOENT;
	}
	snprintf(t->release, sizeof(t->release), "%s", best->release);
	tlog(t, "release %s (inferred from the build-ids: %zu of %zu modules found there, %zu with debuginfo%s%s)",
	     t->release, best_found, ids, best_dbg,
	     best_exe ? ", the executable's among them" : ", not the executable's",
	     ties ? "; other releases hold as many, the first in sorted order was taken" : "");
	*ret_repo = best;
	return 0;
}

/* --- federation: debuginfo the release lacks, from DebuginfodUpstreamURLs --------------- */

/*
 * Every module with a build-id whose debuginfo the release's index does not
 * have (none, or only a package guessed by name, which may not hold it): asked of
 * the upstream servers (debuginfod/upstream.h), each answer logged. The
 * files found are linked into the task's own layer, upstream/layers/task-ID;
 * 0 with *ret_layer (its path) when there is one.
 */
static void upstream_debuginfo(struct task *t, const struct resolve_result *res, struct upstream *u,
			       const char *layer, struct buf *desc, char **ret_layer)
{
	_cleanup_free_ char *err = NULL;
	size_t found = 0, asked = 0;
	int r;

	if (upstream_open(u, t->w->cfg, &err) < 0) {
		tlog(t, "upstream-debuginfo: cannot use the upstream cache: %s", err);
		return;
	}
	upstream_layer_remove(u, layer);
	for (size_t i = 0; i < res->n_modules; i++) {
		const struct resolve_module *m = &res->modules[i];
		struct upstream_file f;
		struct dbgd_request rq;
		char path[DBGD_REQUEST_PATH_MAX];

		if (m->is_vdso || !m->build_id || (m->debuginfo && m->debuginfo_via == VIA_BUILD_ID))
			continue;
		snprintf(path, sizeof(path), "/buildid/%s/debuginfo", m->build_id);
		if (dbgd_request_parse(path, &rq) < 0)
			continue;
		asked++;
		free(err);
		err = NULL;
		r = upstream_fetch(u, &rq, &f, &err);
		if (r < 0) {
			tlog(t, "upstream-debuginfo: %s %s: not found upstream: %s", m->build_id,
			     m->path ? m->path : "?", err ? err : strerror(-r));
			continue;
		}
		close(f.fd);
		r = upstream_layer_add(u, layer, rq.hex);
		if (r < 0) {
			tlog(t, "upstream-debuginfo: %s: cannot link it into the task's layer: %s", m->build_id,
			     strerror(-r));
			continue;
		}
		found++;
		/* the root description of a kept task names it: retrace-interact links it again */
		buf_appendf(desc, "upstream-debuginfo %s\n", rq.hex);
		tlog(t, "upstream-debuginfo: %s %s: from %s (%llu bytes%s)%s%s", m->build_id, m->path ? m->path : "?",
		     f.from, (unsigned long long)f.size, f.cached ? ", kept in the cache" : ", fetched now",
		     *f.skipped ? "; before it: " : "", f.skipped);
	}
	if (asked)
		tlog(t, "upstream-debuginfo: %zu of %zu build-ids without indexed debuginfo in %s found upstream", found,
		     asked, t->release);
	if (found)
		*ret_layer = upstream_layer_path(u, layer);
}

/* --- the task ---------------------------------------------------------------------- */


int coredump_task(struct task *t)
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
	struct upstream up = { .fd = -1 };
	char up_name[32];
	_cleanup_free_ char *up_layer = NULL;
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

	r = resolve_inputs_from_core(cd, &in, &nin);
	if (r < 0) {
		ret = task_fail(t, "%s", strerror(-r));
		goto out;
	}
	if (!t->executable && cd->executable)
		tlog(t, "executable %s (from the core)", cd->executable);

	t->step = "determining the release";
	r = release_guess(t->os_release, t->package, cd->arch, t->release, &source);
	if (r == 0) {
		tlog(t, "release %s (from %s)", t->release, source);
	} else if (t->os_release || t->package) {
		ret = task_fail(t, "neither os_release (%s) nor the package (%s) names a known release",
			   t->os_release ? t->os_release : "absent", t->package ? t->package : "absent");
		goto out;
	} else if (release_from_build_ids(t, cd, in, nin, &repo) < 0) {
		ret = task_fail(t, "the crash names no release (no os_release, no package) and no served "
				   "release holds its build-ids");
		goto out;
	}
	task_step_done(t, "analyzing the crash");

	/* 2. init: the packages and their trees */
	task_hook(t, "pre_prepare_debuginfo");
	t->step = "finding the packages";
	task_set_status(t, TASK_STATUS_INIT);
	free(err);
	err = NULL;
	r = repo ? 0 : rrepo_open(w->repodir_fd, t->release, 0, &repo, &err);
	if (r < 0) {
		ret = task_fail(t, "release %s is not served here: %s", t->release, err ? err : strerror(-r));
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
	snprintf(up_name, sizeof(up_name), "task-%s", t->idstr);
	if (upstream_enabled(w->cfg))
		upstream_debuginfo(t, &res, &up, up_name, &layers.desc, &up_layer);
	/* the executable: the client's word, else the core's */
	exe = t->executable && t->executable[0] == '/' ? t->executable : cd->executable;
	if (exe) {
		bool packaged = false;
		for (size_t i = 0; i < cd->nmodules && i < res.n_modules; i++) {
			if (!cd->modules[i].is_exec || !res.modules[i].binary)
				continue;
			packaged = true;
			if (!t->package && (t->package = strdup(rrepo_nevra(repo, res.modules[i].binary))))
				tlog(t, "package %s (the executable's, from its build-id)", t->package);
		}
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
	if (r == 0 && up_layer && (r = task_layers_add_dir(&layers, up_layer)) < 0)
		(void)error_set(&err, r, "cannot add the upstream debuginfo's layer: %s",
				r == -E2BIG ? "too many layers" : strerror(-r));
	if (r < 0) {
		ret = task_fail(t, "%s", err ? err : strerror(-r));
		goto out;
	}
	if (layers.n == 0) {
		ret = task_fail(t, "no package of %s holds anything of this crash", t->release);
		goto out;
	}
	task_hook(t, "post_prepare_debuginfo");
	t->step = "preparing the tools";
	task_hook(t, "pre_prepare_mock");
	free(err);
	err = NULL;
	r = task_tool_layers(t, "gdb", &tools, &err);
	if (r < 0) {
		ret = task_fail(t, "%s", err ? err : strerror(-r));
		goto out;
	}
	task_hook(t, "post_prepare_mock");
	task_step_done(t, "preparing the environment");

	/* 3. backtrace: gdb in the sandbox */
	t->step = "running gdb";
	task_set_status(t, TASK_STATUS_BACKTRACE);
	free(err);
	err = NULL;
	task_hook(t, "pre_retrace");
	r = run_gdb(t, tools.paths, tools.n, layers.paths, layers.n, exe, &g, &err);
	task_hook(t, "post_retrace");
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
		exploitable_rate_core(cd, pc_line, &e);
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
	if (!task_type_keeps_crash_data(t->type)) {
		tlog(t, "the coredump is removed when the task ends");
	} else {
		/* what retrace-interact needs to rebuild this root: the packages and their trees */
		struct buf d = BUF_INIT(2 * ROOTFS_MAX_FILE_LIST + 4096);
		if (buf_appendf(&d, "# retrace-worker: the root of task %s\n", t->idstr) < 0 ||
		    buf_appendf(&d, "tools %s\nrelease %s\nexecutable %s\n", w->cfg->tool_root, t->release,
				exe ? exe : "-") < 0 ||
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
	if (up.fd >= 0) {
		upstream_layer_remove(&up, up_name);
		upstream_close(&up);
	}
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
