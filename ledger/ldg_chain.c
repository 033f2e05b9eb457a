#include "ldg_chain.h"
#include "ldg_snap.h"
#include "ldg_mark.h"
#include "ldg_smt.h"
#include "ldg_valset.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ldg_chain {
    ldg_store *store;
    const ldg_registry *reg;
    ldg_state *overlay; /* pending block; driven by the consensus thread only */
    ldg_smt *tree;      /* the state tree; NULL when ldg_smt_disabled (bench baseline) */
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    ldg_hash genesis_hash; /* of block 0's genesis document: what transactions sign */
    pthread_mutex_t tip_lock;
    ldg_tip tip;  /* stored (under tip_lock) */
    ldg_tip head; /* committed: tip, or the block being stored (the committing thread's) */
    ldg_block_limits limits; /* in force for block head + 1: from the state after head */
    bool read_only;
    unsigned verify_threads;
    ldg_sigcache *sigcache;         /* checks verified ahead of each block (ldg_sigcache.h) */
    size_t cache_keys, cache_bytes; /* the overlay's limits (ldg_state_settle) */
    /* The background writer (LDG_COMMIT_BACKGROUND): one batch in flight at a time. */
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    pthread_t writer;
    bool writer_on, wstop;
    struct wjob {
        ldg_batch *batch;
        ldg_tip tip;    /* the tip once stored */
        uint32_t epoch; /* the overlay's epoch for this block (ldg_state_epoch) */
    } wq[LDG_CHAIN_WRITES_IN_FLIGHT];
    unsigned wq_head, wq_len; /* the writer takes wq[wq_head]; the caller appends */
    unsigned write_delay_us;  /* test hook: the writer sleeps this long before each write */
    ldg_err werr;             /* first failure of a background write (the store has then stopped) */
    int mark_fd;              /* the committed-height mark (ldg_mark.h); -1 if read only */
    bool index_ready;         /* the index of notes reaches the tip (ldg_chain_index_ready) */
    uint64_t retain;          /* blocks of tree history kept (ldg_smt_set_retention) */
};

static const char META_TIP[] = "tip"; /* [height, time_ms, hash, state_root, tx_total] */
static const char META_CHAIN_ID[] = "chain_id";
static const char INDEX_TIP[] = {0, 't', 'i', 'p'}; /* be64(last indexed height) */
enum { INDEX_TIME = 't' };                          /* 0 't' be64(height) -> be64(time) */

static void be64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* ---- genesis ---- */

void ldg_genesis_encode(ldg_enc *e, const ldg_genesis *g)
{
    /* Without a committee the document keeps its four-field form, so its hash (the chain's
     * identity) is what it was before the field existed. */
    ldg_enc_array(e, g->committee_count ? 5 : 4);
    ldg_enc_str(e, g->chain_id);
    ldg_enc_u64(e, g->time_ms);
    ldg_enc_array(e, g->validator_count);
    for (uint32_t i = 0; i < g->validator_count; i++)
        ldg_enc_bin(e, g->validators[i].b, LDG_PUBKEY_LEN);
    ldg_enc_array(e, g->participant_count);
    for (uint32_t i = 0; i < g->participant_count; i++) {
        ldg_enc_array(e, 3);
        ldg_enc_str(e, g->participants[i].name);
        ldg_enc_u64(e, g->participants[i].roles);
        ldg_enc_bin(e, g->participants[i].key.b, LDG_PUBKEY_LEN);
    }
    if (!g->committee_count)
        return;
    ldg_enc_array(e, g->committee_count);
    for (uint32_t i = 0; i < g->committee_count; i++) {
        ldg_enc_array(e, 2);
        ldg_enc_str(e, g->committee[i].name);
        ldg_enc_u64(e, g->committee[i].weight);
    }
}

/* The committee field: 1..LDG_COMMITTEE_MEMBERS_MAX members, each a genesis participant
 * named once (and no two naming participants of one key), weight 1..LDG_COMMITTEE_WEIGHT_MAX (an
 * empty list would be a second encoding of "no committee"). */
static bool decode_committee(ldg_genesis *g, const msgpack_object *o)
{
    const msgpack_object *ms;
    const ldg_pubkey *keys[LDG_COMMITTEE_MEMBERS_MAX];
    uint32_t nm = 0;
    if (!ldg_obj_array_any(o, LDG_COMMITTEE_MEMBERS_MAX, &ms, &nm) || nm == 0)
        return false;
    for (uint32_t i = 0; i < nm; i++) {
        const msgpack_object *m;
        ldg_genesis_member *gm = &g->committee[i];
        if (!ldg_obj_array(&ms[i], 2, &m) ||
            !ldg_obj_str(&m[0], gm->name, LDG_NAME_LEN_MAX, false) ||
            !ldg_obj_u64(&m[1], &gm->weight) || gm->weight == 0 ||
            gm->weight > LDG_COMMITTEE_WEIGHT_MAX)
            return false;
        /* The participant it names (the first of that name), whose key no earlier member's
         * participant has: one account, one membership. */
        int at = -1;
        for (uint32_t j = 0; j < g->participant_count && at < 0; j++)
            if (!strcmp(g->participants[j].name, gm->name))
                at = (int)j;
        if (at < 0)
            return false;
        keys[i] = &g->participants[at].key;
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(g->committee[j].name, gm->name) ||
                !memcmp(keys[j]->b, keys[i]->b, LDG_PUBKEY_LEN))
                return false;
    }
    g->committee_count = nm;
    return true;
}

ldg_err ldg_genesis_decode(ldg_genesis *g, const uint8_t *data, size_t len)
{
    memset(g, 0, sizeof *g);
    ldg_dec d;
    if (ldg_decode(&d, data, len) != LDG_OK)
        return LDG_ERR_DECODE;
    const msgpack_object *f, *vs, *ps;
    uint32_t nv = 0, np = 0;
    /* Four fields, or five with the governance committee (specs/encoding.md §8). */
    uint32_t nf = d.root->type == MSGPACK_OBJECT_ARRAY ? d.root->via.array.size : 0;
    bool ok = (nf == 4 || nf == 5) && ldg_obj_array(d.root, nf, &f) &&
              ldg_obj_str(&f[0], g->chain_id, LDG_CHAIN_ID_LEN_MAX, false) &&
              ldg_obj_u64(&f[1], &g->time_ms) &&
              ldg_obj_array_any(&f[2], LDG_VALIDATORS_MAX, &vs, &nv) && nv > 0 &&
              ldg_obj_array_any(&f[3], LDG_GENESIS_PARTICIPANTS_MAX, &ps, &np);
    for (uint32_t i = 0; ok && i < nv; i++)
        ok = ldg_obj_bin(&vs[i], g->validators[i].b, LDG_PUBKEY_LEN);
    for (uint32_t i = 0; ok && i < np; i++) {
        const msgpack_object *p;
        uint64_t roles = 0;
        ok = ldg_obj_array(&ps[i], 3, &p) &&
             ldg_obj_str(&p[0], g->participants[i].name, LDG_NAME_LEN_MAX, false) &&
             ldg_obj_u64(&p[1], &roles) && roles <= LDG_ROLE_ALL &&
             ldg_obj_bin(&p[2], g->participants[i].key.b, LDG_PUBKEY_LEN);
        g->participants[i].roles = (uint32_t)roles;
    }
    g->validator_count = nv;
    g->participant_count = np;
    if (ok && nf == 5)
        ok = decode_committee(g, &f[4]);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_DECODE;
}

void ldg_genesis_hash_bytes(ldg_hash *out, const uint8_t *data, size_t len)
{
    ldg_tagged_hash(out, LDG_TAG_GENESIS, data, len);
}

