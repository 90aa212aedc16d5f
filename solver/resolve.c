/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "solver/resolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/knownid.h>
#include <solv/solver.h>
#include <solv/solvable.h>

#include "common/macro.h"
#include "common/util.h"

const char *resolve_via_name(enum resolve_via v)
{
	switch (v) {
	case VIA_LINK:
		return "build-id link";
	case VIA_SCAN:
		return "package scan";
	case VIA_BUILD_ID:
		return "build-id";
	case VIA_NAME:
		return "name and version";
	case VIA_NONE:
		break;
	}
	return "-";
}

static const char *sourcename(Solvable *s)
{
	const char *n = solvable_lookup_str(s, SOLVABLE_SOURCENAME);

	/* libsolv leaves it out when it equals the package's own name */
	return n ? n : pool_id2str(s->repo->pool, s->name);
}

/* Does the client's `package` (N-V-R, N-V-R.A, E:N-V-R, N-E:V-R...) name s? */
static bool client_names(Pool *pool, Solvable *s, const char *client)
{
	const char *name = pool_id2str(pool, s->name), *evr = pool_id2str(pool, s->evr);
	const char *arch = pool_id2str(pool, s->arch), *colon = strchr(evr, ':');
	const char *vr = colon ? colon + 1 : evr;
	char buf[1024];

	if (!client)
		return false;
	/* the forms ABRT and people write: N-V-R, N-V-R.A, N-E:V-R[.A], E:N-V-R[.A] */
	if ((size_t)snprintf(buf, sizeof(buf), "%s-%s", name, vr) < sizeof(buf) && strcmp(buf, client) == 0)
		return true;
	if ((size_t)snprintf(buf, sizeof(buf), "%s-%s.%s", name, vr, arch) < sizeof(buf) &&
	    strcmp(buf, client) == 0)
		return true;
	if ((size_t)snprintf(buf, sizeof(buf), "%s-%s", name, evr) < sizeof(buf) && strcmp(buf, client) == 0)
		return true;
	if ((size_t)snprintf(buf, sizeof(buf), "%s-%s.%s", name, evr, arch) < sizeof(buf) &&
	    strcmp(buf, client) == 0)
		return true;
	if (colon && (size_t)snprintf(buf, sizeof(buf), "%.*s:%s-%s", (int)(colon - evr), evr, name, vr) <
			     sizeof(buf) &&
	    (strcmp(buf, client) == 0 ||
	     (strncmp(buf, client, strlen(buf)) == 0 && client[strlen(buf)] == '.' &&
	      strcmp(client + strlen(buf) + 1, arch) == 0)))
		return true;
	return false;
}

struct cand {
	Id p;
	char kind;
	bool client;
	bool path;
	bool same_build; /* debuginfo: same source, version and arch as the binary */
	const char *checksum;
};

struct cmp_ctx {
	const struct rrepo *r;
	const char *decided; /* the rule that separated the first two */
};

/* < 0 when a is preferred. Sets ctx->decided to the rule that decided. */
static int cand_cmp(const struct cand *a, const struct cand *b, struct cmp_ctx *ctx)
{
	Pool *pool = ctx->r->pool;
	Solvable *sa = pool_id2solvable(pool, a->p), *sb = pool_id2solvable(pool, b->p);
	Id rarch = pool_str2id(pool, ctx->r->arch, 0);
	int c;

	if (a->client != b->client) {
		ctx->decided = "client's package";
		return a->client ? -1 : 1;
	}
	if (a->same_build != b->same_build) {
		ctx->decided = "same build as the binary";
		return a->same_build ? -1 : 1;
	}
	if (a->path != b->path) {
		ctx->decided = "path";
		return a->path ? -1 : 1;
	}
	c = pool_evrcmp(pool, sa->evr, sb->evr, EVRCMP_COMPARE);
	if (c != 0) {
		ctx->decided = "newest";
		return -c;
	}
	if ((sa->arch == rarch) != (sb->arch == rarch)) {
		ctx->decided = "release arch";
		return sa->arch == rarch ? -1 : 1;
	}
	c = strcmp(pool_id2str(pool, sa->name), pool_id2str(pool, sb->name));
	if (c != 0) {
		ctx->decided = "name";
		return c;
	}
	ctx->decided = "checksum";
	c = strcmp(a->checksum ? a->checksum : "", b->checksum ? b->checksum : "");
	return c != 0 ? c : (a->p < b->p ? -1 : a->p > b->p);
}

