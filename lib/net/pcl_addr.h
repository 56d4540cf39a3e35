/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_ADDR_H
#define PCL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/*
 * An address of either family, where the control plane keeps one (a
 * backend, a neighbour): 16 bytes, an IPv4 address mapped into IPv6
 * (::ffff:a.b.c.d, RFC 4291 2.5.5.2). One compare, one hash and one Maglev
 * key serve both families; an IPv4 backend keeps the key it always had.
 */
struct pcl_addr {
	uint8_t a[16];
};

/* The longest text pcl_addr_port_format() writes: "[" IPv6 "]:" port, and the NUL. */
#define PCL_ADDR_PORT_STRLEN (46 + 9)

static inline struct pcl_addr
pcl_addr_from4(rte_be32_t a4)
{
	struct pcl_addr a = {.a = {[10] = 0xff, [11] = 0xff}};

	memcpy(&a.a[12], &a4, 4);
	return a;
}

static inline struct pcl_addr
pcl_addr_from6(const uint8_t *a6)
{
	struct pcl_addr a;

	memcpy(a.a, a6, 16);
	return a;
}

static inline bool
pcl_addr_is4(const struct pcl_addr *a)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	return memcmp(a->a, mapped, sizeof(mapped)) == 0;
}

/* The IPv4 address of a mapped a. */
static inline rte_be32_t
pcl_addr_v4(const struct pcl_addr *a)
{
	rte_be32_t v;

	memcpy(&v, &a->a[12], 4);
	return v;
}

static inline bool
pcl_addr_eq(const struct pcl_addr *x, const struct pcl_addr *y)
{
	return memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

/*
 * Whether a is in prefix/len of the same family (len counts the bits of
 * that family: 0..32 for IPv4, 0..128 for IPv6).
 */
bool pcl_addr_in(const struct pcl_addr *a, const struct pcl_addr *prefix, unsigned int len);

/* "A.B.C.D" or an IPv6 address into *a. Returns 0 or -EINVAL. */
int pcl_addr_parse(const char *s, struct pcl_addr *a);

/* "A.B.C.D:PORT" or "[IPv6]:PORT" (port 1..65535, host order) into *a, *port. 0 or -EINVAL. */
int pcl_addr_port_parse(const char *s, struct pcl_addr *a, uint16_t *port);

/* a as text: "A.B.C.D" or IPv6's usual form (RFC 5952). */
void pcl_addr_format(const struct pcl_addr *a, char *buf, size_t len);

/* a and port as pcl_addr_port_parse() reads them: "A.B.C.D:P" or "[IPv6]:P". */
void pcl_addr_port_format(const struct pcl_addr *a, uint16_t port, char *buf, size_t len);

#endif