void ldg_genesis_hash(ldg_hash *out, const ldg_genesis *g)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, g);
    ldg_genesis_hash_bytes(out, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* Genesis state: validators and participants. */
void ldg_genesis_apply(ldg_state *st, const ldg_genesis *g)
{
    for (uint32_t i = 0; i < g->validator_count; i++) {
        uint8_t key[5] = {LDG_KEY_VALIDATOR};
        key[1] = (uint8_t)(i >> 24), key[2] = (uint8_t)(i >> 16), key[3] = (uint8_t)(i >> 8),
        key[4] = (uint8_t)i;
        ldg_state_put(st, key, sizeof key, g->validators[i].b, LDG_PUBKEY_LEN);
    }
    uint8_t vc = LDG_KEY_VALIDATOR_COUNT;
    ldg_state_put_u64(st, &vc, 1, g->validator_count);
    for (uint32_t i = 0; i < g->participant_count; i++) {
        ldg_participant p = {.roles = g->participants[i].roles, .height = 0};
        memcpy(p.name, g->participants[i].name, sizeof p.name);
        p.pubkey = g->participants[i].key;
        ldg_account_of(&p.account, &p.pubkey);
        ldg_participant_put(st, &p);
    }
}

void ldg_genesis_apply_all(const ldg_registry *reg, ldg_state *st, const ldg_genesis *g)
{
    ldg_genesis_apply(st, g);
    ldg_exec_genesis_hooks(reg, st, g);
}

/* ---- store-backed base for the overlay ---- */

static ldg_err store_get(void *arg, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    return ldg_store_get(arg, LDG_CF_STATE, k, kl, v, vl);
}

static ldg_err store_scan(void *arg, const uint8_t *p, size_t pl,
                          bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                          void *fa)
{
    return ldg_store_scan(arg, LDG_CF_STATE, p, pl, fn, fa);
}

static ldg_err store_multi_get(void *arg, size_t n, const uint8_t *const *keys, const size_t *klens,
                               uint8_t **vals, size_t *vlens, bool *found)
{
    return ldg_store_multi_get(arg, LDG_CF_STATE, n, keys, klens, vals, vlens, found);
}

static ldg_err store_scan_from(void *arg, const uint8_t *p, size_t pl, const uint8_t *start,
                               size_t sl,
                               bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                               void *fa)
{
    return ldg_store_scan_from(arg, LDG_CF_STATE, p, pl, start, sl, fn, fa);
}

ldg_state *ldg_chain_reader(ldg_chain *c)
{
    return ldg_state_new(
        (ldg_state_base){store_get, store_scan, c->store, store_multi_get, NULL, store_scan_from});
}

/* Every transaction of a block first reads its replay record ('x' ‖ id), almost always
 * absent: one batched read for the block instead of one lookup per transaction. */
static ldg_err prefetch_replay_keys(ldg_state *st, const ldg_tx *txs, uint32_t n)
{
    uint8_t(*keys)[1 + LDG_HASH_LEN] = malloc((n ? n : 1) * sizeof *keys);
    const uint8_t **kp = malloc((n ? n : 1) * sizeof *kp);
    size_t *kl = malloc((n ? n : 1) * sizeof *kl);
    LDG_ASSERT(keys && kp && kl);
    for (uint32_t i = 0; i < n; i++) {
        keys[i][0] = LDG_KEY_TXID;
        memcpy(keys[i] + 1, txs[i].id.b, LDG_HASH_LEN);
        kp[i] = keys[i];
        kl[i] = sizeof keys[i];
    }
    ldg_err err = ldg_state_prefetch(st, n, kp, kl);
    free(keys);
    free(kp);
    free(kl);
    return err;
}

/* ---- block records ---- */

static void encode_receipt(ldg_enc *e, const ldg_receipt *r)
{
    ldg_enc_array(e, 3);
    ldg_enc_u64(e, r->code);
    ldg_enc_str(e, r->detail);
    ldg_enc_bin(e, r->data, r->data_len);
}

static void encode_record(ldg_enc *e, const ldg_header *h, const uint8_t *const *txs,
                          const size_t *lens, const ldg_cert *cert, const ldg_receipt *receipts,
                          const ldg_hash *state_root, const uint8_t *genesis, size_t genesis_len)
{
    ldg_enc he;
    ldg_enc_init(&he);
    ldg_header_encode(&he, h);
    ldg_enc_array(e, 6);
    ldg_enc_bin(e, ldg_enc_data(&he), ldg_enc_len(&he));
    ldg_enc_free(&he);
    ldg_enc_array(e, (uint32_t)h->tx_count);
    for (uint64_t i = 0; i < h->tx_count; i++)
        ldg_enc_bin(e, txs[i], lens[i]);
    ldg_cert_encode(e, cert);
    ldg_enc_array(e, (uint32_t)h->tx_count);
    for (uint64_t i = 0; i < h->tx_count; i++)
        encode_receipt(e, &receipts[i]);
    ldg_enc_bin(e, state_root->b, LDG_HASH_LEN);
    ldg_enc_bin(e, genesis, genesis_len);
}

void ldg_record_free(ldg_record *r)
{
    ldg_dec_free(&r->dec);
    free(r->raw);
    free(r->txs);
    free(r->tx_lens);
    free(r->receipts);
    memset(r, 0, sizeof *r);
}

static ldg_err decode_receipts(ldg_record *r, const msgpack_object *o)
{
    const msgpack_object *items;
    uint32_t n;
    if (!ldg_obj_array_any(o, LDG_BLOCK_TX_MAX, &items, &n) || n != r->tx_count)
        return LDG_ERR_CORRUPT;
    r->receipts = calloc(n ? n : 1, sizeof *r->receipts);
    LDG_ASSERT(r->receipts);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *f;
        uint64_t code;
        const uint8_t *data;
        size_t dl;
        if (!ldg_obj_array(&items[i], 3, &f) || !ldg_obj_u64(&f[0], &code) || code > 999 ||
            !ldg_obj_str(&f[1], r->receipts[i].detail, LDG_TEXT_LEN_MAX, true) ||
            !ldg_obj_bin_ref(&f[2], sizeof r->receipts[i].data, &data, &dl))
            return LDG_ERR_CORRUPT;
        r->receipts[i].code = (ldg_result)code;
        if (dl) /* an empty binary's pointer may be NULL (ldg_decode) */
            memcpy(r->receipts[i].data, data, dl);
        r->receipts[i].data_len = dl;
    }
    return LDG_OK;
}

static ldg_err decode_record(ldg_record *r)
{
    const msgpack_object *f, *txs;
    const uint8_t *hb;
    size_t hl;
    uint32_t n;
    if (ldg_decode(&r->dec, r->raw, r->raw_len) != LDG_OK)
        return LDG_ERR_CORRUPT;
    if (!ldg_obj_array(r->dec.root, 6, &f) || !ldg_obj_bin_ref(&f[0], 4096, &hb, &hl) ||
        ldg_header_decode(&r->header, hb, hl) != LDG_OK ||
        !ldg_obj_array_any(&f[1], LDG_BLOCK_TX_MAX, &txs, &n) || n != r->header.tx_count)
        return LDG_ERR_CORRUPT;
    ldg_header_hash(&r->hash, &r->header);
    r->tx_count = n;
    r->txs = calloc(n ? n : 1, sizeof *r->txs);
    r->tx_lens = calloc(n ? n : 1, sizeof *r->tx_lens);
    LDG_ASSERT(r->txs && r->tx_lens);
    for (uint32_t i = 0; i < n; i++)
        if (!ldg_obj_bin_ref(&txs[i], LDG_TX_SIZE_MAX, &r->txs[i], &r->tx_lens[i]))
            return LDG_ERR_CORRUPT;
    if (ldg_cert_decode(&r->cert, &f[2]) != LDG_OK || decode_receipts(r, &f[3]) != LDG_OK ||
        !ldg_obj_bin(&f[4], r->state_root.b, LDG_HASH_LEN) ||
        !ldg_obj_bin_ref(&f[5], LDG_BLOCK_SIZE_MAX, &r->genesis, &r->genesis_len))
        return LDG_ERR_CORRUPT;
    return LDG_OK;
}

ldg_err ldg_chain_read_block(ldg_chain *c, uint64_t height, ldg_record *out)
{
    memset(out, 0, sizeof *out);
    uint8_t key[8];
    be64(key, height);
    ldg_err err = ldg_store_get(c->store, LDG_CF_BLOCKS, key, 8, &out->raw, &out->raw_len);
    if (err != LDG_OK)
        return err;
    err = decode_record(out);
    if (err != LDG_OK) {
        fprintf(stderr, "folio: block %llu record is corrupt (%s:%d)\n", (unsigned long long)height,
                __FILE__, __LINE__);
        ldg_record_free(out);
    }
    return err;
}

