/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stack.h - a task's root: an overlayfs mount of package trees (read-only
 * lower layers, first one on top) over a private writable tmpfs layer that
 * disappears with the mount namespace.
 *
 * stack_mount() runs in a process that may mount in its mount namespace
 * (CAP_SYS_ADMIN in the user namespace that owns it: the worker needs no
 * root) and uses the new mount API's "lowerdir+" (Linux 6.8+), one layer
 * per call, so hundreds of layers fit; on older kernels it falls back to
 * mount(2) with short relative names (symlinks to the layers) so that the
 * option string stays within a page. "userxattr" always: the xattrs
 * overlayfs may write go to the user. namespace, as an unprivileged mount
 * must. Mounted nosuid,nodev.
 *
 * The trees never hold whiteouts or overlay xattrs (rootfs-cache/ never
 * creates device nodes or xattrs), so no package can hide another's files;
 * where two layers hold the same path, the upper (earlier) one wins, and
 * stack_conflicts() reports each such path.
 */
#ifndef RETRACE_STACK_H
#define RETRACE_STACK_H

#include <stddef.h>
#include <stdint.h>

enum {
	STACK_LEGACY_MOUNT = 1 << 0, /* use the mount(2) fallback even where lowerdir+ works */
};

/*
 * Mount the stack at target (an existing directory; it gets a tmpfs of
 * upper_bytes for the writable layer, then the overlay on top). layers are
 * absolute paths, top first, at most ROOTFS_MAX_LAYERS, each shorter than
 * 256 bytes. *ret_method: "lowerdir+" or "mount(2)".
 */
int stack_mount(const char *target, const char *const *layers, size_t n, uint64_t upper_bytes,
		unsigned flags, const char **ret_method, char **ret_error);

enum stack_conflict_kind {
	STACK_CONFLICT_DIFFERS, /* the same path, different content or type */
	STACK_CONFLICT_HIDDEN,  /* a file, symlink or directory under a path the other layer has as a non-directory */
};

/* winner is the layer that the stack shows (the lower index). */
typedef int (*stack_conflict_fn)(enum stack_conflict_kind kind, const char *path, size_t winner,
				 const char *winner_data, size_t loser, const char *loser_data,
				 void *userdata);

/*
 * Walk the layers' file lists (rootfs-cache's "files", sorted; same order
 * as the layers) together and call fn for each conflict. Identical files
 * (same digest or same link target) are not conflicts. Returns the number
 * of conflicts, or -errno.
 */
int stack_conflicts(const char *const *lists, size_t n, stack_conflict_fn fn, void *userdata,
		    char **ret_error);

#endif
