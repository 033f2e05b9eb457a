/* The state tree's proofs (specs/state.md §5.5): building one from a walk, verifying one
 * (what an independent verifier does) and its canonical bytes. */
#include "ldg_smt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The leaf found in the key's place, with another path: its parts, so that the verifier
 * can hash it. */
static ldg_err seg_other(ldg_state_base *b, const uint8_t *tid, bool sum_tree, const child *t,
                         ldg_smt_seg *s)
{
    s->term = LDG_SMT_TERM_OTHER;
    s->other_path = t->path;
    s->other_sum = sum_tree ? t->sum : 0;
    uint8_t k[NODE_KEY_MAX], *v;
    size_t vl;
    ldg_err err = smt_node_get(NULL, b, k, smt_leaf_key(k, tid, &t->path, t->version), &v, &vl);
    if (err != LDG_OK)
        return err;
    size_t kl = vl >= 3 ? (size_t)v[1] << 8 | v[2] : 0;
    child sr;
    if (vl == 1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN && v[0] == 3 &&
        smt_child_decode(&sr, v + 1 + LDG_SMT_ID_LEN, CHILD_ENC_LEN)) {
        s->other_kind = LDG_SMT_LEAF_REGISTER;
        s->other_a = smt_root_hash(&sr);
        s->other_sum = sr.sum;
    } else if (vl >= 3 && v[0] == 2 && 3 + kl <= vl) {
        ldg_tagged_hash(&s->other_a, LDG_TAG_SMT_VALUE, v + 3 + kl, vl - 3 - kl);
        s->other_kind = sum_tree ? LDG_SMT_LEAF_HOLDING : LDG_SMT_LEAF_PLAIN;
    } else {
        err = LDG_ERR_CORRUPT;
    }
    free(v);
    return err;
}

/* The siblings bottom-up: deepest node first, in each node its binary levels 0..3; the
 * empty ones only as clear bits. */
static void seg_siblings(bool sum_tree, const walk *w, const ldg_hash *path, ldg_smt_seg *s)
{
    unsigned bit = 0;
    for (unsigned d = w->depth; d-- > 0;) {
        binlevels lv;
        ldg_hash h;
        uint64_t sum;
        smt_node_hash(sum_tree, w->nodes[d], &lv, &h, &sum);
        unsigned x = nib(path, d);
        for (unsigned k = 0; k < 4; k++, bit++) {
            unsigned sib = (x >> k) ^ 1;
            if (smt_is_zero(&lv.h[k][sib]) && lv.s[k][sib] == 0)
                continue;
            s->bitmap[bit / 8] |= (uint8_t)(1u << (bit % 8));
            s->sib[s->sib_count] = lv.h[k][sib];
            s->sums[s->sib_count] = sum_tree ? lv.s[k][sib] : 0;
            s->sib_count++;
        }
    }
}

/* Walks tree tid from root to path's slot and gives the segment. */
static ldg_err seg_prove(ldg_state_base *b, const uint8_t *tid, bool sum_tree, const child *root,
                         const ldg_hash *path, walk *w, ldg_smt_seg *s)
{
    memset(s, 0, sizeof *s);
    ldg_err err = smt_walk_down(NULL, b, tid, root, path, w);
    if (err != LDG_OK)
        return err;
    s->depth = (uint8_t)w->depth;
    if (w->term.kind == K_EMPTY)
        s->term = LDG_SMT_TERM_EMPTY;
    else if (!memcmp(w->term.path.b, path->b, 32))
        s->term = LDG_SMT_TERM_LEAF;
    else
        err = seg_other(b, tid, sum_tree, &w->term, s);
    if (err == LDG_OK)
        seg_siblings(sum_tree, w, path, s);
    return err;
}

