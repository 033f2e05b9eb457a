/* The pool and the batch store (net_pool.h). */
#include "net_pool.h"
#include "net_clock.h"
#include "net_mix.h"
#include "net_p2p.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TX_BUCKETS (1u << 17)
#define BATCH_BUCKETS (1u << 14)

struct net_wire {
    _Atomic uint32_t refs;
    size_t len;
    uint8_t b[];
};

typedef struct entry {
    ldg_hash id;
    net_wire *w;
    uint64_t expiry_ms;
    bool unsent; /* admitted here, not yet broadcast in a batch */
    struct entry *prev, *next, *hnext;
} entry;

struct net_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t cap;
    entry **buckets;
    entry *head, *tail;
    size_t count, unsent;
    net_batch **bbuckets;
    net_batch *bhead, *btail;
    size_t bcount;
    /* Own batches at most (net_pool_set_batch_limits): a batch larger than the block
     * limits in force could never be proposed (blocks take whole batches). */
    uint32_t batch_txs;
    size_t batch_bytes;
};

/* ---- shared bytes ---- */

static net_wire *wire_new(const uint8_t *b, size_t len)
{
    net_wire *w = malloc(sizeof *w + len);
    LDG_ASSERT(w);
    atomic_init(&w->refs, 1);
    w->len = len;
    memcpy(w->b, b, len);
    return w;
}

static net_wire *wire_ref(net_wire *w)
{
    atomic_fetch_add(&w->refs, 1);
    return w;
}

static void wire_unref(net_wire *w)
{
    if (w && atomic_fetch_sub(&w->refs, 1) == 1)
        free(w);
}

/* ---- transactions ---- */

net_pool *net_pool_new(size_t cap)
{
    net_pool *p = calloc(1, sizeof *p);
    LDG_ASSERT(p && cap > 0);
    p->cap = cap;
    p->batch_txs = NET_P2P_BATCH_TX_MAX;
    p->batch_bytes = NET_P2P_BATCH_SIZE_MAX;
    p->buckets = calloc(TX_BUCKETS, sizeof *p->buckets);
    p->bbuckets = calloc(BATCH_BUCKETS, sizeof *p->bbuckets);
    LDG_ASSERT(p->buckets && p->bbuckets);
    pthread_mutex_init(&p->lock, NULL);
    net_clock_cond_init(&p->cond); /* waits ignore wall clock steps */
    return p;
}

static entry **tx_slot(net_pool *p, const ldg_hash *id)
{
    entry **s = &p->buckets[net_mix32(id->b) & (TX_BUCKETS - 1)];
    while (*s && memcmp((*s)->id.b, id->b, LDG_HASH_LEN) != 0)
        s = &(*s)->hnext;
    return s;
}

/* Takes the reference w. False (w not taken) if the id is pending or the pool is full. */
static ldg_result add_locked(net_pool *p, const ldg_hash *id, net_wire *w, uint64_t expiry,
                             bool own)
{
    entry **s = tx_slot(p, id);
    if (*s)
        return LDG_R_REPLAY;
    if (p->count >= p->cap)
        return LDG_R_MEMPOOL_FULL;
    entry *e = calloc(1, sizeof *e);
    LDG_ASSERT(e);
    e->id = *id;
    e->w = w;
    e->expiry_ms = expiry;
    e->unsent = own;
    *s = e;
    e->prev = p->tail;
    if (p->tail)
        p->tail->next = e;
    else
        p->head = e;
    p->tail = e;
    p->count++;
    p->unsent += own;
    pthread_cond_broadcast(&p->cond);
    return LDG_R_OK;
}

static void unlink_locked(net_pool *p, entry *e)
{
    entry **s = tx_slot(p, &e->id);
    LDG_ASSERT(*s == e);
    *s = e->hnext;
    if (e->prev)
        e->prev->next = e->next;
    else
        p->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        p->tail = e->prev;
    p->count--;
    p->unsent -= e->unsent;
    wire_unref(e->w);
    free(e);
}

ldg_result net_pool_add(net_pool *p, const ldg_hash *id, const uint8_t *wire, size_t len,
                        uint64_t expiry_ms, bool own)
{
    net_wire *w = wire_new(wire, len);
    pthread_mutex_lock(&p->lock);
    ldg_result r = add_locked(p, id, w, expiry_ms, own);
    pthread_mutex_unlock(&p->lock);
    if (r != LDG_R_OK)
        wire_unref(w);
    return r;
}

net_pool_match net_pool_find(net_pool *p, const ldg_hash *id, const uint8_t *wire, size_t len)
{
    pthread_mutex_lock(&p->lock);
    const entry *e = *tx_slot(p, id);
    net_pool_match m = !e                                                    ? NET_POOL_ABSENT
                       : e->w->len == len && memcmp(e->w->b, wire, len) == 0 ? NET_POOL_SAME
                                                                             : NET_POOL_OTHER;
    pthread_mutex_unlock(&p->lock);
    return m;
}

