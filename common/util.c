/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"
#include "limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int parse_u64_n(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || n == 0 || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	if (!s)
		return -EINVAL;
	return parse_u64_n(s, strlen(s), max, ret);
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	uint64_t mag;
	bool neg = false;
	int r;

	if (!s)
		return -EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	r = parse_u64(s, (uint64_t)INT64_MAX + (neg ? 1 : 0), &mag);
	if (r < 0)
		return r;
	if (neg) {
		int64_t v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
		if (v < min)
			return -ERANGE;
		*ret = v;
	} else {
		if ((int64_t)mag > max)
			return -ERANGE;
		*ret = (int64_t)mag;
	}
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

void sockaddr_ip_text(const struct sockaddr *sa, char *buf, size_t len)
{
	snprintf(buf, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
}

int parse_listen_address(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hstart, *hend;
	uint64_t port;
	size_t hlen;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') {
		hstart = s + 1;
		hend = strchr(hstart, ']');
		if (!hend || hend[1] != ':')
			return -EINVAL;
		colon = hend + 1;
	} else {
		hstart = s;
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hend = colon;
	}
	hlen = (size_t)(hend - hstart);
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';
	if (parse_u64(colon + 1, 65535, &port) < 0 || port == 0)
		return -EINVAL;

	memset(ret, 0, sizeof(*ret));
	if (s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ret;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin);
	}
	return 0;
}

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->failed = false;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	char *n;

	/* a buffer that lost its data stays failed: an append after the
	 * failure must not start a new, truncated text */
	if (b->failed)
		return -E2BIG;
	if (extra > b->max - b->len) {
		buf_release(b);
		b->failed = true;
		return -E2BIG;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (b->max < SIZE_MAX && ncap > b->max + 1) /* max + 1 would wrap to 0 */
		ncap = b->max + 1;
	n = realloc(b->data, ncap);
	if (!n) {
		buf_release(b);
		b->failed = true;
		return -ENOMEM;
	}
	b->data = n;
	b->cap = ncap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	int r = buf_reserve(b, len);
	if (r < 0)
		return r;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *buf_steal(struct buf *b)
{
	char *p;

	if (!b->data) {
		if (buf_reserve(b, 0) < 0 || !b->data)
			return NULL;
		b->data[0] = '\0';
	}
	p = b->data;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

char *str_strip(char *s)
{
	size_t len;
	char *start = s;

	while (*start == ' ' || *start == '\t')
		start++;
	len = strlen(start);
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t' ||
			   start[len - 1] == '\r' || start[len - 1] == '\n'))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

bool mem_is_printable_ascii(const void *s, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

bool release_id_valid(const char *value)
{
	const char *d1, *d2;
	size_t n;

	if (!value)
		return false;
	n = strlen(value);
	if (n == 0 || n > RELEASE_ID_MAX || value[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = value[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	d1 = strchr(value, '-');
	if (d1 == value)
		return false;
	d2 = d1 ? strchr(d1 + 1, '-') : NULL;
	if (!d2 || d2 == d1 + 1 || d2[1] == '\0' || strchr(d2 + 1, '-'))
		return false;
	return true;
}

void json_write_str(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

int error_set(char **ret_error, int r, const char *fmt, ...)
{
	va_list ap;

	if (ret_error && !*ret_error) {
		va_start(ap, fmt);
		if (vasprintf(ret_error, fmt, ap) < 0)
			*ret_error = NULL;
		va_end(ap);
	}
	return r;
}

int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void hex_encode(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void format_utc_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "-");
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
}

int cond_wait_ms(pthread_cond_t *c, pthread_mutex_t *m, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(c, m, &ts);
}

const char *next_word(const char **p, size_t *ret_len)
{
	const char *w = *p + strspn(*p, " \t");

	*ret_len = strcspn(w, " \t");
	*p = w + *ret_len;
	return *ret_len ? w : NULL;
}

const char *text_value(const char *text, const char *key, bool nocase, size_t *ret_len)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > kl && p[kl] == ' ' && (nocase ? strncasecmp(p, key, kl) : strncmp(p, key, kl)) == 0) {
			*ret_len = len - kl - 1;
			return p + kl + 1;
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

int line_field_cmp(const char *p, size_t avail, const char *key, size_t klen)
{
	size_t n = 0;
	int c;

	while (n < avail && p[n] != ' ' && p[n] != '\n')
		n++;
	c = memcmp(p, key, MIN(n, klen));
	if (c != 0)
		return c;
	return n < klen ? -1 : n > klen ? 1 : 0;
}

size_t sorted_lines_find(const char *data, size_t len, const char *key, size_t klen)
{
	size_t lo = 0, hi = len;

	/* Invariant: lines before lo are < key, the line at hi (if any) is >= key. */
	while (lo < hi) {
		size_t s = lo + (hi - lo) / 2;
		while (s > lo && data[s - 1] != '\n')
			s--;
		if (line_field_cmp(data + s, len - s, key, klen) < 0) {
			const char *nl = memchr(data + s, '\n', len - s);
			lo = nl ? (size_t)(nl - data) + 1 : len;
		} else {
			hi = s;
		}
	}
	return lo;
}

bool safe_name_valid(const char *s, size_t n, size_t max, const char *extra)
{
	if (n == 0 || n > max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return false;
	}
	return true;
}

char *text_next_line(char **cursor, const char *seps)
{
	char *line = *cursor, *end;

	if (!line || !*line)
		return NULL;
	end = line + strcspn(line, seps);
	*cursor = *end ? end + 1 : NULL;
	*end = '\0';
	return line;
}