/* A holding's register segment (none if its instrument has no register), and its value. */
static ldg_err prove_register(ldg_state_base *b, const child *groot, const uint8_t *key,
                              size_t klen, walk *w, ldg_smt_proof *proof, uint8_t **val,
                              size_t *vlen, bool *found)
{
    uint8_t tid[TID_LEN];
    child sroot;
    bool none;
    ldg_hash path;
    ldg_smt_path(&path, key, klen);
    ldg_err err = smt_locate(b, groot, groot, key, klen, tid, &sroot, &none);
    if (err != LDG_OK || none)
        return err;
    proof->has_register = true;
    proof->reg_root = smt_root_hash(&sroot);
    proof->reg_total = sroot.sum;
    err = seg_prove(b, tid, true, &sroot, &path, w, &proof->reg);
    if (err == LDG_OK && proof->reg.term == LDG_SMT_TERM_LEAF) {
        err = smt_read_leaf(b, tid, &w->term, key, klen, val, vlen);
        *found = err == LDG_OK;
    }
    return err;
}

ldg_err ldg_smt_prove(ldg_state_base base, uint64_t version, const uint8_t *key, size_t klen,
                      ldg_smt_proof *proof, uint8_t **val, size_t *vlen, bool *found)
{
    memset(proof, 0, sizeof *proof);
    *found = false;
    child proot, groot;
    ldg_err err = smt_root_at(&base, version, &proot, &groot);
    if (err != LDG_OK)
        return err;
    bool holding = klen == LDG_SMT_HOLDING_KEY_LEN && key[0] == 'b';
    uint8_t tid[TID_LEN];
    ldg_hash mpath;
    if (holding)
        smt_register_path(&mpath, key + 1);
    else
        ldg_smt_path(&mpath, key, klen);
    walk *w = calloc(1, sizeof *w);
    LDG_ASSERT(w);
    w->nodes = calloc(LDG_SMT_DEPTH_MAX, sizeof *w->nodes);
    LDG_ASSERT(w->nodes);
    /* A holding: its register, then the register's leaf in G; a plain key: its leaf in P.
     * The other tree is only its root hash. */
    if (holding)
        err = prove_register(&base, &groot, key, klen, w, proof, val, vlen, found);
    if (holding)
        tid_regs(tid);
    else
        tid_main(tid);
    proof->other_root = smt_root_hash(holding ? &proot : &groot);
    if (err == LDG_OK)
        err = seg_prove(&base, tid, false, holding ? &groot : &proot, &mpath, w, &proof->main);
    if (err == LDG_OK && !holding && proof->main.term == LDG_SMT_TERM_LEAF) {
        err = smt_read_leaf(&base, tid, &w->term, key, klen, val, vlen);
        *found = err == LDG_OK;
    }
    free(w->nodes);
    free(w);
    if (err != LDG_OK && *found)
        free(*val);
    if (err != LDG_OK)
        *found = false;
    return err;
}

/* ---- verification (specs/state.md §5.5: what an independent verifier does) ---- */

static bool fail(char *why, size_t n, const char *msg)
{
    if (why && n)
        snprintf(why, n, "%s", msg);
    return false;
}

static ldg_err refuse(char *why, size_t n, const char *msg)
{
    fail(why, n, msg);
    return LDG_ERR_INVALID;
}

static bool same_prefix(const ldg_hash *a, const ldg_hash *b, unsigned nibbles)
{
    for (unsigned i = 0; i < nibbles; i++)
        if (nib(a, i) != nib(b, i))
            return false;
    return true;
}

/* Folds a segment up from its terminal (term_hash/term_sum) to a root. */
static bool seg_root(bool sum_tree, const ldg_smt_seg *s, const ldg_hash *path, ldg_hash *h,
                     uint64_t *sum, char *why, size_t n)
{
    if (s->depth > LDG_SMT_DEPTH_MAX)
        return fail(why, n, "the proof is deeper than a tree can be");
    unsigned used = 0;
    for (unsigned d = s->depth, bit = 0; d-- > 0;) {
        unsigned x = nib(path, d);
        for (unsigned k = 0; k < 4; k++, bit++) {
            ldg_hash sib = {{0}};
            uint64_t ss = 0;
            if (s->bitmap[bit / 8] >> (bit % 8) & 1) {
                if (used >= s->sib_count)
                    return fail(why, n, "the proof has fewer siblings than its bitmap says");
                sib = s->sib[used];
                ss = sum_tree ? s->sums[used] : 0;
                used++;
            }
            bool ok = (x >> k) & 1 ? smt_combine(sum_tree, &sib, ss, h, *sum, h, sum)
                                   : smt_combine(sum_tree, h, *sum, &sib, ss, h, sum);
            if (!ok)
                return fail(why, n, "the register's sums overflow");
        }
    }
    if (used != s->sib_count)
        return fail(why, n, "the proof has more siblings than its bitmap says");
    return true;
}

