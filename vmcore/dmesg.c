/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dmesg.c - the kernel log from VMCOREINFO alone: x86_64 address
 * translation (the kernel map; else a 4- or 5-level page-table walk from
 * init_top_pgt) and the three log layouts: the lockless ring buffer
 * (5.10+), struct printk_log records (3.5-5.9), the plain text ring
 * (older). Output as makedumpfile --dump-dmesg 1.7.2 writes it.
 */
#include "vmcore/vmcore.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/util.h"

#define START_KERNEL_MAP 0xffffffff80000000ULL
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_PRESENT 0x1ULL
#define PTE_LARGE 0x80ULL

#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK (~(3ULL << DESC_FLAGS_SHIFT))
#define DESC_STATE(sv) (3ULL & ((sv) >> DESC_FLAGS_SHIFT))
#define DESC_COMMITTED 1
#define DESC_FINALIZED 2

/* --- x86_64 addresses -------------------------------------------------------------- */

struct x86 {
	bool ready;
	int64_t phys_base;
	uint64_t pgd;  /* physical address of init_top_pgt */
	uint64_t mask; /* entry -> next table / page frame */
	int levels;
};

static int x86_init(struct vmcore *v, struct x86 *x, char **ret_error)
{
	uint64_t sym, l5 = 0, sme = 0;

	if (x->ready)
		return 0;
	if (strcmp(vmcore_arch(v), "x86_64") != 0 && strcmp(vmcore_arch(v), "unknown") != 0)
		return error_set(ret_error, -EINVAL, "reading kernel memory of %s dumps is not supported (x86_64 only)",
			    vmcore_arch(v));
	if (vmcoreinfo_i64(v, "NUMBER(phys_base)", &x->phys_base) < 0)
		x->phys_base = 0; /* never the kdump sub-header's: qemu writes it wrongly */
	if (vmcoreinfo_u64(v, "SYMBOL(init_top_pgt)", 16, &sym) < 0 &&
	    vmcoreinfo_u64(v, "SYMBOL(init_level4_pgt)", 16, &sym) < 0)
		sym = 0;
	if (vmcoreinfo_u64(v, "NUMBER(pgtable_l5_enabled)", 10, &l5) < 0)
		l5 = 0;
	if (vmcoreinfo_u64(v, "NUMBER(sme_mask)", 10, &sme) < 0)
		sme = 0;
	x->levels = l5 == 1 ? 5 : 4;
	x->mask = PTE_ADDR_MASK & ~sme;
	x->pgd = sym >= START_KERNEL_MAP ? sym - START_KERNEL_MAP + (uint64_t)x->phys_base : 0;
	x->ready = true;
	return 0;
}

