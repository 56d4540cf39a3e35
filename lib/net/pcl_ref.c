/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/pcl_ref.h"

void
pcl_ref_free_cb(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(opaque);
}

int
pcl_ref_init(struct pcl_ref *r, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	unsigned int i;
	uint16_t w;

	memset(r, 0, sizeof(*r));
	r->psum = malloc((len / 2 + 1) * sizeof(r->psum[0]));
	r->sh = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_MAX_LCORE * sizeof(r->sh[0]));
	if (r->psum == NULL || r->sh == NULL) {
		pcl_ref_fini(r);
		return -ENOMEM;
	}
	r->data = p;
	r->len = len;
	r->psum[0] = 0;
	for (i = 0; i < len / 2; i++) {
		memcpy(&w, p + 2 * i, 2);
		r->psum[i + 1] = (uint16_t)pcl_csum_fold32((uint32_t)r->psum[i] + w);
	}
	memset(r->sh, 0, RTE_MAX_LCORE * sizeof(r->sh[0]));
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		r->sh[i].sh.free_cb = pcl_ref_free_cb;
		r->sh[i].sh.fcb_opaque = r;
		rte_mbuf_ext_refcnt_set(&r->sh[i].sh, 1);
	}
	return 0;
}

void
pcl_ref_fini(struct pcl_ref *r)
{
	free(r->psum);
	free(r->sh);
	r->psum = NULL;
	r->sh = NULL;
}
