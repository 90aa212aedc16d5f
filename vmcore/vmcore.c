/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmcore.c - the dump formats: where a physical page is in the file and how
 * to get its bytes. See vmcore.h and VMCORE.md.
 */
#include "vmcore/vmcore.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "common/macro.h"
#include "common/util.h"

#define KDUMP_SIG "KDUMP   "
#define DISKDUMP_SIG "DISKDUMP"
#define FLAT_SIG "makedumpfile"
#define FLAT_HEADER 4096
#define DUMP_ZLIB 0x1
#define DUMP_LZO 0x2
#define DUMP_SNAPPY 0x4
#define DUMP_INCOMPLETE 0x8
#define DUMP_ZSTD 0x20
#define RANK_CHUNK_BITS 4096 /* bitmap bits per rank-table entry */
#define MAX_PAGE_SIZE (64 * 1024)
#define MAX_MAPNR (1ULL << 40) /* pfns: 4 PiB of 4 KiB pages */

struct load {
	uint64_t paddr, vaddr, offset, filesz, memsz;
};

struct vmcore {
	int fd;      /* the dump, or the reassembled flattened file */
	int own_fd;  /* the temporary file we made, else -1 */
	uint64_t size;
	enum vmcore_format format;
	bool flattened;
	char format_text[96];
	char arch[16];
	char *vmcoreinfo;
	unsigned ncpus;
	bool have_regs;
	uint64_t regs[27];
	/* ELF */
	struct load *loads;
	size_t nloads;
	/* kdump-compressed */
	unsigned header_version, status, block_size;
	int dump_level;
	uint64_t max_mapnr, bitmap_off, bitmap_len, desc_off;
	uint64_t *rank;  /* dumped pages before each RANK_CHUNK_BITS chunk */
	size_t nrank;
	unsigned char *zbuf; /* a compressed page */
	unsigned char *page; /* the last page read */
	uint64_t page_pfn;
	bool page_valid;
};

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (off > (uint64_t)INT64_MAX - len)
		return -EINVAL;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* past the end: a truncated dump */
		done += (size_t)n;
	}
	return 0;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_PPC64: return "ppc64le";
	case EM_S390: return "s390x";
	default: return "unknown";
	}
}

/* --- notes: VMCOREINFO, NT_PRSTATUS ---------------------------------------------- */

static void parse_notes(struct vmcore *v, const unsigned char *n, size_t len)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz = le32(n + off), descsz = le32(n + off + 4), type = le32(n + off + 8);
		size_t name_pad = ((size_t)namesz + 3) & ~(size_t)3, desc_pad = ((size_t)descsz + 3) & ~(size_t)3;
		const unsigned char *name = n + off + 12, *desc;

		if (namesz > len - off - 12 || name_pad > len - off - 12 || desc_pad > len - off - 12 - name_pad)
			break;
		desc = name + name_pad;
		if (namesz >= 10 && memcmp(name, "VMCOREINFO", 10) == 0 && !v->vmcoreinfo &&
		    descsz <= VMCORE_MAX_VMCOREINFO) {
			v->vmcoreinfo = malloc((size_t)descsz + 1);
			if (v->vmcoreinfo) {
				memcpy(v->vmcoreinfo, desc, descsz);
				v->vmcoreinfo[descsz] = '\0';
			}
		} else if (type == NT_PRSTATUS && namesz >= 4 && memcmp(name, "CORE", 4) == 0) {
			v->ncpus++;
			/* x86_64 elf_prstatus: pr_reg (27 longs) at 112 */
			if (!v->have_regs && descsz >= 112 + 27 * 8 && strcmp(v->arch, "x86_64") == 0) {
				for (int i = 0; i < 27; i++)
					v->regs[i] = le64(desc + 112 + i * 8);
				v->have_regs = true;
			}
		}
		off += 12 + name_pad + desc_pad;
	}
}

static int read_notes_at(struct vmcore *v, uint64_t off, uint64_t len, char **ret_error)
{
	unsigned char *n;
	int r;

	if (len == 0)
		return 0;
	if (len > VMCORE_MAX_NOTES || off > v->size || len > v->size - off)
		return error_set(ret_error, -EINVAL, "notes at offset %llu size %llu are outside the file (%llu bytes)",
			    (unsigned long long)off, (unsigned long long)len, (unsigned long long)v->size);
	n = malloc((size_t)len);
	if (!n)
		return -ENOMEM;
	r = pread_all(v->fd, n, (size_t)len, off);
	if (r == 0)
		parse_notes(v, n, (size_t)len);
	free(n);
	return r < 0 ? error_set(ret_error, -EINVAL, "cannot read the notes: %s", strerror(-r)) : 0;
}

