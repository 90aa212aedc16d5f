/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-rootfs - the rootfs cache by hand, for admins and tests.
 *
 *   retrace-rootfs [OPTIONS] verify PKG...    verify only; nothing is extracted
 *   retrace-rootfs [OPTIONS] extract PKG...   verify and extract into the cache
 *   retrace-rootfs [OPTIONS] layers PKG...    the stack's layers, top first, and its conflicts
 *   retrace-rootfs [OPTIONS] run PKG... -- CMD [ARG...]
 *                                             assemble the stack in a new user and mount
 *                                             namespace and run CMD in it (cwd: the stack)
 *   retrace-rootfs [OPTIONS] gc               remove least recently used trees
 *
 * PKG is an .rpm file, or with --release a NEVRA or a name (the newest)
 * from the release's repository in RepoDir, whose metadata checksum is
 * then checked too.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"
#include "rootfs-cache/cache.h"
#include "rootfs-cache/package.h"
#include "rootfs-cache/stack.h"
#include "solver/repo.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: retrace-rootfs [OPTIONS] verify|extract|layers PKG...\n"
		"       retrace-rootfs [OPTIONS] run PKG... -- CMD [ARG...]\n"
		"       retrace-rootfs [OPTIONS] gc\n"
		"  -c, --config FILE   configuration (RootfsCacheDir, RepoDir, GPGKeyDir,\n"
		"                      RequireGPGCheck, RootfsCacheSize); default " CONFIG_DEFAULT_PATH
		"\n"
		"                      (built-in defaults when that file does not exist)\n"
		"  --cache DIR         the cache directory instead of the configured one\n"
		"  --release R         the release: its keyring (GPGKeyDir/R) and its repository\n"
		"                      (RepoDir/R), where PKG may be a NEVRA or a name\n"
		"  --no-gpgcheck       digests only, even with RequireGPGCheck = 1\n"
		"  --at DIR            run: assemble the stack at DIR (default: a new directory in /tmp)\n"
		"  --legacy-mount      run: mount(2) with short layer names instead of lowerdir+\n"
		"  --max-size MIB      gc: the size to shrink to (default RootfsCacheSize)\n");
}

struct ctx {
	struct config cfg;
	const char *release;
	struct rcache *cache;
	struct pkg_keyring *keyring;
	struct rrepo *repo;
	int repodir_fd;
	struct pkg_limits limits;
};

static int open_repo(struct ctx *x)
{
	_cleanup_free_ char *err = NULL;
	int k;

	if (x->repo)
		return 0;
	if (!x->release) {
		fprintf(stderr, "retrace-rootfs: a package name needs --release\n");
		return -EINVAL;
	}
	x->repodir_fd = open(x->cfg.repo_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->repodir_fd < 0) {
		fprintf(stderr, "retrace-rootfs: %s: %s\n", x->cfg.repo_dir, strerror(errno));
		return -errno;
	}
	k = rrepo_open(x->repodir_fd, x->release, REPO_OPEN_NO_SCAN, &x->repo, &err);
	if (k < 0) {
		fprintf(stderr, "retrace-rootfs: %s: %s\n", x->release, err ? err : strerror(-k));
		return k;
	}
	return 0;
}

static bool is_file_arg(const char *a)
{
	size_t n = strlen(a);
	return strchr(a, '/') || (n > 4 && strcmp(a + n - 4, ".rpm") == 0);
}

/* A request for PKG; sum receives the metadata checksum when there is one. */
static int make_request(struct ctx *x, const char *arg, struct rcache_request *rq,
			struct pkg_checksum *sum)
{
	const char *loc, *type, *hex;
	Id p;
	int k;

	*rq = (struct rcache_request){ .dirfd = AT_FDCWD, .file = arg, .keyring = x->keyring,
				       .limits = &x->limits };
	if (is_file_arg(arg))
		return 0;
	k = open_repo(x);
	if (k < 0)
		return k;
	p = rrepo_find(x->repo, arg);
	if (!p) {
		fprintf(stderr, "retrace-rootfs: %s: no package %s\n", x->release, arg);
		return -ENOENT;
	}
	if (rrepo_package_file(x->repo, p, &loc, &type, &hex) < 0 || pkg_checksum_set(sum, type, hex) < 0) {
		fprintf(stderr, "retrace-rootfs: %s: the metadata has no usable location or checksum for %s\n",
			x->release, rrepo_nevra(x->repo, p));
		return -ENOENT;
	}
	rq->dirfd = x->repo->dirfd;
	rq->file = loc;
	rq->checksum = sum;
	return 0;
}

