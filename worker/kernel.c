/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.c - a kernel task (types 2 and 4).
 *
 * 1. The log from VMCOREINFO alone, in the confined reader: it is the
 *    backtrace, written at once. Nothing after it can fail the task.
 * 2. The kernel's debuginfo: the dump's BUILD-ID in a release's build-id
 *    index, else a package holding the vmlinux of the dump's OSRELEASE
 *    (/usr/lib/debug/lib/modules/REL/vmlinux, Fedora's layout, or
 *    /usr/lib/debug/boot/vmlinux-REL, Debian's), in the releases of the
 *    dump's architecture (the one its dist tag names first).
 * 3. From that package only vmlinux, as a partial tree of the rootfs cache
 *    (verified, extracted once per kernel), its build-id checked against
 *    the dump's; and the debuginfo of the modules the oops names ("Modules
 *    linked in:"), as a second partial tree per set of modules.
 * 4. crash in the sandbox under crash.policy: the dump, vmlinux and the
 *    modules bound read-only, commands from a read-only file, no .crashrc,
 *    no pager; `sys`, `mod`, `bt -a` and `log` written by crash itself into
 *    a bound output directory, then moved to results/.
 * Each of 2-4 that cannot be done is a line in the log: the kernel log
 * alone is a successful retrace. Then VmcoreDumpLevel stripping.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "rootfs-cache/cache.h"
#include "rootfs-cache/package.h"
#include "sandbox/sandbox.h"
#include "solver/elfnote.h"
#include "solver/repo.h"
#include "vmcore/confined.h"
#include "worker/analyze.h"
#include "worker/task.h"

#define KERNEL_MAX_MODULES 256
#define CRASH_STDERR_LINES 40
#define CRASH_BIN "/usr/bin/crash"

/* What crash writes, and the names they get in results/. */
static const char *const crash_results[] = { "sys", "mod", "bt-a", "log" };

struct kdebug {
	struct rrepo *repo;     /* the release whose repository has it */
	Id p;
	const char *via;        /* how it was found */
	char vmlinux[PATH_MAX]; /* its path in the package */
	char (*mods)[KERNEL_MODULE_NAME_MAX]; /* wanted: the oops's modules */
	size_t n_mods;
	char *mod_paths[KERNEL_MAX_MODULES];  /* found: path in the package per wanted module, or NULL */
};

static void kdebug_release(struct kdebug *kd)
{
	rrepo_free(kd->repo);
	free(kd->mods);
	for (size_t i = 0; i < KERNEL_MAX_MODULES; i++)
		free(kd->mod_paths[i]);
	memset(kd, 0, sizeof(*kd));
}

/* Paths crash is handed inside a command file: nothing it could parse as more. */
static bool path_plain(const char *s)
{
	size_t n = strlen(s);
	return n > 1 && n < PATH_MAX && s[0] == '/' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-~") == n &&
	       !strstr(s, "/../") && !strstr(s, "/./");
}

/* The i-th place packages put the vmlinux of release rel (Fedora's, Debian's); false past the last. */
static bool vmlinux_candidate(unsigned i, const char *rel, char out[PATH_MAX])
{
	switch (i) {
	case 0:
		snprintf(out, PATH_MAX, "/usr/lib/debug/lib/modules/%s/vmlinux", rel);
		return true;
	case 1:
		snprintf(out, PATH_MAX, "/usr/lib/debug/boot/vmlinux-%s", rel);
		return true;
	default:
		return false;
	}
}

/*
 * In one release: the package by the dump's build-id, else by the vmlinux
 * path of its release; *vmlinux gets where the vmlinux is in it.
 */
static Id find_in_release(struct task *t, struct rrepo *r, const struct vmcore_summary *sum, const char **via,
			  char vmlinux[PATH_MAX])
{
	Queue q;
	Id p = 0;

	if (sum->build_id[0]) {
		struct repo_hit hits[16];
		size_t n = rrepo_lookup(r, sum->build_id, hits, ELEMENTSOF(hits));
		for (size_t i = 0; i < n && i < ELEMENTSOF(hits); i++)
			if (hits[i].kind == REPO_INDEX_DEBUGINFO) {
				*via = "the dump's BUILD-ID";
				for (unsigned c = 0; vmlinux_candidate(c, sum->release, vmlinux); c++)
					if (rrepo_has_file(r, hits[i].p, vmlinux))
						return hits[i].p;
				tlog(t, "kernel debuginfo: %s of %s has the kernel's build-id but no vmlinux for %s",
				     rrepo_nevra(r, hits[i].p), r->release, sum->release);
				return 0;
			}
	}
	queue_init(&q);
	for (unsigned c = 0; q.count == 0 && vmlinux_candidate(c, sum->release, vmlinux); c++)
		rrepo_find_file(r, vmlinux, &q);
	if (q.count > 1)
		tlog(t, "%d packages of %s hold %s: the first, %s, is used", q.count, r->release, vmlinux,
		     rrepo_nevra(r, q.elements[0]));
	if (q.count > 0) {
		p = q.elements[0];
		*via = "the vmlinux path of OSRELEASE (no build-id match)";
	}
	queue_free(&q);
	return p;
}

/* A file of the debuginfo package under the kernel's module tree: one the oops names? */
static int module_file(const char *path, void *userdata)
{
	struct kdebug *kd = userdata;
	const char *base = strrchr(path, '/');
	char name[KERNEL_MODULE_NAME_MAX];
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".debug") == 0)
		n -= 6;
	if (n <= 3 || memcmp(base + n - 3, ".ko", 3) != 0 || n - 3 >= sizeof(name))
		return 0;
	memcpy(name, base, n - 3);
	name[n - 3] = '\0';
	for (char *c = name; *c; c++)
		if (*c == '-')
			*c = '_'; /* the kernel names modules with underscores */
	for (size_t i = 0; i < kd->n_mods; i++)
		if (!kd->mod_paths[i] && strcmp(kd->mods[i], name) == 0 && path_plain(path)) {
			kd->mod_paths[i] = strdup(path);
			break;
		}
	return 0;
}

