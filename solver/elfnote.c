/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "solver/elfnote.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct view {
	const uint8_t *p;
	size_t len;
	bool big;
	bool is64;
};

static uint64_t get(const struct view *v, size_t off, size_t n)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = v->big ? i : n - 1 - i;
		x = (x << 8) | v->p[off + k];
	}
	return x;
}

/* Is [off, off+n) inside the buffer? */
static bool inside(const struct view *v, uint64_t off, uint64_t n)
{
	return off <= v->len && n <= v->len - off;
}

static int notes(const struct view *v, uint64_t off, uint64_t size, uint64_t align,
		 uint8_t id[ELF_BUILD_ID_MAX])
{
	uint64_t end = off + size;
	/* PT_NOTE alignment is 4 or 8; anything else is read as 4, like the kernel. */
	uint64_t a = align == 8 ? 8 : 4;

	while (end - off >= 12) {
		uint64_t namesz = get(v, off, 4), descsz = get(v, off + 4, 4), type = get(v, off + 8, 4);
		uint64_t name = off + 12, desc, next;

		desc = name + ((namesz + a - 1) & ~(a - 1));
		next = desc + ((descsz + a - 1) & ~(a - 1));
		if (desc > end || next > end || next <= off)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(v->p + name, "GNU", 4) == 0 &&
		    descsz > 0 && descsz <= ELF_BUILD_ID_MAX) {
			memcpy(id, v->p + desc, descsz);
			return (int)descsz;
		}
		off = next;
	}
	return 0;
}

int elf_build_id(const uint8_t *buf, size_t len, uint8_t id[ELF_BUILD_ID_MAX])
{
	struct view v = { .p = buf, .len = len };
	uint64_t phoff, phentsize, phnum;

	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	if (buf[EI_DATA] != ELFDATA2LSB && buf[EI_DATA] != ELFDATA2MSB)
		return -ENOEXEC;
	v.is64 = buf[EI_CLASS] == ELFCLASS64;
	v.big = buf[EI_DATA] == ELFDATA2MSB;
	if (len < (v.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return -ENOEXEC;

	if (v.is64) {
		phoff = get(&v, offsetof(Elf64_Ehdr, e_phoff), 8);
		phentsize = get(&v, offsetof(Elf64_Ehdr, e_phentsize), 2);
		phnum = get(&v, offsetof(Elf64_Ehdr, e_phnum), 2);
		if (phentsize < sizeof(Elf64_Phdr))
			return phnum ? -ENOEXEC : 0;
	} else {
		phoff = get(&v, offsetof(Elf32_Ehdr, e_phoff), 4);
		phentsize = get(&v, offsetof(Elf32_Ehdr, e_phentsize), 2);
		phnum = get(&v, offsetof(Elf32_Ehdr, e_phnum), 2);
		if (phentsize < sizeof(Elf32_Phdr))
			return phnum ? -ENOEXEC : 0;
	}

	/* phnum <= 65535 and phentsize <= 65535: no overflow in 64 bits. */
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * phentsize, type, off, size, align;
		int r;

		if (phoff > len || !inside(&v, ph, phentsize))
			break; /* the rest of the table is past what we were given */
		type = get(&v, ph, 4);
		if (type != PT_NOTE)
			continue;
		if (v.is64) {
			off = get(&v, ph + offsetof(Elf64_Phdr, p_offset), 8);
			size = get(&v, ph + offsetof(Elf64_Phdr, p_filesz), 8);
			align = get(&v, ph + offsetof(Elf64_Phdr, p_align), 8);
		} else {
			off = get(&v, ph + offsetof(Elf32_Phdr, p_offset), 4);
			size = get(&v, ph + offsetof(Elf32_Phdr, p_filesz), 4);
			align = get(&v, ph + offsetof(Elf32_Phdr, p_align), 4);
		}
		if (!inside(&v, off, size))
			continue;
		r = notes(&v, off, size, align, id);
		if (r > 0)
			return r;
	}
	return 0;
}
