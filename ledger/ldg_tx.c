#include "ldg_tx.h"

#include <string.h>

/* wire = 0x92 || body || 0xc4 0x40 || sig[64]: the two-element array header and the
 * signature's bin8 header are fixed, so the body's bytes are a slice of the wire. */
#define SIG_TRAILER_LEN (2 + LDG_SIG_LEN)

static bool decode_body(ldg_tx *tx, const msgpack_object *body)
{
    const msgpack_object *f;
    if (!ldg_obj_array(body, 7, &f))
        return false;
    return ldg_obj_u64(&f[0], &tx->version) &&
           ldg_obj_str(&f[1], tx->chain_id, LDG_CHAIN_ID_LEN_MAX, false) &&
           ldg_obj_u64(&f[2], &tx->type) && ldg_obj_bin(&f[3], tx->sender.b, LDG_PUBKEY_LEN) &&
           ldg_obj_bin(&f[4], tx->nonce, LDG_TX_NONCE_LEN) && ldg_obj_u64(&f[5], &tx->expiry_ms) &&
           f[6].type == MSGPACK_OBJECT_ARRAY && (tx->payload = &f[6]);
}

ldg_result ldg_tx_decode(ldg_tx *tx, const uint8_t *wire, size_t len)
{
    memset(tx, 0, sizeof *tx);
    if (len > LDG_TX_SIZE_MAX)
        return LDG_R_TOO_LARGE;
    if (len < 1 + SIG_TRAILER_LEN + 1 || wire[0] != 0x92)
        return LDG_R_MALFORMED;
    ldg_err err = ldg_decode(&tx->dec, wire, len);
    if (err != LDG_OK)
        return err == LDG_ERR_TEXT ? LDG_R_BAD_TEXT : LDG_R_MALFORMED;
    const msgpack_object *top;
    if (!ldg_obj_array(tx->dec.root, 2, &top) || !decode_body(tx, &top[0]) ||
        !ldg_obj_bin(&top[1], tx->sig.b, LDG_SIG_LEN)) {
        ldg_dec_free(&tx->dec);
        return LDG_R_MALFORMED;
    }
    if (tx->version != LDG_TX_VERSION) {
        ldg_dec_free(&tx->dec);
        return LDG_R_BAD_VERSION;
    }
    ldg_tagged_hash(&tx->id, LDG_TAG_TX, wire + 1, len - 1 - SIG_TRAILER_LEN);
    return LDG_R_OK;
}

void ldg_tx_free(ldg_tx *tx)
{
    ldg_dec_free(&tx->dec);
    tx->payload = NULL;
}

void ldg_tx_sign_msg(ldg_hash *out, const ldg_hash *genesis, const ldg_hash *id)
{
    uint8_t m[2 * LDG_HASH_LEN];
    memcpy(m, genesis->b, LDG_HASH_LEN);
    memcpy(m + LDG_HASH_LEN, id->b, LDG_HASH_LEN);
    ldg_tagged_hash(out, LDG_TAG_TXSIG, m, sizeof m);
}

bool ldg_tx_verify(const ldg_tx *tx, const ldg_hash *genesis)
{
    ldg_hash msg;
    ldg_tx_sign_msg(&msg, genesis, &tx->id);
    return ldg_verify(&tx->sig, &msg, &tx->sender);
}

void ldg_tx_wire_sig(ldg_sig *out, const uint8_t *wire, size_t len)
{
    LDG_ASSERT(len >= 1 + SIG_TRAILER_LEN + 1 && wire[len - SIG_TRAILER_LEN] == 0xc4 &&
               wire[len - SIG_TRAILER_LEN + 1] == LDG_SIG_LEN);
    memcpy(out->b, wire + len - LDG_SIG_LEN, LDG_SIG_LEN);
}

uint8_t *ldg_tx_build(size_t *out_len, ldg_hash *out_id, const char *chain_id,
                      const ldg_hash *genesis, uint64_t type, const ldg_keypair *kp,
                      uint64_t expiry_ms, const uint8_t *payload, size_t payload_len,
                      bool deterministic)
{
    uint8_t nonce[LDG_TX_NONCE_LEN];
    if (deterministic) {
        /* Deterministic nonce (tests, and bulk import's resumable ids): hash of the payload
         * and expiry (encoding.md §4.4). */
        ldg_hash h;
        ldg_hasher hs;
        ldg_hasher_init_tagged(&hs, "folio/test-nonce");
        ldg_hasher_update(&hs, payload, payload_len);
        uint8_t exp_le[8]; /* little-endian on every host: bulk import relies on the id */
        for (int i = 0; i < 8; i++)
            exp_le[i] = (uint8_t)(expiry_ms >> (8 * i));
        ldg_hasher_update(&hs, exp_le, sizeof exp_le);
        ldg_hasher_final(&hs, &h);
        memcpy(nonce, h.b, sizeof nonce);
    } else if (ldg_random(nonce, sizeof nonce) != LDG_OK) {
        return NULL;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_array(&e, 7);
    ldg_enc_u64(&e, LDG_TX_VERSION);
    ldg_enc_str(&e, chain_id);
    ldg_enc_u64(&e, type);
    ldg_enc_bin(&e, kp->pub.b, LDG_PUBKEY_LEN);
    ldg_enc_bin(&e, nonce, sizeof nonce);
    ldg_enc_u64(&e, expiry_ms);
    ldg_enc_raw(&e, payload, payload_len);
    ldg_hash id;
    ldg_tagged_hash(&id, LDG_TAG_TX, ldg_enc_data(&e) + 1, ldg_enc_len(&e) - 1);
    ldg_hash msg;
    ldg_tx_sign_msg(&msg, genesis, &id);
    ldg_sig sig;
    ldg_err err = deterministic ? ldg_sign_deterministic(&sig, kp, &msg) : ldg_sign(&sig, kp, &msg);
    if (err != LDG_OK) {
        ldg_enc_free(&e);
        return NULL;
    }
    ldg_enc_bin(&e, sig.b, LDG_SIG_LEN);
    if (out_id)
        *out_id = id;
    return ldg_enc_take(&e, out_len);
}
