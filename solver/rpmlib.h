/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rpmlib.h - the one place that initializes librpm for our programs.
 *
 * rpmlib_init() reads rpm's macro files (the payload reader needs them) and
 * routes librpm's own log lines into a per-thread buffer instead of stderr,
 * so that a daemon's output stays ours and an error can quote what librpm
 * said ("Header V4 RSA/SHA512 Signature, key ID 30d073b5: NOKEY"). The
 * host's rpmdb is never opened by anything here. Safe to call often and
 * from several threads.
 */
#ifndef RETRACE_RPMLIB_H
#define RETRACE_RPMLIB_H

void rpmlib_init(void);

/* Forget what librpm said on this thread. */
void rpmlib_clear_message(void);
/* librpm's last warning or error on this thread, without the trailing
 * newline; "" when it said nothing since rpmlib_clear_message(). */
const char *rpmlib_last_message(void);

#endif
