/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

#define GUARD_TICK_MS 500

struct guard_conn {
	struct guard *g;
	struct guard_conn *prev, *next;
	int fd;
	struct guard_addr addr;
	char text[INET6_ADDRSTRLEN];
	enum guard_phase phase;
	double since;     /* when the phase began */
	double answer_limit; /* seconds the answer may take */
	double win_start; /* the body's current rate window */
	uint64_t win_bytes;
	double body_start; /* the upload's first byte awaited */
	uint64_t body_bytes;
	bool upload;  /* holds an upload slot of its address */
	bool cut;     /* shut down by us: nothing more to check */
};

int guard_addr_from_sockaddr(const struct sockaddr *sa, struct guard_addr *ret)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(ret, 0, sizeof(*ret));
	if (!sa)
		return -EAFNOSUPPORT;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		memcpy(ret->bytes + 12, &in->sin_addr, 4);
		ret->bytes[10] = ret->bytes[11] = 0xff;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;
		if (memcmp(b, v4mapped, sizeof(v4mapped)) == 0)
			memcpy(ret->bytes, b, 16); /* an IPv4 client of a dual-stack socket */
		else
			memcpy(ret->bytes, b, 8); /* the /64: one site's or one host's share */
		return 0;
	}
	return -EAFNOSUPPORT;
}

int guard_addr_from_text(const char *text, struct guard_addr *ret)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, text, &in.sin_addr) == 1)
		return guard_addr_from_sockaddr((struct sockaddr *)&in, ret);
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1)
		return guard_addr_from_sockaddr((struct sockaddr *)&in6, ret);
	return -EINVAL;
}

bool guard_addr_eq(const struct guard_addr *a, const struct guard_addr *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* Under g->lock. Once shut down, the connection's thread ends it. */
static void cut(struct guard_conn *gc)
{
	gc->cut = true;
	(void)shutdown(gc->fd, SHUT_RDWR);
}

static void tick(struct guard *g, double now)
{
	const struct guard_settings *s = &g->set;

	for (struct guard_conn *gc = g->conns; gc; gc = gc->next) {
		if (gc->cut)
			continue;
		switch (gc->phase) {
		case GUARD_HEADERS:
			if (now - gc->since < s->header_timeout)
				break;
			atomic_fetch_add(&g->cut_headers, 1);
			log_warn("%s: closed: no complete request headers within %u s (HeaderTimeout)",
				 gc->text, s->header_timeout);
			cut(gc);
			break;
		case GUARD_BODY:
			if (now - gc->win_start < s->body_window)
				break;
			if (gc->win_bytes < s->min_body_rate * s->body_window) {
				atomic_fetch_add(&g->cut_slow_body, 1);
				log_warn("%s: upload ended: %llu bytes in the last %u s, below %llu bytes/s "
					 "(MinUploadRate); nothing was kept",
					 gc->text, (unsigned long long)gc->win_bytes, s->body_window,
					 (unsigned long long)s->min_body_rate);
				cut(gc);
				break;
			}
			gc->win_start = now;
			gc->win_bytes = 0;
			break;
		case GUARD_WORKING:
			break;
		case GUARD_ANSWER:
			if (now - gc->since < gc->answer_limit)
				break;
			atomic_fetch_add(&g->cut_answer, 1);
			log_warn("%s: closed: the request was not read and answered within %.0f s",
				 gc->text, gc->answer_limit);
			cut(gc);
			break;
		}
	}
}

static void *guard_thread(void *arg)
{
	struct guard *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		cond_wait_ms(&g->wake, &g->lock, GUARD_TICK_MS);
		if (!g->stop)
			tick(g, monotonic_seconds());
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int guard_init(struct guard *g, const struct guard_settings *set)
{

	memset(g, 0, sizeof(*g));
	g->set = *set;
	pthread_mutex_init(&g->lock, NULL);
	cond_init_monotonic(&g->wake);
	return 0;
}

int guard_start(struct guard *g)
{
	int r = pthread_create(&g->thread, NULL, guard_thread, g);
	if (r != 0)
		return -r;
	g->running = true;
	return 0;
}

void guard_stop(struct guard *g)
{
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
		g->running = false;
	}
	/* records of connections still open belong to MHD's notifications, which
	 * have all been called once the daemons are stopped */
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
}

static void conn_started(struct guard *g, struct MHD_Connection *c, void **socket_context)
{
	const union MHD_ConnectionInfo *ai = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const struct sockaddr *sa = ai ? ai->client_addr : NULL;
	struct guard_conn *gc = calloc(1, sizeof(*gc));
	unsigned same = 0;
	double now = monotonic_seconds();

	if (!gc || !fi) {
		/* no record: end the connection rather than serve it unguarded */
		free(gc);
		if (fi)
			(void)shutdown(fi->connect_fd, SHUT_RDWR);
		return;
	}
	gc->g = g;
	gc->fd = fi->connect_fd;
	gc->phase = GUARD_HEADERS;
	gc->since = now;
	(void)guard_addr_from_sockaddr(sa, &gc->addr);
	sockaddr_ip_text(sa, gc->text, sizeof(gc->text));

	pthread_mutex_lock(&g->lock);
	for (struct guard_conn *o = g->conns; o; o = o->next)
		if (!o->cut && guard_addr_eq(&o->addr, &gc->addr))
			same++;
	gc->next = g->conns;
	if (g->conns)
		g->conns->prev = gc;
	g->conns = gc;
	g->n_conns++;
	*socket_context = gc;
	if (same >= g->set.max_conns_per_addr) {
		atomic_fetch_add(&g->refused_conns, 1);
		if (now - g->last_refusal_log >= 1.0) {
			log_warn("%s: connection refused: %u connections from this address are open "
				 "(MaxConnectionsPerAddress)",
				 gc->text, same);
			if (g->refusals_unlogged)
				log_warn("%u more connection(s) refused for MaxConnectionsPerAddress in the "
					 "last second", g->refusals_unlogged);
			g->last_refusal_log = now;
			g->refusals_unlogged = 0;
		} else {
			g->refusals_unlogged++;
		}
		cut(gc);
	}
	pthread_mutex_unlock(&g->lock);
}

static void conn_closed(struct guard *g, void **socket_context)
{
	struct guard_conn *gc = *socket_context;

	if (!gc)
		return;
	pthread_mutex_lock(&g->lock);
	if (gc->prev)
		gc->prev->next = gc->next;
	else
		g->conns = gc->next;
	if (gc->next)
		gc->next->prev = gc->prev;
	g->n_conns--;
	pthread_mutex_unlock(&g->lock);
	*socket_context = NULL;
	free(gc);
}

void guard_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			     enum MHD_ConnectionNotificationCode toe)
{
	struct guard *g = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		conn_started(g, c, socket_context);
	else if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		conn_closed(g, socket_context);
}

