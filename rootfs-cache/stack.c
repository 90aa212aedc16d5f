/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rootfs-cache/stack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"

#define FSCONFIG_VALUE_MAX 256 /* the kernel's limit on one fsconfig() string */

/* The kernel's own words about a failed fsconfig(), when it left any. */
static void fs_context_message(int fs, char *out, size_t outsz)
{
	ssize_t n;

	out[0] = '\0';
	while ((n = read(fs, out, outsz - 1)) > 0) {
		out[n] = '\0';
		if (n > 0 && out[n - 1] == '\n')
			out[n - 1] = '\0';
	}
}

static int mount_new_api(const char *const *layers, size_t n, bool *ret_unsupported,
			 char **ret_error)
{
	_cleanup_close_ int fs = -1, mfd = -1;
	char msg[256];

	*ret_unsupported = false;
	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0) {
		*ret_unsupported = errno == ENOSYS;
		return error_set(ret_error, -errno, "fsopen(overlay): %m");
	}
	if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0) {
		fs_context_message(fs, msg, sizeof(msg));
		return error_set(ret_error, -errno, "overlay option userxattr: %m %s", msg);
	}
	for (size_t i = 0; i < n; i++) {
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", layers[i], 0) < 0) {
			int e = errno;
			fs_context_message(fs, msg, sizeof(msg));
			/* older kernels do not know the parameter at all */
			if (i == 0 && e == EINVAL && (strstr(msg, "nknown") || !*msg)) {
				*ret_unsupported = true;
				return -EOPNOTSUPP;
			}
			return error_set(ret_error, -e, "layer %s: %s %s", layers[i], strerror(e), msg);
		}
	}
	/* relative to the current directory: the tmpfs just mounted */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", "u", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", "w", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		fs_context_message(fs, msg, sizeof(msg));
		return error_set(ret_error, -e, "creating the overlay: %s %s", strerror(e), msg);
	}
	mfd = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mfd < 0)
		return error_set(ret_error, -errno, "fsmount: %m");
	/* over the tmpfs, which stays beneath holding the writable layer */
	if (move_mount(mfd, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return error_set(ret_error, -errno, "move_mount: %m");
	return 0;
}

static int mount_legacy(const char *const *layers, size_t n, char **ret_error)
{
	/* "userxattr,lowerdir=" + n * "NNN:" + ",upperdir=../u,workdir=../w" */
	char data[4096];
	size_t o;
	int k;

	if (mkdir("l", 0755) < 0)
		return error_set(ret_error, -errno, "mkdir l: %m");
	k = snprintf(data, sizeof(data), "userxattr,lowerdir=");
	o = (size_t)k;
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "l/%zu", i);
		if (symlink(layers[i], name) < 0)
			return error_set(ret_error, -errno, "symlink %s: %m", name);
		k = snprintf(data + o, sizeof(data) - o, "%s%zu", i ? ":" : "", i);
		if (k < 0 || (size_t)k >= sizeof(data) - o)
			return error_set(ret_error, -E2BIG, "too many layers for mount(2)");
		o += (size_t)k;
	}
	k = snprintf(data + o, sizeof(data) - o, ",upperdir=../u,workdir=../w");
	if (k < 0 || (size_t)k >= sizeof(data) - o)
		return error_set(ret_error, -E2BIG, "too many layers for mount(2)");
	if (chdir("l") < 0)
		return error_set(ret_error, -errno, "chdir l: %m");
	/* relative names resolve from here; the overlay goes over "..", the target */
	if (mount("overlay", "..", "overlay", MS_NOSUID | MS_NODEV, data) < 0) {
		int e = errno;
		return error_set(ret_error, -e, "mount(overlay): %s", strerror(e));
	}
	if (chdir("..") < 0)
		return error_set(ret_error, -errno, "chdir: %m");
	return 0;
}

