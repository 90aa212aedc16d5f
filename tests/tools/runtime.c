/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtime N CMD [ARG...]: start CMD N times, one after the other (its
 * output to /dev/null), and print the median, minimum and maximum wall
 * time from fork to the end of waitpid, in milliseconds. make bench's
 * latency rows: a shell's `date` around each run costs about a
 * millisecond itself, which would be added to every tool measured.
 *
 * runtime N --sandbox ROOT POLICY [SRC DST]... -- CMD [ARG...]: the
 * worker's way of starting a sandbox, timed the same way. POLICY is
 * compiled once (as the worker does when it starts), then each run is one
 * sandbox_run() call with ROOT as / and each SRC bound read-only at DST,
 * from its start to its return (the namespace gone and reaped).
 *
 * Exit 1 when a run does not exit 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "sandbox/seccomp-policy.h"

#define MAX_BINDS 16

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 0: exited 0; 1: did not; 2: could not be run */
static int run_exec(char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "runtime: %s: ended with status %d\n", argv[0], status);
		return 1;
	}
	return 0;
}

static int run_sandbox(const struct sandbox_opts *o)
{
	struct sandbox_result res;
	char *err = NULL;
	int r = sandbox_run(o, &res, &err);

	if (r < 0 || !res.exited || res.exit_status != 0) {
		fprintf(stderr, "runtime: %s: %s\n", o->argv[0],
			r < 0 ? (err ? err : strerror(-r)) : "did not exit 0");
		free(err);
		return r < 0 ? 2 : 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: runtime N CMD [ARG...]\n"
			"       runtime N --sandbox ROOT POLICY [SRC DST]... -- CMD [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[1], NULL, 10) : 0;
	struct sandbox_bind binds[MAX_BINDS];
	struct sock_fprog *bpf = NULL;
	struct sandbox_opts o;
	bool sandbox = argc > 2 && strcmp(argv[2], "--sandbox") == 0;
	int devnull = -1, r = 0;
	double *t;

	if (n < 1 || n > 100000)
		return usage();
	if (sandbox) {
		char *err = NULL;
		size_t nb = 0;
		int i = 5;

		if (argc < 7)
			return usage();
		for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
			if (i + 1 >= argc || nb == MAX_BINDS)
				return usage();
			binds[nb++] = (struct sandbox_bind){ .src = argv[i], .dst = argv[i + 1] };
		}
		if (i + 1 >= argc)
			return usage();
		if (seccomp_policy_bpf_file(argv[4], 0, &bpf, &err) < 0) {
			fprintf(stderr, "runtime: %s\n", err ? err : argv[4]);
			return 2;
		}
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (devnull < 0)
			return 2;
		signal(SIGPIPE, SIG_IGN);
		sandbox_opts_default(&o);
		o.root = argv[3];
		o.binds = binds;
		o.nbinds = nb;
		o.argv = (const char *const *)argv + i + 1;
		o.bpf = bpf;
		o.stdout_fd = o.stderr_fd = devnull;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 2;
	for (long i = 0; i < n && r == 0; i++) {
		double s = now_ms();
		r = sandbox ? run_sandbox(&o) : run_exec(argv + 2);
		t[i] = now_ms() - s;
		if (r)
			fprintf(stderr, "runtime: run %ld of %ld failed\n", i + 1, n);
	}
	if (r == 0) {
		qsort(t, (size_t)n, sizeof(*t), cmp);
		printf("%.2f %.2f %.2f\n", t[n / 2], t[0], t[n - 1]);
	}
	free(t);
	free(bpf);
	if (devnull >= 0)
		close(devnull);
	return r;
}
