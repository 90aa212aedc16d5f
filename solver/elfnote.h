/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfnote.h - the GNU build-id of an ELF file from the first bytes of the
 * file alone (its ELF header, program headers and PT_NOTE segments).
 *
 * Used when indexing packages that carry no /usr/lib/.build-id links: the
 * payload is a stream, so the solver reads the head of each file and asks
 * this parser. The bytes come from a repository's packages; they are not
 * trusted: every offset and size is checked against len, every loop is
 * bounded by the buffer. Pure function, no allocation, any process.
 */
#ifndef RETRACE_ELFNOTE_H
#define RETRACE_ELFNOTE_H

#include <stddef.h>
#include <stdint.h>

#define ELF_BUILD_ID_MAX 64

/*
 * Look for NT_GNU_BUILD_ID in the PT_NOTE segments that lie inside
 * buf[0..len). Returns the build-id length (> 0) and copies it to id;
 * 0 when buf is an ELF file without a build-id inside buf; -ENOEXEC when
 * buf is not an ELF file (or one too damaged to read).
 */
int elf_build_id(const uint8_t *buf, size_t len, uint8_t id[ELF_BUILD_ID_MAX]);

#endif
