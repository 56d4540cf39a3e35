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
	int rc;

	rte_seqlock_init(&k->slot[0].lock);
	rte_seqlock_init(&k->slot[1].lock);
	k->gen = 0;
	rc = pcl_secret_init(&k->slot[0].key);
	return rc ? rc : pcl_secret_init(&k->slot[1].key);
}

void
pcl_keyring_set(struct pcl_keyring *k, const struct pcl_secret *key)
{
	uint32_t next = k->gen + 1;
	struct pcl_keyslot *s = &k->slot[next & 1];

	rte_seqlock_write_lock(&s->lock);
	s->key = *key;
	rte_seqlock_write_unlock(&s->lock);
	__atomic_store_n(&k->gen, next, __ATOMIC_RELEASE);
}

int
pcl_keyring_rotate(struct pcl_keyring *k)
{
	struct pcl_secret key;
	int rc = pcl_secret_init(&key);

	if (rc == 0)
		pcl_keyring_set(k, &key);
	return rc;
}

int
pcl_secrets_init(struct pcl_secrets *s)
{
	int rc = pcl_keyring_init(&s->isn);

	return rc ? rc : pcl_keyring_init(&s->cookie);
}