/* --- ELF64 ------------------------------------------------------------------------ */

static int open_elf(struct vmcore *v, char **ret_error)
{
	Elf64_Ehdr eh;
	uint64_t phnum;
	Elf64_Phdr *ph = NULL;
	int r;

	if (pread_all(v->fd, &eh, sizeof(eh), 0) < 0)
		return error_set(ret_error, -EINVAL, "truncated ELF header");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return error_set(ret_error, -EINVAL, "only little-endian ELF64 dumps are read");
	if (eh.e_type != ET_CORE)
		return error_set(ret_error, -EINVAL, "an ELF file, but not a core (e_type %u)", eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return error_set(ret_error, -EINVAL, "e_phentsize %u is not %zu", eh.e_phentsize, sizeof(Elf64_Phdr));
	snprintf(v->arch, sizeof(v->arch), "%s", machine_name(eh.e_machine));
	phnum = eh.e_phnum;
	if (phnum == PN_XNUM) {
		Elf64_Shdr sh;
		if (eh.e_shoff == 0 || pread_all(v->fd, &sh, sizeof(sh), eh.e_shoff) < 0)
			return error_set(ret_error, -EINVAL, "e_phnum is PN_XNUM but section header 0 is unreadable");
		phnum = sh.sh_info;
	}
	if (phnum == 0 || phnum > VMCORE_MAX_PHDRS)
		return error_set(ret_error, -EINVAL, "%llu program headers (limit %d)", (unsigned long long)phnum, VMCORE_MAX_PHDRS);
	if (eh.e_phoff > v->size || phnum * sizeof(Elf64_Phdr) > v->size - eh.e_phoff)
		return error_set(ret_error, -EINVAL, "program headers at offset %llu are outside the file",
			    (unsigned long long)eh.e_phoff);
	ph = calloc((size_t)phnum, sizeof(*ph));
	v->loads = calloc((size_t)phnum, sizeof(*v->loads));
	if (!ph || !v->loads) {
		free(ph);
		return -ENOMEM;
	}
	r = pread_all(v->fd, ph, (size_t)phnum * sizeof(*ph), eh.e_phoff);
	if (r < 0) {
		free(ph);
		return error_set(ret_error, -EINVAL, "cannot read the program headers: %s", strerror(-r));
	}
	for (uint64_t i = 0; i < phnum && r == 0; i++) {
		if (ph[i].p_type == PT_NOTE) {
			r = read_notes_at(v, ph[i].p_offset, ph[i].p_filesz, ret_error);
		} else if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_offset > v->size || ph[i].p_filesz > v->size - ph[i].p_offset) {
				r = error_set(ret_error, -EINVAL, "PT_LOAD %llu (offset %llu, %llu bytes) is past the end of the file",
					 (unsigned long long)i, (unsigned long long)ph[i].p_offset,
					 (unsigned long long)ph[i].p_filesz);
				break;
			}
			v->loads[v->nloads++] = (struct load){ ph[i].p_paddr, ph[i].p_vaddr, ph[i].p_offset,
							       ph[i].p_filesz, ph[i].p_memsz };
		}
	}
	free(ph);
	if (r < 0)
		return r;
	snprintf(v->format_text, sizeof(v->format_text), "ELF64 %s, %zu PT_LOAD", v->arch, v->nloads);
	return 0;
}

/* --- kdump-compressed -------------------------------------------------------------- */

static int bitmap_bytes(struct vmcore *v, uint64_t byte_off, unsigned char *out, size_t len)
{
	/* the second bitmap: pages present in the dump */
	return pread_all(v->fd, out, len, v->bitmap_off + v->bitmap_len / 2 + byte_off);
}

