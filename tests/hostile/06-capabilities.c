/* Regain capabilities; check none and no_new_privs in every set. */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "probe.h"
int main(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	memset(d, 0xff, sizeof(d));
	must_fail(syscall(SYS_capset, &h, d), "capset to every capability");
	must_fail(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), "clearing no_new_privs");
	must_fail(setuid(0), "setuid(0)");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Cap", 3))
			must_hold(strstr(line, "0000000000000000") != NULL, line);
		if (!strncmp(line, "NoNewPrivs:", 11))
			must_hold(strstr(line, "1") != NULL, "NoNewPrivs is 1");
	}
	return probe_done();
}