static int x86_translate(struct vmcore *v, struct x86 *x, uint64_t va, uint64_t *pa, char **ret_error)
{
	uint64_t table, e = 0;

	if (va >= START_KERNEL_MAP) {
		*pa = va - START_KERNEL_MAP + (uint64_t)x->phys_base;
		return 0;
	}
	if (!x->pgd)
		return error_set(ret_error, -EINVAL, "0x%llx is outside the kernel map and VMCOREINFO has no SYMBOL(init_top_pgt)",
			    (unsigned long long)va);
	table = x->pgd;
	for (int level = x->levels; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t idx = (va >> shift) & 511;
		int r = vmcore_read_phys(v, table + idx * 8, &e, sizeof(e));
		if (r < 0)
			return error_set(ret_error, -EINVAL, "page table (level %d) for 0x%llx: %s", level, (unsigned long long)va,
				    r == -ENOENT ? "not in the dump" : "unreadable");
		if (!(e & PTE_PRESENT))
			return error_set(ret_error, -EINVAL, "0x%llx is not mapped (level %d entry 0x%llx)", (unsigned long long)va,
				    level, (unsigned long long)e);
		if ((level == 3 || level == 2) && (e & PTE_LARGE)) {
			uint64_t size = 1ULL << shift;
			*pa = ((e & x->mask) & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = e & x->mask;
	}
	*pa = table | (va & 0xfff);
	return 0;
}

struct reader {
	struct vmcore *v;
	struct x86 x;
};

static int rd(struct reader *k, uint64_t va, void *buf, size_t len, char **ret_error)
{
	unsigned char *out = buf;
	int r = x86_init(k->v, &k->x, ret_error);

	while (r == 0 && len > 0) {
		uint64_t pa = 0;
		size_t n = (size_t)MIN((uint64_t)len, 4096 - (va & 4095));
		r = x86_translate(k->v, &k->x, va, &pa, ret_error);
		if (r < 0)
			break;
		r = vmcore_read_phys(k->v, pa, out, n);
		if (r < 0) {
			r = error_set(ret_error, -EINVAL, "kernel address 0x%llx (physical 0x%llx): %s", (unsigned long long)va,
				 (unsigned long long)pa, r == -ENOENT ? "not in the dump" : "unreadable page");
			break;
		}
		out += n;
		va += n;
		len -= n;
	}
	return r;
}

int vmcore_read_virt(struct vmcore *v, uint64_t vaddr, void *buf, size_t len, char **ret_error)
{
	struct reader k = { .v = v };
	*ret_error = NULL;
	return rd(&k, vaddr, buf, len, ret_error);
}

/* --- helpers ------------------------------------------------------------------------- */

static uint64_t get(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	memcpy(&v, p, n); /* little-endian */
	return v;
}

/* a VMCOREINFO number that must be there and small */
static int need(struct vmcore *v, const char *key, uint64_t max, uint64_t *ret, char **ret_error)
{
	int r = vmcoreinfo_u64(v, key, 10, ret);
	if (r == -ENOENT)
		return error_set(ret_error, -EINVAL, "VMCOREINFO has no %s", key);
	if (r < 0 || *ret > max)
		return error_set(ret_error, -EINVAL, "VMCOREINFO's %s is not a number up to %llu", key, (unsigned long long)max);
	return 0;
}

static int need_sym(struct vmcore *v, const char *key, uint64_t *ret, char **ret_error)
{
	int r = vmcoreinfo_u64(v, key, 16, ret);
	if (r < 0)
		return error_set(ret_error, -EINVAL, "VMCOREINFO has no usable %s", key);
	return 0;
}

/* "[%5lld.%06ld] " and the text: newlines indented, other bytes escaped, as makedumpfile */
static void print_record(FILE *out, uint64_t ts_nsec, const unsigned char *text, size_t len)
{
	char prefix[64];
	int indent = snprintf(prefix, sizeof(prefix), "[%5llu.%06llu] ", (unsigned long long)(ts_nsec / 1000000000ULL),
			      (unsigned long long)(ts_nsec % 1000000000ULL / 1000ULL));

	fputs(prefix, out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = text[i];
		if (c == '\n')
			fprintf(out, "\n%-*s", indent, "");
		else if (isprint(c) || isspace(c))
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
	fputc('\n', out);
}

/* --- 5.10+: the lockless ring buffer ------------------------------------------------- */

static int dmesg_lockless(struct reader *k, FILE *out, char **ret_error)
{
	struct vmcore *v = k->v;
	uint64_t prb, sz_prb, off_desc_ring, off_text_ring, off_count_bits, off_descs, off_infos, off_head, off_tail;
	uint64_t sz_desc, sz_info, off_state, off_lpos, off_begin, off_next, off_seq_ts, off_text_len;
	uint64_t off_size_bits, off_data, off_counter;
	unsigned char *p = NULL, *descs = NULL, *infos = NULL, *text = NULL;
	int r;

	if ((r = need_sym(v, "SYMBOL(prb)", &prb, ret_error)) < 0 ||
	    (r = need(v, "SIZE(printk_ringbuffer)", 4096, &sz_prb, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(printk_ringbuffer.desc_ring)", 4096, &off_desc_ring, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(printk_ringbuffer.text_data_ring)", 4096, &off_text_ring, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_desc_ring.count_bits)", 4096, &off_count_bits, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_desc_ring.descs)", 4096, &off_descs, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_desc_ring.infos)", 4096, &off_infos, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_desc_ring.head_id)", 4096, &off_head, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_desc_ring.tail_id)", 4096, &off_tail, ret_error)) < 0 ||
	    (r = need(v, "SIZE(prb_desc)", 4096, &sz_desc, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_desc.state_var)", 4096, &off_state, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_desc.text_blk_lpos)", 4096, &off_lpos, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_data_blk_lpos.begin)", 4096, &off_begin, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_data_blk_lpos.next)", 4096, &off_next, ret_error)) < 0 ||
	    (r = need(v, "SIZE(printk_info)", 4096, &sz_info, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(printk_info.ts_nsec)", 4096, &off_seq_ts, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(printk_info.text_len)", 4096, &off_text_len, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_data_ring.size_bits)", 4096, &off_size_bits, ret_error)) < 0 ||
	    (r = need(v, "OFFSET(prb_data_ring.data)", 4096, &off_data, ret_error)) < 0)
		return r;
	if (need(v, "OFFSET(atomic_long_t.counter)", 4096, &off_counter, ret_error) < 0)
		off_counter = 0;
	free(*ret_error);
	*ret_error = NULL;
	/* every field read must lie inside what is read */
	if (sz_prb < 8 || off_desc_ring + MAX(off_count_bits + 4, MAX(MAX(off_descs, off_infos), MAX(off_head, off_tail) + off_counter) + 8) > sz_prb ||
	    off_text_ring + MAX(off_size_bits + 4, off_data + 8) > sz_prb || off_state + off_counter + 8 > sz_desc ||
	    off_lpos + MAX(off_begin, off_next) + 8 > sz_desc || off_seq_ts + 8 > sz_info || off_text_len + 2 > sz_info)
		return error_set(ret_error, -EINVAL, "VMCOREINFO's printk_ringbuffer layout does not fit its sizes");

	p = malloc(sz_prb);
	if (!p)
		return -ENOMEM;
	{
		uint64_t prb_addr = 0;
		r = rd(k, prb, &prb_addr, sizeof(prb_addr), ret_error);
		if (r == 0)
			r = rd(k, prb_addr, p, sz_prb, ret_error);
	}
	if (r < 0)
		goto out;
	{
		const unsigned char *dr = p + off_desc_ring, *tr = p + off_text_ring;
		uint32_t count_bits = (uint32_t)get(dr + off_count_bits, 4), size_bits = (uint32_t)get(tr + off_size_bits, 4);
		uint64_t count, data_size, head, tail, n;

		if (count_bits > VMCORE_MAX_DESC_BITS || size_bits > 28 || (1ULL << size_bits) > VMCORE_MAX_RING) {
			r = error_set(ret_error, -EINVAL, "printk ring of 2^%u descriptors and 2^%u bytes (limits 2^%d and %u bytes)",
				 count_bits, size_bits, VMCORE_MAX_DESC_BITS, VMCORE_MAX_RING);
			goto out;
		}
		count = 1ULL << count_bits;
		data_size = 1ULL << size_bits;
		uint64_t desc_bytes = (sz_desc + sz_info) * count;
		if (desc_bytes > VMCORE_MAX_RING) {
			r = error_set(ret_error, -EINVAL, "printk descriptors of %llu bytes (limit %u)", (unsigned long long)desc_bytes,
				 VMCORE_MAX_RING);
			goto out;
		}
		descs = malloc(sz_desc * count);
		infos = malloc(sz_info * count);
		text = malloc(data_size);
		if (!descs || !infos || !text) {
			r = -ENOMEM;
			goto out;
		}
		if ((r = rd(k, get(dr + off_descs, 8), descs, sz_desc * count, ret_error)) < 0 ||
		    (r = rd(k, get(dr + off_infos, 8), infos, sz_info * count, ret_error)) < 0 ||
		    (r = rd(k, get(tr + off_data, 8), text, data_size, ret_error)) < 0)
			goto out;
		tail = get(dr + off_tail + off_counter, 8) & DESC_ID_MASK;
		head = get(dr + off_head + off_counter, 8) & DESC_ID_MASK;
		/* ids wrap at 62 bits; more ids than descriptors would loop: stop at count */
		n = ((head - tail) & DESC_ID_MASK) + 1;
		if (n > count)
			n = count;
		for (uint64_t i = 0, id = tail; i < n; i++, id = (id + 1) & DESC_ID_MASK) {
			const unsigned char *d = descs + (id % count) * sz_desc, *inf = infos + (id % count) * sz_info;
			uint64_t sv = get(d + off_state + off_counter, 8);
			uint64_t begin = get(d + off_lpos + off_begin, 8) % data_size;
			uint64_t next = get(d + off_lpos + off_next, 8) % data_size;
			uint64_t len = get(inf + off_text_len, 2);

			if ((sv & DESC_ID_MASK) != id || (DESC_STATE(sv) != DESC_COMMITTED && DESC_STATE(sv) != DESC_FINALIZED))
				continue;
			if (begin == next)
				continue; /* no text */
			if (begin > next)
				begin = 0; /* the block wrapped */
			begin += 8;    /* the block starts with its id */
			if (begin > next)
				continue;
			if (next - begin < len)
				len = next - begin;
			print_record(out, get(inf + off_seq_ts, 8), text + begin, (size_t)len);
		}
	}
out:
	free(p);
	free(descs);
	free(infos);
	free(text);
	return r;
}

/* --- 3.5-5.9: struct printk_log records ---------------------------------------------- */

static int dmesg_printk_log(struct reader *k, FILE *out, char **ret_error)
{
	struct vmcore *v = k->v;
	const char *s = vmcoreinfo_string(v, "SIZE(printk_log)", (char[8]){ 0 }, 8) == 0 ? "printk_log" : "log";
	char key[64];
	uint64_t log_buf, log_buf_len, first_idx, next_idx, sz, off_ts, off_len, off_text_len;
	uint64_t addr = 0, len32 = 0, first = 0, next = 0;
	unsigned char *buf = NULL;
	int r;

	if ((r = need_sym(v, "SYMBOL(log_buf)", &log_buf, ret_error)) < 0 ||
	    (r = need_sym(v, "SYMBOL(log_buf_len)", &log_buf_len, ret_error)) < 0 ||
	    (r = need_sym(v, "SYMBOL(log_first_idx)", &first_idx, ret_error)) < 0 ||
	    (r = need_sym(v, "SYMBOL(log_next_idx)", &next_idx, ret_error)) < 0)
		return r;
	snprintf(key, sizeof(key), "SIZE(%s)", s);
	if ((r = need(v, key, 4096, &sz, ret_error)) < 0)
		return r;
	snprintf(key, sizeof(key), "OFFSET(%s.ts_nsec)", s);
	if ((r = need(v, key, 4096, &off_ts, ret_error)) < 0)
		return r;
	snprintf(key, sizeof(key), "OFFSET(%s.len)", s);
	if ((r = need(v, key, 4096, &off_len, ret_error)) < 0)
		return r;
	snprintf(key, sizeof(key), "OFFSET(%s.text_len)", s);
	if ((r = need(v, key, 4096, &off_text_len, ret_error)) < 0)
		return r;
	if (off_ts + 8 > sz || off_len + 2 > sz || off_text_len + 2 > sz)
		return error_set(ret_error, -EINVAL, "VMCOREINFO's %s layout does not fit its size", s);
	if ((r = rd(k, log_buf, &addr, 8, ret_error)) < 0 || (r = rd(k, log_buf_len, &len32, 4, ret_error)) < 0 ||
	    (r = rd(k, first_idx, &first, 4, ret_error)) < 0 || (r = rd(k, next_idx, &next, 4, ret_error)) < 0)
		return r;
	if (len32 == 0 || len32 > VMCORE_MAX_RING || first >= len32 || next >= len32)
		return error_set(ret_error, -EINVAL, "log_buf of %llu bytes (first %llu, next %llu)", (unsigned long long)len32,
			    (unsigned long long)first, (unsigned long long)next);
	buf = malloc(len32);
	if (!buf)
		return -ENOMEM;
	r = rd(k, addr, buf, len32, ret_error);
	/* at most one record per `sz` bytes: a bounded walk even when lengths loop */
	for (uint64_t idx = first, steps = 0; r == 0 && idx != next && steps <= len32 / sz + 1; steps++) {
		uint64_t rec_len, text_len;
		if (idx + sz > len32) {
			idx = 0; /* no room for a header: the writer wrapped */
			continue;
		}
		rec_len = get(buf + idx + off_len, 2);
		if (rec_len == 0) {
			idx = 0; /* len 0 marks the wrap */
			continue;
		}
		text_len = get(buf + idx + off_text_len, 2);
		if (rec_len < sz || idx + rec_len > len32)
			break; /* damaged */
		print_record(out, get(buf + idx + off_ts, 8), buf + idx + sz, (size_t)MIN(text_len, rec_len - sz));
		idx += rec_len;
	}
	free(buf);
	return r;
}

/* --- older: a plain text ring -------------------------------------------------------- */

static int dmesg_plain(struct reader *k, FILE *out, char **ret_error)
{
	struct vmcore *v = k->v;
	uint64_t log_buf, log_buf_len, log_end, addr = 0, len32 = 0, end = 0;
	unsigned char *buf;
	int r;

	if ((r = need_sym(v, "SYMBOL(log_buf)", &log_buf, ret_error)) < 0 ||
	    (r = need_sym(v, "SYMBOL(log_buf_len)", &log_buf_len, ret_error)) < 0 ||
	    (r = need_sym(v, "SYMBOL(log_end)", &log_end, ret_error)) < 0)
		return r;
	if ((r = rd(k, log_buf, &addr, 8, ret_error)) < 0 || (r = rd(k, log_buf_len, &len32, 4, ret_error)) < 0 ||
	    (r = rd(k, log_end, &end, 4, ret_error)) < 0)
		return r;
	if (len32 == 0 || len32 > VMCORE_MAX_RING || (len32 & (len32 - 1)))
		return error_set(ret_error, -EINVAL, "log_buf_len %llu", (unsigned long long)len32);
	buf = malloc(len32);
	if (!buf)
		return -ENOMEM;
	r = rd(k, addr, buf, len32, ret_error);
	if (r == 0) {
		/* log_end counts every byte ever written: the oldest is at log_end % len */
		uint64_t start = end < len32 ? 0 : end % len32, n = MIN(end, len32);
		for (uint64_t i = 0; i < n; i++)
			fputc(buf[(start + i) % len32], out);
	}
	free(buf);
	return r;
}

int vmcore_dmesg(struct vmcore *v, FILE *out, char **ret_error)
{
	struct reader k = { .v = v };
	uint64_t dummy;

	*ret_error = NULL;
	if (!vmcore_vmcoreinfo(v))
		return error_set(ret_error, -EINVAL, "the dump has no VMCOREINFO: the log cannot be found without debuginfo");
	if (vmcoreinfo_u64(v, "SYMBOL(prb)", 16, &dummy) == 0)
		return dmesg_lockless(&k, out, ret_error);
	if (vmcoreinfo_u64(v, "SYMBOL(log_first_idx)", 16, &dummy) == 0)
		return dmesg_printk_log(&k, out, ret_error);
	if (vmcoreinfo_u64(v, "SYMBOL(log_end)", 16, &dummy) == 0)
		return dmesg_plain(&k, out, ret_error);
	return error_set(ret_error, -EINVAL, "VMCOREINFO names no kernel log (neither prb, log_first_idx nor log_end)");
}