static int cmd_verify(struct ctx *x, char **pkgs, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *err = NULL;
		_cleanup_close_ int fd = -1;
		struct rcache_request rq;
		struct pkg_checksum sum;
		struct pkg *p = NULL;
		int k = make_request(x, pkgs[i], &rq, &sum);

		if (k < 0) {
			failed++;
			continue;
		}
		fd = openat(rq.dirfd, rq.file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			fprintf(stderr, "FAILED %s: %s\n", pkgs[i], strerror(errno));
			failed++;
			continue;
		}
		k = pkg_open(fd, x->keyring, rq.checksum, &p, &err);
		if (k < 0) {
			printf("FAILED %s: %s\n", pkgs[i], err ? err : strerror(-k));
			failed++;
			continue;
		}
		const struct pkg_info *pi = pkg_get_info(p);
		printf("OK %s %s signature=%s payload-digest=%s %s-%s\n", pkgs[i], pi->nevra,
		       *pi->signer ? pi->signer : "unchecked", pi->payload_checked ? "checked" : "absent",
		       pi->checksum.type, pi->checksum.hex);
		pkg_free(p);
	}
	return failed ? 1 : 0;
}

/* Each package's tree, extracted as needed; trees[] keep their shared locks. */
static int get_trees(struct ctx *x, char **pkgs, int n, struct rcache_tree *trees, bool quiet)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *err = NULL;
		struct rcache_request rq;
		struct pkg_checksum sum;
		int k = make_request(x, pkgs[i], &rq, &sum);

		trees[i].lockfd = -1;
		if (k < 0) {
			failed++;
			continue;
		}
		k = rcache_get(x->cache, &rq, &trees[i], &err);
		if (k < 0) {
			fprintf(stderr, "retrace-rootfs: %s: %s\n", pkgs[i], err ? err : strerror(-k));
			failed++;
			continue;
		}
		if (quiet)
			continue;
		const struct pkg_extract_stats *s = &trees[i].stats;
		if (trees[i].extracted)
			printf("extracted %s %s files=%llu hardlinks=%llu symlinks=%llu dirs=%llu bytes=%llu "
			       "skipped-special=%llu stripped-setid=%llu signature=%s seconds=%.3f\n",
			       trees[i].key, trees[i].nevra, (unsigned long long)s->files,
			       (unsigned long long)s->hardlinks, (unsigned long long)s->symlinks,
			       (unsigned long long)s->dirs, (unsigned long long)s->bytes,
			       (unsigned long long)s->skipped_special, (unsigned long long)s->stripped_setid,
			       *trees[i].signer ? trees[i].signer : "unchecked", trees[i].seconds);
		else
			printf("cached %s %s signature=%s\n", trees[i].key, trees[i].nevra,
			       *trees[i].signer ? trees[i].signer : "unchecked");
	}
	return failed ? -EBADMSG : 0;
}

struct conflict_ctx {
	struct rcache_tree *trees;
};

static int print_conflict(enum stack_conflict_kind kind, const char *path, size_t winner,
			  const char *wdata, size_t loser, const char *ldata, void *userdata)
{
	struct conflict_ctx *c = userdata;
	fprintf(stderr, "conflict %s %s: %s (%s) wins over %s (%s)\n",
		kind == STACK_CONFLICT_DIFFERS ? "differs" : "hidden", path, c->trees[winner].nevra,
		wdata, c->trees[loser].nevra, ldata);
	return 0;
}

static int conflicts(struct rcache_tree *trees, int n)
{
	const char **lists = calloc(n > 0 ? (size_t)n : 1, sizeof(const char *));
	_cleanup_free_ char *err = NULL;
	struct conflict_ctx c = { .trees = trees };
	int k;

	if (!lists)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		lists[i] = trees[i].files;
	k = stack_conflicts(lists, (size_t)n, print_conflict, &c, &err);
	free(lists);
	if (k < 0)
		fprintf(stderr, "retrace-rootfs: conflicts: %s\n", err ? err : strerror(-k));
	else
		fprintf(stderr, "%d conflicts\n", k);
	return k;
}

static int write_map(const char *file, unsigned id)
{
	char text[64];
	snprintf(text, sizeof(text), "0 %u 1\n", id);
	return write_string_file(file, text);
}

