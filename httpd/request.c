/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "request.h"

#include <string.h>
#include <strings.h>

#include "common/macro.h"
#include "common/util.h"

#define MAX_NVR 256
#define MAX_ARCH 32

static const struct {
	const char *path;
	enum route route;
} fixed_routes[] = {
	{ "/", ROUTE_INDEX },
	{ "/settings", ROUTE_SETTINGS },
	{ "/create", ROUTE_CREATE },
	{ "/checkpackage", ROUTE_CHECKPACKAGE },
	{ "/stats", ROUTE_STATS },
	{ "/metrics", ROUTE_METRICS },
	{ "/manager", ROUTE_MANAGER },
};

static const struct {
	const char *suffix;
	enum route route;
} task_routes[] = {
	{ "", ROUTE_TASK_STATUS },
	{ "/", ROUTE_TASK_STATUS },
	{ "/backtrace", ROUTE_TASK_BACKTRACE },
	{ "/log", ROUTE_TASK_LOG },
	{ "/exploitable", ROUTE_TASK_EXPLOITABLE },
	{ "/delete", ROUTE_TASK_DELETE },
};

enum route route_parse(const char *url, uint32_t *ret_task_id)
{
	size_t len;

	if (!url || url[0] != '/')
		return ROUTE_NOT_FOUND;
	len = strlen(url);
	/* everything under /manager/ is the task manager's to sort out */
	if (strncmp(url, "/manager/", 9) == 0)
		return ROUTE_MANAGER;
	for (size_t i = 0; i < ELEMENTSOF(fixed_routes); i++) {
		size_t n = strlen(fixed_routes[i].path);
		/* "/settings" and "/settings/" are the same page */
		if (strncmp(url, fixed_routes[i].path, n) == 0 &&
		    (url[n] == '\0' || (n > 1 && url[n] == '/' && url[n + 1] == '\0')))
			return fixed_routes[i].route;
	}
	if (len < 1 + SPOOL_TASK_ID_DIGITS)
		return ROUTE_NOT_FOUND;
	for (size_t i = 0; i < ELEMENTSOF(task_routes); i++) {
		const char *rest = url + 1 + SPOOL_TASK_ID_DIGITS;
		uint32_t id;
		if (strcmp(rest, task_routes[i].suffix) != 0)
			continue;
		if (spool_task_id_parse(url + 1, SPOOL_TASK_ID_DIGITS, &id) < 0)
			return ROUTE_NOT_FOUND;
		*ret_task_id = id;
		return task_routes[i].route;
	}
	return ROUTE_NOT_FOUND;
}

bool result_key_valid(const char *key, size_t len)
{
	return safe_name_valid(key, len, MANAGER_KEY_MAX, "._-");
}

int manager_path_parse(const char *url, struct manager_path *ret)
{
	static const struct {
		const char *suffix;
		enum manager_action action;
		bool keyed;
	} actions[] = {
		{ "", MANAGER_TASK, false },		{ "/", MANAGER_TASK, false },
		{ "/start", MANAGER_START, false },	{ "/restart", MANAGER_RESTART, false },
		{ "/delete", MANAGER_DELETE, false },	{ "/backtrace", MANAGER_BACKTRACE, false },
		{ "/log", MANAGER_LOG, false },		{ "/results/", MANAGER_RESULT, true },
		{ "/misc/", MANAGER_MISC, true },
	};
	struct manager_path p = { .action = MANAGER_INVALID };
	const char *rest;

	*ret = p;
	if (!url || strncmp(url, "/manager", 8) != 0)
		return -EINVAL;
	rest = url + 8;
	if (rest[0] == '\0' || strcmp(rest, "/") == 0) {
		ret->action = MANAGER_LIST;
		return 0;
	}
	if (strncmp(rest, "/ftp/", 5) == 0) {
		const char *name = rest + 5, *slash = strchr(name, '/');
		if (!slash || strcmp(slash, "/start") != 0 || !ftp_name_valid(name, (size_t)(slash - name)))
			return -EINVAL;
		memcpy(p.key, name, (size_t)(slash - name));
		p.key[slash - name] = '\0';
		p.action = MANAGER_FTP_START;
		*ret = p;
		return 0;
	}
	if (rest[0] != '/' || strlen(rest + 1) < SPOOL_TASK_ID_DIGITS ||
	    spool_task_id_parse(rest + 1, SPOOL_TASK_ID_DIGITS, &p.id) < 0)
		return -EINVAL;
	rest += 1 + SPOOL_TASK_ID_DIGITS;
	for (size_t i = 0; i < ELEMENTSOF(actions); i++) {
		size_t n = strlen(actions[i].suffix);
		if (!actions[i].keyed) {
			if (strcmp(rest, actions[i].suffix) != 0)
				continue;
		} else {
			size_t klen;
			if (strncmp(rest, actions[i].suffix, n) != 0)
				continue;
			klen = strlen(rest + n);
			if (!result_key_valid(rest + n, klen))
				return -EINVAL;
			memcpy(p.key, rest + n, klen + 1);
		}
		p.action = actions[i].action;
		*ret = p;
		return 0;
	}
	return -EINVAL;
}

