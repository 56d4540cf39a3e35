/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_GEN_SEARCH_H
#define PCL_GEN_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The highest connection rate a server sustains without loss, found the way
 * a no-drop-rate search finds a packet rate (RFC 2544 26.1, TRex's NDR):
 * short steps, each opening connections at a fixed rate whatever the server
 * does (open loop), halving the interval between the highest rate that
 * passed and the lowest that failed until it is narrow enough.
 *
 * A step passes when the connections it lost are at most a share of those
 * it offered. Lost is everything but a clean completion: a failure, a
 * connection that completed only after a retransmission (a lost packet, as
 * a no-drop search counts it), one that completed late (more than a tenth
 * of the step after its end: the server fell behind and queued the rest,
 * which a server with a deep accept queue does instead of dropping), an
 * open skipped because every client was busy, and an open the generator
 * could not make by then either. A failed step names its limit: the
 * generator when its busiest worker was busy nearly all the time, or fell
 * behind its schedule while the port took every frame it was given (its
 * loop, or its share of a crowded CPU, was too slow); else the server (or
 * the link).
 */

/* A worker busy this share of a step's time or more was the limit. */
#define PCL_GEN_BUSY_LIMIT 0.9

enum pcl_gen_limit {
	PCL_GEN_LIMIT_none, /* passed */
	PCL_GEN_LIMIT_server,
	PCL_GEN_LIMIT_generator,
};

extern const char *const pcl_gen_limit_names[];

/* One step's figures, summed over the workers, then its verdict. */
struct pcl_gen_step {
	uint64_t rate;      /* offered connections/s */
	double secs;        /* how long it opened connections */
	uint64_t offered;   /* connections the schedule asked for */
	uint64_t completed; /* of them, completed */
	uint64_t rtx_conns; /* of those, after a retransmission */
	uint64_t late;      /* of the others, late */
	uint64_t behind;    /* opens not made on time */
	bool port_stalled;  /* the port refused frames at times, holding opens back */
	double gen_busy;    /* the busiest worker's busy share of the step, 0..1 */
	double gen_cycles;  /* generator busy cycles per completed connection */
	double synack_p50_us, synack_p99_us, conn_p50_us, conn_p99_us;
	/* the verdict, from pcl_gen_search_step */
	uint64_t lost;
	bool pass;
	enum pcl_gen_limit limit;
};

struct pcl_gen_search {
	double loss;      /* the share of its offered connections a step may lose */
	double precision; /* done when hi - lo <= precision * hi */
	unsigned int max_steps;
	unsigned int steps;
	uint64_t lo;    /* the highest rate that passed, 0 when none has */
	uint64_t hi;    /* the lowest that failed, or the untried upper bound */
	bool hi_failed; /* hi was tried */
	bool grow;      /* while nothing failed, double the rate rather than stop */
	enum pcl_gen_limit hi_limit;
	uint64_t next; /* the rate of the next step; 0 when the search is over */
};

/*
 * Starts a search below upper (> 0): the first step tries upper itself.
 * When it passes, the search ends there, unless grow (the bound was only an
 * estimate): then it doubles the rate until a step fails. Returns 0, or
 * -EINVAL for a bound of 0, a loss outside [0, 1), a precision outside
 * (0, 1) or no steps.
 */
int pcl_gen_search_init(struct pcl_gen_search *s, uint64_t upper, double loss, double precision,
			unsigned int max_steps, bool grow);

/* Judges st, the step just run at s->next, and sets s->next. */
void pcl_gen_search_step(struct pcl_gen_search *s, struct pcl_gen_step *st);

#endif
