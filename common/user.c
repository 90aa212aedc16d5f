/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "user.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util.h"

int drop_to_user(const char *user, char **ret_error)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(user);
	if (!pw)
		return error_set(ret_error, -ENOENT, "RunAsUser '%s' does not exist", user);
	if (pw->pw_uid == 0)
		return error_set(ret_error, -EPERM, "RunAsUser '%s' is root; refusing to keep privileges", user);
	if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return error_set(ret_error, -errno, "cannot switch to %s: %m", user);
	/* A uid change made us undumpable, which hands /proc/PID/uid_map of the
	 * sandboxes we start to root: take our own processes back. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return error_set(ret_error, -errno, "PR_SET_DUMPABLE: %m");
	return 0;
}
