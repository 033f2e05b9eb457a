/* State sync chunks: see ldg_snap.h and specs/sync.md. */
#include "ldg_snap.h"
#include "ldg_proof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK_VERSION = 1, CHUNK_LEAVES = 0, CHUNK_NODE = 1, CHUNK_ROOTS = 2 };

/* The tree's kind as ldg_smt names it (LDG_SNAP_PLAIN.. map to LDG_SMT_TREE_PLAIN..). */
static uint8_t smt_tree(const ldg_snap_task *t)
{
    return (uint8_t)(t->tree - LDG_SNAP_PLAIN);
}

static bool is_register(const ldg_snap_task *t)
{
    return t->tree == LDG_SNAP_REGISTER;
}

static void set_nib(ldg_hash *p, unsigned depth, unsigned x)
{
    uint8_t *b = &p->b[depth / 2];
    *b = depth % 2 ? (uint8_t)((*b & 0xf0) | x) : (uint8_t)((*b & 0x0f) | x << 4);
}

static bool is_zero(const ldg_hash *h)
{
    static const ldg_hash zero;
    return memcmp(h->b, zero.b, LDG_HASH_LEN) == 0;
}

/* The first `depth` nibbles of p, the rest zero. */
static void clip(ldg_hash *out, const ldg_hash *p, unsigned depth)
{
    memset(out, 0, sizeof *out);
    memcpy(out->b, p->b, depth / 2);
    if (depth % 2)
        out->b[depth / 2] = p->b[depth / 2] & 0xf0;
}

static bool same_prefix(const ldg_hash *a, const ldg_hash *b, unsigned depth)
{
    ldg_hash x, y;
    clip(&x, a, depth);
    clip(&y, b, depth);
    return memcmp(x.b, y.b, LDG_HASH_LEN) == 0;
}

void ldg_snap_root_task(ldg_snap_task *t, const ldg_hash *state_root)
{
    memset(t, 0, sizeof *t);
    t->tree = LDG_SNAP_ROOT;
    t->hash = *state_root;
}

/* The root task's chunk: [1, 2, [P bin32, G bin32]], the two trees' root hashes. */
static ldg_err build_roots(ldg_state_base tree, uint64_t version, const ldg_snap_task *t,
                           ldg_enc *out)
{
    ldg_hash p, g;
    if (t->depth != 0)
        return LDG_ERR_NOT_FOUND;
    ldg_err err = ldg_smt_roots_at(tree, version, &p, &g);
    if (err != LDG_OK)
        return err;
    ldg_enc_array(out, 3);
    ldg_enc_u64(out, CHUNK_VERSION);
    ldg_enc_u64(out, CHUNK_ROOTS);
    ldg_enc_array(out, 2);
    ldg_enc_bin(out, p.b, LDG_HASH_LEN);
    ldg_enc_bin(out, g.b, LDG_HASH_LEN);
    return LDG_OK;
}

/* ---- building (serving side) ---- */

typedef struct build {
    ldg_enc items;
    uint32_t n;
    bool too_big;
} build;

static bool build_leaf(void *arg, bool reg, const uint8_t *key, size_t klen, const uint8_t *val,
                       uint64_t vlen)
{
    build *b = arg;
    if (reg) {
        ldg_enc_array(&b->items, 3);
        ldg_enc_bin(&b->items, key, klen);
        ldg_enc_bin(&b->items, val, LDG_HASH_LEN);
        ldg_enc_u64(&b->items, vlen);
    } else {
        ldg_enc_array(&b->items, 2);
        ldg_enc_bin(&b->items, key, klen);
        ldg_enc_bin(&b->items, val, (size_t)vlen);
    }
    b->n++;
    /* One leaf always goes (it cannot be split further). */
    b->too_big = b->n > 1 && ldg_enc_len(&b->items) > LDG_SNAP_CHUNK_BYTES_MAX;
    return !b->too_big;
}

