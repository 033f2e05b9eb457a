#include "net_sync.h"
#include "net_block.h"
#include "net_log.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void net_sync_block_free(net_sync_block *b)
{
    if (b->live)
        ldg_dec_free(&b->dec);
    free(b->txs);
    free(b->tx_lens);
    memset(b, 0, sizeof *b);
}

ldg_err net_sync_decode(net_sync_block *b, const uint8_t *raw, size_t len)
{
    memset(b, 0, sizeof *b);
    if (len > NET_P2P_RECORD_SIZE_MAX || ldg_decode(&b->dec, raw, len) != LDG_OK)
        return LDG_ERR_DECODE;
    b->live = true;
    const msgpack_object *f, *txs;
    const uint8_t *hb;
    size_t hl;
    uint32_t n;
    bool ok = ldg_obj_array(b->dec.root, 6, &f) && ldg_obj_bin_ref(&f[0], 4096, &hb, &hl) &&
              ldg_header_decode(&b->header, hb, hl) == LDG_OK &&
              ldg_obj_array_any(&f[1], LDG_BLOCK_TX_MAX, &txs, &n) && n == b->header.tx_count;
    if (ok) {
        ldg_header_hash(&b->hash, &b->header);
        b->tx_count = n;
        b->txs = calloc(n ? n : 1, sizeof *b->txs);
        b->tx_lens = calloc(n ? n : 1, sizeof *b->tx_lens);
        LDG_ASSERT(b->txs && b->tx_lens);
        for (uint32_t i = 0; ok && i < n; i++)
            ok = ldg_obj_bin_ref(&txs[i], LDG_TX_SIZE_MAX, &b->txs[i], &b->tx_lens[i]);
    }
    ok = ok && ldg_cert_decode(&b->cert, &f[2]) == LDG_OK &&
         ldg_obj_bin(&f[4], b->state_root.b, LDG_HASH_LEN);
    if (!ok) {
        net_sync_block_free(b);
        return LDG_ERR_DECODE;
    }
    return LDG_OK;
}

static void hex8(char *out, const ldg_hash *h)
{
    ldg_hex_encode(out, h->b, 8);
}

