/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-resolve - which exact packages a core needs, from a release's
 * local repository: binaries, -debuginfo, -debugsource, and the build-ids
 * nothing provides. Also the tool closure (gdb and what it needs) and raw
 * build-id lookups, for admins, tests and benchmarks.
 *
 *   retrace-resolve [-c CONF | --repodir DIR] --release R [--package NVR] [--json] CORE
 *   retrace-resolve ... --release R --modules FILE     lines "BUILDID [PATH]"
 *   retrace-resolve ... --release R --tools gdb[,NAME...]
 *   retrace-resolve ... --release R --lookup FILE      lines "BUILDID"
 *   retrace-resolve ... --release R --reindex
 *
 * The core is read in the confined reader child (coredump.policy).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"
#include "coredump/confined.h"
#include "coredump/coredump.h"
#include "solver/repo.h"
#include "solver/resolve.h"


#define MODULES_FILE_MAX (16 * 1024 * 1024)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: retrace-resolve [OPTIONS] --release R (CORE | --modules FILE | --tools NAMES |\n"
		"                       --lookup FILE | --reindex)\n"
		"  -c, --config FILE   configuration (RepoDir, SeccompPolicyDir); default " CONFIG_DEFAULT_PATH "\n"
		"  --repodir DIR       the repository directory instead of the configured RepoDir\n"
		"  --release R         release id (fedora-39-x86_64): RepoDir/R holds its repository\n"
		"  --package NVR       the client's package file (preferred among equal build-ids)\n"
		"  --json              machine-readable output\n"
		"  --modules FILE      resolve lines \"BUILDID [PATH]\" instead of a core\n"
		"  --tools NAMES       the closure of these packages (comma-separated), e.g. gdb\n"
		"  --lookup FILE       print every index entry of each build-id in FILE\n"
		"  --reindex           rebuild the .solv cache and the build-id index now\n"
		"  --no-scan           do not scan packages without build-id links when indexing\n"
		"  --stats             print load and index timings to stderr\n"
		"  --policy FILE       seccomp policy of the core reader\n");
}

/* "BUILDID [PATH]" lines; build-ids are lowercased and checked. */
static int read_modules(const char *path, struct resolve_module_in **ret, size_t *ret_n, char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	struct resolve_module_in *in = NULL;
	size_t n = 0;
	char *save = NULL;
	int k;

	k = read_file_at(AT_FDCWD, path, MODULES_FILE_MAX, &text, NULL);
	if (k < 0)
		return k;
	in = calloc(RESOLVE_MAX_MODULES, sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp;
		l = str_strip(l);
		if (!*l || *l == '#')
			continue;
		if (n == RESOLVE_MAX_MODULES) {
			free(in);
			return -E2BIG;
		}
		sp = strchr(l, ' ');
		if (sp) {
			*sp = '\0';
			in[n].path = str_strip(sp + 1);
		}
		for (char *p = l; *p; p++) {
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
				free(in);
				return -EINVAL;
			}
		}
		in[n].build_id = strcmp(l, "-") == 0 ? NULL : l;
		n++;
	}
	*ret = in;
	*ret_n = n;
	*ret_text = TAKE_PTR(text);
	return 0;
}

static int modules_from_core(const char *path, const char *policy, struct coredump **ret_cd,
			     struct resolve_module_in **ret, size_t *ret_n)
{
	_cleanup_free_ char *err = NULL;
	struct resolve_module_in *in;
	struct coredump *cd = NULL;
	int fd, k;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "retrace-resolve: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	k = coredump_read_confined_file(fd, policy, NULL, &cd, &err);
	close(fd);
	if (k < 0) {
		fprintf(stderr, "retrace-resolve: %s: %s\n", path, err ? err : strerror(-k));
		return k;
	}
	k = resolve_inputs_from_core(cd, &in, ret_n);
	if (k < 0) {
		coredump_free(cd);
		return k;
	}
	*ret_cd = cd;
	*ret = in;
	return 0;
}

static int do_lookup(const struct rrepo *r, const char *file, bool json)
{
	_cleanup_free_ char *text = NULL;
	struct repo_hit hits[64];
	unsigned long lookups = 0, found = 0;
	char *save = NULL;
	double t0;
	int k;

	k = read_file_at(AT_FDCWD, file, 256 * 1024 * 1024, &text, NULL);
	if (k < 0) {
		fprintf(stderr, "retrace-resolve: %s: %s\n", file, strerror(-k));
		return 1;
	}
	t0 = monotonic_seconds();
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n = rrepo_lookup(r, str_strip(l), hits, ELEMENTSOF(hits));
		lookups++;
		if (n)
			found++;
		for (size_t i = 0; i < MIN(n, ELEMENTSOF(hits)); i++) {
			if (json) {
				fputs("{\"build_id\":", stdout);
				json_write_str(stdout, l);
				printf(",\"kind\":\"%c\",\"nevra\":", hits[i].kind);
				json_write_str(stdout, rrepo_nevra(r, hits[i].p));
				fputs("}\n", stdout);
			} else {
				printf("%s %c %s\n", l, hits[i].kind, rrepo_nevra(r, hits[i].p));
			}
		}
	}
	fprintf(stderr, "lookups %lu found %lu seconds %.6f\n", lookups, found, monotonic_seconds() - t0);
	return 0;
}