int stack_mount(const char *target, const char *const *layers, size_t n, uint64_t upper_bytes,
		unsigned flags, const char **ret_method, char **ret_error)
{
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char opts[64];
	bool unsupported = true;
	int r;

	*ret_method = NULL;
	if (n == 0 || n > ROOTFS_MAX_LAYERS)
		return error_set(ret_error, -E2BIG, "a stack holds 1 to %d layers, not %zu",
				 ROOTFS_MAX_LAYERS, n);
	for (size_t i = 0; i < n; i++)
		if (layers[i][0] != '/' || strlen(layers[i]) >= FSCONFIG_VALUE_MAX || strchr(layers[i], ':') ||
		    strchr(layers[i], ','))
			return error_set(ret_error, -EINVAL,
					 "layer %zu: not an absolute path shorter than %d bytes without : or ,",
					 i, FSCONFIG_VALUE_MAX);
	if (cwd < 0)
		return error_set(ret_error, -errno, "cannot open the current directory: %m");

	snprintf(opts, sizeof(opts), "mode=0755,size=%llu", (unsigned long long)upper_bytes);
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return error_set(ret_error, -errno, "mounting the writable layer on %s: %m", target);
	if (chdir(target) < 0 || mkdir("u", 0755) < 0 || mkdir("w", 0755) < 0) {
		r = error_set(ret_error, -errno, "preparing the writable layer: %m");
		goto fail;
	}
	if (!(flags & STACK_LEGACY_MOUNT)) {
		r = mount_new_api(layers, n, &unsupported, ret_error);
		if (r == 0) {
			*ret_method = "lowerdir+";
			goto done;
		}
		if (!unsupported)
			goto fail;
		free(*ret_error);
		*ret_error = NULL;
	}
	r = mount_legacy(layers, n, ret_error);
	if (r < 0)
		goto fail;
	*ret_method = "mount(2)";
done:
	if (fchdir(cwd) < 0)
		return error_set(ret_error, -errno, "cannot return to the previous directory: %m");
	return 0;
fail:
	if (fchdir(cwd) < 0)
		r = error_set(ret_error, -errno, "cannot return to the previous directory: %m");
	(void)umount2(target, MNT_DETACH);
	return r;
}

/* --- conflicts ------------------------------------------------------------------ */

struct cursor {
	const char *p, *end; /* the current line and the end of the list */
	size_t plen;          /* path length of the current line */
	size_t layer;
};

struct list_map {
	void *map; /* the list's bytes */
	size_t len;
};

static void cursor_load(struct cursor *c)
{
	const char *tab;
	while (c->p < c->end) {
		const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
		if (!nl)
			nl = c->end;
		tab = memchr(c->p, '\t', (size_t)(nl - c->p));
		if (tab) {
			c->plen = (size_t)(tab - c->p);
			return;
		}
		c->p = nl + 1; /* not one of ours: skip */
	}
}

static void cursor_next(struct cursor *c)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	c->p = nl ? nl + 1 : c->end;
	cursor_load(c);
}

static int cursor_cmp(const struct cursor *a, const struct cursor *b)
{
	int k = memcmp(a->p, b->p, MIN(a->plen, b->plen));
	if (k)
		return k;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return a->layer < b->layer ? -1 : (a->layer > b->layer);
}

static void heap_down(struct cursor **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && cursor_cmp(h[l], h[m]) < 0)
			m = l;
		if (l + 1 < n && cursor_cmp(h[l + 1], h[m]) < 0)
			m = l + 1;
		if (m == i)
			return;
		struct cursor *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* "KIND\tDATA" of the current line, as a string in buf */
static const char *line_data(const struct cursor *c, char *buf, size_t bufsz)
{
	const char *s = c->p + c->plen + 1;
	const char *nl = memchr(s, '\n', (size_t)(c->end - s));
	size_t len = nl ? (size_t)(nl - s) : (size_t)(c->end - s);
	snprintf(buf, bufsz, "%.*s", (int)MIN(len, bufsz - 1), s);
	return buf;
}

/* a non-directory seen in the merged walk, which may hide what lies under it */
struct shadow {
	char path[4096];
	size_t plen, layer, reported_layer;
	char data[4096];
};

