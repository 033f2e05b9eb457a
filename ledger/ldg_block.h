/* Blocks, their certificates and the stored block record (specs/encoding.md).
 *
 *   header = [version, chain_id, height, time_ms, prev_hash, prev_state_root, tx_root,
 *             tx_count, proposer]
 *   hash   = tagged_hash("folio/block", header bytes)
 *   tx_root = tagged_hash("folio/txroot", id_0 || sig_0 || id_1 || sig_1 || ...)
 *             (each transaction's id and signature: a certified header pins its wire bytes)
 *   prev_state_root = the state root after block height-1 (so execution of h can overlap
 *                     agreement on h+1)
 *   cert   = [height, round, block_hash, [[validator_index, sig], ...]]
 *            precommit signatures over ldg_vote_hash(PRECOMMIT, ...) (the consensus core's
 *            signed bytes); 2f+1 of n needed.
 *   record = [header bytes, [tx wire bytes...], cert, [receipt...], state_root]
 *   receipt = [code, detail, data]                                                          */
#ifndef LDG_BLOCK_H
#define LDG_BLOCK_H

#include "ldg_codec.h"
#include "ldg_exec.h"
#include "ldg_key.h"
#include "ldg_sigcache.h"
#include "ldg_limits.h"

#define LDG_BLOCK_VERSION 1

typedef struct ldg_header {
    uint64_t version;
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    uint64_t height;
    uint64_t time_ms;
    ldg_hash prev_hash;
    ldg_hash prev_state_root;
    ldg_hash tx_root;
    uint64_t tx_count;
    ldg_pubkey proposer;
} ldg_header;

void ldg_header_encode(ldg_enc *e, const ldg_header *h);
ldg_err ldg_header_decode(ldg_header *h, const uint8_t *data, size_t len) LDG_WARN_UNUSED;
void ldg_header_hash(ldg_hash *out, const ldg_header *h);
/* The tx root of n transactions given their ids and signatures (refs NULL when n is 0). */
void ldg_tx_root(ldg_hash *out, const ldg_tx_ref *refs, size_t n);
/* The same from the transactions' wire bytes. False (out unset) if one does not decode. */
bool ldg_tx_root_wire(ldg_hash *out, const uint8_t *const *txs, const size_t *lens,
                      uint32_t n) LDG_WARN_UNUSED;

/* Message types of the consensus protocol; the numbers are those of net_cons_msg_type. */
enum { LDG_VOTE_PROPOSAL = 1, LDG_VOTE_PREVOTE = 2, LDG_VOTE_PRECOMMIT = 3 };

/* Bytes a validator signs for a vote (specs/consensus.md, "Signed bytes", the format of
 * net_cons_sign_bytes): len(chain_id) u8 || chain_id || height u64be || round u32be ||
 * type u8 || has_block u8 || block_hash (zero for nil) || valid_round i32be (-1 for votes).
 * Returns the length; out holds LDG_VOTE_SIGN_BYTES_MAX bytes. */
#define LDG_VOTE_SIGN_BYTES_MAX (1 + LDG_CHAIN_ID_LEN_MAX + 8 + 4 + 1 + 1 + 32 + 4)
size_t ldg_vote_sign_bytes(uint8_t out[LDG_VOTE_SIGN_BYTES_MAX], const char *chain_id,
                           uint64_t height, uint32_t round, uint32_t type,
                           const ldg_hash *block_hash, int32_t valid_round);

/* What a validator signs: tagged_hash("folio/vote", sign bytes) for a prevote or precommit
 * (valid_round -1), block_hash NULL for nil. Equal to the consensus core's
 * net_cons_digest(net_cons_sign_bytes(...)), so certificates hold the core's precommits. */
void ldg_vote_hash(ldg_hash *out, const char *chain_id, uint64_t height, uint64_t round,
                   uint32_t type, const ldg_hash *block_hash);

typedef struct ldg_cert_sig {
    uint32_t validator;
    ldg_sig sig;
} ldg_cert_sig;

typedef struct ldg_cert {
    uint64_t height;
    uint64_t round;
    ldg_hash block_hash;
    uint32_t count;
    ldg_cert_sig sigs[LDG_VALIDATORS_MAX];
} ldg_cert;

void ldg_cert_encode(ldg_enc *e, const ldg_cert *c);
ldg_err ldg_cert_decode(ldg_cert *c, const msgpack_object *o) LDG_WARN_UNUSED;
/* Checks 2f+1 distinct valid precommits of the validator set for this block. */
bool ldg_cert_verify(const ldg_cert *c, const char *chain_id, const ldg_pubkey *validators,
                     uint32_t n);
/* The same check, each signature asked of the cache first (ldg_sigcache_verify: the same
 * verdict, hit or miss); cache NULL: ldg_cert_verify. */
bool ldg_cert_verify_cached(const ldg_cert *c, const char *chain_id, const ldg_pubkey *validators,
                            uint32_t n, ldg_sigcache *cache);
/* The certificate of header h by a one-validator set (the embedded node): the PRECOMMIT of
 * validator `index` in round 0, signed with kp. */
ldg_err ldg_cert_sign_one(ldg_cert *c, const ldg_header *h, uint32_t index,
                          const ldg_keypair *kp) LDG_WARN_UNUSED;
/* Quorum for n validators: floor(2n/3) + 1. */
static inline uint32_t ldg_quorum(uint32_t n)
{
    return 2 * n / 3 + 1;
}

/* A block as it travels: its header and its transactions' wire bytes. */
typedef struct ldg_block {
    ldg_header header;
    ldg_hash hash;
    uint32_t tx_count;
    const uint8_t **txs; /* borrowed or owned per the creator's note */
    size_t *tx_lens;
} ldg_block;

#endif