/* The terminal of a segment for `path`: the key's own leaf (given), empty, or another of
 * the kind the tree holds (other_kind: a plain leaf in P, a register leaf in G, a holding in
 * a register). */
static bool seg_term(uint8_t other_kind, const ldg_smt_seg *s, const ldg_hash *path,
                     const ldg_hash *own, uint64_t own_sum, ldg_hash *h, uint64_t *sum, char *why,
                     size_t n)
{
    *sum = 0;
    memset(h, 0, sizeof *h);
    if (s->term == LDG_SMT_TERM_LEAF) {
        if (!own)
            return fail(why, n, "the proof shows the key present, but it is claimed absent");
        *h = *own;
        *sum = own_sum;
        return true;
    }
    if (own)
        return fail(why, n, "the proof shows the key absent, but a value is claimed");
    if (s->term == LDG_SMT_TERM_EMPTY)
        return true;
    if (!memcmp(s->other_path.b, path->b, 32) || !same_prefix(&s->other_path, path, s->depth))
        return fail(why, n, "the leaf in the key's place is not on the key's path");
    if (s->other_kind != other_kind)
        return fail(why, n, "the leaf in the key's place is of the wrong kind");
    if (other_kind == LDG_SMT_LEAF_REGISTER) {
        smt_register_leaf_hash(h, &s->other_path, &s->other_a, s->other_sum);
    } else if (other_kind == LDG_SMT_LEAF_HOLDING) {
        smt_holding_leaf_hash(h, &s->other_path, &s->other_a, s->other_sum);
        *sum = s->other_sum;
    } else {
        smt_plain_leaf_hash(h, &s->other_path, &s->other_a);
    }
    return true;
}

ldg_err ldg_smt_verify(const ldg_hash *root, const uint8_t *key, size_t klen, const uint8_t *val,
                       size_t vlen, const ldg_smt_proof *p, bool *has_total, uint64_t *total,
                       char *why, size_t why_len)
{
    bool holding = klen == LDG_SMT_HOLDING_KEY_LEN && key[0] == 'b';
    if (has_total)
        *has_total = false;
    ldg_hash path, vh, own, h;
    uint64_t sum = 0;
    ldg_smt_path(&path, key, klen);
    if (val)
        ldg_tagged_hash(&vh, LDG_TAG_SMT_VALUE, val, vlen);
    if (!holding && p->has_register)
        return refuse(why, why_len, "the proof has a register part but the key is no holding");
    const ldg_hash *mown = NULL;
    ldg_hash mpath = path;
    if (holding) {
        smt_register_path(&mpath, key + 1);
        if (p->has_register) {
            uint64_t amount = val ? smt_holding_amount(val, vlen) : 0;
            if (val)
                smt_holding_leaf_hash(&own, &path, &vh, amount);
            if (!seg_term(LDG_SMT_LEAF_HOLDING, &p->reg, &path, val ? &own : NULL, amount, &h, &sum,
                          why, why_len) ||
                !seg_root(true, &p->reg, &path, &h, &sum, why, why_len))
                return LDG_ERR_INVALID;
            /* (R, T) are not sent: the G segment proves the leaf they make */
            smt_register_leaf_hash(&own, &mpath, &h, sum);
            mown = &own;
            if (has_total)
                *has_total = true;
            if (total)
                *total = sum;
        } else if (val) {
            return refuse(why, why_len, "a holding is claimed but the proof shows no register");
        }
    } else if (val) {
        smt_plain_leaf_hash(&own, &path, &vh);
        mown = &own;
    }
    if (!seg_term(holding ? LDG_SMT_LEAF_REGISTER : LDG_SMT_LEAF_PLAIN, &p->main, &mpath, mown, 0,
                  &h, &sum, why, why_len) ||
        !seg_root(false, &p->main, &mpath, &h, &sum, why, why_len))
        return LDG_ERR_INVALID;
    /* The segment ends at its tree's root: P for a plain key, G for a holding. */
    child pc = {.kind = K_INNER, .hash = holding ? p->other_root : h};
    child gc = {.kind = K_INNER, .hash = holding ? h : p->other_root};
    h = smt_state_root(&pc, &gc);
    if (memcmp(h.b, root->b, 32))
        return refuse(why, why_len, "the proof leads to another state root");
    return LDG_OK;
}

