/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * user.h - leaving root for RunAsUser (a file of its own: getpwnam() has no
 * place in the static retrace-sandbox, which links the rest of common/).
 */
#ifndef RETRACE_USER_H
#define RETRACE_USER_H

/*
 * Started as root: become user (RunAsUser) for good, with no supplementary
 * groups, and dumpable again (so its own sandboxes' /proc files stay its
 * own). Not root: nothing to do. Refuses a user that is root.
 */
int drop_to_user(const char *user, char **ret_error);

#endif
