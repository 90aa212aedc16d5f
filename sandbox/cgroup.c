/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox's cgroups. cgroup v2 first: a group of its own per run,
 * made under a base group whose subtree has the memory and pids
 * controllers. Because of v2's rule that a group with controllers for its
 * children holds no process itself, the base is found once per process
 * (sandbox_cgroup_setup()): either we already sit in our own leaf group
 * (SANDBOX_CGROUP_LEAF, made by an earlier setup of this process or its
 * parent) and the base is its parent, or the base already hands the
 * controllers down (the real root), or we are the only process of our
 * group, may write to it (root, or a delegated subtree: systemd's
 * Delegate=yes, a container's own group), and then move into a leaf we
 * make there and enable the controllers for its siblings - what a
 * delegated service is expected to do. Otherwise, per controller, the
 * cgroup v1 hierarchy under /sys/fs/cgroup when we may create groups in it.
 */
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmount/libmount.h>

#include "common/fsutil.h"
#include "common/macro.h"

#define CGROUP_V1 "/sys/fs/cgroup"

static struct {
	bool done;
	char base[256]; /* "" when cgroup v2 gives us nothing */
	bool mem, pids; /* controllers the base hands to its children */
	char note[384];
	/* where v1 groups are made: the hierarchy's root, or a group a root
	 * process made and handed to us (sandbox_cgroup_delegate()) */
	char v1_mem[192], v1_pids[192];
	bool v1_mem_ok, v1_pids_ok;
} v2 = { .v1_mem = CGROUP_V1 "/memory", .v1_pids = CGROUP_V1 "/pids" };

static int write_in(const char *dir, const char *file, const char *text)
{
	char path[512];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return write_string_file(path, text);
}

/* A small file of dir, NUL-terminated; "" when unreadable. */
static void read_in(const char *dir, const char *file, char *buf, size_t size)
{
	char path[512];
	size_t n = 0;

	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return;
	if (read_small_file_at(AT_FDCWD, path, buf, size, &n) < 0)
		buf[0] = '\0';
}

/* Is word one of the space- or newline-separated words of text? */
static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; (p = strstr(p, word)); p += n)
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* "key N" in a flat-keyed file such as memory.events; 0 when absent. */
static unsigned long long keyed_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

/*
 * Our cgroup v2 group as a directory: the first cgroup2 mount in our mount
 * table (libmount reads /proc/self/mountinfo, escapes and all) joined with
 * the "0::" line of /proc/self/cgroup.
 */
static int v2_own_group(char *ret, size_t size)
{
	char cg[4096], *path = NULL, *line, *save = NULL;
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	size_t n = 0;
	int r;

	r = read_small_file_at(AT_FDCWD, "/proc/self/cgroup", cg, sizeof(cg), &n);
	if (r < 0)
		return r;
	for (line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "0::/", 4) == 0)
			path = line + 3;
	if (!path)
		return -ENOENT; /* no unified hierarchy */
	tb = mnt_new_table();
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !it) {
		r = -ENOMEM;
		goto out;
	}
	r = mnt_table_parse_file(tb, "/proc/self/mountinfo");
	if (r < 0)
		goto out;
	r = -ENOENT;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *root = mnt_fs_get_root(fs), *target = mnt_fs_get_target(fs), *rest;
		size_t rl;
		if (!mnt_fs_match_fstype(fs, "cgroup2") || !root || !target)
			continue;
		rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
		if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
			continue; /* our group is not under this mount */
		rest = strcmp(path + rl, "/") == 0 ? "" : path + rl; /* "": the mount's root itself */
		r = snprintf(ret, size, "%s%s", target, rest) >= (int)size ? -ENAMETOOLONG : 0;
		break;
	}
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return r;
}

static void v2_controllers(const char *base)
{
	char sc[256];
	read_in(base, "cgroup.subtree_control", sc, sizeof(sc));
	v2.mem = has_word(sc, "memory");
	v2.pids = has_word(sc, "pids");
	if (v2.mem || v2.pids)
		snprintf(v2.base, sizeof(v2.base), "%s", base);
}