ldg_err ldg_chain_find_tx(ldg_chain *c, const ldg_hash *id, uint64_t *height, uint32_t *index)
{
    uint8_t key[1 + LDG_HASH_LEN] = {LDG_KEY_TXID};
    memcpy(key + 1, id->b, LDG_HASH_LEN);
    uint8_t *v;
    size_t vl;
    ldg_err err = ldg_store_get(c->store, LDG_CF_STATE, key, sizeof key, &v, &vl);
    if (err != LDG_OK)
        return err;
    ldg_dec d;
    err = ldg_decode(&d, v, vl);
    free(v);
    if (err != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    uint64_t h, i;
    bool ok = ldg_obj_array(d.root, 2, &f) && ldg_obj_u64(&f[0], &h) && ldg_obj_u64(&f[1], &i) &&
              i < LDG_BLOCK_TX_MAX;
    ldg_dec_free(&d);
    if (!ok)
        return LDG_ERR_CORRUPT;
    *height = h;
    *index = (uint32_t)i;
    return LDG_OK;
}

/* ---- open / tip ---- */

static void encode_tip(ldg_enc *e, const ldg_tip *t)
{
    ldg_enc_array(e, 5);
    ldg_enc_u64(e, t->height);
    ldg_enc_u64(e, t->time_ms);
    ldg_enc_bin(e, t->hash.b, LDG_HASH_LEN);
    ldg_enc_bin(e, t->state_root.b, LDG_HASH_LEN);
    ldg_enc_u64(e, t->tx_total);
}

static ldg_err load_tip(ldg_chain *c)
{
    uint8_t *v;
    size_t vl;
    ldg_err err = ldg_store_get(c->store, LDG_CF_META, META_TIP, sizeof META_TIP - 1, &v, &vl);
    if (err != LDG_OK)
        return err;
    ldg_dec d;
    err = ldg_decode(&d, v, vl);
    if (err != LDG_OK) {
        free(v);
        return LDG_ERR_CORRUPT;
    }
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 5, &f) && ldg_obj_u64(&f[0], &c->tip.height) &&
              ldg_obj_u64(&f[1], &c->tip.time_ms) &&
              ldg_obj_bin(&f[2], c->tip.hash.b, LDG_HASH_LEN) &&
              ldg_obj_bin(&f[3], c->tip.state_root.b, LDG_HASH_LEN) &&
              ldg_obj_u64(&f[4], &c->tip.tx_total);
    ldg_dec_free(&d);
    free(v); /* only now: the decoded binaries point into v */
    if (!ok)
        return LDG_ERR_CORRUPT;
    err = ldg_store_get(c->store, LDG_CF_META, META_CHAIN_ID, sizeof META_CHAIN_ID - 1, &v, &vl);
    if (err != LDG_OK)
        return LDG_ERR_CORRUPT;
    if (vl == 0 || vl > LDG_CHAIN_ID_LEN_MAX) {
        free(v);
        return LDG_ERR_CORRUPT;
    }
    memcpy(c->chain_id, v, vl);
    c->chain_id[vl] = '\0';
    free(v);
    c->head = c->tip;
    return LDG_OK;
}

void ldg_chain_batch_tip(ldg_batch *b, const ldg_tip *t)
{
    ldg_enc te;
    ldg_enc_init(&te);
    encode_tip(&te, t);
    ldg_batch_put(b, LDG_CF_META, META_TIP, sizeof META_TIP - 1, ldg_enc_data(&te),
                  ldg_enc_len(&te));
    ldg_enc_free(&te);
    uint8_t tkey[10] = {0, INDEX_TIME}, v[8];
    be64(tkey + 2, t->height);
    be64(v, t->time_ms);
    ldg_batch_put(b, LDG_CF_INDEX, tkey, sizeof tkey, v, 8);
    be64(v, t->height);
    ldg_batch_put(b, LDG_CF_INDEX, INDEX_TIP, sizeof INDEX_TIP, v, 8);
}

/* ---- the state tree ---- */

/* The state root after a block's sorted writes: the tree's root (its new nodes staged for
 * the block's batch), or without the tree the write-set chain (bench baseline). */
static ldg_err block_root(ldg_chain *c, const ldg_hash *prev, uint64_t height, const ldg_write *w,
                          size_t nw, ldg_hash *root)
{
    if (!c->tree) {
        ldg_state_root(root, prev, height, w, nw);
        return LDG_OK;
    }
    return ldg_smt_update(c->tree, height, w, nw, root);
}

/* Adds the staged tree nodes (and pruning deletes) to the block's batch. */
static void batch_tree(ldg_chain *c, ldg_batch *b)
{
    if (!c->tree)
        return;
    const ldg_write *tw;
    size_t tn = ldg_smt_staged(c->tree, &tw);
    for (size_t i = 0; i < tn; i++) {
        if (tw[i].val)
            ldg_batch_put(b, LDG_CF_TREE, tw[i].key, tw[i].klen, tw[i].val, tw[i].vlen);
        else
            ldg_batch_delete(b, LDG_CF_TREE, tw[i].key, tw[i].klen);
    }
}

/* After the block's batch was written (ok) or not: the staged version becomes current or
 * is dropped; versions up to `stored` are in the store. */
static void tree_done(ldg_chain *c, bool ok, uint64_t stored)
{
    if (!c->tree)
        return;
    if (ok) {
        ldg_smt_commit(c->tree);
        ldg_smt_stored(c->tree, stored);
    } else {
        ldg_smt_abandon(c->tree);
    }
}

static ldg_err tree_base_get(void *arg, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    return ldg_store_get(arg, LDG_CF_TREE, k, kl, v, vl);
}

static ldg_err tree_base_scan(void *arg, const uint8_t *p, size_t pl,
                              bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                              void *fa)
{
    return ldg_store_scan(arg, LDG_CF_TREE, p, pl, fn, fa);
}

static ldg_err tree_base_multi_get(void *arg, size_t n, const uint8_t *const *keys,
                                   const size_t *klens, uint8_t **vals, size_t *vlens, bool *found)
{
    return ldg_store_multi_get(arg, LDG_CF_TREE, n, keys, klens, vals, vlens, found);
}

ldg_state_base ldg_chain_tree_base(ldg_chain *c)
{
    /* (multi_get: a state-sync chunk's leaves are read at once, ldg_smt_snap_read) */
    return (ldg_state_base){tree_base_get,       tree_base_scan, c->store,
                            tree_base_multi_get, NULL,           NULL};
}

static ldg_err tree_open(ldg_chain *c, bool empty)
{
    if (ldg_smt_disabled())
        return LDG_OK;
    ldg_err err = ldg_smt_open(&c->tree, ldg_chain_tree_base(c), c->tip.height, empty);
    if (err == LDG_OK)
        ldg_smt_set_retention(c->tree, c->retain);
    return err;
}

/* ---- past state: a base reading the tree at one height ---- */

typedef struct past_base {
    ldg_chain *c;
    uint64_t height;
} past_base;

/* A node missing under a height that was readable a moment ago: pruned meanwhile. */
static ldg_err past_err(past_base *p, ldg_err err)
{
    uint64_t floor;
    if (err == LDG_ERR_CORRUPT && ldg_smt_floor(ldg_chain_tree_base(p->c), &floor) == LDG_OK &&
        p->height < floor)
        return LDG_ERR_PRUNED;
    return err;
}

static ldg_err past_get(void *arg, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    past_base *p = arg;
    bool found;
    ldg_err err = ldg_smt_get_at(ldg_chain_tree_base(p->c), p->height, k, kl, v, vl, &found);
    if (err != LDG_OK)
        return past_err(p, err);
    return found ? LDG_OK : LDG_ERR_NOT_FOUND;
}

typedef struct past_row {
    uint8_t *k, *v;
    size_t kl, vl;
} past_row;

typedef struct past_scan {
    past_base *p;
    past_row *rows;
    size_t n, cap;
    ldg_err err;
} past_scan;

