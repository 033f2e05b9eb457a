/* Consensus messages that wait (multi-validator driver, specs/consensus.md §11): those of
 * the next height, kept until the node gets there (future), and those of the current
 * height held while the decided block before it still executes (held, in arrival order:
 * nothing is signed at a height whose previous block is not in the store). Both bounded;
 * what does not fit is freed (the core's resend brings it back). Consensus thread only. */
#ifndef NET_HOLD_H
#define NET_HOLD_H

#include "net_inbox.h"

#include <stddef.h>

/* Messages for the next height kept until the node gets there. */
#define NET_BFT_FUTURE_MAX 256
/* Messages of the next height held while the decided block before it executes (they reach
 * the core once it is stored); more are dropped (resend brings them back). */
#define NET_BFT_HELD_MAX NET_INBOX_MAX

typedef struct net_hold {
    net_inbox_item *future; /* a stack: the order does not matter across a height */
    size_t future_len;
    net_inbox_item *held, *held_tail; /* read by the driver: whether any is held */
    size_t held_len;
} net_hold;

/* Keeps it for a later height, or frees it if NET_BFT_FUTURE_MAX are kept. */
void net_hold_future(net_hold *q, net_inbox_item *it);
/* Detaches and returns the kept list (linked by next); the queue is then empty. */
net_inbox_item *net_hold_future_take(net_hold *q);
/* Holds it until the executor is done, or frees it if NET_BFT_HELD_MAX are held. */
void net_hold_held(net_hold *q, net_inbox_item *it);
/* The oldest held message, or NULL. */
net_inbox_item *net_hold_release(net_hold *q);
/* Frees everything kept or held. */
void net_hold_free(net_hold *q);

#endif
