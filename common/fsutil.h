/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsutil.h - file helpers that work relative to a directory fd, never follow
 * symlinks in the last component, and open everything O_CLOEXEC. Any process.
 */
#ifndef RETRACE_FSUTIL_H
#define RETRACE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Rename fromfd/from to tofd/to, never replacing what is there (-EEXIST).
 * renameat2(RENAME_NOREPLACE) where the file system has it; where it says
 * EINVAL (ceph-fuse has no rename2), a file is linked (link(2) fails with
 * EEXIST atomically, also across CephFS clients) and its old name removed,
 * a directory renamed with rename(2), which never replaces a non-empty
 * directory - every directory the spool moves holds files.
 */
int rename_noreplace_at(int fromfd, const char *from, int tofd, const char *to);
/*
 * The fallback alone (tested on its own: no local file system needs it).
 * A file: link, then unlink the old name; the link failing with EEXIST on
 * the same file (a move cut short by a killed process) completes the move;
 * an old name already gone after the link is not an error. A directory:
 * -EEXIST when the target exists, else rename(2).
 */
int move_noreplace_fallback_at(int fromfd, const char *from, int tofd, const char *to);
/*
 * Replace dirfd/name atomically: the data goes to a temporary file in the
 * same directory, is fsync()ed, and renamed over name; with sync_dir the
 * directory is fsync()ed too, so the new name survives a power loss.
 */
int write_file_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		  bool sync_dir);
/* Create dirfd/name exclusively (fails with -EEXIST), write, fsync. */
int create_file_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);
/*
 * Read a regular file of at most max bytes into a NUL-terminated buffer.
 * -EFBIG when larger, -ELOOP for a symlink, -EBADFD when not regular.
 */
int read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len);
/*
 * Read a small file into buf (NUL-terminated) without allocating: at most
 * bufsize - 1 bytes; -EFBIG when the file is larger. For the hot path of
 * status polls: open, read, close and nothing else.
 */
int read_small_file_at(int dirfd, const char *name, char *buf, size_t bufsize, size_t *ret_len);
/*
 * mkdir -p of path (relative to dirfd, or absolute): each directory it
 * makes gets mode, whatever the umask; those already there are left as
 * they are.
 */
int mkdir_p_at(int dirfd, const char *path, mode_t mode);
/* openat() of a directory: read-only, no symlink, close-on-exec. -1 and errno on error. */
int openat_dir(int dirfd, const char *name);
/* Remove dirfd/name recursively, never following symlinks; max depth 16. */
int rm_rf_at(int dirfd, const char *name);
/* The same for deeper trees (package trees): one open directory per level. */
int rm_rf_at_depth(int dirfd, const char *name, unsigned max_depth);
int fsync_dirfd(int dirfd);
/* Open an existing file (a /proc or /sys knob) and write text to it. */
int write_string_file(const char *path, const char *text);
/* write(2) until all of data is written (EINTR retried); -errno on error. */
int write_all(int fd, const void *data, size_t len);
int random_bytes(void *p, size_t n);
bool file_exists_at(int dirfd, const char *name);

/*
 * A file of lines being made (the solver's index, the published package
 * list): lines are collected, sorted bytewise and deduplicated (what
 * sorted_lines_find() needs), then written atomically. Owns its strings.
 */
struct lines {
	char **v;
	size_t n, cap;
};
int lines_addf(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lines_sort_unique(struct lines *l);
/* header (may be NULL) then the lines, "\n"-terminated; -EFBIG past max bytes. */
int lines_write(int dirfd, const char *name, const char *header, const struct lines *l, size_t max,
		bool sync_dir);
void lines_release(struct lines *l);

#endif