static void past_add(past_scan *s, const uint8_t *k, size_t kl, uint8_t *v, size_t vl)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->rows = realloc(s->rows, s->cap * sizeof *s->rows);
        LDG_ASSERT(s->rows);
    }
    past_row *r = &s->rows[s->n++];
    r->k = malloc(kl);
    LDG_ASSERT(r->k);
    memcpy(r->k, k, kl);
    r->kl = kl, r->v = v, r->vl = vl;
}

static bool past_register_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    uint8_t *copy = malloc(vl ? vl : 1);
    LDG_ASSERT(copy);
    if (vl)
        memcpy(copy, v, vl);
    past_add(arg, k, kl, copy, vl);
    return true;
}

/* A key of today's state: its value at the height, if it had one. */
static bool past_current_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    past_scan *s = arg;
    uint8_t *pv;
    size_t pvl;
    ldg_err err = past_get(s->p, k, kl, &pv, &pvl);
    if (err == LDG_OK)
        past_add(s, k, kl, pv, pvl);
    else if (err != LDG_ERR_NOT_FOUND)
        s->err = err;
    return s->err == LDG_OK;
}

static int past_row_cmp(const void *a, const void *b)
{
    const past_row *x = a, *y = b;
    int c = memcmp(x->k, y->k, x->kl < y->kl ? x->kl : y->kl);
    return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

static ldg_err past_scan_fn(void *arg, const uint8_t *prefix, size_t plen,
                            bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                            void *fa)
{
    past_base *p = arg;
    past_scan s = {.p = p};
    ldg_err err;
    if (plen == 1 + LDG_SMT_ID_LEN && prefix[0] == 'b')
        err = ldg_smt_register_at(ldg_chain_tree_base(p->c), p->height, prefix + 1,
                                  past_register_row, &s);
    else
        err = ldg_store_scan(p->c->store, LDG_CF_STATE, prefix, plen, past_current_row, &s);
    if (err == LDG_OK)
        err = s.err;
    err = past_err(p, err);
    if (err == LDG_OK && s.n)
        qsort(s.rows, s.n, sizeof *s.rows, past_row_cmp);
    bool go = true;
    for (size_t i = 0; i < s.n; i++) {
        if (err == LDG_OK && go)
            go = fn(fa, s.rows[i].k, s.rows[i].kl, s.rows[i].v, s.rows[i].vl);
        free(s.rows[i].k);
        free(s.rows[i].v);
    }
    free(s.rows);
    return err;
}

ldg_err ldg_chain_reader_at(ldg_chain *c, uint64_t height, ldg_state **out)
{
    *out = NULL;
    if (ldg_smt_disabled())
        return LDG_ERR_UNAVAILABLE;
    if (height > ldg_chain_tip(c).height)
        return LDG_ERR_NOT_FOUND;
    uint64_t floor;
    ldg_err err = ldg_smt_floor(ldg_chain_tree_base(c), &floor);
    if (err != LDG_OK)
        return err;
    if (height < floor)
        return LDG_ERR_PRUNED;
    past_base *p = malloc(sizeof *p);
    if (!p)
        return LDG_ERR_NOMEM;
    *p = (past_base){c, height};
    *out = ldg_state_new((ldg_state_base){past_get, past_scan_fn, p, NULL, free, NULL});
    return LDG_OK;
}

/* The lowest height still readable (0 if nothing was pruned). */
ldg_err ldg_chain_floor(ldg_chain *c, uint64_t *floor)
{
    return ldg_smt_floor(ldg_chain_tree_base(c), floor);
}

void ldg_chain_set_retention(ldg_chain *c, uint64_t blocks)
{
    c->retain = blocks && blocks < LDG_SMT_RETAIN_MIN ? LDG_SMT_RETAIN_MIN : blocks;
    if (c->tree)
        ldg_smt_set_retention(c->tree, c->retain);
}

static ldg_err write_genesis(ldg_chain *c, const ldg_genesis *g)
{
    ldg_genesis_apply_all(c->reg, c->overlay, g);
    const ldg_write *w;
    size_t nw = ldg_state_writes(c->overlay, &w);
    ldg_header h = {.version = LDG_BLOCK_VERSION, .height = 0, .time_ms = g->time_ms};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", g->chain_id);
    ldg_tx_root(&h.tx_root, NULL, 0);
    ldg_hash zero = {{0}}, root;
    ldg_err terr = block_root(c, &zero, 0, w, nw, &root);
    if (terr != LDG_OK) {
        ldg_state_reset(c->overlay);
        return terr;
    }
    ldg_enc ge, rec;
    ldg_enc_init(&ge);
    ldg_genesis_encode(&ge, g);
    ldg_enc_init(&rec);
    ldg_cert cert = {.height = 0};
    ldg_header_hash(&cert.block_hash, &h);
    encode_record(&rec, &h, NULL, NULL, &cert, NULL, &root, ldg_enc_data(&ge), ldg_enc_len(&ge));
    ldg_batch *b = ldg_batch_new(c->store);
    for (size_t i = 0; i < nw; i++)
        ldg_batch_put(b, LDG_CF_STATE, w[i].key, w[i].klen, w[i].val, w[i].vlen);
    batch_tree(c, b);
    uint8_t key[8];
    be64(key, 0);
    ldg_batch_put(b, LDG_CF_BLOCKS, key, 8, ldg_enc_data(&rec), ldg_enc_len(&rec));
    ldg_tip tip = {.height = 0, .time_ms = g->time_ms, .hash = cert.block_hash, .state_root = root};
    ldg_enc te;
    ldg_enc_init(&te);
    encode_tip(&te, &tip);
    ldg_batch_put(b, LDG_CF_META, META_TIP, sizeof META_TIP - 1, ldg_enc_data(&te),
                  ldg_enc_len(&te));
    ldg_batch_put(b, LDG_CF_META, META_CHAIN_ID, sizeof META_CHAIN_ID - 1, g->chain_id,
                  strlen(g->chain_id));
    ldg_chain_index_block(c, b, c->overlay, 0, g->time_ms);
    ldg_block_limits lim;
    ldg_err err = ldg_block_limits_read(c->reg, c->overlay, &lim);
    if (err == LDG_OK)
        err = ldg_store_write(c->store, b, true);
    ldg_batch_free(b);
    ldg_enc_free(&ge);
    ldg_enc_free(&rec);
    ldg_enc_free(&te);
    ldg_state_reset(c->overlay);
    tree_done(c, err == LDG_OK, 0);
    if (err == LDG_OK) {
        c->tip = c->head = tip;
        c->limits = lim;
        c->index_ready = true;
        snprintf(c->chain_id, sizeof c->chain_id, "%s", g->chain_id);
        ldg_genesis_hash(&c->genesis_hash, g);
    }
    return err;
}

/* The genesis hash of a stored chain, from the genesis document in block 0's record. */
static ldg_err load_genesis_hash(ldg_chain *c)
{
    ldg_record r;
    ldg_err err = ldg_chain_read_block(c, 0, &r);
    if (err != LDG_OK)
        return err == LDG_ERR_NOT_FOUND ? LDG_ERR_CORRUPT : err;
    if (!r.genesis || r.genesis_len == 0)
        err = LDG_ERR_CORRUPT;
    else
        ldg_genesis_hash_bytes(&c->genesis_hash, r.genesis, r.genesis_len);
    ldg_record_free(&r);
    return err;
}

ldg_err ldg_chain_open(ldg_chain **out, const char *db_path, const ldg_registry *reg,
                       const ldg_genesis *genesis, bool read_only)
{
    ldg_open_report rep;
    return ldg_chain_open_report(out, db_path, reg, genesis, read_only, &rep);
}

/* The store would not replay its log: how far does it still reach? Read leniently (the
 * log up to its first damaged record), only to say so. */
static void find_last_good(const char *db_path, ldg_open_report *rep)
{
    ldg_chain probe = {.mark_fd = -1};
    char why[16];
    if (ldg_store_open_ex(&probe.store, db_path, true, true, why, sizeof why) != LDG_OK)
        return;
    if (load_tip(&probe) == LDG_OK) {
        rep->stored = probe.tip.height;
        rep->stored_known = true;
    }
    ldg_store_close(probe.store);
}

static ldg_err chain_init(ldg_chain *c, const ldg_registry *reg, const ldg_genesis *genesis,
                          bool read_only)
{
    c->reg = reg;
    c->read_only = read_only;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->verify_threads = cores > 0 && cores < 64 ? (unsigned)cores : 2;
    c->sigcache = read_only ? NULL : ldg_sigcache_new(); /* NULL: verified inline */
    c->cache_keys = LDG_STATE_CACHE_KEYS;
    c->cache_bytes = LDG_STATE_CACHE_BYTES;
    pthread_mutex_init(&c->tip_lock, NULL);
    pthread_mutex_init(&c->wlock, NULL);
    pthread_cond_init(&c->wcond, NULL);
    c->overlay = ldg_chain_reader(c);
    c->retain = LDG_SMT_RETAIN_DEFAULT;
    ldg_err err = load_tip(c);
    if (err == LDG_OK)
        err = load_genesis_hash(c);
    if (err == LDG_OK)
        err = tree_open(c, false);
    if (err == LDG_OK)
        err = ldg_block_limits_read(c->reg, c->overlay, &c->limits);
    else if (err == LDG_ERR_NOT_FOUND && genesis && !read_only) {
        err = tree_open(c, true);
        if (err == LDG_OK)
            err = write_genesis(c, genesis);
    }
    return err;
}

/* ---- the index of notes ---- */

static void put_be(uint8_t *out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        out[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

bool ldg_note_row_parse(const uint8_t *row, size_t len, ldg_note_row *out)
{
    if (len < LDG_NOTE_ROW_HEADER)
        return false;
    memset(out, 0, sizeof *out);
    out->height = get_be(row, 8);
    out->time_ms = get_be(row + 8, 8);
    out->seq = (uint32_t)get_be(row + 16, 4);
    out->origin.in_tx = row[20] != 0;
    out->origin.index = (uint32_t)get_be(row + 21, 4);
    out->origin.type = (uint16_t)get_be(row + 25, 2);
    memcpy(out->origin.txid.b, row + 27, LDG_HASH_LEN);
    out->val = row + LDG_NOTE_ROW_HEADER;
    out->vlen = len - LDG_NOTE_ROW_HEADER;
    return true;
}

static void put_note(ldg_batch *b, const ldg_note *n, uint64_t height, uint64_t time_ms)
{
    uint8_t row[LDG_NOTE_ROW_HEADER + LDG_NOTE_VALUE_MAX];
    put_be(row, height, 8);
    put_be(row + 8, time_ms, 8);
    put_be(row + 16, n->seq, 4);
    row[20] = n->origin.in_tx;
    put_be(row + 21, n->origin.index, 4);
    put_be(row + 25, n->origin.type, 2);
    memcpy(row + 27, n->origin.txid.b, LDG_HASH_LEN);
    memcpy(row + LDG_NOTE_ROW_HEADER, n->val, n->vlen);
    for (size_t k = 0; k < n->nkeys; k++) {
        uint8_t key[LDG_NOTE_KEY_LEN_MAX];
        size_t kl = n->keys[k].klen;
        memcpy(key, n->keys[k].key, kl);
        if (n->keys[k].positioned) {
            put_be(key + kl, height, 8);
            put_be(key + kl + 8, n->seq, 4);
            kl += 12;
        }
        ldg_batch_put(b, LDG_CF_INDEX, key, kl, row, LDG_NOTE_ROW_HEADER + n->vlen);
    }
}

void ldg_chain_index_block(ldg_chain *c, ldg_batch *b, ldg_state *st, uint64_t height,
                           uint64_t time_ms)
{
    (void)c;
    size_t n = ldg_state_note_count(st);
    for (size_t i = 0; i < n; i++) {
        ldg_note note;
        ldg_state_note_at(st, i, &note);
        put_note(b, &note, height, time_ms);
    }
    uint8_t tkey[10] = {0, INDEX_TIME}, v[8];
    put_be(tkey + 2, height, 8);
    put_be(v, time_ms, 8);
    ldg_batch_put(b, LDG_CF_INDEX, tkey, sizeof tkey, v, 8);
    put_be(v, height, 8);
    ldg_batch_put(b, LDG_CF_INDEX, INDEX_TIP, sizeof INDEX_TIP, v, 8);
}

/* On open: the index must reach the tip. A store written before the index existed (or
 * whose index was damaged) has it rebuilt from the blocks. */
static ldg_err index_tip_check(ldg_chain *c)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    ldg_err err = ldg_store_get(c->store, LDG_CF_INDEX, INDEX_TIP, sizeof INDEX_TIP, &v, &vl);
    if (err != LDG_OK && err != LDG_ERR_NOT_FOUND)
        return err;
    c->index_ready = err == LDG_OK && vl == 8 && get_be(v, 8) == c->tip.height;
    free(v);
    return LDG_OK;
}

static ldg_err index_check(ldg_chain *c)
{
    ldg_err err = index_tip_check(c);
    if (err != LDG_OK || c->index_ready || c->read_only || !c->reg)
        return err;
    fprintf(stderr,
            "folio: the history index does not reach height %llu: rebuilding it from the "
            "blocks\n",
            (unsigned long long)c->tip.height);
    ldg_verify_report rep;
    err = ldg_chain_reindex(c, &rep);
    if (err == LDG_OK && !rep.ok)
        fprintf(stderr, "folio: the history index was not rebuilt: block %llu: %s\n",
                (unsigned long long)rep.broken_height, rep.reason);
    return err == LDG_OK ? index_tip_check(c) : err;
}

const ldg_registry *ldg_chain_registry(const ldg_chain *c)
{
    return c->reg;
}

ldg_err ldg_chain_index_scan(ldg_chain *c, const void *prefix, size_t plen, const void *start,
                             size_t slen, ldg_scan_fn fn, void *arg)
{
    return ldg_store_scan_from(c->store, LDG_CF_INDEX, prefix, plen, start, slen, fn, arg);
}

ldg_err ldg_chain_index_scan_back(ldg_chain *c, const void *prefix, size_t plen, const void *start,
                                  size_t slen, ldg_scan_fn fn, void *arg)
{
    return ldg_store_scan_back(c->store, LDG_CF_INDEX, prefix, plen, start, slen, fn, arg);
}

ldg_err ldg_chain_index_get(ldg_chain *c, const void *key, size_t klen, uint8_t **val, size_t *vlen)
{
    return ldg_store_get(c->store, LDG_CF_INDEX, key, klen, val, vlen);
}

bool ldg_chain_index_ready(ldg_chain *c)
{
    return c->index_ready;
}

ldg_err ldg_chain_block_time(ldg_chain *c, uint64_t height, uint64_t *time_ms)
{
    uint8_t key[10] = {0, INDEX_TIME}, *v;
    size_t vl;
    put_be(key + 2, height, 8);
    ldg_err err = ldg_store_get(c->store, LDG_CF_INDEX, key, sizeof key, &v, &vl);
    if (err != LDG_OK)
        return err == LDG_ERR_NOT_FOUND ? LDG_ERR_CORRUPT : err;
    *time_ms = vl == 8 ? get_be(v, 8) : 0;
    free(v);
    return vl == 8 ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ldg_chain_height_at(ldg_chain *c, uint64_t time_ms, uint64_t *height)
{
    uint64_t lo = 0, hi = ldg_chain_tip(c).height + 1; /* the answer is in [lo, hi] */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, t;
        ldg_err err = ldg_chain_block_time(c, mid, &t);
        if (err != LDG_OK)
            return err;
        if (t >= time_ms)
            hi = mid;
        else
            lo = mid + 1;
    }
    *height = lo;
    return LDG_OK;
}

ldg_err ldg_chain_open_report(ldg_chain **out, const char *db_path, const ldg_registry *reg,
                              const ldg_genesis *genesis, bool read_only, ldg_open_report *rep)
{
    memset(rep, 0, sizeof *rep);
    ldg_err err = ldg_mark_read(db_path, &rep->committed, &rep->committed_known);
    if (err != LDG_OK)
        return err;
    ldg_chain *c = calloc(1, sizeof *c);
    if (!c)
        return LDG_ERR_NOMEM;
    c->mark_fd = -1;
    err = ldg_store_open_ex(&c->store, db_path, read_only, false, rep->why, sizeof rep->why);
    if (err != LDG_OK) {
        free(c);
        if (err == LDG_ERR_CORRUPT)
            find_last_good(db_path, rep);
        return err;
    }
    if (ldg_snap_store_syncing(c->store)) {
        /* Its state is a part of a checkpoint's: never to be read or built on. */
        snprintf(rep->why, sizeof rep->why,
                 "it is partly state-synced from a checkpoint; `folio node start "
                 "--sync-from-checkpoint` finishes the sync");
        ldg_store_close(c->store);
        free(c);
        return LDG_ERR_CORRUPT;
    }
    err = chain_init(c, reg, genesis, read_only);
    if (err == LDG_OK || err == LDG_ERR_NOT_FOUND) {
        rep->stored = err == LDG_OK ? c->tip.height : 0;
        rep->stored_known = err == LDG_OK;
        if (rep->committed_known && (err != LDG_OK || c->tip.height < rep->committed)) {
            rep->lost = true;
            err = LDG_ERR_CORRUPT;
        }
    }
    if (err == LDG_OK && !read_only) {
        c->mark_fd = ldg_mark_open(db_path);
        if (c->mark_fd < 0 || ldg_mark_write(c->mark_fd, c->tip.height) != LDG_OK)
            err = LDG_ERR_IO;
    }
    if (err == LDG_OK)
        err = index_check(c);
    if (err != LDG_OK) {
        ldg_chain_close(c);
        return err;
    }
    *out = c;
    return LDG_OK;
}

static ldg_err writer_wait(ldg_chain *c);
static void overlay_reset(ldg_chain *c);

void ldg_chain_close(ldg_chain *c)
{
    if (!c)
        return;
    if (c->writer_on) {
        pthread_mutex_lock(&c->wlock);
        c->wstop = true;
        pthread_cond_broadcast(&c->wcond);
        pthread_mutex_unlock(&c->wlock);
        pthread_join(c->writer, NULL); /* it stores what is in flight first */
    }
    pthread_mutex_destroy(&c->wlock);
    pthread_cond_destroy(&c->wcond);
    ldg_state_free(c->overlay);
    ldg_smt_free(c->tree);
    ldg_store_close(c->store);
    ldg_mark_close(c->mark_fd); /* after the store: its close may still sync the log */
    pthread_mutex_destroy(&c->tip_lock);
    ldg_sigcache_free(c->sigcache);
    free(c);
}

ldg_sigcache *ldg_chain_sigcache(ldg_chain *c)
{
    return c->sigcache;
}

void ldg_chain_set_verify_threads(ldg_chain *c, unsigned threads)
{
    c->verify_threads = threads >= 1 && threads <= 64 ? threads : 2;
}

const char *ldg_chain_id(const ldg_chain *c)
{
    return c->chain_id;
}

const ldg_hash *ldg_chain_genesis_hash(const ldg_chain *c)
{
    return &c->genesis_hash;
}

ldg_tip ldg_chain_tip(ldg_chain *c)
{
    pthread_mutex_lock(&c->tip_lock);
    ldg_tip t = c->tip;
    pthread_mutex_unlock(&c->tip_lock);
    return t;
}

void ldg_chain_set_cache_limits(ldg_chain *c, size_t keys, size_t bytes)
{
    c->cache_keys = keys;
    c->cache_bytes = bytes;
}

void ldg_chain_set_write_delay(ldg_chain *c, unsigned us)
{
    c->write_delay_us = us;
}

ldg_tip ldg_chain_head(ldg_chain *c)
{
    return c->head;
}

ldg_store *ldg_chain_store(ldg_chain *c)
{
    return c->store;
}

uint32_t ldg_validators_read(ldg_state *st, ldg_pubkey *out, uint32_t cap)
{
    uint8_t vc = LDG_KEY_VALIDATOR_COUNT;
    uint64_t n = 0;
    if (ldg_state_get_u64(st, &vc, 1, &n) != LDG_OK || n > cap)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t key[5] = {LDG_KEY_VALIDATOR, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
                          (uint8_t)(i >> 8), (uint8_t)i};
        const uint8_t *v;
        size_t vl;
        bool found;
        if (ldg_state_get(st, key, sizeof key, &v, &vl, &found) != LDG_OK || !found ||
            vl != LDG_PUBKEY_LEN)
            return 0;
        memcpy(out[i].b, v, LDG_PUBKEY_LEN);
    }
    return (uint32_t)n;
}

uint32_t ldg_chain_validators(ldg_chain *c, ldg_pubkey *out, uint32_t cap)
{
    return ldg_chain_validators_at(c, ldg_chain_tip(c).height + 1, out, cap, NULL);
}

bool ldg_chain_read_only(const ldg_chain *c)
{
    return c->read_only;
}

uint32_t ldg_chain_validators_range(ldg_chain *c, uint64_t height, ldg_pubkey *out, uint32_t cap,
                                    uint64_t *from, uint64_t *until)
{
    ldg_valset *v = malloc(2 * sizeof *v);
    LDG_ASSERT(v);
    ldg_state *st = ldg_chain_reader(c);
    uint32_t n = 0, next = 0;
    if (ldg_valset_at(st, height, v) == LDG_OK && v->count <= cap &&
        (!until || ldg_valset_changes(st, height, v + 1, 1, &next) == LDG_OK)) {
        n = v->count;
        memcpy(out, v->keys, n * sizeof *out);
        if (from)
            *from = v->from;
        if (until)
            *until = next ? v[1].from : UINT64_MAX;
    }
    ldg_state_free(st);
    free(v);
    return n;
}

uint32_t ldg_chain_validators_at(ldg_chain *c, uint64_t height, ldg_pubkey *out, uint32_t cap,
                                 uint64_t *from)
{
    return ldg_chain_validators_range(c, height, out, cap, from, NULL);
}

/* ---- the seam ---- */

void ldg_exec_out_free(ldg_exec_out *o)
{
    free(o->receipts);
    memset(o, 0, sizeof *o);
}

static ldg_err decode_all(const uint8_t *const *txs, const size_t *lens, uint32_t n, ldg_tx *out,
                          uint32_t *bad)
{
    for (uint32_t i = 0; i < n; i++) {
        if (ldg_tx_decode(&out[i], txs[i], lens[i]) != LDG_R_OK) {
            for (uint32_t k = 0; k < i; k++)
                ldg_tx_free(&out[k]);
            *bad = i;
            return LDG_ERR_INVALID;
        }
    }
    return LDG_OK;
}

ldg_err ldg_chain_propose(ldg_chain *c, const uint8_t *const *txs, const size_t *lens, uint32_t n,
                          uint64_t time_ms, const ldg_pubkey *proposer, ldg_header *out)
{
    LDG_ASSERT(n <= LDG_BLOCK_TX_MAX);
    ldg_tx_ref *refs = calloc(n ? n : 1, sizeof *refs); /* n == 0: still one defined element */
    LDG_ASSERT(refs);
    for (uint32_t i = 0; i < n; i++) {
        ldg_tx tx;
        if (ldg_tx_decode(&tx, txs[i], lens[i]) != LDG_R_OK) {
            free(refs);
            return LDG_ERR_INVALID;
        }
        refs[i] = ldg_tx_ref_of(&tx);
        ldg_tx_free(&tx);
    }
    ldg_err err = ldg_chain_propose_refs(c, refs, lens, n, time_ms, proposer, out);
    free(refs);
    return err;
}

ldg_err ldg_chain_propose_refs(ldg_chain *c, const ldg_tx_ref *refs, const size_t *lens, uint32_t n,
                               uint64_t time_ms, const ldg_pubkey *proposer, ldg_header *out)
{
    LDG_ASSERT(n <= LDG_BLOCK_TX_MAX);
    size_t bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        bytes += lens[i];
    ldg_block_limits lim = ldg_chain_block_limits(c);
    if (!ldg_block_limits_fit(&lim, n, bytes, NULL, 0))
        return LDG_ERR_TOO_LARGE;
    ldg_tip tip = c->head;
    memset(out, 0, sizeof *out);
    out->version = LDG_BLOCK_VERSION;
    snprintf(out->chain_id, sizeof out->chain_id, "%s", c->chain_id);
    out->height = tip.height + 1;
    out->time_ms = time_ms > tip.time_ms ? time_ms : tip.time_ms + 1;
    out->prev_hash = tip.hash;
    out->prev_state_root = tip.state_root;
    ldg_tx_root(&out->tx_root, refs, n);
    out->tx_count = n;
    out->proposer = *proposer;
    return LDG_OK;
}

static ldg_err check_header_refs(ldg_chain *c, const ldg_header *h, const ldg_tx_ref *refs,
                                 uint32_t n)
{
    ldg_tip tip = c->head;
    if (strcmp(h->chain_id, c->chain_id) != 0 || h->height != tip.height + 1 ||
        h->time_ms <= tip.time_ms || memcmp(h->prev_hash.b, tip.hash.b, LDG_HASH_LEN) != 0 ||
        memcmp(h->prev_state_root.b, tip.state_root.b, LDG_HASH_LEN) != 0 || h->tx_count != n)
        return LDG_ERR_INVALID;
    ldg_hash root;
    ldg_tx_root(&root, refs, n);
    return memcmp(root.b, h->tx_root.b, LDG_HASH_LEN) == 0 ? LDG_OK : LDG_ERR_INVALID;
}

static ldg_err check_header(ldg_chain *c, const ldg_header *h, const ldg_tx *txs, uint32_t n)
{
    ldg_tx_ref *refs = calloc(n ? n : 1, sizeof *refs); /* n == 0: still one defined element */
    LDG_ASSERT(refs);
    for (uint32_t i = 0; i < n; i++)
        refs[i] = ldg_tx_ref_of(&txs[i]);
    ldg_err err = check_header_refs(c, h, refs, n);
    free(refs);
    return err;
}

/* The block limits in force at h's height (those of the state after the previous block,
 * whatever is "now" elsewhere): LDG_ERR_TOO_LARGE, said on stderr, if it exceeds them. */
static ldg_err check_limits(ldg_chain *c, const ldg_header *h, const size_t *lens, uint32_t n)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        bytes += lens[i];
    char why[128];
    ldg_block_limits lim = ldg_chain_block_limits(c);
    if (ldg_block_limits_fit(&lim, n, bytes, why, sizeof why))
        return LDG_OK;
    fprintf(stderr, "folio: block %llu is refused: %s\n", (unsigned long long)h->height, why);
    return LDG_ERR_TOO_LARGE;
}