/* Pick the best of n candidates; *ret_rule says what decided (NULL for one). */
static const struct cand *cand_best(const struct rrepo *r, const struct cand *c, size_t n,
				    const char **ret_rule)
{
	struct cmp_ctx ctx = { .r = r };
	size_t best = 0, second = SIZE_MAX;

	*ret_rule = NULL;
	if (n == 0)
		return NULL;
	for (size_t i = 1; i < n; i++) {
		if (cand_cmp(&c[i], &c[best], &ctx) < 0) {
			second = best;
			best = i;
		} else if (second == SIZE_MAX || cand_cmp(&c[i], &c[second], &ctx) < 0) {
			second = i;
		}
	}
	if (second != SIZE_MAX) {
		cand_cmp(&c[best], &c[second], &ctx);
		*ret_rule = ctx.decided;
	}
	return &c[best];
}

static void ensure_whatprovides(Pool *pool)
{
	if (!pool->whatprovides)
		pool_createwhatprovides(pool);
}

/* A package named name with exactly the evr and arch of s. */
static Id find_sibling(Pool *pool, Solvable *s, const char *name)
{
	Id nameid = pool_str2id(pool, name, 0), p, pp;

	if (!nameid)
		return 0;
	ensure_whatprovides(pool);
	FOR_PROVIDES(p, pp, nameid) {
		Solvable *o = pool_id2solvable(pool, p);
		if (o->name == nameid && o->evr == s->evr && o->arch == s->arch && o->repo == s->repo)
			return p;
	}
	return 0;
}

static void debuginfo_by_name(const struct rrepo *r, struct resolve_module *m)
{
	Pool *pool = r->pool;
	Solvable *b = pool_id2solvable(pool, m->binary);
	char name[512];
	Id p;

	if ((size_t)snprintf(name, sizeof(name), "%s-debuginfo", pool_id2str(pool, b->name)) < sizeof(name)) {
		p = find_sibling(pool, b, name);
		if (p) {
			m->debuginfo = p;
			m->debuginfo_via = VIA_NAME;
			return;
		}
	}
	if ((size_t)snprintf(name, sizeof(name), "%s-debuginfo", sourcename(b)) < sizeof(name)) {
		p = find_sibling(pool, b, name);
		if (p) {
			m->debuginfo = p;
			m->debuginfo_via = VIA_NAME;
		}
	}
}

static int resolve_one(const struct rrepo *r, struct resolve_module *m, const char *client)
{
	Pool *pool = r->pool;
	struct repo_hit hits[RESOLVE_MAX_CANDIDATES];
	struct cand bins[RESOLVE_MAX_CANDIDATES] = { 0 }, dbgs[RESOLVE_MAX_CANDIDATES] = { 0 };
	size_t nh, nb = 0, nd = 0;
	const struct cand *best;
	const char *rule;

	if (!m->build_id || m->is_vdso)
		return 0;
	nh = rrepo_lookup(r, m->build_id, hits, ELEMENTSOF(hits));
	nh = MIN(nh, ELEMENTSOF(hits));
	for (size_t i = 0; i < nh; i++) {
		Solvable *s = pool_id2solvable(pool, hits[i].p);
		Id type = 0;
		struct cand c = {
			.p = hits[i].p,
			.kind = hits[i].kind,
			.checksum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type),
		};

		if (c.kind == REPO_INDEX_DEBUGINFO) {
			dbgs[nd++] = c;
			continue;
		}
		c.client = client_names(pool, s, client);
		if (m->path) {
			if (c.kind == REPO_INDEX_SCANNED && hits[i].path)
				c.path = strlen(m->path) == hits[i].path_len &&
					 memcmp(m->path, hits[i].path, hits[i].path_len) == 0;
			if (!c.path)
				c.path = rrepo_has_file(r, c.p, m->path);
		}
		/* the same package found by link and by scan counts once */
		bool dup = false;
		for (size_t j = 0; j < nb; j++)
			if (bins[j].p == c.p) {
				bins[j].path |= c.path;
				dup = true;
			}
		if (!dup)
			bins[nb++] = c;
	}

	m->binary_candidates = (unsigned)nb;
	best = cand_best(r, bins, nb, &rule);
	if (best) {
		m->binary = best->p;
		m->binary_via = best->kind == REPO_INDEX_SCANNED ? VIA_SCAN : VIA_LINK;
		m->binary_rule = rule;
	}

	if (nd > 0) {
		if (m->binary) {
			Solvable *b = pool_id2solvable(pool, m->binary);
			for (size_t i = 0; i < nd; i++) {
				Solvable *d = pool_id2solvable(pool, dbgs[i].p);
				dbgs[i].same_build = d->evr == b->evr && d->arch == b->arch &&
						     strcmp(sourcename(d), sourcename(b)) == 0;
			}
		}
		best = cand_best(r, dbgs, nd, &rule);
		m->debuginfo = best->p;
		m->debuginfo_via = VIA_BUILD_ID;
	} else if (m->binary) {
		debuginfo_by_name(r, m);
	}
	return 0;
}

