/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - checked number parsing, a bounded growable buffer, small string
 * helpers. Pure functions: no logging, no global state; any process.
 *
 * struct buf invariants (after buf_init): data is NULL or NUL-terminated,
 * len < cap <= max + 1, and len never exceeds max. An append that would
 * exceed max fails with -E2BIG and releases the buffer (curl's dynbuf rule:
 * a buffer that overflowed holds nothing anyone should use).
 */
#ifndef RETRACE_UTIL_H
#define RETRACE_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "macro.h"

/* Decimal digits only (no sign, no spaces, no leading '+'), value <= max. */
int parse_u64(const char *s, uint64_t max, uint64_t *ret);
int parse_u64_n(const char *s, size_t n, uint64_t max, uint64_t *ret);
/* Signed decimal with optional leading '-', within [min, max]. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret);
/* 1/0, yes/no, true/false, on/off (case-insensitive). */
int parse_bool(const char *s, bool *ret);
/* "HOST:PORT" with a numeric IPv4 host, or "[IPv6]:PORT". */
int parse_listen_address(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);
/* The numeric address of an AF_INET or AF_INET6 sockaddr, else "?". */
void sockaddr_ip_text(const struct sockaddr *sa, char *buf, size_t len);

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	bool failed; /* an append failed: data is NULL and every later append fails */
};

/* Initializer for declarations: struct buf b = BUF_INIT(max); */
#define BUF_INIT(m) { .data = NULL, .len = 0, .cap = 0, .max = (m) }
void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_appendf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
/* Hand the data out (NUL-terminated, never NULL on success); b is reset. */
char *buf_steal(struct buf *b);

static inline void buf_releasep(struct buf *b)
{
	buf_release(b);
}
#define _cleanup_buf_ _cleanup_(buf_releasep)

/*
 * A release id: <dist>-<version>-<arch> (fedora-39-x86_64, rhel-8.6-x86_64),
 * exactly two dashes, no empty part, [A-Za-z0-9._] otherwise, at most
 * RELEASE_ID_MAX bytes. Safe as a directory name under RepoDir.
 */
bool release_id_valid(const char *value);

/*
 * For library code that reports errors in a caller-freed *ret_error: set it
 * (unless ret_error is NULL or already set, so the first cause wins) and
 * return r, so that "return error_set(ret_error, -EIO, ...)" reads well.
 */
int error_set(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);

/* Lowercase hex of in[0..n) into out, which holds 2*n+1 bytes (NUL-terminated). */
void hex_encode(const void *in, size_t n, char *out);
/* qsort()/bsearch() comparator of an array of strings (char * elements), strcmp() order. */
int str_ptr_cmp(const void *a, const void *b);

/* CLOCK_MONOTONIC in milliseconds and in seconds, for deadlines and timings. */
/* Unix seconds t as 2026-12-04T18:00:00Z; "-" for 0 or less. */
void format_utc_time(int64_t t, char *buf, size_t size);
uint64_t monotonic_ms(void);
double monotonic_seconds(void);
/*
 * The next word of a list separated by spaces and tabs, from *p (which moves
 * past it): its start and *ret_len, or NULL at the end.
 */
const char *next_word(const char **p, size_t *ret_len);
/*
 * In text of "KEY VALUE" lines, the value of the first line whose KEY is key
 * (bytewise, or ignoring case): its start and *ret_len (up to the line's
 * end), or NULL.
 */
const char *text_value(const char *text, const char *key, bool nocase, size_t *ret_len);
/* A condition variable timed on CLOCK_MONOTONIC, and a wait on it of at most ms. */
void cond_init_monotonic(pthread_cond_t *c);
int cond_wait_ms(pthread_cond_t *c, pthread_mutex_t *m, long ms);

/*
 * Text files of lines sorted bytewise (LC_ALL=C sort) by their first field
 * (up to a space or the end of the line), binary-searched in place (often
 * mmap()ed): .published/packages, the solver's build-id index.
 *
 * line_field_cmp(): the first field of the line at p (avail bytes left)
 * against key[0..klen), like memcmp. sorted_lines_find(): the offset of the
 * first line whose first field is >= key (len when none); the lines with
 * an equal field follow it.
 */
int line_field_cmp(const char *p, size_t avail, const char *key, size_t klen);
size_t sorted_lines_find(const char *data, size_t len, const char *key, size_t klen);

/* A JSON string (or null for NULL): bytes outside printable ASCII become \u00XX. */
void json_write_str(FILE *out, const char *s);

/* Strip leading and trailing spaces/tabs in place; returns s. */
char *str_strip(char *s);
/* True when every byte of s[0..n) is printable ASCII (0x20..0x7e). */
bool mem_is_printable_ascii(const void *s, size_t n);
/* The next line of the NUL-terminated text at *cursor, cut in place at
 * the first of seps ("\r\n", "\n"); *cursor moves past it. NULL at the
 * end of the text. */
char *text_next_line(char **cursor, const char *seps);
/* A name safe in a path, a URL and a page: 1..max bytes of [A-Za-z0-9] and
 * the characters of extra, not starting with a dot. */
bool safe_name_valid(const char *s, size_t n, size_t max, const char *extra);

#endif
