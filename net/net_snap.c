/* State sync: serving and fetching checkpoints and chunks (net_snap.h, specs/sync.md). */
#include "net_snap.h"
#include "net_log.h"
#include "net_p2p.h"
#include "ldg_proof.h"

#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { STATUS_OK = 0, STATUS_UNAVAILABLE = 1 };

bool net_snap_is_request(const uint8_t *d, size_t len)
{
    return len >= 2 && d[0] >= 0x91 && d[0] <= 0x9f &&
           (d[1] == NET_SNAP_REQ || d[1] == NET_CHUNK_REQ);
}

/* ---- requests ---- */

void net_snap_chunk_req_encode(ldg_enc *e, uint64_t height, const ldg_snap_task *t)
{
    ldg_enc_array(e, 6);
    ldg_enc_u64(e, NET_CHUNK_REQ);
    ldg_enc_u64(e, height);
    ldg_enc_u64(e, t->tree);
    if (t->tree == LDG_SNAP_REGISTER)
        ldg_enc_bin(e, t->id12, LDG_SMT_ID_LEN);
    else
        ldg_enc_nil(e);
    ldg_enc_u64(e, t->depth);
    ldg_enc_bin(e, t->prefix.b, (t->depth + 1u) / 2);
}

ldg_err net_snap_chunk_req_decode(const uint8_t *data, size_t len, uint64_t *height,
                                  ldg_snap_task *t)
{
    memset(t, 0, sizeof *t);
    ldg_dec d;
    if (len > NET_P2P_SYNC_REQ_SIZE_MAX || ldg_decode(&d, data, len) != LDG_OK)
        return LDG_ERR_DECODE;
    const msgpack_object *f;
    const uint8_t *pre;
    size_t pl;
    uint64_t kind, tree, depth;
    bool ok = ldg_obj_array(d.root, 6, &f) && ldg_obj_u64(&f[0], &kind) && kind == NET_CHUNK_REQ &&
              ldg_obj_u64(&f[1], height) && ldg_obj_u64(&f[2], &tree) &&
              tree <= LDG_SNAP_REGISTER && ldg_obj_u64(&f[4], &depth) &&
              depth <= LDG_SMT_DEPTH_MAX && ldg_obj_bin_ref(&f[5], 32, &pre, &pl) &&
              pl == (depth + 1) / 2 && (depth % 2 == 0 || (pre[pl - 1] & 0x0f) == 0) &&
              (tree != LDG_SNAP_ROOT || depth == 0);
    if (ok) {
        t->tree = (uint8_t)tree;
        /* id12 names a register, and only a register */
        ok = tree == LDG_SNAP_REGISTER ? ldg_obj_bin(&f[3], t->id12, LDG_SMT_ID_LEN)
                                       : f[3].type == MSGPACK_OBJECT_NIL;
    }
    if (ok) {
        t->depth = (uint8_t)depth;
        memcpy(t->prefix.b, pre, pl);
    }
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_DECODE;
}

/* ---- serving ---- */

static void serve_checkpoint(ldg_chain *c, ldg_enc *rep)
{
    ldg_tip tip = ldg_chain_tip(c);
    ldg_record a, b;
    bool ok = tip.height >= 1 && ldg_chain_read_block(c, tip.height - 1, &a) == LDG_OK;
    bool have_b = ok && ldg_chain_read_block(c, tip.height, &b) == LDG_OK, okb = have_b;
    /* With the validator-set changes up to block H+1, each certified by the set before it,
     * so that a node starting from genesis trusts the set that signed H+1 (sync.md §2). */
    ldg_enc cp, trust;
    ldg_enc_init(&cp);
    ldg_enc_init(&trust);
    uint32_t nt = 0;
    char why[256] = "";
    if (okb && ldg_trust_build(c, tip.height, &trust, &nt, why, sizeof why) != LDG_OK) {
        net_log(NET_LOG_WARN, "state sync: no checkpoint to serve: %s", why);
        okb = false;
    }
    ldg_enc_array(rep, 4);
    ldg_enc_u64(rep, NET_SNAP_REP);
    ldg_enc_u64(rep, okb ? STATUS_OK : STATUS_UNAVAILABLE);
    ldg_enc_u64(rep, tip.height);
    if (okb) {
        ldg_snap_checkpoint_encode_trust(&cp, &a.header, &b.header, &b.cert, ldg_enc_data(&trust),
                                         ldg_enc_len(&trust), nt);
        ldg_enc_bin(rep, ldg_enc_data(&cp), ldg_enc_len(&cp));
    } else {
        ldg_enc_nil(rep);
    }
    ldg_enc_free(&cp);
    ldg_enc_free(&trust);
    if (ok)
        ldg_record_free(&a);
    if (have_b)
        ldg_record_free(&b);
}

