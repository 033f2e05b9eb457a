#include "net_block.h"
#include "net_log.h"
#include "net_clock.h"
#include "net_mix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the block cache ---- */

net_blk *net_blk_find(net_blk_cache *c, const net_cons_block_id *id)
{
    for (size_t i = 0; i < NET_BLOCK_CACHE; i++)
        if (c->blocks[i].used && !memcmp(c->blocks[i].id.b, id->b, NET_CONS_BLOCK_ID_LEN))
            return &c->blocks[i];
    return NULL;
}

void net_blk_clear(net_blk *k)
{
    for (uint32_t i = 0; k->used && i < k->n; i++)
        free(k->txs[i]);
    free(k->txs);
    free(k->lens);
    free(k->refs);
    free(k->digests);
    memset(k, 0, sizeof *k);
}

net_blk *net_blk_put(net_blk_cache *c, const ldg_header *h, const uint8_t *const *txs,
                     const size_t *lens, const ldg_tx_ref *refs, uint32_t n,
                     const ldg_hash *digests, uint32_t nd)
{
    net_cons_block_id id;
    ldg_hash hh;
    ldg_header_hash(&hh, h);
    memcpy(id.b, hh.b, NET_CONS_BLOCK_ID_LEN);
    net_blk *k = net_blk_find(c, &id);
    if (k)
        return k;
    k = &c->blocks[0];
    for (size_t i = 0; i < NET_BLOCK_CACHE; i++) {
        if (!c->blocks[i].used) {
            k = &c->blocks[i];
            break;
        }
        if (c->blocks[i].stamp < k->stamp)
            k = &c->blocks[i];
    }
    net_blk_clear(k);
    k->used = true;
    k->id = id;
    k->h = *h;
    k->n = n;
    k->stamp = ++c->stamp;
    k->txs = calloc(n ? n : 1, sizeof *k->txs);
    k->lens = calloc(n ? n : 1, sizeof *k->lens);
    k->refs = malloc((n ? n : 1) * sizeof *k->refs);
    LDG_ASSERT(k->txs && k->lens && k->refs);
    if (n)
        memcpy(k->refs, refs, n * sizeof *refs);
    for (uint32_t i = 0; i < n; i++) {
        k->txs[i] = malloc(lens[i]);
        LDG_ASSERT(k->txs[i]);
        memcpy(k->txs[i], txs[i], lens[i]);
        k->lens[i] = lens[i];
    }
    k->nd = nd;
    k->digests = malloc((nd ? nd : 1) * sizeof *k->digests);
    LDG_ASSERT(k->digests);
    if (nd)
        memcpy(k->digests, digests, nd * sizeof *digests);
    return k;
}

void net_blk_copy(net_blk *dst, const net_blk *src)
{
    memset(dst, 0, sizeof *dst);
    dst->used = true;
    dst->id = src->id;
    dst->h = src->h;
    dst->n = src->n;
    dst->txs = calloc(src->n ? src->n : 1, sizeof *dst->txs);
    dst->lens = malloc((src->n ? src->n : 1) * sizeof *dst->lens);
    dst->refs = malloc((src->n ? src->n : 1) * sizeof *dst->refs);
    LDG_ASSERT(dst->txs && dst->lens && dst->refs);
    for (uint32_t i = 0; i < src->n; i++) {
        dst->txs[i] = malloc(src->lens[i]);
        LDG_ASSERT(dst->txs[i]);
        memcpy(dst->txs[i], src->txs[i], src->lens[i]);
        dst->lens[i] = src->lens[i];
        dst->refs[i] = src->refs[i];
    }
}

void net_blk_cache_free(net_blk_cache *c)
{
    for (size_t i = 0; i < NET_BLOCK_CACHE; i++)
        net_blk_clear(&c->blocks[i]);
}

/* ---- assembling a block from batches ---- */

#define SEEN_SLOTS (4u * LDG_BLOCK_TX_MAX)

void net_asm_init(net_asm *a)
{
    a->n = 0;
    a->bytes = 0;
    a->txs = malloc(LDG_BLOCK_TX_MAX * sizeof *a->txs);
    a->lens = malloc(LDG_BLOCK_TX_MAX * sizeof *a->lens);
    a->refs = malloc(LDG_BLOCK_TX_MAX * sizeof *a->refs);
    a->seen = calloc(SEEN_SLOTS, sizeof *a->seen);
    LDG_ASSERT(a->txs && a->lens && a->refs && a->seen);
}

void net_asm_free(net_asm *a)
{
    free(a->txs);
    free(a->lens);
    free(a->refs);
    free(a->seen);
}

/* Marks id seen; false if it was already. */
static bool asm_mark(net_asm *a, const ldg_hash *id)
{
    static const ldg_hash zero;
    for (uint32_t i = (uint32_t)(net_mix32(id->b) % SEEN_SLOTS);; i = (i + 1) % SEEN_SLOTS) {
        if (!memcmp(a->seen[i].b, zero.b, LDG_HASH_LEN)) {
            a->seen[i] = *id;
            return true;
        }
        if (!memcmp(a->seen[i].b, id->b, LDG_HASH_LEN))
            return false;
    }
}

/* Appends bt's transactions under the rule; if they would overflow the block limits,
 * appends nothing and returns false (when `strict`, the caller treats that as invalid). */
void net_pool_follow_limits(net_pool *pool, ldg_chain *chain)
{
    ldg_block_limits lim = ldg_chain_block_limits(chain);
    net_pool_set_batch_limits(pool, lim.max_txs, net_block_budget(&lim));
}

size_t net_block_budget(const ldg_block_limits *lim)
{
    const size_t room = LDG_BLOCK_SIZE_MAX - LDG_BLOCK_SIZE_SLACK;
    return lim->max_bytes < room ? (size_t)lim->max_bytes : room;
}