/* We are alone in own and may write there: move into a leaf, hand the controllers down. */
static void v2_split(const char *own)
{
	char procs[64], self[32], leaf[300], ctl[256];

	read_in(own, "cgroup.controllers", ctl, sizeof(ctl));
	if (!has_word(ctl, "memory") && !has_word(ctl, "pids"))
		return;
	read_in(own, "cgroup.procs", procs, sizeof(procs));
	snprintf(self, sizeof(self), "%d\n", (int)getpid());
	if (strcmp(procs, self) != 0)
		return; /* not ours alone: the rule forbids the controllers below it */
	if (snprintf(leaf, sizeof(leaf), "%s/" SANDBOX_CGROUP_LEAF, own) >= (int)sizeof(leaf))
		return;
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return;
	if (write_in(leaf, "cgroup.procs", self) < 0) {
		rmdir(leaf);
		return;
	}
	if (has_word(ctl, "memory"))
		(void)write_in(own, "cgroup.subtree_control", "+memory");
	if (has_word(ctl, "pids"))
		(void)write_in(own, "cgroup.subtree_control", "+pids");
	v2_controllers(own);
	if (!v2.base[0]) { /* nothing handed down: back where we were */
		(void)write_in(own, "cgroup.procs", self);
		rmdir(leaf);
	}
}

/*
 * This process's pid namespace, as a number for group names: workers in
 * several pid namespaces (hosts made of namespaces, containers) share one
 * cgroup hierarchy, and their pids alone would collide. 0 without /proc.
 */
static unsigned long pidns_id(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* A foreign group older than this is left over by a namespace that is gone. */
#define FOREIGN_GROUP_MAX_AGE_S 3600

/*
 * Groups of runs whose supervisor died before removing them (SIGKILL):
 * named retrace-sandbox.NS.PID.SEQ. Ours (NS is our pid namespace) go when
 * PID is gone; another namespace's only when older than an hour - an empty
 * one of a live namespace may be a run's group between its mkdir and its
 * join. A group that still holds a process is not empty and stays (rmdir
 * says EBUSY).
 */
static void remove_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	unsigned long own = pidns_id();

	while (d && (e = readdir(d))) {
		char path[512], *end;
		unsigned long ns;
		long pid;
		struct stat st;
		if (strncmp(e->d_name, "retrace-sandbox.", 16) != 0)
			continue;
		ns = strtoul(e->d_name + 16, &end, 10);
		pid = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
		if (snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) >= (int)sizeof(path))
			continue;
		if (ns == own && pid > 0) {
			if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
		} else if (stat(path, &st) < 0 || time(NULL) - st.st_mtime < FOREIGN_GROUP_MAX_AGE_S) {
			continue;
		}
		(void)rmdir(path);
	}
	if (d)
		closedir(d);
}

/* The cgroup v2 base: the parent of our leaf, our own group if it hands the
 * controllers down, or our group split now (v2_split()); "" when none. */
static void v2_find_base(void)
{
	char own[256];
	const char *name;

	if (v2_own_group(own, sizeof(own)) < 0)
		return;
	name = strrchr(own, '/');
	if (name && strcmp(name + 1, SANDBOX_CGROUP_LEAF) == 0) {
		char parent[256];
		snprintf(parent, sizeof(parent), "%.*s", (int)(name - own), own);
		v2_controllers(parent);
	} else {
		v2_controllers(own);
		if (!v2.base[0])
			v2_split(own);
	}
}

/* The cgroup v1 hierarchy of controller is mounted. */
static bool v1_mounted(const char *controller)
{
	char procs[96];
	snprintf(procs, sizeof(procs), CGROUP_V1 "/%s/cgroup.procs", controller);
	return file_exists_at(AT_FDCWD, procs);
}

