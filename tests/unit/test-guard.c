/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How the front door's per-address limits group clients (httpd/guard.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "../../httpd/guard.h"
#include "../lib/tap.h"

static struct guard_addr key_of(const char *text)
{
	struct guard_addr a;

	memset(&a, 0xaa, sizeof(a));
	guard_addr_from_text(text, &a);
	return a;
}

static int same(const char *x, const char *y)
{
	struct guard_addr a = key_of(x), b = key_of(y);
	return guard_addr_eq(&a, &b);
}

int main(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct guard_addr a;

	ok(same("192.0.2.1", "192.0.2.1"), "an IPv4 address is its own key");
	ok(!same("192.0.2.1", "192.0.2.2"), "two IPv4 addresses are two clients");
	ok(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:eeee:dddd:9"), "an IPv6 /64 is one client");
	ok(!same("2001:db8:1:2::1", "2001:db8:1:3::1"), "two IPv6 /64s are two clients");
	ok(same("::ffff:192.0.2.1", "192.0.2.1"), "an IPv4-mapped address counts as its IPv4 address");
	ok(!same("::ffff:192.0.2.1", "::ffff:192.0.2.2"),
	   "two IPv4-mapped addresses are two clients (not one /64)");
	ok(!same("::c000:201", "192.0.2.1"), "an IPv4-compatible IPv6 address is IPv6");
	is_int(guard_addr_from_sockaddr((struct sockaddr *)&un, &a), -EAFNOSUPPORT,
	       "a Unix socket has no address key");
	is_int(guard_addr_from_sockaddr(NULL, &a), -EAFNOSUPPORT, "no address, no key");
	is_int(guard_addr_from_text("not an address", &a), -EINVAL, "text that is no address, no key");
	return tap_done();
}
