/* The proposer's side of the multi-validator driver (specs/consensus.md §11, §16): the
 * value the core asked for (height, round, since when), and whether there is anything to
 * decide, which needs what the other validators are doing: who was heard from lately (for
 * the node's status) and who is at work on which height. Consensus thread only. */
#ifndef NET_PROPOSE_H
#define NET_PROPOSE_H

#include "net_consensus.h"
#include "net_node.h"
#include "net_pool.h"

#include <stdbool.h>
#include <stdint.h>

/* A proposer with nothing to propose asks again this often whether a module has work due
 * or a heartbeat is (net_clock.h); there are no other empty blocks. */
#define NET_BFT_IDLE_CHECK_MS 100

typedef struct net_propose {
    /* read by the driver: the core asked for a value (ACT_REQUEST_VALUE) for want_h/want_r */
    bool want;
    uint64_t want_h;
    uint32_t want_r;
    /* private */
    net_node *n;
    net_pool *pool;
    uint64_t want_since;
    uint64_t idle_checked; /* mono ms of the last has_work() while idle */
    /* Other validators at work on height act_h: who sent a valid message for it, and
     * whether one was a proposal. */
    uint64_t act_h;
    uint64_t act_mask;
    bool act_proposal;
    uint64_t heard_ms[NET_CONS_VALIDATORS_MAX]; /* last verified message from each */
} net_propose;

void net_propose_init(net_propose *p, net_node *n, net_pool *pool);
/* The core asks for a value at (h, r); now in mono ms. */
void net_propose_want(net_propose *p, uint64_t h, uint32_t r, uint64_t now);
/* Notes a message the core accepted (or had already) from m->validator. */
void net_propose_heard(net_propose *p, const net_cons_msg *m, uint64_t now);
/* Publishes the core's status st in the node's status: the round, the last proposer, and
 * the validators of nval heard from in the last 1.5 s and self (their count, and their bit
 * mask for the first 64). */
void net_propose_publish(const net_propose *p, const net_cons_status *st, uint32_t nval,
                         uint64_t now);
/* Whether there is anything to decide after height decided (net_clock.h): pending
 * transactions, a forced block, module work due, a heartbeat, or others at work on a later
 * height: a proposal, or messages from f + 1 of nval validators (they may hold
 * transactions whose batch has not reached this node; one validator alone, its clock
 * wrong, cannot keep an idle chain busy). */
bool net_propose_has_work(net_propose *p, uint64_t decided, uint32_t nval);
/* Whether to propose now, for the value wanted: there is work (asked at most every
 * NET_BFT_IDLE_CHECK_MS while idle), and a burst had LDG_BLOCK_INTERVAL_MS / 4 to gather
 * unless a block is full. Clears a forced block's flag when it says yes. */
bool net_propose_ready(net_propose *p, uint64_t decided, uint32_t nval, uint64_t now);

#endif