static int find_debuginfo(struct task *t, const struct vmcore_summary *sum, struct kdebug *kd)
{
	char *rels[TASK_MAX_RELEASES];
	char guess[RELEASE_GUESS_MAX];
	const char *src = NULL;
	size_t n;

	if (!sum->arch[0]) {
		tlog(t, "kernel debuginfo: the dump names no architecture");
		return -ENOENT;
	}
	if (release_guess(NULL, sum->release, sum->arch, guess, &src) < 0)
		guess[0] = '\0';
	n = task_releases_of_arch(t, sum->arch, guess[0] ? guess : NULL, rels, ELEMENTSOF(rels));
	if (n == 0) {
		tlog(t, "kernel debuginfo: this server serves no release for %s", sum->arch);
		return -ENOENT;
	}
	for (size_t i = 0; i < n && !kd->repo; i++) {
		_cleanup_free_ char *err = NULL;
		struct rrepo *r = NULL;
		Id p;
		int rc = rrepo_open(t->w->repodir_fd, rels[i], 0, &r, &err);

		if (rc < 0) {
			tlog(t, "kernel debuginfo: release %s: %s", rels[i], err ? err : strerror(-rc));
			continue;
		}
		p = find_in_release(t, r, sum, &kd->via, kd->vmlinux);
		if (!p) {
			rrepo_free(r);
			continue;
		}
		kd->repo = r;
		kd->p = p;
	}
	for (size_t i = 0; i < n; i++)
		free(rels[i]);
	if (!kd->repo) {
		tlog(t, "kernel debuginfo: no repository of %s has it (build-id %s, %s)", sum->arch,
		     sum->build_id[0] ? sum->build_id : "none in the dump", sum->release);
		return -ENOENT;
	}
	tlog(t, "kernel debuginfo: %s from %s, found by %s; vmlinux is %s", rrepo_nevra(kd->repo, kd->p),
	     kd->repo->release, kd->via, kd->vmlinux);

	kd->mods = calloc(KERNEL_MAX_MODULES, sizeof(*kd->mods));
	return kd->mods ? 0 : -ENOMEM;
}

