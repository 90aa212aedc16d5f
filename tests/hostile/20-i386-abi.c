/* The 32-bit syscall ABI: open /etc/passwd with int 0x80. */
#include "probe.h"
int main(void)
{
	static const char path[] = "/etc/passwd";
	long r;
#if defined(__x86_64__)
	/* i386 open is 5; the path must be below 4 GiB: static binaries are */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(5), "b"(path), "c"(0) : "memory");
#else
	r = -1;
#endif
	if (r < 0)
		errno = (int)-r;
	must_fail(r < 0 ? -1 : r, "open(/etc/passwd) through int 0x80");
	return probe_done();
}
