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
 * --prepared: the same, each run in a sandbox made by sandbox_prepare()
 * just before it, outside the time measured (the worker prepares one when
 * a task starts, seconds before its gdb runs).
 *
 * Several SPECs joined by ":::" are measured interleaved (see main()).
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

/* prepared: made ahead by sandbox_prepare(), outside the time measured */
static int run_sandbox(const struct sandbox_opts *o, struct sandbox_prepared *prepared)
{
	struct sandbox_opts run = *o;
	struct sandbox_result res;
	char *err = NULL;
	int r;

	run.prepared = prepared;
	r = sandbox_run(&run, &res, &err);

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
	fprintf(stderr, "usage: runtime N SPEC [::: SPEC]...\n"
			"  SPEC: CMD [ARG...]\n"
			"        --sandbox ROOT POLICY [SRC DST]... -- CMD [ARG...]\n"
			"        --prepared ROOT POLICY [SRC DST]... -- CMD [ARG...]\n");
	return 2;
}

struct spec {
	char **argv;             /* a command run with fork and exec */
	struct sandbox_opts o;   /* or, when sandbox, one sandbox_run() */
	struct sandbox_bind binds[MAX_BINDS];
	struct sock_fprog *bpf;
	bool sandbox, prepared;
	double *t;
};

/* argv[0..argc) is one SPEC; 0, or 2 after a message */
static int spec_parse(struct spec *sp, int argc, char **argv, int devnull)
{
	char *err = NULL;
	size_t nb = 0;
	int i = 3;

	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "--sandbox") != 0 && strcmp(argv[0], "--prepared") != 0) {
		sp->argv = argv;
		return 0;
	}
	if (argc < 5)
		return usage();
	for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (i + 1 >= argc || nb == MAX_BINDS)
			return usage();
		sp->binds[nb++] = (struct sandbox_bind){ .src = argv[i], .dst = argv[i + 1] };
	}
	if (i + 1 >= argc)
		return usage();
	if (seccomp_policy_bpf_file(argv[2], 0, &sp->bpf, &err) < 0) {
		fprintf(stderr, "runtime: %s\n", err ? err : argv[2]);
		return 2;
	}
	sp->sandbox = true;
	sp->prepared = strcmp(argv[0], "--prepared") == 0;
	sandbox_opts_default(&sp->o);
	sp->o.root = argv[1];
	sp->o.binds = sp->binds;
	sp->o.nbinds = nb;
	sp->o.argv = (const char *const *)argv + i + 1;
	sp->o.bpf = sp->bpf;
	sp->o.stdout_fd = sp->o.stderr_fd = devnull;
	return 0;
}

/*
 * Several SPECs separated by ":::" are run in turn, run 1 of each, then
 * run 2 of each...: every one sees the machine in the same state, and
 * their ratio holds better than two series one after the other would.
 * One line per SPEC.
 */
int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[1], NULL, 10) : 0;
	struct spec *specs;
	size_t nspecs = 0;
	int devnull, r = 0;

	if (n < 1 || n > 100000)
		return usage();
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	specs = calloc((size_t)argc, sizeof(*specs));
	if (devnull < 0 || !specs) {
		free(specs);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 2, j; i < argc && r == 0; i = j + 1) {
		for (j = i; j < argc && strcmp(argv[j], ":::") != 0; j++)
			;
		argv[j < argc ? j : argc] = NULL; /* ends the SPEC's argv (argv[argc] is NULL) */
		r = spec_parse(&specs[nspecs], j - i, argv + i, devnull);
		specs[nspecs].t = calloc((size_t)n, sizeof(double));
		if (!specs[nspecs++].t)
			r = 2;
	}
	for (long i = 0; i < n && r == 0; i++)
		for (size_t k = 0; k < nspecs && r == 0; k++) {
			struct spec *sp = &specs[k];
			struct sandbox_prepared *prep = NULL;
			char *err = NULL;
			double s;
			if (sp->prepared && sandbox_prepare(0, &prep, &err) < 0) {
				fprintf(stderr, "runtime: sandbox_prepare: %s\n", err ? err : "failed");
				free(err);
				r = 2;
				break;
			}
			s = now_ms();
			r = sp->sandbox ? run_sandbox(&sp->o, prep) : run_exec(sp->argv);
			sp->t[i] = now_ms() - s;
			if (r)
				fprintf(stderr, "runtime: run %ld of %ld failed\n", i + 1, n);
		}
	for (size_t k = 0; k < nspecs; k++) {
		struct spec *sp = &specs[k];
		if (r == 0) {
			qsort(sp->t, (size_t)n, sizeof(double), cmp);
			printf("%.2f %.2f %.2f\n", sp->t[n / 2], sp->t[0], sp->t[n - 1]);
		}
		free(sp->t);
		free(sp->bpf);
	}
	free(specs);
	close(devnull);
	return r;
}