static void encode_node(ldg_enc *out, const ldg_smt_slot kids[16])
{
    ldg_enc_array(out, 3);
    ldg_enc_u64(out, CHUNK_VERSION);
    ldg_enc_u64(out, CHUNK_NODE);
    ldg_enc_array(out, 16);
    for (int i = 0; i < 16; i++) {
        if (kids[i].kind == LDG_SMT_SLOT_EMPTY) {
            ldg_enc_nil(out);
            continue;
        }
        ldg_enc_array(out, 2);
        ldg_enc_bin(out, kids[i].hash.b, LDG_HASH_LEN);
        ldg_enc_u64(out, kids[i].sum);
    }
}

ldg_err ldg_snap_build(ldg_state_base tree, uint64_t version, const ldg_snap_task *t,
                       size_t keys_max, ldg_enc *out)
{
    LDG_ASSERT(keys_max <= LDG_SNAP_CHUNK_KEYS_MAX);
    if (t->tree == LDG_SNAP_ROOT)
        return build_roots(tree, version, t, out);
    if (t->tree > LDG_SNAP_REGISTER)
        return LDG_ERR_NOT_FOUND;
    build b = {0};
    ldg_enc_init(&b.items);
    ldg_smt_slot slot, kids[16];
    bool split;
    const uint8_t *id12 = is_register(t) ? t->id12 : NULL;
    ldg_err err = ldg_smt_snap_read(tree, version, smt_tree(t), id12, t->depth, &t->prefix,
                                    keys_max, &slot, kids, &split, build_leaf, &b);
    if (err == LDG_OK && b.too_big) /* many large values: split by size, not count */
        err = ldg_smt_snap_read(tree, version, smt_tree(t), id12, t->depth, &t->prefix, 0, &slot,
                                kids, &split, build_leaf, &b);
    if (err == LDG_OK && split) {
        encode_node(out, kids);
    } else if (err == LDG_OK) {
        ldg_enc_array(out, 3);
        ldg_enc_u64(out, CHUNK_VERSION);
        ldg_enc_u64(out, CHUNK_LEAVES);
        ldg_enc_array(out, b.n);
        ldg_enc_raw(out, ldg_enc_data(&b.items), ldg_enc_len(&b.items));
    }
    ldg_enc_free(&b.items);
    return err;
}

/* ---- verifying (syncing side) ---- */

static bool fail(char *why, size_t n, const char *fmt, const char *arg)
{
    snprintf(why, n, fmt, arg);
    return false;
}

/* Keeps a node of the chunk's subtree: (be32 klen ‖ key ‖ be32 vlen ‖ value). */
static void keep_node(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ldg_snap_chunk *c = arg;
    size_t need = 8 + kl + vl;
    if (c->nodes_len + need > c->nodes_cap) {
        c->nodes_cap = (c->nodes_len + need) * 2;
        c->nodes = realloc(c->nodes, c->nodes_cap);
        LDG_ASSERT(c->nodes);
    }
    uint8_t *o = c->nodes + c->nodes_len;
    for (int i = 0; i < 4; i++) {
        o[i] = (uint8_t)(kl >> (24 - 8 * i));
        o[4 + kl + i] = (uint8_t)(vl >> (24 - 8 * i));
    }
    memcpy(o + 4, k, kl);
    if (vl)
        memcpy(o + 8 + kl, v, vl);
    c->nodes_len += need;
}

static void chunk_grow(ldg_snap_chunk *c, size_t n)
{
    c->keys = calloc(n ? n : 1, sizeof *c->keys);
    c->vals = calloc(n ? n : 1, sizeof *c->vals);
    c->klens = calloc(n ? n : 1, sizeof *c->klens);
    c->vlens = calloc(n ? n : 1, sizeof *c->vlens);
    c->tasks = calloc(n ? n : 1, sizeof *c->tasks);
    LDG_ASSERT(c->keys && c->vals && c->klens && c->vlens && c->tasks);
}

