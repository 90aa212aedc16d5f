/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fetcher.h - retrace-debuginfod's federation runs in a process of its
 * own: the server, which parses what clients send, has no network (its
 * seccomp policy has no socket or connect) and sees only RepoDir and the
 * cache; the fetcher, forked before the server confines itself, runs as
 * RunAsUser with no capabilities and no_new_privs under
 * debuginfod-fetcher.policy (no execve, fork, bind, listen), keeps the
 * host's view (resolv.conf, the CA bundle) and asks the upstream servers
 * (debuginfod/upstream.h).
 *
 * They talk over FETCHER_CHANNELS SOCK_SEQPACKET socketpairs, one request
 * at a time on each, served by a thread of the fetcher: the server sends
 * the request's URL path (the fetcher parses it again: it trusts nothing
 * the server says), the fetcher answers with a struct fetcher_reply and,
 * when it has the file, the file's descriptor (SCM_RIGHTS). A server
 * thread takes a free channel, waits for the answer a bounded time (every
 * server's timeout, plus a margin), and a channel whose answer is late is
 * closed for good. The fetcher ends when the server does (EOF on every
 * channel, or PR_SET_PDEATHSIG).
 */
#ifndef RETRACE_DEBUGINFOD_FETCHER_H
#define RETRACE_DEBUGINFOD_FETCHER_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/config.h"
#include "debuginfod/upstream.h"

#define FETCHER_CHANNELS 8

struct fetcher {
	int fd[FETCHER_CHANNELS];
	bool busy[FETCHER_CHANNELS];
	pthread_mutex_t lock;
	pthread_cond_t freed;
	pid_t pid;
	unsigned wait_s; /* how long an answer may take */
	bool down;       /* fetcher_shutdown() was called */
	bool gone_logged;
};

/* Fork the fetcher (single-threaded caller, still root or RunAsUser). */
int fetcher_start(struct fetcher *f, const struct config *cfg, char **ret_error);
/* upstream_fetch() in the fetcher: the same results. */
int fetcher_ask(struct fetcher *f, const struct dbgd_request *rq, struct upstream_file *ret, char **ret_error);
/* Every channel shut down: a request waiting gets its answer (an error) at once, later ones too. */
void fetcher_shutdown(struct fetcher *f);
/* The channels closed (no fetcher_ask() may be running). */
void fetcher_stop(struct fetcher *f);

#endif
