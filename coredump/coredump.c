/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "coredump.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif

#define ELF_IMAGE_MAX (64 * 1024)  /* bytes of an embedded ELF image we parse */
#define SEGMENT_MAX_READ (64 * 1024) /* a PT_NOTE or PT_DYNAMIC read from memory */
#define MAX_PHNUM_EMBEDDED 256
#define MAX_MODULE_SIZE (UINT64_C(1) << 40)
#define PRELINK_SCAN_SEGMENTS 64
#define MAX_WARNINGS 64
#define SEGMENT_SCAN_MAX 16384 /* segment starts tried for modules without NT_FILE */

void coredump_limits_default(struct coredump_limits *lim)
{
	lim->max_segments = 1 << 20;
	lim->max_note_bytes = 256ULL << 20;
	lim->max_notes = 1 << 20;
	lim->max_files = 1 << 20;
	lim->max_modules = 16384;
	lim->max_threads = 1 << 16;
	lim->max_link_map = 16384;
	lim->max_read_bytes = 512ULL << 20;
	lim->max_path = 4096;
}

struct seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;
};

struct ntfile {
	uint64_t start, end, offset;
	const char *name; /* points into the note data */
};

/* What we learned about a module that the public struct does not keep. */
struct modext {
	uint64_t dyn_addr, dyn_size;
};

struct reader {
	int fd;
	uint64_t file_size;
	Elf *elf;
	const struct coredump_limits *lim;
	struct coredump *cd;
	bool be;
	unsigned wsize; /* bytes in a word of the crashed process */
	struct seg *segs;
	size_t nsegs;
	uint64_t bytes_read;
	bool read_limit_hit;
	struct ntfile *files;
	size_t nfiles;
	uint64_t file_page_size; /* from NT_FILE */
	Elf_Data **notes; /* note chunks stay alive: ntfile names point into them */
	size_t nnotes_chunks;
	struct modext *ext; /* parallel to cd->modules */
	char *error;
};

/* --- errors ---------------------------------------------------------------- */

static int fail(struct reader *r, const char *fmt, ...) _printf_(2, 3);
static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!r->error)
		r->error = strdup(buf);
	return -EINVAL;
}

