/* The consensus core's timeouts (multi-validator driver, specs/consensus.md §11): a fixed
 * table of the timers the core scheduled, and which of them are due. A PROPOSE timeout
 * that comes due while there is nothing to decide is deferred: it is looked at again every
 * NET_BFT_IDLE_CHECK_MS, and once there is work the proposer gets a whole propose timeout
 * from then. Consensus thread only. */
#ifndef NET_TIMERS_H
#define NET_TIMERS_H

#include "net_consensus.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Timers kept at once; when all are used, the one of the oldest (height, round) goes (the
 * core ignores stale timeouts anyway). */
#define NET_BFT_TIMERS 16

typedef struct net_timer {
    bool used;
    net_cons_timeout_kind kind;
    uint64_t height;
    uint32_t round;
    uint64_t due_ms;
    bool deferred; /* a PROPOSE timeout held while the chain was idle */
} net_timer;

typedef struct net_timers {
    net_timer t[NET_BFT_TIMERS];
} net_timers;

void net_timers_clear(net_timers *ts);
/* Schedules a timeout of kind for (height, round), due at due_ms. */
void net_timers_schedule(net_timers *ts, net_cons_timeout_kind kind, uint64_t height,
                         uint32_t round, uint64_t due_ms);
/* From slot *i on, the next timer due at now (mono ms): true with its TIMEOUT event in ev
 * (the timer is freed), *i past it; false once the table is done. has_work(ctx) says
 * whether there is anything to decide; propose_ms is the propose timeout. */
bool net_timers_next(net_timers *ts, size_t *i, uint64_t now, uint64_t propose_ms,
                     bool (*has_work)(void *ctx), void *ctx, net_cons_event *ev);

#endif
