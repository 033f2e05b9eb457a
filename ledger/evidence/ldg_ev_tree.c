/* RFC 9162 Merkle trees with folio's tagged hashes (specs/evidence.md §2, §4). The hashing
 * is OpenSSL's SHA-256 through ldg_hash; only the tree shape is here. */
#include "ldg_ev.h"

#include <limits.h>
#include <openssl/evp.h>
#include <string.h>

void ldg_ev_salt(ldg_hash *out, const uint8_t slice_key[32], uint64_t index)
{
    uint8_t m[40];
    memcpy(m, slice_key, 32);
    for (int i = 0; i < 8; i++)
        m[32 + i] = (uint8_t)(index >> (56 - 8 * i));
    ldg_ev_th_at(out, LDG_EV_T_SALT, m, sizeof m);
}

/* Version 3: a keystream, not a hash per record (the salt is a PRF of the slice key at the
 * record's index, revealed only for a proved record; AES-CTR is one with AES-NI at a few
 * cycles a byte, where a tagged SHA-256 per record was about a tenth of the ingest's hashing).
 * The counter block is the 128-bit big-endian block number, so record i's salt is blocks 2i
 * and 2i + 1. */
void ldg_ev_salts(ldg_hash *out, unsigned version, const uint8_t slice_key[32], uint64_t first,
                  size_t count)
{
    if (version < 3) {
        for (size_t i = 0; i < count; i++)
            ldg_ev_salt(&out[i], slice_key, first + i);
        return;
    }
    uint8_t iv[16] = {0};
    uint64_t block = 2 * first;
    for (int i = 0; i < 8; i++)
        iv[8 + i] = (uint8_t)(block >> (56 - 8 * i));
    memset(out, 0, count * sizeof *out);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0;
    LDG_ASSERT(c && count <= INT_MAX / LDG_HASH_LEN);
    LDG_ASSERT(EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), NULL, slice_key, iv) == 1);
    LDG_ASSERT(EVP_EncryptUpdate(c, out->b, &len, out->b, (int)(count * LDG_HASH_LEN)) == 1);
    LDG_ASSERT((size_t)len == count * LDG_HASH_LEN);
    EVP_CIPHER_CTX_free(c);
}

void ldg_ev_leaf(ldg_hash *out, const ldg_hash *salt, const ldg_hash *record_id)
{
    uint8_t m[64];
    memcpy(m, salt->b, 32);
    memcpy(m + 32, record_id->b, 32);
    ldg_ev_th_at(out, LDG_EV_T_LEAF, m, sizeof m);
}

void ldg_ev_node(ldg_hash *out, const ldg_hash *l, const ldg_hash *r)
{
    uint8_t m[64];
    memcpy(m, l->b, 32);
    memcpy(m + 32, r->b, 32);
    ldg_ev_th_at(out, LDG_EV_T_NODE, m, sizeof m);
}