static int do_tools(struct rrepo *r, char *names, bool json)
{
	const char *list[64];
	_cleanup_free_ char *err = NULL;
	char *copy = strdup(names);
	size_t n = 0;
	char *save = NULL;
	Queue q;
	int k;

	if (!copy)
		return 1;
	for (char *t = strtok_r(copy, ",", &save); t && n < ELEMENTSOF(list); t = strtok_r(NULL, ",", &save))
		list[n++] = t;
	queue_init(&q);
	k = resolve_tools(r, list, n, &q, &err);
	if (k < 0) {
		fprintf(stderr, "retrace-resolve: cannot resolve %s in %s:\n%s", names, r->release,
			err ? err : strerror(-k));
		queue_free(&q);
		free(copy);
		return 1;
	}
	if (json)
		fputs("[", stdout);
	for (int i = 0; i < q.count; i++) {
		if (json) {
			fputs(i ? "," : "", stdout);
			json_write_str(stdout, rrepo_nevra(r, q.elements[i]));
		} else {
			printf("tool %s\n", rrepo_nevra(r, q.elements[i]));
		}
	}
	if (json)
		fputs("]\n", stdout);
	queue_free(&q);
	free(copy);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "repodir", required_argument, NULL, 'd' },
		{ "release", required_argument, NULL, 'r' },
		{ "package", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "modules", required_argument, NULL, 'm' },
		{ "tools", required_argument, NULL, 't' },
		{ "lookup", required_argument, NULL, 'l' },
		{ "reindex", no_argument, NULL, 'R' },
		{ "no-scan", no_argument, NULL, 'S' },
		{ "stats", no_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *config = NULL, *repodir = NULL, *release = NULL, *package = NULL, *modules = NULL;
	const char *lookup = NULL, *policy = NULL;
	char *tools = NULL;
	bool json = false, reindex = false, stats = false, noscan = false, have_cfg = false;
	_cleanup_free_ char *err = NULL, *modules_text = NULL, *policy_buf = NULL;
	struct config cfg;
	struct resolve_module_in *in = NULL;
	struct coredump *cd = NULL;
	struct resolve_result res;
	struct rrepo *r = NULL;
	size_t n = 0;
	unsigned flags = 0;
	int c, k, rc = 1, dirfd = -1;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'd': repodir = optarg; break;
		case 'r': release = optarg; break;
		case 'p': package = optarg; break;
		case 'j': json = true; break;
		case 'm': modules = optarg; break;
		case 't': tools = optarg; break;
		case 'l': lookup = optarg; break;
		case 'R': reindex = true; break;
		case 'S': noscan = true; break;
		case 's': stats = true; break;
		case 'P': policy = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!release || (optind + 1 != argc && !modules && !tools && !lookup && !reindex) ||
	    (optind != argc && (modules || tools || lookup))) {
		usage(stderr);
		return 2;
	}
	if (config || !repodir) {
		k = config_load(config ? config : CONFIG_DEFAULT_PATH, &cfg, &err);
		if (k < 0) {
			fprintf(stderr, "retrace-resolve: %s\n", err ? err : strerror(-k));
			return 1;
		}
		have_cfg = true;
		if (!repodir)
			repodir = cfg.repo_dir;
		if (!policy && asprintf(&policy_buf, "%s/coredump.policy", cfg.seccomp_policy_dir) > 0)
			policy = policy_buf;
	}
	if (!policy && asprintf(&policy_buf, "%s/coredump.policy", config_default_policy_dir()) > 0)
		policy = policy_buf;
	if (!policy) {
		fprintf(stderr, "retrace-resolve: %s\n", strerror(ENOMEM));
		goto out;
	}
	dirfd = open(repodir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "retrace-resolve: %s: %s\n", repodir, strerror(errno));
		goto out;
	}

	if (reindex)
		flags |= REPO_OPEN_FORCE_REBUILD;
	if (noscan)
		flags |= REPO_OPEN_NO_SCAN;
	k = rrepo_open(dirfd, release, flags, &r, &err);
	if (k < 0) {
		fprintf(stderr, "retrace-resolve: %s: %s\n", release, err ? err : strerror(-k));
		goto out;
	}
	if (err) /* a package that could not be scanned: reported, not fatal */
		fprintf(stderr, "retrace-resolve: warning: %s\n", err);
	if (stats || reindex)
		fprintf(stderr,
			"release %s packages %u cache %s load %.3fs write %.3fs index %.3fs entries %u "
			"scanned %u not-local %u\n",
			release, r->stats.packages, r->stats.cache_used ? "used" : "rebuilt",
			r->stats.load_seconds, r->stats.write_seconds, r->stats.index_seconds, r->stats.index_entries,
			r->stats.scanned_now, r->stats.scan_unavailable);
	if (reindex && !modules && !tools && !lookup && optind == argc) {
		rc = 0;
		goto out;
	}
	if (lookup) {
		rc = do_lookup(r, lookup, json);
		goto out;
	}
	if (tools) {
		rc = do_tools(r, tools, json);
		goto out;
	}
	if (modules) {
		k = read_modules(modules, &in, &n, &modules_text);
		if (k < 0) {
			fprintf(stderr, "retrace-resolve: %s: %s\n", modules,
				k == -EINVAL ? "a build-id is not hexadecimal" : strerror(-k));
			goto out;
		}
	} else {
		k = modules_from_core(argv[optind], policy, &cd, &in, &n);
		if (k < 0)
			goto out;
	}
	k = resolve_modules(r, in, n, package, &res);
	if (k < 0) {
		fprintf(stderr, "retrace-resolve: %s\n", strerror(-k));
		goto out;
	}
	if (json)
		resolve_print_json(r, &res, stdout);
	else
		resolve_print_text(r, &res, stdout);
	resolve_result_release(&res);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (cd) {
		resolve_inputs_free(in, n);
		coredump_free(cd);
	} else {
		free(in);
	}
	rrepo_free(r);
	if (dirfd >= 0)
		close(dirfd);
	if (have_cfg)
		config_release(&cfg);
	return rc;
}
