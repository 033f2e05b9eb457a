/* The mempool: verified transactions waiting for a block, in arrival order, bounded by
 * LDG_MEMPOOL_TX_MAX. Thread-safe: RPC threads add, the consensus thread takes from the
 * front. Only the consensus thread removes, so pointers returned by peek stay valid until
 * it calls remove_front. */
#ifndef NET_MEMPOOL_H
#define NET_MEMPOOL_H

#include "ldg_hash.h"
#include "ldg_result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct net_mempool net_mempool;

typedef struct net_pending {
    ldg_hash id;
    uint8_t *wire; /* owned by the mempool */
    size_t len;
    uint64_t expiry_ms;
} net_pending;

net_mempool *net_mempool_new(size_t cap);
void net_mempool_free(net_mempool *mp);
/* Takes ownership of wire on LDG_R_OK only. LDG_R_REPLAY if the id is pending,
 * LDG_R_MEMPOOL_FULL at the cap. */
ldg_result net_mempool_add(net_mempool *mp, const ldg_hash *id, uint8_t *wire, size_t len,
                           uint64_t expiry_ms);
bool net_mempool_contains(net_mempool *mp, const ldg_hash *id);
size_t net_mempool_size(net_mempool *mp);
/* Copies up to max entries from the front into out; returns the count. */
size_t net_mempool_peek(net_mempool *mp, net_pending *out, size_t max);
/* Drops the first n entries (those peeked), freeing their bytes. */
void net_mempool_remove_front(net_mempool *mp, size_t n);
/* Waits until the pool is non-empty or timeout_ms passes; returns the size. */
size_t net_mempool_wait(net_mempool *mp, int timeout_ms);
/* Wakes waiters (shutdown). */
void net_mempool_wake(net_mempool *mp);

#endif
