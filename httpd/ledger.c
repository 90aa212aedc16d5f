/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ledger.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"

void ledger_init(struct ledger *l)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
}

void ledger_release(struct ledger *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
	pthread_mutex_destroy(&l->lock);
}

/* Whether task id still keeps its crash data. */
static bool holds_crash_data(struct spool *s, uint32_t id)
{
	static const char *const files[] = { "coredump", "vmcore" };
	char idstr[SPOOL_TASK_ID_DIGITS + 1], path[64];
	struct stat st;

	spool_task_id_format(id, idstr);
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		snprintf(path, sizeof(path), "%s/crash/%s", idstr, files[i]);
		if (fstatat(s->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return true;
	}
	return false;
}

/* Drop entries of tasks that hold nothing any more; under the lock. */
static void prune(struct ledger *l, struct spool *s, const struct guard_addr *only)
{
	size_t o = 0;
	for (size_t i = 0; i < l->n; i++) {
		if ((!only || guard_addr_eq(&l->v[i].addr, only)) && !holds_crash_data(s, l->v[i].id))
			continue;
		l->v[o++] = l->v[i];
	}
	l->n = o;
}

static void add_locked(struct ledger *l, struct spool *s, uint32_t id,
		       const struct guard_addr *addr, uint64_t stored)
{
	if (l->n == l->cap) {
		prune(l, s, NULL);
		if (l->n == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 256;
			struct ledger_entry *nv;
			if (ncap > LEDGER_MAX_ENTRIES)
				return; /* the spool's own limits come first: MaxQueuedTasks */
			nv = reallocarray(l->v, ncap, sizeof(*nv));
			if (!nv)
				return;
			l->v = nv;
			l->cap = ncap;
		}
	}
	l->v[l->n].id = id;
	l->v[l->n].addr = *addr;
	l->v[l->n].stored = stored;
	l->n++;
}

void ledger_add(struct ledger *l, struct spool *s, uint32_t id, const struct guard_addr *addr,
		uint64_t stored)
{
	pthread_mutex_lock(&l->lock);
	add_locked(l, s, id, addr, stored);
	pthread_mutex_unlock(&l->lock);
}

uint64_t ledger_usage(struct ledger *l, struct spool *s, const struct guard_addr *addr)
{
	uint64_t sum = 0;

	pthread_mutex_lock(&l->lock);
	prune(l, s, addr);
	for (size_t i = 0; i < l->n; i++)
		if (guard_addr_eq(&l->v[i].addr, addr))
			sum += l->v[i].stored;
	pthread_mutex_unlock(&l->lock);
	return sum;
}

int ledger_write(int task_dirfd, const char *addr_text, uint64_t stored)
{
	char line[INET6_ADDRSTRLEN + 32];
	int n = snprintf(line, sizeof(line), "%s %llu\n", addr_text, (unsigned long long)stored);
	return create_file_at(task_dirfd, LEDGER_FILE, line, (size_t)n, 0640);
}

/* "ADDRESS BYTES\n" -> the address's key and the bytes. */
static int parse_line(const char *text, struct guard_addr *ret_addr, uint64_t *ret_stored)
{
	char a[INET6_ADDRSTRLEN + 1], num[24];

	if (sscanf(text, "%46s %23s", a, num) != 2 || parse_u64(num, UINT64_MAX, ret_stored) < 0)
		return -EINVAL;
	return guard_addr_from_text(a, ret_addr);
}

int ledger_load(struct ledger *l, struct spool *s)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n = 0;
	int loaded = 0, r;

	r = spool_list(s, SPOOL_LIST_TASKS, &ids, &n);
	if (r < 0)
		return r;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		char idstr[SPOOL_TASK_ID_DIGITS + 1], path[64];
		_cleanup_free_ char *text = NULL;
		struct guard_addr addr;
		uint64_t stored;

		spool_task_id_format(ids[i], idstr);
		snprintf(path, sizeof(path), "%s/" LEDGER_FILE, idstr);
		if (read_file_at(s->dirfd, path, 256, &text, NULL) < 0 ||
		    parse_line(text, &addr, &stored) < 0 || !holds_crash_data(s, ids[i]))
			continue;
		add_locked(l, s, ids[i], &addr, stored);
		loaded++;
	}
	pthread_mutex_unlock(&l->lock);
	return loaded;
}
