/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "httpd/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/spool.h"
#include "common/util.h"
#include "httpd/guard.h"
#include "httpd/routes.h"

enum sync_state {
	SYNC_RUNNING,   /* the task runs: progress lines */
	SYNC_BACKTRACE, /* it succeeded: its backtrace follows */
	SYNC_END,
};

struct sync_stream {
	struct httpd *h;
	struct syncs *s;
	struct MHD_Connection *conn;
	struct sync_stream *next;
	uint32_t id;
	enum sync_state state;
	bool suspended; /* under s->lock */
	bool looked;     /* the first look was made */
	off_t progress;  /* bytes of the task's progress file reported */
	double last_line;
	int bt_fd;
	char pending[512];
	size_t plen, poff;
};

void syncs_init(struct syncs *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	cond_init_monotonic(&s->cond);
}

/* Resume every suspended stream: it looks at its task again. Call with s->lock. */
static void resume_all_locked(struct syncs *s)
{
	for (struct sync_stream *x = s->list; x; x = x->next)
		if (x->suspended) {
			x->suspended = false;
			MHD_resume_connection(x->conn);
		}
}

static void *ticker(void *arg)
{
	struct syncs *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		/* no stream, no tick: sync_response() wakes us for its first */
		if (!s->list)
			pthread_cond_wait(&s->cond, &s->lock);
		else
			cond_wait_ms(&s->cond, &s->lock, SYNC_TICK_MS);
		resume_all_locked(s);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int syncs_start(struct syncs *s)
{
	int r = pthread_create(&s->thread, NULL, ticker, s);
	if (r != 0)
		return -r;
	s->started = true;
	return 0;
}

void syncs_stop(struct syncs *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	resume_all_locked(s); /* each ends with its last line */
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->started)
		pthread_join(s->thread, NULL);
	s->started = false;
}

static void say(struct sync_stream *x, const char *fmt, ...) _printf_(2, 3);
static void say(struct sync_stream *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(x->pending + x->plen, sizeof(x->pending) - x->plen, fmt, ap);
	va_end(ap);
	if (n > 0)
		x->plen = MIN(x->plen + (size_t)n, sizeof(x->pending) - 1);
	x->last_line = monotonic_seconds();
}

/* The server stops before the task ends: the stream's last lines. */
static void say_stopping(struct sync_stream *x)
{
	say(x, "X-Task-Status: PENDING\nThe server is stopping: ask for the task's status later\n");
	x->state = SYNC_END;
}

/*
 * The new lines of the task's progress file (every status the worker
 * reached, none missed between two looks); before the worker wrote any,
 * the status httpd gave the task (waiting for a slot). True when all of
 * the file is said (or there is none).
 */