static int build_rank(struct vmcore *v, char **ret_error)
{
	uint64_t bytes = (v->max_mapnr + 7) / 8, total = 0;
	unsigned char chunk[RANK_CHUNK_BITS / 8];

	v->nrank = (size_t)((v->max_mapnr + RANK_CHUNK_BITS - 1) / RANK_CHUNK_BITS) + 1;
	v->rank = calloc(v->nrank, sizeof(*v->rank));
	if (!v->rank)
		return -ENOMEM;
	for (size_t c = 0; c + 1 < v->nrank; c++) {
		uint64_t off = (uint64_t)c * sizeof(chunk);
		size_t n = (size_t)MIN((uint64_t)sizeof(chunk), bytes - off);
		int r = bitmap_bytes(v, off, chunk, n);
		v->rank[c] = total;
		if (r < 0)
			return error_set(ret_error, -EINVAL, "the page bitmap is truncated: %s", strerror(-r));
		for (size_t i = 0; i < n; i++)
			total += (uint64_t)__builtin_popcount(chunk[i]);
	}
	v->rank[v->nrank - 1] = total;
	/* every present page has a 24-byte descriptor */
	if (total > (v->size - MIN(v->size, v->desc_off)) / 24)
		return error_set(ret_error, -EINVAL, "the bitmap says %llu pages, more descriptors than the file holds",
			    (unsigned long long)total);
	return 0;
}

static int open_kdump(struct vmcore *v, char **ret_error)
{
	unsigned char h[464], sub[104];
	uint64_t vmci_off = 0, vmci_len = 0, note_off = 0, note_len = 0;
	int r;

	if (pread_all(v->fd, h, sizeof(h), 0) < 0)
		return error_set(ret_error, -EINVAL, "truncated kdump header");
	v->header_version = le32(h + 8);
	v->status = le32(h + 424);
	v->block_size = le32(h + 428);
	uint32_t sub_blocks = le32(h + 432), bitmap_blocks = le32(h + 436);
	v->max_mapnr = le32(h + 440);
	v->ncpus = le32(h + 460);
	if (v->block_size < 1024 || v->block_size > MAX_PAGE_SIZE || (v->block_size & (v->block_size - 1)))
		return error_set(ret_error, -EINVAL, "block size %u is not a page size", v->block_size);
	if (v->header_version < 1 || v->header_version > 6)
		return error_set(ret_error, -EINVAL, "kdump header version %u (1-6 are known)", v->header_version);
	if (v->ncpus > 65536)
		return error_set(ret_error, -EINVAL, "%u CPUs", v->ncpus);
	if (sub_blocks == 0 || pread_all(v->fd, sub, sizeof(sub), v->block_size) < 0)
		return error_set(ret_error, -EINVAL, "no kdump sub-header");
	v->dump_level = (int)le32(sub + 8);
	if (v->header_version >= 3) {
		vmci_off = le64(sub + 32);
		vmci_len = le64(sub + 40);
	}
	if (v->header_version >= 4) {
		note_off = le64(sub + 48);
		note_len = le64(sub + 56);
	}
	if (v->header_version >= 6 && le64(sub + 96))
		v->max_mapnr = le64(sub + 96);
	if (v->max_mapnr == 0 || v->max_mapnr > MAX_MAPNR)
		return error_set(ret_error, -EINVAL, "max_mapnr %llu", (unsigned long long)v->max_mapnr);
	v->bitmap_off = (uint64_t)(1 + sub_blocks) * v->block_size;
	v->bitmap_len = (uint64_t)bitmap_blocks * v->block_size;
	v->desc_off = v->bitmap_off + v->bitmap_len;
	if (v->bitmap_len / 2 < (v->max_mapnr + 7) / 8 || v->desc_off > v->size)
		return error_set(ret_error, -EINVAL, "the bitmaps (%u blocks) do not cover %llu pages or are past the end of the file",
			    bitmap_blocks, (unsigned long long)v->max_mapnr);
	r = build_rank(v, ret_error);
	if (r < 0)
		return r;
	if (vmci_len) {
		if (vmci_len > VMCORE_MAX_VMCOREINFO || vmci_off > v->size || vmci_len > v->size - vmci_off)
			return error_set(ret_error, -EINVAL, "VMCOREINFO at offset %llu size %llu is outside the file",
				    (unsigned long long)vmci_off, (unsigned long long)vmci_len);
		v->vmcoreinfo = malloc((size_t)vmci_len + 1);
		if (!v->vmcoreinfo)
			return -ENOMEM;
		if (pread_all(v->fd, v->vmcoreinfo, (size_t)vmci_len, vmci_off) < 0)
			return error_set(ret_error, -EINVAL, "cannot read VMCOREINFO");
		v->vmcoreinfo[vmci_len] = '\0';
	}
	{
		unsigned n = v->ncpus;
		/* utsname.machine (qemu may leave it empty) */
		size_t ml = strnlen((const char *)h + 12 + 4 * 65, 64);
		if (ml > 0 && ml < sizeof(v->arch)) {
			memcpy(v->arch, h + 12 + 4 * 65, ml);
			v->arch[ml] = '\0';
		}
		r = read_notes_at(v, note_off, note_len, ret_error);
		if (r < 0)
			return r;
		if (n)
			v->ncpus = n; /* the header's count, not the notes' */
	}
	v->zbuf = malloc(v->block_size);
	v->page = malloc(v->block_size);
	if (!v->zbuf || !v->page)
		return -ENOMEM;
	snprintf(v->format_text, sizeof(v->format_text), "kdump-compressed v%u%s%s%s%s%s", v->header_version,
		 v->status & DUMP_ZLIB ? ", zlib" : "", v->status & DUMP_LZO ? ", lzo" : "",
		 v->status & DUMP_SNAPPY ? ", snappy" : "", v->status & DUMP_ZSTD ? ", zstd" : "",
		 v->status & DUMP_INCOMPLETE ? ", INCOMPLETE" : "");
	return 0;
}