bool net_asm_add(net_asm *a, const net_batch *bt, uint64_t time_ms, const ldg_block_limits *lim,
                 uint32_t *added)
{
    const size_t budget = net_block_budget(lim);
    uint32_t n0 = a->n;
    size_t b0 = a->bytes;
    for (uint32_t i = 0; i < bt->n; i++) {
        /* Outside its expiry window at the block's time the handler would refuse it
         * (EXPIRED, EXPIRY_TOO_FAR): admission could see that, so it stays out. */
        if (bt->expiry[i] < time_ms || bt->expiry[i] - time_ms > LDG_TX_TTL_MS_MAX)
            continue;
        if (!asm_mark(a, &bt->refs[i].id))
            continue;
        if (a->n >= lim->max_txs || a->bytes + bt->lens[i] > budget) {
            /* Roll back this batch (its ids stay marked: harmless, the batch is left out). */
            a->n = n0;
            a->bytes = b0;
            *added = 0;
            return false;
        }
        a->txs[a->n] = bt->txs[i];
        a->lens[a->n] = bt->lens[i];
        a->refs[a->n] = bt->refs[i];
        a->bytes += bt->lens[i];
        a->n++;
    }
    *added = a->n - n0;
    return true;
}

/* ---- a block from batches: this node's proposal, a received one ---- */

static bool batch_fits_alone(const net_batch *bt, const ldg_block_limits *lim)
{
    if (bt->n > lim->max_txs)
        return false;
    size_t bytes = 0;
    for (uint32_t i = 0; i < bt->n; i++)
        bytes += bt->lens[i];
    return bytes <= net_block_budget(lim);
}

net_blk *net_blk_propose(net_blk_cache *c, net_pool *pool, ldg_chain *chain, uint64_t time_ms,
                         const ldg_pubkey *proposer, ldg_err *err)
{
    ldg_tip tip = ldg_chain_tip(chain);
    uint64_t block_time = net_clock_block_time(time_ms, tip.time_ms);
    /* The limits in force at the height proposed (from the state after the head). */
    ldg_block_limits lim = ldg_chain_block_limits(chain);
    net_asm a;
    net_asm_init(&a);
    ldg_hash *digests = malloc(LDG_BLOCK_TX_MAX * sizeof *digests);
    LDG_ASSERT(digests);
    uint32_t nd = 0;
    net_pool_lock(pool);
    for (net_batch *bt = net_pool_batches(pool); bt && nd < LDG_BLOCK_TX_MAX; bt = bt->next) {
        if (!net_pool_batch_live(pool, bt))
            continue; /* committed already (the store is collected lazily) */
        /* A batch made before the limits were lowered may not fit even an empty block:
         * it is passed over (its origin batches its transactions anew, net_pool_stale_own)
         * rather than stall every batch behind it, and before net_asm_add marks its ids. */
        if (!batch_fits_alone(bt, &lim))
            continue;
        uint32_t added;
        if (!net_asm_add(&a, bt, block_time, &lim, &added))
            break; /* full: the rest goes into the next block */
        if (added)
            digests[nd++] = bt->digest;
    }
    ldg_header h;
    *err = ldg_chain_propose_refs(chain, a.refs, a.lens, a.n, time_ms, proposer, &h);
    net_blk *k =
        *err == LDG_OK ? net_blk_put(c, &h, a.txs, a.lens, a.refs, a.n, digests, nd) : NULL;
    net_pool_unlock(pool);
    net_asm_free(&a);
    free(digests);
    return k;
}

void net_blk_receive(net_blk_cache *c, net_pool *pool, net_batch_rx *rx, const net_p2p_msg *m)
{
    uint32_t nd = m->digest_count;
    ldg_hash *dg = malloc((nd ? nd : 1) * sizeof *dg);
    LDG_ASSERT(dg);
    for (uint32_t i = 0; i < nd; i++)
        memcpy(dg[i].b, m->digests[i], LDG_HASH_LEN);
    uint32_t fetched = 0;
    for (uint32_t i = 0; i < nd; i++) {
        bool have = net_pool_has_batch(pool, &dg[i]);
        if (!have && !net_batch_rx_fetch(rx, &dg[i])) {
            net_p2p_log("proposal for height %llu: batch %02x%02x%02x%02x... not available",
                        (unsigned long long)m->header.height, dg[i].b[0], dg[i].b[1], dg[i].b[2],
                        dg[i].b[3]);
            free(dg);
            return;
        }
        fetched += !have;
    }
    net_asm a;
    net_asm_init(&a);
    bool ok = true;
    /* The ceilings: a proposal over the limits in force assembles, and ldg_chain_check
     * refuses it with its stable error (the same on every replica). */
    const ldg_block_limits ceil = {LDG_BLOCK_TX_MAX, LDG_BLOCK_SIZE_MAX};
    net_pool_lock(pool);
    for (uint32_t i = 0; ok && i < nd; i++) {
        const net_batch *bt = net_pool_batch_get(pool, &dg[i]);
        uint32_t added = 0;
        ok = bt && net_asm_add(&a, bt, m->header.time_ms, &ceil, &added) && added > 0;
    }
    if (ok && a.n == m->header.tx_count)
        net_blk_put(c, &m->header, a.txs, a.lens, a.refs, a.n, dg, nd);
    else
        net_p2p_log("proposal for height %llu does not assemble from its %u batches",
                    (unsigned long long)m->header.height, nd);
    net_pool_unlock(pool);
    net_asm_free(&a);
    free(dg);
    if (fetched)
        net_log(NET_LOG_INFO, "fetched %u missing batches by digest for height %llu", fetched,
                (unsigned long long)m->header.height);
}