const char *sandbox_cgroup_setup(void)
{
	bool v1_mem, v1_pids;

	if (v2.done)
		return v2.note;
	v2.done = true;
	v2_find_base();
	/* v1: groups may be made where we may make directories */
	v1_mem = !v2.mem && access(v2.v1_mem, W_OK) == 0 && v1_mounted("memory");
	v1_pids = !v2.pids && access(v2.v1_pids, W_OK) == 0 && v1_mounted("pids");
	v2.v1_mem_ok = v1_mem;
	v2.v1_pids_ok = v1_pids;
	if (v2.base[0])
		remove_stale(v2.base);
	if (v1_mem)
		remove_stale(v2.v1_mem);
	if (v1_pids)
		remove_stale(v2.v1_pids);
	if (v2.base[0])
		snprintf(v2.note, sizeof(v2.note), "cgroup v2 under %s:%s%s%s%s", v2.base,
			 v2.mem ? " memory" : "", v2.pids ? " pids" : "",
			 v1_mem ? "; cgroup v1 memory" : "", v1_pids ? "; cgroup v1 pids" : "");
	else if (v1_mem || v1_pids)
		snprintf(v2.note, sizeof(v2.note), "cgroup v1:%s%s under %s (no cgroup v2 subtree with memory or "
			 "pids is ours)", v1_mem ? " memory" : "", v1_pids ? " pids" : "",
			 v1_mem ? v2.v1_mem : v2.v1_pids);
	else
		snprintf(v2.note, sizeof(v2.note), "no cgroup may be created here: rlimits only");
	return v2.note;
}

bool sandbox_cgroup_has_memory(void)
{
	(void)sandbox_cgroup_setup();
	return v2.mem || v2.v1_mem_ok;
}

/* A v1 group of controller for uid to make its runs' groups in; "" on failure. */
static void v1_delegate(const char *controller, char *dir, size_t size, uid_t uid, gid_t gid)
{
	char hier[128], path[160];

	snprintf(hier, sizeof(hier), CGROUP_V1 "/%s", controller);
	if (!v1_mounted(controller) || access(hier, W_OK) < 0)
		return;
	/* one for every worker of the machine: their runs' groups are named by pid */
	snprintf(path, sizeof(path), "%s/" SANDBOX_CGROUP_V1_DELEGATED, hier);
	if ((mkdir(path, 0755) < 0 && errno != EEXIST) || chown(path, uid, gid) < 0) {
		(void)rmdir(path);
		return;
	}
	if (snprintf(dir, size, "%s", path) >= (int)size)
		(void)rmdir(path), dir[0] = '\0';
}

void sandbox_cgroup_delegate(uid_t uid, gid_t gid)
{
	if (geteuid() != 0 || v2.done)
		return;
	/* cgroup v2: the split as root, then the base and the file that moves
	 * processes between its children are the user's */
	v2_find_base();
	if (v2.base[0]) {
		char procs[300];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", v2.base);
		if (chown(v2.base, uid, gid) < 0 || chown(procs, uid, gid) < 0)
			v2.base[0] = '\0', v2.mem = v2.pids = false;
	}
	if (!v2.mem)
		v1_delegate("memory", v2.v1_mem, sizeof(v2.v1_mem), uid, gid);
	if (!v2.pids)
		v1_delegate("pids", v2.v1_pids, sizeof(v2.v1_pids), uid, gid);
}

/* The run's group in the v1 hierarchy of controller, its limit written (dir: 256 bytes). */
static bool v1_group(char *dir, const char *controller, const char *file, uint64_t limit, int pid,
		     unsigned seq)
{
	char v[32];

	if (snprintf(dir, 256, "%s/retrace-sandbox.%lu.%d.%u",
		     strcmp(controller, "memory") == 0 ? v2.v1_mem : v2.v1_pids, pidns_id(), pid, seq) >= 256) {
		dir[0] = '\0';
		return false;
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)limit);
	if (mkdir(dir, 0700) < 0) {
		dir[0] = '\0';
		return false;
	}
	return write_in(dir, file, v) == 0; /* made but not limited: still joined, not claimed */
}