static size_t env_size(const char *name, size_t dflt, size_t max)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long n = v ? strtoull(v, &end, 10) : 0;
    return v && *v && !*end && n <= max ? (size_t)n : dflt;
}

static void serve_chunk(ldg_chain *c, const uint8_t *data, size_t len, ldg_enc *rep)
{
    uint64_t h;
    ldg_snap_task t;
    ldg_tip tip = ldg_chain_tip(c);
    ldg_enc chunk;
    ldg_enc_init(&chunk);
    bool ok = net_snap_chunk_req_decode(data, len, &h, &t) == LDG_OK && h <= tip.height &&
              tip.height - h <= LDG_SNAP_AGE_MAX;
    size_t keys =
        env_size("FOLIO_TEST_SNAP_KEYS", LDG_SNAP_CHUNK_KEYS_MAX, LDG_SNAP_CHUNK_KEYS_MAX);
    ok = ok && ldg_snap_build(ldg_chain_tree_base(c), h, &t, keys, &chunk) == LDG_OK;
    ldg_enc_array(rep, 3);
    ldg_enc_u64(rep, NET_CHUNK_REP);
    ldg_enc_u64(rep, ok ? STATUS_OK : STATUS_UNAVAILABLE);
    if (!ok) {
        ldg_enc_nil(rep);
    } else {
        size_t n;
        uint8_t *b = ldg_enc_take(&chunk, &n);
        if (getenv("FOLIO_TEST_SNAP_CORRUPT") && n > 0)
            b[n - 1] ^= 0x01; /* test hook: a lying peer */
        ldg_enc_bin(rep, b, n);
        free(b);
    }
    ldg_enc_free(&chunk);
}

void net_snap_serve(ldg_chain *c, const uint8_t *data, size_t len, ldg_enc *rep)
{
    if (len >= 2 && data[1] == NET_SNAP_REQ)
        serve_checkpoint(c, rep);
    else
        serve_chunk(c, data, len, rep);
}

/* ---- fetching ---- */

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

typedef struct fslot {
    nng_ctx ctx;
    nng_aio *aio;
    bool busy;
    ldg_snap_task task;
} fslot;

typedef struct client {
    const net_snap_opts *o;
    nng_socket req;
    ldg_store *store;
    ldg_snap_checkpoint cp;
    fslot slot[LDG_SNAP_CHUNKS_IN_FLIGHT];
    uint64_t chunks, keys, bytes, t0, last_log;
    unsigned fails, unavailable;
    size_t delay_ms;
    ldg_snap_task cursor; /* the first pending task last seen (ldg_snap_store_tasks) */
    bool has_cursor;
} client;