int stack_conflicts(const char *const *lists, size_t n, stack_conflict_fn fn, void *userdata,
		    char **ret_error)
{
	struct list_map *maps = calloc(n ? n : 1, sizeof(struct list_map));
	struct cursor *cur = calloc(n ? n : 1, sizeof(struct cursor));
	struct cursor **heap = calloc(n ? n : 1, sizeof(struct cursor *));
	struct shadow *sh = malloc(sizeof(struct shadow));
	char *wbuf = malloc(4096), *lbuf = malloc(4096);
	size_t hn = 0;
	bool have_shadow = false;
	int count = 0, r = 0;

	if (!maps || !cur || !heap || !sh || !wbuf || !lbuf) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd = open(lists[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat st;

		if (fd < 0 || fstat(fd, &st) < 0) {
			r = error_set(ret_error, -errno, "cannot open %s: %m", lists[i]);
			goto out;
		}
		if ((uint64_t)st.st_size > ROOTFS_MAX_FILE_LIST) {
			r = error_set(ret_error, -EFBIG, "%s is too large", lists[i]);
			goto out;
		}
		cur[i].layer = i;
		if (st.st_size == 0)
			continue;
		/* read, not mmap: most lists are a page or two, and a read is one syscall */
		maps[i].len = (size_t)st.st_size;
		maps[i].map = malloc(maps[i].len);
		if (!maps[i].map) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t got = 0; got < maps[i].len;) {
			ssize_t k = read(fd, (char *)maps[i].map + got, maps[i].len - got);
			if (k <= 0) {
				r = error_set(ret_error, k < 0 ? -errno : -EIO, "cannot read %s", lists[i]);
				goto out;
			}
			got += (size_t)k;
		}
		cur[i].p = maps[i].map;
		cur[i].end = cur[i].p + maps[i].len;
		cursor_load(&cur[i]);
		if (cur[i].p < cur[i].end)
			heap[hn++] = &cur[i];
	}
	for (size_t i = hn; i-- > 0;)
		heap_down(heap, hn, i);

	while (hn > 0) {
		struct cursor *w = heap[0];
		const char *wpath = w->p;
		size_t wplen = w->plen, wlayer = w->layer;
		const char *wdata = line_data(w, wbuf, 4096);

		/* under a non-directory of another layer? */
		while (have_shadow) {
			if (wplen > sh->plen && memcmp(wpath, sh->path, sh->plen) == 0 &&
			    wpath[sh->plen] == '/') {
				if (sh->layer != wlayer && sh->reported_layer != wlayer) {
					char p[4096];
					snprintf(p, sizeof(p), "%.*s", (int)wplen, wpath);
					sh->reported_layer = wlayer;
					count++;
					r = sh->layer < wlayer
						    ? fn(STACK_CONFLICT_HIDDEN, p, sh->layer, sh->data, wlayer, wdata, userdata)
						    : fn(STACK_CONFLICT_HIDDEN, sh->path, wlayer, wdata, sh->layer, sh->data,
							 userdata);
					if (r < 0)
						goto out;
				}
				break;
			}
			/* paths that sort between P and P/... ("P-x", "P.x") keep it */
			if (wplen > sh->plen && memcmp(wpath, sh->path, sh->plen) == 0 &&
			    (unsigned char)wpath[sh->plen] < '/')
				break;
			have_shadow = false;
		}

		/* this path's entries in every layer: the heap gives them in layer order */
		bool first = true;
		while (hn > 0) {
			struct cursor *c = heap[0];
			if (c->plen != wplen || memcmp(c->p, wpath, wplen) != 0)
				break;
			if (!first) {
				const char *ldata = line_data(c, lbuf, 4096);
				if (strcmp(ldata, wdata) != 0) {
					char p[4096];
					snprintf(p, sizeof(p), "%.*s", (int)wplen, wpath);
					count++;
					r = fn(STACK_CONFLICT_DIFFERS, p, wlayer, wdata, c->layer, ldata, userdata);
					if (r < 0)
						goto out;
				}
			}
			first = false;
			cursor_next(c);
			if (c->p >= c->end)
				heap[0] = heap[--hn];
			heap_down(heap, hn, 0);
		}
		/* the shown non-directory, for what other layers have under it */
		if (!have_shadow && wplen < sizeof(sh->path)) {
			memcpy(sh->path, wpath, wplen);
			sh->path[wplen] = '\0';
			sh->plen = wplen;
			sh->layer = wlayer;
			sh->reported_layer = (size_t)-1;
			snprintf(sh->data, sizeof(sh->data), "%s", wdata);
			have_shadow = true;
		}
	}
	r = count;
out:
	for (size_t i = 0; maps && i < n; i++)
		free(maps[i].map);
	free(maps);
	free(cur);
	free(heap);
	free(sh);
	free(wbuf);
	free(lbuf);
	return r;
}