void sandbox_cgroups_make(uint64_t memory_bytes, uint64_t max_procs, struct sandbox_cgroups *cg,
			  char *note, size_t size)
{
	static unsigned seq;
	char v[32];
	size_t n = 0;
	int pid = (int)getpid();
	unsigned s = seq++;

#define NOTE(...) (n += (size_t)snprintf(note + n, n < size ? size - n : 0, __VA_ARGS__))
	memset(cg, 0, sizeof(*cg));
	note[0] = '\0';
	sandbox_cgroup_setup();
	if (v2.base[0] && ((memory_bytes && v2.mem) || (max_procs && v2.pids))) {
		if (snprintf(cg->v2, sizeof(cg->v2), "%s/retrace-sandbox.%lu.%d.%u", v2.base, pidns_id(), pid, s) >=
			    (int)sizeof(cg->v2) ||
		    mkdir(cg->v2, 0755) < 0)
			cg->v2[0] = '\0';
	}
	if (cg->v2[0] && memory_bytes && v2.mem) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)memory_bytes);
		if (write_in(cg->v2, "memory.max", v) == 0) {
			/*
			 * No swapping the limit away. (memory.oom.group stays 0: the
			 * OOM killer takes the biggest process, as under v1, not the
			 * reaper with it, so the run still reports how it ended.)
			 */
			bool noswap = write_in(cg->v2, "memory.swap.max", "0") == 0;
			NOTE("cgroup v2 memory %s bytes%s; ", v, noswap ? ", no swap" : "");
		}
	} else if (memory_bytes && v1_group(cg->mem, "memory", "memory.limit_in_bytes", memory_bytes, pid, s)) {
		NOTE("cgroup v1 memory %llu bytes; ", (unsigned long long)memory_bytes);
	}
	if (cg->v2[0] && max_procs && v2.pids) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)max_procs);
		if (write_in(cg->v2, "pids.max", v) == 0)
			NOTE("cgroup v2 pids %s; ", v);
	} else if (max_procs && v1_group(cg->pids, "pids", "pids.max", max_procs, pid, s)) {
		NOTE("cgroup v1 pids %llu; ", (unsigned long long)max_procs);
	}
	if (n == 0)
		NOTE("no cgroup (none may be created here): rlimits only; ");
#undef NOTE
}

int sandbox_cgroups_join(const struct sandbox_cgroups *cg, pid_t pid)
{
	const char *const dirs[] = { cg->v2, cg->mem, cg->pids };
	char v[32];

	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		int r = dirs[i][0] ? write_in(dirs[i], "cgroup.procs", v) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

void sandbox_cgroups_events(const struct sandbox_cgroups *cg, char *hit, size_t size)
{
	char buf[1024];
	unsigned long long oom = 0, refused = 0;
	size_t n = 0;

	if (cg->v2[0]) {
		read_in(cg->v2, "memory.events", buf, sizeof(buf));
		oom += keyed_value(buf, "oom_kill");
		read_in(cg->v2, "pids.events", buf, sizeof(buf));
		refused += keyed_value(buf, "max");
	}
	if (cg->mem[0]) {
		read_in(cg->mem, "memory.oom_control", buf, sizeof(buf));
		oom += keyed_value(buf, "oom_kill");
	}
	if (cg->pids[0]) {
		read_in(cg->pids, "pids.events", buf, sizeof(buf));
		refused += keyed_value(buf, "max");
	}
	hit[0] = '\0';
	if (oom)
		n += (size_t)snprintf(hit, size, "the memory limit: %llu process(es) killed; ", oom);
	if (refused && n < size)
		snprintf(hit + n, size - n, "the process limit: %llu fork(s) refused; ", refused);
	n = strlen(hit);
	if (n >= 2)
		hit[n - 2] = '\0'; /* the last "; " */
}

void sandbox_cgroups_remove(struct sandbox_cgroups *cg)
{
	/* The namespace's processes are gone once pid 1 was reaped; their exit may lag. */
	for (int i = 0; i < 50; i++) {
		bool busy = false;
		char *dirs[] = { cg->v2, cg->mem, cg->pids };
		for (size_t k = 0; k < ELEMENTSOF(dirs); k++) {
			if (!dirs[k][0])
				continue;
			if (rmdir(dirs[k]) == 0 || errno != EBUSY)
				dirs[k][0] = '\0';
			else
				busy = true;
		}
		if (!busy)
			return;
		usleep(10000);
	}
}
