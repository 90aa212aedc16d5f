/* The host's SysV shared memory and message queues (the test makes some). */
#include <sys/msg.h>
#include <sys/shm.h>
#include "probe.h"
int main(int argc, char **argv)
{
	key_t key = argc > 1 ? (key_t)strtol(argv[1], NULL, 0) : 0x52545253;
	must_fail(shmget(key, 0, 0), "the host's shared memory segment");
	must_fail(msgget(key, 0), "the host's message queue");
	return probe_done();
}
