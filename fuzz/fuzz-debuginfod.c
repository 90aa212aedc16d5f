/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-debuginfod - a URL in, the debuginfod request it is (or none). The
 * invariants retrace-debuginfod relies on: a build-id is even-length
 * lowercase hex of 2-128; a source path is absolute with no empty, "." or
 * ".." component left and printable; a section name is [A-Za-z0-9._-]{1,64}.
 * And the path dbgd_request_path() makes of a request (what the server
 * sends its fetcher) parses back to the same request. The URL is first
 * decoded by mhd_unescape() (the daemons' %XX decoding): never longer than
 * what it was given, never with a NUL inside.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfod/request.h"
#include "httpd/mhd.h"

const char *fuzz_target_name = "debuginfod";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	struct dbgd_request rq;
	size_t n;

	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	{
		size_t before = strlen(url), after = mhd_unescape(NULL, NULL, url);
		if (after > before || strlen(url) != after)
			abort();
	}
	if (dbgd_request_parse(url, &rq) == 0 && rq.kind != DBGD_METRICS) {
		n = strlen(rq.hex);
		if (n < 2 || n > DBGD_HEX_MAX || n % 2 || strspn(rq.hex, "0123456789abcdef") != n)
			abort();
		if (rq.kind == DBGD_SOURCE) {
			const char *p = rq.arg;
			if (p[0] != '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
				abort();
			n = strlen(p);
			if ((n >= 2 && strcmp(p + n - 2, "/.") == 0) || (n >= 3 && strcmp(p + n - 3, "/..") == 0) ||
			    p[n - 1] == '/')
				abort();
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f)
					abort();
		}
		if (rq.kind == DBGD_SECTION &&
		    (!rq.arg[0] || strlen(rq.arg) > DBGD_SECTION_MAX ||
		     strspn(rq.arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(rq.arg) ||
		     !strcmp(rq.arg, ".") || !strcmp(rq.arg, "..")))
			abort();
		if (rq.kind >= DBGD_INVALID)
			abort();
	}
	if (dbgd_request_parse(url, &rq) == 0) {
		char path[DBGD_REQUEST_PATH_MAX];
		struct dbgd_request again;
		if (dbgd_request_path(&rq, path, sizeof(path)) < 0 || dbgd_request_parse(path, &again) < 0 ||
		    again.kind != rq.kind || strcmp(again.hex, rq.hex) != 0 || strcmp(again.arg, rq.arg) != 0)
			abort();
	}
	free(url);
	return 0;
}
