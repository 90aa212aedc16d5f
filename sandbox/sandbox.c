/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sandbox/sandbox.h"
#include "sandbox/seccomp-policy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/limits.h"
#include "common/util.h"
#include "common/macro.h"
#include "rootfs-cache/stack.h"
#include "sandbox/cgroup.h"
#include "sandbox/confine.h"

#define STATUS_FD 3 /* in the sandbox: where setup failures are reported */
#define STACK_UPPER_BYTES ROOTFS_UPPER_BYTES

void sandbox_opts_default(struct sandbox_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 300 * 1000;
	o->memory_bytes = 4ULL << 30;
	o->max_procs = 64;
	o->cpu_seconds = 600;
	o->max_files = 256;
	o->max_file_size = 256ULL << 20;
	o->tmp_bytes = 256ULL << 20;
	o->max_output = 64ULL << 20;
	o->stdout_fd = STDOUT_FILENO;
	o->stdin_fd = -1;
	o->stderr_fd = STDERR_FILENO;
}

/* --- inside: setup failures go to the status pipe, then _exit(127) ------- */

_noreturn_ static void die(const char *fmt, ...) _printf_(1, 2);
_noreturn_ static void die(const char *fmt, ...)
{
	char msg[512];
	int e = errno, n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(msg) && e)
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(e));
	(void)write_all(STATUS_FD, msg, strnlen(msg, sizeof(msg)));
	_exit(127);
}

static char *join(const char *a, const char *b)
{
	char *p;
	if (asprintf(&p, "%s%s%s", a, b[0] == '/' ? "" : "/", b) < 0)
		die("out of memory");
	return p;
}

static void bind_mount(const char *src, const char *dst, bool writable, unsigned long extra)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("binding %s on %s", src, dst);
	/* nosuid always: a setuid file in a bind gains nothing in here. */
	if (mount(NULL, dst, NULL,
		  MS_REMOUNT | MS_BIND | MS_NOSUID | extra | (writable ? 0 : MS_RDONLY) |
			  mount_locked_flags(dst),
		  NULL) < 0)
		die("remounting %s %s", dst, writable ? "read-write" : "read-only");
}

static const struct sandbox_stack *root_stack(const struct sandbox_opts *o)
{
	for (size_t i = 0; i < o->nstacks; i++)
		if (strcmp(o->stacks[i].dst, "/") == 0)
			return &o->stacks[i];
	return NULL;
}

/* mkdir -p inside the new root (before it is read-only) */
static void make_dir(const char *path)
{
	char p[4096];
	size_t n = strlen(path);

	if (n >= sizeof(p))
		die("path too long: %s", path);
	memcpy(p, path, n + 1);
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				die("creating %s", p);
			*s = c;
			if (!c)
				break;
		}
	}
}

static void mount_stack(const char *dst, const struct sandbox_stack *st)
{
	char *err = NULL;
	const char *method;
	int k = stack_mount(dst, st->layers, st->nlayers, STACK_UPPER_BYTES, 0, &method, &err);
	if (k < 0) {
		errno = -k;
		die("mounting the stack at %s: %s", st->dst, err ? err : "");
	}
}

/* Make dst (inside the new root) exist as the same kind of thing as src. */
static void make_target(const char *src, const char *dst)
{
	struct stat st;

	if (stat(src, &st) < 0)
		die("bind source %s", src);
	if (access(dst, F_OK) == 0)
		return;
	{
		char parent[4096];
		snprintf(parent, sizeof(parent), "%s", dst);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			make_dir(parent);
		}
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, 0755) < 0)
			die("creating %s", dst);
	} else {
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			die("creating %s", dst);
		close(fd);
	}
}