net_pool_match net_pool_probe(void *pool, const ldg_hash *id, const uint8_t *wire, size_t len)
{
    return net_pool_find(pool, id, wire, len);
}

bool net_pool_has(net_pool *p, const ldg_hash *id)
{
    pthread_mutex_lock(&p->lock);
    bool found = *tx_slot(p, id) != NULL;
    pthread_mutex_unlock(&p->lock);
    return found;
}

size_t net_pool_size(net_pool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

size_t net_pool_front(net_pool *p, net_pool_tx *out, size_t max)
{
    size_t k = 0;
    pthread_mutex_lock(&p->lock);
    for (entry *e = p->head; e && k < max; e = e->next, k++)
        out[k] = (net_pool_tx){.id = e->id,
                               .wire = e->w->b,
                               .len = e->w->len,
                               .expiry_ms = e->expiry_ms,
                               .ref = wire_ref(e->w)};
    pthread_mutex_unlock(&p->lock);
    return k;
}

void net_pool_release(net_pool_tx *txs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wire_unref(txs[i].ref);
}

void net_pool_remove(net_pool *p, const ldg_hash *ids, size_t n)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        entry *e = *tx_slot(p, &ids[i]);
        if (e)
            unlink_locked(p, e);
    }
    pthread_mutex_unlock(&p->lock);
}

void net_pool_remove_refs(net_pool *p, const ldg_tx_ref *refs, size_t n)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        entry *e = *tx_slot(p, &refs[i].id);
        if (e)
            unlink_locked(p, e);
    }
    pthread_mutex_unlock(&p->lock);
}

void net_pool_remove_wires(net_pool *p, const uint8_t *const *txs, const size_t *lens, uint32_t n)
{
    ldg_hash *ids = malloc((n ? n : 1) * sizeof *ids);
    LDG_ASSERT(ids);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        ldg_tx tx;
        if (ldg_tx_decode(&tx, txs[i], lens[i]) != LDG_R_OK)
            continue;
        ids[k++] = tx.id;
        ldg_tx_free(&tx);
    }
    net_pool_remove(p, ids, k);
    free(ids);
}

