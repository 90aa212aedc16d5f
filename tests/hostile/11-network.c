/* Reach the network: the host's loopback, another address, an abstract
 * unix socket of the host, an address outside this machine (argv[1] is
 * the host's TCP port, argv[2] the abstract socket name, argv[3] the
 * outside IPv4 address). The other address is 127.0.0.2: were the sandbox
 * to leak, the packet would still stay on this machine, where the test's
 * capture looks for it; the outside one (a documentation address, port 9)
 * is looked for by a capture on every interface of the host. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "probe.h"
int main(int argc, char **argv)
{
	struct sockaddr_in lo = { .sin_family = AF_INET };
	struct sockaddr_in out = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int s;

	lo.sin_port = htons((unsigned short)(argc > 1 ? (int)strtol(argv[1], NULL, 10) : 80));
	inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	must_fail(s < 0 ? -1 : connect(s, (struct sockaddr *)&lo, sizeof(lo)), "TCP to the host's 127.0.0.1");
	inet_pton(AF_INET, "127.0.0.2", &out.sin_addr);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	must_fail(s < 0 ? -1 : sendto(s, "x", 1, 0, (struct sockaddr *)&out, sizeof(out)),
		  "UDP to another address");
	if (argc > 2) {
		un.sun_path[0] = '\0';
		strncpy(un.sun_path + 1, argv[2], sizeof(un.sun_path) - 2);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		must_fail(s < 0 ? -1 : connect(s, (struct sockaddr *)&un, (socklen_t)(sizeof(sa_family_t) + 1 + strlen(argv[2]))),
			  "the host's abstract unix socket");
	}
	if (argc > 3) {
		struct sockaddr_in far = { .sin_family = AF_INET, .sin_port = htons(9) };
		inet_pton(AF_INET, argv[3], &far.sin_addr);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		must_fail(s < 0 ? -1 : sendto(s, "x", 1, 0, (struct sockaddr *)&far, sizeof(far)),
			  "UDP to an address outside this machine");
	}
	return probe_done();
}
