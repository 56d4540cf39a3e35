/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/random.h>

#include "tcp/pcl_isn.h"

int
pcl_secret_init(struct pcl_secret *s)
{
	ssize_t n = getrandom(s->key, sizeof(s->key), 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(s->key) ? 0 : -EIO;
}

int
pcl_keyring_init(struct pcl_keyring *k)
{
	int rc = pcl_secret_init(&k->key[0]);

	k->gen = 0;
	return rc ? rc : pcl_secret_init(&k->key[1]);
}

int
pcl_keyring_rotate(struct pcl_keyring *k)
{
	uint32_t next = k->gen + 1;
	int rc = pcl_secret_init(&k->key[next & 1]);

	if (rc == 0)
		__atomic_store_n(&k->gen, next, __ATOMIC_RELEASE);
	return rc;
}

int
pcl_secrets_init(struct pcl_secrets *s)
{
	int rc = pcl_keyring_init(&s->isn);

	return rc ? rc : pcl_keyring_init(&s->cookie);
}
