/* Transactions: the signed envelope every state change travels in.
 *
 *   wire  = [body, signature]                       (canonical msgpack, specs/encoding.md)
 *   body  = [version, chain_id, type, sender, nonce, expiry_ms, payload]
 *   id    = tagged_hash("folio/tx", body bytes)     (the signature is not part of the id)
 *   sig   = BIP-340 Schnorr over id by the sender's key
 *
 * Replay protection: the id is unique per (sender, nonce, ...) and the ledger rejects an id
 * it has seen; nonces are 16 random bytes, so separate processes of one broker need not
 * coordinate. The expiry bounds how long an unseen transaction stays valid. */
#ifndef LDG_TX_H
#define LDG_TX_H

#include "ldg_codec.h"
#include "ldg_key.h"
#include "ldg_limits.h"
#include "ldg_result.h"

#define LDG_TX_VERSION 1

typedef struct ldg_tx {
    uint64_t version;
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    uint64_t type;
    ldg_pubkey sender;
    uint8_t nonce[LDG_TX_NONCE_LEN];
    uint64_t expiry_ms;
    const msgpack_object *payload; /* borrowed from dec, valid until ldg_tx_free */
    ldg_sig sig;
    ldg_hash id;
    ldg_dec dec;
} ldg_tx;

/* Decodes wire bytes and computes the id. Does not verify the signature.
 * Returns LDG_R_OK, LDG_R_TOO_LARGE, LDG_R_MALFORMED or LDG_R_BAD_VERSION; on failure
 * tx needs no free. */
ldg_result ldg_tx_decode(ldg_tx *tx, const uint8_t *wire, size_t len) LDG_WARN_UNUSED;
void ldg_tx_free(ldg_tx *tx);
bool ldg_tx_verify(const ldg_tx *tx);

/* Builds and signs a transaction. `payload` is one canonical msgpack array (e.g. from an
 * ldg_enc). Returns a malloc'd wire buffer (caller frees) or NULL on failure. */
uint8_t *ldg_tx_build(size_t *out_len, ldg_hash *out_id, const char *chain_id, uint64_t type,
                      const ldg_keypair *kp, uint64_t expiry_ms, const uint8_t *payload,
                      size_t payload_len, bool deterministic);

#endif
