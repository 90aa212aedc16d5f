/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <netinet/in.h>
#include <string.h>

#include "../../common/util.h"
#include "../lib/tap.h"

static void test_words(void)
{
	const char *p = "  http://a/ \tftp://b/x  ", *w;
	size_t n;

	w = next_word(&p, &n);
	ok(w && n == 9 && strncmp(w, "http://a/", 9) == 0, "next_word: the first word, spaces skipped");
	w = next_word(&p, &n);
	ok(w && n == 9 && strncmp(w, "ftp://b/x", 9) == 0, "next_word: after a tab");
	ok(!next_word(&p, &n) && n == 0, "next_word: none at the end, trailing spaces skipped");
	w = text_value("a 1\nsync_tasks 1\nKey two words\n", "key", true, &n);
	ok(w && n == 9 && strncmp(w, "two words", n) == 0, "text_value: the rest of the line, any case");
	ok(!text_value("Key x\n", "key", false, &n), "text_value: bytewise when asked");
	ok(!text_value("keyx 1\nkey\n", "key", false, &n), "text_value: KEY then a space, nothing else");
	w = text_value("key \n", "key", false, &n);
	ok(w && n == 0, "text_value: an empty value");
}

int main(void)
{
	uint64_t u = 0;
	int64_t i = 0;
	bool b = false;
	struct sockaddr_storage ss;
	socklen_t len;
	struct buf buf;

	is_int(parse_u64("0", 10, &u), 0, "parse_u64 0");
	is_int(parse_u64("18446744073709551615", UINT64_MAX, &u), 0, "parse_u64 UINT64_MAX");
	ok(u == UINT64_MAX, "parse_u64 value UINT64_MAX");
	is_int(parse_u64("18446744073709551616", UINT64_MAX, &u), -ERANGE, "parse_u64 overflow");
	is_int(parse_u64("11", 10, &u), -ERANGE, "parse_u64 over max");
	is_int(parse_u64("", 10, &u), -EINVAL, "parse_u64 empty");
	is_int(parse_u64(" 1", 10, &u), -EINVAL, "parse_u64 leading space");
	is_int(parse_u64("+1", 10, &u), -EINVAL, "parse_u64 plus sign");
	is_int(parse_u64("-1", 10, &u), -EINVAL, "parse_u64 minus sign");
	is_int(parse_u64("1x", 10, &u), -EINVAL, "parse_u64 trailing junk");
	is_int(parse_i64("-5", -10, 10, &i), 0, "parse_i64 negative");
	is_int(i, -5, "parse_i64 value");
	is_int(parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &i), 0, "parse_i64 INT64_MIN");
	ok(i == INT64_MIN, "parse_i64 INT64_MIN value");
	is_int(parse_i64("-11", -10, 10, &i), -ERANGE, "parse_i64 below min");
	is_int(parse_bool("Yes", &b), 0, "parse_bool Yes");
	ok(b, "parse_bool Yes is true");
	is_int(parse_bool("off", &b), 0, "parse_bool off");
	ok(!b, "parse_bool off is false");
	is_int(parse_bool("2", &b), -EINVAL, "parse_bool 2 refused");

	is_int(parse_listen_address("127.0.0.1:8080", &ss, &len), 0, "listen ipv4");
	ok(ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in), "listen ipv4 family");
	is_int(parse_listen_address("[::1]:443", &ss, &len), 0, "listen ipv6");
	ok(ss.ss_family == AF_INET6, "listen ipv6 family");
	is_int(parse_listen_address("localhost:80", &ss, &len), -EINVAL, "listen needs numeric host");
	is_int(parse_listen_address("127.0.0.1:0", &ss, &len), -EINVAL, "listen port 0 refused");
	is_int(parse_listen_address("127.0.0.1:65536", &ss, &len), -EINVAL, "listen port too big");
	is_int(parse_listen_address("[::1]443", &ss, &len), -EINVAL, "listen malformed ipv6");

	buf_init(&buf, 10);
	is_int(buf_append(&buf, "12345", 5), 0, "buf append within max");
	is_int(buf_appendf(&buf, "%d", 6789), 0, "buf appendf within max");
	is_str(buf.data, "123456789", "buf content");
	is_int(buf_append(&buf, "ab", 2), -E2BIG, "buf append past max fails");
	ok(buf.data == NULL && buf.len == 0, "buf released after overflow");
	is_int(buf_append(&buf, "x", 1), -E2BIG, "an append after an overflow fails too (no truncated text)");
	ok(buf.data == NULL, "... and the buffer stays empty");
	buf_init(&buf, 10);
	is_int(buf_append(&buf, "0123456789", 10), 0, "buf exactly max");
	char *s = buf_steal(&buf);
	is_str(s, "0123456789", "buf steal");
	{
		/* no limit at all: max + 1 must not wrap the capacity to 0 */
		struct buf big = BUF_INIT(SIZE_MAX);
		int r = 0;
		for (int k = 0; k < 100 && r == 0; k++)
			r = buf_appendf(&big, "line %d of a buffer without a limit\n", k);
		is_int(r, 0, "buf with max SIZE_MAX grows");
		ok(big.len > 3000 && strstr(big.data, "line 99 of") != NULL, "... and holds everything");
		buf_release(&big);
	}
	free(s);
	s = buf_steal(&buf);
	is_str(s, "", "buf steal of empty buffer is an empty string");
	free(s);

	{
		char text[] = "one\r\n\ntwo\nthree", *cur = text, *l;
		is_str(text_next_line(&cur, "\r\n"), "one", "text_next_line: the first line, cut at \\r");
		is_str(text_next_line(&cur, "\r\n"), "", "... an empty one (the \\n after the \\r)");
		is_str(text_next_line(&cur, "\r\n"), "", "... the empty line");
		is_str(text_next_line(&cur, "\r\n"), "two", "... the next");
		l = text_next_line(&cur, "\r\n");
		is_str(l, "three", "... the last, without a newline");
		ok(text_next_line(&cur, "\r\n") == NULL, "... then NULL");
	}
	char t[] = "  \tab c \r\n";
	is_str(str_strip(t), "ab c", "str_strip");
	ok(mem_is_printable_ascii("abc ~", 5), "printable");
	ok(!mem_is_printable_ascii("a\nb", 3), "newline not printable");
	{
		/* sorted lines: first fields "a", "ab" twice, "b"; no final newline */
		static const char lines[] = "a 1\nab 2\nab 3\nb 4";
		size_t n = sizeof(lines) - 1;
		char hex[9];
		unsigned char raw[4] = { 0x00, 0x7f, 0xa5, 0xff };

		is_int((int)sorted_lines_find(lines, n, "a", 1), 0, "sorted_lines_find first line");
		is_int((int)sorted_lines_find(lines, n, "ab", 2), 4, "sorted_lines_find first of equal lines");
		is_int((int)sorted_lines_find(lines, n, "aa", 2), 4, "sorted_lines_find a missing key: where it would be");
		is_int((int)sorted_lines_find(lines, n, "b", 1), 14, "sorted_lines_find last line without newline");
		is_int((int)sorted_lines_find(lines, n, "c", 1), (int)n, "sorted_lines_find past the end");
		is_int((int)sorted_lines_find(lines, 0, "a", 1), 0, "sorted_lines_find empty data");
		ok(line_field_cmp(lines + 4, n - 4, "ab", 2) == 0, "line_field_cmp equal field");
		ok(line_field_cmp(lines, n, "ab", 2) < 0, "line_field_cmp shorter field sorts first");
		ok(line_field_cmp(lines + 4, n - 4, "a", 1) > 0, "line_field_cmp longer field sorts after");
		hex_encode(raw, sizeof(raw), hex);
		is_str(hex, "007fa5ff", "hex_encode");
		ok(monotonic_ms() <= monotonic_ms(), "monotonic_ms does not go back");
	}
	test_words();
	return tap_done();
}
