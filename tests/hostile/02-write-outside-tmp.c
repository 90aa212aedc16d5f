/* Write anywhere but /tmp: the root is read-only. */
#include "probe.h"
int main(void)
{
	const char *paths[] = { "/evil", "/bin/evil", "/dev/evil", "/proc/evil", NULL };
	for (int i = 0; paths[i]; i++)
		must_fail(open(paths[i], O_WRONLY | O_CREAT, 0644), paths[i]);
	must_fail(open("/bin/probe-target", O_WRONLY | O_TRUNC), "truncating a binary in the root");
	must_hold(open("/tmp/ok", O_WRONLY | O_CREAT, 0644) >= 0, "/tmp is writable (as it must be)");
	return probe_done();
}