static int cmd_run(struct ctx *x, struct rcache_tree *trees, int n, char **cmd, const char *at,
		   unsigned flags)
{
	const char **layers = calloc(n > 0 ? (size_t)n : 1, sizeof(const char *));
	char tmpl[] = "/tmp/retrace-rootfs.XXXXXX";
	const char *target = at;
	uid_t uid = getuid();
	gid_t gid = getgid();
	int status;
	pid_t pid;

	(void)x;
	if (!layers)
		return 1;
	for (int i = 0; i < n; i++)
		layers[i] = trees[i].root;
	if (!target) {
		target = mkdtemp(tmpl);
		if (!target) {
			fprintf(stderr, "retrace-rootfs: mkdtemp: %s\n", strerror(errno));
			free(layers);
			return 1;
		}
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "retrace-rootfs: fork: %s\n", strerror(errno));
		free(layers);
		return 1;
	}
	if (pid == 0) {
		_cleanup_free_ char *err = NULL;
		const char *method;
		double t0;
		int k;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
			fprintf(stderr, "retrace-rootfs: unshare(user, mount): %s\n", strerror(errno));
			_exit(1);
		}
		if (write_string_file("/proc/self/setgroups", "deny") < 0 ||
		    write_map("/proc/self/uid_map", uid) < 0 || write_map("/proc/self/gid_map", gid) < 0) {
			fprintf(stderr, "retrace-rootfs: cannot map ids in the user namespace\n");
			_exit(1);
		}
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			fprintf(stderr, "retrace-rootfs: making / private: %s\n", strerror(errno));
			_exit(1);
		}
		t0 = monotonic_seconds();
		k = stack_mount(target, layers, (size_t)n, ROOTFS_UPPER_BYTES, flags, &method, &err);
		if (k < 0) {
			fprintf(stderr, "retrace-rootfs: assembling the stack: %s\n", err ? err : strerror(-k));
			_exit(1);
		}
		fprintf(stderr, "stack of %d layers at %s with %s in %.3f ms\n", n, target, method,
			(monotonic_seconds() - t0) * 1000.0);
		if (chdir(target) < 0) {
			fprintf(stderr, "retrace-rootfs: chdir %s: %s\n", target, strerror(errno));
			_exit(1);
		}
		execvp(cmd[0], cmd);
		fprintf(stderr, "retrace-rootfs: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	free(layers);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (!at)
		rmdir(target);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "cache", required_argument, NULL, 'C' },
		{ "release", required_argument, NULL, 'r' },
		{ "no-gpgcheck", no_argument, NULL, 'G' },
		{ "at", required_argument, NULL, 'a' },
		{ "legacy-mount", no_argument, NULL, 'L' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct ctx x = { .repodir_fd = -1,
			 .limits = { .max_bytes = ROOTFS_MAX_PACKAGE_BYTES,
				     .max_files = ROOTFS_MAX_PACKAGE_FILES } };
	const char *config = NULL, *cachedir = NULL, *at = NULL, *cmd = NULL;
	_cleanup_free_ char *err = NULL, *warnings = NULL, *cache_path = NULL;
	struct rcache_tree *trees = NULL;
	bool nogpg = false;
	uint64_t max_size = 0;
	bool have_max = false;
	unsigned flags = 0;
	double t0, t1;
	int c, k, rc = 1, npkgs = 0;
	char **pkgs, **run_cmd = NULL;

	/* options before the command and after it (up to the packages) */
	for (int pass = 0; pass < 2; pass++) {
		while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) >= 0) {
			switch (c) {
			case 'c': config = optarg; break;
			case 'C': cachedir = optarg; break;
			case 'r': x.release = optarg; break;
			case 'G': nogpg = true; break;
			case 'a': at = optarg; break;
			case 'L': flags |= STACK_LEGACY_MOUNT; break;
			case 'm':
				if (parse_u64(optarg, UINT64_MAX / MIB_BYTES, &max_size) < 0) {
					fprintf(stderr, "retrace-rootfs: --max-size: a number of MiB\n");
					return 2;
				}
				max_size *= MIB_BYTES;
				have_max = true;
				break;
			case 'h': usage(stdout); return 0;
			default: usage(stderr); return 2;
			}
		}
		if (pass == 1)
			break;
		if (optind >= argc || !argv[optind]) {
			usage(stderr);
			return 2;
		}
		cmd = argv[optind];
		argv += optind;
		argc -= optind;
		optind = 1;
	}
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	pkgs = argv + optind;
	npkgs = argc - optind;
	if (strcmp(cmd, "run") == 0) {
		for (int i = 0; i < npkgs; i++)
			if (strcmp(pkgs[i], "--") == 0) {
				run_cmd = pkgs + i + 1;
				npkgs = i;
				break;
			}
		if (!run_cmd || !run_cmd[0]) {
			fprintf(stderr, "retrace-rootfs: run needs PKG... -- CMD\n");
			return 2;
		}
	}
	if (strcmp(cmd, "gc") == 0 ? npkgs != 0 : npkgs == 0) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "verify") != 0 && strcmp(cmd, "extract") != 0 && strcmp(cmd, "layers") != 0 &&
	    strcmp(cmd, "run") != 0 && strcmp(cmd, "gc") != 0) {
		fprintf(stderr, "retrace-rootfs: unknown command %s\n", cmd);
		return 2;
	}
	if (x.release && !release_id_valid(x.release)) {
		fprintf(stderr, "retrace-rootfs: invalid release id\n");
		return 2;
	}

	if (!config && access(CONFIG_DEFAULT_PATH, F_OK) < 0)
		k = config_defaults(&x.cfg);
	else
		k = config_load(config ? config : CONFIG_DEFAULT_PATH, &x.cfg, &err);
	if (k < 0) {
		fprintf(stderr, "retrace-rootfs: %s\n", err ? err : strerror(-k));
		return 1;
	}
	if (!cachedir) {
		if (config_rootfs_cache_dir(&x.cfg, &cache_path) < 0)
			goto out;
		cachedir = cache_path;
	}

	if (strcmp(cmd, "gc") != 0 && x.cfg.require_gpg_check && !nogpg) {
		if (!x.release) {
			fprintf(stderr,
				"retrace-rootfs: RequireGPGCheck = 1: give --release (its keyring is %s/RELEASE) "
				"or --no-gpgcheck\n",
				x.cfg.gpg_key_dir);
			goto out;
		}
		free(err);
		err = NULL;
		k = pkg_keyring_load(x.cfg.gpg_key_dir, x.release, &x.keyring, &warnings, &err);
		if (warnings)
			fprintf(stderr, "retrace-rootfs: warning: %s", warnings);
		if (k < 0) {
			fprintf(stderr, "retrace-rootfs: %s\n", err ? err : strerror(-k));
			goto out;
		}
	}

	if (strcmp(cmd, "verify") == 0) {
		rc = cmd_verify(&x, pkgs, npkgs);
		goto out;
	}

	free(err);
	err = NULL;
	k = rcache_open(cachedir, &x.cache, &err);
	if (k < 0) {
		fprintf(stderr, "retrace-rootfs: %s\n", err ? err : strerror(-k));
		goto out;
	}
	if (strcmp(cmd, "gc") == 0) {
		struct rcache_gc_stats st;
		k = rcache_gc(x.cache, have_max ? max_size : x.cfg.rootfs_cache_size, &st, &err);
		if (k < 0) {
			fprintf(stderr, "retrace-rootfs: gc: %s\n", err ? err : strerror(-k));
			goto out;
		}
		printf("trees %llu bytes %llu removed %llu removed-bytes %llu in-use %llu stale-tmp %llu\n",
		       (unsigned long long)st.trees, (unsigned long long)st.bytes,
		       (unsigned long long)st.removed, (unsigned long long)st.removed_bytes,
		       (unsigned long long)st.in_use, (unsigned long long)st.stale_tmp);
		rc = 0;
		goto out;
	}

	if (npkgs > ROOTFS_MAX_LAYERS && strcmp(cmd, "extract") != 0) {
		fprintf(stderr, "retrace-rootfs: a stack holds at most %d layers\n", ROOTFS_MAX_LAYERS);
		goto out;
	}
	trees = calloc(npkgs > 0 ? (size_t)npkgs : 1, sizeof(*trees));
	if (!trees)
		goto out;
	/* the repository is loaded once (the worker keeps it open): not part of the timing */
	for (int i = 0; i < npkgs; i++)
		if (!is_file_arg(pkgs[i])) {
			if (open_repo(&x) < 0)
				goto out;
			break;
		}
	t0 = monotonic_seconds();
	k = get_trees(&x, pkgs, npkgs, trees, strcmp(cmd, "extract") != 0);
	if (k < 0)
		goto out;
	t1 = monotonic_seconds();
	if (strcmp(cmd, "extract") == 0) {
		rc = 0;
		goto out;
	}
	if (strcmp(cmd, "layers") == 0) {
		for (int i = 0; i < npkgs; i++)
			printf("%s\t%s\n", trees[i].root, trees[i].nevra);
		rc = conflicts(trees, npkgs) < 0 ? 1 : 0;
		goto out;
	}
	if (conflicts(trees, npkgs) < 0)
		goto out;
	fprintf(stderr, "trees of %d packages in %.3f ms, conflicts checked in %.3f ms\n", npkgs,
		(t1 - t0) * 1000.0, (monotonic_seconds() - t1) * 1000.0);
	fflush(stdout);
	if (run_cmd)
		rc = cmd_run(&x, trees, npkgs, run_cmd, at, flags);
out:
	if (trees)
		for (int i = 0; i < npkgs; i++)
			rcache_tree_release(&trees[i]);
	free(trees);
	rcache_free(x.cache);
	pkg_keyring_free(x.keyring);
	rrepo_free(x.repo);
	closep(&x.repodir_fd);
	config_release(&x.cfg);
	return rc;
}
