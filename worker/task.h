/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * task.h - what the worker's two pipelines share (internal to worker/):
 * the task being run, its log, its end, the sandbox runner and the cached
 * package trees (task.c). coretask.c runs coredump tasks, kernel.c kernel
 * tasks; worker.c hands a task to one of them. Neither pipeline knows the
 * other, and task.c knows neither.
 */
#ifndef RETRACE_WORKER_TASK_H
#define RETRACE_WORKER_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "common/spool.h"
#include "common/util.h"
#include "rootfs-cache/cache.h"
#include "sandbox/sandbox.h"
#include "solver/repo.h"
#include "worker/analyze.h"
#include "worker/worker.h"

struct pkg_keyring;

struct task {
	struct worker *w;
	uint32_t id;
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	int dirfd, crashfd;
	enum task_type type;
	struct buf log;
	double t0, t_step;
	int64_t start_time;
	uint64_t core_size;
	char release[RELEASE_GUESS_MAX];
	char *package;    /* the client's package file, or NULL */
	char *executable; /* the client's executable file, or NULL */
	char *os_release;
	const char *arch;
	const char *step; /* for the failure line */
	bool own_process;  /* the task's own process: task_finish() retries its last writes, test_pause() */
	bool test_paused;  /* test_pause() stopped it already */
	/* made at the task's start, while it unpacks and resolves; the first tool run takes it */
	struct sandbox_prepared *sandbox;
	/* retrace-interact's session: no ProcessCommunicateTimeout, the caller's stdin */
	bool interactive;
};

/* Cached package trees, in stack order. */
struct layers {
	struct rcache_tree *trees; /* [0..ntrees): paths[0..ntrees) are their roots */
	size_t ntrees;
	const char **paths;
	size_t n;
	char *extra; /* a layer after the trees (task_layers_add_dir), owned */
	struct buf desc; /* "NEVRA TREE" lines: the root description kept by debug tasks */
};

/* The administrator's programs of a hook (worker/hooks.h), their lines in the task's log. */
void task_hook(struct task *t, const char *hook);

/* A line of retrace_log, with the time since the task started. */
void tlog(struct task *t, const char *fmt, ...) _printf_(2, 3);
/* The first max lines of a tool's output, each a log line "WHO: line" (text may be NULL). */
void task_log_lines(struct task *t, const char *who, const char *text, unsigned max);
/* NAME (started_time, finished_time): the time now, in seconds, atomically written. */
int task_write_time(struct task *t, const char *name);
void task_set_status(struct task *t, enum task_status s);
/* Log the time of the step that ends now. */
void task_step_done(struct task *t, const char *what);
/* Longest pause between two tries of a task's last writes (the disk is full). */
#define TASK_END_RETRY_MAX_S 10
/*
 * The end of every task: the statistics, the log, the status, the crash
 * data of a normal task (task_type_keeps_crash_data()) removed, finished_time
 * last. Returns 0; <0 only when the last writes failed and t->own_process is
 * not set (with it, they are tried again until they succeed).
 */
int task_finish(struct task *t, bool success);
/* Fail the task at t->step with this reason (logged), then task_finish(). Returns 0. */
int task_fail(struct task *t, const char *fmt, ...) _printf_(2, 3);

/* A memfd's whole contents, NUL-terminated. */
int memfd_text(int fd, char **ret);

/*
 * Run o->argv (argv, output fds and limits set after sandbox_opts_default())
 * in the sandbox at the task's .root under the compiled seccomp policy `policy`,
 * for at most ProcessCommunicateTimeout. The root is the stack of `tools`
 * (ToolRoot = <release-id>) or, with none, the skeleton with the host's /usr
 * and /etc/ld.so.cache bound read-only; `stacks` and `binds` come on top.
 */
int task_run_tool(struct task *t, const struct sock_fprog *policy, const char *const *tools, size_t ntools,
		  const struct sandbox_stack *stacks, size_t nstacks, const struct sandbox_bind *binds,
		  size_t nbinds, struct sandbox_opts *o, struct sandbox_result *res, char **ret_error);

/* The keyring of a release when RequireGPGCheck = 1 (else *ret = NULL). */
int task_keyring(struct task *t, const char *release, struct pkg_keyring **ret, char **ret_error);
/*
 * The tree of package p of repo from the rootfs cache (verified and
 * extracted when missing); with variant, the partial tree of the paths in
 * only (rcache_request). Errors name the package.
 */
int task_cache_get(struct rcache *cache, const struct rrepo *repo, Id p, const struct pkg_keyring *keyring,
		   const char *variant, const char *const *only, struct rcache_tree *tree, char **ret_error);
/* The cached trees of the packages in qs (extracted when missing), in order. */
int task_get_layers(struct task *t, struct rrepo *repo, const Queue *const *qs, size_t nq,
		    const struct pkg_keyring *keyring, struct layers *l, char **ret_error);
void task_layers_release(struct layers *l);
/* One more layer, a directory of the caller's (copied), after the packages'. */
int task_layers_add_dir(struct layers *l, const char *dir);
/* ToolRoot = <release>: the tool and its closure from that release; host: nothing to do. */
int task_tool_layers(struct task *t, const char *tool, struct layers *tools, char **ret_error);

/* A coredump task (types 0 and 1): coretask.c. */
/* Releases served for one arch (RepoDir/<dist>-<ver>-<arch>) looked at, at most. */
#define TASK_MAX_RELEASES 64
/* The releases served for arch, sorted, `first` (when served) at the front;
 * out[0..return) are the caller's to free. */
size_t task_releases_of_arch(struct task *t, const char *arch, const char *first, char **out, size_t max);

/*
 * gdb's options after argv[0] (and -batch) up to the loaded core, as the
 * worker runs it and retrace-interact re-enters it: the packages' stack at
 * /sysroot (debuginfo, sources), the executable exe (NULL: none) from
 * there, the core at /core. Appends at argv[*n] (13 entries at most);
 * *ret_file_cmd is the caller's to free.
 */
#define GDB_ARGV_CORE_MAX 15
int gdb_argv_core(const char **argv, size_t *n, const char *exe, char **ret_file_cmd);
/* Fetch the task's remote resources into crash/ (worker/remote.c), best
 * effort: its FTP file (an FTP task of the task manager), its `remote` URLs. */
void task_fetch_remote(struct task *t);
/* List FTPDir on FTPHost into SaveDir/.ftp-listing (UseFTPTasks): how many
 * names, or -errno (the file then says the error). Blocks up to 90 s. */
int ftp_list_write(const struct config *cfg, struct spool *s);

struct coredump;
/* exploitable_rate() with the core's signal, siginfo and faulting thread's registers. */
void exploitable_rate_core(const struct coredump *cd, const char *pc_line, struct exploitable *ret);
int coredump_task(struct task *t);
/* A kernel task (types 2 and 4): kernel.c. */
int vmcore_task(struct task *t);

#endif
