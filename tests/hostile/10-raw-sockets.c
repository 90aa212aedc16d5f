/* Raw and packet sockets. */
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include "probe.h"
int main(void)
{
	must_fail(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), "AF_PACKET socket");
	must_fail(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), "raw IPv4 socket");
	return probe_done();
}