static void setup_mounts(const struct sandbox_opts *o)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom" };
	int devfd[ELEMENTSOF(devs)];
	char opts[64];

	/*
	 * The host's device nodes, held before anything is mounted: the root
	 * may be the host's own / (a test of seccomp alone), whose /dev our
	 * tmpfs is about to cover.
	 */
	for (size_t i = 0; i < ELEMENTSOF(devs); i++) {
		char *src = join("/dev", devs[i]);
		devfd[i] = open(src, O_PATH | O_CLOEXEC);
		if (devfd[i] < 0)
			die("opening %s", src);
	}
	/* the sources of the binds too, for the same reason (they may be in /tmp) */
	int *bindfd = calloc(o->nbinds ? o->nbinds : 1, sizeof(int));
	if (!bindfd)
		die("out of memory");
	for (size_t i = 0; i < o->nbinds; i++) {
		bindfd[i] = open(o->binds[i].src, O_PATH | O_CLOEXEC);
		if (bindfd[i] < 0)
			die("bind source %s", o->binds[i].src);
	}

	/* Nothing from here on leaks back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("making / private");
	/* The root: a stack, or bound on itself so that it is a mount we can pivot to. */
	if (root_stack(o))
		mount_stack(o->root, root_stack(o));
	else if (mount(o->root, o->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("binding the root %s", o->root);
	/* the mount points (a stack's writable layer takes them; a bound root has them) */
	{
		static const char *const dirs[] = { "proc", "dev", "tmp" };
		for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
			make_dir(join(o->root, dirs[i]));
	}
	for (size_t i = 0; i < o->nstacks; i++) {
		if (strcmp(o->stacks[i].dst, "/") == 0)
			continue;
		char *dst = join(o->root, o->stacks[i].dst);
		make_dir(dst);
		mount_stack(dst, &o->stacks[i]);
	}

	/* A /proc of our own pid namespace: it shows only the sandbox. */
	if (mount("proc", join(o->root, "proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mounting %s/proc", o->root);
	/* ...and its knobs of the kernel read-only, as bubblewrap does. */
	{
		static const char *const ro[] = { "proc/sys", "proc/sysrq-trigger", "proc/irq",
						  "proc/bus", "proc/fs" };
		for (size_t i = 0; i < ELEMENTSOF(ro); i++) {
			char *p = join(o->root, ro[i]);
			if (access(p, F_OK) == 0)
				bind_mount(p, p, false, MS_NODEV | MS_NOEXEC);
		}
	}

	/* /dev: a tmpfs holding only five harmless devices. */
	if (mount("tmpfs", join(o->root, "dev"), "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=64k,nr_inodes=64") < 0)
		die("mounting %s/dev", o->root);
	for (size_t i = 0; i < ELEMENTSOF(devs); i++) {
		char src[64], *dst = join(join(o->root, "dev"), devs[i]);
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			die("creating %s", dst);
		close(fd);
		snprintf(src, sizeof(src), "/proc/self/fd/%d", devfd[i]);
		bind_mount(src, dst, true, MS_NOEXEC);
		close(devfd[i]);
	}
	if (symlink("/proc/self/fd", join(o->root, "dev/fd")) < 0)
		die("creating /dev/fd");
	/* Nothing new can be created in /dev. */
	if (mount(NULL, join(o->root, "dev"), NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=64k,nr_inodes=64") < 0)
		die("remounting %s/dev read-only", o->root);

	/* A private, size-limited /tmp: gdb's fallbacks write there. */
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu,nr_inodes=4096",
		 (unsigned long long)o->tmp_bytes);
	if (mount("tmpfs", join(o->root, "tmp"), "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		die("mounting %s/tmp", o->root);

	for (size_t i = 0; i < o->nbinds; i++) {
		char src[64], *dst = join(o->root, o->binds[i].dst);
		snprintf(src, sizeof(src), "/proc/self/fd/%d", bindfd[i]);
		make_target(src, dst);
		bind_mount(src, dst, o->binds[i].writable, MS_NODEV);
		close(bindfd[i]);
	}
	free(bindfd);

	/* The stacks read-only too (their writable layer took the mount points). */
	for (size_t i = 0; i < o->nstacks; i++) {
		if (strcmp(o->stacks[i].dst, "/") == 0)
			continue;
		char *dst = join(o->root, o->stacks[i].dst);
		if (mount(NULL, dst, NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | mount_locked_flags(dst),
			  NULL) < 0)
			die("remounting the stack at %s read-only", o->stacks[i].dst);
	}
	/* Everything else read-only. */
	if (mount(NULL, o->root, NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | mount_locked_flags(o->root),
		  NULL) < 0)
		die("remounting the root read-only");

	/* pivot_root(".", "."), then detach the old root stacked under it. */
	if (chdir(o->root) < 0)
		die("chdir %s", o->root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
}

static void detach_old_root(void)
{
	if (umount2(".", MNT_DETACH) < 0)
		die("detaching the old root");
	if (chdir("/") < 0)
		die("chdir /");
}

static void set_limit(int res, uint64_t v, const char *name)
{
	struct rlimit rl = { .rlim_cur = v, .rlim_max = v };
	if (setrlimit(res, &rl) < 0)
		die("setting %s", name);
}

/* The compiled filter as BPF, made in the supervisor (or given): the
 * program's side then loads it with one syscall and no allocation. */
static const struct sock_fprog *bpf_prog;
static struct sock_fprog *bpf_owned; /* compiled here from policy_file */

_noreturn_ static void run_program(const struct sandbox_opts *o, int in_r, int out_w, int err_w)
{
	static const char *const default_env[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", "LC_ALL=C",
						   "TERM=dumb", NULL };

	/* A new session: no controlling terminal, so no TIOCSTI into it. */
	if (setsid() < 0)
		die("setsid");
	/* stdin: a pipe the supervisor feeds from stdin_fd, or closes at once (EOF) */
	if (dup2(in_r, STDIN_FILENO) < 0 || dup2(out_w, STDOUT_FILENO) < 0 || dup2(err_w, STDERR_FILENO) < 0)
		die("setting up fds 0-2");
	/* Only 0, 1, 2 and the status pipe (close-on-exec) stay open. */
	if (syscall(SYS_close_range, STATUS_FD + 1, ~0U, 0) < 0)
		die("close_range");

	if (o->max_procs)
		set_limit(RLIMIT_NPROC, o->max_procs, "RLIMIT_NPROC");
	if (o->cpu_seconds)
		set_limit(RLIMIT_CPU, o->cpu_seconds, "RLIMIT_CPU");
	if (o->max_files)
		set_limit(RLIMIT_NOFILE, o->max_files, "RLIMIT_NOFILE");
	if (o->max_file_size)
		set_limit(RLIMIT_FSIZE, o->max_file_size, "RLIMIT_FSIZE");
	set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE"); /* a crash inside makes no core */
	set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");

	if (caps_drop_all() < 0)
		die("dropping capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS");
	/* The address space limit after the last allocation of ours. */
	if (o->memory_bytes)
		set_limit(RLIMIT_AS, o->memory_bytes, "RLIMIT_AS");
	/* Last: after this, only the policy's syscalls, and execve must be one. */
	if (bpf_prog && seccomp_bpf_load(bpf_prog) < 0)
		die("loading the seccomp filter");
	execve(o->argv[0], (char *const *)o->argv,
	       (char *const *)(o->envp ? o->envp : default_env));
	die("execve %s", o->argv[0]);
}

/*
 * The reaper is a copy of the supervisor: its /proc/1/cmdline and environ
 * would show the supervisor's command line and environment to the program.
 * Zero both in place (fields 48-51 of /proc/self/stat give where they are).
 */
static void scrub_cmdline_environ(void)
{
	char buf[2048];
	unsigned long v[4];
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	char *p;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces and parens */
	if (!p)
		return;
	/* the space after ")" starts field 3; arg_start is field 48 */
	for (int field = 2; field < 48 && p; field++)
		p = strchr(p + 1, ' ');
	for (int i = 0; i < 4; i++) {
		char *end;
		if (!p)
			return;
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (errno || end == p)
			return;
		p = end;
	}
	/* These are addresses of our own memory, given by the kernel. */
	if (v[1] > v[0] && v[1] - v[0] < (1UL << 24))
		memset((void *)v[0], 0, v[1] - v[0]); // NOLINT(performance-no-int-to-ptr)
	if (v[3] > v[2] && v[3] - v[2] < (1UL << 24))
		memset((void *)v[2], 0, v[3] - v[2]); // NOLINT(performance-no-int-to-ptr)
}

/*
 * The network namespace (only a loopback, and it is down) is made by a
 * helper while pid 1 mounts: creating one costs about half a millisecond
 * here, as long as all the mounts. The helper shares pid 1's memory (no
 * copy of it to make) and runs on its own small stack; it unshares, says
 * how that went over a pipe, and waits to be killed once pid 1 has joined
 * its namespace through a pidfd. It calls nothing but unshare, write and
 * pause. (errno is pid 1's too, so it is read at once after the failure.)
 */
struct netns_helper { /* in pid 1's frame, which outlives the helper */
	pid_t pid;
	int pidfd;
	int ready_r, ready_w;
};

static _Alignas(16) char netns_helper_stack[32768];

static int netns_helper_main(void *arg)
{
	const struct netns_helper *h = arg;
	int e = unshare(CLONE_NEWNET) < 0 ? errno : 0;

	if (write(h->ready_w, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(1);
	for (;;)
		pause();
}

static void netns_helper_start(struct netns_helper *h)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		die("a pipe for the network namespace's helper");
	h->ready_r = p[0];
	h->ready_w = p[1];
	h->pid = clone(netns_helper_main, netns_helper_stack + sizeof(netns_helper_stack),
		       CLONE_VM | CLONE_PIDFD | SIGCHLD, h, &h->pidfd);
	if (h->pid < 0)
		die("starting the network namespace's helper");
	close(h->ready_w); /* the helper has its own copy of the fd table */
}

/* Join the helper's network namespace; then the helper goes. */
static void netns_helper_join(struct netns_helper *h)
{
	int e = 0;

	if (read(h->ready_r, &e, sizeof(e)) != (ssize_t)sizeof(e)) {
		errno = 0;
		die("the network namespace's helper died");
	}
	if (e) {
		errno = e;
		die("creating the network namespace");
	}
	if (setns(h->pidfd, CLONE_NEWNET) < 0)
		die("joining the network namespace");
	/* gone before the program exists */
	if (syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0) < 0)
		die("stopping the network namespace's helper");
	while (waitpid(h->pid, NULL, 0) < 0)
		if (errno != EINTR)
			die("reaping the network namespace's helper");
	close(h->pidfd);
	close(h->ready_r);
	h->pid = -1;
}

/*
 * The program's process shares pid 1's memory until its execve, as
 * posix_spawn does (CLONE_VM | CLONE_VFORK, on a stack of its own): no
 * copy of that memory (a copy of the supervisor's) to make, and pid 1
 * waits meanwhile. The child changes only its own process's state
 * (session, fds, limits, credentials, filter), allocates only in libcap's
 * drop, and never returns.
 */
struct spawn_args {
	const struct sandbox_opts *o;
	int in_r, out_w, err_w;
};

static _Alignas(16) char spawn_stack[65536];

static int spawn_main(void *arg)
{
	const struct spawn_args *a = arg;
	run_program(a->o, a->in_r, a->out_w, a->err_w);
}

static pid_t spawn_program(const struct sandbox_opts *o, int in_r, int out_w, int err_w)
{
	struct spawn_args a = { o, in_r, out_w, err_w };
#ifdef __SANITIZE_ADDRESS__
	/*
	 * ASan cannot follow a CLONE_VM child on a stack of ours: its hook
	 * before a no-return call (die() after a failed execve) takes the
	 * stack for a corrupt one and mmaps under RLIMIT_AS. The sanitized
	 * build forks, as the sandbox did before.
	 */
	pid_t child = fork();
	if (child == 0)
		spawn_main(&a);
	(void)spawn_stack;
#else
	pid_t child = clone(spawn_main, spawn_stack + sizeof(spawn_stack),
			    CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
#endif

	if (child < 0)
		die("starting the program");
	return child;
}

/*
 * A prepared pid 1 (sandbox_prepare()) is a copy of the supervisor from
 * before the run's options existed: they come over the go pipe as a
 * header and then the strings, NUL-terminated, in this order: root, each
 * bind's source and destination, each stack's destination and layers,
 * argv, envp. Our own bytes, checked anyway: counts, sizes, and that the
 * strings are exactly the ones announced.
 */
struct opts_wire {
	uint64_t memory_bytes, max_procs, cpu_seconds, max_files, max_file_size, tmp_bytes;
	uint32_t flags, nbinds, nstacks, nlayers, nargv, nenvp; /* nenvp UINT32_MAX: envp NULL */
	uint32_t bytes; /* what follows: a writable byte per bind, a layer count (uint32) per stack, the strings */
};

#define WIRE_MAX_ITEMS 4096
#define WIRE_MAX_BYTES (4U << 20)

static size_t strv_len(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static int wire_put(struct buf *b, const char *str)
{
	return buf_append(b, str, strlen(str) + 1);
}

static int opts_send(int fd, const struct sandbox_opts *o)
{
	_cleanup_buf_ struct buf b = BUF_INIT(WIRE_MAX_BYTES);
	struct opts_wire w = {
		.memory_bytes = o->memory_bytes, .max_procs = o->max_procs,
		.cpu_seconds = o->cpu_seconds, .max_files = o->max_files,
		.max_file_size = o->max_file_size, .tmp_bytes = o->tmp_bytes,
		.flags = o->flags, .nbinds = (uint32_t)o->nbinds, .nstacks = (uint32_t)o->nstacks,
		.nargv = (uint32_t)strv_len(o->argv),
		.nenvp = o->envp ? (uint32_t)strv_len(o->envp) : UINT32_MAX,
	};
	int r = 0;

	if (o->nbinds > WIRE_MAX_ITEMS || o->nstacks > WIRE_MAX_ITEMS || w.nargv > WIRE_MAX_ITEMS ||
	    (o->envp && w.nenvp > WIRE_MAX_ITEMS))
		return -E2BIG;
	for (size_t i = 0; i < o->nbinds && r == 0; i++) {
		char wr = o->binds[i].writable;
		r = buf_append(&b, &wr, 1);
	}
	for (size_t i = 0; i < o->nstacks && r == 0; i++) {
		uint32_t n = (uint32_t)o->stacks[i].nlayers;
		w.nlayers += n;
		r = buf_append(&b, &n, sizeof(n));
	}
	if (r == 0)
		r = wire_put(&b, o->root);
	for (size_t i = 0; i < o->nbinds && r == 0; i++)
		if ((r = wire_put(&b, o->binds[i].src)) == 0)
			r = wire_put(&b, o->binds[i].dst);
	for (size_t i = 0; i < o->nstacks && r == 0; i++) {
		r = wire_put(&b, o->stacks[i].dst);
		for (size_t k = 0; k < o->stacks[i].nlayers && r == 0; k++)
			r = wire_put(&b, o->stacks[i].layers[k]);
	}
	for (size_t i = 0; i < w.nargv && r == 0; i++)
		r = wire_put(&b, o->argv[i]);
	for (size_t i = 0; o->envp && i < w.nenvp && r == 0; i++)
		r = wire_put(&b, o->envp[i]);
	if (r < 0)
		return r;
	if (w.nlayers > WIRE_MAX_ITEMS)
		return -E2BIG;
	w.bytes = (uint32_t)b.len;
	if (write_all(fd, &w, sizeof(w)) < 0 || write_all(fd, b.data, b.len) < 0)
		return -EPIPE;
	return 0;
}

static void read_exactly(int fd, void *p, size_t n, const char *what)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, (char *)p + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			errno = k < 0 ? errno : 0;
			die("reading %s", what);
		}
		got += (size_t)k;
	}
}

/* In a prepared pid 1: the run's options, on the heap (never freed: we exec or exit). */
static const struct sandbox_opts *opts_recv(int fd)
{
	struct sandbox_opts *o = calloc(1, sizeof(*o));
	struct sandbox_bind *binds;
	struct sandbox_stack *stacks;
	const char **strs, **argv, **envp = NULL;
	struct opts_wire w;
	size_t nstr, k = 0, fixed;
	char *data, *s, *end;

	errno = 0;
	read_exactly(fd, &w, sizeof(w), "the run's options");
	if (w.nbinds > WIRE_MAX_ITEMS || w.nstacks > WIRE_MAX_ITEMS || w.nlayers > WIRE_MAX_ITEMS ||
	    w.nargv == 0 || w.nargv > WIRE_MAX_ITEMS ||
	    (w.nenvp != UINT32_MAX && w.nenvp > WIRE_MAX_ITEMS) || w.bytes > WIRE_MAX_BYTES)
		die("the run's options are out of bounds");
	fixed = w.nbinds + (size_t)w.nstacks * sizeof(uint32_t);
	nstr = 1 + 2 * (size_t)w.nbinds + w.nstacks + w.nlayers + w.nargv +
	       (w.nenvp == UINT32_MAX ? 0 : w.nenvp);
	data = malloc((size_t)w.bytes + 1);
	strs = calloc(nstr, sizeof(*strs));
	binds = calloc(w.nbinds + 1, sizeof(*binds));
	stacks = calloc(w.nstacks + 1, sizeof(*stacks));
	argv = calloc(w.nargv + 1, sizeof(*argv));
	if (w.nenvp != UINT32_MAX)
		envp = calloc((size_t)w.nenvp + 1, sizeof(*envp));
	if (!o || !data || !strs || !binds || !stacks || !argv || (w.nenvp != UINT32_MAX && !envp))
		die("out of memory");
	read_exactly(fd, data, w.bytes, "the run's options");
	data[w.bytes] = '\0';
	if (fixed > w.bytes)
		die("the run's options are short");
	/* the strings: exactly nstr of them, filling the rest */
	for (s = data + fixed, end = data + w.bytes; s < end && k < nstr; k++) {
		strs[k] = s;
		s += strlen(s) + 1;
	}
	if (k != nstr || s != end)
		die("the run's options hold %zu strings, not %zu", k, nstr);
	k = 0;
	o->root = strs[k++];
	for (uint32_t i = 0; i < w.nbinds; i++) {
		binds[i].writable = data[i] != 0;
		binds[i].src = strs[k++];
		binds[i].dst = strs[k++];
	}
	{
		size_t layers_left = w.nlayers;
		for (uint32_t i = 0; i < w.nstacks; i++) {
			uint32_t n;
			memcpy(&n, data + w.nbinds + (size_t)i * sizeof(n), sizeof(n));
			if (n == 0 || n > layers_left)
				die("the run's options: a stack of %u layers", n);
			layers_left -= n;
			stacks[i].dst = strs[k++];
			stacks[i].layers = strs + k;
			stacks[i].nlayers = n;
			k += n;
		}
		if (layers_left)
			die("the run's options: %zu layers left over", layers_left);
	}
	for (uint32_t i = 0; i < w.nargv; i++)
		argv[i] = strs[k++];
	for (uint32_t i = 0; envp && i < w.nenvp; i++)
		envp[i] = strs[k++];
	if (!o->root || !argv[0] || o->root[0] != '/' || argv[0][0] != '/')
		die("the run's options: the root and the program must be absolute paths");
	o->binds = binds;
	o->nbinds = w.nbinds;
	o->stacks = stacks;
	o->nstacks = w.nstacks;
	o->argv = argv;
	o->envp = envp;
	o->flags = w.flags;
	o->memory_bytes = w.memory_bytes;
	o->max_procs = w.max_procs;
	o->cpu_seconds = w.cpu_seconds;
	o->max_files = w.max_files;
	o->max_file_size = w.max_file_size;
	o->tmp_bytes = w.tmp_bytes;
	return o;
}

/* pid 1 of the sandbox: set up, start the program, reap, exit with its status. */
/* The policy is compiled after the clone and comes over the go pipe. */
static bool late_filter(const struct sandbox_opts *o)
{
	return !o->bpf && o->policy_file && !(o->flags & SANDBOX_NO_SECCOMP);
}

/* In the child: "length, then the instructions" from the supervisor. */
static void read_filter(int fd)
{
	uint16_t len;
	struct sock_fprog *prog;
	size_t got = 0, size;

	if (read(fd, &len, sizeof(len)) != (ssize_t)sizeof(len) || len == 0 || len > BPF_MAXINSNS)
		die("reading the seccomp filter");
	size = (size_t)len * sizeof(struct sock_filter);
	prog = calloc(1, sizeof(*prog) + size);
	if (!prog)
		die("out of memory");
	prog->len = len;
	prog->filter = (struct sock_filter *)(prog + 1);
	while (got < size) {
		ssize_t n = read(fd, (char *)prog->filter + got, size - got);
		if (n <= 0)
			die("reading the seccomp filter");
		got += (size_t)n;
	}
	bpf_prog = prog;
}

/* Close every fd but those in keep (the array is sorted here). */
static void close_all_but(int *keep, size_t n)
{
	unsigned from = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int x = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = x;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < from)
			continue;
		if ((unsigned)keep[i] > from && syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0) < 0)
			_exit(127);
		from = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		_exit(127);
}

/*
 * o NULL: prepared ahead (flags say whether a network namespace is made);
 * the options come over go_r once we said on ready_w that we are ready.
 */
_noreturn_ static void sandbox_init(const struct sandbox_opts *o, unsigned flags, int go_r,
				    int status_w, int in_r, int out_w, int err_w, int ready_w)
{
	bool prepared = !o;
	struct netns_helper netns = { .pid = -1, .pidfd = -1, .ready_r = -1 };
	char c;
	pid_t child;
	int st = 0;

	/* Out of the way of 0-3 first: any of them may be one of ours. */
	go_r = fcntl(go_r, F_DUPFD_CLOEXEC, 10);
	status_w = fcntl(status_w, F_DUPFD_CLOEXEC, 10);
	in_r = fcntl(in_r, F_DUPFD_CLOEXEC, 10);
	out_w = fcntl(out_w, F_DUPFD_CLOEXEC, 10);
	err_w = fcntl(err_w, F_DUPFD_CLOEXEC, 10);
	if (ready_w >= 0)
		ready_w = fcntl(ready_w, F_DUPFD_CLOEXEC, 10);
	if (go_r < 0 || status_w < 0 || in_r < 0 || out_w < 0 || err_w < 0 || (prepared && ready_w < 0))
		_exit(127);
	if (dup2(status_w, STATUS_FD) < 0 || fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC) < 0)
		_exit(127);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		die("PR_SET_PDEATHSIG");
	/*
	 * Made ahead, we are a copy of the caller's whole fd table, and we may
	 * wait long for our options: keep only our pipes, so that nothing the
	 * caller holds (a task's owner lock, a connection) outlives the caller
	 * in us. Everything a run needs later comes over go_r.
	 */
	if (prepared) {
		int keep[] = { STATUS_FD, go_r, status_w, in_r, out_w, err_w, ready_w };
		close_all_but(keep, ELEMENTSOF(keep));
	}
	/* our capabilities in the new user namespace need no maps */
	if (!(flags & SANDBOX_NO_NET_NS))
		netns_helper_start(&netns);
	/* Wait until the supervisor has written our uid and gid maps. */
	if (read(go_r, &c, 1) != 1)
		die("waiting for the supervisor");
	if (prepared) {
		if (netns.pid > 0)
			netns_helper_join(&netns);
		if (write(ready_w, "r", 1) != 1)
			die("saying we are ready");
		close(ready_w);
		o = opts_recv(go_r);
	}

	setup_mounts(o);
	if (netns.pid > 0)
		netns_helper_join(&netns);
	detach_old_root();
	if (sethostname("retrace-sandbox", 15) < 0)
		die("sethostname");
	/* Before the program exists: it must never see them. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die("PR_SET_DUMPABLE");
	scrub_cmdline_environ();
	/*
	 * Meanwhile the supervisor moved us into the sandbox's cgroups (a v1
	 * migration waits for an RCU grace period: done while we mounted). The
	 * program is forked only once we are in them, so it starts inside.
	 */
	if (read(go_r, &c, 1) != 1)
		die("waiting for the supervisor's cgroups");
	if (prepared ? !(o->flags & SANDBOX_NO_SECCOMP) : late_filter(o))
		read_filter(go_r);
	close(go_r);

	child = spawn_program(o, in_r, out_w, err_w);
	/*
	 * The reaper is a copy of the supervisor's memory: not dumpable, so the
	 * program (same uid, no capabilities) can neither ptrace it nor read
	 * its /proc/1/mem or /proc/1/environ.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(127);
	/* The reaper keeps nothing the program could use. */
	close(in_r);
	close(out_w);
	close(err_w);
	close(STATUS_FD);
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		_exit(127);
	caps_drop_all();
	for (;;) {
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			_exit(127);
		if (p == child)
			break;
	}
	/* Leaving kills every other process of the namespace. */
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	_exit(128 + WTERMSIG(st));
}

/* --- outside: the supervisor ------------------------------------------- */

static int sandbox_run_copy(const struct sandbox_opts *o, struct sandbox_result *ret,
			    char **ret_error);

/* A heap copy of a NULL-terminated string vector (NULL stays NULL). */
static char **strv_copy(const char *const *v)
{
	size_t n = 0;
	char **c;

	if (!v)
		return NULL;
	while (v[n])
		n++;
	c = calloc(n + 1, sizeof(*c));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i]))) {
			while (i > 0)
				free(c[--i]);
			free(c);
			return NULL;
		}
	return c;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int sandbox_run(const struct sandbox_opts *o_in, struct sandbox_result *ret, char **ret_error)
{
	/*
	 * pid 1 zeroes its copy of our command line and environment (they may
	 * be where the caller's strings live): the program's own argv and envp
	 * go over as heap copies.
	 */
	struct sandbox_opts copy = *o_in;
	char **argv_copy = strv_copy(o_in->argv), **envp_copy = strv_copy(o_in->envp);
	int rr;

	*ret_error = NULL;
	if (!argv_copy || (o_in->envp && !envp_copy)) {
		strv_free(argv_copy);
		strv_free(envp_copy);
		sandbox_prepared_free(o_in->prepared);
		return error_set(ret_error, -ENOMEM, "out of memory");
	}
	copy.argv = (const char *const *)argv_copy;
	copy.envp = (const char *const *)envp_copy;
	rr = sandbox_run_copy(&copy, ret, ret_error);
	strv_free(argv_copy);
	strv_free(envp_copy);
	return rr;
}

