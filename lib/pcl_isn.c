/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/random.h>

#include "pcl_isn.h"

int
pcl_secret_init(struct pcl_secret *s)
{
	ssize_t n = getrandom(s->key, sizeof(s->key), 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(s->key) ? 0 : -EIO;
}