static void queue_push_unique(Queue *q, Id p)
{
	for (int i = 0; i < q->count; i++)
		if (q->elements[i] == p)
			return;
	queue_push(q, p);
}

static const Pool *sort_pool;
static int cmp_nevra(const void *a, const void *b)
{
	Pool *pool = (Pool *)sort_pool;
	char *x = solv_strdup(pool_solvid2str(pool, *(const Id *)a));
	int c = strcmp(x, pool_solvid2str(pool, *(const Id *)b));

	solv_free(x);
	return c;
}

static void queue_sort_nevra(Pool *pool, Queue *q)
{
	sort_pool = pool;
	if (q->count > 1)
		qsort(q->elements, (size_t)q->count, sizeof(Id), cmp_nevra);
}

int resolve_modules(const struct rrepo *r, const struct resolve_module_in *in, size_t n,
		    const char *client_package, struct resolve_result *ret)
{
	Pool *pool = r->pool;
	struct resolve_result res = { 0 };

	if (n > RESOLVE_MAX_MODULES)
		return -E2BIG;
	res.modules = calloc(n ? n : 1, sizeof(*res.modules));
	if (!res.modules)
		return -ENOMEM;
	queue_init(&res.binaries);
	queue_init(&res.debuginfos);
	queue_init(&res.debugsources);
	res.n_modules = n;
	for (size_t i = 0; i < n; i++) {
		struct resolve_module *m = &res.modules[i];

		m->build_id = in[i].build_id ? strdup(in[i].build_id) : NULL;
		m->path = in[i].path ? strdup(in[i].path) : NULL;
		m->is_vdso = in[i].is_vdso;
		if ((in[i].build_id && !m->build_id) || (in[i].path && !m->path)) {
			resolve_result_release(&res);
			return -ENOMEM;
		}
		resolve_one(r, m, client_package);
		if (m->binary)
			queue_push_unique(&res.binaries, m->binary);
		if (m->debuginfo)
			queue_push_unique(&res.debuginfos, m->debuginfo);
	}
	for (int i = 0; i < res.debuginfos.count; i++) {
		Solvable *d = pool_id2solvable(pool, res.debuginfos.elements[i]);
		char name[512];
		Id p;

		if ((size_t)snprintf(name, sizeof(name), "%s-debugsource", sourcename(d)) >= sizeof(name))
			continue;
		p = find_sibling(pool, d, name);
		if (p)
			queue_push_unique(&res.debugsources, p);
	}
	queue_sort_nevra(pool, &res.binaries);
	queue_sort_nevra(pool, &res.debuginfos);
	queue_sort_nevra(pool, &res.debugsources);
	*ret = res;
	return 0;
}

void resolve_result_release(struct resolve_result *res)
{
	for (size_t i = 0; i < res->n_modules; i++) {
		free(res->modules[i].build_id);
		free(res->modules[i].path);
	}
	free(res->modules);
	queue_free(&res->binaries);
	queue_free(&res->debuginfos);
	queue_free(&res->debugsources);
	memset(res, 0, sizeof(*res));
}

/* --- output ---------------------------------------------------------------- */

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