ldg_err net_sync_apply(ldg_chain *c, const net_sync_block *b, bool dev, ldg_commit_mode mode,
                       char *why, size_t why_len)
{
    ldg_tip tip = ldg_chain_head(c);
    const ldg_header *h = &b->header;
    if (h->height != tip.height + 1 || strcmp(h->chain_id, ldg_chain_id(c)) != 0) {
        snprintf(why, why_len, "block %llu is not the next block (tip %llu)",
                 (unsigned long long)h->height, (unsigned long long)tip.height);
        return LDG_ERR_INVALID;
    }
    /* The set in force at this height, read from the store, which may be a block or two
     * behind the head: a change is recorded LDG_VALSET_LEAD blocks ahead (ldg_valset.h). */
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    uint32_t nv = ldg_chain_validators_at(c, h->height, vals, LDG_VALIDATORS_MAX, NULL);
    if (b->cert.height != h->height || memcmp(b->cert.block_hash.b, b->hash.b, LDG_HASH_LEN) ||
        !ldg_cert_verify(&b->cert, h->chain_id, vals, nv)) {
        snprintf(why, why_len, "block %llu: certificate does not verify",
                 (unsigned long long)h->height);
        return LDG_ERR_INVALID;
    }
    if (memcmp(h->prev_hash.b, tip.hash.b, LDG_HASH_LEN) != 0) {
        snprintf(why, why_len, "certified block %llu does not extend our block %llu: FORK",
                 (unsigned long long)h->height, (unsigned long long)tip.height);
        return LDG_ERR_DIVERGED;
    }
    if (memcmp(h->prev_state_root.b, tip.state_root.b, LDG_HASH_LEN) != 0) {
        char a[17], bb[17];
        hex8(a, &tip.state_root);
        hex8(bb, &h->prev_state_root);
        snprintf(why, why_len,
                 "STATE ROOT DIFFERS after block %llu: ours %s..., the validators' %s...",
                 (unsigned long long)tip.height, a, bb);
        return LDG_ERR_DIVERGED;
    }
    /* The certificate verified: every honest validator that voted for this block had
     * checked its transactions' signatures, at least f+1 of its signers are honest, and the
     * header's tx_root covers each transaction's id and signature, so ldg_chain_execute
     * (which checks the tx_root) runs exactly those bytes and does not check the signatures
     * again (specs/consensus.md, section 13: what sync trusts). */
    LDG_ASSERT(b->tx_count == h->tx_count && b->tx_count <= LDG_BLOCK_TX_MAX);
    bool verified[LDG_BLOCK_TX_MAX];
    memset(verified, 1, b->tx_count);
    ldg_exec_out out;
    ldg_err err = ldg_chain_execute(c, h, b->txs, b->tx_lens, verified, dev, &out);
    ldg_hash root;
    if (err == LDG_ERR_INVALID && (!ldg_tx_root_wire(&root, b->txs, b->tx_lens, b->tx_count) ||
                                   memcmp(root.b, h->tx_root.b, LDG_HASH_LEN) != 0)) {
        /* Not the transactions the certified header commits to: the sender altered them
         * (a signature, say). Its fault, not a divergence of ours. */
        snprintf(why, why_len, "block %llu: the transactions do not match the certified tx_root",
                 (unsigned long long)h->height);
        return LDG_ERR_INVALID;
    }
    if (err != LDG_OK) {
        snprintf(why, why_len, "certified block %llu does not execute here: %s",
                 (unsigned long long)h->height, ldg_err_str(err));
        return err == LDG_ERR_INVALID ? LDG_ERR_DIVERGED : err;
    }
    if (memcmp(out.state_root.b, b->state_root.b, LDG_HASH_LEN) != 0) {
        char a[17], bb[17];
        hex8(a, &out.state_root);
        hex8(bb, &b->state_root);
        net_log(NET_LOG_ERROR,
                "WARNING block %llu: our state root %s... differs from the sender's "
                "record %s... (the next certified header decides)",
                (unsigned long long)h->height, a, bb);
    }
    err = ldg_chain_commit_ex(c, h, b->txs, b->tx_lens, &b->cert, &out, mode);
    ldg_exec_out_free(&out);
    if (err != LDG_OK)
        snprintf(why, why_len, "commit of block %llu failed: %s", (unsigned long long)h->height,
                 ldg_err_str(err));
    return err;
}

void net_sync_reply(ldg_chain *c, const net_p2p_msg *req, ldg_enc *rep)
{
    ldg_tip tip = ldg_chain_tip(c);
    uint64_t from = req->from_height, last = from + req->max_blocks - 1;
    if (last > tip.height)
        last = tip.height;
    ldg_record *recs = calloc(NET_P2P_SYNC_BLOCKS_MAX, sizeof *recs);
    LDG_ASSERT(recs);
    uint32_t n = 0;
    size_t bytes = 0;
    for (uint64_t h = from; h <= last && n < NET_P2P_SYNC_BLOCKS_MAX; h++) {
        if (ldg_chain_read_block(c, h, &recs[n]) != LDG_OK)
            break;
        if (n > 0 && bytes + recs[n].raw_len > NET_P2P_SYNC_SIZE_MAX - 64 * 1024) {
            ldg_record_free(&recs[n]);
            break;
        }
        bytes += recs[n].raw_len;
        n++;
    }
    net_p2p_enc_sync_rep_head(rep, tip.height, n);
    for (uint32_t i = 0; i < n; i++) {
        ldg_enc_bin(rep, recs[i].raw, recs[i].raw_len);
        ldg_record_free(&recs[i]);
    }
    free(recs);
}

/* ---- pipelined fetch ---- */

struct net_sync_fetch {
    int timeout_ms;
    struct fetch_slot {
        nng_ctx ctx;
        nng_aio *aio;
        uint64_t from;
        bool busy; /* a request for `from` is out, its reply not yet taken */
    } slot[NET_SYNC_FETCH_DEPTH];
};

