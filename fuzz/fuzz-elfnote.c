/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-elfnote - the head of a packaged file in, its build-id out:
 * elf_build_id(), which the solver runs on the first bytes of every ELF
 * file in packages without /usr/lib/.build-id links.
 */
#include <stdint.h>
#include <string.h>

#include "solver/elfnote.h"

const char *fuzz_target_name = "elfnote";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t id[ELF_BUILD_ID_MAX];
	int r = elf_build_id(data, size, id);

	/* the answer is either an error, nothing, or a build-id that fits */
	if (r > ELF_BUILD_ID_MAX)
		__builtin_trap();
	return 0;
}
