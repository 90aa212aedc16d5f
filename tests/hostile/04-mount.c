/* Change the mounts: mount, umount, pivot_root, chroot, the new mount API. */
#include <sys/mount.h>
#include <sys/syscall.h>
#include "probe.h"
int main(void)
{
	must_fail(mount("none", "/tmp", "tmpfs", 0, NULL), "mount tmpfs on /tmp");
	must_fail(mount("/", "/tmp", NULL, MS_BIND, NULL), "bind / on /tmp");
	must_fail(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL), "remount / read-write");
	must_fail(umount2("/proc", MNT_DETACH), "umount /proc");
	must_fail(syscall(SYS_pivot_root, "/tmp", "/tmp"), "pivot_root");
	must_fail(chroot("/tmp"), "chroot");
	must_fail(syscall(SYS_fsopen, "tmpfs", 0), "fsopen");
	must_fail(syscall(SYS_open_tree, -100, "/", 1), "open_tree");
	return probe_done();
}
