/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ledger.h - what the spool keeps for each client address: the bytes on
 * disk (zero pages are holes and cost nothing) of its tasks that still
 * hold crash data - unfinished tasks, and the failed or finished ones that
 * keep it (debug and interactive types). MaxSpoolPerAddress bounds it.
 *
 * Each task records its sender in its directory (file "client": the
 * address and the bytes stored, written before the commit); httpd keeps
 * them in memory, loaded from the spool at start. A task counts while its
 * crash file (crash/coredump or crash/vmcore) exists: the worker removes
 * it when a normal task finishes or fails, retrace-cleanup deletes old
 * tasks, and entries whose file is gone are dropped when next looked at.
 * One httpd per spool: a second front end on the same spool (issue 23)
 * would not see this one's new tasks until its restart.
 */
#ifndef RETRACE_LEDGER_H
#define RETRACE_LEDGER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/spool.h"
#include "httpd/guard.h"

#define LEDGER_FILE "client"
#define LEDGER_MAX_ENTRIES 65536

struct ledger_entry {
	uint32_t id;
	struct guard_addr addr;
	uint64_t stored;
};

struct ledger {
	pthread_mutex_t lock;
	struct ledger_entry *v;
	size_t n, cap;
};

void ledger_init(struct ledger *l);
void ledger_release(struct ledger *l);
/* Load every task's "client" file whose crash file exists. Returns the number loaded. */
int ledger_load(struct ledger *l, struct spool *s);
/* The bytes the address's tasks keep; drops entries whose crash file is gone. */
uint64_t ledger_usage(struct ledger *l, struct spool *s, const struct guard_addr *addr);
/* Write the "client" file of a task about to be committed. */
int ledger_write(int task_dirfd, const char *addr_text, uint64_t stored);
/* Record a committed task. */
void ledger_add(struct ledger *l, struct spool *s, uint32_t id, const struct guard_addr *addr,
		uint64_t stored);

#endif