ldg_block_limits ldg_chain_block_limits(ldg_chain *c)
{
    /* Under tip_lock: the committing thread sets them, the consensus thread reads them. */
    pthread_mutex_lock(&c->tip_lock);
    ldg_block_limits lim = c->limits;
    pthread_mutex_unlock(&c->tip_lock);
    return lim;
}

ldg_err ldg_chain_check(ldg_chain *c, const ldg_header *h, const ldg_tx_ref *refs,
                        const size_t *lens, uint32_t n)
{
    if (h->version != LDG_BLOCK_VERSION || h->tx_count > LDG_BLOCK_TX_MAX || n > LDG_BLOCK_TX_MAX)
        return LDG_ERR_INVALID;
    ldg_err err = check_limits(c, h, lens, n);
    return err != LDG_OK ? err : check_header_refs(c, h, refs, n);
}

/* Runs hooks and transactions on st. */
static ldg_err run_block(ldg_chain *c, const ldg_registry *reg, ldg_state *st, const ldg_header *h,
                         const ldg_tx *txs, uint32_t n, bool dev_mode, ldg_exec_out *out)
{
    ldg_env env = {.chain_id = h->chain_id,
                   .height = h->height,
                   .time_ms = h->time_ms,
                   .dev_mode = dev_mode,
                   .sigcache = c->sigcache};
    out->count = n;
    out->ok_count = 0;
    out->receipts = calloc(n ? n : 1, sizeof *out->receipts);
    LDG_ASSERT(out->receipts);
    ldg_err err = ldg_exec_begin_block(reg, st, &env);
    /* After the hooks (they may change a validator set): the state the first transaction
     * sees. The handlers verify inline whatever this did not gather. */
    if (err == LDG_OK)
        ldg_exec_presign(reg, st, &env, txs, n, c->verify_threads);
    for (uint32_t i = 0; err == LDG_OK && i < n; i++) {
        err = ldg_exec_tx(reg, st, &env, &txs[i], i, &out->receipts[i]);
        out->ok_count += out->receipts[i].code == LDG_R_OK;
    }
    if (err != LDG_OK) {
        ldg_exec_out_free(out);
        return err;
    }
    const ldg_write *w;
    size_t nw = ldg_state_writes(st, &w);
    err = block_root(c, &h->prev_state_root, h->height, w, nw, &out->state_root);
    if (err != LDG_OK)
        ldg_exec_out_free(out);
    return err;
}