/* One leaf of a LEAVES chunk: a key and value (plain tree, register), or a register
 * (registers tree only). */
static bool check_leaf(ldg_snap_chunk *c, const ldg_snap_task *t, const msgpack_object *o,
                       ldg_smt_bleaf *out, char *why, size_t wl)
{
    const msgpack_object *f;
    if (t->tree == LDG_SNAP_REGS) {
        if (!ldg_obj_array(o, 3, &f))
            return fail(why, wl, "%sregisters tree: a leaf that is not a register", "");
        ldg_snap_task *rt = &c->tasks[c->ntasks];
        memset(rt, 0, sizeof *rt);
        if (!ldg_obj_bin(&f[0], rt->id12, LDG_SMT_ID_LEN) ||
            !ldg_obj_bin(&f[1], rt->hash.b, LDG_HASH_LEN) || !ldg_obj_u64(&f[2], &rt->sum))
            return fail(why, wl, "%smalformed register leaf", "");
        if (is_zero(&rt->hash))
            return fail(why, wl, "%sa register leaf with an empty register", "");
        rt->tree = LDG_SNAP_REGISTER;
        memset(out, 0, sizeof *out);
        ldg_smt_register_leaf(&out->hash, &out->path, rt->id12, &rt->hash, rt->sum);
        out->reg = true;
        c->ntasks++;
        return true;
    }
    const uint8_t *k, *v;
    size_t kl, vl;
    if (!ldg_obj_array(o, 2, &f) || !ldg_obj_bin_ref(&f[0], LDG_SNAP_KEY_MAX, &k, &kl) || kl == 0 ||
        !ldg_obj_bin_ref(&f[1], LDG_SNAP_VALUE_MAX, &v, &vl))
        return fail(why, wl, "%smalformed leaf (a key and a value expected)", "");
    bool holding = kl == LDG_SMT_HOLDING_KEY_LEN && k[0] == 'b';
    if (holding != is_register(t) || (holding && memcmp(k + 1, t->id12, LDG_SMT_ID_LEN) != 0))
        return fail(why, wl, "%sa key that does not belong in this tree",
                    is_register(t) ? "register: " : "plain tree: ");
    ldg_smt_bleaf_of(out, k, kl, v, vl);
    c->keys[c->n] = k, c->klens[c->n] = kl, c->vals[c->n] = v, c->vlens[c->n] = vl;
    c->n++;
    return true;
}

static bool check_leaves(ldg_snap_chunk *c, const ldg_snap_task *t, const msgpack_object *items,
                         char *why, size_t wl)
{
    const msgpack_object *it;
    uint32_t n;
    if (!ldg_obj_array_any(items, LDG_SNAP_CHUNK_KEYS_MAX, &it, &n))
        return fail(why, wl, "%smore leaves than a chunk holds, or not a list", "");
    chunk_grow(c, n);
    ldg_smt_bleaf *l = calloc(n ? n : 1, sizeof *l);
    LDG_ASSERT(l);
    bool ok = true;
    for (uint32_t i = 0; ok && i < n; i++) {
        ok = check_leaf(c, t, &it[i], &l[i], why, wl);
        if (ok && !same_prefix(&l[i].path, &t->prefix, t->depth))
            ok = fail(why, wl, "%sa leaf outside the requested subtree", "");
        if (ok && i > 0 && memcmp(l[i - 1].path.b, l[i].path.b, LDG_HASH_LEN) >= 0)
            ok = fail(why, wl, "%sleaves out of path order (or repeated)", "");
    }
    /* The subtree's nodes are built as it is hashed, and kept for the apply. */
    ldg_smt_top *top = &c->top;
    if (ok && !ldg_smt_bulk_subtree(c->version, smt_tree(t), is_register(t) ? t->id12 : NULL,
                                    t->depth, l, n, keep_node, c, top))
        ok = fail(why, wl, "%sthe leaves' sums overflow", "");
    if (ok && (memcmp(top->hash.b, t->hash.b, LDG_HASH_LEN) != 0 || top->sum != t->sum))
        ok = fail(why, wl,
                  "%sthe leaves do not hash to the certified subtree (a key added, "
                  "missing or altered)",
                  "");
    free(l);
    return ok;
}