const struct guard_addr *guard_conn_addr(const struct guard_conn *gc)
{
	static const struct guard_addr none;
	return gc ? &gc->addr : &none;
}

struct guard_conn *guard_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void set_phase(struct guard_conn *gc, enum guard_phase p, uint64_t answer_size)
{
	struct guard *g;
	double now;

	if (!gc)
		return;
	g = gc->g;
	now = monotonic_seconds();
	pthread_mutex_lock(&g->lock);
	gc->answer_limit = g->set.answer_timeout;
	if (answer_size && g->set.min_answer_rate)
		gc->answer_limit += (double)answer_size / (double)g->set.min_answer_rate;
	if (p == GUARD_BODY && gc->phase != GUARD_BODY) {
		if (gc->phase != GUARD_WORKING) {
			gc->body_start = now;
			gc->body_bytes = 0;
		}
		/* a new window: time the server made the client wait is not its own */
		gc->win_start = now;
		gc->win_bytes = 0;
	}
	gc->phase = p;
	gc->since = now;
	pthread_mutex_unlock(&g->lock);
}

void guard_phase(struct guard_conn *gc, enum guard_phase p)
{
	set_phase(gc, p, 0);
}

void guard_answer(struct guard_conn *gc, uint64_t size)
{
	set_phase(gc, GUARD_ANSWER, size);
}

void guard_body(struct guard_conn *gc, uint64_t n)
{
	struct guard *g;

	if (!gc || n == 0)
		return;
	g = gc->g;
	pthread_mutex_lock(&g->lock);
	gc->win_bytes += n;
	gc->body_bytes += n;
	pthread_mutex_unlock(&g->lock);
}

bool guard_peer_closed(const struct guard_conn *gc)
{
	char c;
	return gc && recv(gc->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

bool guard_was_cut(struct guard_conn *gc)
{
	bool cut;

	if (!gc)
		return false;
	pthread_mutex_lock(&gc->g->lock);
	cut = gc->cut;
	pthread_mutex_unlock(&gc->g->lock);
	return cut;
}

void guard_send_raw(const struct guard_conn *gc, const char *data, size_t len)
{
	while (gc && len > 0) {
		ssize_t n = send(gc->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

bool guard_upload_begin(struct guard_conn *gc)
{
	struct guard *g;
	unsigned same = 0;
	bool ok;

	if (!gc)
		return true;
	g = gc->g;
	pthread_mutex_lock(&g->lock);
	for (struct guard_conn *o = g->conns; o; o = o->next)
		if (o->upload && guard_addr_eq(&o->addr, &gc->addr))
			same++;
	ok = same < g->set.max_uploads_per_addr;
	if (ok)
		gc->upload = true;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void guard_upload_end(struct guard_conn *gc)
{
	struct guard *g;

	if (!gc)
		return;
	g = gc->g;
	pthread_mutex_lock(&g->lock);
	gc->upload = false;
	pthread_mutex_unlock(&g->lock);
}

bool guard_preempt_slowest(struct guard *g, const struct guard_conn *except)
{
	struct guard_conn *slowest = NULL;
	double now = monotonic_seconds(), slowest_rate = 0;
	/* an upload shows its rate over a whole window (at most 10 s) first */
	double grace = g->set.body_window < 10 ? g->set.body_window : 10;

	pthread_mutex_lock(&g->lock);
	for (struct guard_conn *o = g->conns; o; o = o->next) {
		double t, rate;
		if (o == except || o->cut || !o->upload || o->phase != GUARD_BODY)
			continue;
		t = now - o->body_start;
		if (t < grace)
			continue;
		rate = (double)o->body_bytes / t;
		if (rate >= (double)g->set.preempt_rate)
			continue;
		if (!slowest || rate < slowest_rate) {
			slowest = o;
			slowest_rate = rate;
		}
	}
	if (slowest) {
		atomic_fetch_add(&g->preempted, 1);
		log_warn("%s: upload ended: every upload slot is taken and it was the slowest "
			 "(%.0f bytes/s on average, below %llu); nothing was kept",
			 slowest->text, slowest_rate, (unsigned long long)g->set.preempt_rate);
		cut(slowest);
	}
	pthread_mutex_unlock(&g->lock);
	return slowest != NULL;
}
