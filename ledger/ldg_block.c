#include "ldg_block.h"

#include <string.h>

void ldg_header_encode(ldg_enc *e, const ldg_header *h)
{
    ldg_enc_array(e, 9);
    ldg_enc_u64(e, h->version);
    ldg_enc_str(e, h->chain_id);
    ldg_enc_u64(e, h->height);
    ldg_enc_u64(e, h->time_ms);
    ldg_enc_bin(e, h->prev_hash.b, LDG_HASH_LEN);
    ldg_enc_bin(e, h->prev_state_root.b, LDG_HASH_LEN);
    ldg_enc_bin(e, h->tx_root.b, LDG_HASH_LEN);
    ldg_enc_u64(e, h->tx_count);
    ldg_enc_bin(e, h->proposer.b, LDG_PUBKEY_LEN);
}

ldg_err ldg_header_decode(ldg_header *h, const uint8_t *data, size_t len)
{
    ldg_dec d;
    if (ldg_decode(&d, data, len) != LDG_OK)
        return LDG_ERR_DECODE;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 9, &f) && ldg_obj_u64(&f[0], &h->version) &&
              ldg_obj_str(&f[1], h->chain_id, LDG_CHAIN_ID_LEN_MAX, false) &&
              ldg_obj_u64(&f[2], &h->height) && ldg_obj_u64(&f[3], &h->time_ms) &&
              ldg_obj_bin(&f[4], h->prev_hash.b, LDG_HASH_LEN) &&
              ldg_obj_bin(&f[5], h->prev_state_root.b, LDG_HASH_LEN) &&
              ldg_obj_bin(&f[6], h->tx_root.b, LDG_HASH_LEN) && ldg_obj_u64(&f[7], &h->tx_count) &&
              ldg_obj_bin(&f[8], h->proposer.b, LDG_PUBKEY_LEN) &&
              h->version == LDG_BLOCK_VERSION && h->tx_count <= LDG_BLOCK_TX_MAX;
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_DECODE;
}