static void warn(struct reader *r, const char *fmt, ...) _printf_(2, 3);
static void warn(struct reader *r, const char *fmt, ...)
{
	struct coredump *cd = r->cd;
	va_list ap;
	char buf[512], **n;

	if (cd->nwarnings >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = realloc(cd->warnings, (cd->nwarnings + 1) * sizeof(*n));
	if (!n)
		return;
	cd->warnings = n;
	cd->warnings[cd->nwarnings] = strdup(buf);
	if (cd->warnings[cd->nwarnings])
		cd->nwarnings++;
}

/* --- bytes of the crashed process, in its byte order ------------------------ */

static uint16_t rd16(const struct reader *r, const void *p)
{
	const uint8_t *b = p;
	return r->be ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
}

static uint32_t rd32(const struct reader *r, const void *p)
{
	const uint8_t *b = p;
	return r->be ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
		     : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static uint64_t rd64(const struct reader *r, const void *p)
{
	const uint8_t *b = p;
	uint64_t hi = rd32(r, r->be ? b : b + 4), lo = rd32(r, r->be ? b + 4 : b);
	return hi << 32 | lo;
}

static uint64_t rdw(const struct reader *r, const void *p)
{
	return r->wsize == 8 ? rd64(r, p) : rd32(r, p);
}

/* --- the core file ------------------------------------------------------------ */

static int pread_all(struct reader *r, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	if (off > r->file_size || len > r->file_size - off)
		return -EIO;
	while (got < len) {
		ssize_t n = pread(r->fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

/* The segment holding addr, or NULL. Segments are sorted and disjoint. */
static const struct seg *find_seg(const struct reader *r, uint64_t addr)
{
	size_t lo = 0, hi = r->nsegs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->segs[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct seg *s = &r->segs[lo - 1];
	return addr - s->vaddr < s->memsz ? s : NULL;
}

/*
 * Copy up to len bytes of the crashed process's memory at addr into buf,
 * across adjacent segments, stopping where the core holds no bytes (a gap,
 * or pages that were not dumped). Returns how many bytes were copied.
 */
static size_t read_mem(struct reader *r, uint64_t addr, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		const struct seg *s = find_seg(r, addr + got);
		uint64_t in, avail;
		size_t n;

		if (!s || addr + got < addr)
			break;
		in = addr + got - s->vaddr;
		if (in >= s->filesz)
			break; /* not dumped */
		avail = s->filesz - in;
		n = (size_t)MIN((uint64_t)(len - got), avail);
		if (r->bytes_read + n > r->lim->max_read_bytes) {
			r->read_limit_hit = true;
			break;
		}
		if (pread_all(r, (char *)buf + got, n, s->offset + in) < 0)
			break;
		r->bytes_read += n;
		got += n;
	}
	return got;
}

static bool read_word(struct reader *r, uint64_t addr, uint64_t *ret)
{
	uint8_t b[8] = { 0 };
	if (read_mem(r, addr, b, r->wsize) != r->wsize)
		return false;
	*ret = rdw(r, b);
	return true;
}

/* A NUL-terminated string of at most max_path bytes from memory, or NULL. */
static char *read_string(struct reader *r, uint64_t addr)
{
	size_t max = (size_t)r->lim->max_path, len = 0;
	char *s = malloc(max + 1);

	if (!s)
		return NULL;
	while (len < max) {
		char chunk[256];
		size_t want = MIN(sizeof(chunk), max - len);
		size_t got = read_mem(r, addr + len, chunk, want);
		char *nul = memchr(chunk, '\0', got);
		if (nul) {
			memcpy(s + len, chunk, (size_t)(nul - chunk) + 1);
			return s;
		}
		memcpy(s + len, chunk, got);
		len += got;
		if (got < want)
			break;
	}
	free(s);
	return NULL;
}

static uint64_t page_down(const struct reader *r, uint64_t v)
{
	return v & ~(r->cd->page_size - 1);
}

static bool page_up(const struct reader *r, uint64_t v, uint64_t *ret)
{
	uint64_t p = r->cd->page_size;
	if (v > UINT64_MAX - (p - 1))
		return false;
	*ret = (v + p - 1) & ~(p - 1);
	return true;
}

/* --- architectures ---------------------------------------------------------- */

struct arch_info {
	unsigned machine;
	unsigned elfclass; /* 0: either */
	bool big_endian_name; /* use name_be when big-endian */
	const char *name, *name_be;
	unsigned pid_off, reg_off, nregs, reg_size; /* NT_PRSTATUS layout; 0 nregs: unknown */
};

static const struct arch_info arches[] = {
	{ EM_X86_64, ELFCLASS64, false, "x86_64", NULL, 32, 112, 27, 8 },
	{ EM_X86_64, ELFCLASS32, false, "x32", NULL, 24, 72, 27, 8 },
	{ EM_386, ELFCLASS32, false, "i386", NULL, 24, 72, 17, 4 },
	{ EM_AARCH64, ELFCLASS64, false, "aarch64", NULL, 32, 112, 34, 8 },
	{ EM_PPC64, ELFCLASS64, true, "ppc64le", "ppc64", 32, 112, 48, 8 },
	{ EM_PPC, ELFCLASS32, false, "ppc", NULL, 24, 72, 48, 4 },
	{ EM_S390, ELFCLASS64, false, "s390x", NULL, 32, 112, 18, 8 },
	{ EM_S390, ELFCLASS32, false, "s390", NULL, 24, 72, 18, 4 },
	{ EM_ARM, ELFCLASS32, false, "arm", NULL, 24, 72, 18, 4 },
	{ EM_RISCV, ELFCLASS64, false, "riscv64", NULL, 32, 112, 32, 8 },
	{ EM_SPARCV9, ELFCLASS64, false, "sparc64", NULL, 32, 112, 0, 8 },
	{ EM_SPARC, ELFCLASS32, false, "sparc", NULL, 24, 72, 0, 4 },
	{ EM_68K, ELFCLASS32, false, "m68k", NULL, 24, 72, 0, 4 },
	{ EM_MIPS, 0, false, "mips", NULL, 0, 0, 0, 0 },
};

static const struct arch_info *arch_lookup(unsigned machine, unsigned elfclass)
{
	for (size_t i = 0; i < ELEMENTSOF(arches); i++)
		if (arches[i].machine == machine &&
		    (arches[i].elfclass == 0 || arches[i].elfclass == elfclass))
			return &arches[i];
	return NULL;
}

static const char *const regs_x86_64[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp",
	"ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};
static const char *const regs_i386[] = {
	"ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es",
	"fs", "gs", "orig_eax", "eip", "cs", "eflags", "esp", "ss",
};
static const char *const regs_aarch64[] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
	"x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
	"x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp", "pc", "pstate",
};
static const char *const regs_ppc[] = {
	"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11",
	"r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23",
	"r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "nip", "msr", "orig_gpr3", "ctr",
	"link", "xer", "ccr", "softe", "trap", "dar", "dsisr", "result", NULL, NULL, NULL, NULL,
};
static const char *const regs_s390[] = {
	"pswm", "pswa", "r0", "r1", "r2", "r3", "r4", "r5", "r6",
	"r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const regs_arm[] = {
	"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9",
	"r10", "fp", "ip", "sp", "lr", "pc", "cpsr", "orig_r0",
};
static const char *const regs_riscv[] = {
	"pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
	"a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
	"s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

const char *coredump_arch_name(unsigned machine, unsigned elfclass, bool big_endian)
{
	const struct arch_info *a = arch_lookup(machine, elfclass);
	if (!a)
		return "unknown";
	return a->big_endian_name && big_endian ? a->name_be : a->name;
}

const char *coredump_reg_name(const struct coredump *cd, unsigned i)
{
	const char *const *names = NULL;
	size_t n = 0;

#define PICK(a) (names = (a), n = ELEMENTSOF(a))
	switch (cd->machine) {
	case EM_X86_64: PICK(regs_x86_64); break;
	case EM_386: PICK(regs_i386); break;
	case EM_AARCH64: PICK(regs_aarch64); break;
	case EM_PPC64:
	case EM_PPC: PICK(regs_ppc); break;
	case EM_S390: PICK(regs_s390); break;
	case EM_ARM: PICK(regs_arm); break;
	case EM_RISCV: PICK(regs_riscv); break;
	default: break;
	}
#undef PICK
	return i < n ? names[i] : NULL;
}

const char *coredump_signal_name(int sig)
{
	static const char *const names[] = {
		[1] = "SIGHUP",   [2] = "SIGINT",   [3] = "SIGQUIT",  [4] = "SIGILL",
		[5] = "SIGTRAP",  [6] = "SIGABRT",  [7] = "SIGBUS",   [8] = "SIGFPE",
		[9] = "SIGKILL",  [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
		[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM", [16] = "SIGSTKFLT",
		[17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
		[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG",  [24] = "SIGXCPU",
		[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
		[29] = "SIGIO",   [30] = "SIGPWR",  [31] = "SIGSYS",
	};
	if (sig <= 0 || (size_t)sig >= ELEMENTSOF(names))
		return NULL;
	// cppcheck-suppress arrayIndexOutOfBoundsCond ; sig < ELEMENTSOF(names) here
	return names[sig];
}

/* --- notes of the core ----------------------------------------------------------- */

static int note_prstatus(struct reader *r, const uint8_t *d, size_t n)
{
	const struct arch_info *a = arch_lookup(r->cd->machine, r->cd->elfclass);
	struct coredump *cd = r->cd;
	struct coredump_thread *t, *nt;
	unsigned pid_off = a && a->pid_off ? a->pid_off : (r->wsize == 8 ? 32 : 24);

	if (cd->nthreads >= r->lim->max_threads)
		return fail(r, "more than %llu threads (NT_PRSTATUS notes)",
			    (unsigned long long)r->lim->max_threads);
	if (n < pid_off + 4) {
		warn(r, "an NT_PRSTATUS note of %zu bytes is too short; ignored", n);
		return 0;
	}
	nt = realloc(cd->threads, (cd->nthreads + 1) * sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	cd->threads = nt;
	t = &cd->threads[cd->nthreads++];
	memset(t, 0, sizeof(*t));
	t->signal = (int16_t)rd16(r, d + 12); /* pr_cursig */
	t->tid = (int32_t)rd32(r, d + pid_off);
	if (a && a->nregs && n >= a->reg_off + (size_t)a->nregs * a->reg_size) {
		t->nregs = MIN(a->nregs, COREDUMP_MAX_REGS);
		for (unsigned i = 0; i < t->nregs; i++) {
			const uint8_t *p = d + a->reg_off + (size_t)i * a->reg_size;
			t->regs[i] = a->reg_size == 8 ? rd64(r, p) : rd32(r, p);
		}
	}
	if (cd->nthreads == 1) {
		/* The kernel writes the thread that dumped (the crashing one) first. */
		cd->crash_tid = t->tid;
		if (!cd->signal)
			cd->signal = t->signal ? t->signal : (int32_t)rd32(r, d); /* si_signo */
	}
	return 0;
}

static void copy_str(char *dst, size_t dstlen, const uint8_t *src, size_t srclen)
{
	size_t n = strnlen((const char *)src, MIN(srclen, dstlen - 1));
	memcpy(dst, src, n);
	dst[n] = '\0';
	/* keep it printable: it is shown to people and put in JSON */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || (unsigned char)dst[i] == 0x7f)
			dst[i] = '?';
}

static void note_prpsinfo(struct reader *r, const uint8_t *d, size_t n)
{
	/* The struct ends with pr_fname[16], pr_psargs[80]; pr_pid is 16 bytes before. */
	if (n < 96 + 16) {
		warn(r, "an NT_PRPSINFO note of %zu bytes is too short; ignored", n);
		return;
	}
	r->cd->have_psinfo = true;
	copy_str(r->cd->fname, sizeof(r->cd->fname), d + n - 96, 16);
	copy_str(r->cd->psargs, sizeof(r->cd->psargs), d + n - 80, 80);
	r->cd->pid = (int32_t)rd32(r, d + n - 96 - 16);
}

static void note_siginfo(struct reader *r, const uint8_t *d, size_t n)
{
	struct coredump *cd = r->cd;
	unsigned addr_off = r->wsize == 8 ? 16 : 12;

	if (n < addr_off + r->wsize)
		return;
	cd->have_siginfo = true;
	cd->signal = (int32_t)rd32(r, d);
	cd->si_code = (int32_t)rd32(r, d + 8);
	/* si_addr is meaningful for the fault signals raised by the CPU */
	if (cd->si_code > 0 && (cd->signal == 4 || cd->signal == 5 || cd->signal == 7 ||
				cd->signal == 8 || cd->signal == 11))
		cd->fault_addr = rdw(r, d + addr_off);
}

static void note_auxv(struct reader *r, const uint8_t *d, size_t n)
{
	struct coredump *cd = r->cd;

	for (size_t off = 0; off + 2 * r->wsize <= n; off += 2 * r->wsize) {
		uint64_t type = rdw(r, d + off), val = rdw(r, d + off + r->wsize);
		switch (type) {
		case AT_NULL: return;
		case AT_PHDR: cd->at_phdr = val; break;
		case AT_PHNUM: cd->at_phnum = val; break;
		case AT_BASE: cd->at_base = val; break;
		case AT_ENTRY: cd->at_entry = val; break;
		case AT_EXECFN: cd->at_execfn = val; break;
		case AT_SYSINFO_EHDR: cd->at_sysinfo_ehdr = val; break;
		default: break;
		}
	}
}

static int note_file(struct reader *r, const uint8_t *d, size_t n)
{
	uint64_t count, psz, per;
	const char *names, *end;

	if (r->files)
		return fail(r, "more than one NT_FILE note");
	if (n < 2 * (size_t)r->wsize)
		return fail(r, "NT_FILE note of %zu bytes is too short", n);
	count = rdw(r, d);
	psz = rdw(r, d + r->wsize);
	per = 3 * (uint64_t)r->wsize;
	if (count > r->lim->max_files)
		return fail(r, "NT_FILE lists %llu mappings (limit %llu)", (unsigned long long)count,
			    (unsigned long long)r->lim->max_files);
	if (count > (n - 2 * r->wsize) / per)
		return fail(r, "NT_FILE claims %llu mappings in %zu bytes",
			    (unsigned long long)count, n);
	if (psz == 0 || (psz & (psz - 1)) || psz > (1U << 30))
		return fail(r, "NT_FILE page size %llu is absurd", (unsigned long long)psz);
	if (psz >= 1024)
		r->file_page_size = psz;
	r->files = calloc(count ? count : 1, sizeof(*r->files));
	if (!r->files)
		return -ENOMEM;
	names = (const char *)d + 2 * r->wsize + count * per;
	end = (const char *)d + n;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = d + 2 * r->wsize + i * per;
		struct ntfile *f = &r->files[i];
		const char *nul;

		f->start = rdw(r, e);
		f->end = rdw(r, e + r->wsize);
		if (rdw(r, e + 2 * r->wsize) > UINT64_MAX / psz)
			return fail(r, "NT_FILE entry %llu has an absurd file offset",
				    (unsigned long long)i);
		f->offset = rdw(r, e + 2 * r->wsize) * psz;
		if (f->end <= f->start)
			return fail(r, "NT_FILE entry %llu ends before it starts",
				    (unsigned long long)i);
		nul = names < end ? memchr(names, '\0', (size_t)(end - names)) : NULL;
		if (!nul)
			return fail(r, "NT_FILE names are cut short (%llu of %llu)",
				    (unsigned long long)i, (unsigned long long)count);
		if ((size_t)(nul - names) > r->lim->max_path)
			return fail(r, "NT_FILE name longer than %llu bytes",
				    (unsigned long long)r->lim->max_path);
		f->name = names;
		names = nul + 1;
	}
	r->nfiles = (size_t)count;
	return 0;
}

static int read_notes(struct reader *r, const GElf_Phdr *ph)
{
	Elf_Data *data;
	size_t off = 0, name_off, desc_off, count = 0;
	GElf_Nhdr nh;
	Elf_Data **nc;

	if (ph->p_filesz == 0)
		return 0;
	if (ph->p_offset > r->file_size || ph->p_filesz > r->file_size - ph->p_offset)
		return fail(r, "PT_NOTE at offset %llu size %llu is past the end of the file",
			    (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz);
	data = elf_getdata_rawchunk(r->elf, (int64_t)ph->p_offset, (size_t)ph->p_filesz,
				    ELF_T_NHDR);
	if (!data)
		return fail(r, "cannot read PT_NOTE: %s", elf_errmsg(-1));
	nc = realloc(r->notes, (r->nnotes_chunks + 1) * sizeof(*nc)); // NOLINT(bugprone-sizeof-expression)
	if (!nc)
		return -ENOMEM;
	r->notes = nc;
	r->notes[r->nnotes_chunks++] = data;

	/* gelf_getnote checks every size against the chunk: no note loops. */
	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;
		const char *name = (const char *)data->d_buf + name_off;
		int rr = 0;

		if (++count > r->lim->max_notes)
			return fail(r, "more than %llu notes", (unsigned long long)r->lim->max_notes);
		if (nh.n_namesz != 5 || memcmp(name, "CORE", 5) != 0)
			continue;
		switch (nh.n_type) {
		case NT_PRSTATUS: rr = note_prstatus(r, desc, nh.n_descsz); break;
		case NT_PRPSINFO: note_prpsinfo(r, desc, nh.n_descsz); break;
		case NT_AUXV: note_auxv(r, desc, nh.n_descsz); break;
		case NT_FILE: rr = note_file(r, desc, nh.n_descsz); break;
		case NT_SIGINFO: note_siginfo(r, desc, nh.n_descsz); break;
		default: break;
		}
		if (rr < 0)
			return rr;
	}
	return 0;
}

/* --- ELF images inside the dumped memory --------------------------------------- */

struct image {
	uint8_t *hdr;	    /* the bytes read at hdr_addr (owned) */
	size_t hdr_len;
	uint64_t hdr_addr;
	unsigned type;	    /* ET_EXEC or ET_DYN */
	uint64_t v0, top;   /* page_down(lowest PT_LOAD vaddr), page_up(highest end) */
	uint64_t o0;	    /* page_down(p_offset) of that lowest PT_LOAD */
	uint64_t hdr_vaddrs[8]; /* page_down(vaddr) of PT_LOADs that map file page 0 */
	unsigned nhdr_vaddrs;
	uint64_t dyn_vaddr, dyn_size;
	struct {
		uint64_t vaddr, offset, size, align;
	} notes[8];
	unsigned nnotes;
	/* placed: */
	uint64_t bias, start, end, dyn_addr;
};

static void image_release(struct image *img)
{
	free(img->hdr);
	img->hdr = NULL;
}

/* Put the image at bias; false when that makes no sense. */
static bool image_place(struct image *img, uint64_t bias)
{
	/* Modular arithmetic on purpose: a vdso may be linked at
	 * 0xffffffffff700000 and loaded low, a negative bias. */
	img->bias = bias;
	img->start = bias + img->v0;
	if (img->start > UINT64_MAX - (img->top - img->v0))
		return false;
	img->end = img->start + (img->top - img->v0);
	img->dyn_addr = img->dyn_vaddr ? bias + img->dyn_vaddr : 0;
	return true;
}

/*
 * Parse the ELF headers at hdr_addr in the crashed process's memory, and
 * place the image: an ET_EXEC where it was linked, an ET_DYN so that the
 * file's first page is at hdr_addr. Only bytes present in the core are
 * used; libelf gets a private copy.
 */
static bool parse_image(struct reader *r, uint64_t hdr_addr, struct image *img)
{
	uint8_t *buf = NULL, magic[SELFMAG];
	size_t got, phnum;
	Elf *e = NULL;
	GElf_Ehdr eh;
	GElf_Phdr ph, first = { 0 };
	bool have_load = false, ok = false;
	uint64_t max_end = 0;

	memset(img, 0, sizeof(*img));
	/* The magic first: most candidates are not ELF images at all. */
	if (read_mem(r, hdr_addr, magic, SELFMAG) < SELFMAG || memcmp(magic, ELFMAG, SELFMAG) != 0)
		return false;
	buf = calloc(1, ELF_IMAGE_MAX);
	if (!buf)
		return false;
	memcpy(buf, magic, SELFMAG);
	got = SELFMAG + read_mem(r, hdr_addr + SELFMAG, buf + SELFMAG, ELF_IMAGE_MAX - SELFMAG);
	if (got < EI_NIDENT)
		goto out;
	if (buf[EI_CLASS] != r->cd->elfclass || buf[EI_DATA] != (r->be ? ELFDATA2MSB : ELFDATA2LSB))
		goto out;
	{
		/* libelf may convert in place: it gets its own copy */
		uint8_t *copy = malloc(got);
		if (!copy)
			goto out;
		memcpy(copy, buf, got);
		img->hdr = buf;
		img->hdr_len = got;
		buf = copy;
	}
	e = elf_memory((char *)buf, got);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		goto out;
	if ((eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_machine != r->cd->machine)
		goto out;
	if (elf_getphdrnum(e, &phnum) != 0 || phnum == 0 || phnum > MAX_PHNUM_EMBEDDED)
		goto out;
	if (eh.e_phoff > got || (uint64_t)phnum * eh.e_phentsize > got - eh.e_phoff)
		goto out; /* program headers not in the dumped bytes */
	img->type = eh.e_type;
	img->hdr_addr = hdr_addr;
	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e, (int)i, &ph))
			goto out;
		switch (ph.p_type) {
		case PT_LOAD:
			if (ph.p_vaddr > UINT64_MAX - ph.p_memsz)
				goto out;
			if (!have_load || ph.p_vaddr < first.p_vaddr)
				first = ph;
			have_load = true;
			max_end = MAX(max_end, ph.p_vaddr + ph.p_memsz);
			if (page_down(r, ph.p_offset) == 0 && img->nhdr_vaddrs < ELEMENTSOF(img->hdr_vaddrs))
				img->hdr_vaddrs[img->nhdr_vaddrs++] = page_down(r, ph.p_vaddr);
			break;
		case PT_DYNAMIC:
			img->dyn_vaddr = ph.p_vaddr;
			img->dyn_size = ph.p_memsz;
			break;
		case PT_NOTE:
			if (img->nnotes < ELEMENTSOF(img->notes)) {
				img->notes[img->nnotes].vaddr = ph.p_vaddr;
				img->notes[img->nnotes].offset = ph.p_offset;
				img->notes[img->nnotes].size = ph.p_filesz;
				img->notes[img->nnotes].align = ph.p_align;
				img->nnotes++;
			}
			break;
		default:
			break;
		}
	}
	if (!have_load)
		goto out;
	img->v0 = page_down(r, first.p_vaddr);
	img->o0 = page_down(r, first.p_offset);
	if (!page_up(r, max_end, &img->top) || img->top <= img->v0 ||
	    img->top - img->v0 > MAX_MODULE_SIZE)
		goto out;
	if (img->type == ET_EXEC)
		ok = image_place(img, 0);
	else
		ok = hdr_addr <= UINT64_MAX - img->o0 && image_place(img, hdr_addr + img->o0 - img->v0);
out:
	if (e)
		elf_end(e);
	free(buf);
	if (!ok)
		image_release(img);
	return ok;
}

/* GNU build-id from the image's notes: from the header page we read when
 * the notes are in it, from the note segment in memory otherwise. */
static void find_build_id(struct reader *r, const struct image *img, struct coredump_module *m)
{
	for (unsigned i = 0; i < img->nnotes && !m->build_id_len; i++) {
		size_t size = (size_t)MIN(img->notes[i].size, (uint64_t)SEGMENT_MAX_READ);
		size_t align = img->notes[i].align == 8 ? 8 : 4, got, off = 0;
		uint64_t addr = img->bias + img->notes[i].vaddr;
		uint8_t *buf = calloc(1, size ? size : 1);

		if (!buf)
			return;
		if (img->notes[i].offset <= img->hdr_len &&
		    size <= img->hdr_len - img->notes[i].offset) {
			memcpy(buf, img->hdr + img->notes[i].offset, size);
			got = size;
		} else {
			got = read_mem(r, addr, buf, size);
		}
		while (off + 12 <= got) {
			uint32_t namesz = rd32(r, buf + off), descsz = rd32(r, buf + off + 4);
			uint32_t type = rd32(r, buf + off + 8);
			size_t name_at = off + 12;
			size_t desc_at, next;

			if (namesz > got || descsz > got)
				break;
			desc_at = name_at + ((namesz + align - 1) & ~(align - 1));
			next = desc_at + ((descsz + align - 1) & ~(align - 1));
			if (desc_at > got || next > got || next <= off)
				break;
			if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(buf + name_at, "GNU", 4) == 0 &&
			    descsz > 0 && descsz <= COREDUMP_BUILD_ID_MAX) {
				memcpy(m->build_id, buf + desc_at, descsz);
				m->build_id_len = descsz;
				m->build_id_addr = addr + desc_at;
				break;
			}
			off = next;
		}
		free(buf);
	}
}

/* DT_SONAME, and DT_DEBUG (the r_debug address) when wanted. */
static void read_dynamic(struct reader *r, const struct image *img, struct coredump_module *m,
			 uint64_t *ret_debug)
{
	size_t size = (size_t)MIN(img->dyn_size, (uint64_t)SEGMENT_MAX_READ), got;
	size_t ent = 2 * r->wsize;
	uint64_t strtab = 0, soname = UINT64_MAX;
	uint8_t *buf;

	if (!img->dyn_addr || size < ent)
		return;
	buf = calloc(1, size); /* zeroed: only `got` bytes are ever looked at */
	if (!buf)
		return;
	got = read_mem(r, img->dyn_addr, buf, size);
	for (size_t off = 0; off + ent <= got; off += ent) {
		uint64_t tag = rdw(r, buf + off), val = rdw(r, buf + off + r->wsize);
		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB)
			strtab = val;
		else if (tag == DT_SONAME)
			soname = val;
		else if (tag == DT_DEBUG && ret_debug)
			*ret_debug = val;
	}
	free(buf);
	if (m && strtab && soname != UINT64_MAX && !m->soname) {
		/* ld.so relocates DT_STRTAB in place; the vdso's is not relocated. */
		uint64_t at = strtab >= m->start && strtab < m->end ? strtab : strtab + m->bias;
		if (at + soname >= at)
			m->soname = read_string(r, at + soname);
	}
}

/* --- modules ------------------------------------------------------------------- */

static struct coredump_module *module_find(struct reader *r, uint64_t start)
{
	for (size_t i = 0; i < r->cd->nmodules; i++)
		if (r->cd->modules[i].start == start)
			return &r->cd->modules[i];
	return NULL;
}

static struct coredump_module *module_containing(struct reader *r, uint64_t addr)
{
	for (size_t i = 0; i < r->cd->nmodules; i++)
		if (addr >= r->cd->modules[i].start && addr < r->cd->modules[i].end)
			return &r->cd->modules[i];
	return NULL;
}

static struct coredump_module *module_add(struct reader *r)
{
	struct coredump *cd = r->cd;
	struct coredump_module *n;
	struct modext *ne;

	if (cd->nmodules >= r->lim->max_modules) {
		fail(r, "more than %llu modules", (unsigned long long)r->lim->max_modules);
		return NULL;
	}
	n = realloc(cd->modules, (cd->nmodules + 1) * sizeof(*n));
	if (!n)
		return NULL;
	cd->modules = n;
	ne = realloc(r->ext, (cd->nmodules + 1) * sizeof(*ne));
	if (!ne)
		return NULL;
	r->ext = ne;
	memset(&cd->modules[cd->nmodules], 0, sizeof(*n));
	memset(&r->ext[cd->nmodules], 0, sizeof(*ne));
	return &cd->modules[cd->nmodules++];
}

/* The module of a parsed and placed image (takes the image). */
static struct coredump_module *module_from_placed(struct reader *r, struct image *img,
						  unsigned source)
{
	struct coredump_module *m = module_find(r, img->start);

	if (!m) {
		m = module_add(r);
		if (!m) {
			image_release(img);
			return NULL;
		}
		m->start = img->start;
		m->end = img->end;
		m->bias = img->bias;
		find_build_id(r, img, m);
		read_dynamic(r, img, m, NULL);
		r->ext[m - r->cd->modules].dyn_addr = img->dyn_addr;
		r->ext[m - r->cd->modules].dyn_size = img->dyn_size;
	}
	m->sources |= source | MODULE_ELF_IN_CORE;
	image_release(img);
	return m;
}

/* A module from an ELF image in memory (or NULL if there is none there). */
static struct coredump_module *module_from_image(struct reader *r, uint64_t hdr_addr,
						 unsigned source)
{
	struct image img;

	if (!parse_image(r, hdr_addr, &img))
		return NULL;
	return module_from_placed(r, &img, source);
}

/*
 * The first page of a file instance mapped at map_start was not dumped,
 * but a later mapping of the same file from offset 0 (an old binary's data
 * segment) holds a copy of the headers: place the image so that its lowest
 * segment is at map_start.
 */
static struct coredump_module *module_from_later_copy(struct reader *r, size_t i)
{
	const struct ntfile *f = &r->files[i];

	for (size_t j = i + 1, tries = 0; j < r->nfiles && tries < 8; j++) {
		const struct ntfile *g = &r->files[j];
		struct image img;

		if (strcmp(g->name, f->name) != 0 || g->offset != 0)
			continue;
		if (g->start < f->start || g->start - f->start > MAX_MODULE_SIZE)
			break;
		tries++;
		if (!parse_image(r, g->start, &img))
			continue;
		for (unsigned k = 0; k < img.nhdr_vaddrs; k++) {
			uint64_t delta = img.hdr_vaddrs[k] - img.v0;
			bool fits = img.type == ET_EXEC ? img.start == f->start
							: g->start - f->start == delta;
			if (fits && (img.type == ET_EXEC || image_place(&img, f->start - img.v0)))
				return module_from_placed(r, &img, MODULE_FROM_NT_FILE);
		}
		image_release(&img);
	}
	return NULL;
}

static int set_path(struct coredump_module *m, const char *name)
{
	static const char deleted[] = " (deleted)";
	size_t n = strlen(name), d = sizeof(deleted) - 1;

	if (m->path)
		return 0;
	if (n > d && strcmp(name + n - d, deleted) == 0) {
		m->deleted = true;
		n -= d;
	}
	m->path = strndup(name, n);
	return m->path ? 0 : -ENOMEM;
}

static bool file_is_code(const struct reader *r, const char *name)
{
	/* A file with an executable mapping is code, not data (locale-archive, fonts). */
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct seg *s;
		if (strcmp(r->files[i].name, name) != 0)
			continue;
		s = find_seg(r, r->files[i].start);
		if (s && (s->flags & PF_X))
			return true;
	}
	return false;
}

static int modules_from_nt_file(struct reader *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct ntfile *f = &r->files[i];
		struct coredump_module *m;
		int rr;

		if (f->offset != 0)
			continue;
		/*
		 * Old binaries map their data segment from file offset 0 too: a
		 * mapping inside a module of the same file is not a new module.
		 */
		m = module_containing(r, f->start);
		if (m && m->path && strncmp(m->path, f->name, strlen(m->path)) == 0)
			continue;
		m = module_from_image(r, f->start, MODULE_FROM_NT_FILE);
		if (!m && !r->error)
			m = module_from_later_copy(r, i);
		if (!m && r->error)
			return -EINVAL;
		if (!m) {
			/* Headers not dumped: keep what NT_FILE says, build-id unknown. */
			if (!file_is_code(r, f->name))
				continue;
			m = module_add(r);
			if (!m)
				return r->error ? -EINVAL : -ENOMEM;
			m->start = f->start;
			m->end = f->end;
			m->bias = f->start;
			for (size_t j = i + 1; j < r->nfiles; j++) {
				const struct ntfile *g = &r->files[j];
				if (strcmp(g->name, f->name) != 0)
					continue;
				if (g->offset == 0 || g->start < m->start ||
				    g->start - m->start > MAX_MODULE_SIZE)
					break;
				m->end = MAX(m->end, g->end);
			}
			m->sources |= MODULE_FROM_NT_FILE;
		}
		rr = set_path(m, f->name);
		if (rr < 0)
			return rr;
	}
	return 0;
}

/* The exe: the module holding AT_PHDR (or AT_ENTRY). */
static void find_exec(struct reader *r)
{
	struct coredump *cd = r->cd;
	struct coredump_module *m = NULL;

	if (cd->at_phdr)
		m = module_containing(r, cd->at_phdr);
	if (!m && cd->at_entry)
		m = module_containing(r, cd->at_entry);
	if (!m && cd->at_phdr) {
		/* No NT_FILE: the headers usually sit right before the program headers. */
		uint64_t ehsz = cd->elfclass == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
		if (cd->at_phdr >= ehsz)
			m = module_from_image(r, cd->at_phdr - ehsz, MODULE_FROM_AUXV);
		if (!m) {
			const struct seg *s = find_seg(r, cd->at_phdr);
			if (s)
				m = module_from_image(r, s->vaddr, MODULE_FROM_AUXV);
		}
	}
	if (m)
		m->is_exec = true;
}

/*
 * A library of the link_map: its headers are at l_addr for ordinary
 * libraries; a prelinked one (l_addr 0 or small) starts at its own fixed
 * address, found by looking at the segments below its dynamic section for
 * an image whose PT_DYNAMIC lands on l_ld.
 */
static struct coredump_module *module_for_link_map(struct reader *r, uint64_t l_addr,
						   uint64_t l_ld)
{
	struct image img;
	struct coredump_module *m;
	size_t i;

	m = module_containing(r, l_ld);
	if (m && r->ext[m - r->cd->modules].dyn_addr == l_ld)
		return m;
	if (parse_image(r, l_addr, &img)) {
		if (img.dyn_addr == l_ld)
			return module_from_placed(r, &img, MODULE_FROM_LINK_MAP);
		image_release(&img);
	}
	for (i = 0; i < r->nsegs && r->segs[i].vaddr <= l_ld; i++)
		;
	for (size_t k = 0; k < PRELINK_SCAN_SEGMENTS && i > 0; k++, i--) {
		const struct seg *s = &r->segs[i - 1];
		if (!parse_image(r, s->vaddr, &img))
			continue;
		/* the list's l_addr is the bias: a prelinked library keeps its own */
		if (img.type == ET_DYN && !image_place(&img, l_addr)) {
			image_release(&img);
			continue;
		}
		if (img.dyn_addr == l_ld)
			return module_from_placed(r, &img, MODULE_FROM_LINK_MAP);
		image_release(&img);
	}
	return NULL;
}

static int modules_from_link_map(struct reader *r)
{
	struct coredump *cd = r->cd;
	struct coredump_module *exe = NULL;
	struct image img;
	uint64_t debug = 0, map = 0, prev = 0;
	uint64_t ws = r->wsize;

	for (size_t i = 0; i < cd->nmodules; i++)
		if (cd->modules[i].is_exec)
			exe = &cd->modules[i];
	if (!exe || !r->ext[exe - cd->modules].dyn_addr)
		return 0; /* static, or no exe found */
	memset(&img, 0, sizeof(img));
	img.dyn_addr = r->ext[exe - cd->modules].dyn_addr;
	img.dyn_size = r->ext[exe - cd->modules].dyn_size;
	read_dynamic(r, &img, NULL, &debug);
	if (!debug)
		return 0;
	/* struct r_debug { int r_version; struct link_map *r_map; ... } */
	if (!read_word(r, debug + ws, &map))
		return 0;
	for (uint64_t n = 0; map; n++) {
		uint64_t l_addr, l_name, l_ld, l_next, l_prev;
		struct coredump_module *m;
		char *name;

		if (n >= r->lim->max_link_map) {
			warn(r, "link_map longer than %llu entries; stopped walking it",
			     (unsigned long long)r->lim->max_link_map);
			break;
		}
		/* struct link_map { l_addr, l_name, l_ld, l_next, l_prev, ... } */
		if (!read_word(r, map, &l_addr) || !read_word(r, map + ws, &l_name) ||
		    !read_word(r, map + 2 * ws, &l_ld) || !read_word(r, map + 3 * ws, &l_next) ||
		    !read_word(r, map + 4 * ws, &l_prev)) {
			warn(r, "link_map entry at %#llx is not in the core; list cut there",
			     (unsigned long long)map);
			break;
		}
		if (n > 0 && l_prev != prev) {
			warn(r, "link_map entry at %#llx does not point back; list cut there",
			     (unsigned long long)map);
			break;
		}
		prev = map;
		map = l_next;
		if (n == 0)
			continue; /* the executable itself */
		m = module_for_link_map(r, l_addr, l_ld);
		if (!m) {
			if (r->error)
				return -EINVAL;
			continue;
		}
		m->sources |= MODULE_FROM_LINK_MAP;
		/* the vdso's l_name is its soname, not a file */
		if (!m->path && !m->is_vdso && l_name && (name = read_string(r, l_name))) {
			int rr = *name ? set_path(m, name) : 0;
			free(name);
			if (rr < 0)
				return rr;
		}
	}
	return 0;
}

static int cmp_modules(const void *a, const void *b)
{
	const struct coredump_module *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* --- the core as a whole --------------------------------------------------------- */

static int cmp_segs(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int read_segments(struct reader *r, size_t phnum)
{
	GElf_Phdr ph;
	size_t nloads = 0;

	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(r->elf, (int)i, &ph))
			return fail(r, "cannot read program header %zu: %s", i, elf_errmsg(-1));
		if (ph.p_type == PT_LOAD)
			nloads++;
	}
	r->segs = calloc(nloads ? nloads : 1, sizeof(*r->segs));
	if (!r->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		struct seg *s;
		if (!gelf_getphdr(r->elf, (int)i, &ph))
			return fail(r, "cannot read program header %zu", i);
		if (ph.p_type == PT_NOTE) {
			int rr = read_notes(r, &ph);
			if (rr < 0)
				return rr;
			continue;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_vaddr > UINT64_MAX - ph.p_memsz || ph.p_offset > UINT64_MAX - ph.p_filesz)
			return fail(r, "segment %zu wraps around the address space", i);
		if (r->cd->elfclass == ELFCLASS32 && ph.p_vaddr + ph.p_memsz > (UINT64_C(1) << 32))
			return fail(r, "segment %zu is past 4 GiB in a 32-bit core", i);
		if (ph.p_filesz > ph.p_memsz)
			return fail(r, "segment %zu has more bytes in the file than in memory", i);
		s = &r->segs[r->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->flags = ph.p_flags;
		if (s->filesz && (s->offset > r->file_size || s->filesz > r->file_size - s->offset)) {
			/* A truncated core: keep what is there, say so once. */
			uint64_t have = s->offset < r->file_size ? r->file_size - s->offset : 0;
			if (r->cd->nwarnings == 0 || !strstr(r->cd->warnings[0], "truncated"))
				warn(r, "the core is truncated: segment at %#llx has %llu of %llu bytes",
				     (unsigned long long)s->vaddr, (unsigned long long)have,
				     (unsigned long long)s->filesz);
			s->filesz = have;
		}
	}
	qsort(r->segs, r->nsegs, sizeof(*r->segs), cmp_segs);
	for (size_t i = 1; i < r->nsegs; i++)
		if (r->segs[i - 1].vaddr + r->segs[i - 1].memsz > r->segs[i].vaddr)
			return fail(r, "segments at %#llx and %#llx overlap",
				    (unsigned long long)r->segs[i - 1].vaddr,
				    (unsigned long long)r->segs[i].vaddr);
	return 0;
}

static int read_core(struct reader *r)
{
	struct coredump *cd = r->cd;
	GElf_Ehdr eh;
	size_t phnum;
	int rr;

	/*
	 * ELF_C_READ, not mmap: libelf then preads what it is asked for, so
	 * neither address space nor memory grows with the size of the core.
	 */
	r->elf = elf_begin(r->fd, ELF_C_READ, NULL);
	if (!r->elf || elf_kind(r->elf) != ELF_K_ELF)
		return fail(r, "not an ELF file");
	if (!gelf_getehdr(r->elf, &eh))
		return fail(r, "cannot read the ELF header: %s", elf_errmsg(-1));
	if (eh.e_type != ET_CORE)
		return fail(r, "not a core file (ELF type %u)", (unsigned)eh.e_type);
	cd->machine = eh.e_machine;
	cd->elfclass = eh.e_ident[EI_CLASS];
	if (cd->elfclass != ELFCLASS32 && cd->elfclass != ELFCLASS64)
		return fail(r, "unknown ELF class %u", cd->elfclass);
	r->be = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	cd->big_endian = r->be;
	r->wsize = cd->elfclass == ELFCLASS64 ? 8 : 4;
	cd->arch = coredump_arch_name(cd->machine, cd->elfclass, r->be);
	/*
	 * Our own bounds check on the header's own numbers first: libelf
	 * quietly shortens a table that runs past the end of the file.
	 */
	phnum = eh.e_phnum;
	if (phnum == PN_XNUM && elf_getphdrnum(r->elf, &phnum) != 0)
		return fail(r, "cannot count program headers: %s", elf_errmsg(-1));
	if (phnum == 0)
		return fail(r, "the core has no program headers");
	if (phnum > r->lim->max_segments)
		return fail(r, "%zu program headers (limit %llu)", phnum,
			    (unsigned long long)r->lim->max_segments);
	if (eh.e_phoff > r->file_size ||
	    (uint64_t)phnum * (r->wsize == 8 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) >
		    r->file_size - eh.e_phoff)
		return fail(r, "program headers past the end of the file");

	/* Notes are read first: NT_FILE's page size sets the module alignment. */
	{
		GElf_Phdr ph;
		uint64_t note_bytes = 0;
		for (size_t i = 0; i < phnum; i++) {
			if (!gelf_getphdr(r->elf, (int)i, &ph))
				return fail(r, "cannot read program header %zu: %s", i, elf_errmsg(-1));
			if (ph.p_type == PT_NOTE &&
			    (ph.p_offset > r->file_size || ph.p_filesz > r->file_size - ph.p_offset))
				return fail(r, "PT_NOTE at offset %llu size %llu is past the end of the file",
					    (unsigned long long)ph.p_offset,
					    (unsigned long long)ph.p_filesz);
			if (ph.p_type == PT_NOTE)
				note_bytes += ph.p_filesz;
			else if (ph.p_type == PT_LOAD && ph.p_align >= 1024 &&
				 !(ph.p_align & (ph.p_align - 1)) && ph.p_align <= (1U << 24))
				/* the kernel writes the page size; gdb's gcore writes 1 */
				cd->page_size = MAX(cd->page_size, ph.p_align);
		}
		if (note_bytes > r->lim->max_note_bytes)
			return fail(r, "%llu bytes of notes (limit %llu)", (unsigned long long)note_bytes,
				    (unsigned long long)r->lim->max_note_bytes);
	}
	if (!cd->page_size)
		cd->page_size = 4096;
	rr = read_segments(r, phnum);
	if (rr < 0)
		return rr;
	if (r->file_page_size)
		cd->page_size = r->file_page_size; /* NT_FILE says it best */
	if (cd->nthreads == 0)
		warn(r, "no NT_PRSTATUS note: no threads, no signal");

	rr = modules_from_nt_file(r);
	if (rr < 0)
		return rr;
	if (cd->at_sysinfo_ehdr) {
		struct coredump_module *v =
			module_from_image(r, cd->at_sysinfo_ehdr, MODULE_FROM_AUXV);
		if (v)
			v->is_vdso = true;
		else if (r->error)
			return -EINVAL;
	}
	find_exec(r);
	if (r->error)
		return -EINVAL;
	/* The dynamic linker, which may not be on its own list yet. */
	if (cd->at_base && !module_containing(r, cd->at_base) &&
	    !module_from_image(r, cd->at_base, MODULE_FROM_AUXV) && r->error)
		return -EINVAL;
	if (!r->files) {
		/*
		 * No NT_FILE (kernels before 3.7): look for ELF images at the
		 * start of every dumped segment, as the kernel maps each file
		 * from a page boundary.
		 */
		for (size_t i = 0; i < r->nsegs && !r->read_limit_hit; i++) {
			if (i == SEGMENT_SCAN_MAX) {
				warn(r, "more than %d segments: the rest were not searched for modules",
				     SEGMENT_SCAN_MAX);
				break;
			}
			if (r->segs[i].filesz == 0 || module_containing(r, r->segs[i].vaddr))
				continue;
			if (!module_from_image(r, r->segs[i].vaddr, 0) &&
			    r->error)
				return -EINVAL;
		}
	}
	rr = modules_from_link_map(r);
	if (rr < 0)
		return rr;
	if (r->read_limit_hit)
		return fail(r, "read more than %llu bytes of process memory from the core",
			    (unsigned long long)r->lim->max_read_bytes);

	if (cd->nmodules > 1)
		qsort(cd->modules, cd->nmodules, sizeof(*cd->modules), cmp_modules);

	if (cd->at_execfn)
		cd->execfn = read_string(r, cd->at_execfn);
	for (size_t i = 0; i < cd->nmodules; i++)
		if (cd->modules[i].is_exec && cd->modules[i].path) {
			cd->executable = strdup(cd->modules[i].path);
			break;
		}
	if (!cd->executable && cd->execfn && cd->execfn[0] == '/')
		cd->executable = strdup(cd->execfn);
	return 0;
}

int coredump_read(int fd, const struct coredump_limits *lim, struct coredump **ret,
		  char **ret_error)
{
	struct coredump_limits defaults;
	struct reader r = { .fd = fd };
	struct stat st;
	int rr;

	*ret_error = NULL;
	if (!lim) {
		coredump_limits_default(&defaults);
		lim = &defaults;
	}
	r.lim = lim;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*ret_error = strdup("not a regular file");
		return -EINVAL;
	}
	r.file_size = (uint64_t)st.st_size;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		*ret_error = strdup("libelf is unusable");
		return -EINVAL;
	}
	r.cd = calloc(1, sizeof(*r.cd));
	if (!r.cd)
		return -ENOMEM;

	rr = read_core(&r);

	free(r.segs);
	free(r.files);
	free(r.notes);
	free(r.ext);
	if (r.elf)
		elf_end(r.elf); /* frees the note chunks */
	if (rr < 0) {
		coredump_free(r.cd);
		*ret_error = r.error ? r.error : strdup(strerror(-rr));
		return rr;
	}
	free(r.error);
	*ret = r.cd;
	return 0;
}

void coredump_free(struct coredump *cd)
{
	if (!cd)
		return;
	for (size_t i = 0; i < cd->nmodules; i++) {
		free(cd->modules[i].path);
		free(cd->modules[i].soname);
	}
	for (size_t i = 0; i < cd->nwarnings; i++)
		free(cd->warnings[i]);
	free(cd->warnings);
	free(cd->modules);
	free(cd->threads);
	free(cd->execfn);
	free(cd->executable);
	free(cd);
}