bool manager_action_is_post(enum manager_action a)
{
	return a == MANAGER_START || a == MANAGER_RESTART || a == MANAGER_DELETE || a == MANAGER_FTP_START;
}

bool route_is_task(enum route r)
{
	return r == ROUTE_CREATE || r == ROUTE_TASK_STATUS || r == ROUTE_TASK_BACKTRACE ||
	       r == ROUTE_TASK_LOG || r == ROUTE_TASK_EXPLOITABLE || r == ROUTE_TASK_DELETE;
}

enum http_method method_parse(const char *method)
{
	if (!method)
		return METHOD_OTHER;
	if (strcmp(method, "GET") == 0)
		return METHOD_GET;
	if (strcmp(method, "HEAD") == 0)
		return METHOD_HEAD;
	if (strcmp(method, "POST") == 0)
		return METHOD_POST;
	return METHOD_OTHER;
}

int task_type_parse(const char *value, enum task_type *ret)
{
	char tmp[32];
	uint64_t v;
	int r;

	if (!value) {
		*ret = TASK_RETRACE;
		return 0;
	}
	if (strlen(value) >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, value, strlen(value) + 1);
	str_strip(tmp);
	r = parse_u64(tmp, UINT64_MAX, &v);
	if (r == -ERANGE) {
		*ret = TASK_RETRACE; /* a number, just not one we know */
		return 0;
	}
	if (r < 0)
		return -EINVAL;
	*ret = v < _TASK_TYPE_MAX ? (enum task_type)v : TASK_RETRACE;
	return 0;
}

bool content_type_supported(const char *value)
{
	static const char *const types[] = {
		"application/x-tar",
		"application/x-gzip",
		"application/x-xz-compressed-tar",
		/* a bare core (design 11.5); the bytes decide what it is */
		"application/octet-stream",
		"application/gzip",
		"application/x-xz",
	};
	size_t n;

	if (!value)
		return false;
	n = strcspn(value, ";");
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < ELEMENTSOF(types); i++)
		if (strlen(types[i]) == n && strncasecmp(value, types[i], n) == 0)
			return true;
	return false;
}

int content_length_parse(const char *value, uint64_t *ret)
{
	return parse_u64(value, UINT64_MAX, ret);
}

static bool all_in(const char *s, const char *extra, size_t maxlen)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > maxlen)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr(extra, c) || c == '\0')
			return false;
	}
	return true;
}

bool password_well_formed(const char *value)
{
	return value && strlen(value) == SPOOL_PASSWORD_LEN && all_in(value, "", SPOOL_PASSWORD_LEN);
}

bool package_nvr_valid(const char *value)
{
	return all_in(value, "._+~^:-", MAX_NVR);
}

bool package_arch_valid(const char *value)
{
	return all_in(value, "_", MAX_ARCH);
}

const char *nvr_strip_epoch(const char *nvr, char *buf, size_t buflen)
{
	size_t n = 0;

	/*
	 * As the original server, re.sub("[1-9][0-9]*:", "", nvr): every run
	 * of digits that starts with 1-9 and ends in a colon goes, wherever it
	 * is - ABRT writes "name-E:V-R" ("NetworkManager-1:1.42.2-1.fc39"),
	 * older clients "E:name-V-R". A run not ended by a colon is kept whole
	 * (no later start inside it could end in one either).
	 */
	for (const char *p = nvr; *p;) {
		const char *q = p;
		if (*p >= '1' && *p <= '9') {
			while (*q >= '0' && *q <= '9')
				q++;
			if (*q == ':') {
				p = q + 1;
				continue;
			}
		} else {
			q = p + 1;
		}
		if (n + (size_t)(q - p) >= buflen)
			return NULL;
		memcpy(buf + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		p = q;
	}
	if (n >= buflen)
		return NULL;
	buf[n] = '\0';
	return buf;
}

const char *const *arch_family(const char *arch)
{
	static const char *const i386[] = { "i386", "i486", "i586", "i686", NULL };
	static const char *const x86_64[] = { "x86_64", "amd64", NULL };
	static const char *const armhfp[] = { "armhfp", "armel", "armv5tel", "armv7l", "armv7hl",
					      "armv7hnl", NULL };
	static const char *const *const families[] = { i386, x86_64, armhfp };

	for (size_t i = 0; i < ELEMENTSOF(families); i++)
		for (const char *const *a = families[i]; *a; a++)
			if (strcmp(*a, arch) == 0)
				return families[i];
	return NULL;
}
