/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * macro.h - cleanup helpers and small utilities shared by every program.
 *
 * Owns nothing. The cleanup attributes run when a variable leaves scope;
 * every destructor accepts NULL / -1, so a variable may be moved out with
 * TAKE_PTR()/TAKE_FD() to hand ownership to the caller. Any process may use it.
 */
#ifndef RETRACE_MACRO_H
#define RETRACE_MACRO_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) _p = (p);                                        \
		(p) = NULL;                                                    \
		_p;                                                            \
	})

#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int _fd = (fd);                                                \
		(fd) = -1;                                                     \
		_fd;                                                           \
	})

/* Declare a cleanup function for a type with a NULL-safe destructor. */
#define DEFINE_CLEANUP_FUNC(type, func)                                        \
	static inline void func##p(type **p)                                   \
	{                                                                      \
		if (*p)                                                        \
			func(*p);                                              \
	}

#endif