ldg_err ldg_chain_execute(ldg_chain *c, const ldg_header *h, const uint8_t *const *txs,
                          const size_t *lens, const bool *verified, bool dev_mode,
                          ldg_exec_out *out)
{
    memset(out, 0, sizeof *out);
    uint32_t n = (uint32_t)h->tx_count, bad = 0;
    if (h->tx_count > LDG_BLOCK_TX_MAX)
        return LDG_ERR_INVALID;
    ldg_err err = check_limits(c, h, lens, n);
    if (err != LDG_OK)
        return err;
    ldg_tx *dec = malloc((n ? n : 1) * sizeof *dec);
    LDG_ASSERT(dec);
    err = decode_all(txs, lens, n, dec, &bad);
    if (err != LDG_OK) {
        fprintf(stderr, "folio: block %llu: transaction %u does not decode\n",
                (unsigned long long)h->height, bad);
        free(dec);
        return err;
    }
    err = check_header(c, h, dec, n);
    if (err == LDG_OK && (!verified || memchr(verified, 0, n))) {
        bool *ok = malloc(n ? n : 1);
        LDG_ASSERT(ok);
        ldg_verify_parallel(dec, n, ok, c->verify_threads, &c->genesis_hash);
        for (uint32_t i = 0; i < n; i++)
            if (!(verified && verified[i]) && !ok[i])
                err = LDG_ERR_INVALID;
        free(ok);
    }
    if (err == LDG_OK) {
        /* Clean values cached by earlier committed blocks stay; writes of a block that was
         * executed but never committed must not. */
        if (ldg_state_has_writes(c->overlay))
            overlay_reset(c);
        err = prefetch_replay_keys(c->overlay, dec, n);
        if (err == LDG_OK)
            err = run_block(c, c->reg, c->overlay, h, dec, n, dev_mode, out);
    }
    for (uint32_t i = 0; i < n; i++)
        ldg_tx_free(&dec[i]);
    free(dec);
    return err;
}

