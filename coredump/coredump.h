/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coredump.h - what a process coredump says about the crashed process:
 * the modules that were mapped (with their build-ids), the threads, the
 * signal, the command line and the executable.
 *
 * The core is hostile. Everything comes from the core file itself — never
 * from a file on the local disk named by a path in the core (elfutils does
 * that and can report the retrace host's library instead of the crashed
 * one). Every loop and allocation is bounded by struct coredump_limits;
 * a core past a limit, truncated, with overlapping or absurd segments or
 * notes fails with a one-line message rather than partial nonsense.
 *
 * Modules come from NT_FILE (which files were mapped where), from the ELF
 * headers and PT_NOTE/PT_DYNAMIC segments found in the dumped memory at
 * those places, from the r_debug/link_map list of the dynamic linker (cores
 * without NT_FILE, kernels before 3.7) and from AT_SYSINFO_EHDR (the vdso).
 *
 * Who calls it: the coredump reader child of the worker and
 * retrace-coredump, both under policy/seccomp/coredump.policy. It needs the
 * core's fd and nothing else: no open(), no other file.
 */
#ifndef RETRACE_COREDUMP_H
#define RETRACE_COREDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define COREDUMP_BUILD_ID_MAX 64
#define COREDUMP_MAX_REGS 64

struct coredump_limits {
	uint64_t max_segments;   /* program headers of the core */
	uint64_t max_note_bytes; /* all PT_NOTE segments together */
	uint64_t max_notes;
	uint64_t max_files;      /* NT_FILE entries */
	uint64_t max_modules;
	uint64_t max_threads;
	uint64_t max_link_map;   /* link_map entries walked */
	uint64_t max_read_bytes; /* process memory read from the core, in all */
	uint64_t max_path;       /* longest path or string read */
};

/* Generous for real processes, small enough to bound a hostile core. */
void coredump_limits_default(struct coredump_limits *lim);

enum coredump_module_source {
	MODULE_FROM_NT_FILE = 1 << 0,  /* a file mapping in NT_FILE */
	MODULE_FROM_LINK_MAP = 1 << 1, /* the dynamic linker's list */
	MODULE_FROM_AUXV = 1 << 2,     /* AT_SYSINFO_EHDR (vdso) or AT_PHDR (exe) */
	MODULE_ELF_IN_CORE = 1 << 3,   /* its ELF headers were in the dumped memory */
};

struct coredump_module {
	uint64_t start, end; /* [start, end), page-aligned */
	uint64_t bias;       /* load bias (l_addr) */
	uint8_t build_id[COREDUMP_BUILD_ID_MAX];
	size_t build_id_len; /* 0: unknown */
	uint64_t build_id_addr; /* address of the build-id bytes in memory */
	char *path;   /* as mapped (NT_FILE or link_map), " (deleted)" removed; may be NULL */
	char *soname; /* DT_SONAME when it could be read; may be NULL */
	bool deleted; /* the file was deleted (or replaced) after mapping */
	bool is_exec;
	bool is_vdso;
	unsigned sources; /* enum coredump_module_source */
};

struct coredump_thread {
	int32_t tid;
	int32_t signal; /* pr_cursig: pending signal */
	unsigned nregs;
	uint64_t regs[COREDUMP_MAX_REGS];
};

struct coredump {
	/* the core file */
	unsigned machine; /* EM_* */
	unsigned elfclass; /* ELFCLASS32 / ELFCLASS64 */
	bool big_endian;
	const char *arch; /* "x86_64", "i386", ... (static string) */
	uint64_t page_size;

	struct coredump_module *modules;
	size_t nmodules;
	struct coredump_thread *threads;
	size_t nthreads;

	/* the crash: the first NT_PRSTATUS is the thread that dumped */
	int32_t crash_tid;
	int32_t signal;
	bool have_siginfo;
	int32_t si_code;
	uint64_t fault_addr; /* si_addr for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */

	/* NT_PRPSINFO */
	bool have_psinfo;
	int32_t pid;
	char fname[17];
	char psargs[81];

	/* NT_AUXV */
	uint64_t at_execfn, at_sysinfo_ehdr, at_phdr, at_phnum, at_entry, at_base;
	char *execfn;     /* the string at AT_EXECFN, when it was dumped */
	char *executable; /* best path of the executable, may be NULL */

	char **warnings; /* things that were odd but not fatal */
	size_t nwarnings;
};

/*
 * Read the core open on fd. On failure *ret_error says why in one line
 * (caller frees). The fd is only read (pread, mmap); its offset is not used.
 */
int coredump_read(int fd, const struct coredump_limits *lim, struct coredump **ret,
		  char **ret_error);
void coredump_free(struct coredump *cd);

/* "x86_64", "i386", "ppc64le", ... (a static string; "unknown" if we do not know it). */
const char *coredump_arch_name(unsigned machine, unsigned elfclass, bool big_endian);
/* Register names for cd->machine/elfclass, or NULL when we do not know them. */
const char *coredump_reg_name(const struct coredump *cd, unsigned i);
const char *coredump_signal_name(int sig);

/* `eu-unstrip -n --core` lines: 0xSTART+0xSIZE BUILDID@0xADDR FILE DEBUGFILE NAME */
int coredump_print_unstrip(const struct coredump *cd, FILE *out);
/* Everything above, as one JSON object. */
int coredump_print_json(const struct coredump *cd, FILE *out);

#endif
