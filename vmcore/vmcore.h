/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmcore.h - reading kernel crash dumps without debuginfo (VMCORE.md):
 * ELF64 (kdump, qemu), kdump-compressed (zlib, LZO, snappy, zstd pages;
 * header versions 1-6) and makedumpfile's flattened format (reassembled,
 * streamed, into an unnamed temporary file). Every offset, size and count
 * from the file is checked against the file and against the limits below;
 * a hostile dump gets an error, never a crash, in bounded time and memory.
 */
#ifndef RETRACE_VMCORE_H
#define RETRACE_VMCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VMCORE_MAX_VMCOREINFO (64 * 1024)   /* the kernel's is one page */
#define VMCORE_MAX_NOTES (16 * 1024 * 1024) /* PT_NOTE bytes read */
#define VMCORE_MAX_PHDRS 65536
#define VMCORE_MAX_RING (256u * 1024 * 1024) /* printk data / log_buf bytes read */
#define VMCORE_MAX_DESC_BITS 24              /* printk descriptors: 16M */
#define VMCORE_MAX_FLAT_RECORD (1ULL << 30)  /* one flattened record */

enum vmcore_format {
	VMCORE_ELF,
	VMCORE_KDUMP,
};

struct vmcore;

/* Open the dump on fd (borrowed; must stay open). NULL-terminated error text in *ret_error. */
int vmcore_open(int fd, struct vmcore **ret, char **ret_error);
/* The same, reassembling a flattened dump into scratch_fd (emptied first)
 * instead of a new temporary file: for a reader that may not open files. */
int vmcore_open_scratch(int fd, int scratch_fd, struct vmcore **ret, char **ret_error);
void vmcore_free(struct vmcore *v);

enum vmcore_format vmcore_format(const struct vmcore *v);
bool vmcore_was_flattened(const struct vmcore *v);
/* "kdump-compressed v6, zlib" / "ELF64, 3 PT_LOAD" ... */
const char *vmcore_format_text(const struct vmcore *v);
/* The VMCOREINFO note's text (NUL-terminated), or NULL. */
const char *vmcore_vmcoreinfo(const struct vmcore *v);
/* "x86_64", "aarch64"... from the ELF header or VMCOREINFO; "unknown". */
const char *vmcore_arch(const struct vmcore *v);
unsigned vmcore_ncpus(const struct vmcore *v);
int vmcore_dump_level(const struct vmcore *v); /* kdump-compressed only; -1 otherwise */
/* The first NT_PRSTATUS's x86_64 registers (rip, rsp...), when there is one. */
bool vmcore_prstatus_regs(const struct vmcore *v, uint64_t regs[27]);

/* Physical memory: -ENOENT for a page not in the dump, -EIO/-EINVAL for a damaged one. */
int vmcore_read_phys(struct vmcore *v, uint64_t paddr, void *buf, size_t len);

/* VMCOREINFO values: -ENOENT when absent, -EINVAL when malformed. */
int vmcoreinfo_string(const struct vmcore *v, const char *key, char *out, size_t size);
int vmcoreinfo_u64(const struct vmcore *v, const char *key, int base, uint64_t *ret);
int vmcoreinfo_i64(const struct vmcore *v, const char *key, int64_t *ret);

/* Kernel virtual memory (x86_64: the kernel map, else the page tables). */
int vmcore_read_virt(struct vmcore *v, uint64_t vaddr, void *buf, size_t len, char **ret_error);

/* The kernel log, as makedumpfile --dump-dmesg 1.7.2 writes it. */
int vmcore_dmesg(struct vmcore *v, FILE *out, char **ret_error);

#endif