ldg_err ldg_chain_commit(ldg_chain *c, const ldg_header *h, const uint8_t *const *txs,
                         const size_t *lens, const ldg_cert *cert, const ldg_exec_out *out)
{
    return ldg_chain_commit_ex(c, h, txs, lens, cert, out, LDG_COMMIT_SYNCED);
}

/* ---- the background writer ---- */

static void publish_tip(ldg_chain *c, const ldg_tip *tip)
{
    pthread_mutex_lock(&c->tip_lock);
    c->tip = *tip;
    pthread_mutex_unlock(&c->tip_lock);
}

static void *writer_run(void *arg)
{
    ldg_chain *c = arg;
    pthread_mutex_lock(&c->wlock);
    for (;;) {
        while (!c->wq_len && !c->wstop)
            pthread_cond_wait(&c->wcond, &c->wlock);
        if (!c->wq_len)
            break;
        struct wjob job = c->wq[c->wq_head];
        pthread_mutex_unlock(&c->wlock);
        if (c->write_delay_us)
            usleep(c->write_delay_us);
        ldg_err err = ldg_store_write(c->store, job.batch, false);
        ldg_batch_free(job.batch);
        if (err == LDG_OK)
            publish_tip(c, &job.tip);
        pthread_mutex_lock(&c->wlock);
        if (err != LDG_OK && c->werr == LDG_OK)
            c->werr = err;
        c->wq_head = (c->wq_head + 1) % LDG_CHAIN_WRITES_IN_FLIGHT;
        c->wq_len--;
        pthread_cond_broadcast(&c->wcond);
    }
    pthread_mutex_unlock(&c->wlock);
    return NULL;
}