/* The debuginfo in the package of the modules in kd->mods (named by `whence`); how many have it. */
static size_t match_modules(struct task *t, struct kdebug *kd, const char *release, const char *whence)
{
	char prefix[PATH_MAX];
	struct buf missing = BUF_INIT(16384);
	size_t found = 0;

	snprintf(prefix, sizeof(prefix), "/usr/lib/debug/lib/modules/%s/", release);
	rrepo_files_under(kd->repo, kd->p, prefix, module_file, kd);
	for (size_t i = 0; i < kd->n_mods; i++) {
		if (kd->mod_paths[i])
			found++;
		else
			buf_appendf(&missing, " %s", kd->mods[i]);
	}
	tlog(t, "kernel modules: %s names %zu, %zu with debuginfo in %s%s%s", whence, kd->n_mods, found,
	     rrepo_nevra(kd->repo, kd->p), missing.len ? "; none for:" : "", missing.len ? missing.data : "");
	buf_release(&missing);
	return found;
}

/* The build-id of an ELF file, as lowercase hex ("" when it has none). */
static int file_build_id(const char *path, char hex[2 * ELF_BUILD_ID_MAX + 1])
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint8_t id[ELF_BUILD_ID_MAX];
	struct stat st;
	void *map;
	int n;

	hex[0] = '\0';
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return -ENOEXEC;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	n = elf_build_id(map, (size_t)st.st_size, id);
	munmap(map, (size_t)st.st_size);
	if (n < 0)
		return n;
	hex_encode(id, (size_t)n, hex);
	return 0;
}

/* A partial tree of the debuginfo package: name (a cache variant) and its paths. */
static int get_partial(struct task *t, struct rcache *cache, struct kdebug *kd, const struct pkg_keyring *keyring,
		       const char *variant, const char *const *only, struct rcache_tree *tree, char **ret_error)
{
	int r = task_cache_get(cache, kd->repo, kd->p, keyring, variant, only, tree, ret_error);

	if (r == 0)
		tlog(t, "kernel debuginfo: %s of %s: %s in %.3f s (%s)", variant, rrepo_nevra(kd->repo, kd->p),
		     tree->extracted ? "extracted into the cache" : "from the cache", tree->seconds,
		     *tree->signer ? tree->signer : "signature not checked");
	return r;
}

/* "modules-" and 16 hex digits of the SHA-256 of the sorted paths: one tree per set. */
static int modules_variant(const char *const *paths, size_t n, char out[RCACHE_VARIANT_MAX + 1])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hex[17];
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, paths[i], strlen(paths[i]) + 1) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -ENOMEM;
	hex_encode(md, 8, hex);
	snprintf(out, RCACHE_VARIANT_MAX + 1, "modules-%s", hex);
	return 0;
}

/* The partial tree of the matched modules' debuginfo; its root, or NULL (logged). */
static const char *module_tree(struct task *t, struct rcache *cache, struct kdebug *kd,
			       const struct pkg_keyring *keyring, struct rcache_tree *tree)
{
	const char *paths[KERNEL_MAX_MODULES + 1];
	_cleanup_free_ char *err = NULL;
	char variant[RCACHE_VARIANT_MAX + 1];
	size_t n = 0;
	int r;

	rcache_tree_release(tree); /* a tree of an earlier call, if any */
	for (size_t i = 0; i < kd->n_mods; i++)
		if (kd->mod_paths[i])
			paths[n++] = kd->mod_paths[i];
	paths[n] = NULL;
	qsort(paths, n, sizeof(*paths), str_ptr_cmp);
	if (n == 0 || modules_variant(paths, n, variant) < 0)
		return NULL;
	r = get_partial(t, cache, kd, keyring, variant, paths, tree, &err);
	if (r < 0) {
		tlog(t, "kernel modules: their debuginfo is not used: %s", err ? err : strerror(-r));
		return NULL;
	}
	return tree->root;
}

