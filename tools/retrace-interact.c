/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-interact - re-enter a kept task's environment (design section 8):
 *
 *   retrace-interact [-c CONF] [-v] TASKID gdb|shell|crash [-- ARGS...]
 *   retrace-interact [-c CONF] TASKID printdir|delete|set-success|set-fail
 *
 * gdb and shell rebuild the root of a debug (1) or interactive coredump (3)
 * task from its `rootfs` description - the same packages from the same
 * release, through the rootfs cache (a tree the cache collected since is
 * extracted and verified again), the same tools - and run gdb with the core
 * and debuginfo loaded, or a shell, in the same sandbox the worker's gdb
 * ran in (gdb.policy, no network, unprivileged), with ARGS passed on
 * (`-- -batch -ex bt` prints the backtrace). crash does the same for an
 * interactive kernel task (4) from its `kernel` description. The session
 * reads this process's stdin through a pipe (the terminal itself stays
 * outside the sandbox) and has no time limit; its exit status is the tool's.
 *
 * Only root and members of AdminGroup may use it (8.2: it needs a task id,
 * no password); it is never reachable over HTTP. Started as root it
 * becomes RunAsUser, as the worker does, so the cache stays the worker's.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/spool.h"
#include "common/user.h"
#include "common/util.h"
#include "debuginfod/upstream.h"
#include "rootfs-cache/cache.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp-policy.h"
#include "solver/repo.h"
#include "worker/lifecycle.h"
#include "worker/task.h"
#include "worker/worker.h"

#define INTERACT_MAX_ARGS 64

static const char usage[] =
	"Usage: retrace-interact [-c CONF] [-v] TASKID gdb|shell|crash [-- ARGS...]\n"
	"       retrace-interact [-c CONF] TASKID printdir|delete|set-success|set-fail\n";

/* root, or a member of group (the real or a supplementary group) */
static bool may_use(const char *group)
{
	struct group *g;
	gid_t groups[256];
	int n;

	if (geteuid() == 0)
		return true;
	g = getgrnam(group);
	if (!g)
		return false;
	if (getgid() == g->gr_gid || getegid() == g->gr_gid)
		return true;
	n = getgroups((int)ELEMENTSOF(groups), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == g->gr_gid)
			return true;
	return false;
}

/* The value of "KEY VALUE" in a description, or NULL. */
static char *desc_value(const char *text, const char *key)
{
	size_t len;
	const char *v = text_value(text, key, false, &len);

	return v ? strndup(v, len) : NULL;
}

struct session {
	struct worker w;
	struct task t;
	char *desc;        /* rootfs or kernel */
	const char *const *args;
	size_t nargs;
	bool verbose;
};

