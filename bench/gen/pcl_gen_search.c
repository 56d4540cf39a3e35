/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "pcl_gen_search.h"

const char *const pcl_gen_limit_names[] = {
	[PCL_GEN_LIMIT_none] = "none",
	[PCL_GEN_LIMIT_server] = "server",
	[PCL_GEN_LIMIT_generator] = "generator",
};

int
pcl_gen_search_init(struct pcl_gen_search *s, uint64_t upper, double loss, double precision,
		    unsigned int max_steps, bool grow)
{
	if (upper == 0 || !(loss >= 0 && loss < 1) || !(precision > 0 && precision < 1) ||
	    max_steps == 0)
		return -EINVAL;
	*s = (struct pcl_gen_search){
		.loss = loss,
		.precision = precision,
		.max_steps = max_steps,
		.hi = upper,
		.next = upper,
		.grow = grow,
	};
	return 0;
}

void
pcl_gen_search_step(struct pcl_gen_search *s, struct pcl_gen_step *st)
{
	uint64_t clean = st->completed - st->rtx_conns - st->late;

	st->lost = st->offered > clean ? st->offered - clean : 0;
	st->pass = (double)st->lost <= s->loss * (double)st->offered;
	if (st->pass)
		st->limit = PCL_GEN_LIMIT_none;
	else if (st->gen_busy >= PCL_GEN_BUSY_LIMIT || (st->behind > 0 && !st->port_stalled))
		st->limit = PCL_GEN_LIMIT_generator;
	else
		st->limit = PCL_GEN_LIMIT_server;
	s->steps++;
	if (st->pass) {
		s->lo = st->rate;
	} else {
		s->hi = st->rate;
		s->hi_failed = true;
		s->hi_limit = st->limit;
	}
	if (!s->hi_failed && s->grow && s->hi < UINT64_MAX / 2) {
		s->hi *= 2;
		s->next = s->steps < s->max_steps ? s->hi : 0;
		return;
	}
	s->next = (s->lo + s->hi) / 2;
	/* Done: the bound itself passed, the interval is narrow, or no steps are left. */
	if (!s->hi_failed || (double)(s->hi - s->lo) <= s->precision * (double)s->hi ||
	    s->steps >= s->max_steps || s->next == s->lo || s->next == 0)
		s->next = 0;
}
