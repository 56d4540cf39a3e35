/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_common.h>

#include "tcp/pcl_timer.h"

int
pcl_wheel_init(struct pcl_wheel *w, void *mem, uint32_t nslots, struct pcl_tnode *node0,
	       uint32_t stride, uint32_t now)
{
	uint32_t i;

	if (nslots == 0 || !rte_is_power_of_2(nslots))
		return -EINVAL;
	w->slot = mem;
	w->mask = nslots - 1;
	w->cur = now;
	w->armed = 0;
	w->in_advance = 0;
	w->base = (char *)node0;
	w->stride = stride;
	for (i = 0; i < nslots; i++)
		w->slot[i] = PCL_TIMER_NIL;
	return 0;
}

void
pcl_wheel_unlink(struct pcl_wheel *w, uint32_t idx)
{
	struct pcl_tnode *n = pcl_wheel_node(w, idx);

	if (n->prev == PCL_TIMER_NIL)
		w->slot[n->expire & w->mask] = n->next;
	else
		pcl_wheel_node(w, n->prev)->next = n->next;
	if (n->next != PCL_TIMER_NIL)
		pcl_wheel_node(w, n->next)->prev = n->prev;
	pcl_tnode_init(n);
	w->armed--;
}

void
pcl_wheel_arm(struct pcl_wheel *w, uint32_t idx, uint32_t expire)
{
	struct pcl_tnode *n = pcl_wheel_node(w, idx);
	uint32_t *head;

	pcl_wheel_cancel(w, idx);
	/*
	 * A deadline already past goes to the next slot to be walked; while
	 * firing, slot cur is behind the walk, so that is cur + 1.
	 */
	if ((int32_t)(expire - (w->cur + w->in_advance)) < 0)
		expire = w->cur + w->in_advance;
	head = &w->slot[expire & w->mask];
	n->expire = expire;
	n->prev = PCL_TIMER_NIL;
	n->next = *head;
	if (*head != PCL_TIMER_NIL)
		pcl_wheel_node(w, *head)->prev = idx;
	*head = idx;
	w->armed++;
}

unsigned int
pcl_wheel_advance(struct pcl_wheel *w, uint32_t now, unsigned int budget, pcl_wheel_fire_t fire,
		  void *arg)
{
	unsigned int fired = 0;

	w->in_advance = 1;
	while ((int32_t)(now - w->cur) >= 0) {
		uint32_t idx = w->slot[w->cur & w->mask];

		while (idx != PCL_TIMER_NIL) {
			struct pcl_tnode *n = pcl_wheel_node(w, idx);
			uint32_t next = n->next;

			if ((int32_t)(n->expire - w->cur) <= 0) {
				if (fired == budget)
					goto out; /* resume this slot next time */
				pcl_wheel_cancel(w, idx);
				fired++;
				fire(arg, idx);
			}
			idx = next;
		}
		w->cur++;
	}
out:
	w->in_advance = 0;
	return fired;
}