static int fail(struct session *s, const char *fmt, ...) _printf_(2, 3);
static int fail(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->verbose && s->t.log.data)
		fputs(s->t.log.data, stderr);
	fputs("retrace-interact: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Run argv over the stacks and binds in the task's sandbox; the tool's exit status. */
static int run(struct session *s, const char *const *tools, size_t ntools, const struct sandbox_stack *stacks,
	       size_t nstacks, const struct sandbox_bind *binds, size_t nbinds, const char **argv, size_t n,
	       const struct sock_fprog *policy)
{
	_cleanup_free_ char *err = NULL;
	struct sandbox_opts o;
	struct sandbox_result res = { 0 };
	int r;

	for (size_t i = 0; i < s->nargs && n + 1 < INTERACT_MAX_ARGS + 32; i++)
		argv[n++] = s->args[i];
	argv[n] = NULL;
	sandbox_opts_default(&o);
	o.argv = argv;
	o.stdin_fd = STDIN_FILENO;
	o.stdout_fd = STDOUT_FILENO;
	o.stderr_fd = STDERR_FILENO;
	if (s->verbose && s->t.log.data)
		fputs(s->t.log.data, stderr);
	r = task_run_tool(&s->t, policy, tools, ntools, stacks, nstacks, binds, nbinds, &o, &res, &err);
	if (r < 0)
		return fail(s, "the sandbox: %s", err ? err : strerror(-r));
	if (!res.exited)
		return fail(s, "%s was killed by signal %d%s", argv[0], res.signal,
			    res.signal == SIGSYS ? " (a system call the policy forbids)" : "");
	return res.exit_status;
}

/*
 * The debuginfo the worker had from DebuginfodUpstreamURLs ("upstream-debuginfo
 * HEX" lines): linked again from the upstream cache into a layer of this
 * session's own, removed when it ends.
 */
static int upstream_relink(struct session *s, struct upstream *u, const char *name, struct layers *layers,
			   char **ret_error)
{
	_cleanup_free_ char *path = NULL;
	int r = upstream_open(u, s->w.cfg, ret_error);

	if (r < 0)
		return r;
	for (const char *l = s->desc; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char hex[DBGD_HEX_MAX + 1];
		size_t len;
		if (strncmp(l, "upstream-debuginfo ", 19) != 0)
			continue;
		len = strcspn(l + 19, "\n");
		if (len < 2 || len > DBGD_HEX_MAX || strspn(l + 19, "0123456789abcdef") < len)
			return error_set(ret_error, -EINVAL, "its rootfs names a malformed build-id");
		memcpy(hex, l + 19, len);
		hex[len] = '\0';
		r = upstream_layer_add(u, name, hex);
		if (r < 0)
			return error_set(ret_error, r, "the debuginfo of %s from upstream is gone from %s: %s", hex,
					 u->dir, strerror(-r));
	}
	path = upstream_layer_path(u, name);
	if (!path)
		return error_set(ret_error, -ENOMEM, "out of memory");
	r = task_layers_add_dir(layers, path);
	return r < 0 ? error_set(ret_error, r, "too many layers") : 0;
}

/* gdb or a shell over a kept coredump task's root */
static int coredump_session(struct session *s, bool shell)
{
	struct worker *w = &s->w;
	char *release = desc_value(s->desc, "release"), *exe = desc_value(s->desc, "executable");
	_cleanup_free_ char *err = NULL, *core = NULL, *file_cmd = NULL;
	struct layers layers = { .desc = BUF_INIT(ROOTFS_MAX_FILE_LIST) }, tools = { .desc = BUF_INIT(ROOTFS_MAX_FILE_LIST) };
	struct rrepo *repo = NULL;
	struct pkg_keyring *keyring = NULL;
	const char *sysroot_layers[ROOTFS_MAX_LAYERS + 1];
	const char *argv[INTERACT_MAX_ARGS + 32];
	struct sock_fprog *shell_policy = NULL;
	size_t n = 0, upstream_ids = 0;
	struct upstream up = { .fd = -1 };
	char up_name[64];
	Queue q;
	int r, rc;

	queue_init(&q);
	snprintf(up_name, sizeof(up_name), "interact-%s-%d", s->t.idstr, (int)getpid());
	if (!release) {
		rc = fail(s, "task %s: its rootfs names no release (kept by an older worker): restart it", s->t.idstr);
		goto out;
	}
	snprintf(s->t.release, sizeof(s->t.release), "%s", release);
	r = rrepo_open(w->repodir_fd, release, 0, &repo, &err);
	if (r < 0) {
		rc = fail(s, "release %s is not served here any more: %s", release, err ? err : strerror(-r));
		goto out;
	}
	/* the packages: "NEVRA TREE" lines up to the tool root's */
	for (const char *l = s->desc; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char nevra[256];
		size_t len = strcspn(l, " \n");
		Id p;
		if (strncmp(l, "# the tool root", 15) == 0)
			break;
		if (!strncmp(l, "upstream-debuginfo ", 19)) {
			upstream_ids++;
			continue;
		}
		if (*l == '#' || l[len] != ' ' || len >= sizeof(nevra) || !strncmp(l, "tools ", 6) ||
		    !strncmp(l, "release ", 8) || !strncmp(l, "executable ", 11))
			continue;
		memcpy(nevra, l, len);
		nevra[len] = '\0';
		p = rrepo_find(repo, nevra);
		if (!p) {
			rc = fail(s, "package %s is no longer in release %s", nevra, release);
			goto out;
		}
		queue_push(&q, p);
	}
	free(err);
	err = NULL;
	r = task_keyring(&s->t, release, &keyring, &err);
	if (r == 0) {
		const Queue *qs[] = { &q };
		r = task_get_layers(&s->t, repo, qs, 1, keyring, &layers, &err);
	}
	if (r == 0 && layers.n == 0)
		r = error_set(&err, -ENOENT, "its rootfs lists no package");
	if (r == 0 && upstream_ids)
		r = upstream_relink(s, &up, up_name, &layers, &err);
	if (r == 0)
		r = task_tool_layers(&s->t, "gdb", &tools, &err);
	if (r < 0) {
		rc = fail(s, "task %s: %s", s->t.idstr, err ? err : strerror(-r));
		goto out;
	}
	if (!layers.paths || layers.n > ROOTFS_MAX_LAYERS ||
	    asprintf(&core, "%s/%s/crash/coredump", w->spool.path, s->t.idstr) < 0) {
		rc = fail(s, "task %s: %zu layers", s->t.idstr, layers.n);
		goto out;
	}
	memcpy(sysroot_layers, layers.paths, layers.n * sizeof(*layers.paths));
	sysroot_layers[layers.n] = w->skeleton;
	struct sandbox_stack sysroot = { .dst = "/sysroot", .layers = sysroot_layers, .nlayers = layers.n + 1 };
	struct sandbox_bind bind = { .src = core, .dst = "/core" };
	if (shell) {
		fprintf(stderr, "retrace-interact: task %s: the crash's root is /sysroot, its core /core; exit "
				"or end of input leaves\n", s->t.idstr);
		argv[n++] = "/bin/sh";
	} else {
		argv[n++] = "/usr/bin/gdb";
		if (gdb_argv_core(argv, &n, exe && strcmp(exe, "-") != 0 ? exe : NULL, &file_cmd) < 0) {
			rc = fail(s, "out of memory");
			goto out;
		}
	}
	if (shell) {
		_cleanup_free_ char *path = NULL;
		free(err);
		err = NULL;
		if (asprintf(&path, "%s/shell.policy", w->cfg->seccomp_policy_dir) < 0 ||
		    seccomp_policy_bpf_file(path, 0, &shell_policy, &err) < 0) {
			rc = fail(s, "SeccompPolicyDir: %s", err ? err : "out of memory");
			goto out;
		}
	}
	rc = run(s, tools.paths, tools.n, &sysroot, 1, &bind, 1, argv, n, shell ? shell_policy : w->gdb_policy);
out:
	if (up.fd >= 0) {
		upstream_layer_remove(&up, up_name);
		upstream_close(&up);
	}
	free(shell_policy);
	free(release);
	free(exe);
	task_layers_release(&layers);
	task_layers_release(&tools);
	pkg_keyring_free(keyring);
	rrepo_free(repo);
	queue_free(&q);
	return rc;
}

/* crash over a kept kernel task's dump and debuginfo */
static int kernel_session(struct session *s)
{
	struct worker *w = &s->w;
	char *vmlinux = desc_value(s->desc, "vmlinux"), *mods = desc_value(s->desc, "modules");
	_cleanup_free_ char *dump = NULL, *err = NULL;
	struct layers tools = { .desc = BUF_INIT(ROOTFS_MAX_FILE_LIST) };
	struct sandbox_bind binds[3];
	const char *argv[INTERACT_MAX_ARGS + 32];
	size_t nb = 0, n = 0;
	int r, rc;

	if (!vmlinux || access(vmlinux, R_OK) < 0) {
		rc = fail(s, "task %s: the kernel debuginfo's tree (%s) is gone from the rootfs cache, or the "
			     "task had none: retrace-task restart %s makes it again",
			  s->t.idstr, vmlinux ? vmlinux : "none named", s->t.idstr);
		goto out;
	}
	r = task_tool_layers(&s->t, "crash", &tools, &err);
	if (r < 0) {
		rc = fail(s, "task %s: %s", s->t.idstr, err ? err : strerror(-r));
		goto out;
	}
	if (asprintf(&dump, "%s/%s/crash/vmcore", w->spool.path, s->t.idstr) < 0) {
		rc = fail(s, "out of memory");
		goto out;
	}
	binds[nb++] = (struct sandbox_bind){ .src = dump, .dst = "/vmcore" };
	binds[nb++] = (struct sandbox_bind){ .src = vmlinux, .dst = "/kernel/vmlinux" };
	if (mods && strcmp(mods, "-") != 0 && access(mods, R_OK) == 0)
		binds[nb++] = (struct sandbox_bind){ .src = mods, .dst = "/kernel/modules" };
	fprintf(stderr, "retrace-interact: task %s: crash over /vmcore with /kernel/vmlinux%s\n", s->t.idstr,
		nb == 3 ? "; the modules' debuginfo is under /kernel/modules (mod -S /kernel/modules)" : "");
	argv[n++] = "/usr/bin/crash";
	argv[n++] = "--no_crashrc";
	argv[n++] = "/kernel/vmlinux";
	argv[n++] = "/vmcore";
	rc = run(s, tools.paths, tools.n, NULL, 0, binds, nb, argv, n, w->crash_policy);
out:
	task_layers_release(&tools);
	free(vmlinux);
	free(mods);
	return rc;
}

int main(int argc, char **argv)
{
	const char *config = NULL, *action;
	struct session s = { 0 };
	struct config cfg;
	struct task_info ti;
	char *err = NULL;
	uint32_t id = 0;
	int c, r, rc = 1;

	while ((c = getopt(argc, argv, "+c:vh")) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			s.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (spool_task_id_parse(argv[optind], strlen(argv[optind]), &id) < 0) {
		fprintf(stderr, "retrace-interact: not a task id (9 digits): %s\n", argv[optind]);
		return 2;
	}
	action = argv[optind + 1];
	if (optind + 2 < argc) {
		if (strcmp(argv[optind + 2], "--") != 0 ||
		    (strcmp(action, "gdb") != 0 && strcmp(action, "shell") != 0 && strcmp(action, "crash") != 0)) {
			fputs(usage, stderr);
			return 2;
		}
		s.args = (const char *const *)argv + optind + 3;
		s.nargs = (size_t)(argc - optind - 3);
		if (s.nargs > INTERACT_MAX_ARGS) {
			fprintf(stderr, "retrace-interact: at most %d arguments after --\n", INTERACT_MAX_ARGS);
			return 2;
		}
	}
	log_init("retrace-interact", LOG_LVL_WARN);
	r = config_load(config, &cfg, &err);
	if (r < 0) {
		fprintf(stderr, "retrace-interact: %s\n", err ? err : strerror(-r));
		free(err);
		return 1;
	}
	if (!may_use(cfg.admin_group)) {
		fprintf(stderr, "retrace-interact: only root and members of group '%s' (AdminGroup) may use it\n",
			cfg.admin_group);
		config_release(&cfg);
		return 1;
	}
	/* as root: the worker's user, with the cgroups the worker would hand itself */
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(cfg.run_as_user);
		if (pw && pw->pw_uid != 0)
			sandbox_cgroup_delegate(pw->pw_uid, pw->pw_gid);
		r = drop_to_user(cfg.run_as_user, &err);
		if (r < 0) {
			fprintf(stderr, "retrace-interact: %s\n", err);
			goto out;
		}
	}
	r = spool_open(cfg.save_dir, &s.w.spool);
	if (r < 0) {
		fprintf(stderr, "retrace-interact: SaveDir %s: %s\n", cfg.save_dir, strerror(-r));
		goto out;
	}
	s.t.id = id;
	spool_task_id_format(id, s.t.idstr);
	if (lifecycle_inspect(&s.w.spool, id, &ti) < 0) {
		fprintf(stderr, "retrace-interact: no task %s\n", s.t.idstr);
		goto out;
	}

	if (strcmp(action, "printdir") == 0) {
		printf("%s/%s\n", s.w.spool.path, s.t.idstr);
		rc = 0;
	} else if (strcmp(action, "delete") == 0 || strcmp(action, "set-success") == 0 ||
		   strcmp(action, "set-fail") == 0) {
		r = action[0] == 'd' ? lifecycle_delete(&s.w.spool, &cfg, id, &err)
				     : lifecycle_set_result(&s.w.spool, id, strcmp(action, "set-success") == 0, &err);
		if (r < 0)
			fprintf(stderr, "retrace-interact: %s\n", err);
		else
			printf("task %s: %s\n", s.t.idstr,
			       action[0] == 'd' ? "deleted" : action[4] == 's' ? "FINISHED_SUCCESS" : "FINISHED_FAILURE");
		rc = r < 0;
	} else if (strcmp(action, "gdb") == 0 || strcmp(action, "shell") == 0 || strcmp(action, "crash") == 0) {
		bool kernel = strcmp(action, "crash") == 0;
		const char *descname = kernel ? "kernel" : "rootfs";

		if (ti.phase != PHASE_FINISHED) {
			fprintf(stderr, "retrace-interact: task %s is %s: its environment exists once it has finished\n",
				s.t.idstr, task_phase_to_string(ti.phase));
			goto out;
		}
		if (kernel ? ti.type != TASK_VMCORE_INTERACTIVE : ti.type != TASK_DEBUG && ti.type != TASK_RETRACE_INTERACTIVE) {
			fprintf(stderr, "retrace-interact: task %s is of type %d: %s\n", s.t.idstr, (int)ti.type,
				kernel ? "crash needs an interactive kernel task (type 4)"
				       : "gdb and shell need a debug (1) or interactive coredump task (3), which keep their "
					 "environment");
			goto out;
		}
		if (!ti.crash_data) {
			fprintf(stderr, "retrace-interact: task %s has no crash data any more\n", s.t.idstr);
			goto out;
		}
		spool_close(&s.w.spool);
		signal(SIGPIPE, SIG_IGN); /* the tool may close its stdin */
		r = worker_init(&s.w, &cfg, &err);
		if (r < 0) {
			fprintf(stderr, "retrace-interact: %s\n", err ? err : strerror(-r));
			goto out;
		}
		s.t.w = &s.w;
		s.t.type = ti.type;
		s.t.log = (struct buf)BUF_INIT(1 << 20);
		s.t.t0 = monotonic_seconds();
		s.t.interactive = true;
		s.t.crashfd = -1;
		r = spool_task_open(&s.w.spool, id, &s.t.dirfd);
		if (r == 0)
			r = read_file_at(s.t.dirfd, descname, 4 << 20, &s.desc, NULL);
		if (r < 0) {
			fprintf(stderr, "retrace-interact: task %s: no %s description (%s): was it retraced "
					"successfully?\n", s.t.idstr, descname, strerror(-r));
			goto out;
		}
		rc = kernel ? kernel_session(&s) : coredump_session(&s, strcmp(action, "shell") == 0);
	} else {
		fprintf(stderr, "retrace-interact: unknown action '%s'\n%s", action, usage);
		rc = 2;
	}
out:
	free(err);
	free(s.desc);
	buf_release(&s.t.log);
	if (s.t.dirfd > 0)
		close(s.t.dirfd);
	if (s.t.w)
		worker_release(&s.w);
	else
		spool_close(&s.w.spool);
	config_release(&cfg);
	return rc;
}
