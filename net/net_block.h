/* Blocks of the multi-validator driver before they are stored: the block cache (proposed
 * or received blocks kept for validation and commit, the least recently added replaced)
 * and the one rule by which a block's transactions are assembled from its batches. Owned
 * by the consensus thread; a block handed to the executor (net_exec.h) is moved or copied
 * out of the cache. */
#ifndef NET_BLOCK_H
#define NET_BLOCK_H

#include "net_batch_rx.h"
#include "net_consensus.h"
#include "net_p2p.h"
#include "net_pool.h"

#include "ldg_chain.h"

/* Proposed or received blocks kept for validation and commit. */
#define NET_BLOCK_CACHE 8

typedef struct net_blk {
    bool used;
    net_cons_block_id id;
    ldg_header h;
    uint32_t n;
    uint8_t **txs;
    size_t *lens;
    ldg_tx_ref *refs; /* from the batches (taken when each was admitted or received) */
    uint32_t nd;      /* the batches the transactions were assembled from */
    ldg_hash *digests;
    uint64_t stamp;
} net_blk;

typedef struct net_blk_cache {
    net_blk blocks[NET_BLOCK_CACHE];
    uint64_t stamp;
} net_blk_cache;

net_blk *net_blk_find(net_blk_cache *c, const net_cons_block_id *id);
/* The cached block of header h (its id is h's hash), copied in if it is not there yet. */
net_blk *net_blk_put(net_blk_cache *c, const ldg_header *h, const uint8_t *const *txs,
                     const size_t *lens, const ldg_tx_ref *refs, uint32_t n,
                     const ldg_hash *digests, uint32_t nd);
/* Frees what k holds and marks it unused. */
void net_blk_clear(net_blk *k);
/* A deep copy of src's header and transactions (not its batch digests). */
void net_blk_copy(net_blk *dst, const net_blk *src);
void net_blk_cache_free(net_blk_cache *c);

/* The transactions of a proposal are those of its batches in order, keeping the first of
 * duplicates and leaving out any expired at the block's time. Every validator applies the
 * same rule to the same batches, so the transaction root in the header decides. The
 * transactions are borrowed from the pool's batches (hold the pool's lock). */
typedef struct net_asm {
    uint32_t n;
    const uint8_t **txs;
    size_t *lens;
    ldg_tx_ref *refs;
    size_t bytes;
    ldg_hash *seen; /* open addressing */
} net_asm;

void net_asm_init(net_asm *a);
void net_asm_free(net_asm *a);
/* Appends bt's transactions under the rule; if they would overflow the block limits,
 * appends nothing and returns false. *added: how many were appended. */
bool net_asm_add(net_asm *a, const net_batch *bt, uint64_t time_ms, const ldg_block_limits *lim,
                 uint32_t *added);
/* The transaction bytes a proposer puts into a block under lim: lim's max_bytes, and room
 * for the block's own encoding below LDG_BLOCK_SIZE_MAX (LDG_BLOCK_SIZE_SLACK). */
size_t net_block_budget(const ldg_block_limits *lim);
/* Own batches from now on fit one block under the limits in force for the chain's next
 * block (net_pool_set_batch_limits); after each commit and at start. */
void net_pool_follow_limits(net_pool *pool, ldg_chain *chain);

/* This node's proposal: the pool's live batches in order, as many as the block limits
 * take, at the block time of time_ms after the tip (net_clock.h), put in the cache. NULL
 * with *err if the chain refuses to propose. */
net_blk *net_blk_propose(net_blk_cache *c, net_pool *pool, ldg_chain *chain, uint64_t time_ms,
                         const ldg_pubkey *proposer, ldg_err *err);
/* A received proposal's block (the caller checked that it is genuine and new and builds on
 * the decided tip): assembled from the batches its digests name (missing ones fetched by
 * digest through rx) into the cache. Nothing is cached if a batch cannot be had or the
 * rule is broken: the validation then fails and this validator prevotes nil. */
void net_blk_receive(net_blk_cache *c, net_pool *pool, net_batch_rx *rx, const net_p2p_msg *m);

#endif
