/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "solver/rpmlib.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>

static __thread char last_message[512];

static int capture(rpmlogRec rec, rpmlogCallbackData data)
{
	const char *msg = rpmlogRecMessage(rec);
	size_t n;

	(void)data;
	if (rpmlogRecPriority(rec) > RPMLOG_WARNING || !msg)
		return 0;
	n = strnlen(msg, sizeof(last_message) - 1);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	memcpy(last_message, msg, n);
	last_message[n] = '\0';
	return 0; /* never printed by librpm itself */
}

static void init_once(void)
{
	rpmlogSetCallback(capture, NULL);
	rpmReadConfigFiles(NULL, NULL);
}

void rpmlib_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
}

void rpmlib_clear_message(void)
{
	last_message[0] = '\0';
}

const char *rpmlib_last_message(void)
{
	return last_message;
}
