/* The chain's executor thread (multi-validator driver): executes and commits each decided
 * block on its own thread while the consensus thread goes on to the next height, and
 * executes a valid proposal speculatively while the validators vote on it, so that once it
 * is decided only the synced write is left (specs/consensus.md §11, COMMIT). A committed
 * block leaves the pool and is published on the pub socket. It owns the chain's write
 * side while it holds a job; the consensus thread waits for it (net_exec_wait) before it
 * moves the chain by other means (block sync, a published record). */
#ifndef NET_EXEC_H
#define NET_EXEC_H

#include "net_block.h"
#include "net_inbox.h"
#include "net_node.h"

#include <nng/nng.h>

typedef struct net_exec net_exec;

/* Starts the thread: committed blocks are published on pub, and `wake` is woken after
 * each job (held messages and the next proposal wait for it). NULL if it cannot start. */
net_exec *net_exec_start(net_node *n, nng_socket pub, net_inbox *wake);
/* Finishes a block in hand (it was decided: the store must have it), ends the thread and
 * frees the executor. */
void net_exec_stop(net_exec *x);

/* The calls below take NULL for no executor (an observer's driver): always idle. */

/* Blocks until the executor is idle. */
void net_exec_wait(net_exec *x);
/* Blocks until no decided block is waiting to be stored. */
void net_exec_commit_wait(net_exec *x);
/* Whether a decided block is waiting to be stored. */
bool net_exec_committing(net_exec *x);
/* Starts executing k (copied) speculatively, if the executor is idle and has not done so
 * already. height_start: when its height started (for last_commit_ms). */
void net_exec_speculate(net_exec *x, const net_blk *k, uint64_t height_start);
/* Hands the decided block k (moved out: k is left unused) and its verified certificate
 * (taken) to the executor, which must be idle (net_exec_wait). */
void net_exec_commit(net_exec *x, net_blk *k, ldg_cert *cert, uint64_t height_start);
/* Drops a speculative result (the executor idle): the chain is about to be moved by
 * something else. */
void net_exec_spec_drop(net_exec *x);

#endif
