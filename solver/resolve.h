/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resolve.h - from the modules of a core to the exact packages: the binary
 * packages that held those files, their -debuginfo and -debugsource
 * packages, and the build-ids nothing in the repository provides.
 *
 * When several packages carry a build-id, the choice is deterministic:
 *   1. the client's own package (its `package` file: N-V-R, with or
 *      without epoch and arch);
 *   2. a package whose file list holds the module's path (or its
 *      /usr-merged twin);
 *   3. the newest (RPM version order, epoch first);
 *   4. the release's own arch before others, then the name, then the
 *      package checksum — so equal inputs give equal answers.
 * Debuginfo is found by the build-id (/usr/lib/debug/.build-id/ links or
 * debuginfo(build-id) provides); among several, the one built from the
 * same source package, version and arch as the chosen binary wins, then
 * rules 3-4. Without a build-id hit it falls back to <name>-debuginfo of
 * the binary's exact version and arch ("by name"). -debugsource packages
 * are <source name>-debugsource of each chosen debuginfo's version and arch.
 *
 * Tool closure: the packages a tool (gdb) needs in a release, chosen by
 * libsolv's solver; problems come back as readable text.
 *
 * Who calls it: the worker and retrace-resolve. Results own their strings.
 */
#ifndef RETRACE_SOLVER_RESOLVE_H
#define RETRACE_SOLVER_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "coredump/coredump.h"
#include "solver/repo.h"

#define RESOLVE_MAX_MODULES 4096
#define RESOLVE_MAX_CANDIDATES 256 /* index entries looked at per build-id */

struct resolve_module_in {
	const char *build_id; /* lowercase hex, or NULL when the core had none */
	const char *path;     /* may be NULL */
	bool is_vdso;
};

enum resolve_via {
	VIA_NONE = 0,
	VIA_LINK,     /* /usr/lib/.build-id/ link */
	VIA_SCAN,     /* found by scanning the package's ELF files */
	VIA_BUILD_ID, /* debuginfo by build-id */
	VIA_NAME,     /* debuginfo by name and exact version */
};

struct resolve_module {
	char *build_id;
	char *path;
	bool is_vdso;
	Id binary;           /* 0: no package holds this build-id */
	enum resolve_via binary_via;
	const char *binary_rule; /* which rule decided among several, or NULL */
	unsigned binary_candidates;
	Id debuginfo;        /* 0: missing debuginfo */
	enum resolve_via debuginfo_via;
};

struct resolve_result {
	struct resolve_module *modules;
	size_t n_modules;
	Queue binaries;    /* distinct solvables, sorted by NEVRA */
	Queue debuginfos;
	Queue debugsources;
};

/* client_package: the `package` file's contents (N-V-R[.A], optional E:), or NULL. */
int resolve_modules(const struct rrepo *r, const struct resolve_module_in *in, size_t n,
		    const char *client_package, struct resolve_result *ret);
void resolve_result_release(struct resolve_result *res);

void resolve_print_text(const struct rrepo *r, const struct resolve_result *res, FILE *out);
void resolve_print_json(const struct rrepo *r, const struct resolve_result *res, FILE *out);

const char *resolve_via_name(enum resolve_via v);

/*
 * Resolve the closure of the named packages (or provides) in the release:
 * fills *ret (sorted by NEVRA) or returns -ENOENT/-EDEADLK with the solver's
 * problems, one per line, in *ret_error.
 */
int resolve_tools(struct rrepo *r, const char *const *names, size_t n, Queue *ret, char **ret_error);

/* The modules of a core as resolver input (paths borrowed from cd, build-ids owned). */
int resolve_inputs_from_core(const struct coredump *cd, struct resolve_module_in **ret, size_t *ret_n);
void resolve_inputs_free(struct resolve_module_in *in, size_t n);

#endif