/* --- pid 1's start, now or ahead of the run ------------------------------ */

struct sandbox_prepared {
	pid_t pid;
	int go_w, status_r, in_w, out_r, err_r;
	unsigned flags;
};

/* Kill and reap pid 1, close our ends; the message pid 1 left, if any. */
static void pid1_abandon(struct sandbox_prepared *p, char *msg, size_t size)
{
	ssize_t n = 0;

	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (msg && size && p->status_r >= 0) {
		n = read(p->status_r, msg, size - 1);
		msg[n > 0 ? n : 0] = '\0';
	}
	closep(&p->go_w);
	closep(&p->status_r);
	closep(&p->in_w);
	closep(&p->out_r);
	closep(&p->err_r);
	p->pid = -1;
}

/*
 * Clone pid 1 with its namespaces, write its uid and gid maps, give it the
 * first go. o: the run's options; NULL: prepared ahead, and then this
 * returns once pid 1 says it is ready (its network namespace made).
 */
static int pid1_start(const struct sandbox_opts *o, unsigned flags, struct sandbox_prepared *p,
		      char **ret_error)
{
	unsigned long cflags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
			       CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
	int go[2] = { -1, -1 }, status[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 },
	    err[2] = { -1, -1 }, ready[2] = { -1, -1 }, r;
	char msg[512] = "", c;

	*p = (struct sandbox_prepared){ .pid = -1, .go_w = -1, .status_r = -1, .in_w = -1, .out_r = -1,
					.err_r = -1, .flags = flags };
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || (!o && pipe2(ready, O_CLOEXEC) < 0)) {
		r = -errno;
		for (int i = 0; i < 2; i++) {
			closep(&go[i]);
			closep(&status[i]);
			closep(&in[i]);
			closep(&out[i]);
			closep(&err[i]);
			closep(&ready[i]);
		}
		return error_set(ret_error, r, "pipes for the sandbox: %s", strerror(-r));
	}
	p->pid = (pid_t)syscall(SYS_clone, cflags, NULL, NULL, NULL, 0);
	if (p->pid == 0) {
		close(go[1]);
		close(status[0]);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		if (ready[0] >= 0)
			close(ready[0]);
		sandbox_init(o, flags, go[0], status[1], in[0], out[1], err[1], ready[1]);
	}
	r = p->pid < 0 ? -errno : 0;
	close(go[0]);
	close(status[1]);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	closep(&ready[1]);
	p->go_w = go[1];
	p->status_r = status[0];
	p->in_w = in[1];
	p->out_r = out[0];
	p->err_r = err[0];
	if (r < 0) {
		closep(&ready[0]);
		pid1_abandon(p, NULL, 0);
		return error_set(ret_error, r,
				 "clone with new namespaces: %s (unprivileged user namespaces disabled?)",
				 strerror(-r));
	}
	/* Without its maps pid 1 never gets the go: it must not run half set up. */
	r = userns_map_ids(p->pid, SANDBOX_UID, geteuid(), SANDBOX_GID, getegid());
	if (r < 0) {
		closep(&ready[0]);
		pid1_abandon(p, NULL, 0);
		/* /proc/PID/uid_map is the caller's only when it is dumpable (a
		 * process that changed its uid must say PR_SET_DUMPABLE again) */
		return error_set(ret_error, r, "sandbox setup failed: writing its uid and gid maps: %s",
				 strerror(-r));
	}
	if (write(p->go_w, "g", 1) != 1) {
		closep(&ready[0]);
		pid1_abandon(p, msg, sizeof(msg));
		return error_set(ret_error, -EIO, "sandbox setup failed: %s", msg[0] ? msg : "pid 1 died");
	}
	if (ready[0] >= 0) {
		ssize_t n;
		while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
			;
		closep(&ready[0]);
		if (n != 1) {
			pid1_abandon(p, msg, sizeof(msg));
			return error_set(ret_error, -EIO, "sandbox setup failed: %s",
					 msg[0] ? msg : "pid 1 died");
		}
	}
	return 0;
}