void resolve_print_text(const struct rrepo *r, const struct resolve_result *res, FILE *out)
{
	fprintf(out, "release %s\n", r->release);
	for (size_t i = 0; i < res->n_modules; i++) {
		const struct resolve_module *m = &res->modules[i];

		fprintf(out, "module %s %s", or_dash(m->build_id), or_dash(m->path));
		if (m->is_vdso) {
			fputs(" vdso\n", out);
			continue;
		}
		fprintf(out, " binary %s", m->binary ? rrepo_nevra(r, m->binary) : "-");
		fprintf(out, " debuginfo %s\n", m->debuginfo ? rrepo_nevra(r, m->debuginfo) : "-");
		if (m->binary)
			fprintf(out, "  binary-via %s%s%s (%u candidate%s)\n", resolve_via_name(m->binary_via),
				m->binary_rule ? ", chosen by " : "", m->binary_rule ? m->binary_rule : "",
				m->binary_candidates, m->binary_candidates == 1 ? "" : "s");
		if (m->debuginfo)
			fprintf(out, "  debuginfo-via %s\n", resolve_via_name(m->debuginfo_via));
	}
	for (int i = 0; i < res->binaries.count; i++)
		fprintf(out, "package %s\n", rrepo_nevra(r, res->binaries.elements[i]));
	for (int i = 0; i < res->debuginfos.count; i++)
		fprintf(out, "debuginfo %s\n", rrepo_nevra(r, res->debuginfos.elements[i]));
	for (int i = 0; i < res->debugsources.count; i++)
		fprintf(out, "debugsource %s\n", rrepo_nevra(r, res->debugsources.elements[i]));
	for (size_t i = 0; i < res->n_modules; i++) {
		const struct resolve_module *m = &res->modules[i];
		if (m->is_vdso)
			continue;
		if (!m->binary)
			fprintf(out, "missing %s %s\n", or_dash(m->build_id), or_dash(m->path));
		if (!m->debuginfo)
			fprintf(out, "missing-debuginfo %s %s\n", or_dash(m->build_id), or_dash(m->path));
	}
}

/* A package as an object, or null for p == 0. */
static void json_pkg(const struct rrepo *r, Id p, FILE *out)
{
	Solvable *s;
	Id type = 0;

	if (!p) {
		fputs("null", out);
		return;
	}
	s = pool_id2solvable(r->pool, p);
	fputs("{\"nevra\":", out);
	json_write_str(out, rrepo_nevra(r, p));
	fputs(",\"name\":", out);
	json_write_str(out, pool_id2str(r->pool, s->name));
	fputs(",\"evr\":", out);
	json_write_str(out, pool_id2str(r->pool, s->evr));
	fputs(",\"arch\":", out);
	json_write_str(out, pool_id2str(r->pool, s->arch));
	fputs(",\"checksum\":", out);
	json_write_str(out, solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type));
	fputs(",\"location\":", out);
	json_write_str(out, solvable_lookup_location(s, NULL));
	fputc('}', out);
}

static void json_queue(const struct rrepo *r, const char *key, const Queue *q, FILE *out)
{
	fprintf(out, ",\"%s\":[", key);
	for (int i = 0; i < q->count; i++) {
		if (i)
			fputc(',', out);
		json_pkg(r, q->elements[i], out);
	}
	fputc(']', out);
}

/* The build-ids without a binary package (or without debuginfo). */
static void json_missing(const struct resolve_result *res, const char *key, bool debuginfo, FILE *out)
{
	bool first = true;

	fprintf(out, ",\"%s\":[", key);
	for (size_t i = 0; i < res->n_modules; i++) {
		const struct resolve_module *m = &res->modules[i];
		if (m->is_vdso || (debuginfo ? m->debuginfo : m->binary))
			continue;
		fputs(first ? "" : ",", out);
		json_write_str(out, m->build_id);
		first = false;
	}
	fputc(']', out);
}

