/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guard.h - the deadlines and per-address limits of retrace-httpd's
 * connections, which libmicrohttpd does not have: the headers of a request
 * within HeaderTimeout, a body at MinUploadRate or faster over every
 * UploadRateWindow, an answer read within HTTPD_ANSWER_TIMEOUT_S, at most
 * MaxConnectionsPerAddress connections and MaxUploadsPerAddress uploads
 * per address (an IPv4 address, or an IPv6 /64: one host's share), and,
 * when every upload slot is taken, the slowest upload gives its slot up to
 * a new one.
 *
 * One record per TCP connection, made and dropped by libmicrohttpd's
 * connection notifications (guard_notify_connection) and kept current by
 * the request handling (guard_phase and guard_body). A thread looks at
 * every record twice a second and ends those past a deadline with
 * shutdown(2) on their socket: the connection's own thread then sees the
 * end and closes it the usual way, so every upload is cleaned up as if
 * the client had gone. A record is dropped (under the lock) before
 * libmicrohttpd closes its socket, so a socket shut down is always the
 * connection's own. Every end is logged with the address and why.
 */
#ifndef RETRACE_GUARD_H
#define RETRACE_GUARD_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct guard_conn;

struct guard_settings {
	unsigned header_timeout;       /* seconds */
	unsigned answer_timeout;       /* seconds from the headers to the answer sent */
	uint64_t min_answer_rate;      /* bytes per second a large answer adds time at (guard_answer) */
	uint64_t min_body_rate;        /* bytes per second */
	unsigned body_window;          /* seconds */
	uint64_t preempt_rate;         /* bytes per second: slower uploads yield a slot */
	unsigned max_conns_per_addr;
	unsigned max_uploads_per_addr;
};

struct guard {
	struct guard_settings set;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct guard_conn *conns;
	unsigned n_conns;
	bool stop;
	bool running;
	pthread_t thread;
	double last_refusal_log; /* refusals of connections are logged once a second */
	unsigned refusals_unlogged;

	/* for /metrics */
	atomic_ullong cut_headers;   /* headers not complete in time */
	atomic_ullong cut_slow_body; /* body below the minimum rate */
	atomic_ullong cut_answer;    /* answer not read in time */
	atomic_ullong refused_conns; /* over MaxConnectionsPerAddress */
	atomic_ullong preempted;     /* slow uploads that gave their slot up */
};

/* What a connection is waiting for. */
enum guard_phase {
	GUARD_HEADERS, /* a request's headers: HeaderTimeout */
	GUARD_BODY,    /* an upload's body: the minimum rate */
	GUARD_WORKING, /* the server is working (an unpacker catching up): no deadline */
	GUARD_ANSWER,  /* the answer being sent: answer_timeout */
};

/* An address as the limits count it: IPv4, or the /64 of an IPv6 address. */
struct guard_addr {
	uint8_t bytes[16];
};
/* 0, or -EAFNOSUPPORT; an IPv4-mapped IPv6 address counts as its IPv4 address. */
int guard_addr_from_sockaddr(const struct sockaddr *sa, struct guard_addr *ret);
/* The same from a numeric address ("192.0.2.1", "2001:db8::1"); -EINVAL if it is none. */
int guard_addr_from_text(const char *text, struct guard_addr *ret);
bool guard_addr_eq(const struct guard_addr *a, const struct guard_addr *b);

int guard_init(struct guard *g, const struct guard_settings *set);
/* Start the deadline thread (after seccomp is loaded: it only needs threads). */
int guard_start(struct guard *g);
void guard_stop(struct guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION, with the guard as cls. */
void guard_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			     enum MHD_ConnectionNotificationCode toe);

/* The record of a connection (NULL if it has none: the guard is off). */
struct guard_conn *guard_of(struct MHD_Connection *c);
/* The connection's address as the per-address limits count it. */
const struct guard_addr *guard_conn_addr(const struct guard_conn *gc);
void guard_phase(struct guard_conn *gc, enum guard_phase p);
/*
 * GUARD_ANSWER for an answer of size bytes: answer_timeout plus the time
 * it takes at min_answer_rate (a file of hundreds of MB over a slow link
 * is not a slow reader; a reader that takes longer than that is).
 */
void guard_answer(struct guard_conn *gc, uint64_t size);
/* Bytes of body received. */
void guard_body(struct guard_conn *gc, uint64_t n);

/*
 * The peer closed its side and nothing of what it sent is left unread
 * (recv with MSG_PEEK sees the end). libmicrohttpd 0.9.75 misses an end
 * that arrives with the last bytes of a body (it reads again only on a
 * new edge) and waits for its idle timeout; the request handling asks
 * this after each piece of a body instead.
 */
bool guard_peer_closed(const struct guard_conn *gc);
/* Whether the guard ended the connection (and logged why). */
bool guard_was_cut(struct guard_conn *gc);
/*
 * Send a whole small answer on a plain-HTTP connection's socket, outside
 * libmicrohttpd: only for a request it can no longer answer (a body cut
 * short), just before the connection is closed.
 */
void guard_send_raw(const struct guard_conn *gc, const char *data, size_t len);

/*
 * Take an upload slot of the connection's address: false if it already
 * has MaxUploadsPerAddress uploads. guard_upload_end() gives it back.
 */
bool guard_upload_begin(struct guard_conn *gc);
void guard_upload_end(struct guard_conn *gc);
/*
 * Every upload slot is taken: end the upload with the lowest average rate
 * if it is below preempt_rate and has had a window to show it. True if one
 * was ended (its slot comes free as soon as its thread sees the end).
 */
bool guard_preempt_slowest(struct guard *g, const struct guard_conn *except);

#endif
