/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the input is one Ethernet frame, fed to the worker as
 * received. Every parse, drop and reply path for a single frame; the
 * worker's state is reset after each.
 */
#include "fuzz_worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m = fz_mbuf(data, size);

	if (m != NULL)
		fz_input(m);
	fz_reset();
	return 0;
}