size_t net_pool_wait(net_pool *p, int timeout_ms)
{
    struct timespec ts = net_clock_cond_deadline(timeout_ms > 0 ? (uint64_t)timeout_ms : 0);
    pthread_mutex_lock(&p->lock);
    if (p->count == 0)
        pthread_cond_timedwait(&p->cond, &p->lock, &ts);
    size_t n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void net_pool_wake(net_pool *p)
{
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

/* ---- batches ---- */

static net_batch **batch_slot(net_pool *p, const ldg_hash *d)
{
    net_batch **s = &p->bbuckets[net_mix32(d->b) & (BATCH_BUCKETS - 1)];
    while (*s && memcmp((*s)->digest.b, d->b, LDG_HASH_LEN) != 0)
        s = &(*s)->hnext;
    return s;
}

static void batch_free(net_batch *bt)
{
    for (uint32_t i = 0; i < bt->n; i++)
        wire_unref(bt->wires[i]);
    free(bt->wires);
    free(bt->txs);
    free(bt->lens);
    free(bt->refs);
    free(bt->expiry);
    free(bt);
}

/* A batch of n transactions whose buffers (references taken over), refs and expiries the
 * caller fills; the digest once they are in. */
static net_batch *batch_alloc(uint32_t n)
{
    net_batch *bt = calloc(1, sizeof *bt);
    LDG_ASSERT(bt);
    size_t m = n ? n : 1;
    bt->n = n;
    bt->wires = calloc(m, sizeof *bt->wires);
    bt->txs = calloc(m, sizeof *bt->txs);
    bt->lens = calloc(m, sizeof *bt->lens);
    bt->refs = calloc(m, sizeof *bt->refs);
    bt->expiry = calloc(m, sizeof *bt->expiry);
    LDG_ASSERT(bt->wires && bt->txs && bt->lens && bt->refs && bt->expiry);
    return bt;
}

static void batch_set(net_batch *bt, uint32_t i, net_wire *w, const ldg_tx_ref *ref,
                      uint64_t expiry)
{
    bt->wires[i] = w;
    bt->txs[i] = w->b;
    bt->lens[i] = w->len;
    bt->refs[i] = *ref;
    bt->expiry[i] = expiry;
}

/* Takes ownership of bt if it returns true (false: known already, or the store is full). */
static bool store_add_locked(net_pool *p, net_batch *bt)
{
    if (p->bcount >= NET_POOL_BATCHES_MAX)
        return false;
    net_batch **s = batch_slot(p, &bt->digest);
    if (*s)
        return false;
    *s = bt;
    bt->prev = p->btail;
    if (p->btail)
        p->btail->next = bt;
    else
        p->bhead = bt;
    p->btail = bt;
    p->bcount++;
    return true;
}

static void store_unlink_locked(net_pool *p, net_batch *bt)
{
    net_batch **s = batch_slot(p, &bt->digest);
    LDG_ASSERT(*s == bt);
    *s = bt->hnext;
    if (bt->prev)
        bt->prev->next = bt->next;
    else
        p->bhead = bt->next;
    if (bt->next)
        bt->next->prev = bt->prev;
    else
        p->btail = bt->prev;
    p->bcount--;
    batch_free(bt);
}

bool net_pool_ingest(net_pool *p, const uint8_t *const *txs, const size_t *lens,
                     const net_admitted *ad, uint32_t n, const ldg_hash *expect)
{
    net_batch *bt = batch_alloc(n);
    for (uint32_t i = 0; i < n; i++)
        bt->refs[i] = ad[i].ref;
    net_p2p_batch_digest(&bt->digest, bt->refs, n);
    if (expect && memcmp(bt->digest.b, expect->b, LDG_HASH_LEN) != 0) {
        bt->n = 0;
        batch_free(bt);
        return false;
    }
    pthread_mutex_lock(&p->lock);
    if (*batch_slot(p, &bt->digest)) {
        pthread_mutex_unlock(&p->lock);
        bt->n = 0;
        batch_free(bt);
        return true;
    }
    for (uint32_t i = 0; i < n; i++) {
        entry *e = *tx_slot(p, &ad[i].ref.id);
        bool same = e && e->w->len == lens[i] && memcmp(e->w->b, txs[i], lens[i]) == 0;
        net_wire *w = same ? wire_ref(e->w) : wire_new(txs[i], lens[i]);
        batch_set(bt, i, w, &ad[i].ref, ad[i].expiry_ms);
        if (ad[i].fresh && !e &&
            add_locked(p, &ad[i].ref.id, wire_ref(w), ad[i].expiry_ms, false) != LDG_R_OK)
            wire_unref(w);
    }
    if (!store_add_locked(p, bt))
        batch_free(bt);
    pthread_mutex_unlock(&p->lock);
    return true;
}

/* The oldest unsent entry: walk back from the tail until every unsent entry is behind.
 * (Unsent entries gather at the tail, but a peer's transaction may arrive between two of
 * them: the walk counts unsent entries, not positions.) Lock held, p->unsent > 0. */
static entry *first_unsent(net_pool *p)
{
    entry *e = p->tail;
    size_t seen = e->unsent;
    while (e->prev && seen < p->unsent) {
        e = e->prev;
        seen += e->unsent;
    }
    while (e && !e->unsent)
        e = e->next;
    return e;
}

bool net_pool_take_unsent(net_pool *p, uint64_t now_ms, uint64_t origin, ldg_enc *e)
{
    pthread_mutex_lock(&p->lock);
    if (p->unsent == 0) {
        pthread_mutex_unlock(&p->lock);
        return false;
    }
    entry *first = first_unsent(p);
    uint32_t m = 0;
    size_t bytes = 0;
    for (entry *x = first; x && m < p->batch_txs; x = x->next) {
        if (!x->unsent)
            continue;
        if (bytes + x->w->len > p->batch_bytes)
            break;
        bytes += x->w->len;
        m++;
    }
    if (m == 0) {
        p->unsent = 0; /* cannot happen; never spin */
        pthread_mutex_unlock(&p->lock);
        return false;
    }
    net_batch *bt = batch_alloc(m);
    uint32_t i = 0;
    for (entry *x = first; x && i < m; x = x->next) {
        if (!x->unsent)
            continue;
        ldg_tx_ref ref = {.id = x->id};
        ldg_tx_wire_sig(&ref.sig, x->w->b, x->w->len);
        batch_set(bt, i++, wire_ref(x->w), &ref, x->expiry_ms);
        x->unsent = false;
        p->unsent--;
    }
    net_p2p_batch_digest(&bt->digest, bt->refs, m);
    bt->own = true;
    bt->sent_ms = now_ms;
    ldg_enc_reset(e);
    net_p2p_enc_batch(e, origin, bt->txs, bt->lens, m);
    if (!store_add_locked(p, bt))
        batch_free(bt);
    pthread_mutex_unlock(&p->lock);
    return true;
}

void net_pool_set_batch_limits(net_pool *p, uint32_t max_txs, size_t max_bytes)
{
    pthread_mutex_lock(&p->lock);
    p->batch_txs = max_txs < NET_P2P_BATCH_TX_MAX ? max_txs : NET_P2P_BATCH_TX_MAX;
    p->batch_bytes = max_bytes < NET_P2P_BATCH_SIZE_MAX ? max_bytes : NET_P2P_BATCH_SIZE_MAX;
    if (p->batch_txs == 0)
        p->batch_txs = 1; /* never an empty batch */
    if (p->batch_bytes < LDG_TX_SIZE_MAX)
        p->batch_bytes = LDG_TX_SIZE_MAX; /* one transaction of any size fits */
    pthread_mutex_unlock(&p->lock);
}

bool net_pool_batch_live(net_pool *p, const net_batch *bt)
{
    for (uint32_t i = 0; i < bt->n; i++)
        if (*tx_slot(p, &bt->refs[i].id))
            return true;
    return false;
}

/* Whether an own batch is larger than the batch limits now (made before a lowering of the
 * block limits). Lock held. */
static bool batch_oversized(const net_pool *p, const net_batch *bt)
{
    if (bt->n > p->batch_txs)
        return true;
    if (p->batch_bytes >= NET_P2P_BATCH_SIZE_MAX)
        return false; /* every batch was made within this */
    size_t bytes = 0;
    for (uint32_t i = 0; i < bt->n; i++)
        bytes += bt->lens[i];
    return bytes > p->batch_bytes;
}

/* Its pending transactions are sent again in batches that fit (net_pool_take_unsent); the
 * batch itself is no longer this node's to resend. Lock held. */
static void batch_resplit(net_pool *p, net_batch *bt)
{
    for (uint32_t i = 0; i < bt->n; i++) {
        entry *x = *tx_slot(p, &bt->refs[i].id);
        if (x && !x->unsent) {
            x->unsent = true;
            p->unsent++;
        }
    }
    bt->own = false;
}

uint32_t net_pool_stale_own(net_pool *p, uint64_t now_ms, uint64_t resend_ms, uint64_t origin,
                            ldg_enc *e, uint32_t max)
{
    uint32_t k = 0;
    pthread_mutex_lock(&p->lock);
    for (net_batch *bt = p->bhead; bt && k < max; bt = bt->next) {
        if (bt->own && batch_oversized(p, bt)) {
            batch_resplit(p, bt);
            continue;
        }
        if (!bt->own || now_ms - bt->sent_ms < resend_ms || !net_pool_batch_live(p, bt))
            continue;
        bt->sent_ms = now_ms;
        ldg_enc_reset(&e[k]);
        net_p2p_enc_batch(&e[k], origin, bt->txs, bt->lens, bt->n);
        k++;
    }
    pthread_mutex_unlock(&p->lock);
    return k;
}

void net_pool_enc_batch_rep(net_pool *p, const ldg_hash *digest, ldg_enc *e)
{
    pthread_mutex_lock(&p->lock);
    net_batch *bt = *batch_slot(p, digest);
    if (bt)
        net_p2p_enc_batch_rep(e, digest, bt->txs, bt->lens, bt->n);
    else
        net_p2p_enc_batch_rep(e, digest, NULL, NULL, 0);
    pthread_mutex_unlock(&p->lock);
}

bool net_pool_has_batch(net_pool *p, const ldg_hash *digest)
{
    pthread_mutex_lock(&p->lock);
    bool have = *batch_slot(p, digest) != NULL;
    pthread_mutex_unlock(&p->lock);
    return have;
}

void net_pool_gc(net_pool *p, uint64_t now_ms)
{
    pthread_mutex_lock(&p->lock);
    for (entry *e = p->head, *next; e; e = next) {
        next = e->next;
        if (e->expiry_ms < now_ms)
            unlink_locked(p, e);
    }
    for (net_batch *bt = p->bhead, *next; bt; bt = next) {
        next = bt->next;
        if (!net_pool_batch_live(p, bt))
            store_unlink_locked(p, bt);
    }
    pthread_mutex_unlock(&p->lock);
}

void net_pool_clear(net_pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->head)
        unlink_locked(p, p->head);
    while (p->bhead)
        store_unlink_locked(p, p->bhead);
    pthread_mutex_unlock(&p->lock);
}

void net_pool_free(net_pool *p)
{
    if (!p)
        return;
    net_pool_clear(p);
    free(p->buckets);
    free(p->bbuckets);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p);
}

void net_pool_lock(net_pool *p)
{
    pthread_mutex_lock(&p->lock);
}

void net_pool_unlock(net_pool *p)
{
    pthread_mutex_unlock(&p->lock);
}

net_batch *net_pool_batches(net_pool *p)
{
    return p->bhead;
}

net_batch *net_pool_batch_get(net_pool *p, const ldg_hash *digest)
{
    return *batch_slot(p, digest);
}