void ldg_header_hash(ldg_hash *out, const ldg_header *h)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_header_encode(&e, h);
    ldg_tagged_hash(out, LDG_TAG_BLOCK, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

void ldg_tx_root(ldg_hash *out, const ldg_tx_ref *refs, size_t n)
{
    /* ldg_tx_ref is laid out as id || sig (asserted in ldg_tx.h): the array is the message. */
    ldg_tagged_hash(out, LDG_TAG_TXROOT, refs, n * sizeof *refs);
}

bool ldg_tx_root_wire(ldg_hash *out, const uint8_t *const *txs, const size_t *lens, uint32_t n)
{
    ldg_hasher hs;
    ldg_hasher_init_tagged(&hs, LDG_TAG_TXROOT);
    bool ok = true;
    for (uint32_t i = 0; ok && i < n; i++) {
        ldg_tx tx;
        ok = ldg_tx_decode(&tx, txs[i], lens[i]) == LDG_R_OK;
        if (ok) {
            ldg_tx_ref ref = ldg_tx_ref_of(&tx);
            ldg_hasher_update(&hs, &ref, sizeof ref);
            ldg_tx_free(&tx);
        }
    }
    ldg_hash root;
    ldg_hasher_final(&hs, &root); /* frees the context either way */
    if (ok)
        *out = root;
    return ok;
}

size_t ldg_vote_sign_bytes(uint8_t out[LDG_VOTE_SIGN_BYTES_MAX], const char *chain_id,
                           uint64_t height, uint32_t round, uint32_t type,
                           const ldg_hash *block_hash, int32_t valid_round)
{
    size_t cl = strlen(chain_id), off = 0;
    LDG_ASSERT(cl <= LDG_CHAIN_ID_LEN_MAX && type <= 0xff);
    out[off++] = (uint8_t)cl;
    memcpy(out + off, chain_id, cl);
    off += cl;
    for (int i = 7; i >= 0; i--)
        out[off++] = (uint8_t)(height >> (8 * i));
    for (int i = 3; i >= 0; i--)
        out[off++] = (uint8_t)(round >> (8 * i));
    out[off++] = (uint8_t)type;
    out[off++] = block_hash ? 1 : 0;
    if (block_hash)
        memcpy(out + off, block_hash->b, LDG_HASH_LEN);
    else
        memset(out + off, 0, LDG_HASH_LEN);
    off += LDG_HASH_LEN;
    uint32_t vr = (uint32_t)valid_round;
    for (int i = 3; i >= 0; i--)
        out[off++] = (uint8_t)(vr >> (8 * i));
    return off;
}

void ldg_vote_hash(ldg_hash *out, const char *chain_id, uint64_t height, uint64_t round,
                   uint32_t type, const ldg_hash *block_hash)
{
    uint8_t bytes[LDG_VOTE_SIGN_BYTES_MAX];
    LDG_ASSERT(round <= UINT32_MAX);
    size_t len =
        ldg_vote_sign_bytes(bytes, chain_id, height, (uint32_t)round, type, block_hash, -1);
    ldg_tagged_hash(out, LDG_TAG_VOTE, bytes, len);
}

void ldg_cert_encode(ldg_enc *e, const ldg_cert *c)
{
    ldg_enc_array(e, 4);
    ldg_enc_u64(e, c->height);
    ldg_enc_u64(e, c->round);
    ldg_enc_bin(e, c->block_hash.b, LDG_HASH_LEN);
    ldg_enc_array(e, c->count);
    for (uint32_t i = 0; i < c->count; i++) {
        ldg_enc_array(e, 2);
        ldg_enc_u64(e, c->sigs[i].validator);
        ldg_enc_bin(e, c->sigs[i].sig.b, LDG_SIG_LEN);
    }
}

ldg_err ldg_cert_decode(ldg_cert *c, const msgpack_object *o)
{
    const msgpack_object *f, *sigs;
    uint32_t n;
    if (!ldg_obj_array(o, 4, &f) || !ldg_obj_u64(&f[0], &c->height) ||
        !ldg_obj_u64(&f[1], &c->round) || !ldg_obj_bin(&f[2], c->block_hash.b, LDG_HASH_LEN) ||
        !ldg_obj_array_any(&f[3], LDG_VALIDATORS_MAX, &sigs, &n))
        return LDG_ERR_DECODE;
    c->count = n;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *s;
        uint64_t idx;
        if (!ldg_obj_array(&sigs[i], 2, &s) || !ldg_obj_u64(&s[0], &idx) ||
            idx >= LDG_VALIDATORS_MAX || !ldg_obj_bin(&s[1], c->sigs[i].sig.b, LDG_SIG_LEN))
            return LDG_ERR_DECODE;
        c->sigs[i].validator = (uint32_t)idx;
    }
    return LDG_OK;
}

ldg_err ldg_cert_sign_one(ldg_cert *c, const ldg_header *h, uint32_t index, const ldg_keypair *kp)
{
    memset(c, 0, sizeof *c);
    c->height = h->height;
    c->round = 0;
    ldg_header_hash(&c->block_hash, h);
    ldg_hash msg;
    ldg_vote_hash(&msg, h->chain_id, h->height, 0, LDG_VOTE_PRECOMMIT, &c->block_hash);
    c->count = 1;
    c->sigs[0].validator = index;
    return ldg_sign(&c->sigs[0].sig, kp, &msg);
}

bool ldg_cert_verify(const ldg_cert *c, const char *chain_id, const ldg_pubkey *validators,
                     uint32_t n)
{
    return ldg_cert_verify_cached(c, chain_id, validators, n, NULL);
}

bool ldg_cert_verify_cached(const ldg_cert *c, const char *chain_id, const ldg_pubkey *validators,
                            uint32_t n, ldg_sigcache *cache)
{
    bool seen[LDG_VALIDATORS_MAX] = {0};
    uint32_t good = 0;
    if (c->round > UINT32_MAX)
        return false;
    ldg_hash msg;
    ldg_vote_hash(&msg, chain_id, c->height, c->round, LDG_VOTE_PRECOMMIT, &c->block_hash);
    for (uint32_t i = 0; i < c->count; i++) {
        uint32_t v = c->sigs[i].validator;
        if (v >= n || seen[v])
            return false;
        seen[v] = true;
        if (!ldg_sigcache_verify(cache, &c->sigs[i].sig, &msg, &validators[v]))
            return false;
        good++;
    }
    return good >= ldg_quorum(n);
}