static int open_socket(client *c, char *err, size_t err_len)
{
    const net_config *cfg = c->o->cfg;
    int rv = nng_req0_open(&c->req);
    if (rv) {
        snprintf(err, err_len, "state sync: cannot open a socket: %s", nng_strerror(rv));
        return 1;
    }
    nng_socket_set_size(c->req, NNG_OPT_RECVMAXSZ, LDG_SNAP_REPLY_SIZE_MAX + 1024);
    nng_socket_set_ms(c->req, NNG_OPT_REQ_RESENDTIME, 60000);
    net_p2p_tls tls = {.on = cfg->p2p_tls};
    snprintf(tls.ca, sizeof tls.ca, "%s", cfg->tls_ca);
    snprintf(tls.cert, sizeof tls.cert, "%s", cfg->tls_cert);
    snprintf(tls.key, sizeof tls.key, "%s", cfg->tls_key);
    char peers[sizeof cfg->p2p_peers];
    snprintf(peers, sizeof peers, "%s", cfg->p2p_peers);
    int n = 0;
    for (char *save, *p = strtok_r(peers, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
        if (net_p2p_dial(c->req, p, NET_P2P_PORT_SYNC, &tls, err, err_len) == 0)
            n++;
    if (n == 0) {
        snprintf(err, err_len, "state sync: config.ini names no [p2p] peers to sync from");
        return 1;
    }
    for (int i = 0; i < LDG_SNAP_CHUNKS_IN_FLIGHT; i++) {
        LDG_ASSERT(nng_ctx_open(&c->slot[i].ctx, c->req) == 0);
        LDG_ASSERT(nng_aio_alloc(&c->slot[i].aio, NULL, NULL) == 0);
    }
    return 0;
}

/* Sends req on slot s and starts waiting for the reply. */
static bool slot_send(fslot *s, const ldg_enc *req, int timeout_ms)
{
    nng_msg *m;
    if (nng_msg_alloc(&m, 0) != 0)
        return false;
    if (nng_msg_append(m, ldg_enc_data(req), ldg_enc_len(req)) != 0) {
        nng_msg_free(m);
        return false;
    }
    nng_aio_set_msg(s->aio, m);
    nng_aio_set_timeout(s->aio, timeout_ms);
    nng_ctx_send(s->ctx, s->aio);
    nng_aio_wait(s->aio);
    if (nng_aio_result(s->aio) != 0) {
        nng_msg_free(m);
        return false;
    }
    nng_aio_set_timeout(s->aio, timeout_ms);
    nng_ctx_recv(s->ctx, s->aio);
    s->busy = true;
    return true;
}

/* The reply on s (NULL on timeout); the caller frees it. */
static nng_msg *slot_take(fslot *s)
{
    nng_aio_wait(s->aio);
    s->busy = false;
    return nng_aio_result(s->aio) == 0 ? nng_aio_get_msg(s->aio) : NULL;
}

/* A peer that served something false: its connection is closed and not redialled. */
static void drop_peer(nng_msg *m, const char *why)
{
    nng_pipe p = nng_msg_get_pipe(m);
    nng_dialer d = nng_pipe_dialer(p);
    char *url = NULL;
    if (nng_dialer_id(d) > 0 && nng_dialer_get_string(d, NNG_OPT_URL, &url) == 0) {
        net_log(NET_LOG_WARN, "state sync: peer %s served a bad chunk (%s): disconnected", url,
                why);
        nng_strfree(url);
        nng_dialer_close(d);
    } else {
        net_log(NET_LOG_WARN, "state sync: a peer served a bad chunk (%s): disconnected", why);
        nng_pipe_close(p);
    }
}

/* Asks the peers for a checkpoint and checks it against the genesis validators. */
static ldg_err fetch_checkpoint(client *c, int attempts, char *why, size_t why_len)
{
    ldg_enc req;
    ldg_enc_init(&req);
    ldg_enc_array(&req, 1);
    ldg_enc_u64(&req, NET_SNAP_REQ);
    ldg_err err = LDG_ERR_UNAVAILABLE;
    snprintf(why, why_len, "no peer offered a checkpoint");
    for (int i = 0; i < attempts && err != LDG_OK; i++) {
        fslot *s = &c->slot[0];
        nng_msg *m = slot_send(s, &req, 1000) ? slot_take(s) : NULL;
        if (!m) {
            usleep(200 * 1000);
            continue;
        }
        ldg_dec d;
        const msgpack_object *f;
        const uint8_t *cp;
        size_t cl;
        uint64_t kind, status;
        if (ldg_decode(&d, nng_msg_body(m), nng_msg_len(m)) == LDG_OK) {
            if (ldg_obj_array(d.root, 4, &f) && ldg_obj_u64(&f[0], &kind) && kind == NET_SNAP_REP &&
                ldg_obj_u64(&f[1], &status) && status == STATUS_OK &&
                ldg_obj_bin_ref(&f[3], LDG_SNAP_CHECKPOINT_MAX, &cp, &cl))
                err = ldg_snap_checkpoint_check(&c->cp, cp, cl, c->o->genesis, why, why_len);
            ldg_dec_free(&d);
        }
        if (err == LDG_ERR_INVALID || err == LDG_ERR_DECODE)
            drop_peer(m, why);
        nng_msg_free(m);
        if (err != LDG_OK)
            usleep(200 * 1000);
    }
    ldg_enc_free(&req);
    return err;
}

static bool slot_has(const client *c, const ldg_snap_task *t)
{
    for (int i = 0; i < LDG_SNAP_CHUNKS_IN_FLIGHT; i++)
        if (c->slot[i].busy && c->slot[i].task.tree == t->tree &&
            c->slot[i].task.depth == t->depth &&
            !memcmp(c->slot[i].task.id12, t->id12, LDG_SMT_ID_LEN) &&
            !memcmp(c->slot[i].task.prefix.b, t->prefix.b, LDG_HASH_LEN))
            return true;
    return false;
}

/* Sends requests for pending tasks on the free slots. */
static ldg_err fill(client *c, size_t *busy)
{
    ldg_snap_task t[2 * LDG_SNAP_CHUNKS_IN_FLIGHT];
    size_t n;
    ldg_err err = ldg_snap_store_tasks(c->store, c->has_cursor ? &c->cursor : NULL, t,
                                       2 * LDG_SNAP_CHUNKS_IN_FLIGHT, &n);
    if (err == LDG_OK && n) { /* nothing is ever added before it: the next scan seeks there */
        c->cursor = t[0];
        c->has_cursor = true;
    }
    for (size_t i = 0, k = 0; err == LDG_OK && i < n; i++) {
        if (slot_has(c, &t[i]))
            continue;
        while (k < LDG_SNAP_CHUNKS_IN_FLIGHT && c->slot[k].busy)
            k++;
        if (k == LDG_SNAP_CHUNKS_IN_FLIGHT)
            break;
        ldg_enc req;
        ldg_enc_init(&req);
        net_snap_chunk_req_encode(&req, c->cp.height, &t[i]);
        c->slot[k].task = t[i];
        if (!slot_send(&c->slot[k], &req, 5000))
            c->fails++;
        ldg_enc_free(&req);
    }
    *busy = 0;
    for (int i = 0; i < LDG_SNAP_CHUNKS_IN_FLIGHT; i++)
        *busy += c->slot[i].busy;
    return err;
}

static void progress(client *c, bool last)
{
    uint64_t now = mono_ms();
    if (!last && now - c->last_log < 1000)
        return;
    c->last_log = now;
    size_t pending = 0;
    if (ldg_snap_store_count(c->store, &pending) != LDG_OK)
        pending = 0;
    uint64_t ms = now - c->t0 ? now - c->t0 : 1;
    net_log(NET_LOG_INFO,
            "state sync at height %llu: chunks %llu fetched / %llu known so far (%zu pending), "
            "%llu keys, %llu KiB, %llu keys/s",
            (unsigned long long)c->cp.height, (unsigned long long)c->chunks,
            (unsigned long long)(c->chunks + pending), pending, (unsigned long long)c->keys,
            (unsigned long long)(c->bytes / 1024), (unsigned long long)(c->keys * 1000 / ms));
}

/* One reply: checked against its task, then written; a bad one drops its peer. */
static ldg_err on_reply(client *c, const ldg_snap_task *t, nng_msg *m)
{
    ldg_dec d;
    const msgpack_object *f;
    const uint8_t *data = NULL;
    size_t dl = 0;
    uint64_t kind = 0, status = STATUS_UNAVAILABLE;
    bool live = ldg_decode(&d, nng_msg_body(m), nng_msg_len(m)) == LDG_OK, ok = live;
    if (ok) {
        ok = ldg_obj_array(d.root, 3, &f) && ldg_obj_u64(&f[0], &kind) && kind == NET_CHUNK_REP &&
             ldg_obj_u64(&f[1], &status) &&
             (status != STATUS_OK || ldg_obj_bin_ref(&f[2], LDG_SNAP_REPLY_SIZE_MAX, &data, &dl));
    }
    if (ok && status != STATUS_OK) {
        ldg_dec_free(&d);
        c->unavailable++;
        return LDG_OK;
    }
    char why[256] = "not a chunk reply";
    ldg_snap_chunk ch;
    ldg_err err =
        ok ? ldg_snap_verify(&ch, t, c->cp.height, data, dl, why, sizeof why) : LDG_ERR_DECODE;
    if (err != LDG_OK) {
        drop_peer(m, why); /* the chunk is never applied; another peer is asked */
        if (live)
            ldg_dec_free(&d);
        return LDG_OK;
    }
    err = ldg_snap_store_apply(c->store, t, &ch);
    c->chunks++;
    c->keys += ch.n;
    c->bytes += dl;
    c->unavailable = 0;
    ldg_snap_chunk_free(&ch);
    ldg_dec_free(&d);
    if (c->delay_ms)
        usleep((useconds_t)c->delay_ms * 1000);
    return err;
}

/* Fetches every pending task. LDG_ERR_UNAVAILABLE: the peers stopped serving it. */
static ldg_err fetch_all(client *c, char *why, size_t why_len)
{
    for (;;) {
        size_t busy;
        ldg_err err = fill(c, &busy);
        if (err != LDG_OK)
            return err;
        if (busy == 0) {
            size_t left;
            err = ldg_snap_store_count(c->store, &left);
            if (err != LDG_OK || left == 0)
                return err;
            if (++c->fails > 20) {
                snprintf(why, why_len, "no peer answers state sync requests");
                return LDG_ERR_UNAVAILABLE;
            }
            usleep(500 * 1000);
            continue;
        }
        for (int i = 0; i < LDG_SNAP_CHUNKS_IN_FLIGHT; i++) {
            if (!c->slot[i].busy)
                continue;
            ldg_snap_task t = c->slot[i].task;
            nng_msg *m = slot_take(&c->slot[i]);
            if (!m) {
                c->fails++;
            } else {
                err = on_reply(c, &t, m);
                nng_msg_free(m);
                if (err != LDG_OK)
                    return err;
            }
            break;
        }
        if (c->fails > 20 || c->unavailable > 20) {
            snprintf(why, why_len, "no peer serves the state after block %llu any more",
                     (unsigned long long)c->cp.height);
            return c->unavailable > 20 ? LDG_ERR_PRUNED : LDG_ERR_UNAVAILABLE;
        }
        progress(c, false);
    }
}

static void client_close(client *c)
{
    for (int i = 0; i < LDG_SNAP_CHUNKS_IN_FLIGHT; i++) {
        if (!c->slot[i].aio)
            continue;
        nng_aio_cancel(c->slot[i].aio);
        nng_aio_wait(c->slot[i].aio);
        if (c->slot[i].busy && nng_aio_result(c->slot[i].aio) == 0)
            nng_msg_free(nng_aio_get_msg(c->slot[i].aio));
        nng_aio_free(c->slot[i].aio);
        nng_ctx_close(c->slot[i].ctx);
    }
    nng_close(c->req);
    if (c->store)
        ldg_store_close(c->store);
    ldg_snap_checkpoint_free(&c->cp);
}

/* The tip of the store (opening it creates block 0 if it is empty). */
static int store_tip(const net_snap_opts *o, const char *db, ldg_tip *tip, char *err,
                     size_t err_len)
{
    ldg_chain *ch;
    ldg_open_report rep;
    ldg_err e = ldg_chain_open_report(&ch, db, o->reg, o->genesis, false, &rep);
    if (e != LDG_OK) {
        net_store_open_error(err, err_len, db, e, &rep); /* as the node would say it */
        return 1;
    }
    *tip = ldg_chain_tip(ch);
    ldg_chain_close(ch);
    return 0;
}

/* The peers no longer serve the pending checkpoint: the sync starts again from a newer
 * one (the keys fetched so far are dropped with the old checkpoint). */
static ldg_err restart(client *c, char *why, size_t why_len)
{
    net_log(NET_LOG_WARN, "state sync: %s: starting again from a newer checkpoint", why);
    ldg_snap_checkpoint_free(&c->cp);
    c->unavailable = c->fails = 0;
    c->has_cursor = false; /* the tasks begin again */
    ldg_err e = fetch_checkpoint(c, 20, why, why_len);
    if (e == LDG_OK)
        e = ldg_snap_store_begin(c->store, &c->cp);
    return e == LDG_OK ? fetch_all(c, why, why_len) : e;
}

/* Syncs from the pending checkpoint in c->cp (already begun in the store) to the end. */
static int sync_pending(client *c, char *err, size_t err_len)
{
    c->t0 = c->last_log = mono_ms();
    char why[256];
    ldg_err e = fetch_all(c, why, sizeof why);
    if (e == LDG_ERR_PRUNED)
        e = restart(c, why, sizeof why);
    if (e == LDG_OK) {
        progress(c, true);
        /* The changes of the validator set the checkpoint proved: this node's proofs and
         * checkpoints carry them on (the history before the checkpoint is not here). */
        e = ldg_snap_checkpoint_keep_trust(c->store, &c->cp);
        if (e != LDG_OK)
            snprintf(why, sizeof why, "the checkpoint's validator-set changes cannot be kept");
    }
    if (e == LDG_OK)
        e = ldg_snap_store_finish(c->store, &c->cp, why, sizeof why);
    if (e != LDG_OK) {
        snprintf(err, err_len, "state sync from the checkpoint at height %llu stopped: %s",
                 (unsigned long long)c->cp.height, e == LDG_ERR_IO ? ldg_err_str(e) : why);
        return 1;
    }
    net_log(NET_LOG_INFO,
            "state sync done: the state after block %llu (%llu keys, %llu chunks) in %llu ms; "
            "block sync continues from there",
            (unsigned long long)c->cp.height, (unsigned long long)c->keys,
            (unsigned long long)c->chunks, (unsigned long long)(mono_ms() - c->t0));
    return 0;
}

/* A checkpoint begun earlier: its bytes, checked again. */
static int resume_checkpoint(client *c, const uint8_t *raw, size_t len, char *err, size_t err_len)
{
    const ldg_genesis *g = c->o->genesis;
    char why[256];
    if (ldg_snap_checkpoint_check(&c->cp, raw, len, g, why, sizeof why) != LDG_OK) {
        snprintf(err, err_len, "the store's pending checkpoint is corrupt: %s", why);
        return 1;
    }
    net_log(NET_LOG_INFO, "state sync: resuming the sync of the state after block %llu",
            (unsigned long long)c->cp.height);
    return 0;
}

/* A store that does not open: said as the node says it (corrupt and its last good height,
 * lost blocks, locked by another process), from the chain's own open report. */
static int open_error(const net_snap_opts *o, const char *db, char *err, size_t err_len)
{
    ldg_chain *ch;
    ldg_open_report rep;
    ldg_err e = ldg_chain_open_report(&ch, db, o->reg, o->genesis, false, &rep);
    if (e == LDG_OK) {
        ldg_chain_close(ch);
        snprintf(err, err_len, "the chain store in %s does not open", db);
    } else {
        net_store_open_error(err, err_len, db, e, &rep);
    }
    return 1;
}

int net_snap_run(const net_snap_opts *o, char *err, size_t err_len)
{
    char db[NET_PATH_MAX];
    net_home_path(db, o->home, "data");
    client c = {.o = o};
    c.delay_ms = env_size("FOLIO_TEST_SNAP_DELAY_MS", 0, 60000);
    uint8_t *raw;
    size_t rl;
    bool pending = false;
    ldg_tip tip = {0};
    int rc = 0;
    if (ldg_store_open(&c.store, db, false) != LDG_OK)
        return open_error(o, db, err, err_len);
    if (ldg_snap_store_pending(c.store, &pending, &raw, &rl) != LDG_OK) {
        snprintf(err, err_len, "the chain store in %s: its pending state sync does not read", db);
        ldg_store_close(c.store);
        return 1;
    }
    bool multi = o->genesis->validator_count > 1 && o->cfg->p2p_peers[0];
    if (pending) {
        rc = resume_checkpoint(&c, raw, rl, err, err_len);
        free(raw);
    } else {
        ldg_store_close(c.store);
        c.store = NULL;
        if (!multi && !o->requested)
            return 0; /* one validator: nobody to sync from */
        rc = store_tip(o, db, &tip, err, err_len);
    }
    if (rc)
        return rc;
    if (!pending && !multi) {
        snprintf(err, err_len,
                 "--sync-from-checkpoint needs a chain of several validators and "
                 "[p2p] peers in config.ini");
        return 1;
    }
    rc = open_socket(&c, err, err_len);
    if (rc == 0 && !pending) {
        char why[256];
        /* Unasked, one try: a node's start waits at most ~1 s for it. */
        ldg_err e = fetch_checkpoint(&c, o->requested ? 60 : 1, why, sizeof why);
        bool want = e == LDG_OK && c.cp.height > tip.height &&
                    (o->requested || c.cp.height - tip.height > LDG_SNAP_BEHIND_BLOCKS);
        if (e != LDG_OK && o->requested) {
            snprintf(err, err_len, "state sync: %s", why);
            rc = 1;
        } else if (want) {
            net_log(NET_LOG_INFO,
                    "state sync: checkpoint at height %llu (state root certified by block "
                    "%llu), our tip %llu",
                    (unsigned long long)c.cp.height, (unsigned long long)c.cp.height + 1,
                    (unsigned long long)tip.height);
            if (ldg_store_open(&c.store, db, false) != LDG_OK ||
                ldg_snap_store_begin(c.store, &c.cp) != LDG_OK) {
                snprintf(err, err_len, "state sync: the store in %s refused the checkpoint", db);
                rc = 1;
            }
            pending = rc == 0;
        }
    }
    if (rc == 0 && pending)
        rc = sync_pending(&c, err, err_len);
    client_close(&c);
    return rc;
}
