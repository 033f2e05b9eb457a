/* The anchor transaction and the subject log in the state (specs/evidence.md §3, §4). */
#include "ldg_ev.h"

#include <string.h>

#define NS 'P'

static const ldg_result_info ev_results[] = {
    {LDG_R_EV_BAD_SLICE, "EV_BAD_SLICE",
     "the slice's record count is 0 or over 65536, or its first time is after its last"},
    {LDG_R_EV_FUTURE, "EV_FUTURE", "the slice holds a record time after the block time"},
    {LDG_R_EV_BLOCK_FULL, "EV_BLOCK_FULL",
     "the block already holds the most anchors a block may hold; submit again"},
    {LDG_R_EV_DUPLICATE, "EV_DUPLICATE", "this slice root is already anchored"},
    {LDG_R_EV_STALE_HEAD, "EV_STALE_HEAD",
     "the anchor does not extend the sender's evidence log: its previous anchor or log size is "
     "not the current head's"},
    {LDG_R_EV_BAD_LOG_ROOT, "EV_BAD_LOG_ROOT",
     "the anchor's log root is not the root of the sender's evidence log with this slice added"},
    {LDG_R_EV_NOT_ANCHORED, "EV_NOT_ANCHORED",
     "the slice root is not anchored (for a disclosure: not by the sender)"},
    {LDG_R_EV_NOT_INCLUDED, "EV_NOT_INCLUDED",
     "a record, its line or its inclusion path does not match the anchored slice"},
    {LDG_R_EV_NOT_DISCLOSURE, "EV_NOT_DISCLOSURE",
     "the records are not a disclosure naming the investor and instrument and the investor's "
     "acknowledgement linked to it"},
    {LDG_R_EV_ATTESTED, "EV_ATTESTED", "this member already attested a copy of this slice"},
    {LDG_R_EV_OWN_SLICE, "EV_OWN_SLICE",
     "the slice's own subject cannot attest an off-site copy of it"},
};

void ldg_ev_anchor_encode(ldg_enc *e, const ldg_ev_anchor *a)
{
    ldg_enc_array(e, 8);
    ldg_enc_bin(e, a->slice_root.b, LDG_HASH_LEN);
    ldg_enc_u64(e, a->record_count);
    ldg_enc_u64(e, a->time_first);
    ldg_enc_u64(e, a->time_last);
    ldg_enc_str(e, LDG_EV_SCHEMA);
    ldg_enc_bin(e, a->prev_anchor.b, LDG_HASH_LEN);
    ldg_enc_u64(e, a->log_size);
    ldg_enc_bin(e, a->log_root.b, LDG_HASH_LEN);
}

bool ldg_ev_anchor_decode(ldg_ev_anchor *a, const msgpack_object *payload)
{
    const msgpack_object *f;
    char schema[16];
    return ldg_obj_array(payload, 8, &f) && ldg_obj_bin(&f[0], a->slice_root.b, LDG_HASH_LEN) &&
           ldg_obj_u64(&f[1], &a->record_count) && ldg_obj_u64(&f[2], &a->time_first) &&
           ldg_obj_u64(&f[3], &a->time_last) &&
           ldg_obj_str(&f[4], schema, sizeof schema - 1, false) && !strcmp(schema, LDG_EV_SCHEMA) &&
           ldg_obj_bin(&f[5], a->prev_anchor.b, LDG_HASH_LEN) && ldg_obj_u64(&f[6], &a->log_size) &&
           ldg_obj_bin(&f[7], a->log_root.b, LDG_HASH_LEN);
}

/* ---- state ---- */

static size_t head_key(uint8_t *k, const ldg_account *a)
{
    k[0] = NS;
    k[1] = 'h';
    memcpy(k + 2, a->b, LDG_ACCOUNT_LEN);
    return 2 + LDG_ACCOUNT_LEN;
}

static size_t entry_key(uint8_t *k, const ldg_account *a, uint64_t index)
{
    k[0] = NS;
    k[1] = 'l';
    memcpy(k + 2, a->b, LDG_ACCOUNT_LEN);
    for (int i = 0; i < 8; i++)
        k[2 + LDG_ACCOUNT_LEN + i] = (uint8_t)(index >> (56 - 8 * i));
    return 2 + LDG_ACCOUNT_LEN + 8;
}

