/* Run a setuid-root binary: nosuid mounts and no_new_privs make it gain nothing.
 * (/bin/suid-check is a setuid copy the test puts in the root.) */
#include "probe.h"
int main(int argc, char **argv)
{
	char *args[] = { "/bin/suid-check", "check", NULL };
	if (argc > 1) /* we are suid-check */
		return geteuid() == getuid() ? 0 : 1;
	execve(args[0], args, args + 2);
	must_hold(0, "executing the setuid binary");
	return probe_done();
}
