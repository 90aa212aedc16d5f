/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * corepatch - make a hostile core out of a real one, for the tests.
 *   corepatch CORE ehdr FIELD VALUE           FIELD: phnum phoff type
 *   corepatch CORE phdr N FIELD VALUE         FIELD: type offset vaddr filesz memsz
 *   corepatch CORE phdr-of TYPE FIELD VALUE   the first program header of TYPE
 *   corepatch CORE ntfile-count VALUE         the count word of NT_FILE
 *   corepatch CORE note-descsz VALUE          n_descsz of the first note
 * ELF64 little-endian cores only; VALUE is decimal or 0x hex.
 */
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

static int fd;

static void put(uint64_t off, uint64_t v, size_t n)
{
	if (pwrite(fd, &v, n, (off_t)off) != (ssize_t)n) {
		perror("pwrite");
		exit(1);
	}
}

static void get(uint64_t off, void *p, size_t n)
{
	if (pread(fd, p, n, (off_t)off) != (ssize_t)n) {
		perror("pread");
		exit(1);
	}
}

static uint64_t phdr_field(const char *f, size_t *n)
{
	*n = 8;
	if (!strcmp(f, "type")) {
		*n = 4;
		return offsetof(Elf64_Phdr, p_type);
	}
	if (!strcmp(f, "offset"))
		return offsetof(Elf64_Phdr, p_offset);
	if (!strcmp(f, "vaddr"))
		return offsetof(Elf64_Phdr, p_vaddr);
	if (!strcmp(f, "filesz"))
		return offsetof(Elf64_Phdr, p_filesz);
	if (!strcmp(f, "memsz"))
		return offsetof(Elf64_Phdr, p_memsz);
	fprintf(stderr, "unknown field %s\n", f);
	exit(2);
}

int main(int argc, char **argv)
{
	Elf64_Ehdr eh;
	size_t n;

	if (argc < 4)
		return 2;
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	get(0, &eh, sizeof(eh));
	if (!strcmp(argv[2], "ehdr") && argc == 5) {
		uint64_t v = strtoull(argv[4], NULL, 0);
		if (!strcmp(argv[3], "phnum"))
			put(offsetof(Elf64_Ehdr, e_phnum), v, 2);
		else if (!strcmp(argv[3], "phoff"))
			put(offsetof(Elf64_Ehdr, e_phoff), v, 8);
		else if (!strcmp(argv[3], "type"))
			put(offsetof(Elf64_Ehdr, e_type), v, 2);
		else
			return 2;
		return 0;
	}
	if (!strcmp(argv[2], "phdr") && argc == 6) {
		uint64_t f = phdr_field(argv[4], &n);
		put(eh.e_phoff + strtoull(argv[3], NULL, 0) * sizeof(Elf64_Phdr) + f,
		    strtoull(argv[5], NULL, 0), n);
		return 0;
	}
	if (!strcmp(argv[2], "phdr-of") && argc == 6) {
		uint32_t type = (uint32_t)strtoul(argv[3], NULL, 0);
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			get(eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph));
			if (ph.p_type == type) {
				uint64_t f = phdr_field(argv[4], &n);
				put(eh.e_phoff + i * sizeof(ph) + f, strtoull(argv[5], NULL, 0), n);
				return 0;
			}
		}
		return 1;
	}
	if ((!strcmp(argv[2], "ntfile-count") || !strcmp(argv[2], "note-descsz")) && argc == 4) {
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			get(eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph));
			if (ph.p_type != PT_NOTE)
				continue;
			if (!strcmp(argv[2], "note-descsz")) {
				put(ph.p_offset + 4, strtoull(argv[3], NULL, 0), 4);
				return 0;
			}
			for (uint64_t off = ph.p_offset; off + 12 <= ph.p_offset + ph.p_filesz;) {
				Elf64_Nhdr nh;
				get(off, &nh, sizeof(nh));
				uint64_t desc = off + 12 + ((nh.n_namesz + 3) & ~3U);
				if (nh.n_type == NT_FILE) {
					put(desc, strtoull(argv[3], NULL, 0), 8);
					return 0;
				}
				off = desc + ((nh.n_descsz + 3) & ~3U);
			}
		}
		return 1;
	}
	return 2;
}