/* ---- proof bytes (specs/state.md §5.5) ----
 * proof = [3, seg, register seg | nil, other root bin32]
 * seg   = [depth u64, term u64, other, bitmap bin, siblings bin, sums bin]
 * other = nil | [kind u64, path bin32, a bin32, sum u64]
 * sums: one minimal LEB128 per listed sibling in a register segment, empty in P's or G's. */

#define PROOF_VERSION LDG_SMT_PROOF_VERSION

#define VARINT_MAX 10 /* LEB128 bytes of a u64 */

static size_t varint_put(uint8_t *o, uint64_t v)
{
    size_t n = 0;
    do {
        o[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* One minimal LEB128 u64 from p[*at..n): false if truncated, too long or not minimal. */
static bool varint_get(const uint8_t *p, size_t n, size_t *at, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; *at < n && shift < 64; shift += 7) {
        uint8_t b = p[(*at)++];
        if (shift == 63 && b > 1)
            return false; /* past 64 bits */
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return b != 0 || shift == 0; /* minimal: no empty last group */
    }
    return false;
}

static void seg_encode(ldg_enc *e, const ldg_smt_seg *s, bool sum_tree)
{
    ldg_enc_array(e, 6);
    ldg_enc_u64(e, s->depth);
    ldg_enc_u64(e, s->term);
    if (s->term == LDG_SMT_TERM_OTHER) {
        ldg_enc_array(e, 4);
        ldg_enc_u64(e, s->other_kind);
        ldg_enc_bin(e, s->other_path.b, 32);
        ldg_enc_bin(e, s->other_a.b, 32);
        ldg_enc_u64(e, s->other_sum);
    } else {
        ldg_enc_nil(e);
    }
    ldg_enc_bin(e, s->bitmap, (s->depth + 1u) / 2);
    ldg_enc_bin(e, s->sib, (size_t)s->sib_count * 32);
    uint8_t sums[LDG_SMT_DEPTH_MAX * 4 * VARINT_MAX];
    size_t n = 0;
    for (unsigned i = 0; sum_tree && i < s->sib_count; i++)
        n += varint_put(sums + n, s->sums[i]);
    ldg_enc_bin(e, sums, n);
}

void ldg_smt_proof_encode(ldg_enc *e, const ldg_smt_proof *p)
{
    ldg_enc_array(e, 4);
    ldg_enc_u64(e, PROOF_VERSION);
    seg_encode(e, &p->main, false);
    if (p->has_register)
        seg_encode(e, &p->reg, true);
    else
        ldg_enc_nil(e);
    ldg_enc_bin(e, p->other_root.b, 32);
}

static bool other_decode(const msgpack_object *o, ldg_smt_seg *s, bool sum_tree)
{
    const msgpack_object *of;
    uint64_t kind;
    if (!ldg_obj_array(o, 4, &of) || !ldg_obj_u64(&of[0], &kind) || kind > LDG_SMT_LEAF_HOLDING ||
        !ldg_obj_bin(&of[1], s->other_path.b, 32) || !ldg_obj_bin(&of[2], s->other_a.b, 32) ||
        !ldg_obj_u64(&of[3], &s->other_sum))
        return false;
    s->other_kind = (uint8_t)kind;
    return sum_tree || kind != LDG_SMT_LEAF_PLAIN || !s->other_sum; /* a plain leaf: no sum */
}

/* The bitmap: canonical (no bit past the last level); its set bits counted. */
static bool bitmap_decode(const msgpack_object *o, ldg_smt_seg *s, unsigned *bits)
{
    const uint8_t *bm;
    size_t bml;
    if (!ldg_obj_bin_ref(o, sizeof s->bitmap, &bm, &bml) || bml != (s->depth + 1u) / 2)
        return false;
    if (bml)
        memcpy(s->bitmap, bm, bml);
    *bits = 0;
    for (unsigned i = 0; i < bml * 8; i++)
        if (s->bitmap[i / 8] >> (i % 8) & 1) {
            if (i >= s->depth * 4u)
                return false;
            ++*bits;
        }
    return true;
}

/* The sums: exactly one minimal varint per sibling in a register, none in P or G. */
static bool sums_decode(const msgpack_object *o, ldg_smt_seg *s, bool sum_tree)
{
    const uint8_t *p;
    size_t n, at = 0;
    if (!ldg_obj_bin_ref(o, LDG_SMT_DEPTH_MAX * 4 * VARINT_MAX, &p, &n))
        return false;
    for (unsigned i = 0; sum_tree && i < s->sib_count; i++)
        if (!varint_get(p, n, &at, &s->sums[i]))
            return false;
    return at == n;
}

static bool seg_decode(const msgpack_object *o, ldg_smt_seg *s, bool sum_tree)
{
    memset(s, 0, sizeof *s);
    const msgpack_object *f;
    uint64_t depth, term;
    const uint8_t *sib;
    size_t sibl;
    unsigned bits;
    if (!ldg_obj_array(o, 6, &f) || !ldg_obj_u64(&f[0], &depth) || depth > LDG_SMT_DEPTH_MAX ||
        !ldg_obj_u64(&f[1], &term) || term > LDG_SMT_TERM_OTHER)
        return false;
    s->depth = (uint8_t)depth;
    s->term = (uint8_t)term;
    if (term == LDG_SMT_TERM_OTHER ? !other_decode(&f[2], s, sum_tree)
                                   : f[2].type != MSGPACK_OBJECT_NIL)
        return false;
    if (!bitmap_decode(&f[3], s, &bits) || !ldg_obj_bin_ref(&f[4], sizeof s->sib, &sib, &sibl) ||
        sibl != (size_t)bits * 32)
        return false;
    s->sib_count = (uint16_t)bits;
    if (sibl)
        memcpy(s->sib, sib, sibl);
    if (!sums_decode(&f[5], s, sum_tree))
        return false;
    for (unsigned i = 0; i < s->sib_count; i++)
        if (smt_is_zero(&s->sib[i]) && s->sums[i] == 0)
            return false; /* canonical: an empty sibling is left out */
    return true;
}

ldg_err ldg_smt_proof_decode(ldg_smt_proof *p, const uint8_t *data, size_t len)
{
    memset(p, 0, sizeof *p);
    if (len > LDG_SMT_PROOF_SIZE_MAX)
        return LDG_ERR_TOO_LARGE;
    ldg_dec d;
    if (ldg_decode(&d, data, len) != LDG_OK)
        return LDG_ERR_DECODE;
    const msgpack_object *f;
    uint32_t n = 0;
    uint64_t ver = 0;
    /* An array led by another version (1 and 2 put register leaves in one tree with the plain
     * keys): told apart from garbage, so that the refusal can say so. */
    if (ldg_obj_array_any(d.root, 4, &f, &n) && n >= 1 && ldg_obj_u64(&f[0], &ver) &&
        ver != PROOF_VERSION) {
        ldg_dec_free(&d);
        return LDG_ERR_INVALID;
    }
    bool ok = n == 4 && ver == PROOF_VERSION && seg_decode(&f[1], &p->main, false) &&
              ldg_obj_bin(&f[3], p->other_root.b, 32);
    if (ok && f[2].type != MSGPACK_OBJECT_NIL) {
        p->has_register = true;
        ok = seg_decode(&f[2], &p->reg, true);
    }
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_DECODE;
}