static bool check_node(ldg_snap_chunk *c, const ldg_snap_task *t, const msgpack_object *items,
                       char *why, size_t wl)
{
    const msgpack_object *it, *f;
    if (t->depth >= LDG_SMT_DEPTH_MAX || !ldg_obj_array(items, 16, &it))
        return fail(why, wl, "%sa node must have 16 slots, above the deepest level", "");
    chunk_grow(c, 16);
    ldg_hash hs[16];
    uint64_t ss[16];
    for (unsigned i = 0; i < 16; i++) {
        memset(&hs[i], 0, sizeof hs[i]);
        ss[i] = 0;
        if (it[i].type == MSGPACK_OBJECT_NIL)
            continue;
        if (!ldg_obj_array(&it[i], 2, &f) || !ldg_obj_bin(&f[0], hs[i].b, LDG_HASH_LEN) ||
            !ldg_obj_u64(&f[1], &ss[i]) || is_zero(&hs[i]) || (!is_register(t) && ss[i] != 0))
            return fail(why, wl, "%smalformed node slot", "");
        c->present |= (uint16_t)(1u << i);
        ldg_snap_task *k = &c->tasks[c->ntasks++];
        *k = *t;
        k->depth = (uint8_t)(t->depth + 1);
        set_nib(&k->prefix, t->depth, i);
        k->hash = hs[i];
        k->sum = ss[i];
    }
    ldg_hash h;
    uint64_t s;
    if (!ldg_smt_node_of(is_register(t), hs, ss, &h, &s))
        return fail(why, wl, "%sthe node's sums overflow", "");
    if (memcmp(h.b, t->hash.b, LDG_HASH_LEN) != 0 || s != t->sum)
        return fail(why, wl, "%sthe node does not hash to the certified subtree", "");
    c->split = true;
    return true;
}

/* The root task's chunk: P and G, whose TH("folio/smt/root", P ‖ G) must be the certified
 * state root; their trees are the follow-up tasks. */
static bool check_roots(ldg_snap_chunk *c, const ldg_snap_task *t, const msgpack_object *items,
                        char *why, size_t wl)
{
    const msgpack_object *it;
    ldg_hash p, g, h;
    if (!ldg_obj_array(items, 2, &it) || !ldg_obj_bin(&it[0], p.b, LDG_HASH_LEN) ||
        !ldg_obj_bin(&it[1], g.b, LDG_HASH_LEN))
        return fail(why, wl, "%sthe state root's chunk must be two root hashes", "");
    ldg_smt_state_root(&h, &p, &g);
    if (memcmp(h.b, t->hash.b, LDG_HASH_LEN) != 0)
        return fail(why, wl, "%sthe two trees' roots do not hash to the certified state root", "");
    chunk_grow(c, 2);
    c->roots = true;
    for (unsigned i = 0; i < 2; i++) {
        ldg_snap_task *k = &c->tasks[c->ntasks++];
        memset(k, 0, sizeof *k);
        k->tree = i ? LDG_SNAP_REGS : LDG_SNAP_PLAIN;
        k->hash = i ? g : p;
    }
    return true;
}

