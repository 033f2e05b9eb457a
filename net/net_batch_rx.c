#include "net_batch_rx.h"
#include "net_log.h"
#include "net_inbox.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef net_inbox_item qitem; /* a received message (net_inbox.h) */

struct net_batch_rx {
    net_node *n;
    net_pool *pool;
    net_p2p_peers *peers; /* the identity of each connection (its certificate) */
    nng_socket batch, req;
    _Atomic bool observer; /* changed by net_batch_rx_validator */
    pthread_t th;
    bool th_on;
    _Atomic bool syncing;
    /* Batches broadcast to this node while it syncs are kept unverified (receiver thread
     * only) and ingested once it has caught up: by then most are committed, and their
     * signatures need no check (see drain_deferred). */
    qitem *deferred, *deferred_tail; /* oldest first */
    size_t deferred_len, deferred_bytes;
    uint64_t deferred_dropped;
    bool test_drop_batches; /* FOLIO_TEST_DROP_BATCHES: ignore broadcast batches (tests) */
    ldg_enc enc;            /* fetch requests (consensus thread) */
};

/* The id and signature of a transaction's wire bytes (false if they do not decode). */
static bool wire_ref(const uint8_t *wire, size_t len, ldg_tx_ref *ref)
{
    ldg_tx tx;
    if (ldg_tx_decode(&tx, wire, len) != LDG_R_OK)
        return false;
    *ref = ldg_tx_ref_of(&tx);
    ldg_tx_free(&tx);
    return true;
}

/* A batch from a peer (or fetched by digest): the whole batch passes admission
 * (net_admit_batch: the checks a client's submission passes, signature last, a signature
 * skipped only where the pool holds these very bytes) or it is dropped. A transaction whose
 * id is pooled with other bytes is verified like a new one, and the pool keeps its first
 * copy. Good batches go to the store and their fresh transactions to the pool. If expect is
 * given the batch must have that digest. */
static bool ingest_batch(net_batch_rx *b, const uint8_t *const *txs, const size_t *lens, uint32_t n,
                         uint64_t origin, const ldg_hash *expect)
{
    net_admitted *ad = malloc((n ? n : 1) * sizeof *ad);
    LDG_ASSERT(ad);
    uint32_t bad = 0;
    ldg_result r = net_admit_batch(b->n->admit, txs, lens, n, ad, &bad);
    bool ok = r == LDG_R_OK && net_pool_ingest(b->pool, txs, lens, ad, n, expect);
    if (r != LDG_R_OK)
        net_p2p_log("batch from node %llu: transaction %u of %u refused (%s: %s): batch dropped",
                    (unsigned long long)origin, bad, n, ldg_result_name(r), ldg_result_text(r));
    else if (!ok)
        net_p2p_log("batch from node %llu: not the digest asked for: batch dropped",
                    (unsigned long long)origin);
    free(ad);
    return ok;
}

/* A batch received while this node syncs: kept as received, within
 * NET_BFT_DEFERRED_BYTES_MAX (the oldest go first; they are the likeliest to be committed
 * by the time the node has caught up, and a proposal that needs one fetches it again). */
static void defer_batch(net_batch_rx *b, qitem *it)
{
    it->next = NULL;
    if (b->deferred_tail)
        b->deferred_tail->next = it;
    else
        b->deferred = it;
    b->deferred_tail = it;
    b->deferred_len++;
    b->deferred_bytes += nng_msg_len(it->raw);
    while (b->deferred_bytes > NET_BFT_DEFERRED_BYTES_MAX && b->deferred != it) {
        qitem *old = b->deferred;
        b->deferred = old->next;
        b->deferred_len--;
        b->deferred_bytes -= nng_msg_len(old->raw);
        b->deferred_dropped++;
        net_inbox_item_free(old);
    }
}

/* True if every transaction of the batch is committed in our store: such a batch adds
 * nothing to the pool and no proposal can use it, so it is dropped unverified. */
static bool batch_committed(net_batch_rx *b, const net_p2p_msg *m)
{
    for (uint32_t i = 0; i < m->tx_count; i++) {
        ldg_tx_ref ref;
        uint64_t h;
        uint32_t idx;
        if (!wire_ref(m->txs[i], m->tx_lens[i], &ref) ||
            ldg_chain_find_tx(b->n->chain, &ref.id, &h, &idx) != LDG_OK)
            return false;
    }
    return m->tx_count > 0;
}

/* After a sync: the batches deferred meanwhile, newest first (those are the ones the next
 * proposals carry). Batches wholly committed are dropped; the others are ingested as if
 * they had just arrived (every signature verified). */
static void drain_deferred(net_batch_rx *b)
{
    size_t n = b->deferred_len, skipped = 0;
    qitem **v = malloc((n ? n : 1) * sizeof *v);
    LDG_ASSERT(v);
    size_t k = 0;
    for (qitem *it = b->deferred; it; it = it->next)
        v[k++] = it;
    LDG_ASSERT(k == n);
    b->deferred = b->deferred_tail = NULL;
    b->deferred_len = b->deferred_bytes = 0;
    for (size_t i = n; i-- > 0;) {
        qitem *it = v[i];
        if (atomic_load(&b->n->stopping))
            ;
        else if (batch_committed(b, &it->m))
            skipped++;
        else if (!ingest_batch(b, it->m.txs, it->m.tx_lens, it->m.tx_count, it->m.origin, NULL))
            nng_pipe_close(nng_msg_get_pipe(it->raw)); /* ingest_batch logged why */
        net_inbox_item_free(it);
    }
    free(v);
    if (n)
        net_log(NET_LOG_WARN,
                "%zu batches received during block sync: %zu already committed, %zu "
                "ingested, %llu dropped over the limit",
                n, skipped, n - skipped, (unsigned long long)b->deferred_dropped);
    b->deferred_dropped = 0;
}

