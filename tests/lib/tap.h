/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tap.h - a tiny Test Anything Protocol emitter for C unit tests run by
 * prove. Each check prints "ok N - name" or "not ok N - name"; tap_done()
 * prints the plan and returns the exit status. A test binary that prints no
 * check at all fails (the plan 1..0 is only printed by tap_skip_all()).
 */
#ifndef RETRACE_TAP_H
#define RETRACE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define ok(cond, ...)                                                          \
	(tap_ok(!!(cond), __VA_ARGS__) ||                                      \
	 (printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond), 0))

#define is_int(got, want, name)                                                \
	do {                                                                   \
		long long _g = (long long)(got), _w = (long long)(want);       \
		if (!tap_ok(_g == _w, "%s", name))                             \
			printf("#   %s:%d: got %lld, want %lld\n", __FILE__,   \
			       __LINE__, _g, _w);                              \
	} while (0)

#define is_str(got, want, name)                                                \
	do {                                                                   \
		const char *_g = (got), *_w = (want);                          \
		if (!tap_ok(_g && _w && strcmp(_g, _w) == 0, "%s", name))      \
			printf("#   %s:%d: got '%s', want '%s'\n", __FILE__,   \
			       __LINE__, _g ? _g : "(null)", _w ? _w : "(null)"); \
	} while (0)

static inline void tap_diag(const char *msg)
{
	printf("# %s\n", msg);
}

static inline int tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	return 0;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_n == 0) {
		printf("# no test ran\n");
		return 1;
	}
	return tap_failed ? 1 : 0;
}

#endif