ldg_err ldg_snap_verify(ldg_snap_chunk *out, const ldg_snap_task *t, uint64_t version,
                        const uint8_t *data, size_t len, char *why, size_t why_len)
{
    memset(out, 0, sizeof *out);
    out->version = version;
    if (len > LDG_SNAP_REPLY_SIZE_MAX) {
        snprintf(why, why_len, "chunk of %zu bytes is over the limit", len);
        return LDG_ERR_DECODE;
    }
    if (ldg_decode(&out->dec, data, len) != LDG_OK) {
        snprintf(why, why_len, "chunk is not canonical msgpack");
        return LDG_ERR_DECODE;
    }
    out->live = true;
    const msgpack_object *f;
    uint64_t ver = 0, kind = 2;
    bool root = t->tree == LDG_SNAP_ROOT;
    bool ok = ldg_obj_array(out->dec.root, 3, &f) && ldg_obj_u64(&f[0], &ver) &&
              ver == CHUNK_VERSION && ldg_obj_u64(&f[1], &kind) && kind <= CHUNK_ROOTS;
    ldg_err err = LDG_ERR_DECODE;
    if (!ok)
        snprintf(why, why_len, "chunk is not [1, kind, items]");
    else if (root != (kind == CHUNK_ROOTS))
        ok = fail(why, why_len, "%s",
                  root ? "the state root's chunk must be its two trees' roots (kind 2)"
                       : "a chunk of two trees' roots (kind 2) answers only the state root");
    else if (kind == CHUNK_ROOTS)
        ok = check_roots(out, t, &f[2], why, why_len);
    else if (kind == CHUNK_LEAVES)
        ok = check_leaves(out, t, &f[2], why, why_len);
    else
        ok = check_node(out, t, &f[2], why, why_len);
    if (ok)
        return LDG_OK;
    if (ver == CHUNK_VERSION && kind <= CHUNK_ROOTS)
        err = LDG_ERR_INVALID; /* well formed, but it does not prove out */
    ldg_snap_chunk_free(out);
    return err;
}

void ldg_snap_chunk_free(ldg_snap_chunk *c)
{
    if (c->live)
        ldg_dec_free(&c->dec);
    free(c->keys);
    free(c->vals);
    free(c->klens);
    free(c->vlens);
    free(c->tasks);
    free(c->nodes);
    memset(c, 0, sizeof *c);
}

/* ---- the checkpoint ---- */

static bool checkpoint_decode(ldg_snap_checkpoint *c, const uint8_t *data, size_t len, ldg_dec *d,
                              const msgpack_object **trust, uint32_t *nt);

void ldg_snap_checkpoint_encode(ldg_enc *e, const ldg_header *h, const ldg_header *next,
                                const ldg_cert *cert)
{
    ldg_snap_checkpoint_encode_trust(e, h, next, cert, NULL, 0, 0);
}

ldg_err ldg_snap_checkpoint_keep_trust(ldg_store *s, const ldg_snap_checkpoint *cp)
{
    ldg_dec d;
    const msgpack_object *trust = NULL;
    uint32_t nt = 0;
    ldg_snap_checkpoint tmp;
    if (!checkpoint_decode(&tmp, cp->raw, cp->raw_len, &d, &trust, &nt))
        return LDG_ERR_CORRUPT;
    ldg_err err = ldg_trust_keep_all(s, trust, nt);
    ldg_dec_free(&d);
    return err;
}

/* The trust list (a fifth field, present only when the set changed: sync.md §2) stays in
 * d for the caller, which frees d. */
static bool checkpoint_decode(ldg_snap_checkpoint *c, const uint8_t *data, size_t len, ldg_dec *d,
                              const msgpack_object **trust, uint32_t *nt)
{
    if (len > LDG_SNAP_CHECKPOINT_MAX || ldg_decode(d, data, len) != LDG_OK)
        return false;
    const msgpack_object *f;
    const uint8_t *hb, *nb;
    size_t hl, nl;
    uint32_t n;
    *nt = 0;
    bool ok = ldg_obj_array_any(d->root, 5, &f, &n) && (n == 4 || n == 5) &&
              ldg_obj_u64(&f[0], &c->height) && ldg_obj_bin_ref(&f[1], 4096, &hb, &hl) &&
              ldg_header_decode(&c->header, hb, hl) == LDG_OK &&
              ldg_obj_bin_ref(&f[2], 4096, &nb, &nl) &&
              ldg_header_decode(&c->next, nb, nl) == LDG_OK &&
              ldg_cert_decode(&c->cert, &f[3]) == LDG_OK &&
              (n == 4 || (ldg_obj_array_any(&f[4], LDG_VALSET_CHANGES_MAX, trust, nt) && *nt > 0));
    if (!ok)
        ldg_dec_free(d);
    return ok;
}

