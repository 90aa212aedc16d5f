/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-request - request bytes in, parsed values out. The input is split at
 * newlines into: method, URL (also as a task manager path), then header values (X-Task-Type, Content-Type,
 * Content-Length, X-Task-Password, X-Package-NVR, X-Package-Arch,
 * X-OS-Release). Every parser of request.h sees them; results are checked
 * for the invariants the handlers rely on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "httpd/request.h"

const char *fuzz_target_name = "request";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *fields[9] = { 0 };
	size_t nf = 0;
	uint32_t id = 0;
	enum task_type t;
	uint64_t len;
	char bare[64];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *p = copy; p && nf < 9; nf++) {
		fields[nf] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}

	(void)method_parse(fields[0]);
	if (fields[1]) {
		struct manager_path mp;
		if (manager_path_parse(fields[1], &mp) == 0) {
			if (mp.action >= MANAGER_INVALID)
				abort();
			if (mp.action != MANAGER_LIST && mp.action != MANAGER_FTP_START &&
			    (mp.id < 100000000 || mp.id > 999999999))
				abort();
			if (mp.action == MANAGER_FTP_START && !ftp_name_valid(mp.key, strlen(mp.key)))
				abort();
			/* a result key never names a path: no '/', no leading dot */
			if ((mp.action == MANAGER_RESULT || mp.action == MANAGER_MISC) &&
			    (!mp.key[0] || mp.key[0] == '.' || strchr(mp.key, '/') ||
			     strlen(mp.key) > MANAGER_KEY_MAX))
				abort();
		}
	}
	if (fields[1]) {
		enum route r = route_parse(fields[1], &id);
		if (r == ROUTE_TASK_STATUS || r == ROUTE_TASK_LOG || r == ROUTE_TASK_BACKTRACE ||
		    r == ROUTE_TASK_EXPLOITABLE || r == ROUTE_TASK_DELETE) {
			if (id < 100000000 || id > 999999999)
				abort();
		}
	}
	if (task_type_parse(fields[2], &t) == 0 && ((unsigned)t >= _TASK_TYPE_MAX))
		abort();
	(void)content_type_supported(fields[3]);
	(void)content_length_parse(fields[4], &len);
	if (fields[5] && password_well_formed(fields[5]) && strlen(fields[5]) != 32)
		abort();
	if (fields[6] && package_nvr_valid(fields[6])) {
		const char *b = nvr_strip_epoch(fields[6], bare, sizeof(bare));
		if (b && strlen(b) >= sizeof(bare))
			abort();
	}
	if (fields[7] && package_arch_valid(fields[7]))
		(void)arch_family(fields[7]);
	(void)release_id_valid(fields[8]);
	free(copy);
	return 0;
}