net_sync_fetch *net_sync_fetch_open(nng_socket req, int timeout_ms)
{
    LDG_ASSERT(timeout_ms > 0);
    net_sync_fetch *f = calloc(1, sizeof *f);
    LDG_ASSERT(f);
    f->timeout_ms = timeout_ms;
    for (int i = 0; i < NET_SYNC_FETCH_DEPTH; i++) {
        LDG_ASSERT(nng_ctx_open(&f->slot[i].ctx, req) == 0);
        LDG_ASSERT(nng_aio_alloc(&f->slot[i].aio, NULL, NULL) == 0);
    }
    return f;
}

/* Abandons the request in flight on s, if any (a late reply is dropped by nng). */
static void slot_drop(struct fetch_slot *s)
{
    if (!s->busy)
        return;
    nng_aio_cancel(s->aio);
    nng_aio_wait(s->aio);
    if (nng_aio_result(s->aio) == 0)
        nng_msg_free(nng_aio_get_msg(s->aio));
    s->busy = false;
}

static struct fetch_slot *slot_for(net_sync_fetch *f, uint64_t from)
{
    for (int i = 0; i < NET_SYNC_FETCH_DEPTH; i++)
        if (f->slot[i].busy && f->slot[i].from == from)
            return &f->slot[i];
    return NULL;
}