void ldg_ev_log_leaf(ldg_hash *out, const ldg_hash *slice_root, uint64_t count, uint64_t time_first,
                     uint64_t time_last)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_bin(&e, slice_root->b, LDG_HASH_LEN);
    ldg_enc_u64(&e, count);
    ldg_enc_u64(&e, time_first);
    ldg_enc_u64(&e, time_last);
    ldg_ev_th(out, LDG_TAG_EV_LOGLEAF, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* The largest power of two smaller than n (n >= 2). */
static size_t split(size_t n)
{
    LDG_ASSERT(n >= 2);
    return (size_t)1 << (63 - __builtin_clzll((unsigned long long)(n - 1)));
}

void ldg_ev_root(ldg_hash *out, const ldg_hash *leaves, size_t n)
{
    if (n == 0) {
        ldg_ev_th(out, LDG_TAG_EV_EMPTY, "", 0);
        return;
    }
    if (n == 1) {
        *out = leaves[0];
        return;
    }
    size_t k = split(n);
    ldg_hash l, r;
    ldg_ev_root(&l, leaves, k);
    ldg_ev_root(&r, leaves + k, n - k);
    ldg_ev_node(out, &l, &r);
}

size_t ldg_ev_path(ldg_hash *path, const ldg_hash *leaves, size_t n, size_t m)
{
    LDG_ASSERT(m < n);
    if (n == 1)
        return 0;
    size_t k = split(n), len;
    if (m < k) {
        len = ldg_ev_path(path, leaves, k, m);
        ldg_ev_root(&path[len], leaves + k, n - k);
    } else {
        len = ldg_ev_path(path, leaves + k, n - k, m - k);
        ldg_ev_root(&path[len], leaves, k);
    }
    LDG_ASSERT(len + 1 <= LDG_EV_PATH_MAX);
    return len + 1;
}

bool ldg_ev_path_verify(const ldg_hash *leaf, uint64_t index, uint64_t size, const ldg_hash *path,
                        size_t path_len, const ldg_hash *root)
{
    if (index >= size || path_len > LDG_EV_PATH_MAX)
        return false;
    uint64_t fn = index, sn = size - 1;
    ldg_hash r = *leaf;
    for (size_t i = 0; i < path_len; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            ldg_ev_node(&r, &path[i], &r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            ldg_ev_node(&r, &r, &path[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && !memcmp(r.b, root->b, LDG_HASH_LEN);
}

static size_t subproof(ldg_hash *out, const ldg_hash *leaves, size_t n, size_t m, bool whole)
{
    if (m == n) {
        if (whole)
            return 0;
        ldg_ev_root(&out[0], leaves, n);
        return 1;
    }
    size_t k = split(n), len;
    if (m <= k) {
        len = subproof(out, leaves, k, m, whole);
        ldg_ev_root(&out[len], leaves + k, n - k);
    } else {
        len = subproof(out, leaves + k, n - k, m - k, false);
        ldg_ev_root(&out[len], leaves, k);
    }
    LDG_ASSERT(len + 1 <= LDG_EV_PATH_MAX);
    return len + 1;
}

size_t ldg_ev_consistency(ldg_hash *proof, const ldg_hash *leaves, size_t n, size_t m)
{
    LDG_ASSERT(m > 0 && m <= n);
    return subproof(proof, leaves, n, m, true);
}

bool ldg_ev_range_root(ldg_ev_node_fn node, void *arg, uint64_t start, uint64_t size, ldg_hash *out)
{
    ldg_hash p[64];
    uint32_t c = 0;
    if (size == 0) {
        ldg_ev_root(out, NULL, 0);
        return true;
    }
    for (int lv = 63; lv >= 0; lv--) { /* largest first; each aligned on its size */
        uint64_t w = (uint64_t)1 << lv;
        if (!(size & w))
            continue;
        if (!node(arg, (uint32_t)lv, start >> lv, &p[c++]))
            return false;
        start += w;
    }
    ldg_hash r = p[c - 1];
    for (uint32_t i = c - 1; i-- > 0;)
        ldg_ev_node(&r, &p[i], &r);
    *out = r;
    return true;
}

/* subproof over [start, start + n) with nodes instead of leaves. */
static bool subproof_nodes(ldg_hash *out, size_t *len, uint64_t start, uint64_t n, uint64_t m,
                           bool whole, ldg_ev_node_fn node, void *arg)
{
    if (m == n) {
        *len = 0;
        if (whole)
            return true;
        *len = 1;
        return ldg_ev_range_root(node, arg, start, n, &out[0]);
    }
    uint64_t k = split(n);
    bool ok = m <= k ? subproof_nodes(out, len, start, k, m, whole, node, arg) &&
                           ldg_ev_range_root(node, arg, start + k, n - k, &out[*len])
                     : subproof_nodes(out, len, start + k, n - k, m - k, false, node, arg) &&
                           ldg_ev_range_root(node, arg, start, k, &out[*len]);
    LDG_ASSERT(*len + 1 <= LDG_EV_PATH_MAX);
    (*len)++;
    return ok;
}

bool ldg_ev_consistency_nodes(ldg_hash *proof, size_t *len, uint64_t n, uint64_t m,
                              ldg_ev_node_fn node, void *arg)
{
    LDG_ASSERT(m > 0 && m <= n);
    return subproof_nodes(proof, len, 0, n, m, true, node, arg);
}

static void shift_until_odd(uint64_t *fn, uint64_t *sn)
{
    while (!(*fn & 1) && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

bool ldg_ev_consistency_verify(uint64_t m, uint64_t n, const ldg_hash *root_m,
                               const ldg_hash *root_n, const ldg_hash *proof, size_t len)
{
    if (m == 0 || m > n || len > LDG_EV_PATH_MAX)
        return false;
    if (m == n)
        return len == 0 && !memcmp(root_m->b, root_n->b, LDG_HASH_LEN);
    ldg_hash path[LDG_EV_PATH_MAX + 1];
    size_t pl = 0;
    if ((m & (m - 1)) == 0) /* a power of two: the old root is a node of the new tree */
        path[pl++] = *root_m;
    memcpy(&path[pl], proof, len * sizeof *proof);
    pl += len;
    if (pl == 0)
        return false;
    uint64_t fn = m - 1, sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    ldg_hash fr = path[0], sr = path[0];
    for (size_t i = 1; i < pl; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            ldg_ev_node(&fr, &path[i], &fr);
            ldg_ev_node(&sr, &path[i], &sr);
            shift_until_odd(&fn, &sn);
        } else {
            ldg_ev_node(&sr, &sr, &path[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && !memcmp(fr.b, root_m->b, LDG_HASH_LEN) &&
           !memcmp(sr.b, root_n->b, LDG_HASH_LEN);
}

void ldg_ev_peaks_append(ldg_ev_peaks *pk, const ldg_hash *leaf)
{
    LDG_ASSERT(pk->count < 64);
    pk->p[pk->count++] = *leaf;
    /* Like a binary counter: each trailing one bit of the old size merges two peaks. */
    for (uint64_t m = pk->size; m & 1; m >>= 1) {
        ldg_ev_node(&pk->p[pk->count - 2], &pk->p[pk->count - 2], &pk->p[pk->count - 1]);
        pk->count--;
    }
    pk->size++;
}

void ldg_ev_peaks_root(const ldg_ev_peaks *pk, ldg_hash *out)
{
    if (pk->count == 0) {
        ldg_ev_root(out, NULL, 0);
        return;
    }
    ldg_hash r = pk->p[pk->count - 1];
    for (uint32_t i = pk->count - 1; i-- > 0;)
        ldg_ev_node(&r, &pk->p[i], &r);
    *out = r;
}

void ldg_ev_peaks_root_with(const ldg_ev_peaks *pk, const ldg_hash *leaf, ldg_hash *out)
{
    ldg_hash r = *leaf;
    for (uint32_t i = pk->count; i-- > 0;)
        ldg_ev_node(&r, &pk->p[i], &r);
    *out = r;
}
