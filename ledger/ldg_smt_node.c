/* The state tree's node codec and hashing: node keys, slot and internal-node encodings
 * (local, specs/state.md §5.4) and the leaf and node hashes (normative, §5.2). */
#include "ldg_smt_int.h"

#include <string.h>

/* The tree id as keys hold it: 00 (plain tree), 02 (registers tree) or 01 ‖ id12 (a
 * register). */
static size_t key_tid(uint8_t *k, const uint8_t *tid)
{
    size_t n = tid[0] == 1 ? TID_LEN : 1;
    memcpy(k, tid, n);
    return n;
}

/* Node keys start with their version, so that RocksDB sees the tree's rows arrive in key
 * order: each flush covers versions after those already stored and compaction rewrites
 * almost nothing (specs/state.md §5.4). Heights stay below 2^56: the first byte is 0. */
size_t smt_inode_key(uint8_t *k, const uint8_t *tid, unsigned depth, const ldg_hash *path,
                     uint64_t version)
{
    LDG_ASSERT(version >> 56 == 0);
    put_be64(k, version);
    k[8] = 'I';
    size_t n = 9 + key_tid(k + 9, tid);
    k[n++] = (uint8_t)depth;
    memcpy(k + n, path->b, (depth + 1) / 2);
    n += (depth + 1) / 2;
    if (depth % 2)
        k[n - 1] &= 0xf0;
    return n;
}

size_t smt_leaf_key(uint8_t *k, const uint8_t *tid, const ldg_hash *path, uint64_t version)
{
    LDG_ASSERT(version >> 56 == 0);
    put_be64(k, version);
    k[8] = 'L';
    size_t n = 9 + key_tid(k + 9, tid);
    memcpy(k + n, path->b, 32);
    return n + 32;
}

void smt_child_encode(uint8_t *o, const child *c)
{
    o[0] = c->kind;
    memcpy(o + 1, c->hash.b, 32);
    put_be64(o + 33, c->sum);
    put_be64(o + 41, c->version);
    memcpy(o + 49, c->path.b, 32);
}

bool smt_child_decode(child *c, const uint8_t *p, size_t n)
{
    if (n != CHILD_ENC_LEN || p[0] > K_LEAF)
        return false;
    c->kind = p[0];
    memcpy(c->hash.b, p + 1, 32);
    c->sum = get_be64(p + 33);
    c->version = get_be64(p + 41);
    memcpy(c->path.b, p + 49, 32);
    return true;
}

/* ---- hashing (normative: specs/state.md §5.2) ---- */

void ldg_smt_path(ldg_hash *out, const uint8_t *key, size_t klen)
{
    ldg_tagged_hash(out, LDG_TAG_SMT_KEY, key, klen);
}

void smt_register_path(ldg_hash *out, const uint8_t *id12)
{
    ldg_tagged_hash(out, LDG_TAG_SMT_REGPATH, id12, LDG_SMT_ID_LEN);
}

bool smt_is_zero(const ldg_hash *h)
{
    static const ldg_hash zero;
    return memcmp(h->b, zero.b, LDG_HASH_LEN) == 0;
}

/* The amount a holding value counts for: the canonical u64 it holds, else 0. */
uint64_t smt_holding_amount(const uint8_t *v, size_t n)
{
    if (n == 1 && v[0] < 0x80)
        return v[0];
    size_t w = n == 2 && v[0] == 0xcc   ? 1
               : n == 3 && v[0] == 0xcd ? 2
               : n == 5 && v[0] == 0xce ? 4
               : n == 9 && v[0] == 0xcf ? 8
                                        : 0;
    if (!w)
        return 0;
    uint64_t a = 0;
    for (size_t i = 1; i <= w; i++)
        a = a << 8 | v[i];
    /* canonical: the shortest form only */
    uint64_t lo = w == 1 ? 0x80 : w == 2 ? 0x100 : w == 4 ? 0x10000 : 0x100000000ull;
    return a >= lo ? a : 0;
}

void smt_plain_leaf_hash(ldg_hash *out, const ldg_hash *path, const ldg_hash *vh)
{
    uint8_t buf[64];
    memcpy(buf, path->b, 32);
    memcpy(buf + 32, vh->b, 32);
    ldg_tagged_hash(out, LDG_TAG_SMT_LEAF, buf, sizeof buf);
}

void smt_holding_leaf_hash(ldg_hash *out, const ldg_hash *path, const ldg_hash *vh, uint64_t amount)
{
    uint8_t buf[72];
    memcpy(buf, path->b, 32);
    memcpy(buf + 32, vh->b, 32);
    put_be64(buf + 64, amount);
    ldg_tagged_hash(out, LDG_TAG_SUM_LEAF, buf, sizeof buf);
}