/*
 * Why crash failed, in its own words: its last line starting "crash: "
 * (how crash words a fatal error), else its last line that is not blank;
 * NULL for no output.
 */
static const char *crash_reason(const char *text)
{
	const char *last = NULL, *last_crash = NULL;

	for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		size_t n = strcspn(s, "\n");
		if (strspn(s, " \t") >= n)
			continue;
		last = s;
		if (strncmp(s, "crash: ", 7) == 0)
			last_crash = s;
	}
	return last_crash ? last_crash : last;
}

/*
 * crash over the dump: the command file and an output directory in the
 * task's .crash/, everything else bound read-only. Results move to results/.
 */
static int run_crash(struct task *t, const char *vmlinux, const char *modroot, struct kdebug *kd,
		     const struct layers *tools, bool full)
{
	struct worker *w = t->w;
	_cleanup_free_ char *dump = NULL, *cmdfile = NULL, *outdir = NULL, *err = NULL, *out = NULL,
			    *errtext = NULL;
	_cleanup_close_ int outfd = -1, errfd = -1, cfd = -1, resfd = -1;
	struct buf cmds = BUF_INIT(1 << 20);
	struct sandbox_bind binds[5];
	struct sandbox_opts o;
	struct sandbox_result res = { 0 };
	size_t nb = 0, loaded = 0;
	unsigned moved = 0;
	int r;

	rm_rf_at(t->dirfd, ".crash");
	if (mkdirat(t->dirfd, ".crash", 0700) < 0 || (cfd = openat_dir(t->dirfd, ".crash")) < 0 ||
	    mkdirat(cfd, "out", 0700) < 0) {
		r = -errno;
		tlog(t, "crash is not run: cannot make its directory: %s", strerror(-r));
		goto out;
	}
	/* the commands: no pager, each result written by crash itself */
	buf_appendf(&cmds, "set scroll off\n%s", full ? "sys > /out/sys\n" : "");
	for (size_t i = 0; modroot && i < kd->n_mods; i++)
		if (kd->mod_paths[i]) {
			buf_appendf(&cmds, "mod -s %s /kernel/modules%s\n", kd->mods[i], kd->mod_paths[i]);
			loaded++;
		}
	buf_appendf(&cmds, "mod > /out/mod\nbt -a > /out/bt-a\n%sexit\n", full ? "log > /out/log\n" : "");
	r = cmds.data ? write_file_at(cfd, "commands", cmds.data, cmds.len, 0600, false) : -ENOMEM;
	buf_release(&cmds);
	if (r < 0) {
		tlog(t, "crash is not run: cannot write its commands: %s", strerror(-r));
		goto out;
	}
	if (asprintf(&dump, "%s/%s/crash/vmcore", w->spool.path, t->idstr) < 0 ||
	    asprintf(&cmdfile, "%s/%s/.crash/commands", w->spool.path, t->idstr) < 0 ||
	    asprintf(&outdir, "%s/%s/.crash/out", w->spool.path, t->idstr) < 0) {
		r = -ENOMEM;
		goto out;
	}
	binds[nb++] = (struct sandbox_bind){ .src = dump, .dst = "/vmcore" };
	binds[nb++] = (struct sandbox_bind){ .src = vmlinux, .dst = "/kernel/vmlinux" };
	binds[nb++] = (struct sandbox_bind){ .src = cmdfile, .dst = "/kernel/commands" };
	if (modroot && loaded)
		binds[nb++] = (struct sandbox_bind){ .src = modroot, .dst = "/kernel/modules" };
	binds[nb++] = (struct sandbox_bind){ .src = outdir, .dst = "/out", .writable = true };

	const char *argv[] = { CRASH_BIN, "-s", "--no_crashrc", "-i", "/kernel/commands", "/kernel/vmlinux", "/vmcore",
			       NULL };
	outfd = memfd_create("crash-stdout", MFD_CLOEXEC);
	errfd = memfd_create("crash-stderr", MFD_CLOEXEC);
	if (outfd < 0 || errfd < 0) {
		r = -errno;
		tlog(t, "crash is not run: memfd_create: %s", strerror(-r));
		goto out;
	}
	sandbox_opts_default(&o);
	o.argv = argv;
	o.stdout_fd = outfd;
	o.stderr_fd = errfd;
	tlog(t, "crash: %zu module(s) to load; commands: %s", loaded, full ? "sys, mod, bt -a, log" : "mod, bt -a");
	r = task_run_tool(t, w->crash_policy, tools->paths, tools->n, NULL, 0, binds, nb, &o, &res, &err);
	if (r < 0) {
		tlog(t, "crash is not run: the sandbox: %s", err ? err : strerror(-r));
		goto out;
	}
	tlog(t, "sandbox: %s", res.enforced);
	if (res.limits_hit[0])
		tlog(t, "sandbox: limits hit: %s", res.limits_hit);
	if (memfd_text(outfd, &out) == 0)
		task_log_lines(t, "crash", out, CRASH_STDERR_LINES);
	if (memfd_text(errfd, &errtext) == 0)
		task_log_lines(t, "crash (stderr)", errtext, CRASH_STDERR_LINES);
	if (res.timed_out)
		tlog(t, "crash ran past the timeout (ProcessCommunicateTimeout = %llu s) and was killed",
		     (unsigned long long)w->cfg->process_timeout);
	else if (!res.exited)
		tlog(t, "crash was killed by signal %d%s", res.signal,
		     res.signal == 31 ? " (a syscall crash.policy forbids)" : "");
	else if (res.exit_status != 0) {
		const char *why = crash_reason(errtext);
		if (!why)
			why = crash_reason(out);
		if (why)
			tlog(t, "crash failed (exit status %d): %.*s", res.exit_status, (int)strcspn(why, "\n"), why);
		else
			tlog(t, "crash failed (exit status %d) and said nothing", res.exit_status);
	}

	/* what crash wrote, whatever became of it */
	if (mkdirat(t->dirfd, "results", 0750) < 0 && errno != EEXIST) {
		r = -errno;
		tlog(t, "warning: cannot make results/: %s", strerror(-r));
		goto out;
	}
	resfd = openat_dir(t->dirfd, "results");
	for (size_t i = 0; resfd >= 0 && i < ELEMENTSOF(crash_results); i++) {
		char src[64];
		struct stat st;
		snprintf(src, sizeof(src), "out/%s", crash_results[i]);
		if (fstatat(cfd, src, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
			continue;
		if (renameat(cfd, src, resfd, crash_results[i]) == 0)
			moved++;
	}
	tlog(t, "crash: %u of %u results in results/ (%s)", moved, full ? 4U : 2U,
	     full ? "sys, mod, bt-a, log" : "mod, bt-a");
	r = moved ? 0 : -EIO;
out:
	rm_rf_at(t->dirfd, ".crash");
	return r;
}

/* Steps 2-4: what the kernel's debuginfo adds to the log. Never fails the task. */
static void kernel_debuginfo(struct task *t, const struct vmcore_summary *sum, const char *log, size_t len)
{
	struct worker *w = t->w;
	struct kdebug kd = { 0 };
	struct rcache *cache = NULL;
	struct rcache_tree vmt = { .lockfd = -1 }, modt = { .lockfd = -1 };
	struct pkg_keyring *keyring = NULL;
	struct layers tools = { .desc = BUF_INIT(ROOTFS_MAX_FILE_LIST) };
	_cleanup_free_ char *err = NULL, *vmlinux = NULL;
	char bid[2 * ELF_BUILD_ID_MAX + 1];
	const char *modroot = NULL;
	int r;

	t->step = "preparing the kernel debuginfo";
	task_set_status(t, TASK_STATUS_INIT);
	if (!sum->release[0]) {
		tlog(t, "crash is not run: the dump has no OSRELEASE");
		return;
	}
	task_hook(t, "pre_prepare_debuginfo");
	r = find_debuginfo(t, sum, &kd);
	task_hook(t, "post_prepare_debuginfo");
	if (r < 0) {
		tlog(t, "crash is not run: no debuginfo for this kernel; the kernel log is the result");
		goto out;
	}
	r = task_keyring(t, kd.repo->release, &keyring, &err);
	if (r < 0) {
		tlog(t, "crash is not run: %s", err);
		goto out;
	}
	r = rcache_open(w->cache_dir, &cache, &err);
	if (r < 0) {
		tlog(t, "crash is not run: the cache: %s", err ? err : strerror(-r));
		goto out;
	}
	{
		const char *only[] = { kd.vmlinux, NULL };
		free(err);
		err = NULL;
		r = get_partial(t, cache, &kd, keyring, "vmlinux", only, &vmt, &err);
	}
	if (r < 0) {
		tlog(t, "crash is not run: vmlinux: %s", err ? err : strerror(-r));
		goto out;
	}
	if (asprintf(&vmlinux, "%s%s", vmt.root, kd.vmlinux) < 0)
		goto out;
	r = file_build_id(vmlinux, bid);
	if (r < 0) {
		tlog(t, "crash is not run: %s is not a readable ELF file: %s", kd.vmlinux, strerror(-r));
		goto out;
	}
	if (sum->build_id[0] && strcmp(bid, sum->build_id) != 0) {
		tlog(t, "crash is not run: the vmlinux of %s has build-id %s, the dump's kernel %s",
		     rrepo_nevra(kd.repo, kd.p), bid[0] ? bid : "(none)", sum->build_id);
		goto out;
	}
	tlog(t, "vmlinux: build-id %s%s", bid[0] ? bid : "(none)",
	     sum->build_id[0] ? ", the dump's" : " (the dump has none to compare)");

	task_step_done(t, "preparing the kernel debuginfo");
	free(err);
	err = NULL;
	task_hook(t, "pre_prepare_mock");
	r = task_tool_layers(t, "crash", &tools, &err);
	task_hook(t, "post_prepare_mock");
	if (r < 0) {
		tlog(t, "crash is not run: %s", err ? err : "no tool root");
		goto out;
	}
	if (tools.n == 0 && access(CRASH_BIN, X_OK) < 0) {
		tlog(t, "crash is not run: ToolRoot = host and %s is not installed", CRASH_BIN);
		goto out;
	}

	/*
	 * The modules' debuginfo: those the oops names when it names them (one
	 * run), else those crash's first run lists as loaded (a second run for
	 * mod and bt -a with their symbols). A failure loses symbols, not results.
	 */
	t->step = "running crash";
	task_set_status(t, TASK_STATUS_BACKTRACE);
	kd.n_mods = kernel_log_modules(log, len, kd.mods, KERNEL_MAX_MODULES);
	if (kd.n_mods && match_modules(t, &kd, sum->release, "the oops") > 0)
		modroot = module_tree(t, cache, &kd, keyring, &modt);
	else if (!kd.n_mods)
		tlog(t, "kernel modules: the log names none (no \"Modules linked in:\" line); crash's mod lists the loaded ones");
	task_hook(t, "pre_retrace");
	r = run_crash(t, vmlinux, modroot, &kd, &tools, true);
	if (r < 0) {
		task_hook(t, "post_retrace");
		goto out;
	}
	if (!kd.n_mods) {
		_cleanup_free_ char *mods = NULL;
		size_t mlen = 0;
		if (read_file_at(t->dirfd, "results/mod", 1 << 20, &mods, &mlen) == 0)
			kd.n_mods = crash_mod_names(mods, mlen, kd.mods, KERNEL_MAX_MODULES);
		if (kd.n_mods && match_modules(t, &kd, sum->release, "crash's mod") > 0 &&
		    (modroot = module_tree(t, cache, &kd, keyring, &modt)))
			run_crash(t, vmlinux, modroot, &kd, &tools, false);
	}
	task_hook(t, "post_retrace");
	task_step_done(t, "running crash");
	if (t->type == TASK_VMCORE_INTERACTIVE) {
		/* what retrace-interact needs to open crash on the kept dump */
		_cleanup_free_ char *text = NULL;
		if (asprintf(&text, "vmlinux %s\nmodules %s\n", vmlinux, modroot ? modroot : "-") > 0 &&
		    write_file_at(t->dirfd, "kernel", text, strlen(text), 0640, false) == 0)
			tlog(t, "task type %d: the debuginfo's trees are named in `kernel`", (int)t->type);
	}
out:
	task_layers_release(&tools);
	rcache_tree_release(&modt); /* (both start with lockfd -1: safe unused) */
	rcache_tree_release(&vmt);
	rcache_free(cache);
	pkg_keyring_free(keyring);
	kdebug_release(&kd);
}
/*
 * VmcoreDumpLevel: makedumpfile -c -d LEVEL in the sandbox (the host's
 * makedumpfile, under the gdb policy), the dump bound read-only, the
 * result written to a private directory and limited to the original's
 * size; it replaces the original only when it saves VmcoreDumpSavePercent.
 * Any failure keeps the original: the original server filled disks here.
 */
static void strip_vmcore(struct task *t, uint64_t size)
{
	struct worker *w = t->w;
	const struct config *cfg = w->cfg;
	_cleanup_free_ char *dump = NULL, *outdir = NULL, *perr = NULL, *level = NULL;
	struct sandbox_bind binds[2];
	struct sandbox_opts o;
	struct sandbox_result res = { 0 };
	struct stat st;
	_cleanup_close_ int nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int r;

	t->step = "stripping the vmcore";
	if (asprintf(&dump, "%s/%s/crash/vmcore", w->spool.path, t->idstr) < 0 ||
	    asprintf(&outdir, "%s/%s/crash/.strip", w->spool.path, t->idstr) < 0 ||
	    asprintf(&level, "%llu", (unsigned long long)cfg->vmcore_dump_level) < 0) {
		tlog(t, "VmcoreDumpLevel: out of memory; the dump is kept as uploaded");
		return;
	}
	rm_rf_at(t->crashfd, ".strip");
	if (mkdirat(t->crashfd, ".strip", 0700) < 0) {
		tlog(t, "VmcoreDumpLevel: cannot make the output directory: %s; the dump is kept", strerror(errno));
		return;
	}
	binds[0] = (struct sandbox_bind){ .src = dump, .dst = "/vmcore" };
	binds[1] = (struct sandbox_bind){ .src = outdir, .dst = "/out", .writable = true };
	const char *argv[] = { "/usr/bin/makedumpfile", "-c", "-d", level, "/vmcore", "/out/vmcore", NULL };
	sandbox_opts_default(&o);
	o.argv = argv;
	o.stdout_fd = nullfd;
	o.stderr_fd = nullfd;
	o.max_file_size = size; /* a result larger than the input is killed, not kept */
	/* the host's makedumpfile whatever ToolRoot says: no release packages it for us */
	r = task_run_tool(t, w->gdb_policy, NULL, 0, NULL, 0, binds, ELEMENTSOF(binds), &o, &res, &perr);
	if (r < 0)
		tlog(t, "VmcoreDumpLevel: the sandbox: %s; the dump is kept as uploaded", perr ? perr : strerror(-r));
	else if (res.timed_out || !res.exited || res.exit_status != 0)
		tlog(t, "VmcoreDumpLevel = %s: makedumpfile failed (%s %d); the dump is kept as uploaded", level,
		     res.timed_out ? "timeout" : res.exited ? "exit status" : "signal",
		     res.exited ? res.exit_status : res.signal);
	else if (fstatat(t->crashfd, ".strip/vmcore", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		tlog(t, "VmcoreDumpLevel = %s: makedumpfile wrote nothing; the dump is kept as uploaded", level);
	else if ((uint64_t)st.st_size > size / 100 * (100 - cfg->vmcore_dump_save_percent))
		tlog(t, "VmcoreDumpLevel = %s: %llu bytes of %llu saves less than %llu%%; the dump is kept as uploaded",
		     level, (unsigned long long)st.st_size, (unsigned long long)size,
		     (unsigned long long)cfg->vmcore_dump_save_percent);
	else if (renameat(t->crashfd, ".strip/vmcore", t->crashfd, "vmcore") < 0)
		tlog(t, "VmcoreDumpLevel: cannot replace the dump: %s; it is kept as uploaded", strerror(errno));
	else
		tlog(t, "VmcoreDumpLevel = %s: the dump was stripped from %llu to %llu bytes", level,
		     (unsigned long long)size, (unsigned long long)st.st_size);
	rm_rf_at(t->crashfd, ".strip");
}

int vmcore_task(struct task *t)
{
	struct worker *w = t->w;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *log = NULL, *err = NULL;
	struct vmcore_summary sum;
	struct stat st;
	size_t len = 0;
	int r;

	t->step = "reading the kernel log";
	task_set_status(t, TASK_STATUS_ANALYZE);
	fd = openat(t->crashfd, "vmcore", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return task_fail(t, "the task has no vmcore file: %s", fd < 0 ? strerror(errno) : "not a regular file");
	t->core_size = (uint64_t)st.st_size;
	tlog(t, "vmcore: %llu bytes", (unsigned long long)st.st_size);
	r = vmcore_dmesg_confined(fd, w->vmcore_policy, &sum, &log, &len, &err);
	if (r < 0)
		return task_fail(t, "%s", err ? err : strerror(-r));
	closep(&fd);
	tlog(t, "kernel %s, %s, build-id %s: %zu bytes of log", sum.release[0] ? sum.release : "(no OSRELEASE)",
	     sum.arch[0] ? sum.arch : "unknown architecture", sum.build_id[0] ? sum.build_id : "(none)", len);
	if (len == 0)
		return task_fail(t, "the dump's kernel log is empty");
	/* the log is the backtrace, written as soon as it is there */
	r = write_file_at(t->dirfd, "retrace_backtrace", log, len, 0640, false);
	if (r < 0)
		return task_fail(t, "cannot write retrace_backtrace: %s", strerror(-r));
	task_step_done(t, "reading the kernel log");
	kernel_debuginfo(t, &sum, log, len);
	if (w->cfg->vmcore_dump_level && t->type == TASK_VMCORE)
		tlog(t, "VmcoreDumpLevel = %llu: not needed, a type 2 task does not keep its dump",
		     (unsigned long long)w->cfg->vmcore_dump_level);
	else if (w->cfg->vmcore_dump_level)
		strip_vmcore(t, (uint64_t)st.st_size);

	t->step = "cleaning up";
	task_set_status(t, TASK_STATUS_CLEANUP);
	if (!task_type_keeps_crash_data(t->type)) {
		tlog(t, "the vmcore is removed when the task ends");
	} else {
		tlog(t, "task type %d: the vmcore is kept", (int)t->type);
	}
	return task_finish(t, true);
}