static int kdump_page(struct vmcore *v, uint64_t pfn)
{
	unsigned char bm, d[24];
	uint64_t idx, off;
	uint32_t size, flags;
	size_t c;

	if (v->page_valid && v->page_pfn == pfn)
		return 0;
	if (pfn >= v->max_mapnr)
		return -ENOENT;
	if (bitmap_bytes(v, pfn / 8, &bm, 1) < 0)
		return -EIO;
	if (!(bm & (1u << (pfn % 8))))
		return -ENOENT;
	/* its index among the present pages */
	c = (size_t)(pfn / RANK_CHUNK_BITS);
	idx = v->rank[c];
	{
		unsigned char chunk[RANK_CHUNK_BITS / 8];
		uint64_t first = (uint64_t)c * RANK_CHUNK_BITS, nbytes = (pfn - first) / 8;
		if (nbytes && bitmap_bytes(v, first / 8, chunk, (size_t)nbytes) < 0)
			return -EIO;
		for (uint64_t i = 0; i < nbytes; i++)
			idx += (uint64_t)__builtin_popcount(chunk[i]);
		idx += (uint64_t)__builtin_popcount(bm & ((1u << (pfn % 8)) - 1));
	}
	if (pread_all(v->fd, d, sizeof(d), v->desc_off + idx * 24) < 0)
		return -EIO;
	off = le64(d);
	size = le32(d + 8);
	flags = le32(d + 12);
	if (size == 0 || size > v->block_size || off > v->size || size > v->size - off)
		return -EIO;
	v->page_valid = false;
	if (!(flags & (DUMP_ZLIB | DUMP_LZO | DUMP_SNAPPY | DUMP_ZSTD))) {
		if (size != v->block_size || pread_all(v->fd, v->page, size, off) < 0)
			return -EIO;
	} else {
		if (pread_all(v->fd, v->zbuf, size, off) < 0)
			return -EIO;
		if (flags & DUMP_ZLIB) {
			uLongf out = v->block_size;
			if (uncompress(v->page, &out, v->zbuf, size) != Z_OK || out != v->block_size)
				return -EIO;
		} else if (flags & DUMP_LZO) {
			lzo_uint out = v->block_size;
			if (lzo1x_decompress_safe(v->zbuf, size, v->page, &out, NULL) != LZO_E_OK ||
			    out != v->block_size)
				return -EIO;
		} else if (flags & DUMP_SNAPPY) {
			size_t out = 0;
			if (snappy_uncompressed_length((const char *)v->zbuf, size, &out) != SNAPPY_OK ||
			    out != v->block_size)
				return -EIO;
			if (snappy_uncompress((const char *)v->zbuf, size, (char *)v->page, &out) != SNAPPY_OK ||
			    out != v->block_size)
				return -EIO;
		} else {
			size_t out = ZSTD_decompress(v->page, v->block_size, v->zbuf, size);
			if (ZSTD_isError(out) || out != v->block_size)
				return -EIO;
		}
	}
	v->page_pfn = pfn;
	v->page_valid = true;
	return 0;
}