void smt_register_leaf_hash(ldg_hash *out, const ldg_hash *rpath, const ldg_hash *sroot,
                            uint64_t total)
{
    uint8_t buf[72];
    memcpy(buf, rpath->b, 32);
    memcpy(buf + 32, sroot->b, 32);
    put_be64(buf + 64, total);
    ldg_tagged_hash(out, LDG_TAG_SMT_REGISTER, buf, sizeof buf);
}

/* One binary step: empty ‖ empty is empty; sums add (false on overflow). */
bool smt_combine(bool sum_tree, const ldg_hash *l, uint64_t ls, const ldg_hash *r, uint64_t rs,
                 ldg_hash *out, uint64_t *os)
{
    if (smt_is_zero(l) && smt_is_zero(r) && ls == 0 && rs == 0) {
        memset(out, 0, sizeof *out);
        *os = 0;
        return true;
    }
    if (!sum_tree) {
        uint8_t buf[64];
        memcpy(buf, l->b, 32);
        memcpy(buf + 32, r->b, 32);
        ldg_tagged_hash(out, LDG_TAG_SMT_INNER, buf, sizeof buf);
        *os = 0;
        return true;
    }
    uint8_t buf[80];
    memcpy(buf, l->b, 32);
    put_be64(buf + 32, ls);
    memcpy(buf + 40, r->b, 32);
    put_be64(buf + 72, rs);
    ldg_tagged_hash(out, LDG_TAG_SUM_INNER, buf, sizeof buf);
    *os = ls + rs;
    return *os >= ls;
}

void smt_node_hash(bool sum_tree, const child *c, binlevels *lv, ldg_hash *out, uint64_t *sum)
{
    for (int i = 0; i < 16; i++) {
        lv->h[0][i] = c[i].kind == K_EMPTY ? (ldg_hash){{0}} : c[i].hash;
        lv->s[0][i] = c[i].kind == K_EMPTY ? 0 : c[i].sum;
    }
    for (int k = 1; k <= 4; k++)
        for (int i = 0; i < 16 >> k; i++)
            if (!smt_combine(sum_tree, &lv->h[k - 1][2 * i], lv->s[k - 1][2 * i],
                             &lv->h[k - 1][2 * i + 1], lv->s[k - 1][2 * i + 1], &lv->h[k][i],
                             &lv->s[k][i]))
                lv->s[k][i] = UINT64_MAX;
    *out = lv->h[4][0];
    *sum = lv->s[4][0];
}

/* ---- node encodings (local) ----
 * internal: 0x01 ‖ be16 present ‖ be16 leaves ‖ per present slot: hash ‖
 *           uvarint(node version − child version) ‖ (register: uvarint sum) ‖ (leaf: path);
 *           the sums of P and G are all 0. A child's place (depth, prefix) is its
 *           parent's plus its slot: not stored. A leaf's path is: leaves are keyed by it.
 * leaf:     0x02 ‖ be16 klen ‖ key ‖ value
 * register: 0x03 ‖ id12 ‖ child encoding of the register's root */

size_t smt_inode_size(const child *c, bool sum_tree, uint64_t version)
{
    size_t n = 5;
    for (int i = 0; i < 16; i++)
        if (c[i].kind != K_EMPTY)
            n += 32 + uvarint_len(version - c[i].version) + (sum_tree ? uvarint_len(c[i].sum) : 0) +
                 (c[i].kind == K_LEAF ? 32 : 0);
    return n;
}

size_t smt_inode_encode(uint8_t *o, const child *c, bool sum_tree, uint64_t version)
{
    uint16_t present = 0, leaves = 0;
    size_t n = 5;
    for (int i = 0; i < 16; i++) {
        if (c[i].kind == K_EMPTY)
            continue;
        LDG_ASSERT(c[i].version <= version); /* a child is never younger than its parent */
        present |= (uint16_t)(1u << i);
        memcpy(o + n, c[i].hash.b, 32);
        n += 32;
        n += put_uvarint(o + n, version - c[i].version);
        if (sum_tree)
            n += put_uvarint(o + n, c[i].sum);
        if (c[i].kind == K_LEAF) {
            leaves |= (uint16_t)(1u << i);
            memcpy(o + n, c[i].path.b, 32);
            n += 32;
        }
    }
    o[0] = 1;
    o[1] = (uint8_t)(present >> 8), o[2] = (uint8_t)present;
    o[3] = (uint8_t)(leaves >> 8), o[4] = (uint8_t)leaves;
    return n;
}