/* Waits until at most `left` background writes are in flight; the error of any that
 * failed. *oldest (if given) is the overlay epoch of the oldest still in flight, or
 * `none` if none is. */
static ldg_err writer_drain(ldg_chain *c, unsigned left, uint32_t *oldest, uint32_t none)
{
    if (oldest)
        *oldest = none;
    if (!c->writer_on)
        return LDG_OK;
    pthread_mutex_lock(&c->wlock);
    while (c->wq_len > left)
        pthread_cond_wait(&c->wcond, &c->wlock);
    if (oldest && c->wq_len)
        *oldest = c->wq[c->wq_head].epoch;
    ldg_err err = c->werr;
    pthread_mutex_unlock(&c->wlock);
    return err;
}

/* Waits until no background write is in flight; its error if any failed. */
static ldg_err writer_wait(ldg_chain *c)
{
    return writer_drain(c, 0, NULL, 0);
}

/* The overlay may be emptied only once what it holds for a background write is stored
 * (until then a read that misses it would find the store one block behind). */
static void overlay_reset(ldg_chain *c)
{
    (void)writer_wait(c);
    ldg_state_reset(c->overlay);
    if (c->tree)
        ldg_smt_abandon(c->tree);
}

ldg_err ldg_chain_persist(ldg_chain *c)
{
    LDG_ASSERT(!c->read_only);
    ldg_err err = writer_wait(c);
    if (err == LDG_OK)
        err = ldg_store_persist(c->store);
    if (err == LDG_OK)
        err = ldg_mark_write(c->mark_fd, c->head.height);
    return err;
}

static void set_limits(ldg_chain *c, const ldg_block_limits *lim)
{
    pthread_mutex_lock(&c->tip_lock);
    c->limits = *lim;
    pthread_mutex_unlock(&c->tip_lock);
}

ldg_err ldg_chain_commit_ex(ldg_chain *c, const ldg_header *h, const uint8_t *const *txs,
                            const size_t *lens, const ldg_cert *cert, const ldg_exec_out *out,
                            ldg_commit_mode mode)
{
    LDG_ASSERT(!c->read_only);
    /* The next block's limits, from the state this block leaves (its hooks may have
     * activated a block.* parameter): read before the overlay settles. */
    ldg_block_limits lim;
    ldg_err lerr = ldg_block_limits_read(c->reg, c->overlay, &lim);
    if (lerr != LDG_OK)
        return lerr;
    const ldg_write *w;
    size_t nw = ldg_state_writes(c->overlay, &w);
    ldg_batch *b = ldg_batch_new(c->store);
    for (size_t i = 0; i < nw; i++) {
        if (w[i].val)
            ldg_batch_put(b, LDG_CF_STATE, w[i].key, w[i].klen, w[i].val, w[i].vlen);
        else
            ldg_batch_delete(b, LDG_CF_STATE, w[i].key, w[i].klen);
    }
    ldg_chain_index_block(c, b, c->overlay, h->height, h->time_ms);
    batch_tree(c, b);
    ldg_enc rec;
    ldg_enc_init(&rec);
    encode_record(&rec, h, txs, lens, cert, out->receipts, &out->state_root, NULL, 0);
    uint8_t key[8];
    be64(key, h->height);
    ldg_batch_put(b, LDG_CF_BLOCKS, key, 8, ldg_enc_data(&rec), ldg_enc_len(&rec));
    ldg_tip tip = {.height = h->height,
                   .time_ms = h->time_ms,
                   .state_root = out->state_root,
                   .tx_total = c->head.tx_total + h->tx_count};
    ldg_header_hash(&tip.hash, h);
    ldg_enc te;
    ldg_enc_init(&te);
    encode_tip(&te, &tip);
    ldg_batch_put(b, LDG_CF_META, META_TIP, sizeof META_TIP - 1, ldg_enc_data(&te),
                  ldg_enc_len(&te));
    ldg_enc_free(&rec);
    ldg_enc_free(&te);
    if (mode == LDG_COMMIT_BACKGROUND) {
        /* Up to LDG_CHAIN_WRITES_IN_FLIGHT blocks in the writer's queue. The overlay keeps
         * every value of the blocks not yet stored (settle_keep never empties it, and past
         * its limits keeps what was looked up since the oldest of them). */
        uint32_t epoch = ldg_state_epoch(c->overlay), oldest;
        ldg_err err = writer_drain(c, LDG_CHAIN_WRITES_IN_FLIGHT - 1, &oldest, epoch);
        if (err != LDG_OK) {
            ldg_batch_free(b);
            return err; /* the store has stopped; the overlay may hold unstored blocks */
        }
        tree_done(c, true, ldg_chain_tip(c).height); /* its nodes stay in memory until stored */
        if (!c->writer_on) {
            LDG_ASSERT(pthread_create(&c->writer, NULL, writer_run, c) == 0);
            c->writer_on = true;
        }
        ldg_state_settle_keep(c->overlay, c->cache_keys, c->cache_bytes, oldest);
        c->head = tip;
        set_limits(c, &lim);
        pthread_mutex_lock(&c->wlock);
        c->wq[(c->wq_head + c->wq_len) % LDG_CHAIN_WRITES_IN_FLIGHT] =
            (struct wjob){.batch = b, .tip = tip, .epoch = epoch};
        c->wq_len++;
        pthread_cond_broadcast(&c->wcond);
        pthread_mutex_unlock(&c->wlock);
        return LDG_OK;
    }
    /* The blocks in the writer's queue are stored before this one. */
    ldg_err err = writer_wait(c);
    if (err != LDG_OK) {
        ldg_batch_free(b);
        ldg_state_reset(c->overlay);
        tree_done(c, false, 0);
        return err;
    }
    err = ldg_store_write(c->store, b, mode == LDG_COMMIT_SYNCED);
    ldg_batch_free(b);
    tree_done(c, err == LDG_OK, h->height);
    if (err == LDG_OK)
        ldg_state_settle(c->overlay, c->cache_keys, c->cache_bytes);
    else
        ldg_state_reset(c->overlay);
    if (err == LDG_OK) {
        c->head = tip;
        set_limits(c, &lim);
        publish_tip(c, &tip);
        if (mode == LDG_COMMIT_SYNCED)
            err = ldg_mark_write(c->mark_fd, tip.height);
    }
    return err;
}

void ldg_chain_abandon(ldg_chain *c)
{
    overlay_reset(c);
}

/* ---- parallel signature verification ---- */

typedef struct verify_job {
    const ldg_tx *txs;
    const ldg_hash *genesis;
    bool *ok;
    uint32_t begin, end;
} verify_job;

static void *verify_worker(void *arg)
{
    verify_job *j = arg;
    for (uint32_t i = j->begin; i < j->end; i++)
        j->ok[i] = ldg_tx_verify(&j->txs[i], j->genesis);
    return NULL;
}

void ldg_verify_parallel(const ldg_tx *txs, uint32_t n, bool *ok, unsigned threads,
                         const ldg_hash *genesis)
{
    enum { THREADS_MAX = 64 };
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    if (threads <= 1 || n < 64) {
        verify_job j = {txs, genesis, ok, 0, n};
        verify_worker(&j);
        return;
    }
    pthread_t tid[THREADS_MAX];
    verify_job jobs[THREADS_MAX];
    uint32_t per = (n + threads - 1) / threads;
    for (unsigned t = 0; t < threads; t++) {
        uint32_t b = t * per, e = b + per > n ? n : b + per;
        jobs[t] = (verify_job){txs, genesis, ok, b < n ? b : n, e};
        LDG_ASSERT(pthread_create(&tid[t], NULL, verify_worker, &jobs[t]) == 0);
    }
    for (unsigned t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
}