void ldg_snap_checkpoint_encode_trust(ldg_enc *e, const ldg_header *h, const ldg_header *next,
                                      const ldg_cert *cert, const uint8_t *trust, size_t trust_len,
                                      uint32_t trust_count)
{
    ldg_enc he, ne;
    ldg_enc_init(&he);
    ldg_enc_init(&ne);
    ldg_header_encode(&he, h);
    ldg_header_encode(&ne, next);
    ldg_enc_array(e, trust_count ? 5 : 4);
    ldg_enc_u64(e, h->height);
    ldg_enc_bin(e, ldg_enc_data(&he), ldg_enc_len(&he));
    ldg_enc_bin(e, ldg_enc_data(&ne), ldg_enc_len(&ne));
    ldg_cert_encode(e, cert);
    if (trust_count)
        ldg_enc_raw(e, trust, trust_len);
    ldg_enc_free(&he);
    ldg_enc_free(&ne);
}

ldg_err ldg_snap_checkpoint_check(ldg_snap_checkpoint *out, const uint8_t *data, size_t len,
                                  const ldg_genesis *g, char *why, size_t why_len)
{
    memset(out, 0, sizeof *out);
    ldg_dec d;
    const msgpack_object *trust = NULL;
    uint32_t nt = 0;
    if (!checkpoint_decode(out, data, len, &d, &trust, &nt)) {
        snprintf(why, why_len, "checkpoint does not decode");
        return LDG_ERR_DECODE;
    }
    const char *chain_id = g->chain_id;
    /* The set that must sign block H+1: the genesis set, followed through the changes the
     * checkpoint carries, each certified by the set before it (proofs.md §5). */
    ldg_valset *set = malloc(sizeof *set);
    LDG_ASSERT(set);
    char tw[256];
    bool trust_ok = out->height < UINT64_MAX && ldg_trust_follow(trust, nt, g, out->height + 1, set,
                                                                 tw, sizeof tw) == LDG_PROOF_OK;
    out->trust_count = nt;
    ldg_dec_free(&d);
    ldg_hash hh, nh;
    ldg_header_hash(&hh, &out->header);
    ldg_header_hash(&nh, &out->next);
    const char *bad = NULL;
    if (out->header.height != out->height || out->next.height != out->height + 1)
        bad = "its headers are not of blocks H and H+1";
    else if (strcmp(out->header.chain_id, chain_id) || strcmp(out->next.chain_id, chain_id))
        bad = "it is of another chain";
    else if (memcmp(out->next.prev_hash.b, hh.b, LDG_HASH_LEN) != 0)
        bad = "block H+1 does not extend block H";
    else if (!trust_ok)
        bad = tw;
    else if (out->cert.height != out->next.height ||
             memcmp(out->cert.block_hash.b, nh.b, LDG_HASH_LEN) != 0 ||
             !ldg_cert_verify(&out->cert, chain_id, set->keys, set->count))
        bad = nt ? "the certificate of block H+1 does not verify against the validator set in "
                   "force (after the changes it carries)"
                 : "the certificate of block H+1 does not verify against the genesis validators";
    free(set);
    if (bad) {
        snprintf(why, why_len, "checkpoint at height %llu refused: %s",
                 (unsigned long long)out->height, bad);
        return LDG_ERR_INVALID;
    }
    out->state_root = out->next.prev_state_root;
    out->raw = malloc(len ? len : 1);
    LDG_ASSERT(out->raw);
    memcpy(out->raw, data, len);
    out->raw_len = len;
    return LDG_OK;
}

void ldg_snap_checkpoint_free(ldg_snap_checkpoint *c)
{
    free(c->raw);
    memset(c, 0, sizeof *c);
}
