/* Transactions: the signed envelope every state change travels in.
 *
 *   wire  = [body, signature]                       (canonical msgpack, specs/encoding.md)
 *   body  = [version, chain_id, type, sender, nonce, expiry_ms, payload]
 *   id    = tagged_hash("folio/tx", body bytes)     (the signature is not part of the id)
 *   sig   = BIP-340 Schnorr over id by the sender's key
 *   ref   = (id, sig): what a block's tx root and a batch digest commit to; since the wire
 *           is canonical and ends with the signature, the pair pins the wire bytes
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

/* A transaction as block tx roots and batch digests hold it (specs/encoding.md §5.2):
 * hashed as laid out, id then signature, 96 bytes with no padding. */
typedef struct ldg_tx_ref {
    ldg_hash id;
    ldg_sig sig;
} ldg_tx_ref;

_Static_assert(sizeof(ldg_tx_ref) == LDG_HASH_LEN + LDG_SIG_LEN, "ldg_tx_ref is hashed as is");

/* Decodes wire bytes and computes the id. Does not verify the signature.
 * Returns LDG_R_OK, LDG_R_TOO_LARGE, LDG_R_MALFORMED or LDG_R_BAD_VERSION; on failure
 * tx needs no free. */
ldg_result ldg_tx_decode(ldg_tx *tx, const uint8_t *wire, size_t len) LDG_WARN_UNUSED;
void ldg_tx_free(ldg_tx *tx);
/* What the sender signs: TH("folio/txsig", genesis || id), so that a signature binds the
 * chain (the hash of its genesis document, ldg_genesis_hash) and a transaction for one
 * chain is refused by every other, even one with the same chain-id string. */
void ldg_tx_sign_msg(ldg_hash *out, const ldg_hash *genesis, const ldg_hash *id);
/* Whether tx is signed by its sender for the chain whose genesis hash is `genesis`. */
bool ldg_tx_verify(const ldg_tx *tx, const ldg_hash *genesis);

static inline ldg_tx_ref ldg_tx_ref_of(const ldg_tx *tx)
{
    return (ldg_tx_ref){.id = tx->id, .sig = tx->sig};
}

/* The signature of wire bytes that ldg_tx_decode accepted (their last LDG_SIG_LEN bytes):
 * for callers that kept the id and the bytes, not the decoded transaction. Asserts the
 * signature trailer is there. */
void ldg_tx_wire_sig(ldg_sig *out, const uint8_t *wire, size_t len);

/* Builds and signs a transaction for the chain (chain_id, genesis). `payload` is one
 * canonical msgpack array (e.g. from an ldg_enc). Returns a malloc'd wire buffer (caller
 * frees) or NULL on failure. */
uint8_t *ldg_tx_build(size_t *out_len, ldg_hash *out_id, const char *chain_id,
                      const ldg_hash *genesis, uint64_t type, const ldg_keypair *kp,
                      uint64_t expiry_ms, const uint8_t *payload, size_t payload_len,
                      bool deterministic);

#endif