/* One present slot at p[*n..len); false if it does not fit or is malformed. */
static bool slot_decode(child *c, bool leaf, const uint8_t *p, size_t len, size_t *n, bool sum_tree,
                        uint64_t version)
{
    uint64_t delta;
    size_t m;
    if (*n + 32 > len)
        return false;
    c->kind = leaf ? K_LEAF : K_INNER;
    memcpy(c->hash.b, p + *n, 32);
    *n += 32;
    if (!(m = get_uvarint(p + *n, len - *n, &delta)) || delta > version)
        return false;
    c->version = version - delta;
    *n += m;
    if (sum_tree && !(m = get_uvarint(p + *n, len - *n, &c->sum)))
        return false;
    *n += sum_tree ? m : 0;
    if (leaf) {
        if (*n + 32 > len)
            return false;
        memcpy(c->path.b, p + *n, 32);
        *n += 32;
    }
    return true;
}

bool smt_inode_decode(child *c, const uint8_t *p, size_t len, bool sum_tree, uint64_t version)
{
    memset(c, 0, 16 * sizeof *c);
    if (len < 5 || p[0] != 1)
        return false;
    unsigned present = (unsigned)p[1] << 8 | p[2], leaves = (unsigned)p[3] << 8 | p[4];
    if (leaves & ~present)
        return false;
    size_t n = 5;
    for (int i = 0; i < 16; i++)
        if (present >> i & 1 && !slot_decode(&c[i], leaves >> i & 1, p, len, &n, sum_tree, version))
            return false;
    return n == len;
}

size_t smt_leaf_size(size_t klen, size_t vlen)
{
    return 3 + klen + vlen;
}

size_t smt_leaf_encode(uint8_t *o, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    o[0] = 2;
    o[1] = (uint8_t)(klen >> 8), o[2] = (uint8_t)klen;
    memcpy(o + 3, key, klen);
    if (vlen)
        memcpy(o + 3 + klen, val, vlen);
    return 3 + klen + vlen;
}

size_t smt_register_leaf_encode(uint8_t *o, const uint8_t *id12, const child *sroot)
{
    o[0] = 3;
    memcpy(o + 1, id12, LDG_SMT_ID_LEN);
    smt_child_encode(o + 1 + LDG_SMT_ID_LEN, sroot);
    return REG_LEAF_ENC_LEN;
}

ldg_hash smt_root_hash(const child *r)
{
    return r->kind == K_EMPTY ? (ldg_hash){{0}} : r->hash;
}

/* The state root commits to both trees at once; a key's proof is a path in one of them and
 * the other's root hash (specs/state.md §5.2). */
ldg_hash smt_state_root(const child *p, const child *g)
{
    uint8_t buf[64];
    ldg_hash ph = smt_root_hash(p), gh = smt_root_hash(g), out;
    memcpy(buf, ph.b, 32);
    memcpy(buf + 32, gh.b, 32);
    ldg_tagged_hash(&out, LDG_TAG_SMT_ROOT, buf, sizeof buf);
    return out;
}

void smt_plain_op(op *o, const ldg_write *w)
{
    memset(o, 0, sizeof *o);
    ldg_smt_path(&o->path, w->key, w->klen);
    o->key = w->key, o->klen = w->klen, o->val = w->val, o->vlen = w->vlen;
    o->del = w->val == NULL;
    if (o->del)
        return;
    ldg_hash vh;
    ldg_tagged_hash(&vh, LDG_TAG_SMT_VALUE, w->val, w->vlen);
    if (w->klen == LDG_SMT_HOLDING_KEY_LEN && w->key[0] == 'b') {
        o->lkind = LDG_SMT_LEAF_HOLDING;
        o->sum = smt_holding_amount(w->val, w->vlen);
        smt_holding_leaf_hash(&o->leaf_hash, &o->path, &vh, o->sum);
    } else {
        smt_plain_leaf_hash(&o->leaf_hash, &o->path, &vh);
    }
}

void ldg_smt_leaf_of(ldg_hash *hash, uint64_t *sum, ldg_hash *path, const uint8_t *key, size_t klen,
                     const uint8_t *val, size_t vlen)
{
    ldg_write w = {key, klen, val, vlen};
    op o;
    smt_plain_op(&o, &w);
    *hash = o.leaf_hash;
    *sum = o.sum;
    *path = o.path;
}

void ldg_smt_register_leaf(ldg_hash *hash, ldg_hash *path, const uint8_t *id12,
                           const ldg_hash *root, uint64_t total)
{
    smt_register_path(path, id12);
    smt_register_leaf_hash(hash, path, root, total);
}

bool ldg_smt_node_of(bool sum_tree, const ldg_hash h[16], const uint64_t s[16], ldg_hash *out,
                     uint64_t *sum)
{
    ldg_hash lv[16];
    uint64_t ls[16];
    memcpy(lv, h, sizeof lv);
    memcpy(ls, s, sizeof ls);
    for (int w = 8; w >= 1; w /= 2)
        for (int i = 0; i < w; i++)
            if (!smt_combine(sum_tree, &lv[2 * i], ls[2 * i], &lv[2 * i + 1], ls[2 * i + 1], &lv[i],
                             &ls[i]))
                return false;
    *out = lv[0];
    *sum = ls[0];
    return true;
}