void resolve_print_json(const struct rrepo *r, const struct resolve_result *res, FILE *out)
{
	fputs("{\"release\":", out);
	json_write_str(out, r->release);
	fputs(",\"modules\":[", out);
	for (size_t i = 0; i < res->n_modules; i++) {
		const struct resolve_module *m = &res->modules[i];

		fputs(i ? ",{" : "{", out);
		fputs("\"build_id\":", out);
		json_write_str(out, m->build_id);
		fputs(",\"path\":", out);
		json_write_str(out, m->path);
		fprintf(out, ",\"vdso\":%s,\"binary\":", m->is_vdso ? "true" : "false");
		json_pkg(r, m->binary, out);
		fputs(",\"binary_via\":", out);
		json_write_str(out, m->binary ? resolve_via_name(m->binary_via) : NULL);
		fputs(",\"binary_rule\":", out);
		json_write_str(out, m->binary_rule);
		fprintf(out, ",\"binary_candidates\":%u,\"debuginfo\":", m->binary_candidates);
		json_pkg(r, m->debuginfo, out);
		fputs(",\"debuginfo_via\":", out);
		json_write_str(out, m->debuginfo ? resolve_via_name(m->debuginfo_via) : NULL);
		fputc('}', out);
	}
	fputc(']', out);
	json_queue(r, "packages", &res->binaries, out);
	json_queue(r, "debuginfo", &res->debuginfos, out);
	json_queue(r, "debugsource", &res->debugsources, out);
	json_missing(res, "missing", false, out);
	json_missing(res, "missing_debuginfo", true, out);
	fputs("}\n", out);
}

/* --- tool closure ---------------------------------------------------------- */

int resolve_tools(struct rrepo *r, const char *const *names, size_t n, Queue *ret, char **ret_error)
{
	Pool *pool = r->pool;
	struct buf msg = BUF_INIT(64 * 1024);
	Queue job, dq;
	Solver *solv;
	int np, k = 0;

	queue_init(&job);
	queue_init(&dq);
	/* File dependencies (/bin/sh, /usr/bin/python3) need file provides. */
	pool_addfileprovides(pool);
	pool_createwhatprovides(pool);
	for (size_t i = 0; i < n; i++) {
		Id id = pool_str2id(pool, names[i], 0);
		if (!id || !pool_whatprovides(pool, id)) {
			buf_appendf(&msg, "nothing in %s provides %s\n", r->release, names[i]);
			k = -ENOENT;
			continue;
		}
		queue_push2(&job, SOLVER_INSTALL | SOLVER_SOLVABLE_PROVIDES, id);
	}
	if (k < 0)
		goto out;
	solv = solver_create(pool);
	/* Weak dependencies would pull in documentation and the like. */
	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, 1);
	np = solver_solve(solv, &job);
	if (np > 0) {
		for (Id i = 1; i <= np; i++)
			buf_appendf(&msg, "problem %d: %s\n", (int)i, solver_problem2str(solv, i));
		k = -EDEADLK;
	} else {
		solver_get_decisionqueue(solv, &dq);
		queue_empty(ret);
		for (int i = 0; i < dq.count; i++) {
			Id p = dq.elements[i];
			if (p > 0 && p != SYSTEMSOLVABLE && pool_id2solvable(pool, p)->repo == r->repo)
				queue_push(ret, p);
		}
		queue_sort_nevra(pool, ret);
	}
	solver_free(solv);
out:
	if (k < 0 && ret_error)
		*ret_error = buf_steal(&msg);
	buf_release(&msg);
	queue_free(&job);
	queue_free(&dq);
	return k;
}

int resolve_inputs_from_core(const struct coredump *cd, struct resolve_module_in **ret, size_t *ret_n)
{
	struct resolve_module_in *in;

	if (cd->nmodules > RESOLVE_MAX_MODULES)
		return -E2BIG;
	in = calloc(cd->nmodules ? cd->nmodules : 1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (size_t i = 0; i < cd->nmodules; i++) {
		const struct coredump_module *m = &cd->modules[i];
		if (m->build_id_len) {
			char *hex = malloc(m->build_id_len * 2 + 1);
			if (!hex) {
				resolve_inputs_free(in, i);
				return -ENOMEM;
			}
			hex_encode(m->build_id, m->build_id_len, hex);
			in[i].build_id = hex;
		}
		in[i].path = m->path;
		in[i].is_vdso = m->is_vdso;
	}
	*ret = in;
	*ret_n = cd->nmodules;
	return 0;
}

void resolve_inputs_free(struct resolve_module_in *in, size_t n)
{
	if (!in)
		return;
	for (size_t i = 0; i < n; i++)
		free((char *)in[i].build_id);
	free(in);
}