int sandbox_prepare(unsigned flags, struct sandbox_prepared **ret, char **ret_error)
{
	struct sandbox_prepared *p = calloc(1, sizeof(*p));
	int r;

	*ret_error = NULL;
	if (!p)
		return -ENOMEM;
	r = pid1_start(NULL, flags & SANDBOX_NO_NET_NS, p, ret_error);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void sandbox_prepared_free(struct sandbox_prepared *p)
{
	if (!p)
		return;
	pid1_abandon(p, NULL, 0);
	free(p);
}

static int sandbox_run_copy(const struct sandbox_opts *o, struct sandbox_result *ret,
			    char **ret_error)
{
	struct sandbox_prepared p; /* pid 1 and our ends of its pipes */
	struct sandbox_cgroups cg = { .v2 = "" };
	char msg[512] = "";
	size_t msglen = 0;
	uint64_t deadline;
	pid_t pid;
	int st = 0, r;

	memset(ret, 0, sizeof(*ret));
	*ret_error = NULL;
	if (!o->root || o->root[0] != '/' || !o->argv || !o->argv[0] || o->argv[0][0] != '/') {
		sandbox_prepared_free(o->prepared);
		*ret_error = strdup("the root and the program must be absolute paths");
		return -EINVAL;
	}
	if (!o->bpf && !o->policy_file && !(o->flags & SANDBOX_NO_SECCOMP)) {
		sandbox_prepared_free(o->prepared);
		*ret_error = strdup("no seccomp filter");
		return -EINVAL;
	}
	if (o->prepared && ((o->prepared->flags ^ o->flags) & SANDBOX_NO_NET_NS)) {
		sandbox_prepared_free(o->prepared);
		*ret_error = strdup("the sandbox was prepared with another SANDBOX_NO_NET_NS");
		return -EINVAL;
	}
	bpf_prog = (o->flags & SANDBOX_NO_SECCOMP) ? NULL : o->bpf;
	bpf_owned = NULL;
	if (o->prepared) {
		p = *o->prepared;
		free(o->prepared); /* taken: its pid 1 and fds are ours now */
		/* pid 1 mounts as soon as it has the options; we make the cgroups meanwhile */
		r = opts_send(p.go_w, o);
		if (r < 0) {
			pid1_abandon(&p, msg, sizeof(msg));
			return error_set(ret_error, r, "sending the run's options to the prepared sandbox: %s",
					 msg[0] ? msg : strerror(-r));
		}
		sandbox_cgroups_make(o->memory_bytes, o->max_procs, &cg, ret->enforced, sizeof(ret->enforced));
	} else {
		sandbox_cgroups_make(o->memory_bytes, o->max_procs, &cg, ret->enforced, sizeof(ret->enforced));
		r = pid1_start(o, o->flags, &p, ret_error);
		if (r < 0) {
			sandbox_cgroups_remove(&cg);
			return r;
		}
	}
	pid = p.pid;
	/* while pid 1 mounts: the policy, when it comes as a file */
	if (late_filter(o)) {
		char *perr = NULL;
		r = seccomp_policy_bpf_file(o->policy_file, 0, &bpf_owned, &perr);
		bpf_prog = bpf_owned;
		if (r < 0) {
			pid1_abandon(&p, NULL, 0);
			sandbox_cgroups_remove(&cg);
			if (asprintf(ret_error, "the seccomp policy %s: %s", o->policy_file,
				     perr ? perr : strerror(-r)) < 0)
				*ret_error = NULL;
			free(perr);
			return r;
		}
	}
	/* the second go: pid 1 is in the cgroups, it may start the program */
	r = sandbox_cgroups_join(&cg, pid);
	if (r < 0) {
		/* the limits the note promises would not hold: no run */
		pid1_abandon(&p, NULL, 0);
		sandbox_cgroups_remove(&cg);
		free(bpf_owned);
		bpf_owned = NULL;
		return error_set(ret_error, r, "cannot move the sandbox into its cgroup: %s", strerror(-r));
	}
	if (write(p.go_w, "c", 1) != 1)
		kill(pid, SIGKILL);
	if ((late_filter(o) || o->prepared) && bpf_prog) {
		uint16_t len = bpf_prog->len;
		if (write_all(p.go_w, &len, sizeof(len)) < 0 ||
		    write_all(p.go_w, bpf_prog->filter, (size_t)len * sizeof(struct sock_filter)) < 0)
			kill(pid, SIGKILL);
	}
	closep(&p.go_w);

	deadline = o->timeout_ms ? monotonic_ms() + o->timeout_ms : 0;
	/* stdin: fed from stdin_fd (non-blocking, so output never waits on it), or EOF now */
	if (o->stdin_fd < 0 || fcntl(p.in_w, F_SETFL, O_NONBLOCK) < 0)
		closep(&p.in_w);
	{
		struct pollfd pf[5] = { { p.out_r, POLLIN, 0 }, { p.err_r, POLLIN, 0 },
					{ p.status_r, POLLIN, 0 }, { -1, POLLIN, 0 }, { -1, POLLOUT, 0 } };
		char inbuf[4096];
		size_t in_len = 0, in_off = 0;
		int open_fds = 3;
		while (open_fds > 0) {
			/* read stdin_fd only when what was read has gone into the pipe */
			pf[3].fd = p.in_w >= 0 && in_len == 0 ? o->stdin_fd : -1;
			pf[4].fd = p.in_w >= 0 && in_len > 0 ? p.in_w : -1;
			int timeout = -1, nready;
			if (deadline) {
				uint64_t t = monotonic_ms();
				if (t >= deadline) {
					ret->timed_out = true;
					kill(pid, SIGKILL); /* pid 1: the whole namespace goes */
					break;
				}
				timeout = (int)MIN(deadline - t, (uint64_t)1000);
			}
			nready = poll(pf, 5, timeout);
			if (nready < 0 && errno != EINTR)
				break;
			if (nready > 0 && pf[3].fd >= 0 && (pf[3].revents & (POLLIN | POLLHUP | POLLERR))) {
				ssize_t n = read(pf[3].fd, inbuf, sizeof(inbuf));
				if (n > 0) {
					in_len = (size_t)n;
					in_off = 0;
				} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
					closep(&p.in_w); /* the end of stdin: EOF for the program */
				}
			}
			if (nready > 0 && pf[4].fd >= 0 && (pf[4].revents & (POLLOUT | POLLHUP | POLLERR))) {
				ssize_t n = write(p.in_w, inbuf + in_off, in_len - in_off);
				if (n > 0) {
					in_off += (size_t)n;
					if (in_off == in_len)
						in_len = 0;
				} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
					closep(&p.in_w); /* the program closed its stdin (EPIPE) */
					in_len = 0;
				}
			}
			for (int i = 0; i < 3 && nready > 0; i++) {
				char buf[65536];
				ssize_t n;
				if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				n = read(pf[i].fd, buf, sizeof(buf));
				if (n <= 0) {
					close(pf[i].fd);
					pf[i].fd = -1;
					open_fds--;
					continue;
				}
				if (i == 2) {
					size_t k = MIN((size_t)n, sizeof(msg) - 1 - msglen);
					memcpy(msg + msglen, buf, k);
					msglen += k;
					continue;
				}
				/* Output is passed on up to the limit, the rest read and dropped. */
				if (ret->output_bytes < o->max_output) {
					size_t k = (size_t)MIN((uint64_t)n, o->max_output - ret->output_bytes);
					(void)write_all(i == 0 ? o->stdout_fd : o->stderr_fd, buf, k);
					if (k < (size_t)n)
						ret->output_truncated = true;
				} else {
					ret->output_truncated = true;
				}
				ret->output_bytes += (uint64_t)n;
			}
		}
		for (int i = 0; i < 3; i++)
			if (pf[i].fd >= 0)
				close(pf[i].fd);
		closep(&p.in_w);
	}
	/*
	 * The pipes are closed; the namespace may still run (a stopped pid 1, a
	 * daemon that closed its output): the deadline holds here too. A pidfd
	 * says the moment pid 1 is gone.
	 */
	{
		int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		for (;;) {
			pid_t w = waitpid(pid, &st, WNOHANG);
			int timeout = 2;
			if (w == pid || (w < 0 && errno != EINTR))
				break;
			if (deadline && monotonic_ms() >= deadline) {
				ret->timed_out = true;
				kill(pid, SIGKILL);
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
				break;
			}
			if (pidfd >= 0) {
				struct pollfd pp = { pidfd, POLLIN, 0 };
				timeout = deadline ? (int)MIN(deadline - monotonic_ms(), (uint64_t)1000) : 1000;
				poll(&pp, 1, timeout);
			} else {
				usleep(2000);
			}
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	sandbox_cgroups_events(&cg, ret->limits_hit, sizeof(ret->limits_hit));
	sandbox_cgroups_remove(&cg);
	free(bpf_owned);
	bpf_owned = NULL;
	bpf_prog = NULL;
	{
		size_t n = strlen(ret->enforced);
		snprintf(ret->enforced + n, sizeof(ret->enforced) - n,
			 "rlimits: address space %llu, processes %llu, cpu %llu s, files %llu, file size "
			 "%llu; /tmp %llu bytes; timeout %llu ms%s",
			 (unsigned long long)o->memory_bytes, (unsigned long long)o->max_procs,
			 (unsigned long long)o->cpu_seconds, (unsigned long long)o->max_files,
			 (unsigned long long)o->max_file_size, (unsigned long long)o->tmp_bytes,
			 (unsigned long long)o->timeout_ms,
			 (o->flags & SANDBOX_NO_SECCOMP) ? "; NO SECCOMP" : "");
	}
	msg[msglen] = '\0';
	if (msglen > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		if (asprintf(ret_error, "sandbox setup failed: %s", msg) < 0)
			*ret_error = NULL;
		return -EIO;
	}
	if (WIFEXITED(st)) {
		int code = WEXITSTATUS(st);
		/* pid 1 reports a killed program as 128 + signal */
		if (code > 128 && code < 128 + 65) {
			ret->signal = code - 128;
		} else {
			ret->exited = true;
			ret->exit_status = code;
		}
	} else if (WIFSIGNALED(st)) {
		ret->signal = WTERMSIG(st);
	}
	return 0;
}