/* Whether a BATCH may be taken as a batch (net_p2p_check_batch): a validator's in its own
 * name only (else it is disconnected); an observer's transactions are admitted one by one
 * as a client's would be, and batched by this node if admitted. */
static bool batch_from_peer(net_batch_rx *b, qitem *it)
{
    char why[160];
    nng_pipe p = nng_msg_get_pipe(it->raw);
    switch (net_p2p_check_batch(b->peers, p, it->m.origin, why, sizeof why)) {
    case NET_P2P_OK:
    case NET_P2P_RELAYED:
        return true;
    case NET_P2P_FORWARD:
        if (!b->observer)
            net_admit_forwarded(b->n, it->m.txs, it->m.tx_lens, it->m.tx_count);
        return false;
    case NET_P2P_REFUSE:
        break;
    }
    net_p2p_log("%s; dropped, peer disconnected", why);
    nng_pipe_close(p);
    return false;
}

static void *batch_rx(void *arg)
{
    net_batch_rx *b = arg;
    while (!atomic_load(&b->n->stopping)) {
        if (b->deferred && !atomic_load(&b->syncing))
            drain_deferred(b);
        qitem *it = net_inbox_recv(b->batch, NET_P2P_BATCH_SIZE_MAX + 64 * 1024, "batch");
        if (!it)
            continue;
        if (b->test_drop_batches)
            ; /* test hook: every batch must then be fetched by digest */
        else if (it->m.kind != NET_P2P_BATCH) {
            net_p2p_log("dropped a message of kind %u on the batch socket; peer disconnected",
                        it->m.kind);
            nng_pipe_close(nng_msg_get_pipe(it->raw));
        } else if (!batch_from_peer(b, it)) {
            ; /* refused or forwarded as client submissions: batch_from_peer says */
        } else if (atomic_load(&b->syncing)) {
            defer_batch(b, it);
            continue;
        } else if (!ingest_batch(b, it->m.txs, it->m.tx_lens, it->m.tx_count, it->m.origin, NULL)) {
            nng_pipe_close(nng_msg_get_pipe(it->raw)); /* ingest_batch logged why */
        }
        net_inbox_item_free(it);
    }
    return NULL;
}

/* Fetches a batch by digest from the peers (sync socket); true once it is in the store. */
bool net_batch_rx_fetch(net_batch_rx *b, const ldg_hash *d)
{
    bool ok = false;
    nng_socket_set_ms(b->req, NNG_OPT_RECVTIMEO, 1000);
    for (int attempt = 0; !ok && attempt < 3 && !atomic_load(&b->n->stopping); attempt++) {
        ldg_enc_reset(&b->enc);
        net_p2p_enc_batch_req(&b->enc, d);
        nng_msg *raw;
        if (nng_send(b->req, (void *)ldg_enc_data(&b->enc), ldg_enc_len(&b->enc), 0) != 0 ||
            nng_recvmsg(b->req, &raw, 0) != 0)
            continue;
        net_p2p_msg m;
        ok = net_p2p_decode(&m, nng_msg_body(raw), nng_msg_len(raw),
                            NET_P2P_BATCH_SIZE_MAX + 64 * 1024) == LDG_OK &&
             m.kind == NET_P2P_BATCH_REP && !memcmp(m.digest.b, d->b, LDG_HASH_LEN) &&
             m.tx_count > 0 && ingest_batch(b, m.txs, m.tx_lens, m.tx_count, 0xffff, d);
        if (m.dec_live)
            net_p2p_msg_free(&m);
        nng_msg_free(raw);
    }
    nng_socket_set_ms(b->req, NNG_OPT_RECVTIMEO, 2000);
    return ok;
}

net_batch_rx *net_batch_rx_start(net_node *n, net_p2p_peers *peers, nng_socket batch,
                                 nng_socket req, bool observer)
{
    net_batch_rx *r = calloc(1, sizeof *r);
    LDG_ASSERT(r);
    r->n = n;
    r->pool = n->pool;
    r->peers = peers;
    r->batch = batch;
    r->req = req;
    r->observer = observer;
    r->test_drop_batches = getenv("FOLIO_TEST_DROP_BATCHES") != NULL;
    if (r->test_drop_batches)
        net_log(NET_LOG_WARN, "TEST MODE: broadcast batches are ignored (FOLIO_TEST_DROP_BATCHES); "
                              "proposals are assembled from batches fetched by digest");
    ldg_enc_init(&r->enc);
    r->th_on = net_thread_create(&r->th, batch_rx, r) == 0;
    return r;
}

void net_batch_rx_validator(net_batch_rx *r)
{
    atomic_store(&r->observer, false);
}

void net_batch_rx_stop(net_batch_rx *r)
{
    if (!r)
        return;
    atomic_store(&r->n->stopping, true);
    if (r->th_on)
        pthread_join(r->th, NULL);
    while (r->deferred) {
        qitem *it = r->deferred;
        r->deferred = it->next;
        net_inbox_item_free(it);
    }
    ldg_enc_free(&r->enc);
    free(r);
}

void net_batch_rx_syncing(net_batch_rx *r, bool on)
{
    atomic_store(&r->syncing, on);
}
