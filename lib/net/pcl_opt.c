/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "net/pcl_opt.h"

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

int
pcl_opt_parse_any(const uint8_t *p, unsigned int len, struct pcl_opts *o)
{
	unsigned int i = 0;

	o->present = 0;
	while (i < len) {
		uint8_t kind = p[i];
		uint8_t olen;

		if (kind == PCL_OPT_EOL)
			break;
		if (kind == PCL_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		switch (kind) {
		case PCL_OPT_MSS:
			if (olen != 4)
				return -EINVAL;
			o->mss = get16(p + i + 2);
			o->present |= PCL_OPTF_MSS;
			break;
		case PCL_OPT_WS:
			if (olen != 3)
				return -EINVAL;
			o->wscale = p[i + 2] > PCL_WS_MAX ? PCL_WS_MAX : p[i + 2];
			o->present |= PCL_OPTF_WS;
			break;
		case PCL_OPT_SACKOK:
			if (olen != 2)
				return -EINVAL;
			o->present |= PCL_OPTF_SACKOK;
			break;
		case PCL_OPT_SACK: {
			unsigned int k,
				nb = RTE_MIN((olen - 2u) / 8, (unsigned int)PCL_SACK_MAX_BLOCKS);

			/* As Linux: a SACK option of an impossible length is ignored, not fatal. */
			if (olen < 10 || (olen - 2u) % 8 != 0)
				break;
			for (k = 0; k < nb; k++) {
				o->sack[k].left = pcl_opt_get32(p + i + 2 + 8 * k);
				o->sack[k].right = pcl_opt_get32(p + i + 6 + 8 * k);
			}
			o->nsack = (uint8_t)nb;
			o->present |= PCL_OPTF_SACK;
			break;
		}
		case PCL_OPT_TS:
			if (olen != 10)
				return -EINVAL;
			o->tsval = pcl_opt_get32(p + i + 2);
			o->tsecr = pcl_opt_get32(p + i + 6);
			o->present |= PCL_OPTF_TS;
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

unsigned int
pcl_opt_build_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	p[0] = PCL_OPT_NOP;
	p[1] = PCL_OPT_NOP;
	p[2] = PCL_OPT_TS;
	p[3] = 10;
	put32(p + 4, tsval);
	put32(p + 8, tsecr);
	return PCL_OPT_TS_LEN;
}

unsigned int
pcl_opt_build_synack(uint8_t *p, const struct pcl_synack_opts *o)
{
	uint8_t *s = p;

	*p++ = PCL_OPT_MSS;
	*p++ = 4;
	*p++ = o->mss >> 8;
	*p++ = o->mss & 0xff;
	if (o->present & PCL_OPTF_TS) {
		pcl_opt_build_ts(p, o->tsval, o->tsecr);
		if (o->present & PCL_OPTF_SACKOK) {
			/* SACKOK takes the two NOPs' place. */
			p[0] = PCL_OPT_SACKOK;
			p[1] = 2;
		}
		p += PCL_OPT_TS_LEN;
	} else if (o->present & PCL_OPTF_SACKOK) {
		*p++ = PCL_OPT_NOP;
		*p++ = PCL_OPT_NOP;
		*p++ = PCL_OPT_SACKOK;
		*p++ = 2;
	}
	if (o->present & PCL_OPTF_WS) {
		*p++ = PCL_OPT_NOP;
		*p++ = PCL_OPT_WS;
		*p++ = 3;
		*p++ = o->wscale;
	}
	return (unsigned int)(p - s);
}
