/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.h - synchronous tasks (design 11.9): /create with `X-Task-Sync: 1`
 * answers 201 with the task's headers at once and then keeps the body
 * open while the worker runs the task:
 *
 *   <the worker's progress: a line per status it reaches>
 *   X-Task-Status: PENDING          (every SYNC_PENDING_EVERY_S without news)
 *   X-Task-Status: FINISHED_SUCCESS (or FINISHED_FAILURE)
 *   <on success, the backtrace>
 *
 * The task is an ordinary one: a client that stops reading or goes away
 * leaves it to be polled. The body is read from the spool only (the
 * task's status and finished_time, then retrace_backtrace), chunked on
 * HTTP/1.1 (the end of the stream is the end of the answer).
 *
 * A stream with nothing to say suspends its connection; one thread resumes
 * the suspended streams every SYNC_TICK_MS to look at their tasks again.
 * When the server stops, each stream ends with a line saying so.
 */
#ifndef RETRACE_SYNC_H
#define RETRACE_SYNC_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SYNC_TICK_MS 250
#define SYNC_PENDING_EVERY_S 5

struct httpd;
struct sync_stream;

struct syncs {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sync_stream *list; /* streams alive, under lock */
	pthread_t thread;
	bool started, stopping;
};

void syncs_init(struct syncs *s);
int syncs_start(struct syncs *s);
/* End every stream (each writes its last line) and stop the thread. */
void syncs_stop(struct syncs *s);

/* The body of a 201 for task id, or NULL (out of memory). */
struct MHD_Response *sync_response(struct httpd *h, struct MHD_Connection *conn, uint32_t id);

#endif
