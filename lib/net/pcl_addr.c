/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/pcl_addr.h"

bool
pcl_addr_in(const struct pcl_addr *a, const struct pcl_addr *prefix, unsigned int len)
{
	/* An IPv4 prefix length counts from the mapped address's last 32 bits. */
	unsigned int bits = pcl_addr_is4(prefix) ? 96 + len : len, i;

	if (pcl_addr_is4(a) != pcl_addr_is4(prefix) || bits > 128)
		return false;
	for (i = 0; i < bits / 8; i++)
		if (a->a[i] != prefix->a[i])
			return false;
	return bits % 8 == 0 || ((a->a[i] ^ prefix->a[i]) & (0xff00u >> (bits % 8))) == 0;
}

int
pcl_addr_parse(const char *s, struct pcl_addr *a)
{
	rte_be32_t v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		*a = pcl_addr_from4(v4);
		return 0;
	}
	/* A mapped address written as IPv6 would be an IPv4 one in disguise. */
	if (strchr(s, ':') == NULL || inet_pton(AF_INET6, s, a->a) != 1 || pcl_addr_is4(a))
		return -EINVAL;
	return 0;
}

int
pcl_addr_port_parse(const char *s, struct pcl_addr *a, uint16_t *port)
{
	char buf[64], *colon, *end;
	unsigned long n;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return -EINVAL;
	*colon = '\0';
	/* IPv6 in brackets (RFC 3986 3.2.2), so the port's colon is not the address's. */
	if (buf[0] == '[') {
		if (colon == buf + 1 || colon[-1] != ']')
			return -EINVAL;
		colon[-1] = '\0';
		if (pcl_addr_parse(buf + 1, a) != 0 || pcl_addr_is4(a))
			return -EINVAL;
	} else if (strchr(buf, ':') != NULL || pcl_addr_parse(buf, a) != 0) {
		return -EINVAL;
	}
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0 || n > UINT16_MAX)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

void
pcl_addr_format(const struct pcl_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (pcl_addr_is4(a))
		inet_ntop(AF_INET, &a->a[12], ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, a->a, ip, sizeof(ip));
	snprintf(buf, len, "%s", ip);
}

void
pcl_addr_port_format(const struct pcl_addr *a, uint16_t port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	pcl_addr_format(a, ip, sizeof(ip));
	snprintf(buf, len, pcl_addr_is4(a) ? "%s:%u" : "[%s]:%u", ip, port);
}
