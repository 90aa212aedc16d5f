/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cluster.h - the workers that share one spool, seen through the spool
 * itself (docs/SCALE-OUT.md): no process talks to another. Each worker
 * daemon keeps a file in SaveDir/.workers,
 *
 *   SaveDir/.workers/<host>+<pid>   "host H pid P slots N busy B interval I"
 *
 * locked (flock, which holds across CephFS clients) for as long as it
 * runs and rewritten in place every WorkerPollInterval (its mtime is the
 * heartbeat). A worker is live while its file is younger than three of
 * its intervals plus CLUSTER_GRACE_S, by the reader's clock: the hosts'
 * clocks must agree within seconds (NTP). A file whose worker died stays
 * until a worker's sweep finds it stale and its lock free (a dead host's
 * locks are freed when the MDS evicts its session).
 */
#ifndef RETRACE_CLUSTER_H
#define RETRACE_CLUSTER_H

#include <stdbool.h>
#include <time.h>

#include "common/spool.h"

#define CLUSTER_DIR ".workers"
#define CLUSTER_HOST_MAX 72 /* 64 characters of the host name */
#define CLUSTER_NAME_MAX (CLUSTER_HOST_MAX + 16)
#define CLUSTER_GRACE_S 5
/* a stale file older than this many intervals is swept once its lock is free */
#define CLUSTER_SWEEP_INTERVALS 10
/* files read at most: a spool with more has something else wrong */
#define CLUSTER_MAX_WORKERS 4096
/* distinct host names told apart; past it each worker counts as a host */
#define CLUSTER_MAX_HOSTS 256

struct cluster_member {
	int fd; /* the registration, locked; -1 when none */
	char name[CLUSTER_NAME_MAX];
	char host[CLUSTER_HOST_MAX];
};

struct cluster_load {
	unsigned hosts;   /* distinct host names among the live workers */
	unsigned workers; /* live worker daemons */
	unsigned slots;   /* their MaxParallelTasks, added up */
	unsigned busy;    /* their running tasks, as each last said */
	unsigned stale;   /* registrations past their heartbeat */
};

/* This process's host name as the registry writes it ([A-Za-z0-9.-], "host" when none). */
void cluster_host_name(char *buf, size_t size);

/* Register this worker daemon: its file made, locked, written. */
int cluster_join(struct spool *s, unsigned slots, unsigned interval_s, struct cluster_member *ret);
/* The heartbeat: the file rewritten in place with busy. */
int cluster_heartbeat(struct cluster_member *m, unsigned slots, unsigned busy, unsigned interval_s);
/* A clean stop: the file removed, the lock let go. */
void cluster_leave(struct spool *s, struct cluster_member *m);

/* The live workers of the spool at now (unix seconds). */
int cluster_read(struct spool *s, time_t now, struct cluster_load *ret);
/* Remove registrations long stale whose lock is free; how many went. */
int cluster_sweep(struct spool *s, time_t now);

#endif
