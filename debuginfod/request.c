/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "debuginfod/request.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

const char *dbgd_kind_name(enum dbgd_kind k)
{
	static const char *const names[] = { "debuginfo", "executable", "source", "section", "metrics" };
	return (unsigned)k < DBGD_INVALID ? names[k] : "invalid";
}

/*
 * A source path as a DWARF names it, normalized into out as elfutils'
 * server does: absolute, "//" and "." folded, ".." taking the component
 * before it (never past the root: refused), printable ASCII. What it then
 * names is looked up in the packages' file lists only, so no path can
 * reach outside a package's payload.
 */
static int source_path(const char *p, char *out, size_t size)
{
	size_t o = 0;

	if (p[0] != '/')
		return -EINVAL;
	while (*p) {
		size_t n;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (!mem_is_printable_ascii(p, n))
			return -EINVAL;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0)
				return -EINVAL;
			while (o > 0 && out[o - 1] != '/')
				o--;
			o--; /* the '/' before it */
		} else {
			if (o + 1 + n >= size)
				return -EINVAL;
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == 0)
		return -EINVAL;
	out[o] = '\0';
	return 0;
}

int dbgd_request_parse(const char *url, struct dbgd_request *ret)
{
	struct dbgd_request r = { .kind = DBGD_INVALID };
	const char *p, *slash;
	size_t n;

	*ret = r;
	if (!url)
		return -EINVAL;
	if (strcmp(url, "/metrics") == 0) {
		ret->kind = DBGD_METRICS;
		return 0;
	}
	if (strncmp(url, "/buildid/", 9) != 0)
		return -EINVAL;
	p = url + 9;
	slash = strchr(p, '/');
	if (!slash)
		return -EINVAL;
	n = (size_t)(slash - p);
	if (n < 2 || n > DBGD_HEX_MAX || n % 2 || strspn(p, "0123456789abcdef") < n)
		return -EINVAL;
	memcpy(r.hex, p, n);
	r.hex[n] = '\0';
	p = slash + 1;
	if (strcmp(p, "debuginfo") == 0) {
		r.kind = DBGD_DEBUGINFO;
	} else if (strcmp(p, "executable") == 0) {
		r.kind = DBGD_EXECUTABLE;
	} else if (strncmp(p, "source/", 7) == 0) {
		/* the client sends the absolute path after "source" (its '/' kept) */
		if (source_path(p + 6, r.arg, sizeof(r.arg)) < 0)
			return -EINVAL;
		r.kind = DBGD_SOURCE;
	} else if (strncmp(p, "section/", 8) == 0) {
		/* ".debug_info": a leading dot is the rule here */
		if (strlen(p + 8) == 0 || strlen(p + 8) > DBGD_SECTION_MAX ||
		    strspn(p + 8, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(p + 8))
			return -EINVAL;
		/* "." and ".." name no section, and a URL would fold them away */
		if (!strcmp(p + 8, ".") || !strcmp(p + 8, ".."))
			return -EINVAL;
		memcpy(r.arg, p + 8, strlen(p + 8) + 1);
		r.kind = DBGD_SECTION;
	} else {
		return -EINVAL;
	}
	*ret = r;
	return 0;
}

int dbgd_request_path(const struct dbgd_request *rq, char *buf, size_t size)
{
	int n;

	switch (rq->kind) {
	case DBGD_DEBUGINFO:
	case DBGD_EXECUTABLE:
		n = snprintf(buf, size, "/buildid/%s/%s", rq->hex, dbgd_kind_name(rq->kind));
		break;
	case DBGD_SOURCE:
		n = snprintf(buf, size, "/buildid/%s/source%s", rq->hex, rq->arg);
		break;
	case DBGD_SECTION:
		n = snprintf(buf, size, "/buildid/%s/section/%s", rq->hex, rq->arg);
		break;
	case DBGD_METRICS:
		n = snprintf(buf, size, "/metrics");
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