bool net_sync_fetch_ask(net_sync_fetch *f, uint64_t from)
{
    if (slot_for(f, from))
        return true;
    struct fetch_slot *s = NULL;
    for (int i = 0; i < NET_SYNC_FETCH_DEPTH && !s; i++)
        if (!f->slot[i].busy)
            s = &f->slot[i];
    ldg_enc e;
    nng_msg *msg;
    if (!s || nng_msg_alloc(&msg, 0) != 0)
        return false;
    ldg_enc_init(&e);
    net_p2p_enc_sync_req(&e, from, NET_SYNC_FETCH_BLOCKS);
    int rv = nng_msg_append(msg, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    if (rv == 0) {
        nng_aio_set_msg(s->aio, msg);
        nng_aio_set_timeout(s->aio, f->timeout_ms);
        nng_ctx_send(s->ctx, s->aio);
        nng_aio_wait(s->aio);
        rv = nng_aio_result(s->aio);
    }
    if (rv != 0) {
        nng_msg_free(msg); /* a send that failed leaves the message with us */
        return false;
    }
    /* The reply comes back while the caller does something else. */
    nng_aio_set_timeout(s->aio, f->timeout_ms);
    nng_ctx_recv(s->ctx, s->aio);
    s->from = from;
    s->busy = true;
    return true;
}

ldg_err net_sync_fetch_take(net_sync_fetch *f, uint64_t from, nng_msg **out)
{
    *out = NULL;
    struct fetch_slot *s = slot_for(f, from);
    if (!s) {
        /* What is in flight is for other heights: the caller has moved on from them. */
        for (int i = 0; i < NET_SYNC_FETCH_DEPTH; i++)
            slot_drop(&f->slot[i]);
        if (!net_sync_fetch_ask(f, from))
            return LDG_ERR_UNAVAILABLE;
        s = slot_for(f, from);
        LDG_ASSERT(s);
    }
    nng_aio_wait(s->aio);
    s->busy = false;
    if (nng_aio_result(s->aio) != 0)
        return LDG_ERR_UNAVAILABLE;
    *out = nng_aio_get_msg(s->aio);
    return LDG_OK;
}

void net_sync_fetch_close(net_sync_fetch *f)
{
    if (!f)
        return;
    for (int i = 0; i < NET_SYNC_FETCH_DEPTH; i++) {
        slot_drop(&f->slot[i]);
        nng_aio_free(f->slot[i].aio);
        nng_ctx_close(f->slot[i].ctx);
    }
    free(f);
}

/* ---- the sync client ---- */

static uint64_t sync_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sync_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sync_log(const char *fmt, ...)
{
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    net_log(NET_LOG_WARN, "p2p: %s", buf);
}

net_sync_outcome net_sync_catch_up(const net_sync_client *c, char *fatal_why, size_t fatal_len)
{
    ldg_tip start = ldg_chain_head(c->chain);
    uint64_t t0 = sync_mono_ms(), wait_ms = 0;
    net_sync_fetch *f = net_sync_fetch_open(c->req, 2000);
    for (int attempt = 0; attempt < 4 && !atomic_load(c->stopping);) {
        ldg_tip tip = ldg_chain_head(c->chain);
        nng_msg *raw;
        uint64_t tw = sync_mono_ms();
        bool got = net_sync_fetch_take(f, tip.height + 1, &raw) == LDG_OK;
        wait_ms += sync_mono_ms() - tw;
        if (!got) {
            attempt++;
            continue;
        }
        net_p2p_msg m;
        if (net_p2p_decode(&m, nng_msg_body(raw), nng_msg_len(raw), NET_P2P_SYNC_SIZE_MAX) !=
                LDG_OK ||
            m.kind != NET_P2P_SYNC_REP) {
            sync_log("malformed block sync reply dropped");
            if (m.dec_live)
                net_p2p_msg_free(&m);
            nng_msg_free(raw);
            attempt++;
            continue;
        }
        if (m.tip_height > atomic_load(c->peer_height))
            atomic_store(c->peer_height, m.tip_height);
        /* The next range travels while this one is applied. */
        if (m.rec_count > 0 && m.tip_height > tip.height + m.rec_count)
            (void)net_sync_fetch_ask(f, tip.height + 1 + m.rec_count);
        uint32_t applied = 0;
        for (uint32_t i = 0; i < m.rec_count; i++) {
            net_sync_block blk;
            char why[256];
            if (net_sync_decode(&blk, m.recs[i], m.rec_lens[i]) != LDG_OK) {
                sync_log("undecodable block record in a sync reply");
                break;
            }
            /* Stored in the background while the next one executes, and not fsynced one
             * by one: a block lost in a crash is fetched again. The run is made durable
             * below, before this node signs anything on top of it. */
            ldg_err e =
                net_sync_apply(c->chain, &blk, c->dev, LDG_COMMIT_BACKGROUND, why, sizeof why);
            if (e == LDG_OK) {
                net_pool_remove_wires(c->pool, blk.txs, blk.tx_lens, blk.tx_count);
                net_pool_follow_limits(c->pool, c->chain);
            }
            net_sync_block_free(&blk);
            if (e == LDG_ERR_DIVERGED) {
                net_p2p_msg_free(&m);
                nng_msg_free(raw);
                net_sync_fetch_close(f);
                snprintf(fatal_why, fatal_len, "%s", why);
                return NET_SYNC_FATAL;
            }
            if (e != LDG_OK) {
                sync_log("block sync: %s", why);
                break;
            }
            applied++;
            if (c->delay_ms)
                usleep((useconds_t)(c->delay_ms * 1000));
        }
        uint64_t peer_tip = m.tip_height;
        net_p2p_msg_free(&m);
        nng_msg_free(raw);
        if (applied == 0)
            attempt++;
        if (ldg_chain_head(c->chain).height >= peer_tip && applied == 0)
            break;
    }
    net_sync_fetch_close(f);
    ldg_tip now = ldg_chain_head(c->chain);
    if (now.height > start.height && ldg_chain_persist(c->chain) != LDG_OK) {
        snprintf(fatal_why, fatal_len, "block sync: the store failed to persist blocks %llu..%llu",
                 (unsigned long long)start.height + 1, (unsigned long long)now.height);
        return NET_SYNC_FATAL;
    }
    if (now.height > start.height)
        net_log(NET_LOG_INFO,
                "block sync: %llu -> %llu (%llu transactions) in %llu ms, %llu of them "
                "waiting for peers",
                (unsigned long long)start.height, (unsigned long long)now.height,
                (unsigned long long)(now.tx_total - start.tx_total),
                (unsigned long long)(sync_mono_ms() - t0), (unsigned long long)wait_ms);
    return now.height > start.height ? NET_SYNC_GOT : NET_SYNC_NOTHING;
}
