/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-coredump-answer - the parent's parser of what the confined core
 * reader sends back: it must hold against a reader an attacker controls.
 */
#include <stdint.h>
#include <stdlib.h>

#include "coredump/confined.h"

const char *fuzz_target_name = "coredump-answer";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coredump_limits lim;
	struct coredump *cd = NULL;
	char *err = NULL;

	coredump_limits_default(&lim);
	lim.max_modules = 64;
	lim.max_threads = 64;
	if (coredump_deserialize((const char *)data, size, &lim, &cd, &err) == 0) {
		for (size_t i = 0; i < cd->nmodules; i++)
			if (cd->modules[i].end <= cd->modules[i].start)
				abort();
		coredump_free(cd);
	} else if (!err) {
		abort();
	}
	free(err);
	return 0;
}