static bool progress(struct sync_stream *x, int dirfd, const struct task_state *st)
{
	_cleanup_close_ int fd = openat(dirfd, SPOOL_PROGRESS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	/* room for the status lines that may follow (say()) */
	size_t room = sizeof(x->pending) - 1 - x->plen, reserve = 128;
	ssize_t n;
	char *end;

	if (room <= reserve)
		return false;
	room -= reserve;

	if (fd < 0) {
		if (!x->looked && !st->finished)
			say(x, "%s\n", task_status_message(st->status));
		x->looked = true;
		return true;
	}
	x->looked = true;
	n = pread(fd, x->pending + x->plen, room, x->progress);
	if (n < 0) {
		log_warn("task %u: cannot read its %s: %m", x->id, SPOOL_PROGRESS_FILE);
		return true; /* no more lines from it; the end still comes */
	}
	if (n == 0)
		return true;
	/* whole lines only: a line being appended comes at the next look */
	bool all = (size_t)n < room;
	x->pending[x->plen + (size_t)n] = '\0';
	end = memrchr(x->pending + x->plen, '\n', (size_t)n);
	if (!end && all)
		return true;
	size_t k = end ? (size_t)(end + 1 - (x->pending + x->plen)) : (size_t)n;
	if (!end)
		x->pending[x->plen + k++] = '\n'; /* a line longer than the room: said in pieces */
	all = all && k == (size_t)n;
	x->progress += (off_t)k;
	x->plen += k;
	x->last_line = monotonic_seconds();
	return all;
}

/* What the task says now, as lines in x->pending. */
static void look(struct sync_stream *x)
{
	_cleanup_close_ int dirfd = -1;
	struct task_state st;
	bool stopping, drained;

	pthread_mutex_lock(&x->s->lock);
	stopping = x->s->stopping;
	pthread_mutex_unlock(&x->s->lock);
	if (spool_task_open(&x->h->spool, x->id, &dirfd) < 0 || spool_task_read_state(dirfd, &st) < 0) {
		say(x, "X-Task-Status: FINISHED_FAILURE\nThe task is gone\n");
		x->state = SYNC_END;
		return;
	}
	/* every status line first, then the end */
	drained = progress(x, dirfd, &st);
	if (!drained)
		return;
	if (st.finished) {
		const char *status = task_state_http(&st);
		/* the result's own message ("Retrace job finished successfully"), then the status */
		say(x, "%s\nX-Task-Status: %s\n", task_status_message(st.status), status);
		x->state = SYNC_END;
		if (strcmp(status, "FINISHED_SUCCESS") == 0) {
			x->bt_fd = openat(dirfd, "retrace_backtrace", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (x->bt_fd >= 0)
				x->state = SYNC_BACKTRACE;
		}
		return;
	}
	if (stopping) {
		say_stopping(x);
		return;
	}
	if (x->plen == 0 && monotonic_seconds() - x->last_line >= SYNC_PENDING_EVERY_S)
		say(x, "X-Task-Status: PENDING\n");
}

static ssize_t sync_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sync_stream *x = cls;
	(void)pos;

	for (;;) {
		if (x->poff < x->plen) {
			size_t n = MIN(max, x->plen - x->poff);
			memcpy(buf, x->pending + x->poff, n);
			x->poff += n;
			if (x->poff == x->plen)
				x->poff = x->plen = 0;
			return (ssize_t)n;
		}
		switch (x->state) {
		case SYNC_RUNNING:
			look(x);
			if (x->plen > 0 || x->state != SYNC_RUNNING)
				continue;
			/* nothing new: wait for the next tick without a deadline (the server works) */
			guard_phase(guard_of(x->conn), GUARD_WORKING);
			pthread_mutex_lock(&x->s->lock);
			if (x->s->stopping) {
				pthread_mutex_unlock(&x->s->lock);
				say_stopping(x);
				continue;
			}
			MHD_suspend_connection(x->conn);
			x->suspended = true;
			pthread_mutex_unlock(&x->s->lock);
			return 0;
		case SYNC_BACKTRACE: {
			ssize_t n = read(x->bt_fd, buf, max);
			if (n > 0)
				return n;
			x->state = SYNC_END;
			continue;
		}
		case SYNC_END:
		default:
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
	}
}

static void sync_free(void *cls)
{
	struct sync_stream *x = cls;
	struct syncs *s = x->s;

	pthread_mutex_lock(&s->lock);
	for (struct sync_stream **p = &s->list; *p; p = &(*p)->next)
		if (*p == x) {
			*p = x->next;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	if (x->bt_fd >= 0)
		close(x->bt_fd);
	free(x);
}

struct MHD_Response *sync_response(struct httpd *h, struct MHD_Connection *conn, uint32_t id)
{
	struct sync_stream *x = calloc(1, sizeof(*x));
	struct MHD_Response *resp;

	if (!x)
		return NULL;
	x->h = h;
	x->s = &h->syncs;
	x->conn = conn;
	x->id = id;
	x->bt_fd = -1;
	x->last_line = monotonic_seconds();
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sync_read, x, sync_free);
	if (!resp) {
		free(x);
		return NULL;
	}
	pthread_mutex_lock(&x->s->lock);
	x->next = x->s->list;
	x->s->list = x;
	pthread_cond_signal(&x->s->cond);
	pthread_mutex_unlock(&x->s->lock);
	return resp;
}