/* 'P' 't' account20 u8(level) be64(index): the root of a perfect subtree of the log. */
static size_t node_key(uint8_t *k, const ldg_account *a, uint32_t level, uint64_t index)
{
    k[0] = NS;
    k[1] = 't';
    memcpy(k + 2, a->b, LDG_ACCOUNT_LEN);
    k[2 + LDG_ACCOUNT_LEN] = (uint8_t)level;
    for (int i = 0; i < 8; i++)
        k[3 + LDG_ACCOUNT_LEN + i] = (uint8_t)(index >> (56 - 8 * i));
    return 3 + LDG_ACCOUNT_LEN + 8;
}

static void node_put(ldg_state *st, const ldg_account *a, uint32_t level, uint64_t index,
                     const ldg_hash *h)
{
    uint8_t k[40];
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_bin(&e, h->b, LDG_HASH_LEN);
    ldg_state_put(st, k, node_key(k, a, level, index), ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

typedef struct node_reader {
    ldg_state *st;
    const ldg_account *a;
    bool corrupt;
} node_reader;

static bool node_get(void *arg, uint32_t level, uint64_t index, ldg_hash *out)
{
    node_reader *r = arg;
    uint8_t k[40];
    const uint8_t *v;
    size_t vl;
    bool found = false;
    if (ldg_state_get(r->st, k, node_key(k, r->a, level, index), &v, &vl, &found) != LDG_OK) {
        r->corrupt = true;
        return false;
    }
    if (!found)
        return false;
    if (vl != 2 + LDG_HASH_LEN || v[0] != 0xc4 || v[1] != LDG_HASH_LEN) {
        r->corrupt = true;
        return false;
    }
    memcpy(out->b, v + 2, LDG_HASH_LEN);
    return true;
}

ldg_err ldg_ev_log_consistency(ldg_state *st, const ldg_account *subject, uint64_t m, uint64_t n,
                               ldg_hash *proof, size_t *len, ldg_hash *root_m, ldg_hash *root_n)
{
    node_reader r = {st, subject, false};
    if (ldg_ev_consistency_nodes(proof, len, n, m, node_get, &r) &&
        ldg_ev_range_root(node_get, &r, 0, m, root_m) &&
        ldg_ev_range_root(node_get, &r, 0, n, root_n))
        return LDG_OK;
    return r.corrupt ? LDG_ERR_CORRUPT : LDG_ERR_NOT_FOUND;
}

static bool hashes_decode(const msgpack_object *o, ldg_hash *out, uint32_t max, uint32_t *n)
{
    const msgpack_object *it;
    if (!ldg_obj_array_any(o, max, &it, n))
        return false;
    for (uint32_t i = 0; i < *n; i++)
        if (!ldg_obj_bin(&it[i], out[i].b, LDG_HASH_LEN))
            return false;
    return true;
}

static void hashes_encode(ldg_enc *e, const ldg_hash *h, uint32_t n)
{
    ldg_enc_array(e, n);
    for (uint32_t i = 0; i < n; i++)
        ldg_enc_bin(e, h[i].b, LDG_HASH_LEN);
}

ldg_err ldg_ev_head_get(ldg_state *st, const ldg_account *subject, ldg_ev_head *out)
{
    memset(out, 0, sizeof *out);
    uint8_t k[32];
    const uint8_t *v;
    size_t vl;
    bool found;
    ldg_err err = ldg_state_get(st, k, head_key(k, subject), &v, &vl, &found);
    if (err != LDG_OK || !found)
        return err;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 3, &f) && ldg_obj_u64(&f[0], &out->peaks.size) &&
              ldg_obj_bin(&f[1], out->last_anchor.b, LDG_HASH_LEN) &&
              hashes_decode(&f[2], out->peaks.p, 64, &out->peaks.count) &&
              out->peaks.count == (uint32_t)__builtin_popcountll(out->peaks.size);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

static void head_put(ldg_state *st, const ldg_account *subject, const ldg_ev_head *h)
{
    uint8_t k[32];
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_u64(&e, h->peaks.size);
    ldg_enc_bin(&e, h->last_anchor.b, LDG_HASH_LEN);
    hashes_encode(&e, h->peaks.p, h->peaks.count);
    ldg_state_put(st, k, head_key(k, subject), ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

static void entry_put(ldg_state *st, const ldg_ev_entry *en)
{
    uint8_t k[40];
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_bin(&e, en->slice_root.b, LDG_HASH_LEN);
    ldg_enc_u64(&e, en->record_count);
    ldg_enc_u64(&e, en->time_first);
    ldg_enc_u64(&e, en->time_last);
    ldg_enc_bin(&e, en->anchor_txid.b, LDG_HASH_LEN);
    ldg_enc_u64(&e, en->height);
    hashes_encode(&e, en->path, en->path_len);
    ldg_state_put(st, k, entry_key(k, &en->subject, en->index), ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_reset(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_bin(&e, en->subject.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&e, en->index);
    k[0] = NS;
    k[1] = 'r';
    memcpy(k + 2, en->slice_root.b, LDG_HASH_LEN);
    ldg_state_put(st, k, 2 + LDG_HASH_LEN, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

void ldg_ev_log_append(ldg_state *st, ldg_ev_head *h, ldg_ev_entry *en, const ldg_hash *leaf)
{
    uint64_t i = h->peaks.size;
    en->index = i;
    en->path_len = 0;
    /* The leaf's inclusion path in the log of its own size: the old peaks, smallest first. */
    for (uint32_t j = 0; j < h->peaks.count; j++)
        en->path[en->path_len++] = h->peaks.p[h->peaks.count - 1 - j];
    entry_put(st, en);
    /* The perfect subtrees the leaf completes: itself, then one per trailing one bit of i
     * (each merges the next smallest old peak with the subtree so far). */
    ldg_hash cur = *leaf;
    node_put(st, &en->subject, 0, i, &cur);
    uint32_t lv = 0;
    for (uint64_t b = i; b & 1; b >>= 1) {
        ldg_ev_node(&cur, &h->peaks.p[h->peaks.count - 1 - lv], &cur);
        lv++;
        node_put(st, &en->subject, lv, ((i + 1) >> lv) - 1, &cur);
    }
    ldg_ev_peaks_append(&h->peaks, leaf);
    h->last_anchor = en->anchor_txid;
    head_put(st, &en->subject, h);
}

static ldg_err entry_get(ldg_state *st, const ldg_account *a, uint64_t index, ldg_ev_entry *out)
{
    uint8_t k[40];
    const uint8_t *v;
    size_t vl;
    bool found;
    ldg_err err = ldg_state_get(st, k, entry_key(k, a, index), &v, &vl, &found);
    if (err != LDG_OK)
        return err;
    if (!found)
        return LDG_ERR_CORRUPT; /* the root index names it */
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    out->subject = *a;
    out->index = index;
    bool ok = ldg_obj_array(d.root, 7, &f) && ldg_obj_bin(&f[0], out->slice_root.b, LDG_HASH_LEN) &&
              ldg_obj_u64(&f[1], &out->record_count) && ldg_obj_u64(&f[2], &out->time_first) &&
              ldg_obj_u64(&f[3], &out->time_last) &&
              ldg_obj_bin(&f[4], out->anchor_txid.b, LDG_HASH_LEN) &&
              ldg_obj_u64(&f[5], &out->height) &&
              hashes_decode(&f[6], out->path, 64, &out->path_len);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ldg_ev_entry_by_root(ldg_state *st, const ldg_hash *slice_root, ldg_ev_entry *out,
                             bool *found)
{
    uint8_t k[2 + LDG_HASH_LEN] = {NS, 'r'};
    memcpy(k + 2, slice_root->b, LDG_HASH_LEN);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, sizeof k, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    ldg_account a;
    uint64_t index;
    bool ok = ldg_obj_array(d.root, 2, &f) && ldg_obj_bin(&f[0], a.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_u64(&f[1], &index);
    ldg_dec_free(&d);
    return ok ? entry_get(st, &a, index, out) : LDG_ERR_CORRUPT;
}

/* ---- the handler ---- */

/* Counts this block's anchors ('P' 'b' -> [height, count]); false when the block is full. */
static ldg_result block_budget(ldg_txctx *c)
{
    static const uint8_t k[2] = {NS, 'b'};
    const uint8_t *v;
    size_t vl;
    bool found;
    uint64_t h = 0, n = 0;
    if (ldg_state_get(c->st, k, sizeof k, &v, &vl, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found) {
        ldg_dec d;
        const msgpack_object *f;
        if (ldg_decode(&d, v, vl) != LDG_OK)
            return LDG_R_STORE_FAILED;
        bool ok = ldg_obj_array(d.root, 2, &f) && ldg_obj_u64(&f[0], &h) && ldg_obj_u64(&f[1], &n);
        ldg_dec_free(&d);
        if (!ok)
            return LDG_R_STORE_FAILED;
    }
    if (h != c->env->height)
        n = 0;
    if (n >= LDG_EV_ANCHORS_PER_BLOCK_MAX)
        return LDG_R_EV_BLOCK_FULL;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, c->env->height);
    ldg_enc_u64(&e, n + 1);
    ldg_state_put(c->st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    return LDG_R_OK;
}

static ldg_result check_head(ldg_txctx *c, const ldg_ev_anchor *a, const ldg_ev_head *h,
                             ldg_hash *leaf)
{
    if (memcmp(a->prev_anchor.b, h->last_anchor.b, LDG_HASH_LEN) != 0 ||
        a->log_size != h->peaks.size + 1) {
        ldg_txctx_detail(c, "the log has %llu slices; this anchor claims %llu after it",
                         (unsigned long long)h->peaks.size, (unsigned long long)a->log_size);
        return LDG_R_EV_STALE_HEAD;
    }
    ldg_hash root;
    ldg_ev_log_leaf(leaf, &a->slice_root, a->record_count, a->time_first, a->time_last);
    ldg_ev_peaks_root_with(&h->peaks, leaf, &root);
    return memcmp(root.b, a->log_root.b, LDG_HASH_LEN) ? LDG_R_EV_BAD_LOG_ROOT : LDG_R_OK;
}

static ldg_result apply_anchor(ldg_txctx *c, const msgpack_object *payload)
{
    ldg_ev_anchor a;
    if (!ldg_ev_anchor_decode(&a, payload))
        return LDG_R_BAD_PAYLOAD;
    if (a.record_count == 0 || a.record_count > LDG_EV_SLICE_RECORDS_MAX ||
        a.time_first > a.time_last)
        return LDG_R_EV_BAD_SLICE;
    if (a.time_last > c->env->time_ms)
        return LDG_R_EV_FUTURE;
    ldg_result r = block_budget(c);
    if (r != LDG_R_OK)
        return r;
    ldg_ev_entry entry, *en = &entry;
    bool found;
    if (ldg_ev_entry_by_root(c->st, &a.slice_root, en, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    ldg_ev_head h;
    ldg_hash leaf;
    if (found)
        r = LDG_R_EV_DUPLICATE;
    else if (ldg_ev_head_get(c->st, &c->sender, &h) != LDG_OK)
        r = LDG_R_STORE_FAILED;
    else
        r = check_head(c, &a, &h, &leaf);
    if (r == LDG_R_OK) {
        *en = (ldg_ev_entry){.subject = c->sender,
                             .slice_root = a.slice_root,
                             .record_count = a.record_count,
                             .time_first = a.time_first,
                             .time_last = a.time_last,
                             .anchor_txid = c->tx->id,
                             .height = c->env->height};
        ldg_ev_log_append(c->st, &h, en, &leaf);
        memcpy(c->data, c->tx->id.b, LDG_HASH_LEN);
        c->data_len = LDG_HASH_LEN;
    }
    return r;
}

static const ldg_tx_type ev_types[] = {
    {LDG_TX_EV_ANCHOR, "evidence.anchor", LDG_ROLE_BROKER, apply_anchor},
};

void ldg_ev_register(ldg_registry *r)
{
    ldg_result_register(ev_results, LDG_ARRAY_LEN(ev_results));
    for (size_t i = 0; i < LDG_ARRAY_LEN(ev_types); i++)
        ldg_registry_add_tx(r, &ev_types[i]);
    ldg_registry_add_tx(r, &ldg_ev_disclose_type);
    ldg_registry_add_tx(r, &ldg_ev_attest_type);
}
