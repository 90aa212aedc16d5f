/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf-keys - print every configuration key (common/config.c's one table)
 * as the definition list of retrace-server.conf(5): the man page is made
 * from the table the programs read, so the two cannot drift. Build-time
 * only; not installed.
 */
#include <stdio.h>
#include <string.h>

#include "common/config.h"

static void print_key(const char *name, const char *type, const char *def, const char *desc,
		      void *userdata)
{
	(void)userdata;
	printf("**%s** = %s\n:   %s (%s)\n\n", name, *def ? def : "(empty)", desc, type);
}

int main(void)
{
	config_foreach_key(print_key, NULL);
	return 0;
}
