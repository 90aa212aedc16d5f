/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-sandbox - run a command in the sandbox the worker runs gdb in.
 *   retrace-sandbox --root DIR --policy FILE [--ro-bind SRC DST]... [--bind SRC DST]...
 *                   [--stack DST LAYER[:LAYER...]]... [--timeout S] [--memory BYTES] [--procs N] [--tmp BYTES]
 *                   [--max-output BYTES] [--no-seccomp] [--share-net] [--prepared] [-v] -- CMD...
 * --stack mounts an overlay stack of read-only trees (rootfs-cache/) at DST;
 * DST "/" makes the root itself a stack (DIR is then an empty directory).
 * --prepared makes the namespaces first (sandbox_prepare()) and then sends
 * the run to them, the worker's way (it prepares one at a task's start).
 * Exit status: the command's; 128+N when it was killed by signal N; 124 on
 * the timeout; 125 when the sandbox could not be set up.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp-policy.h"

#define MAX_BINDS 64
#define MAX_STACKS 8

static void usage(FILE *f)
{
	fprintf(f, "Usage: retrace-sandbox --root DIR --policy FILE [--ro-bind SRC DST]...\n"
		   "         [--bind SRC DST]... [--stack DST LAYER[:LAYER...]]...\n"
		   "         [--timeout S] [--memory BYTES] [--procs N]\n"
		   "         [--tmp BYTES] [--max-output BYTES] [--no-seccomp] [--share-net] [--prepared] [-v]\n"
		   "         -- CMD [ARG...]\n");
}

static uint64_t number(const char *s, const char *what)
{
	uint64_t v;
	if (parse_u64(s, UINT64_MAX, &v) < 0) {
		fprintf(stderr, "retrace-sandbox: %s: not a number: %s\n", what, s);
		exit(125);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "policy", required_argument, NULL, 'p' },
		{ "ro-bind", required_argument, NULL, 'b' },
		{ "bind", required_argument, NULL, 'B' },
		{ "stack", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ "procs", required_argument, NULL, 'n' },
		{ "tmp", required_argument, NULL, 'T' },
		{ "max-output", required_argument, NULL, 'o' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "share-net", no_argument, NULL, 'N' },
		{ "prepared", no_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct sandbox_bind binds[MAX_BINDS];
	struct sandbox_stack stacks[MAX_STACKS];
	static const char *layers[MAX_STACKS][ROOTFS_MAX_LAYERS];
	struct sandbox_opts o;
	struct sandbox_result res;
	const char *policy_path = NULL;
	_cleanup_free_ char *err = NULL;
	bool verbose = false, prepared = false;
	int c, r;

	signal(SIGPIPE, SIG_IGN); /* a sandbox that dies early closes its pipes */
	sandbox_opts_default(&o);
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) >= 0) {
		switch (c) {
		case 'r': o.root = optarg; break;
		case 'p': policy_path = optarg; break;
		case 'b':
		case 'B':
			if (o.nbinds == MAX_BINDS || optind >= argc) {
				usage(stderr);
				return 125;
			}
			binds[o.nbinds].src = optarg;
			binds[o.nbinds].dst = argv[optind++];
			binds[o.nbinds].writable = c == 'B';
			o.nbinds++;
			break;
		case 's': {
			size_t n = 0;
			char *save = NULL;
			if (o.nstacks == MAX_STACKS || optind >= argc) {
				usage(stderr);
				return 125;
			}
			for (char *l = strtok_r(argv[optind], ":", &save); l; l = strtok_r(NULL, ":", &save)) {
				if (n == ROOTFS_MAX_LAYERS) {
					fprintf(stderr, "retrace-sandbox: --stack %s: more than %d layers\n", optarg,
						ROOTFS_MAX_LAYERS);
					return 125;
				}
				layers[o.nstacks][n++] = l;
			}
			stacks[o.nstacks] = (struct sandbox_stack){ .dst = optarg, .layers = layers[o.nstacks],
								    .nlayers = n };
			o.nstacks++;
			optind++;
			break;
		}
		case 't': o.timeout_ms = number(optarg, "--timeout") * 1000; break;
		case 'm': o.memory_bytes = number(optarg, "--memory"); break;
		case 'n': o.max_procs = number(optarg, "--procs"); break;
		case 'T': o.tmp_bytes = number(optarg, "--tmp"); break;
		case 'o': o.max_output = number(optarg, "--max-output"); break;
		case 'S': o.flags |= SANDBOX_NO_SECCOMP; break;
		case 'N': o.flags |= SANDBOX_NO_NET_NS; break;
		case 'P': prepared = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 125;
		}
	}
	if (!o.root || optind >= argc || (!policy_path && !(o.flags & SANDBOX_NO_SECCOMP))) {
		usage(stderr);
		return 125;
	}
	o.binds = binds;
	o.stacks = stacks;
	o.argv = (const char *const *)argv + optind;
	o.policy_file = policy_path; /* compiled while the sandbox is set up */
	if (verbose)
		fprintf(stderr, "retrace-sandbox: cgroups: %s\n", sandbox_cgroup_setup());
	if (prepared) {
		r = sandbox_prepare(o.flags, &o.prepared, &err);
		if (r < 0) {
			fprintf(stderr, "retrace-sandbox: %s\n", err ? err : strerror(-r));
			return 125;
		}
	}
	r = sandbox_run(&o, &res, &err);
	if (verbose)
		fprintf(stderr, "retrace-sandbox: enforced: %s\n", res.enforced);
	if (res.limits_hit[0])
		fprintf(stderr, "retrace-sandbox: limits hit: %s\n", res.limits_hit);
	if (r < 0) {
		fprintf(stderr, "retrace-sandbox: %s\n", err ? err : strerror(-r));
		return 125;
	}
	if (res.output_truncated)
		fprintf(stderr, "retrace-sandbox: output cut at %llu bytes\n",
			(unsigned long long)o.max_output);
	if (res.timed_out) {
		fprintf(stderr, "retrace-sandbox: killed at the timeout of %llu ms\n",
			(unsigned long long)o.timeout_ms);
		return 124;
	}
	if (!res.exited) {
		if (verbose)
			fprintf(stderr, "retrace-sandbox: killed by signal %d\n", res.signal);
		return 128 + res.signal;
	}
	return res.exit_status;
}
