/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.c - confine_daemon() (confine.h): the daemons' own confinement.
 * Apart from confine.c so that what the sandbox links (statically, for
 * retrace-sandbox) does not pull the name service in with getpwnam().
 */
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"

#define NEWROOT_BASE "/tmp"
#define OLDROOT "oldroot"

static int fail(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int fail(char **ret_error, const char *fmt, ...)
{
	int e = errno;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(*ret_error);
	if (asprintf(ret_error, "%s: %s", msg, strerror(e)) < 0)
		*ret_error = NULL;
	return -(e ? e : EINVAL);
}

int confine_daemon(const char *dir, const char *user, char **ret_error)
{
	const struct confine_bind b = { dir, true };
	return confine_daemon_binds(&b, 1, user, ret_error);
}

int confine_daemon_binds(const struct confine_bind *binds, size_t nbinds, const char *user, char **ret_error)
{
	char real[PATH_MAX], src[PATH_MAX + sizeof(OLDROOT) + 2], first[PATH_MAX];
	uid_t uid = getuid(), target_uid = uid;
	gid_t gid = getgid(), target_gid = gid;
	bool root = geteuid() == 0;
	int r;

	char reals[CONFINE_BINDS_MAX][PATH_MAX];

	*ret_error = NULL;
	if (nbinds == 0 || nbinds > CONFINE_BINDS_MAX) {
		errno = EINVAL;
		return fail(ret_error, "%zu directories to keep (1 to %d)", nbinds, CONFINE_BINDS_MAX);
	}
	/* resolved on the host, before anything moves */
	for (size_t i = 0; i < nbinds; i++)
		if (!realpath(binds[i].path, reals[i]))
			return fail(ret_error, "cannot resolve %s", binds[i].path);
	snprintf(first, sizeof(first), "%s", reals[0]);
	if (root) {
		struct passwd *pw = getpwnam(user);
		if (!pw) {
			errno = ENOENT;
			return fail(ret_error, "RunAsUser '%s' does not exist", user);
		}
		if (pw->pw_uid == 0) {
			errno = EPERM;
			return fail(ret_error, "RunAsUser '%s' is root; refusing to keep privileges",
				    user);
		}
		target_uid = pw->pw_uid;
		target_gid = pw->pw_gid;

		if (unshare(CLONE_NEWNS) < 0)
			return fail(ret_error, "unshare(CLONE_NEWNS)");
	} else {
		/*
		 * Without root we make the mounts in a user namespace of our
		 * own, mapping only our own ids: nothing gains a privilege
		 * outside of it.
		 */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return fail(ret_error,
				    "unshare(CLONE_NEWUSER|CLONE_NEWNS) (are unprivileged user "
				    "namespaces disabled, e.g. by kernel.unprivileged_userns_clone=0 "
				    "or an LSM?)");
		r = userns_map_ids(0, uid, uid, gid, gid);
		if (r < 0) {
			errno = -r;
			return fail(ret_error, "writing our user namespace's setgroups, uid_map, gid_map");
		}
	}

	/* Nothing we mount from here on may leak back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(ret_error, "making / private");
	/* The new root: an empty tmpfs, shadowing /tmp only in our namespace. */
	if (mount("tmpfs", NEWROOT_BASE, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=256k,nr_inodes=64") < 0)
		return fail(ret_error, "mounting a tmpfs on %s", NEWROOT_BASE);
	if (chdir(NEWROOT_BASE) < 0)
		return fail(ret_error, "chdir %s", NEWROOT_BASE);
	if (mkdir(OLDROOT, 0700) < 0)
		return fail(ret_error, "mkdir %s", OLDROOT);
	if (syscall(SYS_pivot_root, ".", OLDROOT) < 0)
		return fail(ret_error, "pivot_root");
	if (chdir("/") < 0)
		return fail(ret_error, "chdir /");

	/* The directories we keep, at their own paths, without exec or devices,
	 * in order (a later one may lie inside an earlier one) */
	for (size_t i = 0; i < nbinds; i++) {
		snprintf(real, sizeof(real), "%s", reals[i]);
		/* mode 0755 whatever the umask: RunAsUser must traverse them;
		 * one that is there (inside a bind made before) is left as it is */
		r = mkdir_p_at(AT_FDCWD, real, 0755);
		if (r < 0) {
			errno = -r;
			return fail(ret_error, "creating %s in the new root", real);
		}
		snprintf(src, sizeof(src), "/" OLDROOT "%s", real);
		if (mount(src, real, NULL, MS_BIND | MS_REC, NULL) < 0)
			return fail(ret_error, "binding %s", real);
		if (mount(NULL, real, NULL,
			  MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC | (binds[i].writable ? 0 : MS_RDONLY) |
				  mount_locked_flags(real),
			  NULL) < 0)
			return fail(ret_error, "remounting %s nosuid,nodev,noexec%s", real,
				    binds[i].writable ? "" : ",ro");
	}
	if (umount2("/" OLDROOT, MNT_DETACH) < 0)
		return fail(ret_error, "detaching the old root");
	if (rmdir("/" OLDROOT) < 0)
		return fail(ret_error, "removing /%s", OLDROOT);
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return fail(ret_error, "remounting / read-only");
	if (chdir(first) < 0)
		return fail(ret_error, "chdir %s", first);

	if (root) {
		/* Bounding set before the uid change, while CAP_SETPCAP is held. */
		r = caps_bounding_drop_all();
		if (r < 0) {
			errno = -r;
			return fail(ret_error, "emptying the capability bounding set");
		}
		if (setgroups(0, NULL) < 0)
			return fail(ret_error, "setgroups");
		if (setresgid(target_gid, target_gid, target_gid) < 0)
			return fail(ret_error, "setresgid %u", (unsigned)target_gid);
		/* Leaving uid 0 without PR_SET_KEEPCAPS clears every capability. */
		if (setresuid(target_uid, target_uid, target_uid) < 0)
			return fail(ret_error, "setresuid %u", (unsigned)target_uid);
	}
	r = caps_drop_all();
	if (r < 0) {
		errno = -r;
		return fail(ret_error, "dropping capabilities");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(ret_error, "PR_SET_NO_NEW_PRIVS");
	/* Keeps the TLS key out of reach of other processes of the same user. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail(ret_error, "PR_SET_DUMPABLE");
	return 0;
}