/* --- flattened: reassembled into an unnamed temporary file ------------------------ */

static int unflatten(struct vmcore *v, int scratch_fd, char **ret_error)
{
	const char *tmp = secure_getenv("TMPDIR");
	unsigned char rec[16];
	uint64_t pos = FLAT_HEADER, end = 0;
	char *buf;
	int out = scratch_fd;

	if (out < 0)
		out = open(tmp && *tmp ? tmp : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	else if (ftruncate(out, 0) < 0)
		return error_set(ret_error, -EINVAL, "cannot empty the scratch file: %s", strerror(errno));
	if (out < 0)
		return error_set(ret_error, -EINVAL, "cannot create a temporary file to reassemble the flattened dump: %s",
			    strerror(errno));
	buf = malloc(1 << 20);
	if (!buf) {
		if (scratch_fd < 0)
			close(out);
		return -ENOMEM;
	}
	for (;;) {
		uint64_t off, len;
		if (pread_all(v->fd, rec, sizeof(rec), pos) < 0) {
			free(buf);
			if (scratch_fd < 0)
				close(out);
			return error_set(ret_error, -EINVAL, "flattened dump: truncated at offset %llu (no end marker)",
				    (unsigned long long)pos);
		}
		off = be64(rec);
		len = be64(rec + 8);
		pos += 16;
		if (off == UINT64_MAX && len == UINT64_MAX)
			break;
		if (len > VMCORE_MAX_FLAT_RECORD || off > (uint64_t)INT64_MAX - len || len > v->size - MIN(v->size, pos)) {
			free(buf);
			if (scratch_fd < 0)
				close(out);
			return error_set(ret_error, -EINVAL, "flattened dump: a record of %llu bytes at %llu does not fit",
				    (unsigned long long)len, (unsigned long long)off);
		}
		for (uint64_t done = 0; done < len;) {
			size_t n = (size_t)MIN(len - done, (uint64_t)(1 << 20));
			if (pread_all(v->fd, buf, n, pos + done) < 0 || pwrite(out, buf, n, (off_t)(off + done)) != (ssize_t)n) {
				free(buf);
				if (scratch_fd < 0)
					close(out);
				return error_set(ret_error, -EINVAL, "flattened dump: cannot copy a record: %s", strerror(errno));
			}
			done += n;
		}
		pos += len;
		end = MAX(end, off + len);
	}
	free(buf);
	v->own_fd = scratch_fd < 0 ? out : -1;
	v->fd = out;
	v->size = end;
	v->flattened = true;
	return 0;
}

int vmcore_open(int fd, struct vmcore **ret, char **ret_error)
{
	return vmcore_open_scratch(fd, -1, ret, ret_error);
}

int vmcore_open_scratch(int fd, int scratch_fd, struct vmcore **ret, char **ret_error)
{
	struct vmcore *v = calloc(1, sizeof(*v));
	unsigned char magic[16];
	struct stat st;
	int r;

	*ret = NULL;
	*ret_error = NULL;
	if (!v)
		return -ENOMEM;
	v->fd = fd;
	v->own_fd = -1;
	v->dump_level = -1;
	snprintf(v->arch, sizeof(v->arch), "unknown");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(v);
		return error_set(ret_error, -EINVAL, "not a regular file");
	}
	v->size = (uint64_t)st.st_size;
	r = pread_all(fd, magic, sizeof(magic), 0);
	if (r == 0 && memcmp(magic, FLAT_SIG, strlen(FLAT_SIG) + 1) == 0) {
		r = unflatten(v, scratch_fd, ret_error);
		if (r == 0)
			r = pread_all(v->fd, magic, sizeof(magic), 0);
	}
	if (r < 0) {
		if (!*ret_error)
			error_set(ret_error, -EINVAL, "too short to be a dump");
	} else if (memcmp(magic, ELFMAG, SELFMAG) == 0) {
		v->format = VMCORE_ELF;
		r = open_elf(v, ret_error);
	} else if (memcmp(magic, KDUMP_SIG, 8) == 0 || memcmp(magic, DISKDUMP_SIG, 8) == 0) {
		v->format = VMCORE_KDUMP;
		r = open_kdump(v, ret_error);
	} else {
		r = error_set(ret_error, -EINVAL, "not a vmcore: neither ELF, kdump-compressed nor flattened");
	}
	if (r == 0 && v->flattened) {
		size_t n = strlen(v->format_text);
		snprintf(v->format_text + n, sizeof(v->format_text) - n, " (from makedumpfile's flattened format)");
	}
	if (r < 0) {
		vmcore_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

void vmcore_free(struct vmcore *v)
{
	if (!v)
		return;
	if (v->own_fd >= 0)
		close(v->own_fd);
	free(v->vmcoreinfo);
	free(v->loads);
	free(v->rank);
	free(v->zbuf);
	free(v->page);
	free(v);
}

enum vmcore_format vmcore_format(const struct vmcore *v) { return v->format; }
bool vmcore_was_flattened(const struct vmcore *v) { return v->flattened; }
const char *vmcore_format_text(const struct vmcore *v) { return v->format_text; }
const char *vmcore_vmcoreinfo(const struct vmcore *v) { return v->vmcoreinfo; }
const char *vmcore_arch(const struct vmcore *v) { return v->arch; }
unsigned vmcore_ncpus(const struct vmcore *v) { return v->ncpus; }
int vmcore_dump_level(const struct vmcore *v) { return v->dump_level; }

bool vmcore_prstatus_regs(const struct vmcore *v, uint64_t regs[27])
{
	if (v->have_regs)
		memcpy(regs, v->regs, sizeof(v->regs));
	return v->have_regs;
}

int vmcore_read_phys(struct vmcore *v, uint64_t paddr, void *buf, size_t len)
{
	unsigned char *out = buf;

	while (len > 0) {
		size_t n = 0;
		if (v->format == VMCORE_ELF) {
			const struct load *l = NULL;
			for (size_t i = 0; i < v->nloads; i++)
				if (paddr >= v->loads[i].paddr && paddr - v->loads[i].paddr < v->loads[i].memsz) {
					l = &v->loads[i];
					break;
				}
			if (!l)
				return -ENOENT;
			uint64_t in = paddr - l->paddr;
			n = (size_t)MIN((uint64_t)len, l->memsz - in);
			if (in >= l->filesz) {
				memset(out, 0, n); /* memsz beyond filesz: zeroes */
			} else {
				n = (size_t)MIN((uint64_t)n, l->filesz - in);
				if (pread_all(v->fd, out, n, l->offset + in) < 0)
					return -EIO;
			}
		} else {
			uint64_t pfn = paddr / v->block_size, in = paddr % v->block_size;
			int r = kdump_page(v, pfn);
			if (r < 0)
				return r;
			n = (size_t)MIN((uint64_t)len, v->block_size - in);
			memcpy(out, v->page + in, n);
		}
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

/* --- VMCOREINFO -------------------------------------------------------------------- */

int vmcoreinfo_string(const struct vmcore *v, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);

	if (!v->vmcoreinfo)
		return -ENOENT;
	for (const char *p = v->vmcoreinfo; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > kl && p[kl] == '=' && memcmp(p, key, kl) == 0) {
			if (len - kl - 1 >= size)
				return -EINVAL;
			memcpy(out, p + kl + 1, len - kl - 1);
			out[len - kl - 1] = '\0';
			return 0;
		}
		p = e ? e + 1 : p + len;
	}
	return -ENOENT;
}

int vmcoreinfo_u64(const struct vmcore *v, const char *key, int base, uint64_t *ret)
{
	char s[64], *end;
	int r = vmcoreinfo_string(v, key, s, sizeof(s));

	if (r < 0)
		return r;
	if (!s[0] || s[0] == '-')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, base);
	return errno || *end ? -EINVAL : 0;
}

int vmcoreinfo_i64(const struct vmcore *v, const char *key, int64_t *ret)
{
	char s[64], *end;
	int r = vmcoreinfo_string(v, key, s, sizeof(s));

	if (r < 0)
		return r;
	errno = 0;
	*ret = strtoll(s, &end, 10);
	return errno || !s[0] || *end ? -EINVAL : 0;
}
